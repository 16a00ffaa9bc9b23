package realms_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gocred/gocred/cred"
	"github.com/gocred/gocred/realms"
	"github.com/spf13/afero"
)

// TestDirectoryOnARealDisk runs the jail over afero.OsFs, where path
// handling is the operating system's and not MemMapFs's normalisation.
func TestDirectoryOnARealDisk(t *testing.T) {
	root := t.TempDir()
	for name, content := range map[string]string{
		"b/secret.txt":  "b's secret",
		"ab/secret.txt": "ab's secret",
		"top.txt":       "above the user roots",
	} {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	d := newDirectory(t, afero.NewOsFs(), realms.DirectoryOptions{Root: root, PerUser: true})
	a := filesOf(t, d, cred.UserID("a"))

	t.Run("the first login creates the user's root with mode 0750", func(t *testing.T) {
		fi, err := os.Stat(filepath.Join(root, "a"))
		if err != nil {
			t.Fatal(err)
		}
		if !fi.IsDir() || fi.Mode().Perm() != 0o750 {
			t.Errorf("mode = %v, want a directory with 0750", fi.Mode())
		}
	})
	t.Run("a write lands in the user's root on disk", func(t *testing.T) {
		if err := afero.WriteFile(a, "/note.txt", []byte("mine"), 0o640); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(root, "a", "note.txt"))
		if err != nil || string(got) != "mine" {
			t.Errorf("on disk = %q, %v", got, err)
		}
	})
	for _, p := range []string{"../b/secret.txt", "../ab/secret.txt", "../top.txt", filepath.Join(root, "b", "secret.txt"), "../../../../../../etc/passwd"} {
		t.Run("a cannot read "+strings.ReplaceAll(p, root, "<root>"), func(t *testing.T) {
			if got, err := afero.ReadFile(a, p); err == nil {
				t.Fatalf("read %q = %q", p, got)
			}
		})
	}
	t.Run("errors name the client's path, not the real one", func(t *testing.T) {
		_, err := a.Open("missing.txt")
		if !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("err = %v, want not-exist", err)
		}
		if strings.Contains(err.Error(), root) {
			t.Errorf("error %q reveals the real root", err)
		}
		if !strings.Contains(err.Error(), "missing.txt") {
			t.Errorf("error %q does not name the client's path", err)
		}
	})
	t.Run("errors from an open file name the client's path, not the real one", func(t *testing.T) {
		f, err := a.Open("note.txt")
		if err != nil {
			t.Fatal(err)
		}
		_, werr := f.Write([]byte("x")) // opened read-only
		_, serr := f.Seek(-1, 0)        // before the start
		_, derr := f.Readdir(1)         // not a directory
		f.Close()
		_, rerr := f.Read(make([]byte, 1)) // after Close
		for op, err := range map[string]error{"Write": werr, "Seek": serr, "Readdir": derr, "Read after Close": rerr} {
			if err == nil {
				t.Errorf("%s succeeded", op)
				continue
			}
			if strings.Contains(err.Error(), root) || !strings.Contains(err.Error(), "note.txt") {
				t.Errorf("%s: %q should name note.txt and not the real root", op, err)
			}
		}
	})
	t.Run("links cannot be made through the jail", func(t *testing.T) {
		// A link made in one jail is followed from every jail that sees it
		// (a user's link to "/" in a shared root, seen from AnonymousDir).
		linker, ok := a.(afero.Linker)
		if !ok {
			t.Fatal("the avatar has no SymlinkIfPossible")
		}
		if err := linker.SymlinkIfPossible("/", "everything"); !errors.Is(err, os.ErrPermission) {
			t.Fatalf("SymlinkIfPossible = %v, want a permission error", err)
		}
		if _, err := os.Lstat(filepath.Join(root, "a", "everything")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a link was made on disk: %v", err)
		}
	})
	t.Run("readlink shows a jailed target, and refuses one outside the jail", func(t *testing.T) {
		for name, target := range map[string]string{
			"in-abs": filepath.Join(root, "a", "note.txt"), "in-rel": "note.txt",
			"out-abs": filepath.Join(root, "b", "secret.txt"), "out-rel": "../b/secret.txt",
		} {
			if err := os.Symlink(target, filepath.Join(root, "a", name)); err != nil {
				t.Fatal(err)
			}
		}
		reader := a.(afero.LinkReader)
		for name, want := range map[string]string{"in-abs": string(filepath.Separator) + "note.txt", "in-rel": "note.txt"} {
			if got, err := reader.ReadlinkIfPossible(name); err != nil || got != want {
				t.Errorf("readlink %s = %q, %v; want %q", name, got, err, want)
			}
		}
		for _, name := range []string{"out-abs", "out-rel"} {
			got, err := reader.ReadlinkIfPossible(name)
			if err == nil || strings.Contains(err.Error(), root) {
				t.Errorf("readlink %s = %q, %v; want a refusal that does not show the real root", name, got, err)
			}
		}
	})
	t.Run("the jail's root cannot be removed, renamed or changed", func(t *testing.T) {
		before, err := os.Stat(filepath.Join(root, "a"))
		if err != nil {
			t.Fatal(err)
		}
		for op, do := range map[string]func() error{
			"RemoveAll": func() error { return a.RemoveAll("/") },
			"Remove":    func() error { return a.Remove(".") },
			"Rename":    func() error { return a.Rename("/", "moved") },
			"Chmod":     func() error { return a.Chmod("/", 0o777) },
			"Chtimes":   func() error { return a.Chtimes("..", time.Unix(0, 0), time.Unix(0, 0)) },
		} {
			if err := do(); !errors.Is(err, os.ErrPermission) {
				t.Errorf("%s on the root: %v, want a permission error", op, err)
			}
		}
		after, err := os.Stat(filepath.Join(root, "a"))
		if err != nil || after.Mode() != before.Mode() || !after.ModTime().Equal(before.ModTime()) {
			t.Errorf("the root changed: %v, %v (was %v)", after, err, before)
		}
	})
	t.Run("files cannot be given away or made setuid", func(t *testing.T) {
		if err := a.Chown("note.txt", os.Getuid(), os.Getgid()); !errors.Is(err, os.ErrPermission) {
			t.Errorf("Chown = %v, want a permission error", err)
		}
		if err := a.Chmod("note.txt", os.ModeSetuid|os.ModeSetgid|0o755); err != nil {
			t.Fatal(err)
		}
		f, err := a.OpenFile("tool", os.O_CREATE|os.O_WRONLY, os.ModeSetuid|0o755)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		for _, name := range []string{"note.txt", "tool"} {
			fi, err := os.Stat(filepath.Join(root, "a", name))
			if err != nil || fi.Mode()&(os.ModeSetuid|os.ModeSetgid) != 0 {
				t.Errorf("%s: mode %v, %v; want no setuid or setgid", name, fi.Mode(), err)
			}
		}
	})
	t.Run("nothing is made writable by other accounts of the host", func(t *testing.T) {
		old := syscall.Umask(0) // the modes asked for reach the disk as they are
		defer syscall.Umask(old)
		if err := a.Mkdir("shared", 0o777); err != nil {
			t.Fatal(err)
		}
		if err := a.MkdirAll("deep/er", 0o777); err != nil {
			t.Fatal(err)
		}
		for _, create := range []func() (afero.File, error){
			func() (afero.File, error) { return a.Create("created.txt") },
			func() (afero.File, error) { return a.OpenFile("opened.txt", os.O_CREATE|os.O_WRONLY, 0o666) },
		} {
			f, err := create()
			if err != nil {
				t.Fatal(err)
			}
			f.Close()
		}
		if err := a.Chmod("note.txt", 0o777); err != nil {
			t.Fatal(err)
		}
		if err := a.Chmod("shared", 0o777); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"shared", "deep", "deep/er", "created.txt", "opened.txt", "note.txt"} {
			fi, err := os.Stat(filepath.Join(root, "a", name))
			if err != nil || fi.Mode().Perm()&0o022 != 0 {
				t.Errorf("%s: mode %v, %v; want no write bit for group or others", name, fi.Mode(), err)
			}
		}
	})
	t.Run("paths only a client can get wrong get 404 over HTTP, not 500", func(t *testing.T) {
		srv := httptest.NewServer(handlerOf(t, d, cred.UserID("b")))
		defer srv.Close()
		for _, path := range []string{"/secret.txt/x", "/a%00b", "/" + strings.Repeat("a", 300)} {
			res, err := http.Get(srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: %d, want 404", path[:min(len(path), 20)], res.StatusCode)
			}
		}
	})
	t.Run("a ReadOnly realm creates no user directory, and works over a read-only disk", func(t *testing.T) {
		ro := newDirectory(t, afero.NewReadOnlyFs(afero.NewOsFs()), realms.DirectoryOptions{Root: root, PerUser: true, ReadOnly: true})
		if got, err := afero.ReadFile(filesOf(t, ro, cred.UserID("b")), "secret.txt"); err != nil || string(got) != "b's secret" {
			t.Errorf("b reads %q, %v", got, err)
		}
		rw := newDirectory(t, afero.NewOsFs(), realms.DirectoryOptions{Root: root, PerUser: true, ReadOnly: true})
		_, _, _, err := rw.RequestAvatar(context.Background(), cred.UserID("newcomer"), cred.Mind{}, fsType)
		if !errors.Is(err, cred.ErrLoginDenied) {
			t.Errorf("a user without a directory: %v, want a denial", err)
		}
		if _, err := os.Stat(filepath.Join(root, "newcomer")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a ReadOnly realm made a directory: %v", err)
		}
	})
	t.Run("a ReadOnly realm whose Root has gone fails with an internal error, not a denial", func(t *testing.T) {
		dir := t.TempDir()
		gone := filepath.Join(dir, "root")
		if err := os.Mkdir(gone, 0o750); err != nil {
			t.Fatal(err)
		}
		ro := newDirectory(t, afero.NewOsFs(), realms.DirectoryOptions{Root: gone, PerUser: true, ReadOnly: true})
		if err := os.Remove(gone); err != nil {
			t.Fatal(err)
		}
		_, _, _, err := ro.RequestAvatar(context.Background(), cred.UserID("b"), cred.Mind{}, fsType)
		if err == nil || errors.Is(err, cred.ErrLoginDenied) {
			t.Fatalf("err = %v, want an internal error", err)
		}
	})
	t.Run("a read-only user cannot write on disk", func(t *testing.T) {
		ro := newDirectory(t, afero.NewOsFs(), realms.DirectoryOptions{Root: root, PerUser: true, ReadOnly: true})
		fsys := filesOf(t, ro, cred.UserID("b"))
		if err := afero.WriteFile(fsys, "x.txt", []byte("x"), 0o640); !errors.Is(err, syscall.EPERM) {
			t.Fatalf("err = %v, want EPERM", err)
		}
		if _, err := os.Stat(filepath.Join(root, "b", "x.txt")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the file was written: %v", err)
		}
	})
	t.Run("the HTTP avatar serves the user's files from disk and nothing else", func(t *testing.T) {
		h := handlerOf(t, d, cred.UserID("a"))
		if code, body := get(h, "/note.txt"); code != http.StatusOK || body != "mine" {
			t.Errorf("GET /note.txt = %d %q", code, body)
		}
		if code, body := get(h, "/%2e%2e/ab/secret.txt"); code == http.StatusOK {
			t.Errorf("GET ../ab/secret.txt = %d %q", code, body)
		}
	})
}

// A user whose directory cannot be made (a name too long for the file
// system) gets an error that does not show where the files really live.
func TestDirectoryErrorsForAUserRootDoNotShowTheRealPath(t *testing.T) {
	root := t.TempDir()
	d := newDirectory(t, afero.NewOsFs(), realms.DirectoryOptions{Root: root, PerUser: true})
	_, _, _, err := d.RequestAvatar(context.Background(), cred.UserID(strings.Repeat("u", 300)), cred.Mind{}, reflect.TypeFor[afero.Fs]())
	if err == nil {
		t.Fatal("a 300-byte directory name was accepted (longer than NAME_MAX on Linux file systems)")
	}
	if strings.Contains(err.Error(), root) {
		t.Errorf("error %q shows the real root", err)
	}
}

// A relative link's target is read from where the link is: moved to a
// shallower place, a link to ../notes.txt that named a file in the root
// names one above it. The jail refuses to move a link, or a directory
// holding one, and still moves everything else.
func TestMovingALinkCannotLeaveTheJail(t *testing.T) {
	top := t.TempDir()
	root := filepath.Join(top, "root")
	for name, content := range map[string]string{
		"outside.txt":              "OUTSIDE THE ROOT",
		"root/outside.txt":         "inside",
		"root/docs/readme.txt":     "docs",
		"root/deep/sub/readme.txt": "deep",
		"root/plain/a/b.txt":       "no links here",
	} {
		p := filepath.Join(top, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{"root/docs/latest": "../outside.txt", "root/deep/sub/up": "../../outside.txt"} {
		if err := os.Symlink(target, filepath.Join(top, filepath.FromSlash(link))); err != nil {
			t.Fatal(err)
		}
	}
	d := newDirectory(t, afero.NewOsFs(), realms.DirectoryOptions{Root: root})
	fsys := filesOf(t, d, cred.UserID("alice"))
	if got, err := afero.ReadFile(fsys, "docs/latest"); err != nil || string(got) != "inside" {
		t.Fatalf("docs/latest before: %q, %v", got, err)
	}
	for _, mv := range [][2]string{
		{"docs/latest", "latest"},     // the link itself, one level up
		{"docs", "x"},                 // a directory holding it, same depth
		{"deep/sub", "sub"},           // a directory holding one, shallower
		{"deep", "docs/deeper"},       // deeper: harmless today, refused alike
		{"/deep/sub/up", "/d/../up2"}, // spelt otherwise
	} {
		err := fsys.Rename(mv[0], mv[1])
		if !errors.Is(err, os.ErrPermission) || strings.Contains(err.Error(), top) {
			t.Errorf("Rename(%q, %q) = %v, want a permission error without the real path", mv[0], mv[1], err)
		}
	}
	for _, name := range []string{"latest", "x/latest", "sub/up", "up2"} {
		if got, err := afero.ReadFile(fsys, name); err == nil {
			t.Errorf("%s reads %q after the refused renames", name, got)
		}
	}
	if got, err := afero.ReadFile(fsys, "docs/latest"); err != nil || string(got) != "inside" {
		t.Errorf("docs/latest after: %q, %v; want it where it was", got, err)
	}
	// Everything without links still moves.
	for _, mv := range [][2]string{{"plain", "moved"}, {"docs/readme.txt", "readme.txt"}, {"moved/a/b.txt", "b.txt"}} {
		if err := fsys.Rename(mv[0], mv[1]); err != nil {
			t.Errorf("Rename(%q, %q) = %v", mv[0], mv[1], err)
		}
	}
	if got, err := os.ReadFile(filepath.Join(root, "b.txt")); err != nil || string(got) != "no links here" {
		t.Errorf("b.txt on disk after the renames: %q, %v", got, err)
	}
	if got, _ := os.ReadFile(filepath.Join(top, "outside.txt")); string(got) != "OUTSIDE THE ROOT" {
		t.Errorf("the file outside the root changed: %q", got)
	}
}

// Over a file system that follows links but cannot show them (no Lstat:
// afero's RegexpFs over a disk, a wrapper of one's own), the jail cannot
// tell a link from a file, so it moves nothing; over afero's MemMapFs,
// which has no links, renames work.
func TestRenamesOverAFileSystemThatCannotSeeLinksAreRefused(t *testing.T) {
	top := t.TempDir()
	root := filepath.Join(top, "root")
	if err := os.MkdirAll(filepath.Join(root, "docs"), 0o750); err != nil {
		t.Fatal(err)
	}
	for p, content := range map[string]string{filepath.Join(top, "outside.txt"): "OUTSIDE THE ROOT", filepath.Join(root, "outside.txt"): "inside", filepath.Join(root, "plain.txt"): "plain"} {
		if err := os.WriteFile(p, []byte(content), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("../outside.txt", filepath.Join(root, "docs", "latest")); err != nil {
		t.Fatal(err)
	}
	d := newDirectory(t, afero.NewRegexpFs(afero.NewOsFs(), regexp.MustCompile(".*")), realms.DirectoryOptions{Root: root})
	fsys := filesOf(t, d, cred.UserID("alice"))
	for _, mv := range [][2]string{{"docs/latest", "latest"}, {"plain.txt", "moved.txt"}} {
		if err := fsys.Rename(mv[0], mv[1]); !errors.Is(err, os.ErrPermission) {
			t.Errorf("Rename(%q, %q) = %v, want a permission error", mv[0], mv[1], err)
		}
	}
	if got, err := afero.ReadFile(fsys, "latest"); err == nil {
		t.Errorf("latest reads %q", got)
	}
	// A dangling link cannot be looked at either (Stat follows it):
	// refused too, over a wrapper of one's own.
	if err := os.Remove(filepath.Join(root, "outside.txt")); err != nil {
		t.Fatal(err)
	}
	wrapped := filesOf(t, newDirectory(t, struct{ afero.Fs }{afero.NewOsFs()}, realms.DirectoryOptions{Root: root}), cred.UserID("alice"))
	if err := wrapped.Rename("docs/latest", "latest"); !errors.Is(err, os.ErrPermission) {
		t.Errorf("Rename of a dangling link over a wrapper: %v, want a permission error", err)
	}
	if got, err := afero.ReadFile(wrapped, "latest"); err == nil {
		t.Errorf("latest reads %q", got)
	}

	mem := afero.NewMemMapFs()
	if err := afero.WriteFile(mem, "/srv/a.txt", []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := filesOf(t, newDirectory(t, mem, realms.DirectoryOptions{Root: "/srv"}), cred.UserID("alice"))
	if err := m.Rename("a.txt", "b.txt"); err != nil {
		t.Errorf("a rename over a MemMapFs: %v", err)
	}
	// A MemMapFs behind a wrapper cannot Lstat: NoSymlinks says it has
	// no links.
	for noSymlinks, want := range map[bool]bool{false: false, true: true} {
		ro := afero.NewCopyOnWriteFs(afero.NewReadOnlyFs(mem), mem)
		w := filesOf(t, newDirectory(t, ro, realms.DirectoryOptions{Root: "/srv", NoSymlinks: noSymlinks}), cred.UserID("alice"))
		err := w.Rename("b.txt", "c.txt")
		if (err == nil) != want {
			t.Errorf("a rename over a wrapped MemMapFs with NoSymlinks %v: %v", noSymlinks, err)
		}
		if err == nil {
			if err := w.Rename("c.txt", "b.txt"); err != nil {
				t.Fatal(err)
			}
		}
	}
}
