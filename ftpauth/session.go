package ftpauth

import (
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	ftpserver "github.com/fclairamb/ftpserverlib"
	"github.com/spf13/afero"

	"github.com/gocred/gocred/cred"
)

// errShuttingDown refuses file access once Shutdown has begun, so no new
// transfer starts while the in-flight ones drain.
var errShuttingDown = errors.New(replyDraining)

// session is one control connection, from ClientConnected until its
// logout has run. ftpserverlib calls AuthUser and ClientDisconnected on the
// connection's own goroutine, but runs transfers on another, and Shutdown
// reads sessions from a third.
//
// The session ends when the client has left (ClientDisconnected) and no
// avatar call is under way: ftpserverlib calls ClientDisconnected before
// it closes the data connection, and does not wait for the transfer's
// goroutine, which goes on writing and then closes its file. So the avatar
// calls under way and the open files are counted (in use), and whichever
// of ClientDisconnected and the last file's Close comes last runs the
// logout (see Driver.endSession).
type session struct {
	cc   ftpserver.ClientContext
	conn *countedConn // the control connection, nil if not accepted by our listener

	mu     sync.Mutex
	login  *cred.Session // nil until a login succeeds
	user   string        // as the client gave it, for logs
	closed bool          // Shutdown killed it
	left   bool          // the client has left: ClientDisconnected ran
	inUse  int           // open files and avatar calls under way
	grace  *time.Timer   // bounds the wait for inUse to reach zero once left
	// loginBy closes the connection if it has no login in time
	// (Options.LoginWithin); nil without a control connection of ours.
	loginBy *time.Timer

	ended sync.Once // guards the logout at the session's end
}

// errSessionEnded refuses file access once the client has left: a transfer
// still running may finish with the files it has open, but opens nothing
// new.
var errSessionEnded = errors.New("the session has ended")

// enter counts an avatar call (or an open file) of login, or refuses it
// when that login is no longer the session's (errLoggedOut) or the client
// has left (errSessionEnded). The check and the count are one step, so the
// logout cannot run between them.
func (s *session) enter(login *cred.Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.left:
		return errSessionEnded
	case s.login != login:
		return errLoggedOut
	}
	s.inUse++
	return nil
}

// leave ends an avatar call or closes a file counted by enter, and reports
// whether it was the last use of a session whose client has left: the
// caller then ends the session.
func (s *session) leave() (last bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inUse--
	last = s.left && s.inUse == 0
	if last && s.grace != nil {
		s.grace.Stop()
	}
	return last
}

// setLogin records a new login and returns the one it replaces (a client may
// send USER/PASS again on the same connection), whose logout is the caller's.
func (s *session) setLogin(l *cred.Session, user string) (old *cred.Session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, s.login, s.user = s.login, l, user
	return old
}

// takeLogin removes and returns the current login, so its logout runs once.
func (s *session) takeLogin() *cred.Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.login
	s.login = nil
	return l
}

// stop asks the session to end between commands: an expired read deadline
// makes ftpserverlib answer 421 ("closing control connection", RFC 959's
// reply for a server shutting down) and end the session cleanly, TLS
// close_notify included. ftpserverlib resets the deadline before each
// command, and extends it while a transfer is open, so Shutdown calls stop
// again until the session is gone.
func (s *session) stop() {
	if s.conn != nil {
		_ = s.conn.SetReadDeadline(time.Now())
		return
	}
	s.kill()
}

// kill closes the control connection at once; ftpserverlib then ends the
// session, closing any transfer, and calls ClientDisconnected.
func (s *session) kill() {
	s.mu.Lock()
	done := s.closed
	s.closed = true
	s.mu.Unlock()
	switch {
	case done:
	case s.conn != nil:
		_ = s.conn.Close()
	default:
		_ = s.cc.Close() // racy inside ftpserverlib, hence only a fallback
	}
}

// sessionFs is the avatar as the session serves it: it counts open files as
// in-flight transfers for Shutdown, refuses new ones once draining, counts
// its calls and open files for the session's logout (see session), and
// reports paths as the client named them, so an error never shows where the
// tree lives on the server's disk.
type sessionFs struct {
	afero.Fs
	d     *Driver
	s     *session
	login *cred.Session // the login this avatar serves
}

// errLoggedOut refuses file access after the login that opened the avatar
// ended: the client sent USER again (see Driver.PreAuthUser), and has not
// logged in anew.
var errLoggedOut = errors.New("not logged in: USER was sent again; send PASS")

// use counts an avatar call on name for the session, or refuses it, as a
// path error, when f's login or the session has ended. The caller calls
// the returned done when the call is over.
func (f sessionFs) use(op, name string) (done func(), err error) {
	if f.s == nil {
		return func() {}, nil
	}
	if err := f.s.enter(f.login); err != nil {
		return nil, &os.PathError{Op: op, Path: name, Err: err}
	}
	return f.leave, nil
}

// leave ends a use of the avatar, and the session with it if it was the
// last after the client left.
func (f sessionFs) leave() {
	if f.s.leave() {
		f.d.endSession(f.s)
	}
}

var _ afero.Fs = sessionFs{}

func (f sessionFs) open(name string, write bool, open func() (afero.File, error)) (afero.File, error) {
	done, err := f.use("open", name)
	if err != nil {
		return nil, err
	}
	if !f.d.transferBegin() {
		done()
		return nil, &os.PathError{Op: "open", Path: name, Err: errShuttingDown}
	}
	end := func() { f.d.transferEnd(); done() }
	opened := false
	defer func() {
		if !opened { // failed, or panicked
			end()
		}
	}()
	file, err := open()
	if err != nil {
		return nil, clientPathError(name, err)
	}
	opened = true
	// The file stays in use until closed: the session's logout waits for it.
	return &trackedFile{File: file, end: end, write: write}, nil
}

// Open opens a file or directory for reading.
func (f sessionFs) Open(name string) (afero.File, error) {
	return f.open(name, false, func() (afero.File, error) { return f.Fs.Open(name) })
}

// uploadPerm is the mode of files created by uploads. ftpserverlib asks for
// os.ModePerm (0777); an uploaded file should not be executable or writable
// by others, so the driver asks for 0644 (less the process umask) instead.
const uploadPerm os.FileMode = 0o644

// OpenFile opens a file for a download or an upload. An upload that
// replaces a file (STOR without REST, which ftpserverlib opens with
// O_TRUNC before the data connection exists) truncates it only when its
// first bytes arrive, or when it ends well having sent none: a STOR whose
// data connection never comes, or that fails before any data, leaves the
// old file as it was (and removes a file it created). The file is written
// in place, so links, owner and mode stay; one cut off midway holds what
// arrived, as with any FTP server that writes in place.
func (f sessionFs) OpenFile(name string, flag int, perm os.FileMode) (afero.File, error) {
	perm &= uploadPerm
	if flag&os.O_TRUNC != 0 && flag&(os.O_WRONLY|os.O_RDWR) != 0 && flag&os.O_APPEND == 0 {
		return f.open(name, true, func() (afero.File, error) {
			// Whether this open creates the file is decided by the open
			// itself (O_EXCL), so that a failed upload never removes a
			// file that another session made, nor a symbolic link.
			file, err := f.Fs.OpenFile(name, flag&^os.O_TRUNC|os.O_CREATE|os.O_EXCL, perm)
			created := err == nil
			if errors.Is(err, os.ErrExist) {
				file, err = f.Fs.OpenFile(name, flag&^os.O_TRUNC, perm)
			}
			if err != nil {
				return nil, err
			}
			return &lazyTruncFile{File: file, fs: f.Fs, name: name, created: created}, nil
		})
	}
	return f.open(name, flag&(os.O_WRONLY|os.O_RDWR) != 0, func() (afero.File, error) { return f.Fs.OpenFile(name, flag, perm) })
}

// lazyTruncFile is an upload that replaces a file: opened without O_TRUNC,
// it truncates on its first write (see OpenFile).
type lazyTruncFile struct {
	afero.File
	fs        afero.Fs
	name      string
	created   bool // the open created the file
	truncated bool
	failed    bool
}

func (f *lazyTruncFile) truncate() error {
	if f.truncated {
		return nil
	}
	if err := f.File.Truncate(0); err != nil {
		return err
	}
	f.truncated = true
	return nil
}

// Write truncates the file first, the first time.
func (f *lazyTruncFile) Write(p []byte) (int, error) {
	if err := f.truncate(); err != nil {
		return 0, err
	}
	return f.File.Write(p)
}

// WriteString truncates the file first, the first time.
func (f *lazyTruncFile) WriteString(s string) (int, error) {
	if err := f.truncate(); err != nil {
		return 0, err
	}
	return f.File.WriteString(s)
}

// WriteAt truncates the file first, the first time.
func (f *lazyTruncFile) WriteAt(p []byte, off int64) (int, error) {
	if err := f.truncate(); err != nil {
		return 0, err
	}
	return f.File.WriteAt(p, off)
}

// Truncate truncates the file to size, which counts as its truncation.
func (f *lazyTruncFile) Truncate(size int64) error {
	if err := f.File.Truncate(size); err != nil {
		return err
	}
	f.truncated = true
	return nil
}

// TransferError tells the file that the transfer did not end well
// (ftpserverlib calls it before Close).
func (f *lazyTruncFile) TransferError(error) { f.failed = true }

// Close truncates an upload that ended well without data (an empty file
// replaces the old one), and removes a file that this open created for an
// upload that failed before any data.
func (f *lazyTruncFile) Close() error {
	var err error
	if !f.truncated && !f.failed {
		err = f.truncate()
	}
	fi, statErr := f.File.Stat()
	if cerr := f.File.Close(); err == nil {
		err = cerr
	}
	if f.failed && f.created && !f.truncated && statErr == nil && fi.Size() == 0 {
		// Only if the name still holds the empty file this open made.
		if now, err := f.fs.Stat(f.name); err == nil && os.SameFile(fi, now) && now.Size() == 0 {
			_ = f.fs.Remove(f.name)
		}
	}
	return clientPathError(f.name, err)
}

// Create creates or truncates a file for writing.
func (f sessionFs) Create(name string) (afero.File, error) {
	return f.open(name, true, func() (afero.File, error) { return f.Fs.Create(name) })
}

// Mkdir creates a directory.
func (f sessionFs) Mkdir(name string, perm os.FileMode) error {
	done, err := f.use("mkdir", name)
	if err != nil {
		return err
	}
	defer done()
	return clientPathError(name, f.Fs.Mkdir(name, perm))
}

// MkdirAll creates a directory and its parents.
func (f sessionFs) MkdirAll(name string, perm os.FileMode) error {
	done, err := f.use("mkdir", name)
	if err != nil {
		return err
	}
	defer done()
	return clientPathError(name, f.Fs.MkdirAll(name, perm))
}

// Remove removes a file or an empty directory.
func (f sessionFs) Remove(name string) error {
	done, err := f.use("remove", name)
	if err != nil {
		return err
	}
	defer done()
	return clientPathError(name, f.Fs.Remove(name))
}

// RemoveAll removes a tree.
func (f sessionFs) RemoveAll(name string) error {
	done, err := f.use("remove", name)
	if err != nil {
		return err
	}
	defer done()
	return clientPathError(name, f.Fs.RemoveAll(name))
}

// Rename renames a file or directory.
func (f sessionFs) Rename(oldname, newname string) error {
	done, err := f.use("rename", oldname)
	if err != nil {
		return err
	}
	defer done()
	err = f.Fs.Rename(oldname, newname)
	var le *os.LinkError
	if errors.As(err, &le) {
		return &os.LinkError{Op: le.Op, Old: oldname, New: newname, Err: le.Err}
	}
	return clientPathError(oldname, err)
}

// Stat describes a file.
func (f sessionFs) Stat(name string) (os.FileInfo, error) {
	done, err := f.use("stat", name)
	if err != nil {
		return nil, err
	}
	defer done()
	fi, err := f.Fs.Stat(name)
	return fi, clientPathError(name, err)
}

// Site checks the arguments of SITE CHMOD before ftpserverlib reads them
// (it indexes a missing path, a recovered panic answered with Go's runtime
// text): a missing path or a mode that is not octal gets 501. Everything
// else goes on to ftpserverlib.
func (f sessionFs) Site(param string) *ftpserver.AnswerCommand {
	sub, args, _ := strings.Cut(param, " ")
	if !strings.EqualFold(sub, "CHMOD") {
		return nil
	}
	mode, name, ok := strings.Cut(args, " ")
	if _, err := strconv.ParseUint(mode, 8, 32); !ok || name == "" || err != nil {
		return &ftpserver.AnswerCommand{Code: ftpserver.StatusSyntaxErrorParameters, Message: "usage: SITE CHMOD <octal mode> <path>"}
	}
	return nil
}

var _ ftpserver.ClientDriverExtensionSite = sessionFs{}

// Chmod changes a file's mode (SITE CHMOD).
func (f sessionFs) Chmod(name string, mode os.FileMode) error {
	done, err := f.use("chmod", name)
	if err != nil {
		return err
	}
	defer done()
	return clientPathError(name, f.Fs.Chmod(name, mode))
}

// Chown changes a file's owner (SITE CHOWN).
func (f sessionFs) Chown(name string, uid, gid int) error {
	done, err := f.use("chown", name)
	if err != nil {
		return err
	}
	defer done()
	return clientPathError(name, f.Fs.Chown(name, uid, gid))
}

// Chtimes changes a file's times (MFMT).
func (f sessionFs) Chtimes(name string, atime, mtime time.Time) error {
	done, err := f.use("chtimes", name)
	if err != nil {
		return err
	}
	defer done()
	return clientPathError(name, f.Fs.Chtimes(name, atime, mtime))
}

// clientPathError rewrites a path error to carry the path the client
// asked for: afero.BasePathFs, for one, reports the real path on disk.
func clientPathError(name string, err error) error {
	var pe *os.PathError
	if err != nil && errors.As(err, &pe) {
		return &os.PathError{Op: pe.Op, Path: name, Err: pe.Err}
	}
	return err
}

// trackedFile ends its in-flight transfer when closed.
type trackedFile struct {
	afero.File
	once  sync.Once
	end   func()
	write bool // opened for writing
}

// errSeekPastEnd refuses a REST beyond the end of a file being written: the
// upload would make a sparse file of any size the client names (REST
// 1000000000000, one byte: a file a terabyte long).
var errSeekPastEnd = errors.New("restart offset beyond the end of the file")

// Seek moves the file's offset, as ftpserverlib does for REST: an offset
// before the start is refused, and, in a file being written, one past its
// end.
func (f *trackedFile) Seek(offset int64, whence int) (int64, error) {
	if whence == io.SeekStart {
		if offset < 0 {
			return 0, errors.New("negative restart offset")
		}
		if f.write {
			fi, err := f.File.Stat()
			if err != nil {
				return 0, err
			}
			if offset > fi.Size() {
				return 0, errSeekPastEnd
			}
		}
	}
	return f.File.Seek(offset, whence)
}

// TransferError passes ftpserverlib's news of a failed transfer on to the
// file, if it wants it.
func (f *trackedFile) TransferError(err error) {
	if te, ok := f.File.(ftpserver.FileTransferError); ok {
		te.TransferError(err)
	}
}

// Close closes the file and ends the transfer (once, however often it is
// called).
func (f *trackedFile) Close() error {
	err := f.File.Close()
	f.once.Do(f.end)
	return err
}
