package checkers

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	auth "github.com/abbot/go-http-auth"
	"github.com/gocred/gocred/cred"
)

func TestFromBasicSecretProvider(t *testing.T) {
	c := FromBasicSecretProvider(auth.HtpasswdFileProvider("testdata/users.htpasswd"), "gocred")
	up := cred.NewUsernamePassword
	var cases []checkCase
	for _, u := range htpasswdUsers {
		cases = append(cases,
			checkCase{u + " logs in through go-http-auth's htpasswd provider", up(u, u+"-secret"), u},
			checkCase{u + " is refused a wrong password", up(u, "wrong"), ""},
		)
	}
	cases = append(cases,
		checkCase{"an unknown user (empty secret) is refused like a wrong password", up("nobody", "x"), ""},
		checkCase{"an empty user name is refused", up("", "x"), ""},
	)
	runCheckCases(t, c, cases)

	t.Run("it learns a format from the known users named, then from logins", func(t *testing.T) {
		c := FromBasicSecretProvider(auth.HtpasswdFileProvider("testdata/users.htpasswd"), "gocred", "bcrypt", "nobody").(*basicSecretChecker)
		c.RequestAvatarID(context.Background(), up("sha512rounds", "x"), cred.Mind{})
		c.RequestAvatarID(context.Background(), up("bcrypt", "x"), cred.Mind{})
		var classes []string
		for _, d := range *c.verifier.dummies.Load() {
			classes = append(classes, d.info.class)
		}
		if len(classes) != 3 || classes[0] != "$apr1$8" || classes[1] != "$2$5" || !strings.HasPrefix(classes[2], "$6$rounds=") {
			t.Fatalf("dummy classes %q, want apr1 (the default), bcrypt-5, then SHA-512 crypt", classes)
		}
	})
	t.Run("failed logins cost alike once the admin's format is known", func(t *testing.T) {
		assertFailuresCostAlike(t, FromBasicSecretProvider(auth.HtpasswdFileProvider(mixedFile(t)), "gocred", "admin"))
	})
}

func TestFromDigestSecretProvider(t *testing.T) {
	c := FromDigestSecretProvider(auth.HtdigestFileProvider("testdata/users.htdigest"), "gocred")
	up := cred.NewUsernamePassword
	runCheckCases(t, c, []checkCase{
		{"an MD5 Digest logs in by the provider's HA1", onlyDigestHash(cred.AlgorithmMD5, "alice", "gocred", "alice-secret"), "alice"},
		{"a wrong Digest password is refused", onlyDigestHash(cred.AlgorithmMD5, "alice", "gocred", "nope"), ""},
		{"an unknown Digest user (empty HA1) is refused", onlyDigestHash(cred.AlgorithmMD5, "mallory", "gocred", ""), ""},
		{"a Digest for another realm is refused", onlyDigestHash(cred.AlgorithmMD5, "carol", "other", "carol-secret"), ""},
		{"a SHA-256 Digest is refused", onlyDigestHash(cred.AlgorithmSHA256, "alice", "gocred", "alice-secret"), ""},
		{"a Basic password logs in", up("bob", "bob-secret"), "bob"},
		{"a wrong Basic password is refused", up("bob", "alice-secret"), ""},
		{"an unknown Basic user is refused", up("mallory", ""), ""},
		{"an empty user name is refused", up("", "bob-secret"), ""},
	})
	t.Run("an unknown user is checked against a dummy HA1, never an empty one", func(t *testing.T) {
		d := &countingDigest{digestCreds: newDigestCreds(cred.AlgorithmMD5, "mallory", "gocred", "")}
		c.RequestAvatarID(context.Background(), d, cred.Mind{})
		if d.checks != 1 || len(d.lastHA1) != 32 {
			t.Fatalf("%d checks, last HA1 %q", d.checks, d.lastHA1)
		}
	})
	t.Run("a malformed HA1 from the provider is an internal error", func(t *testing.T) {
		bad := FromDigestSecretProvider(func(user, realm string) string { return "not-an-ha1" }, "gocred")
		_, err := bad.RequestAvatarID(context.Background(), up("alice", "x"), cred.Mind{})
		if err == nil || errors.Is(err, cred.ErrUnauthorizedLogin) || strings.Contains(err.Error(), "not-an-ha1") {
			t.Fatalf("got %v", err)
		}
	})
}

func TestSecretProviderPanicsBecomeInternalErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	malformed := writeFile(t, "bad", "alice:x:y\nbob\n") // go-http-auth's CSV reader panics on ragged lines
	tests := []struct {
		name    string
		checker cred.Checker
		creds   cred.Credentials
	}{
		{"a Basic provider over a missing file", FromBasicSecretProvider(auth.HtpasswdFileProvider(missing), "r"), cred.NewUsernamePassword("alice", "x")},
		{"a Basic provider over a malformed file", FromBasicSecretProvider(auth.HtpasswdFileProvider(malformed), "r"), cred.NewUsernamePassword("alice", "x")},
		{"a Digest provider over a missing file", FromDigestSecretProvider(auth.HtdigestFileProvider(missing), "r"), onlyDigestHash(cred.AlgorithmMD5, "alice", "r", "x")},
		{"a Digest provider over a malformed file", FromDigestSecretProvider(auth.HtdigestFileProvider(malformed), "r"), cred.NewUsernamePassword("alice", "x")},
		{"a provider panicking with a string", FromBasicSecretProvider(func(string, string) string { panic("hash $apr1$xyz") }, "r"), cred.NewUsernamePassword("alice", "x")},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is an internal error, not a refusal", func(t *testing.T) {
			id, err := tt.checker.RequestAvatarID(context.Background(), tt.creds, cred.Mind{})
			if err == nil || errors.Is(err, cred.ErrUnauthorizedLogin) || !id.IsZero() {
				t.Fatalf("got %v, %v", id, err)
			}
			if !strings.Contains(err.Error(), "panicked") || strings.Contains(err.Error(), "$apr1$") {
				t.Fatalf("error %q", err)
			}
		})
	}
}
