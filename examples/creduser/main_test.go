package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocred/gocred/cred"
	"github.com/gocred/gocred/sqlchecker"
)

// creduser runs the tool in-process with stdin and returns its exit
// status and output.
func creduser(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCreduserManagesUsersTheCheckerAccepts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.db")
	dsn := "sqlite:" + path
	// bcrypt at its minimum cost keeps the test quick.
	fast := []string{"-db", dsn, "-hash", "bcrypt", "-bcrypt-cost", "4"}
	steps := []struct {
		name     string
		stdin    string
		args     []string
		wantCode int
		wantOut  string
	}{
		{"init creates the schema", "", []string{"-db", dsn, "init"}, 0, "schema ready"},
		{"init again is harmless", "", []string{"-db", dsn, "init"}, 0, "schema ready"},
		{"add reads the password from stdin", "first-pw\n", append(fast, "-digest-realm", "files", "add", "alice"), 0, `added "alice"`},
		{"add with argon2id works too", "bob-pw\n", []string{"-db", dsn, "add", "bob"}, 0, "argon2id"},
		{"adding a user twice fails", "x\n", append(fast, "add", "alice"), 1, ""},
		{"an empty password is refused", "\n", append(fast, "add", "carol"), 1, ""},
		{"passwd changes the password", "second-pw\n", append(fast, "-digest-realm", "files", "-digest-algorithms", "SHA-256", "passwd", "alice"), 0, "changed the password"},
		{"passwd of an unknown user fails", "x\n", append(fast, "passwd", "nobody"), 1, ""},
		{"disable marks the user", "", []string{"-db", dsn, "disable", "bob"}, 0, `disabled "bob"`},
		{"list shows users, flags and HA1s, never a hash", "", []string{"-db", dsn, "list"}, 0, "alice digest:files/SHA-256\nbob (disabled)\n"},
		{"a password on the command line is a usage error", "", []string{"-db", dsn, "add", "dave", "dave-pw"}, 2, ""},
		{"an unknown command is a usage error", "", []string{"-db", dsn, "frobnicate"}, 2, ""},
	}
	for _, s := range steps {
		ok := t.Run(s.name, func(t *testing.T) {
			code, out, errOut := creduser(t, s.stdin, s.args...)
			if code != s.wantCode || !strings.Contains(out, s.wantOut) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, out, errOut, s.wantCode, s.wantOut)
			}
			if strings.Contains(out+errOut, "$2a$") || strings.Contains(out+errOut, "$argon2id$") {
				t.Fatalf("output shows a hash: %q %q", out, errOut)
			}
		})
		if !ok {
			return
		}
	}

	t.Run("the checker accepts what the tool stored", func(t *testing.T) {
		db, err := sql.Open("sqlite", "file:"+path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		c, err := sqlchecker.New(db, sqlchecker.Options{})
		if err != nil {
			t.Fatal(err)
		}
		logins := []struct {
			name  string
			creds cred.Credentials
			want  error
		}{
			{"the changed password", cred.NewUsernamePassword("alice", "second-pw"), nil},
			{"the old password", cred.NewUsernamePassword("alice", "first-pw"), cred.ErrUnauthorizedLogin},
			{"a disabled user", cred.NewUsernamePassword("bob", "bob-pw"), cred.ErrLoginDenied},
			{"a user never added", cred.NewUsernamePassword("carol", ""), cred.ErrUnauthorizedLogin},
		}
		for _, l := range logins {
			_, err := c.RequestAvatarID(context.Background(), l.creds, cred.Mind{})
			if !errors.Is(err, l.want) || (l.want == nil) != (err == nil) {
				t.Errorf("%s: %v, want %v", l.name, err, l.want)
			}
		}
	})

	t.Run("remove deletes the user", func(t *testing.T) {
		if code, _, errOut := creduser(t, "", "-db", dsn, "remove", "alice"); code != 0 {
			t.Fatalf("remove: %d %s", code, errOut)
		}
		if _, out, _ := creduser(t, "", "-db", dsn, "list"); strings.Contains(out, "alice") {
			t.Fatalf("list after remove: %q", out)
		}
	})
}

// TestCreduserBinary builds the tool and runs it as a user would, with the
// password piped in.
func TestCreduserBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the tool with")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "creduser")
	if out, err := exec.Command(gobin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	db := "sqlite:" + filepath.Join(dir, "users.db")
	for _, args := range [][]string{{"-db", db, "init"}, {"-db", db, "-hash", "bcrypt", "-bcrypt-cost", "4", "add", "alice"}, {"-db", db, "list"}} {
		cmd := exec.Command(bin, args...)
		cmd.Stdin = strings.NewReader("piped-pw\n")
		cmd.Env = append(os.Environ(), "GOCRED_DB=")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("creduser %v: %v\n%s", args, err, out)
		}
		if args[len(args)-1] == "list" && strings.TrimSpace(string(out)) != "alice" {
			t.Fatalf("list = %q, want alice", out)
		}
	}
}
