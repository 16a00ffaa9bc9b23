package ftpauth

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A connection that never logs in is closed Options.LoginWithin after it
// opened, however busy it keeps itself with NOOP; one that logged in is
// not.
func TestAConnectionMustLogInWithinLoginWithin(t *testing.T) {
	f := newFixture(t, fixtureConfig{opts: Options{LoginWithin: time.Second}})
	idle := f.raw()
	loggedIn := rawLogin(t, f, "alice")
	deadline := time.Now().Add(5 * time.Second)
	closed := false
	for time.Now().Before(deadline) {
		if _, err := idle.Cmd("NOOP"); err != nil {
			closed = true
			break
		}
		if _, err := idle.ReadLine(); err != nil {
			closed = true
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !closed {
		t.Fatal("a connection sending NOOP without logging in was still open after 5 s (LoginWithin 1 s)")
	}
	if code, _ := cmd(t, loggedIn, "NOOP"); code != 200 {
		t.Errorf("the logged-in connection: NOOP answered %d, want 200 (still open)", code)
	}
	if !strings.Contains(f.log.String(), "no login in time") {
		t.Errorf("no log line for the closed connection:\n%s", f.log.String())
	}
}

// fakeRemoteListener hands out connections that say they come from the
// next of addrs, so per-address caps can be tested for addresses the
// loopback cannot have.
type fakeRemoteListener struct {
	net.Listener
	addrs chan netip.AddrPort
}

type fakeRemoteConn struct {
	net.Conn
	remote net.Addr
}

func (c *fakeRemoteConn) RemoteAddr() net.Addr { return c.remote }

func (l *fakeRemoteListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &fakeRemoteConn{Conn: c, remote: net.TCPAddrFromAddrPort(<-l.addrs)}, nil
}

// The per-address cap counts an IPv6 client by its /64: a host holding a
// whole /64 could otherwise open any number of connections, each from an
// address of its own. IPv4 addresses count one by one.
func TestPerAddressCapCountsIPv6ByItsSlash64(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addrs := make(chan netip.AddrPort, 16)
	l := &controlListener{Listener: &fakeRemoteListener{Listener: inner, addrs: addrs}, max: 100, maxPerAddr: 2, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	defer l.Close()
	for _, a := range []string{
		"[2001:db8:1:2::1]:1000", "[2001:db8:1:2::2]:1000", "[2001:db8:1:2:ffff::3]:1000", // one /64: the third is refused
		"[2001:db8:1:3::1]:1000",                                      // another /64
		"192.0.2.1:1000", "[::ffff:192.0.2.1]:1001", "192.0.2.1:1002", // mapped is the same IPv4 address: the third is refused
		"192.0.2.2:1000", // IPv4 addresses count one by one
	} {
		addrs <- netip.MustParseAddrPort(a)
	}
	accepted := make(chan string, 16)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c.RemoteAddr().String()
		}
	}()
	var clients []net.Conn
	for range 8 {
		c, err := net.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
		time.Sleep(20 * time.Millisecond) // one at a time, in addrs' order
	}
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	var got []string
	for len(got) < 6 {
		select {
		case a := <-accepted:
			got = append(got, a)
		case <-time.After(5 * time.Second):
			t.Fatalf("accepted only %v", got)
		}
	}
	want := "[[2001:db8:1:2::1]:1000 [2001:db8:1:2::2]:1000 [2001:db8:1:3::1]:1000 192.0.2.1:1000 192.0.2.1:1001 192.0.2.2:1000]"
	if fmt.Sprint(got) != want {
		t.Fatalf("accepted %v, want %s", got, want)
	}
}

// A client that opens a download and stops reading is cut off after
// Options.IdleTimeout without progress: ftpserverlib sets no deadline on
// data connections, and kept the session (and what it holds) for ever.
func TestAStalledTransferTimesOut(t *testing.T) {
	f := newFixture(t, fixtureConfig{opts: Options{IdleTimeout: time.Second}})
	big := strings.Repeat("0123456789abcdef", 1<<20) // 16 MiB: more than the socket buffers hold
	if err := os.WriteFile(filepath.Join(f.dir, "big.bin"), []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	c := rawLogin(t, f, "alice")
	cmd(t, c, "TYPE I")
	dc := epsv(t, f, c)
	defer dc.Close()
	_ = dc.SetReadBuffer(4096)
	id, err := c.Cmd("RETR big.bin")
	if err != nil {
		t.Fatal(err)
	}
	c.StartResponse(id)
	defer c.EndResponse(id)
	start := time.Now()
	if code, _, _ := c.ReadResponse(150); code != 150 {
		t.Fatalf("RETR: %d, want 150", code)
	}
	code, msg, _ := c.ReadResponse(0)
	if took := time.Since(start); code < 400 || took > 8*time.Second {
		t.Fatalf("a transfer nobody reads: %d %q after %v; want an error within a few seconds", code, msg, took)
	}
}

// REST past the end of a file being uploaded, or before any file's start,
// is refused: an upload at REST 1000000000000 made a sparse file a
// terabyte long. A REST within the file still resumes the upload.
func TestRestartOffsetsStayWithinTheFile(t *testing.T) {
	f := newFixture(t, fixtureConfig{})
	c := rawLogin(t, f, "alice")
	cmd(t, c, "TYPE I")
	upload := func(name, data string, rest int64) int {
		t.Helper()
		if code, msg := cmd(t, c, "REST %d", rest); code != 350 {
			t.Fatalf("REST %d: %d %q", rest, code, msg)
		}
		dc := epsv(t, f, c)
		id, err := c.Cmd("STOR %s", name)
		if err != nil {
			t.Fatal(err)
		}
		c.StartResponse(id)
		defer c.EndResponse(id)
		code, _, _ := c.ReadResponse(0)
		if code == 150 {
			dc.Write([]byte(data))
			dc.Close()
			code, _, _ = c.ReadResponse(0)
		} else {
			dc.Close()
		}
		return code
	}
	if code := upload("sparse.bin", "x", 1000000000000); code < 400 {
		t.Errorf("STOR at REST 1000000000000: %d, want a refusal", code)
	}
	if fi, err := os.Stat(filepath.Join(f.dir, "sparse.bin")); err == nil && fi.Size() > 1 {
		t.Errorf("sparse.bin is %d bytes long", fi.Size())
	}
	if err := os.WriteFile(filepath.Join(f.dir, "part.bin"), []byte("first "), 0o644); err != nil {
		t.Fatal(err)
	}
	if code := upload("part.bin", "second", 6); code != 226 {
		t.Errorf("STOR at REST 6 (the file's length): %d, want 226", code)
	}
	if got, _ := os.ReadFile(filepath.Join(f.dir, "part.bin")); string(got) != "first second" {
		t.Errorf("resumed upload: %q", got)
	}
	if code, _ := cmd(t, c, "REST -5"); code == 350 {
		dc := epsv(t, f, c)
		defer dc.Close()
		if code, _ := cmd(t, c, "RETR hello.txt"); code < 400 {
			t.Errorf("RETR at REST -5: %d, want a refusal", code)
		}
	}
}

// A large write to a client that reads slowly but steadily is not cut off
// at the data connection's idle deadline: the deadline bounds a stall, not
// the whole write (an 8 MiB write at 10 MB/s takes 0.8 s; idle is 300 ms).
func TestASteadyReaderIsNotCutOff(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	read := make(chan int, 1)
	go func() {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			read <- -1
			return
		}
		defer c.Close()
		c.(*net.TCPConn).SetReadBuffer(64 << 10)
		buf, total := make([]byte, 100<<10), 0
		for {
			n, err := c.Read(buf)
			total += n
			if err != nil {
				read <- total
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	sc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	sc.(*net.TCPConn).SetWriteBuffer(64 << 10)
	c := &trackedConn{Conn: sc, idle: 300 * time.Millisecond, end: func() {}}
	data := make([]byte, 8<<20)
	n, err := c.Write(data)
	c.Close()
	if err != nil || n != len(data) {
		t.Fatalf("wrote %d of %d bytes: %v", n, len(data), err)
	}
	if got := <-read; got != len(data) {
		t.Errorf("the client read %d of %d bytes", got, len(data))
	}
}

// Link-local IPv6 clients count one by one: they all share fe80::/64.
func TestPerAddressKeyOfLinkLocalClients(t *testing.T) {
	a, b := perAddrKey(netip.MustParseAddr("fe80::1%eth0")), perAddrKey(netip.MustParseAddr("fe80::2%eth0"))
	if a == b {
		t.Errorf("fe80::1 and fe80::2 share the key %v", a)
	}
	if k := perAddrKey(netip.MustParseAddr("2001:db8:1:2::5")); k != netip.MustParseAddr("2001:db8:1:2::") {
		t.Errorf("a global IPv6 address keys as %v, want its /64", k)
	}
}

// USER sent again logs the connection out; it must then log in again
// within LoginWithin, as a new one must.
func TestUSERAgainRestartsLoginWithin(t *testing.T) {
	f := newFixture(t, fixtureConfig{opts: Options{LoginWithin: time.Second}})
	c := f.raw() // not rawLogin: its clean-up QUITs, on a connection closed here
	cmd(t, c, "USER alice")
	if code, _ := cmd(t, c, "PASS %s", testUsers["alice"]); code != 230 {
		t.Fatalf("login: %d", code)
	}
	time.Sleep(1200 * time.Millisecond) // past LoginWithin: logged in, so kept
	if code, _ := cmd(t, c, "USER bob"); code != 331 {
		t.Fatalf("USER bob: %d", code)
	}
	time.Sleep(2500 * time.Millisecond)
	if _, err := c.Cmd("NOOP"); err == nil {
		if _, err := c.ReadLine(); err == nil {
			t.Fatal("a connection logged out by USER was still open 2.5 s later (LoginWithin 1 s)")
		}
	}
}
