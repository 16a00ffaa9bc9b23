package httpauth

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gocred/gocred/cred"
	"github.com/gocred/gocred/internal/leaktest"
)

// Secrets never print: the nonce key in DigestOptions, and the password
// in PasswordCredentials (by value and by pointer), whatever prints them.
func TestSecretsNeverPrint(t *testing.T) {
	key := NewSecretKey(bytes.Repeat([]byte("K"), 32))
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
			for _, s := range leaktest.Printings(tc.v) {
				if strings.Contains(s, tc.secret) {
					t.Errorf("printed %q", s)
				}
			}
		})
	}
}
