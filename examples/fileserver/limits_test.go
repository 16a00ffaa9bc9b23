package main

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"
)

// Connections over the caps are closed at once; one closed makes room.
func TestCapListenerClosesConnectionsOverItsCaps(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedWriter{w: &bytes.Buffer{}}
	l := newCapListener(inner, 3, 2, slog.New(slog.NewTextHandler(logs, nil)))
	defer l.Close()
	accepted := make(chan net.Conn, 8)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	dial := func(local string) net.Conn {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
		c, err := d.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Skipf("dialling from %s: %v", local, err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	closedAtOnce := func(c net.Conn) bool { // with a 503 first
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		got, err := io.ReadAll(c)
		return err == nil && strings.HasPrefix(string(got), "HTTP/1.1 503 ")
	}
	dial("127.0.0.1")
	dial("127.0.0.1")
	for range 2 {
		<-accepted
	}
	if !closedAtOnce(dial("127.0.0.1")) {
		t.Error("a third connection from one address was kept (cap 2 per address)")
	}
	dial("127.0.0.2")
	mine := <-accepted
	if !closedAtOnce(dial("127.0.0.3")) {
		t.Error("a fourth connection in all was kept (cap 3)")
	}
	for range 20 {
		closedAtOnce(dial("127.0.0.3"))
	}
	logs.mu.Lock()
	if n := strings.Count(logs.w.String(), "connections refused"); n != 1 {
		t.Errorf("%d warnings for 22 refusals in a moment, want 1:\n%s", n, logs.w.String())
	}
	logs.mu.Unlock()
	mine.Close()
	dial("127.0.0.3")
	select {
	case <-accepted:
	case <-time.After(2 * time.Second):
		t.Error("no room was made when a connection closed")
	}
}
