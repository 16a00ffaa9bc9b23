package main

import (
	"io"
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
// httpMaxConnsPerAddr from one client address (an IPv6 client by its /64,
// which one host usually has whole); a connection over either cap gets a
// bare 503 and is closed.
const (
	httpIdleTimeout     = 60 * time.Second
	httpReadTimeout     = 30 * time.Second
	httpMaxConns        = 512
	httpMaxConnsPerAddr = 64 // room for a few browsers behind one NAT
)

// over503 is what a connection over a cap gets before it is closed.
const over503 = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

// capLogEvery spaces out the warnings about refused connections, so that
// a client hammering the cap cannot flood the log either.
const capLogEvery = 10 * time.Second

// capListener closes connections over its caps (see httpMaxConns).
type capListener struct {
	net.Listener
	max, maxPerAddr int
	log             *slog.Logger

	mu      sync.Mutex
	open    int
	byAddr  map[netip.Addr]int
	refused int       // since the last warning
	logged  time.Time // when the last warning was
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
			if addr.Is6() {
				addr = netip.PrefixFrom(addr, 64).Masked().Addr()
			}
		}
		l.mu.Lock()
		ok := l.open < l.max && l.byAddr[addr] < l.maxPerAddr
		var warn bool
		var refused int
		if ok {
			l.open++
			l.byAddr[addr]++
		} else if l.refused++; time.Since(l.logged) >= capLogEvery {
			warn, refused, l.refused, l.logged = true, l.refused, 0, time.Now()
		}
		l.mu.Unlock()
		if !ok {
			if warn {
				l.log.Warn("http connections refused: too many connections", "last_remote", c.RemoteAddr().String(), "refused", refused, "max", l.max, "max_per_addr", l.maxPerAddr)
			}
			go refuse(c)
			continue
		}
		return &cappedConn{Conn: c, release: func() { l.release(addr) }}, nil
	}
}

// refuse answers a connection over a cap with a bare 503, without waiting
// on the client long, and closes it.
func refuse(c net.Conn) {
	c.SetWriteDeadline(time.Now().Add(time.Second))
	io.WriteString(c, over503)
	c.Close()
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
