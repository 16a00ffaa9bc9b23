package realms_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/gocred/gocred/cred"
	"github.com/gocred/gocred/realms"
	"github.com/spf13/afero"
)

// memTree returns an in-memory Fs holding files (path -> content).
func memTree(t *testing.T, files map[string]string) afero.Fs {
	t.Helper()
	m := afero.NewMemMapFs()
	for name, content := range files {
		if err := afero.WriteFile(m, name, []byte(content), 0o640); err != nil {
			t.Fatalf("WriteFile %s: %v", name, err)
		}
	}
	return m
}

// usersTree has users "a", "b" and "ab" (whose name starts with "a", the
// case a prefix check gets wrong), a file above their roots and a public
// directory.
func usersTree(t *testing.T) afero.Fs {
	return memTree(t, map[string]string{
		"/srv/a/own.txt":     "a's own",
		"/srv/b/secret.txt":  "b's secret",
		"/srv/ab/secret.txt": "ab's secret",
		"/srv/top.txt":       "above the user roots",
		"/srv/pub/hello.txt": "public hello",
		"/etc/passwd":        "root:x:0:0",
	})
}

func newDirectory(t *testing.T, fsys afero.Fs, opts realms.DirectoryOptions) *realms.Directory {
	t.Helper()
	d, err := realms.NewDirectory(fsys, opts)
	if err != nil {
		t.Fatalf("NewDirectory: %v", err)
	}
	return d
}

func filesOf(t *testing.T, r cred.Realm, id cred.AvatarID) afero.Fs {
	t.Helper()
	_, avatar, _, err := r.RequestAvatar(context.Background(), id, cred.Mind{}, fsType)
	if err != nil {
		t.Fatalf("RequestAvatar(%s, afero.Fs): %v", id, err)
	}
	fsys, ok := avatar.(afero.Fs)
	if !ok {
		t.Fatalf("avatar %T is not an afero.Fs", avatar)
	}
	return fsys
}

func handlerOf(t *testing.T, r cred.Realm, id cred.AvatarID) http.Handler {
	t.Helper()
	_, avatar, _, err := r.RequestAvatar(context.Background(), id, cred.Mind{}, handlerType)
	if err != nil {
		t.Fatalf("RequestAvatar(%s, http.Handler): %v", id, err)
	}
	h, ok := avatar.(http.Handler)
	if !ok {
		t.Fatalf("avatar %T is not an http.Handler", avatar)
	}
	return h
}

func get(h http.Handler, target string) (int, string) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec.Code, rec.Body.String()
}

func TestDirectoryAnswersTheServedInterfaceAskedFirst(t *testing.T) {
	tests := []struct {
		name  string
		asked []reflect.Type
		want  reflect.Type // nil: ErrUnsupportedInterface
	}{
		{"asked for afero.Fs it returns an afero.Fs", []reflect.Type{fsType}, fsType},
		{"asked for http.Handler it returns an http.Handler", []reflect.Type{handlerType}, handlerType},
		{"asked for afero.Fs then http.Handler it returns an afero.Fs", []reflect.Type{fsType, handlerType}, fsType},
		{"asked for http.Handler then afero.Fs it returns an http.Handler", []reflect.Type{handlerType, fsType}, handlerType},
		{"asked for something it lacks then http.Handler it returns an http.Handler", []reflect.Type{stringerIf, handlerType}, handlerType},
		{"asked only for something it lacks it refuses", []reflect.Type{stringerIf}, nil},
		{"asked for nothing it refuses", nil, nil},
	}
	d := newDirectory(t, usersTree(t), realms.DirectoryOptions{Root: "/srv", PerUser: true})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iface, avatar, _, err := d.RequestAvatar(context.Background(), cred.UserID("a"), cred.Mind{}, tt.asked...)
			if tt.want == nil {
				if !errors.Is(err, realms.ErrUnsupportedInterface) {
					t.Fatalf("err = %v, want ErrUnsupportedInterface", err)
				}
				if errors.Is(err, cred.ErrLoginDenied) {
					t.Errorf("a wiring mistake must not look like a denied login")
				}
				for _, want := range []string{"afero.Fs", "http.Handler"} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not name served %s", err, want)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("RequestAvatar: %v", err)
			}
			if iface != tt.want {
				t.Errorf("iface = %v, want %v", iface, tt.want)
			}
			if !reflect.TypeOf(avatar).Implements(tt.want) {
				t.Errorf("avatar %T does not implement %v", avatar, tt.want)
			}
		})
	}
}

func TestDirectoryKeepsEachUserInsideTheirRootThroughTheFs(t *testing.T) {
	d := newDirectory(t, usersTree(t), realms.DirectoryOptions{Root: "/srv", PerUser: true})
	a := filesOf(t, d, cred.UserID("a"))
	tests := []struct {
		name string
		path string
		want string // "" means it must not be readable
	}{
		{"a reads a file in their own root", "own.txt", "a's own"},
		{"a reads their file by an absolute path", "/own.txt", "a's own"},
		{"a cannot read b's file through ..", "../b/secret.txt", ""},
		{"a cannot read b's file through a rooted ..", "/../b/secret.txt", ""},
		{"a cannot read ab's file, whose root shares a's prefix", "../ab/secret.txt", ""},
		{"a cannot read b's file by its full real path", "/srv/b/secret.txt", ""},
		{"a cannot read b's file through many ..", "../../../../srv/b/secret.txt", ""},
		{"a cannot read the file above the user roots", "../top.txt", ""},
		{"a cannot read outside the served root", "../../etc/passwd", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := afero.ReadFile(a, tt.path)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("read %q = %q, want an error", tt.path, got)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("read %q = %q, %v; want %q", tt.path, got, err, tt.want)
			}
		})
	}
}

func TestDirectoryKeepsWritesInsideTheUsersRoot(t *testing.T) {
	tree := usersTree(t)
	d := newDirectory(t, tree, realms.DirectoryOptions{Root: "/srv", PerUser: true})
	a := filesOf(t, d, cred.UserID("a"))
	tests := []struct {
		name    string
		path    string
		landsAt string
		notAt   string
	}{
		{"a write through .. lands in a's root", "../b/planted.txt", "/srv/a/b/planted.txt", "/srv/b/planted.txt"},
		{"a write through the shared prefix lands in a's root", "../ab/planted.txt", "/srv/a/ab/planted.txt", "/srv/ab/planted.txt"},
		{"a write by a real path lands in a's root", "/srv/b/real.txt", "/srv/a/srv/b/real.txt", "/srv/b/real.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := a.MkdirAll(filepath.Dir(tt.path), 0o750); err != nil {
				t.Fatalf("MkdirAll: %v", err)
			}
			if err := afero.WriteFile(a, tt.path, []byte("x"), 0o640); err != nil {
				t.Fatalf("WriteFile: %v", err)
			}
			if ok, _ := afero.Exists(tree, tt.landsAt); !ok {
				t.Errorf("%s was not written", tt.landsAt)
			}
			if ok, _ := afero.Exists(tree, tt.notAt); ok {
				t.Errorf("%s was written outside a's root", tt.notAt)
			}
		})
	}
}

func TestDirectoryKeepsEachUserInsideTheirRootThroughHTTP(t *testing.T) {
	d := newDirectory(t, usersTree(t), realms.DirectoryOptions{Root: "/srv", PerUser: true})
	h := handlerOf(t, d, cred.UserID("a"))
	if code, body := get(h, "/own.txt"); code != http.StatusOK || body != "a's own" {
		t.Fatalf("GET /own.txt = %d %q, want 200 \"a's own\"", code, body)
	}
	if code, body := get(h, "/"); code != http.StatusOK || !strings.Contains(body, "own.txt") || strings.Contains(body, "secret") {
		t.Fatalf("GET / = %d %q, want a listing of a's root only", code, body)
	}
	targets := []struct {
		name   string
		target string
	}{
		{"a plain .. is refused", "/../b/secret.txt"},
		{"an encoded .. is refused", "/%2e%2e/b/secret.txt"},
		{"an encoded .. with encoded slashes is refused", "/%2e%2e%2fb%2fsecret.txt"},
		{"a .. with encoded slashes is refused", "/..%2fb%2fsecret.txt"},
		{"a .. into the user sharing a's prefix is refused", "/%2e%2e/ab/secret.txt"},
		{"a double-encoded .. is refused", "/%252e%252e/b/secret.txt"},
		{"a backslash .. is refused", "/..%5cb%5csecret.txt"},
		{"a NUL byte is refused", "/own.txt%00/../../b/secret.txt"},
		{"the real path of b's file is not found", "/srv/b/secret.txt"},
		{"the file above the user roots is not found", "/%2e%2e/top.txt"},
	}
	for _, tt := range targets {
		t.Run(tt.name, func(t *testing.T) {
			code, body := get(h, tt.target)
			if code != http.StatusNotFound || strings.Contains(body, "secret") || strings.Contains(body, "above") {
				t.Fatalf("GET %s = %d %q; want 404, as for a file a's root does not have", tt.target, code, body)
			}
		})
	}
}

func TestDirectoryHTTPHandlerThroughARealServer(t *testing.T) {
	d := newDirectory(t, usersTree(t), realms.DirectoryOptions{Root: "/srv", PerUser: true})
	srv := httptest.NewServer(handlerOf(t, d, cred.UserID("b")))
	defer srv.Close()
	tests := []struct {
		name     string
		path     string
		wantCode int
		wantBody string
	}{
		{"b fetches their own file", "/secret.txt", http.StatusOK, "b's secret"},
		{"b cannot fetch a's file through an encoded ..", "/%2e%2e/a/own.txt", http.StatusNotFound, ""},
		{"b cannot fetch a's file through encoded slashes", "/..%2fa%2fown.txt", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, srv.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			if tt.wantCode == http.StatusOK {
				if res.StatusCode != http.StatusOK || string(body) != tt.wantBody {
					t.Fatalf("GET %s = %d %q, want 200 %q", tt.path, res.StatusCode, body, tt.wantBody)
				}
				return
			}
			if res.StatusCode != tt.wantCode || strings.Contains(string(body), "a's own") {
				t.Fatalf("GET %s = %d %q, want %d", tt.path, res.StatusCode, body, tt.wantCode)
			}
		})
	}
}

func TestDirectoryReadOnlyRefusesWrites(t *testing.T) {
	writes := []struct {
		name  string
		write func(afero.Fs) error
	}{
		{"creating a file is refused", func(f afero.Fs) error { _, err := f.Create("/new.txt"); return err }},
		{"opening a file for writing is refused", func(f afero.Fs) error {
			_, err := f.OpenFile("/hello.txt", os.O_WRONLY|os.O_TRUNC, 0)
			return err
		}},
		{"making a directory is refused", func(f afero.Fs) error { return f.Mkdir("/dir", 0o750) }},
		{"removing a file is refused", func(f afero.Fs) error { return f.Remove("/hello.txt") }},
		{"removing everything is refused", func(f afero.Fs) error { return f.RemoveAll("/") }},
		{"renaming a file is refused", func(f afero.Fs) error { return f.Rename("/hello.txt", "/moved.txt") }},
		{"changing a mode is refused", func(f afero.Fs) error { return f.Chmod("/hello.txt", 0o777) }},
	}
	avatars := []struct {
		name string
		opts realms.DirectoryOptions
		id   cred.AvatarID
	}{
		{"a user of a read-only directory", realms.DirectoryOptions{Root: "/srv/pub", ReadOnly: true}, cred.UserID("alice")},
		{"anonymous in a writable directory", realms.DirectoryOptions{Root: "/srv/pub", Anonymous: realms.AnonymousReadOnly}, cred.AnonymousID},
		{"anonymous in a per-user directory", realms.DirectoryOptions{Root: "/srv", PerUser: true, Anonymous: realms.AnonymousReadOnly, AnonymousDir: "pub"}, cred.AnonymousID},
	}
	for _, av := range avatars {
		for _, w := range writes {
			t.Run(av.name+": "+w.name, func(t *testing.T) {
				tree := usersTree(t)
				fsys := filesOf(t, newDirectory(t, tree, av.opts), av.id)
				if err := w.write(fsys); !errors.Is(err, syscall.EPERM) {
					t.Fatalf("err = %v, want EPERM", err)
				}
				if got, err := afero.ReadFile(fsys, "/hello.txt"); err != nil || string(got) != "public hello" {
					t.Errorf("read after refused write = %q, %v", got, err)
				}
			})
		}
	}
}

func TestDirectoryWritableUnlessReadOnly(t *testing.T) {
	tests := []struct {
		name string
		opts realms.DirectoryOptions
		path string
	}{
		{"a user of a shared root writes", realms.DirectoryOptions{Root: "/srv/pub"}, "/srv/pub/new.txt"},
		{"a user of a per-user root writes", realms.DirectoryOptions{Root: "/srv", PerUser: true}, "/srv/alice/new.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tree := usersTree(t)
			fsys := filesOf(t, newDirectory(t, tree, tt.opts), cred.UserID("alice"))
			if err := afero.WriteFile(fsys, "new.txt", []byte("hi"), 0o640); err != nil {
				t.Fatalf("WriteFile: %v", err)
			}
			if got, err := afero.ReadFile(tree, tt.path); err != nil || string(got) != "hi" {
				t.Errorf("%s = %q, %v; want \"hi\"", tt.path, got, err)
			}
		})
	}
}

func TestDirectoryAnonymousPolicy(t *testing.T) {
	tests := []struct {
		name       string
		opts       realms.DirectoryOptions
		wantDenied bool
		wantFile   string // readable by anonymous at /hello.txt when allowed
	}{
		{"anonymous is denied by default", realms.DirectoryOptions{Root: "/srv/pub"}, true, ""},
		{"anonymous is denied when denied explicitly", realms.DirectoryOptions{Root: "/srv/pub", Anonymous: realms.AnonymousDenied}, true, ""},
		{"anonymous reads the shared root when allowed", realms.DirectoryOptions{Root: "/srv/pub", Anonymous: realms.AnonymousReadOnly}, false, "public hello"},
		{"anonymous reads its own directory when per-user", realms.DirectoryOptions{Root: "/srv", PerUser: true, Anonymous: realms.AnonymousReadOnly, AnonymousDir: "pub"}, false, "public hello"},
		{"anonymous is denied when Deny says so", realms.DirectoryOptions{Root: "/srv/pub", Anonymous: realms.AnonymousReadOnly, Deny: func(id cred.AvatarID) bool { return id.IsAnonymous() }}, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDirectory(t, usersTree(t), tt.opts)
			for _, iface := range []reflect.Type{fsType, handlerType} {
				_, avatar, _, err := d.RequestAvatar(context.Background(), cred.AnonymousID, cred.Mind{}, iface)
				if tt.wantDenied {
					if !errors.Is(err, cred.ErrLoginDenied) {
						t.Fatalf("%v: err = %v, want ErrLoginDenied", iface, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%v: RequestAvatar: %v", iface, err)
				}
				switch a := avatar.(type) {
				case afero.Fs:
					if got, err := afero.ReadFile(a, "/hello.txt"); err != nil || string(got) != tt.wantFile {
						t.Errorf("read = %q, %v; want %q", got, err, tt.wantFile)
					}
					if _, err := afero.ReadFile(a, "../a/own.txt"); err == nil {
						t.Errorf("anonymous read a user's file")
					}
				case http.Handler:
					if code, body := get(a, "/hello.txt"); code != http.StatusOK || body != tt.wantFile {
						t.Errorf("GET = %d %q; want 200 %q", code, body, tt.wantFile)
					}
					if code, _ := get(a, "/%2e%2e/a/own.txt"); code == http.StatusOK {
						t.Errorf("anonymous fetched a user's file")
					}
				}
			}
		})
	}
}

func TestDirectoryTreatsAUserNamedAnonymousAsAUser(t *testing.T) {
	tree := usersTree(t)
	tests := []struct {
		name string
		opts realms.DirectoryOptions
	}{
		{"with anonymous denied the user still logs in", realms.DirectoryOptions{Root: "/srv", PerUser: true}},
		{"with anonymous allowed the user gets their own writable root", realms.DirectoryOptions{Root: "/srv", PerUser: true, Anonymous: realms.AnonymousReadOnly, AnonymousDir: "pub"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := filesOf(t, newDirectory(t, tree, tt.opts), cred.UserID("anonymous"))
			if err := afero.WriteFile(fsys, "mine.txt", []byte("named anonymous"), 0o640); err != nil {
				t.Fatalf("the user named anonymous cannot write: %v", err)
			}
			if ok, _ := afero.Exists(tree, "/srv/anonymous/mine.txt"); !ok {
				t.Errorf("the write did not land in /srv/anonymous")
			}
			if ok, _ := afero.Exists(fsys, "/hello.txt"); ok {
				t.Errorf("the user named anonymous sees the anonymous directory")
			}
		})
	}
}

func TestDirectoryDeniesWhomDenySays(t *testing.T) {
	disabled := map[string]bool{"mallory": true}
	deny := func(id cred.AvatarID) bool { return disabled[id.Name()] }
	tree := usersTree(t)
	tests := []struct {
		name       string
		opts       realms.DirectoryOptions
		id         cred.AvatarID
		wantDenied bool
	}{
		{"a disabled user of a shared root is denied", realms.DirectoryOptions{Root: "/srv/pub", Deny: deny}, cred.UserID("mallory"), true},
		{"a disabled user of per-user roots is denied", realms.DirectoryOptions{Root: "/srv", PerUser: true, Deny: deny}, cred.UserID("mallory"), true},
		{"an enabled user is let in", realms.DirectoryOptions{Root: "/srv", PerUser: true, Deny: deny}, cred.UserID("alice"), false},
	}
	for _, tt := range tests {
		for _, iface := range []reflect.Type{fsType, handlerType} {
			t.Run(tt.name+" asking for "+iface.String(), func(t *testing.T) {
				d := newDirectory(t, tree, tt.opts)
				_, _, _, err := d.RequestAvatar(context.Background(), tt.id, cred.Mind{}, iface)
				if tt.wantDenied != errors.Is(err, cred.ErrLoginDenied) {
					t.Fatalf("err = %v, want denied: %v", err, tt.wantDenied)
				}
				if !tt.wantDenied && err != nil {
					t.Fatalf("RequestAvatar: %v", err)
				}
			})
		}
	}
	t.Run("a denied user gets no directory created", func(t *testing.T) {
		if ok, _ := afero.Exists(tree, "/srv/mallory"); ok {
			t.Error("/srv/mallory was created")
		}
	})
}

func TestDirectoryRefusesNamesThatCouldEscape(t *testing.T) {
	names := []string{"..", ".", "../b", "a/b", "/", "/etc", `a\b`, `..\b`, "a\x00b", "\x00"}
	for _, perUser := range []bool{true, false} {
		for _, name := range names {
			mode := "shared root"
			if perUser {
				mode = "per-user roots"
			}
			t.Run(mode+" refuses the user name "+strconv.Quote(name), func(t *testing.T) {
				tree := usersTree(t)
				before := countEntries(t, tree)
				d := newDirectory(t, tree, realms.DirectoryOptions{Root: "/srv", PerUser: perUser})
				_, _, _, err := d.RequestAvatar(context.Background(), cred.UserID(name), cred.Mind{}, fsType)
				if !errors.Is(err, cred.ErrLoginDenied) {
					t.Fatalf("err = %v, want ErrLoginDenied", err)
				}
				if after := countEntries(t, tree); after != before {
					t.Errorf("the refused login changed the tree: %d entries, was %d", after, before)
				}
			})
		}
	}
	t.Run("the zero avatar ID is refused", func(t *testing.T) {
		d := newDirectory(t, usersTree(t), realms.DirectoryOptions{Root: "/srv"})
		if _, _, _, err := d.RequestAvatar(context.Background(), cred.AvatarID{}, cred.Mind{}, fsType); !errors.Is(err, cred.ErrLoginDenied) {
			t.Fatalf("err = %v, want ErrLoginDenied", err)
		}
	})
}

func countEntries(t *testing.T, fsys afero.Fs) int {
	t.Helper()
	n := 0
	err := afero.Walk(fsys, "/", func(string, fs.FileInfo, error) error { n++; return nil })
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	return n
}

func TestDirectoryCreatesAUsersRootOnFirstLogin(t *testing.T) {
	tree := usersTree(t)
	d := newDirectory(t, tree, realms.DirectoryOptions{Root: "/srv", PerUser: true})
	filesOf(t, d, cred.UserID("carol"))
	fi, err := tree.Stat("/srv/carol")
	if err != nil {
		t.Fatalf("Stat /srv/carol: %v", err)
	}
	if !fi.IsDir() || fi.Mode().Perm() != 0o750 {
		t.Errorf("/srv/carol mode = %v, want a directory with 0750", fi.Mode())
	}
	t.Run("a second login reuses the root", func(t *testing.T) {
		fsys := filesOf(t, d, cred.UserID("carol"))
		if err := afero.WriteFile(fsys, "x", []byte("1"), 0o640); err != nil {
			t.Fatal(err)
		}
		again := filesOf(t, d, cred.UserID("carol"))
		if got, err := afero.ReadFile(again, "x"); err != nil || string(got) != "1" {
			t.Errorf("read = %q, %v", got, err)
		}
	})
	t.Run("a file in the way is an internal error, not a denial", func(t *testing.T) {
		if err := afero.WriteFile(tree, "/srv/dave", []byte("not a dir"), 0o640); err != nil {
			t.Fatal(err)
		}
		_, _, _, err := d.RequestAvatar(context.Background(), cred.UserID("dave"), cred.Mind{}, fsType)
		if err == nil || errors.Is(err, cred.ErrLoginDenied) {
			t.Fatalf("err = %v, want an internal error", err)
		}
	})
	t.Run("concurrent first logins all succeed", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Go(func() {
				_, _, _, err := d.RequestAvatar(context.Background(), cred.UserID("erin"), cred.Mind{}, fsType)
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
	})
}

func TestDirectoryHonoursACanceledContext(t *testing.T) {
	d := newDirectory(t, usersTree(t), realms.DirectoryOptions{Root: "/srv", PerUser: true})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, _, err := d.RequestAvatar(ctx, cred.UserID("frank"), cred.Mind{}, fsType)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestNewDirectoryRejectsBadOptions(t *testing.T) {
	tree := usersTree(t)
	tests := []struct {
		name     string
		fsys     afero.Fs
		opts     realms.DirectoryOptions
		wantText string
	}{
		{"a nil fs is rejected", nil, realms.DirectoryOptions{}, "fs is nil"},
		{"a missing root is rejected", tree, realms.DirectoryOptions{Root: "/nowhere"}, "Root"},
		{"a root that is a file is rejected", tree, realms.DirectoryOptions{Root: "/srv/top.txt"}, "Root"},
		{"per-user anonymous without its own directory is rejected", tree, realms.DirectoryOptions{Root: "/srv", PerUser: true, Anonymous: realms.AnonymousReadOnly}, "AnonymousDir"},
		{"an anonymous directory outside the root is rejected", tree, realms.DirectoryOptions{Root: "/srv/a", Anonymous: realms.AnonymousReadOnly, AnonymousDir: "../pub"}, "AnonymousDir"},
		{"an absolute anonymous directory is rejected", tree, realms.DirectoryOptions{Root: "/srv", Anonymous: realms.AnonymousReadOnly, AnonymousDir: "/srv/pub"}, "AnonymousDir"},
		{"a missing anonymous directory is rejected", tree, realms.DirectoryOptions{Root: "/srv", Anonymous: realms.AnonymousReadOnly, AnonymousDir: "nothing"}, "AnonymousDir"},
		{"an unknown anonymous policy is rejected", tree, realms.DirectoryOptions{Root: "/srv", Anonymous: 7}, "Anonymous"},
		{"per-user anonymous at Root itself (\".\") is rejected", tree, realms.DirectoryOptions{Root: "/srv", PerUser: true, Anonymous: realms.AnonymousReadOnly, AnonymousDir: "."}, "AnonymousDir"},
		{"per-user anonymous at Root by way of .. is rejected", tree, realms.DirectoryOptions{Root: "/srv", PerUser: true, Anonymous: realms.AnonymousReadOnly, AnonymousDir: "b/.."}, "AnonymousDir"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := realms.NewDirectory(tt.fsys, tt.opts)
			if err == nil {
				t.Fatalf("NewDirectory = %v, want an error", d)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q does not name %s", err, tt.wantText)
			}
		})
	}
}

func TestAnonymousPolicyNamesItself(t *testing.T) {
	tests := []struct {
		name string
		p    realms.AnonymousPolicy
		want string
	}{
		{"the zero policy is AnonymousDenied", 0, "AnonymousDenied"},
		{"read-only is AnonymousReadOnly", realms.AnonymousReadOnly, "AnonymousReadOnly"},
		{"an unknown policy shows its number", 9, "AnonymousPolicy(9)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

// With PerUser, the user whose name is AnonymousDir's first element would
// own the directory anonymous reads, and could plant files for everyone:
// that user is refused.
func TestDirectoryRefusesTheUserWhoWouldOwnTheAnonymousDirectory(t *testing.T) {
	for _, dir := range []string{"pub", "pub/files"} {
		tree := usersTree(t)
		if err := tree.MkdirAll("/srv/pub/files", 0o755); err != nil {
			t.Fatal(err)
		}
		d := newDirectory(t, tree, realms.DirectoryOptions{Root: "/srv", PerUser: true, Anonymous: realms.AnonymousReadOnly, AnonymousDir: dir})
		_, _, _, err := d.RequestAvatar(context.Background(), cred.UserID("pub"), cred.Mind{}, fsType)
		if !errors.Is(err, cred.ErrLoginDenied) {
			t.Errorf("AnonymousDir %q: user pub got %v, want ErrLoginDenied", dir, err)
		}
		if _, _, _, err := d.RequestAvatar(context.Background(), cred.UserID("a"), cred.Mind{}, fsType); err != nil {
			t.Errorf("AnonymousDir %q: user a: %v", dir, err)
		}
	}
}
