package realms_test

import (
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/gocred/gocred/cred"
	"github.com/gocred/gocred/realms"
	"github.com/spf13/afero"
)

// rootWithHostLinks makes a served directory in which the host has put
// links leading outside it (absolute, relative, to a directory), one
// leading inside, a loop, and a named pipe nobody writes to; and, outside
// it, the files those links reach.
func rootWithHostLinks(t *testing.T) (root, outside string) {
	t.Helper()
	base := t.TempDir()
	root, outside = filepath.Join(base, "served"), filepath.Join(base, "outside")
	for _, d := range []string{root, filepath.Join(root, "docs"), outside, filepath.Join(outside, "dir")} {
		if err := os.Mkdir(d, 0o750); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(outside, "secret.txt"), "outside secret")
	write(filepath.Join(outside, "dir", "o.txt"), "outside dir")
	write(filepath.Join(root, "docs", "notes.txt"), "notes")
	for link, target := range map[string]string{
		"abs.txt":    filepath.Join(outside, "secret.txt"),
		"rel.txt":    "../outside/secret.txt",
		"linkdir":    filepath.Join(outside, "dir"),
		"inside.txt": "docs/notes.txt",
		"loop1":      "loop2",
		"loop2":      "loop1",
	} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(root, "fifo"), 0o640); err != nil {
		t.Fatal(err)
	}
	return root, outside
}

// Over a RootFs, links the host put in the served directory lead nowhere
// outside it, for reading, writing, listing, moving and removing; a link
// inside it still works; a named pipe is refused at once instead of
// blocking; and each refusal is a permission error (403, 550), not an
// internal one.
func TestRootFsKeepsHostLinksInside(t *testing.T) {
	root, outside := rootWithHostLinks(t)
	rfs, err := realms.NewRootFs(root)
	if err != nil {
		t.Fatal(err)
	}
	defer rfs.Close()
	d := newDirectory(t, rfs, realms.DirectoryOptions{})
	files := filesOf(t, d, cred.UserID("alice"))

	for _, name := range []string{"abs.txt", "rel.txt", "linkdir/o.txt", "/abs.txt"} {
		if _, err := files.Open(name); !errors.Is(err, fs.ErrPermission) {
			t.Errorf("Open(%q): %v, want a permission error", name, err)
		}
		if _, err := files.Stat(name); !errors.Is(err, fs.ErrPermission) {
			t.Errorf("Stat(%q): %v, want a permission error", name, err)
		}
		if _, err := files.OpenFile(name, os.O_WRONLY|os.O_TRUNC, 0); !errors.Is(err, fs.ErrPermission) {
			t.Errorf("OpenFile(%q) for writing: %v, want a permission error", name, err)
		}
	}
	if _, err := files.Create("linkdir/new.txt"); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("Create in a linked directory outside: %v, want a permission error", err)
	}
	if err := files.Remove("linkdir/o.txt"); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("Remove in a linked directory outside: %v, want a permission error", err)
	}
	if err := files.Mkdir("linkdir/sub", 0o750); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("Mkdir in a linked directory outside: %v, want a permission error", err)
	}
	if err := files.Rename("docs/notes.txt", "linkdir/moved.txt"); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("Rename into a linked directory outside: %v, want a permission error", err)
	}
	if _, err := afero.ReadDir(files, "linkdir"); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("listing a linked directory outside: %v, want a permission error", err)
	}
	for p, want := range map[string]string{
		filepath.Join(outside, "secret.txt"):   "outside secret",
		filepath.Join(outside, "dir", "o.txt"): "outside dir",
	} {
		if got, err := os.ReadFile(p); err != nil || string(got) != want {
			t.Errorf("%s outside: %q, %v; want it untouched", p, got, err)
		}
	}
	if _, err := os.Stat(filepath.Join(outside, "dir", "new.txt")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a file was made outside: %v", err)
	}

	if got, err := afero.ReadFile(files, "inside.txt"); err != nil || string(got) != "notes" {
		t.Errorf("a link inside: %q, %v; want it followed", got, err)
	}
	if err := afero.WriteFile(files, "docs/new.txt", []byte("new"), 0o640); err != nil {
		t.Errorf("writing a file: %v", err)
	}
	if got, err := os.ReadFile(filepath.Join(root, "docs", "new.txt")); err != nil || string(got) != "new" {
		t.Errorf("on disk: %q, %v", got, err)
	}
	if names, err := afero.ReadDir(files, "/"); err != nil || len(names) != 8 {
		t.Errorf("listing the root: %d entries, %v; want all 8", len(names), err)
	}

	// A device node (/dev/null's numbers; making one needs root) is
	// refused like the pipe.
	if err := syscall.Mknod(filepath.Join(root, "null"), syscall.S_IFCHR|0o666, 1<<8|3); err == nil {
		if _, err := files.Open("null"); !errors.Is(err, fs.ErrPermission) {
			t.Errorf("opening a device node: %v, want a permission error", err)
		}
		if code, _ := get(handlerOf(t, d, cred.UserID("alice")), "/null"); code != http.StatusForbidden {
			t.Errorf("GET of a device node: %d, want 403", code)
		}
	} else if !errors.Is(err, syscall.EPERM) {
		t.Fatal(err)
	}

	done := make(chan error, 2)
	go func() { _, err := files.Open("fifo"); done <- err }()
	go func() { _, err := files.OpenFile("fifo", os.O_WRONLY, 0); done <- err }()
	for range 2 {
		select {
		case err := <-done:
			if !errors.Is(err, fs.ErrPermission) {
				t.Errorf("opening a named pipe: %v, want a permission error", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("opening a named pipe blocked")
		}
	}

	h := handlerOf(t, d, cred.UserID("alice"))
	for target, want := range map[string]int{
		"/abs.txt":        http.StatusForbidden,
		"/rel.txt":        http.StatusForbidden,
		"/linkdir/o.txt":  http.StatusForbidden,
		"/linkdir/":       http.StatusForbidden,
		"/loop1":          http.StatusNotFound,
		"/inside.txt":     http.StatusOK,
		"/docs/notes.txt": http.StatusOK,
	} {
		if code, body := get(h, target); code != want {
			t.Errorf("GET %s: %d %q, want %d", target, code, body, want)
		}
	}
	fifo := make(chan int, 1)
	go func() { code, _ := get(h, "/fifo"); fifo <- code }()
	select {
	case code := <-fifo:
		if code != http.StatusForbidden {
			t.Errorf("GET /fifo: %d, want 403", code)
		}
	case <-time.After(5 * time.Second):
		t.Error("GET /fifo blocked")
	}
}

// NewRootFs refuses what is not a directory.
func TestNewRootFsNeedsADirectory(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{file, filepath.Join(dir, "missing")} {
		if rfs, err := realms.NewRootFs(p); err == nil {
			rfs.Close()
			t.Errorf("NewRootFs(%s) did not fail", p)
		}
	}
}
