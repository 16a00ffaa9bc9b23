package realms_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/gocred/gocred/cred"
	"github.com/gocred/gocred/realms"
	"github.com/spf13/afero"
)

// passwords is a checker over a fixed table, built from cred's own adapter.
func passwords(users map[string]string) *cred.CheckerFunc {
	return cred.NewCheckerFunc(func(ctx context.Context, creds cred.Credentials, mind cred.Mind) (cred.AvatarID, error) {
		up, ok := creds.(cred.UsernamePassword)
		if !ok {
			return cred.AvatarID{}, cred.ErrUnauthorizedLogin
		}
		want, known := users[up.Username()]
		if !known || !up.CheckPassword(want) {
			return cred.AvatarID{}, cred.ErrUnauthorizedLogin
		}
		return cred.UserID(up.Username()), nil
	}, cred.UsernamePasswordType)
}

// anonymousOK admits anonymous credentials as the anonymous avatar.
var anonymousOK = cred.NewCheckerFunc(func(context.Context, cred.Credentials, cred.Mind) (cred.AvatarID, error) {
	return cred.AnonymousID, nil
}, cred.AnonymousType)

func directoryPortal(t *testing.T, fsys afero.Fs, opts realms.DirectoryOptions) *cred.Portal {
	t.Helper()
	p, err := cred.NewPortal(newDirectory(t, fsys, opts),
		passwords(map[string]string{"a": "pa", "b": "pb", "anonymous": "pn", "mallory": "pm"}), anonymousOK)
	if err != nil {
		t.Fatalf("NewPortal: %v", err)
	}
	return p
}

func TestPortalLogsInToADirectoryAsAnAferoFs(t *testing.T) {
	tree := usersTree(t)
	p := directoryPortal(t, tree, realms.DirectoryOptions{
		Root: "/srv", PerUser: true, Anonymous: realms.AnonymousReadOnly, AnonymousDir: "pub",
		Deny: func(id cred.AvatarID) bool { return id.Name() == "mallory" },
	})
	tests := []struct {
		name     string
		creds    cred.Credentials
		wantErr  error
		wantRead string // a file the avatar reads at /
		want     string
	}{
		{"a user with the right password gets their own files", cred.NewUsernamePassword("a", "pa"), nil, "own.txt", "a's own"},
		{"another user gets theirs", cred.NewUsernamePassword("b", "pb"), nil, "secret.txt", "b's secret"},
		{"anonymous credentials get the public directory", cred.AnonymousCredentials{}, nil, "hello.txt", "public hello"},
		{"a wrong password is unauthorized", cred.NewUsernamePassword("a", "pb"), cred.ErrUnauthorizedLogin, "", ""},
		{"an unknown user is unauthorized", cred.NewUsernamePassword("zed", "pa"), cred.ErrUnauthorizedLogin, "", ""},
		{"a denied user with the right password is denied", cred.NewUsernamePassword("mallory", "pm"), cred.ErrLoginDenied, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys, session, err := cred.Login[afero.Fs](context.Background(), p, tt.creds, cred.Mind{Protocol: "ftp"})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Login: %v", err)
			}
			defer session.Logout()
			if got, err := afero.ReadFile(fsys, tt.wantRead); err != nil || string(got) != tt.want {
				t.Errorf("read %s = %q, %v; want %q", tt.wantRead, got, err, tt.want)
			}
		})
	}
	t.Run("a user named anonymous logs in as a user with a writable root", func(t *testing.T) {
		fsys, session, err := cred.Login[afero.Fs](context.Background(), p, cred.NewUsernamePassword("anonymous", "pn"), cred.Mind{})
		if err != nil {
			t.Fatalf("Login: %v", err)
		}
		defer session.Logout()
		if !session.ID.IsUser() || session.ID.IsAnonymous() {
			t.Errorf("session ID = %s, want a user", session.ID)
		}
		if err := afero.WriteFile(fsys, "note.txt", []byte("x"), 0o640); err != nil {
			t.Errorf("write: %v", err)
		}
		if ok, _ := afero.Exists(tree, "/srv/anonymous/note.txt"); !ok {
			t.Errorf("the write did not land in /srv/anonymous")
		}
	})
}

func TestPortalLogsInToADirectoryAsAnHTTPHandler(t *testing.T) {
	p := directoryPortal(t, usersTree(t), realms.DirectoryOptions{Root: "/srv", PerUser: true})
	h, session, err := cred.Login[http.Handler](context.Background(), p, cred.NewUsernamePassword("a", "pa"), cred.Mind{Protocol: "http"})
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	defer session.Logout()
	tests := []struct {
		name   string
		target string
		wantOK bool
	}{
		{"a fetches their own file", "/own.txt", true},
		{"a cannot fetch b's file through an encoded ..", "/%2e%2e/b/secret.txt", false},
		{"a cannot fetch ab's file through an encoded ..", "/%2e%2e/ab/secret.txt", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := get(h, tt.target)
			if (code == http.StatusOK) != tt.wantOK {
				t.Fatalf("GET %s = %d %q, want ok: %v", tt.target, code, body, tt.wantOK)
			}
		})
	}
	t.Run("anonymous is denied when the directory does not allow it", func(t *testing.T) {
		_, _, err := cred.Login[http.Handler](context.Background(), p, cred.AnonymousCredentials{}, cred.Mind{})
		if !errors.Is(err, cred.ErrLoginDenied) {
			t.Fatalf("err = %v, want ErrLoginDenied", err)
		}
	})
}

func TestPortalLogsInToStaticAndForRealms(t *testing.T) {
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("hello")) })
	realmsUnderTest := []struct {
		name  string
		realm cred.Realm
	}{
		{"a static realm", realms.NewStaticOf[http.Handler](hello)},
		{"a typed func realm", realms.For(func(context.Context, cred.AvatarID, cred.Mind) (http.Handler, func(), error) {
			return hello, nil, nil
		})},
	}
	for _, rt := range realmsUnderTest {
		p, err := cred.NewPortal(rt.realm, passwords(map[string]string{"a": "pa"}))
		if err != nil {
			t.Fatalf("NewPortal: %v", err)
		}
		t.Run(rt.name+" serves the interface it is asked for", func(t *testing.T) {
			h, session, err := cred.Login[http.Handler](context.Background(), p, cred.NewUsernamePassword("a", "pa"), cred.Mind{})
			if err != nil {
				t.Fatalf("Login: %v", err)
			}
			defer session.Logout()
			if code, body := get(h, "/"); code != http.StatusOK || body != "hello" {
				t.Errorf("GET / = %d %q", code, body)
			}
		})
		t.Run(rt.name+" fails, without a denial, for an interface it lacks", func(t *testing.T) {
			_, _, err := cred.Login[afero.Fs](context.Background(), p, cred.NewUsernamePassword("a", "pa"), cred.Mind{})
			if !errors.Is(err, realms.ErrUnsupportedInterface) || errors.Is(err, cred.ErrLoginDenied) {
				t.Fatalf("err = %v, want ErrUnsupportedInterface", err)
			}
		})
	}
}
