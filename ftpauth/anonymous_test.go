package ftpauth

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/afero"

	"github.com/gocred/gocred/cred"
)

func TestAnonymousIsOffByDefault(t *testing.T) {
	f := newFixture(t, fixtureConfig{})
	for _, name := range []string{"anonymous", "ftp"} {
		t.Run(name+" is refused like an unknown user", func(t *testing.T) {
			c := f.raw()
			cmd(t, c, "USER %s", name)
			code, msg := cmd(t, c, "PASS guest@example.org")
			if code != 530 || msg != "Login incorrect." {
				t.Errorf("PASS: %d %q, want 530 Login incorrect.", code, msg)
			}
		})
	}
	if n := f.logins.Load(); n != 0 {
		t.Errorf("%d logins reached the realm, want 0", n)
	}
}

func TestAnonymousNames(t *testing.T) {
	tests := []struct {
		name  string
		names []string
		user  string
		anon  bool
	}{
		{"anonymous logs in anonymously by default", nil, "anonymous", true},
		{"ftp logs in anonymously by default", nil, "ftp", true},
		{"the names are compared without regard to case", nil, "Anonymous", true},
		{"a configured name logs in anonymously", []string{"guest"}, "guest", true},
		{"a default name is a plain user name once others are configured", []string{"guest"}, "anonymous", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, fixtureConfig{opts: Options{Anonymous: true, AnonymousNames: tt.names}})
			c := f.dial()
			err := c.Login(tt.user, "guest@example.org")
			if tt.anon && err != nil {
				t.Fatalf("login as %s: %v", tt.user, err)
			}
			if !tt.anon && ftpCode(err) != 530 {
				t.Fatalf("login as %s: %v, want 530", tt.user, err)
			}
		})
	}
}

// tree lists every path under dir with its size, to show nothing changed.
func tree(t *testing.T, dir string) string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, rel+" "+info.Mode().String())
		if !e.IsDir() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out = append(out, string(b))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

func TestAnonymousIsReadOnly(t *testing.T) {
	// The realm below hands anonymous a writable tree on purpose: the
	// driver must make it read-only anyway.
	var root string
	careless := cred.RealmFunc(func(_ context.Context, id cred.AvatarID, _ cred.Mind, _ ...reflect.Type) (reflect.Type, any, func(), error) {
		return reflect.TypeFor[afero.Fs](), afero.NewBasePathFs(afero.NewOsFs(), root), nil, nil
	})
	for _, realm := range []struct {
		name  string
		realm cred.Realm
	}{
		{"from a realm that makes it read-only", nil},
		{"from a realm that forgot to", careless},
	} {
		t.Run(realm.name, func(t *testing.T) {
			f := newFixture(t, fixtureConfig{opts: Options{Anonymous: true}, realm: realm.realm})
			root = f.dir
			c := f.login("anonymous", "guest@example.org")
			if got := readAll(t, c, "hello.txt"); got != "hello, world\n" {
				t.Errorf("anonymous RETR = %q", got)
			}
			if _, err := c.List("/pub"); err != nil {
				t.Errorf("anonymous LIST: %v", err)
			}

			before := tree(t, f.dir)
			raw := f.raw()
			cmd(t, raw, "USER anonymous")
			if code, _ := cmd(t, raw, "PASS guest@example.org"); code != 230 {
				t.Fatalf("anonymous PASS: %d", code)
			}
			writes := []struct{ name, cmd string }{
				{"STOR", "STOR new.txt"},
				{"STOR over a file", "STOR hello.txt"},
				{"APPE", "APPE hello.txt"},
				{"DELE", "DELE hello.txt"},
				{"MKD", "MKD newdir"},
				{"RMD", "RMD pub"},
				{"RNTO", "RNTO renamed.txt"}, // after the RNFR below
				{"SITE CHMOD", "SITE CHMOD 777 hello.txt"},
			}
			for _, w := range writes {
				t.Run(w.name+" answers 550", func(t *testing.T) {
					if w.name == "RNTO" {
						if code, _ := cmd(t, raw, "RNFR hello.txt"); code != 350 {
							t.Fatalf("RNFR: %d, want 350", code)
						}
					}
					if code, msg := cmd(t, raw, "%s", w.cmd); code != 550 {
						t.Errorf("%s: %d %q, want 550", w.cmd, code, msg)
					}
				})
			}
			if after := tree(t, f.dir); after != before {
				t.Errorf("anonymous changed the tree:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
}
