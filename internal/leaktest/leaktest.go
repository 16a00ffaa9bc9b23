package leaktest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
)

// Printings returns v as each common way of printing it shows it: the fmt
// verbs %v %+v %#v %s %q %x, a log/slog text line and JSON line with v as
// an attribute, and encoding/json (or the marshalling error's text).
func Printings(v any) []string {
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		out = append(out, fmt.Sprintf(verb, v))
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
