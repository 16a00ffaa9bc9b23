package ftpauth

import (
	"context"
	"errors"
	"io"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"

	"github.com/gocred/gocred/cred"
)

func TestLogoutRunsOncePerLogin(t *testing.T) {
	tests := []struct {
		name    string
		session func(f *fixture)
		logins  int64
	}{
		{
			name: "a client that quits is logged out once",
			session: func(f *fixture) {
				c := f.raw()
				cmd(f.t, c, "USER alice")
				cmd(f.t, c, "PASS %s", testUsers["alice"])
				cmd(f.t, c, "QUIT")
			},
			logins: 1,
		},
		{
			name: "a client that drops the connection is logged out once",
			session: func(f *fixture) {
				c := f.raw()
				cmd(f.t, c, "USER alice")
				cmd(f.t, c, "PASS %s", testUsers["alice"])
				_ = c.Close()
			},
			logins: 1,
		},
		{
			name: "a second login on one connection logs the first out, and itself out on disconnect",
			session: func(f *fixture) {
				c := f.raw()
				cmd(f.t, c, "USER alice")
				cmd(f.t, c, "PASS %s", testUsers["alice"])
				cmd(f.t, c, "USER bob")
				if code, _ := cmd(f.t, c, "PASS %s", testUsers["bob"]); code != 230 {
					f.t.Fatalf("second login: %d", code)
				}
				f.waitLogouts(1) // alice's session ended with bob's login, not at disconnect
				cmd(f.t, c, "QUIT")
			},
			logins: 2,
		},
		{
			name: "a failed second login ends the connection, and the first login is logged out once",
			session: func(f *fixture) {
				c := f.raw()
				cmd(f.t, c, "USER alice")
				cmd(f.t, c, "PASS %s", testUsers["alice"])
				cmd(f.t, c, "USER bob")
				if code, _ := cmd(f.t, c, "PASS %s", wrongPassword); code != 530 {
					f.t.Fatalf("second login: %d, want 530", code)
				}
				// alice's session must not carry on after a failed login as
				// someone else: the connection is gone.
				id, err := c.Cmd("PWD")
				if err == nil {
					c.StartResponse(id)
					code, msg, rerr := c.ReadResponse(0)
					c.EndResponse(id)
					if rerr == nil {
						f.t.Fatalf("PWD after the failed login got %d %q", code, msg)
					}
				}
			},
			logins: 1,
		},
		{
			name: "a refused login has nothing to log out",
			session: func(f *fixture) {
				c := f.raw()
				cmd(f.t, c, "USER alice")
				cmd(f.t, c, "PASS %s", wrongPassword)
			},
			logins: 0,
		},
		{
			name: "ten sessions with transfers are logged out once each",
			session: func(f *fixture) {
				for range 10 {
					c := f.login("bob", testUsers["bob"])
					readAll(f.t, c, "hello.txt")
					if err := c.Quit(); err != nil {
						f.t.Errorf("QUIT: %v", err)
					}
				}
			},
			logins: 10,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, fixtureConfig{})
			tt.session(f)
			f.waitLogouts(tt.logins)
			if got := f.logins.Load(); got != tt.logins {
				t.Errorf("logins = %d, want %d", got, tt.logins)
			}
		})
	}

	t.Run("logout runs once even when the server shuts down", func(t *testing.T) {
		f := newFixture(t, fixtureConfig{})
		for range 3 {
			f.login("alice", testUsers["alice"])
		}
		f.stop()
		f.waitLogouts(3)
	})
}

// A user name that is not UTF-8 text is refused like a wrong password (530)
// before any store sees it: some stores (PostgreSQL) fail on such a name,
// which would make a client's typo an internal error.
func TestABinaryUserNameIsRefusedBeforeTheStore(t *testing.T) {
	var asked atomic.Int64
	strict := cred.NewCheckerFunc(func(_ context.Context, c cred.Credentials, _ cred.Mind) (cred.AvatarID, error) {
		asked.Add(1)
		return cred.AvatarID{}, errors.New("store: invalid byte sequence for encoding UTF8") // as PostgreSQL answers
	}, cred.UsernamePasswordType)
	f := newFixture(t, fixtureConfig{checkers: []cred.Checker{strict}})
	for _, name := range []string{"al\x00ice", "al\x01ice", "al\tice", "\xffalice", "al\u0085ice"} {
		c := f.raw()
		cmd(t, c, "USER %s", name)
		if code, msg := cmd(t, c, "PASS %s", wrongPassword); code != 530 {
			t.Errorf("user %q: %d %q, want 530", name, code, msg)
		}
		c.Close()
	}
	if n := asked.Load(); n != 0 {
		t.Errorf("the store was asked %d times", n)
	}
}

// openFDs counts this process's open file descriptors (Linux).
func openFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("needs /proc/self/fd")
	}
	return len(entries)
}

// PASV over IPv6 fails after ftpserverlib has opened the data listener
// ("invalid passive IP"), and it drops that listener unclosed. Repeating
// PASV must not use up the server's file descriptors: the listeners nobody
// connected to are bounded (two per allowed connection).
func TestRepeatedFailingPASVDoesNotExhaustFileDescriptors(t *testing.T) {
	if ln, err := net.Listen("tcp", "[::1]:0"); err != nil {
		t.Skip("no IPv6 loopback here: " + err.Error())
	} else {
		ln.Close()
	}
	f := newFixture(t, fixtureConfig{listen: "[::1]:0", opts: Options{MaxConnections: 2}})
	c := f.raw()
	cmd(t, c, "USER alice")
	if code, _ := cmd(t, c, "PASS %s", testUsers["alice"]); code != 230 {
		t.Fatalf("login: %d", code)
	}
	before := openFDs(t)
	for i := range 40 {
		if code, msg := cmd(t, c, "PASV"); code == 227 {
			t.Fatalf("PASV %d over IPv6 succeeded: %q (the test needs it to fail)", i+1, msg)
		}
	}
	if grown := openFDs(t) - before; grown > 2*2+1 {
		t.Errorf("40 failed PASV commands left %d more descriptors open, want at most 5 (4 pending listeners, one of slack)", grown)
	}
	if code, msg := cmd(t, c, "EPSV"); code != 229 {
		t.Errorf("EPSV after them: %d %q, want 229", code, msg)
	}
}

// rawLogin logs user in on a raw connection that says QUIT when the test
// ends, so the server's transfer goroutine and its command loop are done
// with the connection, in that order, before the fixture shuts down.
func rawLogin(t *testing.T, f *fixture, user string) *textproto.Conn {
	t.Helper()
	c := f.raw()
	cmd(t, c, "USER %s", user)
	if code, _ := cmd(t, c, "PASS %s", testUsers[user]); code != 230 {
		t.Fatalf("login as %s: %d", user, code)
	}
	t.Cleanup(func() { cmd(t, c, "QUIT") })
	return c
}

// epsvPort asks for a passive data port on a raw connection.
func epsvPort(t *testing.T, c *textproto.Conn) string {
	t.Helper()
	code, msg := cmd(t, c, "EPSV")
	if code != 229 {
		t.Fatalf("EPSV: %d %q", code, msg)
	}
	// 229 Entering Extended Passive Mode (|||port|)
	open, end := strings.Index(msg, "(|||"), strings.LastIndex(msg, "|)")
	if open < 0 || end < open {
		t.Fatalf("EPSV reply %q", msg)
	}
	return msg[open+4 : end]
}

// epsv asks for a passive data port on a raw connection and dials it.
func epsv(t *testing.T, f *fixture, c *textproto.Conn) *net.TCPConn {
	t.Helper()
	host, _, _ := net.SplitHostPort(f.addr)
	dc, err := net.DialTimeout("tcp", net.JoinHostPort(host, epsvPort(t, c)), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return dc.(*net.TCPConn)
}

func TestAFailedUploadLeavesTheOldFile(t *testing.T) {
	f := newFixture(t, fixtureConfig{})
	const old = "the old content\n"
	target := filepath.Join(f.dir, "keep.txt")
	if err := os.WriteFile(target, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	unchanged := func(t *testing.T) {
		t.Helper()
		if b, err := os.ReadFile(target); err != nil || string(b) != old {
			t.Errorf("keep.txt is now %q, %v; want %q", b, err, old)
		}
	}
	// stor starts a STOR of name on a passive data connection, hands the
	// connection to use, and returns the final reply's code.
	stor := func(t *testing.T, name string, use func(dc *net.TCPConn)) int {
		c := rawLogin(t, f, "alice")
		cmd(t, c, "TYPE I")
		dc := epsv(t, f, c)
		id, err := c.Cmd("STOR %s", name)
		if err != nil {
			t.Fatal(err)
		}
		c.StartResponse(id)
		if code, msg, err := c.ReadResponse(0); code != 150 && code != 125 {
			t.Fatalf("STOR: %d %q %v", code, msg, err)
		}
		use(dc)
		code, _, _ := c.ReadResponse(0)
		c.EndResponse(id)
		cmd(t, c, "NOOP") // answered once the STOR's goroutine has closed the file
		return code
	}
	reset := func(dc *net.TCPConn) {
		dc.SetLinger(0) // close with RST: a cut connection
		dc.Close()
	}

	t.Run("a STOR without a data connection", func(t *testing.T) {
		c := rawLogin(t, f, "alice")
		if code, msg := cmd(t, c, "STOR keep.txt"); code < 400 {
			t.Fatalf("STOR without PASV: %d %q, want an error", code, msg)
		}
		cmd(t, c, "NOOP")
		unchanged(t)
	})
	t.Run("a STOR whose data connection is reset before any data", func(t *testing.T) {
		if code := stor(t, "keep.txt", reset); code < 400 {
			t.Errorf("after the reset: %d, want an error", code)
		}
		unchanged(t)
	})
	t.Run("a failed STOR of a new name leaves no file", func(t *testing.T) {
		stor(t, "new.txt", reset)
		if _, err := os.Stat(filepath.Join(f.dir, "new.txt")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("new.txt: %v, want no file", err)
		}
	})
	t.Run("a failed STOR of a new name leaves another session's upload of it", func(t *testing.T) {
		stor(t, "race.txt", func(dc *net.TCPConn) {
			cl := f.login("bob", testUsers["bob"])
			if err := cl.Stor("race.txt", strings.NewReader("bob's upload\n")); err != nil {
				t.Fatalf("bob's STOR: %v", err)
			}
			syncAfterTransfer(t, cl)
			reset(dc)
		})
		if b, err := os.ReadFile(filepath.Join(f.dir, "race.txt")); err != nil || string(b) != "bob's upload\n" {
			t.Errorf("race.txt is %q, %v; want bob's upload", b, err)
		}
	})
	t.Run("a failed STOR through a dangling symbolic link keeps the link", func(t *testing.T) {
		link := filepath.Join(f.dir, "dangling.txt")
		if err := os.Symlink("nowhere.txt", link); err != nil {
			t.Fatal(err)
		}
		stor(t, "dangling.txt", reset)
		if _, err := os.Lstat(link); err != nil {
			t.Errorf("the link is gone: %v", err)
		}
	})
	t.Run("a STOR cut off midway holds what arrived", func(t *testing.T) {
		stor(t, "keep.txt", func(dc *net.TCPConn) {
			dc.Write([]byte("half of a new"))
			time.Sleep(50 * time.Millisecond) // let the server write it
			reset(dc)
		})
		if b, _ := os.ReadFile(target); string(b) != "half of a new" {
			t.Errorf("keep.txt is %q, want what arrived", b)
		}
		os.WriteFile(target, []byte(old), 0o600)
	})
	t.Run("a STOR that ends well replaces the file in place", func(t *testing.T) {
		link := filepath.Join(f.dir, "link.txt")
		if err := os.Link(target, link); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(link)
		cl := f.login("alice", testUsers["alice"])
		if err := cl.Stor("keep.txt", strings.NewReader("new\n")); err != nil {
			t.Fatal(err)
		}
		syncAfterTransfer(t, cl)
		for _, name := range []string{target, link} { // a hard link sees the new content too
			if b, err := os.ReadFile(name); err != nil || string(b) != "new\n" {
				t.Errorf("%s is %q, %v; want the upload", filepath.Base(name), b, err)
			}
		}
		if fi, err := os.Stat(target); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("keep.txt: %v, %v; want mode 0600 as before", fi.Mode(), err)
		}
	})
	t.Run("an empty STOR that ends well empties the file", func(t *testing.T) {
		cl := f.login("alice", testUsers["alice"])
		if err := cl.Stor("keep.txt", strings.NewReader("")); err != nil {
			t.Fatal(err)
		}
		syncAfterTransfer(t, cl)
		if b, err := os.ReadFile(target); err != nil || len(b) != 0 {
			t.Errorf("keep.txt is %q, %v; want it empty", b, err)
		}
	})
	t.Run("a STOR onto a directory is refused and changes nothing", func(t *testing.T) {
		if err := os.Mkdir(filepath.Join(f.dir, "adir"), 0o750); err != nil {
			t.Fatal(err)
		}
		cl := f.login("alice", testUsers["alice"])
		if err := cl.Stor("adir", strings.NewReader("x")); err == nil {
			t.Error("STOR onto a directory succeeded")
		}
		syncAfterTransfer(t, cl)
		if fi, err := os.Stat(filepath.Join(f.dir, "adir")); err != nil || !fi.IsDir() {
			t.Errorf("adir: %v, %v", fi, err)
		}
	})
}

// syncAfterTransfer sends a NOOP after a transfer command. ftpserverlib
// runs transfers on a goroutine of their own and waits for it before the
// next command, but not before the reply it writes when Shutdown stops an
// idle session (a data race, its own); a command after the transfer orders
// the two.
func syncAfterTransfer(t *testing.T, c *ftp.ServerConn) {
	t.Helper()
	if err := c.NoOp(); err != nil {
		t.Fatalf("NOOP: %v", err)
	}
}

func TestSiteChmodWithBadArgumentsGets501(t *testing.T) {
	f := newFixture(t, fixtureConfig{})
	c := rawLogin(t, f, "alice")
	for _, line := range []string{"SITE CHMOD", "SITE CHMOD 777", "site chmod 644", "SITE CHMOD zzz hello.txt", "SITE CHMOD 99 hello.txt"} {
		if code, msg := cmd(t, c, "%s", line); code != 501 || strings.Contains(msg, "runtime") {
			t.Errorf("%s: %d %q, want 501", line, code, msg)
		}
	}
	if code, msg := cmd(t, c, "SITE CHMOD 600 hello.txt"); code != 200 {
		t.Errorf("SITE CHMOD 600 hello.txt: %d %q, want 200", code, msg)
	}
	if fi, err := os.Stat(filepath.Join(f.dir, "hello.txt")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("hello.txt: %v, %v; want mode 0600", fi, err)
	}
	if strings.Contains(f.log.String(), "Internal command handling error") {
		t.Errorf("the server recovered from a panic:\n%s", f.log.String())
	}
}

func TestADataConnectionToAnAddressNotServedIsRefused(t *testing.T) {
	// The fixture serves 127.0.0.1; ftpserverlib listens for data on every
	// address, and on Linux 127.0.0.2 reaches the same listener, standing
	// in for an interface the server was not asked to serve.
	f := newFixture(t, fixtureConfig{})
	c := rawLogin(t, f, "alice")
	cmd(t, c, "TYPE I")
	port := epsvPort(t, c)
	other, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.2", port), 5*time.Second)
	if err != nil {
		t.Skipf("127.0.0.2 does not reach the loopback listener here: %v", err)
	}
	defer other.Close()
	id, err := c.Cmd("RETR hello.txt")
	if err != nil {
		t.Fatal(err)
	}
	c.StartResponse(id)
	defer c.EndResponse(id)
	time.Sleep(100 * time.Millisecond) // the server accepts the other connection first
	served, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer served.Close()
	served.SetDeadline(time.Now().Add(5 * time.Second))
	got, _ := io.ReadAll(served)
	if string(got) != "hello, world\n" {
		t.Errorf("the data connection to 127.0.0.1 got %q, want the file", got)
	}
	other.SetDeadline(time.Now().Add(5 * time.Second))
	if leaked, _ := io.ReadAll(other); len(leaked) != 0 {
		t.Errorf("the connection to 127.0.0.2 got %q", leaked)
	}
	for _, want := range []int{150, 226} {
		if code, msg, err := c.ReadResponse(0); code != want {
			t.Errorf("RETR: %d %q %v, want %d", code, msg, err, want)
		}
	}
	if !strings.Contains(f.log.String(), "ftp data connection refused") {
		t.Error("the refused data connection was not logged")
	}
}

func TestUSERAfterALoginEndsIt(t *testing.T) {
	f := newFixture(t, fixtureConfig{})
	c := rawLogin(t, f, "alice")
	if code, _ := cmd(t, c, "USER bob"); code != 331 {
		t.Fatalf("USER bob: %d, want 331", code)
	}
	f.waitLogouts(1) // alice's login ended with USER, not with bob's PASS
	for _, line := range []string{"MKD afterUSER", "SIZE hello.txt", "DELE hello.txt", "CWD pub"} {
		if code, msg := cmd(t, c, "%s", line); code < 500 {
			t.Errorf("%s between USER and PASS: %d %q, want a refusal", line, code, msg)
		}
	}
	if _, err := os.Stat(filepath.Join(f.dir, "afterUSER")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("MKD between USER and PASS made a directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(f.dir, "hello.txt")); err != nil {
		t.Errorf("DELE between USER and PASS removed the file: %v", err)
	}
	if code, _ := cmd(t, c, "PASS %s", testUsers["bob"]); code != 230 {
		t.Fatalf("PASS for bob: %d", code)
	}
	if code, msg := cmd(t, c, "MKD asbob"); code != 257 {
		t.Errorf("MKD after bob's login: %d %q", code, msg)
	}
}

// Options.PublicHost is served too: a NAT or proxy setup may send data
// connections to it while the control connection reaches the bound
// address (127.0.0.2 stands in for it here).
func TestADataConnectionToThePublicHostIsServed(t *testing.T) {
	f := newFixture(t, fixtureConfig{opts: Options{PublicHost: "127.0.0.2"}})
	c := rawLogin(t, f, "alice")
	cmd(t, c, "TYPE I")
	dc, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.2", epsvPort(t, c)), 5*time.Second)
	if err != nil {
		t.Skipf("127.0.0.2 does not reach the loopback listener here: %v", err)
	}
	defer dc.Close()
	id, err := c.Cmd("RETR hello.txt")
	if err != nil {
		t.Fatal(err)
	}
	c.StartResponse(id)
	defer c.EndResponse(id)
	dc.SetDeadline(time.Now().Add(5 * time.Second))
	if got, _ := io.ReadAll(dc); string(got) != "hello, world\n" {
		t.Errorf("the data connection to the public host got %q, want the file", got)
	}
	for _, want := range []int{150, 226} {
		if code, msg, err := c.ReadResponse(0); code != want {
			t.Errorf("RETR: %d %q %v, want %d", code, msg, err, want)
		}
	}
}
