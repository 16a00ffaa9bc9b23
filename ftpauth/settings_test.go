package ftpauth

import (
	"net"
	"net/textproto"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// greet dials the server and returns the greeting's code and text.
func greet(t *testing.T, addr string) (*textproto.Conn, int, string) {
	t.Helper()
	return greetFrom(t, "", addr)
}

// greetFrom is greet from the local IP address from ("" for any).
func greetFrom(t *testing.T, from, addr string) (*textproto.Conn, int, string) {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second}
	if from != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(from)}
	}
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	c := textproto.NewConn(nc)
	t.Cleanup(func() { _ = c.Close() })
	code, msg, _ := c.ReadResponse(0)
	return c, code, msg
}

func TestBanner(t *testing.T) {
	tests := []struct {
		name, banner, want string
	}{
		{"the default banner greets the client", "", DefaultBanner},
		{"a configured banner greets the client", "Welcome to the archive.", "Welcome to the archive."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, fixtureConfig{opts: Options{Banner: tt.banner}})
			_, code, msg := greet(t, f.addr)
			if code != 220 || msg != tt.want {
				t.Errorf("greeting: %d %q, want 220 %q", code, msg, tt.want)
			}
		})
	}
}

func TestMaxConnections(t *testing.T) {
	f := newFixture(t, fixtureConfig{opts: Options{MaxConnections: 2}})
	first, _, _ := greet(t, f.addr)
	greet(t, f.addr)

	c, code, msg := greet(t, f.addr)
	if code != 421 || !strings.Contains(msg, "Too many connections") {
		t.Errorf("a connection over the cap: %d %q, want 421 Too many connections", code, msg)
	}
	assertClosed(t, c)

	cmd(t, first, "QUIT")
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, code, _ := greet(t, f.addr)
		if code == 220 {
			break // the slot was given back
		}
		if time.Now().After(deadline) {
			t.Fatalf("no slot after a client quit: last greeting %d", code)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// One client address cannot take every slot: past MaxConnectionsPerAddr
// its connections get 421, while another address still gets in.
func TestMaxConnectionsPerAddr(t *testing.T) {
	f := newFixture(t, fixtureConfig{opts: Options{MaxConnections: 10, MaxConnectionsPerAddr: 2}})
	for i := range 2 {
		if _, code, msg := greetFrom(t, "127.0.0.1", f.addr); code != 220 {
			t.Fatalf("connection %d from one address: %d %q, want 220", i+1, code, msg)
		}
	}
	c, code, msg := greetFrom(t, "127.0.0.1", f.addr)
	if code != 421 || !strings.Contains(msg, "Too many connections") {
		t.Errorf("a third connection from that address: %d %q, want 421 Too many connections", code, msg)
	}
	assertClosed(t, c)
	if _, code, msg := greetFrom(t, "127.0.0.2", f.addr); code != 220 {
		t.Errorf("a connection from another address: %d %q, want 220", code, msg)
	}
}

func TestIdleTimeoutClosesASilentConnection(t *testing.T) {
	f := newFixture(t, fixtureConfig{opts: Options{IdleTimeout: time.Second}})
	c := f.raw()
	cmd(t, c, "USER alice")
	cmd(t, c, "PASS %s", testUsers["alice"])
	code, msg, err := c.ReadResponse(0) // nothing sent: the server speaks first
	if code != 421 || !strings.Contains(msg, "timeout") {
		t.Errorf("after idling: %d %q %v, want 421 timeout", code, msg, err)
	}
	assertClosed(t, c)
	f.waitLogouts(1)
}

func TestPassivePortsAndPublicHost(t *testing.T) {
	// Find five ports that were just free.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	start := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	if start > 65530 {
		start = 65530
	}
	ports := PortRange{Start: start, End: start + 4}
	f := newFixture(t, fixtureConfig{opts: Options{PassivePorts: ports, PublicHost: "10.1.2.3"}})

	t.Run("EPSV offers a port in the range", func(t *testing.T) {
		c := f.raw()
		cmd(t, c, "USER alice")
		cmd(t, c, "PASS %s", testUsers["alice"])
		code, msg := cmd(t, c, "EPSV")
		m := regexp.MustCompile(`\(\|\|\|(\d+)\|\)`).FindStringSubmatch(msg)
		if code != 229 || m == nil {
			t.Fatalf("EPSV: %d %q", code, msg)
		}
		if p, _ := strconv.Atoi(m[1]); p < ports.Start || p > ports.End {
			t.Errorf("EPSV port %d is outside %d-%d", p, ports.Start, ports.End)
		}
	})
	t.Run("PASV announces the public host", func(t *testing.T) {
		c := f.raw()
		cmd(t, c, "USER alice")
		cmd(t, c, "PASS %s", testUsers["alice"])
		code, msg := cmd(t, c, "PASV")
		if code != 227 || !strings.Contains(msg, "(10,1,2,3,") {
			t.Errorf("PASV: %d %q, want 227 with 10,1,2,3", code, msg)
		}
	})
	t.Run("transfers work through the range", func(t *testing.T) {
		c := f.login("alice", testUsers["alice"])
		for i := range 3 {
			if got := readAll(t, c, "hello.txt"); got != "hello, world\n" {
				t.Errorf("RETR %d = %q", i, got)
			}
		}
	})
	t.Run("active mode is refused", func(t *testing.T) {
		c := f.raw()
		cmd(t, c, "USER alice")
		cmd(t, c, "PASS %s", testUsers["alice"])
		if code, msg := cmd(t, c, "PORT 127,0,0,1,%d,%d", start/256, start%256); code != 421 {
			t.Errorf("PORT: %d %q, want 421", code, msg)
		}
	})
}
