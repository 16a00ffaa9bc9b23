package realms

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/afero"
)

// RootFs is an afero.Fs of one directory of the host in which no name
// leads outside that directory: not "..", and not a symbolic link, wherever
// it points and whoever made it (os.Root does the resolving). A Directory
// over it (as examples/fileserver uses) serves no file outside its root
// even when the host has put links in it; Directory's own jail, which is
// lexical, cannot see where links lead. Names are slash-separated and
// relative to the directory; a leading "/" is the directory itself.
//
// Files that are neither regular files nor directories (named pipes,
// devices, sockets) cannot be opened: reading a named pipe nobody writes
// to would hold the client's connection forever. Such opens, and names
// that would escape through a link, fail with an error matching
// fs.ErrPermission.
//
// As os.Root resolves them: a symbolic link with an absolute target is
// never followed, even to a file inside the directory (write relative
// ones), and a name passes through at most 8 links. A hard link is the
// file itself, wherever else it appears: one the host made to a file
// outside the directory is read, written and chmodded as any file inside
// (on Linux, who may make hard links to files they do not own is the
// kernel's fs.protected_hardlinks). The directory is the one opened: renaming it,
// or pointing a link that named it elsewhere, goes unseen until the
// RootFs is opened again.
//
// Build one with NewRootFs; Close releases the directory.
type RootFs struct {
	root *os.Root
}

// NewRootFs opens dir as a RootFs.
func NewRootFs(dir string) (*RootFs, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("realms: NewRootFs: %w", err)
	}
	return &RootFs{root: r}, nil
}

// Close closes the directory; the RootFs must not be used afterwards.
func (r *RootFs) Close() error { return r.root.Close() }

// rel turns a name into one relative to the root, as os.Root takes.
func rel(name string) string {
	name = strings.TrimLeft(filepath.ToSlash(name), "/")
	if name == "" {
		return "."
	}
	return name
}

// errEscapes is a name that leads outside the root through a link.
var errEscapes = errors.New("permission denied: the path leads outside the served directory")

// errNotRegular is an open of a named pipe, device or socket.
var errNotRegular = errors.New("permission denied: not a regular file or directory")

type rootError struct{ err error }

func (e *rootError) Error() string        { return e.err.Error() }
func (e *rootError) Is(target error) bool { return target == fs.ErrPermission }

var (
	escapes    = &rootError{errEscapes}
	notRegular = &rootError{errNotRegular}
)

// fixErr turns os.Root's refusal of a name that escapes (an error of its
// own, matching nothing) into one matching fs.ErrPermission, so a server
// answers 403 or 550, not 500.
func fixErr(err error) error {
	if err == nil {
		return nil
	}
	var pe *fs.PathError
	if errors.As(err, &pe) && isEscape(pe.Err) {
		return &fs.PathError{Op: pe.Op, Path: pe.Path, Err: escapes}
	}
	var le *os.LinkError
	if errors.As(err, &le) && isEscape(le.Err) {
		return &os.LinkError{Op: le.Op, Old: le.Old, New: le.New, Err: escapes}
	}
	return err
}

// isEscape reports whether err is os.Root's "path escapes from parent",
// which it does not export (EXDEV from the kernel's RESOLVE_BENEATH too).
func isEscape(err error) bool {
	return err != nil && (err.Error() == "path escapes from parent" || errors.Is(err, syscall.EXDEV))
}

// Create creates or truncates name for reading and writing.
func (r *RootFs) Create(name string) (afero.File, error) {
	return r.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o666)
}

// Mkdir creates a directory.
func (r *RootFs) Mkdir(name string, perm os.FileMode) error {
	return fixErr(r.root.Mkdir(rel(name), perm))
}

// MkdirAll creates a directory and its missing parents.
func (r *RootFs) MkdirAll(name string, perm os.FileMode) error {
	return fixErr(r.root.MkdirAll(rel(name), perm))
}

// Open opens name for reading.
func (r *RootFs) Open(name string) (afero.File, error) {
	return r.OpenFile(name, os.O_RDONLY, 0)
}

// OpenFile opens name with flag, creating it with perm. A named pipe,
// device or socket is refused without being opened (opening a device can
// act on it; a pipe without a writer would block); should one take a
// regular file's place in between, it is opened without blocking and
// without becoming a controlling terminal, seen for what it is, and
// closed.
func (r *RootFs) OpenFile(name string, flag int, perm os.FileMode) (afero.File, error) {
	if fi, err := r.root.Stat(rel(name)); err == nil && !fi.Mode().IsRegular() && !fi.IsDir() {
		return nil, &fs.PathError{Op: "open", Path: name, Err: notRegular}
	}
	f, err := r.root.OpenFile(rel(name), flag|syscall.O_NONBLOCK|syscall.O_NOCTTY, perm)
	if err != nil {
		if errors.Is(err, syscall.ENXIO) { // a pipe opened for writing, without a reader
			return nil, &fs.PathError{Op: "open", Path: name, Err: notRegular}
		}
		return nil, fixErr(err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() && !fi.IsDir() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: notRegular}
	}
	return f, nil
}

// Remove removes a file or an empty directory.
func (r *RootFs) Remove(name string) error { return fixErr(r.root.Remove(rel(name))) }

// RemoveAll removes name and everything under it.
func (r *RootFs) RemoveAll(name string) error { return fixErr(r.root.RemoveAll(rel(name))) }

// Rename moves oldname to newname.
func (r *RootFs) Rename(oldname, newname string) error {
	return fixErr(r.root.Rename(rel(oldname), rel(newname)))
}

// Stat describes name, following links (inside the root only).
func (r *RootFs) Stat(name string) (os.FileInfo, error) {
	fi, err := r.root.Stat(rel(name))
	return fi, fixErr(err)
}

// Name returns "realms.RootFs".
func (r *RootFs) Name() string { return "realms.RootFs" }

// Chmod changes name's mode.
func (r *RootFs) Chmod(name string, mode os.FileMode) error {
	return fixErr(r.root.Chmod(rel(name), mode))
}

// Chown changes name's owner and group.
func (r *RootFs) Chown(name string, uid, gid int) error {
	return fixErr(r.root.Chown(rel(name), uid, gid))
}

// Chtimes changes name's access and modification times.
func (r *RootFs) Chtimes(name string, atime, mtime time.Time) error {
	return fixErr(r.root.Chtimes(rel(name), atime, mtime))
}

// LstatIfPossible describes name without following a final link
// (afero.Lstater); it always can.
func (r *RootFs) LstatIfPossible(name string) (os.FileInfo, bool, error) {
	fi, err := r.root.Lstat(rel(name))
	return fi, true, fixErr(err)
}

// SymlinkIfPossible makes newname a link to oldname (afero.Linker).
func (r *RootFs) SymlinkIfPossible(oldname, newname string) error {
	return fixErr(r.root.Symlink(oldname, rel(newname)))
}

// ReadlinkIfPossible returns the target of the link name
// (afero.LinkReader).
func (r *RootFs) ReadlinkIfPossible(name string) (string, error) {
	s, err := r.root.Readlink(rel(name))
	return s, fixErr(err)
}

var (
	_ afero.Fs         = (*RootFs)(nil)
	_ afero.Lstater    = (*RootFs)(nil)
	_ afero.Linker     = (*RootFs)(nil)
	_ afero.LinkReader = (*RootFs)(nil)
)
