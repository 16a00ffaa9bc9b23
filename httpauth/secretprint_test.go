package httpauth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/gocred/gocred/cred"
)

// printings returns v as every common way of printing it shows it: fmt
// verbs, log/slog's text and JSON handlers, encoding/json.
func printings(t *testing.T, v any) []string {
	t.Helper()
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
		t.Fatalf("json: %v", err)
	}
	return append(out, string(j))
}

// Secrets never print: the nonce key in DigestOptions, and the password
// in PasswordCredentials (by value and by pointer), whatever prints them.
func TestSecretsNeverPrint(t *testing.T) {
	key := SecretKey(bytes.Repeat([]byte("K"), 32))
	pw := cred.NewUsernamePassword("alice", "hunter2-secret")
	cases := []struct {
		name, secret string
		v            any
	}{
		{"DigestOptions by value", "KKKK", DigestOptions{Realm: "r", Key: key}},
		{"DigestOptions by pointer", "KKKK", &DigestOptions{Realm: "r", Key: key}},
		{"a SecretKey in hex", "4b4b4b4b", key},
		{"PasswordCredentials by pointer", "hunter2", pw},
		{"PasswordCredentials by value", "hunter2", *pw},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, s := range printings(t, tc.v) {
				if strings.Contains(s, tc.secret) {
					t.Errorf("printed %q", s)
				}
			}
		})
	}
}
