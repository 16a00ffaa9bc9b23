package realms

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"

	"github.com/gocred/gocred/cred"
	"github.com/spf13/afero"
)

// AnonymousPolicy says what the anonymous avatar gets from a Directory.
type AnonymousPolicy uint8

const (
	// AnonymousDenied refuses the anonymous avatar with cred.ErrLoginDenied.
	// It is the zero value, so anonymous access is off unless asked for.
	AnonymousDenied AnonymousPolicy = iota
	// AnonymousReadOnly gives the anonymous avatar read-only access to the
	// shared root, or to DirectoryOptions.AnonymousDir when set.
	AnonymousReadOnly
)

// String returns the policy's name.
func (p AnonymousPolicy) String() string {
	switch p {
	case AnonymousDenied:
		return "AnonymousDenied"
	case AnonymousReadOnly:
		return "AnonymousReadOnly"
	default:
		return fmt.Sprintf("AnonymousPolicy(%d)", uint8(p))
	}
}

// DirectoryOptions configures a Directory. The zero value serves the root of
// the given afero.Fs, read-write, to every user, and denies anonymous.
type DirectoryOptions struct {
	// Root is the directory within the afero.Fs that is served; it must
	// exist. Empty means the root of the afero.Fs.
	Root string
	// PerUser roots each user at Root/<user name>, created with mode 0750
	// on the user's first login (with ReadOnly, never created: a user
	// without a directory is refused with cred.ErrLoginDenied); otherwise
	// every user shares Root.
	PerUser bool
	// ReadOnly makes every avatar read-only: writes fail with syscall.EPERM.
	ReadOnly bool
	// Anonymous says whether the anonymous avatar may log in. Anonymous is
	// always read-only.
	Anonymous AnonymousPolicy
	// AnonymousDir, relative to Root, is what anonymous sees instead of
	// Root. It must exist. It is required with PerUser and
	// AnonymousReadOnly, since Root then holds every user's directory.
	AnonymousDir string
	// Deny, if not nil, is asked about every avatar ID (anonymous too);
	// true refuses the login with cred.ErrLoginDenied, e.g. for a disabled
	// account.
	Deny func(id cred.AvatarID) bool
	// NoSymlinks says the afero.Fs holds no symbolic links (an
	// afero.MemMapFs behind a wrapper, say). Renames are checked for
	// links (a link moved could point outside the root), which needs
	// Lstat: over a file system that cannot Lstat, renames are refused
	// unless NoSymlinks is set, or the Fs is an afero.MemMapFs itself.
	NoSymlinks bool
}

// Directory is a realm that serves files from an afero.Fs: each avatar is
// jailed in its root (Root, or Root/<user name> with PerUser) and answers
// as an afero.Fs or as an http.Handler serving that Fs, whichever of the two
// is asked for first.
//
// User names that could not safely name a directory (".", "..", or holding
// "/", "\" or NUL) are refused with cred.ErrLoginDenied in either mode, so
// turning PerUser on never changes who may log in. The jail is lexical:
// symbolic links already on disk under a root are followed, wherever they
// point, unless the afero.Fs is a RootFs, which keeps every name,
// symbolic links included, inside its directory (with PerUser, inside
// the whole RootFs, not each user's directory; see RootFs for hard
// links). Through the jail, clients cannot make links (one made
// in a shared root would be followed from AnonymousDir too), nor move one
// or a directory holding one (a relative link moved shallower would point
// above the root: a permission error; over a file system that cannot
// Lstat, other than afero's MemMapFs and unless DirectoryOptions.NoSymlinks
// is set, nothing is moved), readlink shows
// only targets inside the jail, Chown is refused, modes keep only the
// owner's bits and read and execute for others (no setuid, and nothing
// writable by other accounts of the host, who could plant links in it),
// and the jail's root cannot be removed,
// renamed or changed. With PerUser, a user named after AnonymousDir's first
// element, who would own what anonymous reads, is refused.
type Directory struct {
	fs       afero.Fs
	root     string
	perUser  bool
	readOnly bool
	// noSymlinks: DirectoryOptions.NoSymlinks.
	noSymlinks bool
	deny       func(cred.AvatarID) bool
	shared     afero.Fs // every user's avatar when !perUser
	anon       afero.Fs // nil when anonymous is denied
	// anonTop is the first element of AnonymousDir with PerUser: the name
	// of a user whose directory would be anonymous's (refused).
	anonTop string
}

var (
	fsType      = reflect.TypeFor[afero.Fs]()
	handlerType = reflect.TypeFor[http.Handler]()
)

// NewDirectory returns a Directory over fsys, or an error naming the option
// that is wrong.
func NewDirectory(fsys afero.Fs, opts DirectoryOptions) (*Directory, error) {
	if fsys == nil {
		return nil, errors.New("realms: NewDirectory: fs is nil")
	}
	root := opts.Root
	if root == "" {
		root = string(filepath.Separator)
	}
	root = filepath.Clean(root)
	if err := isDir(fsys, root); err != nil {
		return nil, fmt.Errorf("realms: NewDirectory: Root %q: %w", opts.Root, err)
	}
	d := &Directory{fs: fsys, root: root, perUser: opts.PerUser, readOnly: opts.ReadOnly, deny: opts.Deny, noSymlinks: opts.NoSymlinks}
	if !opts.PerUser {
		d.shared = d.confine(root, opts.ReadOnly)
	}
	switch opts.Anonymous {
	case AnonymousDenied:
	case AnonymousReadOnly:
		anonRoot := root
		switch {
		case opts.AnonymousDir != "":
			if !filepath.IsLocal(opts.AnonymousDir) {
				return nil, fmt.Errorf("realms: NewDirectory: AnonymousDir %q must be a relative path inside Root", opts.AnonymousDir)
			}
			rel := filepath.Clean(opts.AnonymousDir)
			if opts.PerUser && rel == "." {
				return nil, fmt.Errorf("realms: NewDirectory: AnonymousDir %q is Root itself; with PerUser, anonymous could read every user's directory", opts.AnonymousDir)
			}
			if opts.PerUser {
				d.anonTop, _, _ = strings.Cut(filepath.ToSlash(rel), "/")
			}
			anonRoot = filepath.Join(root, rel)
			if err := isDir(fsys, anonRoot); err != nil {
				return nil, fmt.Errorf("realms: NewDirectory: AnonymousDir %q: %w", opts.AnonymousDir, err)
			}
		case opts.PerUser:
			return nil, errors.New("realms: NewDirectory: PerUser with AnonymousReadOnly needs AnonymousDir; otherwise anonymous could read every user's directory")
		}
		d.anon = d.confine(anonRoot, true)
	default:
		return nil, fmt.Errorf("realms: NewDirectory: Anonymous: unknown policy %s", opts.Anonymous)
	}
	return d, nil
}

func isDir(fsys afero.Fs, name string) error {
	fi, err := fsys.Stat(name)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return errors.New("not a directory")
	}
	return nil
}

func (d *Directory) confine(root string, readOnly bool) afero.Fs {
	var fsys afero.Fs = newJail(d.fs, root, d.noSymlinks)
	if readOnly {
		fsys = afero.NewReadOnlyFs(fsys)
	}
	return fsys
}

// RequestAvatar returns, for the first of ifaces that is afero.Fs or
// http.Handler, the avatar's files as that interface; asked for neither
// but for any, the files as an afero.Fs. The logout func is nil: a
// Directory holds nothing per session.
func (d *Directory) RequestAvatar(ctx context.Context, id cred.AvatarID, mind cred.Mind, ifaces ...reflect.Type) (reflect.Type, any, func(), error) {
	var iface reflect.Type
	for _, t := range ifaces {
		if t == fsType || t == handlerType {
			iface = t
			break
		}
	}
	if iface == nil && slices.Contains(ifaces, anyType) {
		iface = anyType
	}
	if iface == nil {
		return nil, nil, nil, &UnsupportedInterfaceError{Realm: "realms.Directory", Asked: ifaces, Served: []reflect.Type{fsType, handlerType}}
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, nil, err
	}
	fsys, err := d.filesFor(id)
	if err != nil {
		return nil, nil, nil, err
	}
	if iface == handlerType {
		return iface, http.FileServer(clientErrorsNotFound{afero.NewHttpFs(fsys)}), nil, nil
	}
	return iface, fsys, nil, nil
}

// filesFor returns the jailed Fs that id may use, or why not.
func (d *Directory) filesFor(id cred.AvatarID) (afero.Fs, error) {
	switch {
	case id.IsAnonymous():
		if d.anon == nil {
			return nil, fmt.Errorf("%w: anonymous access is not allowed", cred.ErrLoginDenied)
		}
		if d.deny != nil && d.deny(id) {
			return nil, fmt.Errorf("%w: anonymous is denied", cred.ErrLoginDenied)
		}
		return d.anon, nil
	case id.IsUser():
	default:
		return nil, fmt.Errorf("%w: no one logged in (zero AvatarID)", cred.ErrLoginDenied)
	}
	if !safeName(id.Name()) {
		return nil, fmt.Errorf("%w: %s cannot name a directory", cred.ErrLoginDenied, id)
	}
	if d.deny != nil && d.deny(id) {
		return nil, fmt.Errorf("%w: %s is denied", cred.ErrLoginDenied, id)
	}
	if !d.perUser {
		return d.shared, nil
	}
	if d.anonTop != "" && id.Name() == d.anonTop {
		// Its directory holds AnonymousDir: its user could write what
		// anonymous reads.
		return nil, fmt.Errorf("%w: %s would own the anonymous directory", cred.ErrLoginDenied, id)
	}
	dir := filepath.Join(d.root, id.Name())
	// Mkdir, not MkdirAll: if Root itself has gone, that is an error to
	// report, not something to recreate quietly.
	// The errors name the directory as the user sees it ("/"), not where
	// it really is: they may reach a log, or an FTP client.
	// With ReadOnly nothing is written, the user's directory included: it
	// must be there already.
	err := isDir(d.fs, dir) // one Stat for a returning user
	if err != nil && !d.readOnly && errors.Is(err, fs.ErrNotExist) {
		if err := d.fs.Mkdir(dir, 0o750); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("realms: creating the directory of %s: %w", id, hide(err, "/"))
		}
		err = isDir(d.fs, dir)
	}
	if err != nil {
		if d.readOnly && errors.Is(err, fs.ErrNotExist) && isDir(d.fs, d.root) == nil {
			return nil, fmt.Errorf("%w: %s has no directory, and a ReadOnly realm makes none", cred.ErrLoginDenied, id)
		}
		return nil, fmt.Errorf("realms: directory of %s: %w", id, hide(err, "/"))
	}
	return d.confine(dir, d.readOnly), nil
}

// safeName reports whether name can be joined to a root as one path element
// without leaving it, on any OS.
func safeName(name string) bool {
	return name != "" && name != "." && name != ".." &&
		!strings.ContainsAny(name, "/\\\x00") && filepath.IsLocal(name)
}

var _ cred.Realm = (*Directory)(nil)

// clientErrorsNotFound makes what a client's path alone can cause read as
// not found: a name below a file (ENOTDIR), a NUL or other invalid byte
// (EINVAL), a name too long (ENAMETOOLONG), and a loop of links on the
// host (ELOOP). http.FileServer answers those 404, as it does for
// http.Dir, instead of 500.
type clientErrorsNotFound struct{ http.FileSystem }

func (c clientErrorsNotFound) Open(name string) (http.File, error) {
	f, err := c.FileSystem.Open(name)
	if errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENAMETOOLONG) || errors.Is(err, syscall.ELOOP) {
		return nil, fs.ErrNotExist
	}
	return f, err
}
