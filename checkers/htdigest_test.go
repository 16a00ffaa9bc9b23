package checkers

import (
	"context"
	"crypto/md5"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gocred/gocred/cred"
)

// testdata/users.htdigest, written by Apache's htdigest: alice and bob in
// realm "gocred", carol in realm "other"; each password is name + "-secret".

func TestHtdigest(t *testing.T) {
	h, err := NewHtdigest("testdata/users.htdigest", "gocred")
	if err != nil {
		t.Fatal(err)
	}
	if h.Len() != 2 {
		t.Fatalf("Len = %d", h.Len())
	}
	up := cred.NewUsernamePassword
	md5Digest := func(user, realm, pw string) cred.Credentials {
		return onlyDigestHash(cred.AlgorithmMD5, user, realm, pw)
	}
	sess := newDigestCreds(cred.AlgorithmMD5, "alice", "gocred", "alice-secret")
	sess.algorithm = "MD5-sess"
	runCheckCases(t, h, []checkCase{
		{"a Basic password of the realm logs in", up("alice", "alice-secret"), "alice"},
		{"another user of the realm logs in", up("bob", "bob-secret"), "bob"},
		{"a wrong Basic password is refused", up("alice", "bob-secret"), ""},
		{"an unknown Basic user is refused like a wrong password", up("mallory", "alice-secret"), ""},
		{"a user of another realm in the file is refused", up("carol", "carol-secret"), ""},
		{"an empty user name is refused", up("", "alice-secret"), ""},
		{"an MD5 Digest of the realm logs in by HA1", md5Digest("alice", "gocred", "alice-secret"), "alice"},
		{"an MD5-sess Digest uses the same HA1", struct{ cred.UsernameDigestHash }{sess}, "alice"},
		{"a wrong Digest password is refused", md5Digest("alice", "gocred", "nope"), ""},
		{"an unknown Digest user is refused", md5Digest("mallory", "gocred", "nope"), ""},
		{"an empty Digest user name is refused", md5Digest("", "gocred", "nope"), ""},
		{"a Digest for another realm is refused", md5Digest("carol", "other", "carol-secret"), ""},
		{"a SHA-256 Digest is refused: the file has MD5 HA1s only", onlyDigestHash(cred.AlgorithmSHA256, "alice", "gocred", "alice-secret"), ""},
	})
	t.Run("it offers MD5 for its realm only", func(t *testing.T) {
		if got := h.DigestAlgorithms("gocred"); len(got) != 1 || got[0] != cred.AlgorithmMD5 {
			t.Fatalf("gocred: %v", got)
		}
		if got := h.DigestAlgorithms("other"); len(got) != 0 {
			t.Fatalf("other: %v", got)
		}
	})
	t.Run("a userhash of the realm resolves", func(t *testing.T) {
		uh := digestHex(md5.New, "bob", "gocred")
		if name, ok := h.ResolveUserHash(context.Background(), "gocred", "MD5", strings.ToUpper(uh)); !ok || name != "bob" {
			t.Fatalf("got %q, %v", name, ok)
		}
		if _, ok := h.ResolveUserHash(context.Background(), "gocred", cred.AlgorithmSHA256, uh); ok {
			t.Fatal("resolved under SHA-256")
		}
		if _, ok := h.ResolveUserHash(context.Background(), "other", "MD5", digestHex(md5.New, "carol", "other")); ok {
			t.Fatal("resolved in another realm")
		}
	})
	t.Run("String names the file", func(t *testing.T) {
		if h.String() != "htdigest testdata/users.htdigest" || h.Realm() != "gocred" {
			t.Fatalf("String = %q", h.String())
		}
	})
}

func TestHtdigestLoadErrors(t *testing.T) {
	const ha1 = "013ab420192868c851a647e590d13ae5"
	tests := []struct {
		name, contents string
		line           int
		reason         string
	}{
		{"a line with two fields is refused", "alice:" + ha1 + "\n", 1, "found 2 fields"},
		{"a line with four fields is refused", "# x\nalice:gocred:" + ha1 + ":x\n", 2, "found 4 fields"},
		{"a short HA1 is refused", "alice:gocred:013ab4\n", 1, "not 32 hexadecimal"},
		{"a non-hex HA1 is refused", "alice:gocred:" + strings.Repeat("z", 32) + "\n", 1, "not 32 hexadecimal"},
		{"an empty user is refused", ":gocred:" + ha1 + "\n", 1, "empty user name"},
		{"a duplicate user in a realm is refused", "alice:gocred:" + ha1 + "\nalice:other:" + ha1 + "\nalice:gocred:" + ha1 + "\n", 3, `duplicate user "alice" in realm "gocred" (first on line 1)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "users.htdigest", tt.contents)
			_, err := NewHtdigest(path, "gocred")
			prefix := path + ":" + strconv.Itoa(tt.line) + ": "
			if err == nil || !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("error %v; want prefix %q and %q", err, prefix, tt.reason)
			}
			if strings.Contains(err.Error(), "013ab4") {
				t.Fatalf("error %q shows the HA1", err)
			}
		})
	}
	t.Run("a realm with no user is an error naming the realms found", func(t *testing.T) {
		_, err := NewHtdigest("testdata/users.htdigest", "gocrd")
		if err == nil || !strings.Contains(err.Error(), `no user for realm "gocrd" (realms in the file: "gocred", "other")`) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a missing file is an error", func(t *testing.T) {
		if _, err := NewHtdigest(filepath.Join(t.TempDir(), "none"), "gocred"); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestHtdigestReloads(t *testing.T) {
	path := copyFixture(t, "users.htdigest")
	var logs logBuffer
	h, err := NewHtdigest(path, "gocred", WithReloadInterval(0), WithLogger(logs.logger()))
	if err != nil {
		t.Fatal(err)
	}
	login := func(user, pw string) error {
		_, err := h.RequestAvatarID(context.Background(), cred.NewUsernamePassword(user, pw), cred.Mind{})
		return err
	}
	orig, _ := os.ReadFile(path)
	more, _ := os.ReadFile("testdata/more.htdigest")
	replace := func(data string) {
		t.Helper()
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("a user added to the file logs in", func(t *testing.T) {
		replace(string(orig) + string(more))
		if err := login("dave", "dave-secret"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a broken edit keeps the last good contents and logs file and line", func(t *testing.T) {
		replace(string(orig) + string(more) + "eve:gocred:nothex\n")
		if err := login("dave", "dave-secret"); err != nil {
			t.Fatalf("last good contents lost: %v", err)
		}
		if !strings.Contains(logs.String(), path+":5: ") {
			t.Fatalf("log %q", logs.String())
		}
		if err := h.Reload(); err == nil {
			t.Fatal("Reload of a broken file succeeded")
		}
	})
	t.Run("removing every user of the realm takes effect, with a warning", func(t *testing.T) {
		replace("carol:other:a2047ce00d536cd01e42df25064f2ca1\n")
		if err := login("alice", "alice-secret"); !errors.Is(err, cred.ErrUnauthorizedLogin) {
			t.Fatalf("got %v", err)
		}
		if h.Len() != 0 || !strings.Contains(logs.String(), "no user left for the realm") {
			t.Fatalf("Len %d, log %q", h.Len(), logs.String())
		}
	})
}

func TestHtdigestUnknownUsersDoTheSameArithmetic(t *testing.T) {
	h, err := NewHtdigest("testdata/users.htdigest", "gocred", WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	// The credential counts how often it is asked to check an HA1: the
	// unknown user must be asked exactly as often as a known one.
	for _, user := range []string{"alice", "mallory"} {
		c := &countingDigest{digestCreds: newDigestCreds(cred.AlgorithmMD5, user, "gocred", "wrong")}
		h.RequestAvatarID(context.Background(), c, cred.Mind{})
		if c.checks != 1 || len(c.lastHA1) != 32 {
			t.Fatalf("%s: %d checks of a %d-character HA1; want 1 of 32", user, c.checks, len(c.lastHA1))
		}
	}
}

type countingDigest struct {
	*digestCreds
	checks  int
	lastHA1 string
}

func (c *countingDigest) CheckHash(ha1 string) bool {
	c.checks++
	c.lastHA1 = ha1
	return c.digestCreds.CheckHash(ha1)
}

func FuzzParseHtdigest(f *testing.F) {
	for _, name := range []string{"users.htdigest", "more.htdigest"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, "gocred")
	}
	f.Add([]byte("a::00000000000000000000000000000000\n#\n\r\nb:c\n"), "")
	f.Fuzz(func(t *testing.T, data []byte, realm string) {
		tbl, err := parseHtdigest("fuzz", realm, data)
		if err != nil {
			if !lineError.MatchString(err.Error()) {
				t.Fatalf("error %q does not name a line", err)
			}
			return
		}
		for user, ha1 := range tbl.users {
			if user == "" || len(ha1) != 32 {
				t.Fatalf("accepted user %q HA1 %q", user, ha1)
			}
		}
	})
}
