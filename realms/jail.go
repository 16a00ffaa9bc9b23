package realms

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/afero"
)

// jail confines every name to root. It cleans each name as if it were
// absolute before afero.BasePathFs sees it, because BasePathFs alone only
// checks a string prefix: with root /srv/a, the name ../ab/x becomes
// /srv/ab/x, which has the prefix /srv/a and escapes into user "ab"'s
// directory. Rooted cleaning turns any number of ".." into "/". It also puts
// the caller's name back into path errors, so clients never learn where the
// files really live.
type jail struct {
	base afero.Fs // afero.BasePathFs over root
	root string   // cleaned real root, to map link targets back
	// linkFree: the file system has no symbolic links (afero's
	// MemMapFs), so one that cannot Lstat is no reason to refuse renames.
	linkFree bool
}

func newJail(fsys afero.Fs, root string, linkFree bool) *jail {
	root = filepath.Clean(root)
	if _, mem := fsys.(*afero.MemMapFs); mem {
		linkFree = true
	}
	return &jail{base: afero.NewBasePathFs(fsys, root), root: root, linkFree: linkFree}
}

// inside turns a client's name into a path that cannot climb above "/".
func inside(name string) string {
	return filepath.Join(string(filepath.Separator), name)
}

// isJailRoot reports whether name is the jail's root, which a client may
// list and write into but not remove, rename or change: removing it breaks
// every other session over it (and a restart), and chmod 0777 on it would
// let anyone on the host plant links in it.
func isJailRoot(name string) bool { return inside(name) == string(filepath.Separator) }

// denied is the error for what a client may not do to name.
func denied(op, name string) error { return &os.PathError{Op: op, Path: name, Err: os.ErrPermission} }

// permOnly keeps the permission bits a client may set: the owner's, and
// read and execute for group and others. A client never sets setuid,
// setgid or sticky bits, and never makes a file or directory writable by
// other accounts of the host: a directory any local user can write to is
// one where they can plant a symbolic link to anywhere, which the jail
// would then follow for every client.
func permOnly(mode os.FileMode) os.FileMode { return mode & 0o755 }

// hide replaces the real path in err by the name the client gave.
func hide(err error, name string) error {
	if err == nil {
		return nil
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return &os.PathError{Op: pe.Op, Path: name, Err: pe.Err}
	}
	return err
}

func hideLink(err error, oldname, newname string) error {
	if err == nil {
		return nil
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return &os.LinkError{Op: le.Op, Old: oldname, New: newname, Err: le.Err}
	}
	return hide(err, newname)
}

func (j *jail) Create(name string) (afero.File, error) {
	f, err := j.base.OpenFile(inside(name), os.O_RDWR|os.O_CREATE|os.O_TRUNC, permOnly(0o666))
	return jailed(f, name), hide(err, name)
}

func (j *jail) Mkdir(name string, perm os.FileMode) error {
	return hide(j.base.Mkdir(inside(name), permOnly(perm)), name)
}

func (j *jail) MkdirAll(name string, perm os.FileMode) error {
	return hide(j.base.MkdirAll(inside(name), permOnly(perm)), name)
}

func (j *jail) Open(name string) (afero.File, error) {
	f, err := j.base.Open(inside(name))
	return jailed(f, name), hide(err, name)
}

func (j *jail) OpenFile(name string, flag int, perm os.FileMode) (afero.File, error) {
	f, err := j.base.OpenFile(inside(name), flag, permOnly(perm))
	return jailed(f, name), hide(err, name)
}

func (j *jail) Remove(name string) error {
	if isJailRoot(name) {
		return denied("remove", name)
	}
	return hide(j.base.Remove(inside(name)), name)
}

func (j *jail) RemoveAll(name string) error {
	if isJailRoot(name) {
		return denied("removeall", name)
	}
	return hide(j.base.RemoveAll(inside(name)), name)
}

func (j *jail) Rename(oldname, newname string) error {
	if isJailRoot(oldname) || isJailRoot(newname) {
		return &os.LinkError{Op: "rename", Old: oldname, New: newname, Err: os.ErrPermission}
	}
	o, n := inside(oldname), inside(newname)
	if err := j.holdsNoLinks(o); err != nil {
		return &os.LinkError{Op: "rename", Old: oldname, New: newname, Err: err}
	}
	sep := string(filepath.Separator)
	if into, onto := strings.HasPrefix(n, o+sep), strings.HasPrefix(o, n+sep); into || onto {
		// Into its own subtree, which afero's MemMapFs crashes on, or
		// onto a directory above, which it does, hiding that
		// directory's files. A real disk (where Lstat works) answers for
		// itself; anything else gets the answer os.Rename gives on Linux.
		if ls, ok := j.base.(afero.Lstater); ok {
			if _, onDisk, _ := ls.LstatIfPossible(o); onDisk {
				return hideLink(j.base.Rename(o, n), oldname, newname)
			}
		}
		return &os.LinkError{Op: "rename", Old: oldname, New: newname, Err: j.renameErrno(o, n, into)}
	}
	return hideLink(j.base.Rename(o, n), oldname, newname)
}

// errHoldsLink refuses a rename that would move a symbolic link;
// errUnreadable one that might (a directory below cannot be read).
var (
	errHoldsLink  = &linkMoveError{"a symbolic link, or a directory holding one, cannot be moved"}
	errUnreadable = &linkMoveError{"a directory holding one that cannot be read (which might hold a symbolic link) cannot be moved"}
	errNoLstat    = &linkMoveError{"this file system cannot tell symbolic links from what they point to, so nothing is moved"}
)

// linkMoveError says a rename was refused because it moves, or might
// move, a symbolic link; it is a permission error (errors.Is(err,
// fs.ErrPermission)).
type linkMoveError struct{ why string }

func (e *linkMoveError) Error() string      { return "permission denied: " + e.why }
func (*linkMoveError) Is(target error) bool { return target == fs.ErrPermission }

// holdsNoLinks refuses (errHoldsLink) to move o if it is a symbolic link
// or a directory with one anywhere below it: a relative link's target is
// read from where the link is, so a link moved (or a directory of links
// moved) to a shallower place can point above the jail's root ("../x" in
// /docs names /x; moved to /, it names the directory above the root),
// and every later open through it would leave the jail. A name that
// cannot be looked at is left for Rename to answer.
func (j *jail) holdsNoLinks(o string) error {
	ls, ok := j.base.(afero.Lstater)
	if !ok {
		return nil
	}
	fi, onDisk, err := ls.LstatIfPossible(o)
	switch {
	case !onDisk && !j.linkFree:
		// A file system of one's own, or afero's RegexpFs or
		// CacheOnReadFs over a disk: links are followed, but cannot
		// be seen (a dangling one is "not found"), so nothing is
		// moved.
		return errNoLstat
	case err != nil || !onDisk:
		return nil // on disk, Rename answers for a name that is not there
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return errHoldsLink
	}
	if !fi.IsDir() {
		return nil
	}
	// afero.Walk looks at entries with Lstat, so it never follows a link.
	return afero.Walk(j.base, o, func(_ string, fi fs.FileInfo, err error) error {
		switch {
		case err != nil: // a directory it cannot read: its links unknown
			return errUnreadable
		case fi.Mode()&fs.ModeSymlink != 0:
			return errHoldsLink
		}
		return nil
	})
}

// renameErrno is what os.Rename answers on Linux for renaming o into its
// own subtree (into) or onto a directory above it, worked out without
// asking the file system to do it: a new name that is an existing
// directory is EEXIST (os.Rename's own check, after the old name's
// errors); then rename(2)'s ENOENT or ENOTDIR along either path; then
// EINVAL, or ENOTEMPTY for a directory above.
func (j *jail) renameErrno(o, n string, into bool) error {
	if fi, err := j.base.Stat(n); err == nil && fi.IsDir() {
		if err := j.walk(o, false); err != nil {
			return err
		}
		return syscall.EEXIST
	}
	if err := j.walk(o, false); err != nil {
		return err
	}
	if err := j.walk(filepath.Dir(n), true); err != nil {
		return err
	}
	if into {
		return syscall.EINVAL
	}
	return syscall.ENOTEMPTY
}

// walk returns ENOENT or ENOTDIR if p, or a directory on the way to it, is
// missing or not a directory; p itself must be a directory only if dir.
func (j *jail) walk(p string, dir bool) error {
	sep := string(filepath.Separator)
	parts := strings.Split(strings.Trim(p, sep), sep)
	cur := sep
	for i, part := range parts {
		if part == "" {
			continue
		}
		cur = filepath.Join(cur, part)
		fi, err := j.base.Stat(cur)
		if err != nil {
			return errnoOf(err)
		}
		if (i < len(parts)-1 || dir) && !fi.IsDir() {
			return syscall.ENOTDIR
		}
	}
	return nil
}

// errnoOf is the errno behind err, ENOENT for any "does not exist".
func errnoOf(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return syscall.ENOENT
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func (j *jail) Stat(name string) (os.FileInfo, error) {
	fi, err := j.base.Stat(inside(name))
	return fi, hide(err, name)
}

func (j *jail) Name() string { return "realms.jail" }

func (j *jail) Chmod(name string, mode os.FileMode) error {
	if isJailRoot(name) {
		return denied("chmod", name)
	}
	return hide(j.base.Chmod(inside(name), permOnly(mode)), name)
}

// Chown is refused: a client must not give files to other accounts of the
// host (or, with a server running as root, to root).
func (j *jail) Chown(name string, uid, gid int) error { return denied("chown", name) }

func (j *jail) Chtimes(name string, atime, mtime time.Time) error {
	if isJailRoot(name) {
		return denied("chtimes", name)
	}
	return hide(j.base.Chtimes(inside(name), atime, mtime), name)
}

func (j *jail) LstatIfPossible(name string) (os.FileInfo, bool, error) {
	l, ok := j.base.(afero.Lstater)
	if !ok {
		fi, err := j.Stat(name)
		return fi, false, err
	}
	fi, ok, err := l.LstatIfPossible(inside(name))
	return fi, ok, hide(err, name)
}

// SymlinkIfPossible is refused. A link made inside one jail is followed by
// the operating system from every jail that can see it: a user's link to
// "/" in a shared Root, seen from AnonymousDir below it, would give
// anonymous the whole Root.
func (j *jail) SymlinkIfPossible(oldname, newname string) error {
	return &os.LinkError{Op: "symlink", Old: oldname, New: newname, Err: os.ErrPermission}
}

// ReadlinkIfPossible returns a link's target, mapped back into the jail,
// when it points inside the jail: an absolute target under the jail's root,
// or a relative one that does not climb with "..". Any other target is
// refused rather than shown, since it would tell the client where the
// files really live.
func (j *jail) ReadlinkIfPossible(name string) (string, error) {
	r, ok := j.base.(afero.LinkReader)
	if !ok {
		return "", &os.PathError{Op: "readlink", Path: name, Err: afero.ErrNoReadlink}
	}
	target, err := r.ReadlinkIfPossible(inside(name))
	if err != nil {
		return "", hide(err, name)
	}
	if !filepath.IsAbs(target) {
		if filepath.IsLocal(target) {
			return target, nil
		}
		return "", denied("readlink", name)
	}
	// Cleaned first: "/root/../other" is not under /root.
	if rel, ok := strings.CutPrefix(filepath.Clean(target), j.root); ok && (rel == "" || rel[0] == filepath.Separator) {
		if rel == "" {
			rel = string(filepath.Separator)
		}
		return rel, nil
	}
	return "", denied("readlink", name)
}

// jailFile is an open file whose errors name the client's path, like the
// jail's own: an error from a file handle (a write to a file opened
// read-only, a seek before its start, a read after Close) otherwise holds
// the real path, and an FTP server sends such texts to the client.
type jailFile struct {
	afero.File
	name string
}

// jailed wraps f, nil when f is nil (a failed open).
func jailed(f afero.File, name string) afero.File {
	if f == nil {
		return nil
	}
	return &jailFile{File: f, name: name}
}

func (f *jailFile) Close() error { return hide(f.File.Close(), f.name) }

func (f *jailFile) Read(p []byte) (int, error) {
	n, err := f.File.Read(p)
	return n, hide(err, f.name)
}

func (f *jailFile) ReadAt(p []byte, off int64) (int, error) {
	n, err := f.File.ReadAt(p, off)
	return n, hide(err, f.name)
}

func (f *jailFile) Seek(offset int64, whence int) (int64, error) {
	n, err := f.File.Seek(offset, whence)
	return n, hide(err, f.name)
}

func (f *jailFile) Write(p []byte) (int, error) {
	n, err := f.File.Write(p)
	return n, hide(err, f.name)
}

func (f *jailFile) WriteAt(p []byte, off int64) (int, error) {
	n, err := f.File.WriteAt(p, off)
	return n, hide(err, f.name)
}

func (f *jailFile) WriteString(s string) (int, error) {
	n, err := f.File.WriteString(s)
	return n, hide(err, f.name)
}

func (f *jailFile) Readdir(count int) ([]os.FileInfo, error) {
	fis, err := f.File.Readdir(count)
	return fis, hide(err, f.name)
}

func (f *jailFile) Readdirnames(n int) ([]string, error) {
	names, err := f.File.Readdirnames(n)
	return names, hide(err, f.name)
}

func (f *jailFile) Stat() (os.FileInfo, error) {
	fi, err := f.File.Stat()
	return fi, hide(err, f.name)
}

func (f *jailFile) Sync() error { return hide(f.File.Sync(), f.name) }

func (f *jailFile) Truncate(size int64) error { return hide(f.File.Truncate(size), f.name) }

var (
	_ afero.Fs        = (*jail)(nil)
	_ afero.Symlinker = (*jail)(nil)
	_ afero.File      = (*jailFile)(nil)
)
