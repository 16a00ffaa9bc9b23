package main

import (
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"
)

// Bounds on the HTTP side, so that no client, authenticated or not, can
// tie it up: every connection ends after httpIdleTimeout without a
// request, and a request must arrive whole (headers and body) within
// httpReadTimeout. At most httpMaxConns connections are open at once, and
// httpMaxConnsPerAddr from one client address; a connection over either
// cap is closed at once.
const (
	httpIdleTimeout     = 60 * time.Second
	httpReadTimeout     = 30 * time.Second
	httpMaxConns        = 512
	httpMaxConnsPerAddr = 32
)

// capListener closes connections over its caps (see httpMaxConns).
type capListener struct {
	net.Listener
	max, maxPerAddr int
	log             *slog.Logger

	mu     sync.Mutex
	open   int
	byAddr map[netip.Addr]int
}

func newCapListener(l net.Listener, max, maxPerAddr int, log *slog.Logger) *capListener {
	return &capListener{Listener: l, max: max, maxPerAddr: maxPerAddr, log: log, byAddr: map[netip.Addr]int{}}
}

// Accept returns the next connection within the caps.
func (l *capListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		var addr netip.Addr
		if ap, err := netip.ParseAddrPort(c.RemoteAddr().String()); err == nil {
			addr = ap.Addr().Unmap()
		}
		l.mu.Lock()
		ok := l.open < l.max && l.byAddr[addr] < l.maxPerAddr
		if ok {
			l.open++
			l.byAddr[addr]++
		}
		l.mu.Unlock()
		if !ok {
			l.log.Warn("http connection refused: too many connections", "remote", c.RemoteAddr().String(), "max", l.max, "max_per_addr", l.maxPerAddr)
			c.Close()
			continue
		}
		return &cappedConn{Conn: c, release: func() { l.release(addr) }}, nil
	}
}

func (l *capListener) release(addr netip.Addr) {
	l.mu.Lock()
	l.open--
	if l.byAddr[addr]--; l.byAddr[addr] <= 0 {
		delete(l.byAddr, addr)
	}
	l.mu.Unlock()
}

// cappedConn gives its place back when closed, once.
type cappedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *cappedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
