package realms

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
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
}

func newJail(fsys afero.Fs, root string) *jail {
	root = filepath.Clean(root)
	return &jail{base: afero.NewBasePathFs(fsys, root), root: root}
}

// inside turns a client's name into a path that cannot climb above "/".
func inside(name string) string {
	return filepath.Join(string(filepath.Separator), name)
}

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
	f, err := j.base.Create(inside(name))
	return f, hide(err, name)
}

func (j *jail) Mkdir(name string, perm os.FileMode) error {
	return hide(j.base.Mkdir(inside(name), perm), name)
}

func (j *jail) MkdirAll(name string, perm os.FileMode) error {
	return hide(j.base.MkdirAll(inside(name), perm), name)
}

func (j *jail) Open(name string) (afero.File, error) {
	f, err := j.base.Open(inside(name))
	return f, hide(err, name)
}

func (j *jail) OpenFile(name string, flag int, perm os.FileMode) (afero.File, error) {
	f, err := j.base.OpenFile(inside(name), flag, perm)
	return f, hide(err, name)
}

func (j *jail) Remove(name string) error {
	return hide(j.base.Remove(inside(name)), name)
}

func (j *jail) RemoveAll(name string) error {
	return hide(j.base.RemoveAll(inside(name)), name)
}

func (j *jail) Rename(oldname, newname string) error {
	return hideLink(j.base.Rename(inside(oldname), inside(newname)), oldname, newname)
}

func (j *jail) Stat(name string) (os.FileInfo, error) {
	fi, err := j.base.Stat(inside(name))
	return fi, hide(err, name)
}

func (j *jail) Name() string { return "realms.jail" }

func (j *jail) Chmod(name string, mode os.FileMode) error {
	return hide(j.base.Chmod(inside(name), mode), name)
}

func (j *jail) Chown(name string, uid, gid int) error {
	return hide(j.base.Chown(inside(name), uid, gid), name)
}

func (j *jail) Chtimes(name string, atime, mtime time.Time) error {
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

// SymlinkIfPossible links newname to oldname, both taken inside the jail, so
// a link made through the jail points inside it.
func (j *jail) SymlinkIfPossible(oldname, newname string) error {
	l, ok := j.base.(afero.Linker)
	if !ok {
		return &os.LinkError{Op: "symlink", Old: oldname, New: newname, Err: afero.ErrNoSymlink}
	}
	return hideLink(l.SymlinkIfPossible(inside(oldname), inside(newname)), oldname, newname)
}

// ReadlinkIfPossible returns a link's target, mapped back into the jail when
// it points inside it.
func (j *jail) ReadlinkIfPossible(name string) (string, error) {
	r, ok := j.base.(afero.LinkReader)
	if !ok {
		return "", &os.PathError{Op: "readlink", Path: name, Err: afero.ErrNoReadlink}
	}
	target, err := r.ReadlinkIfPossible(inside(name))
	if err != nil {
		return "", hide(err, name)
	}
	if rel, ok := strings.CutPrefix(target, j.root); ok && (rel == "" || rel[0] == filepath.Separator) {
		if rel == "" {
			rel = string(filepath.Separator)
		}
		return rel, nil
	}
	return target, nil
}

var (
	_ afero.Fs        = (*jail)(nil)
	_ afero.Symlinker = (*jail)(nil)
)
