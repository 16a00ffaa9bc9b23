package realms_test

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

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
	t.Run("a link made through the jail points inside it", func(t *testing.T) {
		linker, ok := a.(afero.Linker)
		if !ok {
			t.Skip("the avatar cannot make links")
		}
		if err := linker.SymlinkIfPossible("../b/secret.txt", "link"); err != nil {
			t.Skipf("no symlinks here: %v", err)
		}
		if got, err := afero.ReadFile(a, "link"); err == nil {
			t.Fatalf("read through link = %q, want an error", got)
		}
		reader, ok := a.(afero.LinkReader)
		if !ok {
			t.Fatal("the avatar makes links but cannot read them")
		}
		target, err := reader.ReadlinkIfPossible("link")
		if err != nil || target != string(filepath.Separator)+filepath.Join("b", "secret.txt") {
			t.Errorf("readlink = %q, %v; want the jailed path", target, err)
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
