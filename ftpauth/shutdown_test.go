package ftpauth

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"

	gocheckers "github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/cred"
)

// shutdownAsync starts Shutdown and returns its result channel.
func shutdownAsync(f *fixture, timeout time.Duration) <-chan error {
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		done <- f.srv.Shutdown(ctx)
	}()
	return done
}

// waitListenerClosed waits until new connections are refused: Shutdown has
// begun.
func waitListenerClosed(t *testing.T, f *fixture) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", f.addr, time.Second)
		if err != nil {
			return
		}
		_ = c.Close()
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("the listener is still open")
}

func TestShutdownLetsTransfersInFlightFinish(t *testing.T) {
	t.Run("an upload in flight completes, then its session is closed and logged out", func(t *testing.T) {
		f := newFixture(t, fixtureConfig{})
		c := f.login("alice", testUsers["alice"])
		pr, pw := io.Pipe()
		stored := make(chan error, 1)
		go func() { stored <- c.Stor("big.bin", pr) }()
		if _, err := pw.Write(bytes.Repeat([]byte("a"), 64<<10)); err != nil {
			t.Fatal(err)
		}

		done := shutdownAsync(f, 10*time.Second)
		waitListenerClosed(t, f)
		if _, err := pw.Write(bytes.Repeat([]byte("b"), 64<<10)); err != nil {
			t.Fatalf("the upload was cut: %v", err)
		}
		_ = pw.Close()
		if err := <-stored; err != nil {
			t.Errorf("STOR during shutdown: %v, want success", err)
		}
		if err := <-done; err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		b, err := os.ReadFile(filepath.Join(f.dir, "big.bin"))
		if err != nil || len(b) != 128<<10 {
			t.Errorf("the uploaded file has %d bytes (%v), want %d", len(b), err, 128<<10)
		}
		if err := c.NoOp(); err == nil {
			t.Error("the session is still open after Shutdown")
		}
		f.waitLogouts(1)
	})

	t.Run("a download in flight completes", func(t *testing.T) {
		f := newFixture(t, fixtureConfig{})
		big := bytes.Repeat([]byte("0123456789abcdef"), 1<<19) // 8 MiB: more than the socket buffers hold
		writeFile(t, filepath.Join(f.dir, "big.bin"), string(big))
		c := f.login("alice", testUsers["alice"])
		r, err := c.Retr("big.bin")
		if err != nil {
			t.Fatal(err)
		}
		head := make([]byte, 1<<16)
		if _, err := io.ReadFull(r, head); err != nil {
			t.Fatal(err)
		}
		done := shutdownAsync(f, 10*time.Second)
		waitListenerClosed(t, f)
		rest, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("the download was cut: %v", err)
		}
		if err := r.Close(); err != nil {
			t.Errorf("the download's final reply: %v", err)
		}
		if got := append(head, rest...); !bytes.Equal(got, big) {
			t.Errorf("downloaded %d bytes, want %d identical ones", len(got), len(big))
		}
		if err := <-done; err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})

	t.Run("a stalled transfer is cut when the deadline passes", func(t *testing.T) {
		f := newFixture(t, fixtureConfig{})
		c := f.login("alice", testUsers["alice"])
		pr, pw := io.Pipe()
		defer pw.Close()
		stored := make(chan error, 1)
		go func() { stored <- c.Stor("stalled.bin", pr) }()
		if _, err := pw.Write([]byte("a few bytes, then nothing")); err != nil {
			t.Fatal(err)
		}
		if err := <-shutdownAsync(f, 300*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Shutdown: %v, want context.DeadlineExceeded", err)
		}
		_ = pw.CloseWithError(errors.New("test over"))
		if err := <-stored; err == nil {
			t.Error("the stalled STOR succeeded")
		}
		f.waitLogouts(1)
	})
}

func TestShutdownClosesIdleSessions(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, f *fixture) *ftp.ServerConn
	}{
		{
			name: "a logged-in session doing nothing is closed",
			setup: func(t *testing.T, f *fixture) *ftp.ServerConn {
				return f.login("alice", testUsers["alice"])
			},
		},
		{
			name: "a session that never logged in is closed",
			setup: func(t *testing.T, f *fixture) *ftp.ServerConn {
				return f.dial()
			},
		},
		{
			name: "a PASV nobody connected to does not hold Shutdown up",
			setup: func(t *testing.T, f *fixture) *ftp.ServerConn {
				c := f.raw()
				cmd(t, c, "USER alice")
				cmd(t, c, "PASS %s", testUsers["alice"])
				if code, _ := cmd(t, c, "EPSV"); code != 229 {
					t.Fatalf("EPSV: %d", code)
				}
				return f.login("bob", testUsers["bob"])
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, fixtureConfig{})
			c := tt.setup(t, f)
			if err := <-shutdownAsync(f, 5*time.Second); err != nil {
				t.Fatalf("Shutdown: %v", err)
			}
			if err := c.NoOp(); err == nil {
				t.Error("the session is still open")
			}
			f.waitLogouts(f.logins.Load())
		})
	}
}

func TestServeAfterShutdown(t *testing.T) {
	f := newFixture(t, fixtureConfig{})
	f.stop()

	t.Run("new connections are refused", func(t *testing.T) {
		if c, err := net.DialTimeout("tcp", f.addr, time.Second); err == nil {
			_ = c.Close()
			t.Error("dial succeeded after Shutdown")
		}
	})
	t.Run("Serve returns ErrServerClosed", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.srv.Serve(l); !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve: %v, want ErrServerClosed", err)
		}
	})
	t.Run("Shutdown may be called again", func(t *testing.T) {
		if err := f.srv.Shutdown(context.Background()); err != nil {
			t.Errorf("second Shutdown: %v", err)
		}
	})
}

func TestAServerIsServedOnce(t *testing.T) {
	portal, err := cred.NewPortal(cred.RealmFunc(nil), gocheckers.NewInsecurePlaintext(testUsers))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewServer(portal, Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	l1, _ := net.Listen("tcp", "127.0.0.1:0")
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l1) }()
	deadline := time.Now().Add(5 * time.Second)
	for srv.Addr() == nil && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if got, want := srv.Addr().String(), l1.Addr().String(); got != want {
		t.Errorf("Addr = %s, want %s", got, want)
	}
	l2, _ := net.Listen("tcp", "127.0.0.1:0")
	if err := srv.Serve(l2); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("second Serve: %v, want an error", err)
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-served; !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve: %v, want ErrServerClosed", err)
	}
}

func TestShutdownEndsSessionsCleanly(t *testing.T) {
	t.Run("an idle session is told 421 before the connection closes", func(t *testing.T) {
		f := newFixture(t, fixtureConfig{})
		c := f.raw()
		cmd(t, c, "USER alice")
		cmd(t, c, "PASS %s", testUsers["alice"])
		if err := <-shutdownAsync(f, 5*time.Second); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		if code, msg, _ := c.ReadResponse(0); code != 421 {
			t.Errorf("after Shutdown the client read %d %q, want 421", code, msg)
		}
		assertClosed(t, c)
	})
	t.Run("a TLS session is closed, with nothing logged to warn about", func(t *testing.T) {
		cert := newTestCert(t)
		f := newFixture(t, fixtureConfig{opts: Options{TLSConfig: cert.server}})
		c := f.login("alice", testUsers["alice"], ftp.DialWithExplicitTLS(cert.client))
		readAll(t, c, "hello.txt")
		if err := <-shutdownAsync(f, 5*time.Second); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		if err := c.NoOp(); err == nil {
			t.Error("the session is still open")
		}
		if logs := f.log.String(); strings.Contains(logs, "level=WARN") || strings.Contains(logs, "level=ERROR") {
			t.Errorf("Shutdown left warnings:\n%s", logs)
		}
	})
}
