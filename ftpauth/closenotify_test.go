package ftpauth

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/textproto"
	"sync"
	"testing"
	"time"
)

// tapConn records every byte read from a connection.
type tapConn struct {
	net.Conn
	mu   sync.Mutex
	read bytes.Buffer
}

func (c *tapConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.read.Write(p[:n])
	c.mu.Unlock()
	return n, err
}

func (c *tapConn) bytesRead() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.read.Bytes())
}

// tlsRecordTypes returns the content types of the TLS records in b, which
// must start at a record boundary; false if b does not end on one.
func tlsRecordTypes(b []byte) ([]byte, bool) {
	var types []byte
	for len(b) > 0 {
		if len(b) < 5 {
			return types, false
		}
		n := int(b[3])<<8 | int(b[4])
		if len(b) < 5+n {
			return types, false
		}
		types = append(types, b[0])
		b = b[5+n:]
	}
	return types, true
}

// At shutdown a TLS control connection ends with a close_notify alert, so
// the client can tell the server's orderly close from a cut connection
// (TLS 1.2 here, whose record headers show an alert for what it is; the
// client's read ending in io.EOF, not a remote error, makes it the
// warning-level close_notify).
func TestShutdownSendsCloseNotifyOnTLS(t *testing.T) {
	cert := newTestCert(t)
	f := newFixture(t, fixtureConfig{opts: Options{TLSConfig: cert.server}})
	nc, err := net.DialTimeout("tcp", f.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(15 * time.Second))
	tap := &tapConn{Conn: nc}
	plain := textproto.NewConn(tap)
	if code, msg, err := plain.ReadResponse(220); err != nil {
		t.Fatalf("greeting: %d %q %v", code, msg, err)
	}
	if code, _ := cmd(t, plain, "AUTH TLS"); code != 234 {
		t.Fatalf("AUTH TLS: %d", code)
	}
	cfg := cert.client.Clone()
	cfg.MaxVersion = tls.VersionTLS12
	tc := tls.Client(tap, cfg)
	if err := tc.Handshake(); err != nil {
		t.Fatalf("TLS handshake: %v", err)
	}
	c := textproto.NewConn(tc)
	cmd(t, c, "USER alice")
	if code, _ := cmd(t, c, "PASS %s", testUsers["alice"]); code != 230 {
		t.Fatalf("login over TLS: %d", code)
	}
	mark := len(tap.bytesRead()) // a record boundary: every reply so far was read whole

	if err := <-shutdownAsync(f, 5*time.Second); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	var readErr error
	for readErr == nil {
		_, readErr = c.ReadLine()
	}
	if !errors.Is(readErr, io.EOF) {
		t.Fatalf("the client's read ended with %v, want io.EOF after close_notify", readErr)
	}
	types, whole := tlsRecordTypes(tap.bytesRead()[mark:])
	const alert = 21
	if !whole || len(types) == 0 || types[len(types)-1] != alert {
		t.Fatalf("records after the login: types %v (whole: %v); want the last to be an alert (%d)", types, whole, alert)
	}
}
