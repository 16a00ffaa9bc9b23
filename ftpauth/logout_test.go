package ftpauth

import (
	"context"
	"net/textproto"
	"os"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spf13/afero"

	"github.com/gocred/gocred/cred"
	"github.com/gocred/gocred/realms"
)

// gatedAvatar is a realm's avatar whose upload files block in their first
// Write until released, and which counts every Write and Close that reaches
// one of its files after the login's logout ran.
type gatedAvatar struct {
	writing chan struct{} // closed when an upload's first Write begins
	release chan struct{} // close to let it go on
	closed  chan struct{} // closed when an upload's file is closed
	started sync.Once
	ended   sync.Once
	once    sync.Once

	loggedOut      atomic.Bool
	useAfterLogout atomic.Int64
}

func newGatedAvatar() *gatedAvatar {
	return &gatedAvatar{writing: make(chan struct{}), release: make(chan struct{}), closed: make(chan struct{})}
}

// realm serves a directory realm over dir, its files gated by g.
func (g *gatedAvatar) realm(t *testing.T, dir string) cred.Realm {
	t.Helper()
	inner, err := realms.NewDirectory(afero.NewBasePathFs(afero.NewOsFs(), dir), realms.DirectoryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cred.RealmFunc(func(ctx context.Context, id cred.AvatarID, mind cred.Mind, ifaces ...reflect.Type) (reflect.Type, any, func(), error) {
		it, av, logout, err := inner.RequestAvatar(ctx, id, mind, ifaces...)
		if err != nil {
			return nil, nil, nil, err
		}
		return it, gatedFs{av.(afero.Fs), g}, func() {
			g.loggedOut.Store(true)
			if logout != nil {
				logout()
			}
		}, nil
	})
}

// releaseOnce lets the blocked Write go on.
func (g *gatedAvatar) releaseOnce() { g.once.Do(func() { close(g.release) }) }

// waitClosed waits until an upload's file is closed.
func (g *gatedAvatar) waitClosed(t *testing.T) {
	t.Helper()
	waitFor(t, g.closed, "the upload's file was never closed")
}

// waitWriting waits until an upload's first Write is blocked.
func (g *gatedAvatar) waitWriting(t *testing.T) {
	t.Helper()
	waitFor(t, g.writing, "the upload's first Write never came")
}

// waitFor waits 5 s at most for ch to close, failing the test with never.
func waitFor(t *testing.T, ch <-chan struct{}, never string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal(never)
	}
}

type gatedFs struct {
	afero.Fs
	g *gatedAvatar
}

func (fs gatedFs) OpenFile(name string, flag int, perm os.FileMode) (afero.File, error) {
	f, err := fs.Fs.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &gatedFile{File: f, g: fs.g}, nil
}

type gatedFile struct {
	afero.File
	g      *gatedAvatar
	writes int
}

func (f *gatedFile) Write(p []byte) (int, error) {
	if f.g.loggedOut.Load() {
		f.g.useAfterLogout.Add(1)
	}
	if f.writes++; f.writes == 1 {
		f.g.started.Do(func() { close(f.g.writing) })
		<-f.g.release
	}
	return f.File.Write(p)
}

func (f *gatedFile) Close() error {
	if f.g.loggedOut.Load() {
		f.g.useAfterLogout.Add(1)
	}
	defer f.g.ended.Do(func() { close(f.g.closed) })
	return f.File.Close()
}

// dropMidUpload logs alice in on a raw connection, starts an upload whose
// first Write blocks in the avatar, then drops the control connection and
// waits until the server has closed its side: ftpserverlib has called
// ClientDisconnected and closed the data connection, while the upload's
// goroutine is still in the avatar's Write.
func dropMidUpload(t *testing.T, f *fixture, g *gatedAvatar) {
	t.Helper()
	c := f.raw()
	cmd(t, c, "USER alice")
	if code, _ := cmd(t, c, "PASS %s", testUsers["alice"]); code != 230 {
		t.Fatalf("login: %d", code)
	}
	cmd(t, c, "TYPE I")
	dc := epsv(t, f, c)
	t.Cleanup(func() { _ = dc.Close() })
	startTransfer(t, c, "STOR big.bin")
	if _, err := dc.Write([]byte(strings.Repeat("x", 4096))); err != nil {
		t.Fatal(err)
	}
	g.waitWriting(t)
	_ = c.Close()
	waitControlConnsClosed(t, f)
}

// startTransfer sends a transfer command and reads its 150 reply.
func startTransfer(t *testing.T, c *textproto.Conn, line string) {
	t.Helper()
	id, err := c.Cmd("%s", line)
	if err != nil {
		t.Fatal(err)
	}
	c.StartResponse(id)
	defer c.EndResponse(id)
	if code, msg, err := c.ReadResponse(150); err != nil {
		t.Fatalf("%s: %d %q %v", line, code, msg, err)
	}
}

// waitControlConnsClosed waits until the server has closed every control
// connection: ftpserverlib closes it last when a session ends, after
// ClientDisconnected.
func waitControlConnsClosed(t *testing.T, f *fixture) {
	t.Helper()
	d := f.srv.driver
	d.lmu.Lock()
	l := d.listener
	d.lmu.Unlock()
	deadline := time.Now().Add(5 * time.Second)
	for {
		l.mu.Lock()
		n := len(l.conns)
		l.mu.Unlock()
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d control connections still open", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ftpserverlib calls ClientDisconnected before it closes the data
// connection, and does not wait for the transfer's goroutine: the logout
// must wait for the upload's file to be closed, or the realm's files are
// written to after its logout.
func TestLogoutWaitsForTheTransferToCloseItsFile(t *testing.T) {
	t.Run("a client that drops mid-upload is logged out once the upload's file is closed", func(t *testing.T) {
		g := newGatedAvatar()
		dir := t.TempDir()
		f := newFixture(t, fixtureConfig{realm: g.realm(t, dir)})
		t.Cleanup(g.releaseOnce)
		dropMidUpload(t, f, g)
		time.Sleep(50 * time.Millisecond)
		if n := f.logouts.Load(); n != 0 {
			t.Errorf("the logout ran (%d) while the upload was still writing", n)
		}
		g.releaseOnce()
		g.waitClosed(t)
		f.waitLogouts(1)
		if n := g.useAfterLogout.Load(); n > 0 {
			t.Errorf("the upload's file was written to or closed %d times after the logout", n)
		}
		f.stop()
		if n := f.logouts.Load(); n != 1 {
			t.Errorf("logouts = %d after Shutdown, want 1", n)
		}
	})

	t.Run("Shutdown waits for the logout of a client that left mid-upload", func(t *testing.T) {
		g := newGatedAvatar()
		dir := t.TempDir()
		f := newFixture(t, fixtureConfig{realm: g.realm(t, dir)})
		t.Cleanup(g.releaseOnce)
		dropMidUpload(t, f, g)
		done := shutdownAsync(f, 10*time.Second)
		select {
		case err := <-done:
			t.Fatalf("Shutdown returned (%v) while the upload was still writing", err)
		case <-time.After(200 * time.Millisecond):
		}
		g.releaseOnce()
		if err := <-done; err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if n := f.logouts.Load(); n != 1 {
			t.Errorf("logouts = %d when Shutdown returned, want 1", n)
		}
		if n := g.useAfterLogout.Load(); n > 0 {
			t.Errorf("the upload's file was written to or closed %d times after the logout", n)
		}
	})

	t.Run("a file that is never closed keeps the login no longer than IdleTimeout", func(t *testing.T) {
		g := newGatedAvatar()
		dir := t.TempDir()
		f := newFixture(t, fixtureConfig{realm: g.realm(t, dir), opts: Options{IdleTimeout: time.Second}})
		t.Cleanup(g.releaseOnce)
		left := time.Now()
		dropMidUpload(t, f, g)
		if n := f.logouts.Load(); n != 0 {
			t.Fatalf("the logout ran (%d) while the upload was still writing", n)
		}
		f.waitLogouts(1) // the Write stays blocked
		if waited := time.Since(left); waited < 900*time.Millisecond {
			t.Errorf("the logout ran %v after the client left, want about IdleTimeout (1s)", waited)
		}
		if !strings.Contains(f.log.String(), "long after the client left; logging out anyway") {
			t.Errorf("no warning for the late logout:\n%s", f.log.String())
		}
		g.releaseOnce()
		f.stop()
		if n := f.logouts.Load(); n != 1 {
			t.Errorf("logouts = %d after the file was closed, want 1", n)
		}
	})

	t.Run("a second USER/PASS mid-session still ends the first login at once", func(t *testing.T) {
		g := newGatedAvatar()
		g.releaseOnce() // no gate
		dir := t.TempDir()
		f := newFixture(t, fixtureConfig{realm: g.realm(t, dir)})
		c := f.raw()
		cmd(t, c, "USER alice")
		cmd(t, c, "PASS %s", testUsers["alice"])
		cmd(t, c, "TYPE I")
		dc := epsv(t, f, c)
		startTransfer(t, c, "STOR one.bin")
		if _, err := dc.Write([]byte("one")); err != nil {
			t.Fatal(err)
		}
		_ = dc.Close()
		if _, _, err := c.ReadResponse(226); err != nil {
			t.Fatalf("STOR: %v", err)
		}
		cmd(t, c, "USER bob")
		f.waitLogouts(1)
		if code, _ := cmd(t, c, "PASS %s", testUsers["bob"]); code != 230 {
			t.Fatalf("second login: %d", code)
		}
		if code, msg := cmd(t, c, "MKD bobs"); code != 257 {
			t.Errorf("MKD as bob: %d %q", code, msg)
		}
		_ = c.Close()
		f.waitLogouts(2)
	})
}
