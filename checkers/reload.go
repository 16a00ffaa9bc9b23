package checkers

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultReloadInterval is how often, at most, Htpasswd and Htdigest stat
// their file to notice changes, unless WithReloadInterval says otherwise.
const DefaultReloadInterval = time.Second

// FileOption configures a file-backed checker (Htpasswd, Htdigest).
type FileOption func(*fileConfig)

type fileConfig struct {
	interval time.Duration
	logger   *slog.Logger
}

// WithReloadInterval sets how often, at most, the file is stat'ed on use to
// notice changes (default DefaultReloadInterval). Zero stats it on every
// login; a negative interval turns automatic reloading off, leaving only
// Reload.
func WithReloadInterval(d time.Duration) FileOption {
	return func(c *fileConfig) { c.interval = d }
}

// WithLogger sets where reloads and failed reloads are logged (default
// slog.Default()). Log lines name the file and line, never a hash.
func WithLogger(l *slog.Logger) FileOption {
	return func(c *fileConfig) {
		if l != nil {
			c.logger = l
		}
	}
}

// watchedFile holds the parsed contents of a file and reloads them when the
// file changes, checking on use: a login stats the file at most once per
// interval (the others carry on with what is loaded, never waiting), and
// reloads it if its modification time, size or identity changed. A file that
// fails to read or parse leaves the last good contents in place.
type watchedFile[T any] struct {
	path  string
	kind  string // "htpasswd", for logs
	parse func(data []byte, initial bool) (*T, error)
	cfg   fileConfig

	cur  atomic.Pointer[T]
	next atomic.Int64 // when the next stat is due, in Unix nanoseconds

	mu      sync.Mutex // serialises reloads; guards the fields below
	stamp   fileStamp  // of the file last read, good or bad
	lastErr string     // of the last failed check, to log each failure once
}

// Writers should replace the file atomically (write a temporary file, then
// rename it over the old one). One that rewrites the file in place, as
// htpasswd does, can be read half-way: a read during which the file
// changed is discarded, and an empty file changed less than
// emptyFileGrace ago is taken for one caught between truncation and the
// first write, so the last contents stay in use and it is read again at
// the next use. An empty file older than that is taken as it is. One
// case slips through: htpasswd writes a file of more than 8 KiB in
// pieces, and a check between two (they are microseconds apart) loads the
// first alone: the users after it are refused until the next check (one
// interval), though never is a removed user let in. Waiting for such a
// file to settle would also let a user just removed in for that long;
// writers that rename a new file into place avoid both.

// fileStamp identifies a version of a file as cheaply as stat allows.
type fileStamp struct {
	modTime  time.Time
	size     int64
	dev, ino uint64
	ctime    int64
}

func newWatchedFile[T any](path, kind string, parse func(data []byte, initial bool) (*T, error), opts []FileOption) (*watchedFile[T], error) {
	w := &watchedFile[T]{path: path, kind: kind, parse: parse, cfg: fileConfig{interval: DefaultReloadInterval, logger: slog.Default()}}
	for _, o := range opts {
		o(&w.cfg)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.loadLocked(true, false); err != nil {
		return nil, err
	}
	w.next.Store(time.Now().Add(w.cfg.interval).UnixNano())
	return w, nil
}

// get returns the current contents, first reloading them if a check is due
// and no other goroutine is already checking.
func (w *watchedFile[T]) get() *T {
	if w.cfg.interval >= 0 {
		now := time.Now().UnixNano()
		if now >= w.next.Load() && w.mu.TryLock() {
			w.next.Store(now + int64(w.cfg.interval))
			w.checkLocked()
			w.mu.Unlock()
		}
	}
	return w.cur.Load()
}

// checkLocked reloads the file if it changed since it was last read.
func (w *watchedFile[T]) checkLocked() {
	fi, err := os.Stat(w.path)
	if err != nil {
		w.failedLocked(err)
		return
	}
	if stampOf(fi) == w.stamp {
		return
	}
	w.loadLocked(false, true)
}

// reload reads and parses the file now, changed or not. A file that
// changes while it is read is read again, a few times; if it never holds
// still, the error names it.
func (w *watchedFile[T]) reload() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for try := 0; ; try++ {
		err := w.loadLocked(false, false)
		switch {
		case !errors.Is(err, errChanging):
			return err
		case try == reloadTries-1:
			err = fmt.Errorf("checkers: %s %s: the file changed while being read, %d times; keeping the last good contents", w.kind, w.path, reloadTries)
			w.failedLocked(err)
			return err
		}
		time.Sleep(reloadPause)
	}
}

// How often, and how far apart, an explicit Reload reads a file that
// changes while it is read.
const (
	reloadTries = 3
	reloadPause = 50 * time.Millisecond
)

// loadLocked reads and parses the file; on success it replaces the
// contents, otherwise it logs (after construction) and keeps them. With
// grace, a file just emptied is taken for one being written (see
// emptyFileGrace); an explicit Reload takes the file as it is.
func (w *watchedFile[T]) loadLocked(initial, grace bool) error {
	t, st, err := w.read(initial, grace)
	if !st.modTime.IsZero() {
		w.stamp = st // a broken version is not retried until it changes
	}
	if err != nil {
		if !initial && !errors.Is(err, errChanging) {
			w.failedLocked(err)
		}
		return err
	}
	w.cur.Store(t)
	w.lastErr = ""
	if !initial {
		w.cfg.logger.Info(w.kind+": reloaded", "file", w.path)
	}
	return nil
}

func (w *watchedFile[T]) read(initial, grace bool) (*T, fileStamp, error) {
	f, err := os.Open(w.path)
	if err != nil {
		return nil, fileStamp{}, fmt.Errorf("checkers: %s: %w", w.kind, err)
	}
	defer f.Close()
	// The stamp is of the file as opened, before reading: if it changes
	// while we read, the next check sees a new stamp and reads it again.
	fi, err := f.Stat()
	if err != nil {
		return nil, fileStamp{}, fmt.Errorf("checkers: %s: %w", w.kind, err)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, stampOf(fi), fmt.Errorf("checkers: %s: %w", w.kind, err)
	}
	if !initial {
		// A writer that truncates and rewrites in place (htpasswd does)
		// may have been caught half-way: if the file changed while we
		// read, skip this read and look again at the next use.
		if again, err := os.Stat(w.path); err == nil && stampOf(again) != stampOf(fi) {
			w.next.Store(0)
			return nil, fileStamp{}, errChanging
		}
		// Empty and just changed: truncated, and most likely about to
		// be written. Look again at the next use; the stamp is not
		// kept, so that check reads it again even if it has not changed.
		if age := time.Since(fi.ModTime()); grace && len(data) == 0 && age > -emptyFileGrace && age < emptyFileGrace {
			w.next.Store(0)
			return nil, fileStamp{}, errChanging
		}
	}
	t, err := w.parse(data, initial)
	return t, stampOf(fi), err
}

// emptyFileGrace is how long an empty file may still be being written
// (its time may also be as far in the future, for a file server whose
// clock runs a little ahead; one further ahead is taken as it is).
const emptyFileGrace = 2 * time.Second

// errChanging reports a file that changed while it was read.
var errChanging = errors.New("file changed while being read; will read it again")

// failedLocked logs a failed check or reload, once per distinct error.
func (w *watchedFile[T]) failedLocked(err error) {
	if err.Error() == w.lastErr {
		return
	}
	w.lastErr = err.Error()
	w.cfg.logger.Error(w.kind+": reload failed; keeping the last good contents", "file", w.path, "error", err)
}
