package realms_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
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

// outsideTime marks every file and directory outside user a's root: a Stat
// through a's avatar that returns it has reached outside.
var outsideTime = time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)

// outsideMarker is in the content of every file outside user a's root.
const outsideMarker = "SECRET-OUTSIDE"

// outsideNames are the names of the entries outside a's root; a listing
// through a's avatar must show none of them.
var outsideNames = []string{"srv", "secret", "etc", "passwd", "b", "ab", "top.txt", "secret.txt", "pub", "hello.txt"}

// jailTree lays out, under top, user a's root top/srv/a (with own.txt and
// sub/x.txt) and files outside it: other users' (b, and ab whose name has
// a's as prefix), one in the shared root, and some above it. Everything
// outside a's root gets outsideTime; it returns a's root.
func jailTree(t *testing.T, fsys afero.Fs, top string) (root string) {
	t.Helper()
	root = filepath.Join(top, "srv", "a")
	inside := map[string]string{
		"srv/a/own.txt":   "a's own",
		"srv/a/sub/x.txt": "a's x",
	}
	outside := map[string]string{
		"srv/b/secret.txt":  outsideMarker + " b",
		"srv/ab/secret.txt": outsideMarker + " ab",
		"srv/top.txt":       outsideMarker + " top",
		"srv/pub/hello.txt": outsideMarker + " pub",
		"secret":            outsideMarker + " /secret",
		"etc/passwd":        outsideMarker + " passwd",
	}
	for _, files := range []map[string]string{inside, outside} {
		for name, content := range files {
			p := filepath.Join(top, filepath.FromSlash(name))
			if err := fsys.MkdirAll(filepath.Dir(p), 0o750); err != nil {
				t.Fatal(err)
			}
			if err := afero.WriteFile(fsys, p, []byte(content), 0o640); err != nil {
				t.Fatal(err)
			}
		}
	}
	marks := []string{top}
	for name := range outside {
		for p := filepath.Join(top, filepath.FromSlash(name)); p != top; p = filepath.Dir(p) {
			marks = append(marks, p)
		}
	}
	for _, p := range marks {
		if err := fsys.Chtimes(p, outsideTime, outsideTime); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// outsideState describes every entry under top that is not in root: its
// mode, size, time and content, so any change outside shows.
func outsideState(t *testing.T, fsys afero.Fs, top, root string) string {
	t.Helper()
	var b strings.Builder
	err := afero.Walk(fsys, top, func(p string, fi fs.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if p == root {
			return filepath.SkipDir
		}
		fmt.Fprintf(&b, "%s %v %d %d", p, fi.Mode(), fi.Size(), fi.ModTime().UnixNano())
		if fi.Mode().IsRegular() {
			content, err := afero.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, " %x", sha256.Sum256(content))
		}
		b.WriteByte('\n')
		return nil
	})
	if err != nil {
		t.Fatalf("Walk %s: %v", top, err)
	}
	return b.String()
}

// checkJailedName aims every afero.Fs operation of user a's avatar at the
// client name: none may change anything outside a's root, show an entry,
// content or time from outside it, put a's real path in an error, or
// panic.
// Each operation that writes gets a fresh tree, so none sees another's
// leftovers. (A rename into the renamed file's own subtree, "own.txt" to
// "own.txt/x", which afero.MemMapFs panics on, is refused by the jail.)
func checkJailedName(t *testing.T, newBase func() (fsys afero.Fs, top string), name string) {
	var (
		base      afero.Fs
		top, root string
		realSrv   string // where the users' roots really are
		a         afero.Fs
		before    string
	)
	fresh := func() {
		base, top = newBase()
		root = jailTree(t, base, top)
		realSrv = filepath.Join(top, "srv")
		d := newDirectory(t, base, realms.DirectoryOptions{Root: realSrv, PerUser: true})
		a = filesOf(t, d, cred.UserID("a"))
		before = outsideState(t, base, top, root)
	}
	fresh()

	checkInfo := func(op string, fi os.FileInfo) {
		t.Helper()
		if fi != nil && fi.ModTime().Equal(outsideTime) {
			t.Fatalf("%s(%q) reached outside the root: %s %v", op, name, fi.Name(), fi.ModTime())
		}
	}
	checkErr := func(op string, err error) {
		t.Helper()
		if err != nil && strings.Contains(err.Error(), realSrv) && !strings.Contains(name, realSrv) {
			t.Fatalf("%s(%q): the error shows the real path: %v", op, name, err)
		}
	}
	checkFile := func(op string, f afero.File, err error) {
		t.Helper()
		checkErr(op, err)
		if err != nil {
			if f != nil {
				t.Fatalf("%s(%q) failed with a non-nil file", op, name)
			}
			return
		}
		defer f.Close()
		fi, err := f.Stat()
		checkErr(op+" Stat", err)
		checkInfo(op+" Stat", fi)
		if fi != nil && fi.IsDir() {
			fis, err := f.Readdir(-1)
			checkErr(op+" Readdir", err)
			for _, fi := range fis {
				checkInfo(op+" Readdir", fi)
				for _, o := range outsideNames {
					if fi.Name() == o {
						t.Fatalf("%s(%q) lists %q, from outside the root", op, name, o)
					}
				}
			}
			return
		}
		content, err := io.ReadAll(io.LimitReader(f, 1<<16))
		checkErr(op+" Read", err)
		if bytes.Contains(content, []byte(outsideMarker)) {
			t.Fatalf("%s(%q) read %q, from outside the root", op, name, content)
		}
	}
	checkUnchanged := func(op string) {
		t.Helper()
		if after := outsideState(t, base, top, root); after != before {
			t.Fatalf("%s(%q) changed what lies outside the root:\nbefore:\n%s\nafter:\n%s", op, name, before, after)
		}
	}

	fi, err := a.Stat(name)
	checkErr("Stat", err)
	checkInfo("Stat", fi)
	if l, ok := a.(afero.Lstater); ok {
		fi, _, err := l.LstatIfPossible(name)
		checkErr("Lstat", err)
		checkInfo("Lstat", fi)
	}
	if r, ok := a.(afero.LinkReader); ok {
		target, err := r.ReadlinkIfPossible(name)
		checkErr("Readlink", err)
		if strings.Contains(target, realSrv) && !strings.Contains(name, realSrv) {
			t.Fatalf("Readlink(%q) = %q shows the real path", name, target)
		}
	}
	f, err := a.Open(name)
	checkFile("Open", f, err)
	f, err = a.OpenFile(name, os.O_RDONLY, 0)
	checkFile("OpenFile read-only", f, err)

	ops := []struct {
		name string
		do   func() error
	}{
		{"OpenFile for writing", func() error {
			f, err := a.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o777)
			if err == nil {
				_, err = f.WriteString("written through the jail")
				f.Close()
			}
			return err
		}},
		{"Create", func() error {
			f, err := a.Create(name)
			if err == nil {
				f.Close()
			}
			return err
		}},
		{"Chmod", func() error { return a.Chmod(name, 0o750) }},
		{"Chtimes", func() error { return a.Chtimes(name, time.Unix(1, 0), time.Unix(1, 0)) }},
		{"Chown", func() error { return a.Chown(name, os.Getuid(), os.Getgid()) }},
		{"Symlink", func() error {
			if l, ok := a.(afero.Linker); ok {
				return l.SymlinkIfPossible(name, "link")
			}
			return nil
		}},
		{"Rename to the name", func() error { return a.Rename("own.txt", name) }},
		{"Rename from the name", func() error { return a.Rename(name, "moved") }},
		{"Remove", func() error { return a.Remove(name) }},
		{"Mkdir", func() error { return a.Mkdir(name, 0o750) }},
		{"MkdirAll", func() error { return a.MkdirAll(name, 0o750) }},
		{"RemoveAll", func() error { return a.RemoveAll(name) }},
	}
	ops = append(ops, struct {
		name string
		do   func() error
	}{"Rename a directory to the name", func() error { return a.Rename("sub", name) }})
	for _, op := range ops {
		fresh()
		checkErr(op.name, op.do())
		checkUnchanged(op.name)
		fi, err := a.Stat(name)
		checkErr(op.name+" then Stat", err)
		checkInfo(op.name+" then Stat", fi)
		f, err := a.Open(name)
		checkFile(op.name+" then Open", f, err)
	}
}

// jailNameSeeds are client names: plain, climbing, absolute, naming
// other users' and the shared root's files, and odd bytes.
var jailNameSeeds = []string{
	"", ".", "/", "//", "own.txt", "/own.txt", "sub", "sub/x.txt", "sub/../own.txt", "new.txt", "new/dir/file",
	"..", "../", "../..", "../../..", "/..", "/../..", "../b/secret.txt", "../ab/secret.txt", "../ab", "../b",
	"../top.txt", "../../secret", "/../../secret", "../../etc/passwd", "../../../../../../etc/passwd",
	"sub/../../b/secret.txt", "./../b", "...", "..b", "b/..", "../a/own.txt", "../a", "/srv/b/secret.txt",
	"srv/b/secret.txt", "/secret", "\\..\\b\\secret.txt", "..\\..\\secret", "a\x00b", "../\x00b", "own.txt/",
	"own.txt/x", "sub//x.txt", "././sub/./x.txt", "~", "~b", "%2e%2e/b", "..%2fb", "sub/" + strings.Repeat("../", 40) + "secret",
	strings.Repeat("x", 300), "\u2025/b", "ü/名前",
}

// FuzzJailKeepsClientPathsInTheRoot fuzzes the client's name through every
// afero.Fs operation of a PerUser Directory's avatar over an in-memory Fs.
func FuzzJailKeepsClientPathsInTheRoot(f *testing.F) {
	for _, s := range jailNameSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		checkJailedName(t, func() (afero.Fs, string) { return afero.NewMemMapFs(), string(filepath.Separator) }, name)
	})
}

// FuzzJailKeepsClientPathsInTheRootOnDisk is the same over the real disk,
// in a tree without symbolic links.
func FuzzJailKeepsClientPathsInTheRootOnDisk(f *testing.F) {
	for _, s := range jailNameSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		checkJailedName(t, func() (afero.Fs, string) { return afero.NewOsFs(), t.TempDir() }, name)
	})
}

// linkFs is an afero.Fs in memory whose links has symbolic links: real
// path to target, returned by ReadlinkIfPossible as the OS would.
type linkFs struct {
	afero.Fs
	links map[string]string
}

func (l linkFs) ReadlinkIfPossible(name string) (string, error) {
	if target, ok := l.links[filepath.Clean(name)]; ok {
		return target, nil
	}
	return "", &os.PathError{Op: "readlink", Path: name, Err: errors.New("not a link")}
}

// FuzzJailReadlinkShowsOnlyTargetsInsideTheRoot fuzzes a link's target as
// found on disk: what ReadlinkIfPossible shows the client, read as a path
// in the jail (from the link's directory when relative), must be exactly
// the target, so it never shows (or misstates) anything outside the root,
// nor the root's real path.
func FuzzJailReadlinkShowsOnlyTargetsInsideTheRoot(f *testing.F) {
	for _, s := range []string{
		"x", "own.txt", "sub/x.txt", "./x", "sub/../own.txt", "", ".",
		"/srv/a", "/srv/a/", "/srv/a/own.txt", "/srv/a/sub/x.txt", "/srv/a//sub", "/srv/a/./own.txt",
		"..", "../b/secret.txt", "../../secret", "sub/../../b", "/srv/b/secret.txt", "/srv/ab/secret.txt",
		"/srv/ab", "/srv", "/", "/secret", "/etc/passwd", "//srv/a/own.txt", "/srv/a\x00", "a\\..\\..\\b",
	} {
		f.Add(s)
	}
	const root = "/srv/a"
	f.Fuzz(func(t *testing.T, target string) {
		base := linkFs{Fs: afero.NewMemMapFs(), links: map[string]string{}}
		jailTree(t, base.Fs, "/")
		d := newDirectory(t, base, realms.DirectoryOptions{Root: "/srv", PerUser: true})
		a := filesOf(t, d, cred.UserID("a"))
		r, ok := a.(afero.LinkReader)
		if !ok {
			t.Fatalf("the avatar %T reads no links", a)
		}
		for _, link := range []string{"link", "sub/link"} {
			real := filepath.Join(root, link)
			base.links[real] = target
			got, err := r.ReadlinkIfPossible(link)
			if err != nil {
				if strings.Contains(err.Error(), "/srv") {
					t.Fatalf("Readlink(%q) -> %q: the error shows the real path: %v", link, target, err)
				}
				continue
			}
			// Where the client is told the link leads: a path in the jail,
			// where ".." stops at "/", as a real path.
			seen := filepath.Join("/", got)
			if !filepath.IsAbs(got) {
				seen = filepath.Join("/", filepath.Dir(link), got)
			}
			seen = filepath.Join(root, seen)
			// Where it really leads.
			want := target
			if !filepath.IsAbs(want) {
				want = filepath.Join(filepath.Dir(real), want)
			}
			want = filepath.Clean(want)
			if seen != want {
				t.Fatalf("link %q to %q reads as %q, which is %s in the jail, not %s", link, target, got, seen, want)
			}
		}
	})
}
