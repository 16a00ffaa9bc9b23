package leaktest

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"log/slog"
)

// holder keeps a value in an unexported field, where fmt cannot call its
// String or Format methods and prints its fields itself.
type holder struct{ held any }

// Printings returns v as each common way of printing it shows it: the fmt
// verbs %v %+v %#v %s %q %x, of v and of a struct holding v in an
// unexported field, a log/slog text line and JSON line with v as an
// attribute, and encoding/json and encoding/xml (or the marshalling
// errors' texts).
func Printings(v any) []string {
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		out = append(out, fmt.Sprintf(verb, v), fmt.Sprintf(verb, holder{v}))
	}
	if x, err := xml.Marshal(v); err != nil {
		out = append(out, err.Error())
	} else {
		out = append(out, string(x))
	}
	for _, h := range []func(*bytes.Buffer) slog.Handler{
		func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		var b bytes.Buffer
		slog.New(h(&b)).Info("x", "v", v)
		out = append(out, b.String())
	}
	j, err := json.Marshal(v)
	if err != nil {
		return append(out, err.Error())
	}
	return append(out, string(j))
}
