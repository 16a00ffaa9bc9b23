package realms_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gocred/gocred/cred"
	"github.com/gocred/gocred/realms"
	"github.com/spf13/afero"
)

// snapshot lists every entry under dir with its mode, size and time, so a
// test can tell whether anything under dir changed.
func snapshot(t *testing.T, fsys afero.Fs, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := afero.Walk(fsys, dir, func(p string, fi fs.FileInfo, err error) error {
		if err != nil {
			return err
		}
		out[p] = fmt.Sprint(fi.Mode(), fi.Size(), fi.ModTime().UnixNano())
		return nil
	})
	if err != nil {
		t.Fatalf("Walk %s: %v", dir, err)
	}
	return out
}

// errEscaped marks an operation's error as proof that it reached another
// user's files (a read, which leaves no trace in their directory).
var errEscaped = errors.New("escaped the user's root")

// TestEveryFsOperationStaysInTheUsersRoot aims each afero.Fs operation of
// user a's avatar at user b's and user ab's files and checks that their
// directories are untouched, in memory and on disk.
func TestEveryFsOperationStaysInTheUsersRoot(t *testing.T) {
	ops := []struct {
		name string
		op   func(afero.Fs) error
	}{
		{"Create", func(f afero.Fs) error { _, err := f.Create("../b/created.txt"); return err }},
		{"OpenFile for writing", func(f afero.Fs) error {
			_, err := f.OpenFile("../ab/secret.txt", os.O_WRONLY|os.O_TRUNC, 0)
			return err
		}},
		{"Mkdir", func(f afero.Fs) error { return f.Mkdir("../b/newdir", 0o750) }},
		{"MkdirAll", func(f afero.Fs) error { return f.MkdirAll("../../srv/b/deep/dir", 0o750) }},
		{"Remove", func(f afero.Fs) error { return f.Remove("../b/secret.txt") }},
		{"RemoveAll", func(f afero.Fs) error { return f.RemoveAll("../ab") }},
		{"Rename from outside", func(f afero.Fs) error { return f.Rename("../b/secret.txt", "stolen.txt") }},
		{"Rename to outside", func(f afero.Fs) error { return f.Rename("own.txt", "../b/own.txt") }},
		{"Chmod", func(f afero.Fs) error { return f.Chmod("../b/secret.txt", 0o777) }},
		{"Chtimes", func(f afero.Fs) error { return f.Chtimes("../ab/secret.txt", time.Unix(0, 0), time.Unix(0, 0)) }},
		{"Chown", func(f afero.Fs) error { return f.Chown("../b/secret.txt", os.Getuid(), os.Getgid()) }},
		{"Lstat", func(f afero.Fs) error {
			l, ok := f.(afero.Lstater)
			if !ok {
				return fmt.Errorf("%w: the avatar's Fs has no Lstat", errEscaped)
			}
			if _, _, err := l.LstatIfPossible("../b/secret.txt"); err == nil {
				return fmt.Errorf("%w: lstat found b's file", errEscaped)
			}
			return nil
		}},
		{"Symlink", func(f afero.Fs) error {
			if l, ok := f.(afero.Linker); ok {
				_ = l.SymlinkIfPossible("../b/secret.txt", "../b/link")
			}
			return nil
		}},
	}
	backends := []struct {
		name string
		make func(t *testing.T) (afero.Fs, string)
	}{
		{"in memory", func(t *testing.T) (afero.Fs, string) { return usersTree(t), "/srv" }},
		{"on disk", func(t *testing.T) (afero.Fs, string) {
			root := t.TempDir()
			osfs := afero.NewOsFs()
			for name, content := range map[string]string{"a/own.txt": "a's own", "b/secret.txt": "b's secret", "ab/secret.txt": "ab's secret"} {
				p := filepath.Join(root, filepath.FromSlash(name))
				if err := osfs.MkdirAll(filepath.Dir(p), 0o750); err != nil {
					t.Fatal(err)
				}
				if err := afero.WriteFile(osfs, p, []byte(content), 0o640); err != nil {
					t.Fatal(err)
				}
			}
			return osfs, root
		}},
	}
	for _, be := range backends {
		for _, op := range ops {
			t.Run(be.name+", "+op.name+" aimed at another user leaves them untouched", func(t *testing.T) {
				base, root := be.make(t)
				d := newDirectory(t, base, realms.DirectoryOptions{Root: root, PerUser: true})
				a := filesOf(t, d, cred.UserID("a"))
				b, ab := filepath.Join(root, "b"), filepath.Join(root, "ab")
				beforeB, beforeAB := snapshot(t, base, b), snapshot(t, base, ab)
				switch err := op.op(a); {
				case errors.Is(err, errEscaped): // a read that reached b's files
					t.Errorf("%s: %v", op.name, err)
				case err != nil:
					t.Logf("%s: %v", op.name, err) // refusing is fine; escaping is not
				}
				if after := snapshot(t, base, b); fmt.Sprint(after) != fmt.Sprint(beforeB) {
					t.Errorf("b's directory changed:\nbefore %v\nafter  %v", beforeB, after)
				}
				if after := snapshot(t, base, ab); fmt.Sprint(after) != fmt.Sprint(beforeAB) {
					t.Errorf("ab's directory changed:\nbefore %v\nafter  %v", beforeAB, after)
				}
				if a.Name() == "" {
					t.Error("the avatar has no name")
				}
			})
		}
	}
}

// A rename into the renamed name's own subtree gets the answer the OS
// gives (and never reaches an afero.MemMapFs, which crashes on it).
func TestJailRenameIntoItselfAnswersAsTheOS(t *testing.T) {
	top := t.TempDir()
	for _, base := range []string{filepath.Join(top, "srv", "a"), filepath.Join(top, "plain")} {
		if err := os.MkdirAll(filepath.Join(base, "dir"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("dir", filepath.Join(base, "ln")); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(base, "f"), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d := newDirectory(t, afero.NewOsFs(), realms.DirectoryOptions{Root: filepath.Join(top, "srv"), PerUser: true})
	a := filesOf(t, d, cred.UserID("a"))
	plain := filepath.Join(top, "plain")
	for _, base := range []string{filepath.Join(top, "srv", "a"), plain} {
		if err := os.MkdirAll(filepath.Join(base, "dir", "sub"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(base, "dir", "file"), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range [][2]string{{"ln", "ln/moved-link"}, {"f", "f/x"}, {"nope", "nope/x"}, {"dir", "dir/x"}, {"dir", "dir/no/x"},
		{"dir", "dir/sub"}, {"dir", "dir/file/y/z"}, {"dir/sub", "dir"}} {
		osErr := os.Rename(filepath.Join(plain, c[0]), filepath.Join(plain, c[1]))
		jailErr := a.Rename(c[0], c[1])
		var ole, jle *os.LinkError
		osErrno, jailErrno := osErr, jailErr
		if errors.As(osErr, &ole) {
			osErrno = ole.Err
		}
		if errors.As(jailErr, &jle) {
			jailErrno = jle.Err
		}
		if c[0] == "ln" { // a link is never moved (TestMovingALinkCannotLeaveTheJail)
			if !errors.Is(jailErr, os.ErrPermission) {
				t.Errorf("rename(%q, %q): the jail answers %v, want a permission error", c[0], c[1], jailErr)
			}
		} else if !errors.Is(jailErrno, osErrno) && !(osErrno == nil && jailErrno == nil) {
			t.Errorf("rename(%q, %q): the OS answers %v, the jail %v", c[0], c[1], osErr, jailErr)
		}
		if jailErr != nil && strings.Contains(jailErr.Error(), top) {
			t.Errorf("rename(%q, %q): the error shows the real path: %v", c[0], c[1], jailErr)
		}
	}
	// Over a MemMapFs, the answer os.Rename gives on disk for the same
	// tree, emulated: each case on a fresh tree of both kinds.
	tree := func(mk func(string) error, write func(string) error) {
		for _, d := range []string{"dir/sub", "dir/full"} {
			if err := mk(d); err != nil {
				t.Fatal(err)
			}
		}
		for _, f := range []string{"f", "dir/file", "dir/full/g"} {
			if err := write(f); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, c := range [][2]string{
		{"f", "f/x"}, {"nope", "nope/x"}, {"dir", "dir/x"}, {"dir", "dir/no/x"}, {"dir", "dir/sub"}, {"dir", "dir/full"},
		{"dir", "dir/file"}, {"dir", "dir/file/y/z"}, {"dir/sub", "dir"}, {"dir/full/g", "dir"}, {"nope/x", "nope"},
		{"f/x", "f"}, {"f/x", "f/x/y"}, {"dir/file/q", "dir"}, {"dir/sub/", "dir/"},
	} {
		disk := t.TempDir()
		tree(func(d string) error { return os.MkdirAll(filepath.Join(disk, d), 0o755) },
			func(f string) error { return os.WriteFile(filepath.Join(disk, f), []byte("x"), 0o644) })
		osErr := os.Rename(filepath.Join(disk, c[0]), filepath.Join(disk, c[1]))
		var ole *os.LinkError
		if !errors.As(osErr, &ole) {
			t.Fatalf("os.Rename(%s, %s) = %v, want an error", c[0], c[1], osErr)
		}
		mem := afero.NewMemMapFs()
		tree(func(d string) error { return mem.MkdirAll(filepath.Join("/srv/a", d), 0o755) },
			func(f string) error { return afero.WriteFile(mem, filepath.Join("/srv/a", f), []byte("x"), 0o644) })
		m := filesOf(t, newDirectory(t, mem, realms.DirectoryOptions{Root: "/srv", PerUser: true}), cred.UserID("a"))
		if err := m.Rename(c[0], c[1]); !errors.Is(err, ole.Err) {
			t.Errorf("rename(%s, %s) over a MemMapFs: %v; os.Rename on disk: %v", c[0], c[1], err, ole.Err)
		}
		if infos, err := afero.ReadDir(m, "dir"); err != nil || len(infos) != 3 {
			t.Errorf("after rename(%s, %s), dir lists %d entries (%v), want its three", c[0], c[1], len(infos), err)
		}
	}
}
