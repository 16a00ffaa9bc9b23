package ftpauth

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// controlListener caps simultaneous control connections, in all and per
// client IP address: one over a cap is answered 421 (RFC 959's "service
// not available") and closed, instead of the 500 that ftpserverlib would
// send from ClientConnected.
type controlListener struct {
	net.Listener
	max        int
	maxPerAddr int
	log        *slog.Logger

	mu    sync.Mutex
	conns map[string]*countedConn // by remote address, for Shutdown
	perIP map[netip.Addr]int      // open connections per client IP

	closeOnce sync.Once
	closeErr  error
}

// Accept returns the next connection within the cap.
func (l *controlListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err // unchanged: ftpserverlib recognises a closed listener by its text
		}
		key := c.RemoteAddr().String()
		ip := perAddrKey(addrPort(c.RemoteAddr()).Addr())
		cc := &countedConn{Conn: c}
		cc.release = func() { l.release(key, ip, cc) }
		l.mu.Lock()
		full := len(l.conns) >= l.max
		fullForIP := !full && l.perIP[ip] >= l.maxPerAddr
		if !full && !fullForIP {
			if l.conns == nil {
				l.conns, l.perIP = map[string]*countedConn{}, map[netip.Addr]int{}
			}
			l.conns[key] = cc
			l.perIP[ip]++
		}
		l.mu.Unlock()
		switch {
		case full:
			l.log.Warn("ftp connection refused: too many connections", "remote", key, "max", l.max)
			go refuseConn(c)
			continue
		case fullForIP:
			l.log.Warn("ftp connection refused: too many connections from one address", "remote", key, "max_per_addr", l.maxPerAddr)
			go refuseConn(c)
			continue
		}
		return cc, nil
	}
}

// perAddrKey is what MaxConnectionsPerAddr counts by: an IPv4 address
// (IPv4-mapped IPv6 too), or an IPv6 address's /64, which one host usually
// holds whole and can draw any number of addresses from.
func perAddrKey(ip netip.Addr) netip.Addr {
	ip = ip.Unmap()
	if ip.IsLinkLocalUnicast() {
		return ip // each host of a link its own, zone and all: they share fe80::/64
	}
	ip = ip.WithZone("")
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.Addr()
	}
	return ip
}

// conn returns the open control connection from remote, or nil.
func (l *controlListener) conn(remote net.Addr) *countedConn {
	if remote == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.conns[remote.String()]
}

// Close closes the listener once; later calls return the first result, so
// ftpserverlib's Stop and Shutdown may both call it.
func (l *controlListener) Close() error {
	l.closeOnce.Do(func() { l.closeErr = l.Listener.Close() })
	return l.closeErr
}

func (l *controlListener) release(key string, ip netip.Addr, c *countedConn) {
	l.mu.Lock()
	if l.conns[key] == c {
		delete(l.conns, key)
		if l.perIP[ip]--; l.perIP[ip] <= 0 {
			delete(l.perIP, ip)
		}
	}
	l.mu.Unlock()
}

// refuseConn tells a client over the cap why, without waiting on it long.
func refuseConn(c net.Conn) {
	_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, _ = io.WriteString(c, replyTooManyConns)
	_ = c.Close()
}

// countedConn gives its slot back when closed. Shutdown closes it from its
// own goroutine (ftpserverlib's ClientContext.Close races with the
// session's goroutine), so closing is idempotent.
type countedConn struct {
	net.Conn
	once    sync.Once
	err     error
	release func()
}

// Close closes the connection and frees its slot; later calls return the
// first call's result.
func (c *countedConn) Close() error {
	c.once.Do(func() {
		c.err = c.Conn.Close()
		c.release()
	})
	return c.err
}

// passiveListener is a passive-mode data listener, tracked so Shutdown can
// tell in-flight transfers (an accepted data connection) from idle PASV
// replies (a listener nobody connected to yet), and close the latter.
type passiveListener struct {
	net.Listener
	d   *Driver
	seq uint64 // order of creation (see WrapPassiveListener)
	// only are the addresses the server serves (its control listener's
	// and Options.PublicHost), if it serves particular ones:
	// ftpserverlib listens for data on every address, so a server bound
	// to 127.0.0.1 would take data connections from other hosts.
	only []netip.Addr
}

// Accept accepts the data connection, unless Shutdown closed the listener.
// A connection that reached an address the server does not serve is
// closed and the wait goes on: it must not become the transfer's data
// connection, nor make ftpserverlib fail the transfer.
func (l *passiveListener) Accept() (net.Conn, error) {
	var c net.Conn
	for {
		var err error
		c, err = l.Listener.Accept()
		if err != nil {
			l.d.passiveDone(l)
			return nil, err
		}
		if len(l.only) == 0 || slices.Contains(l.only, addrPort(c.LocalAddr()).Addr()) {
			break
		}
		l.d.log.Warn("ftp data connection refused: it reached an address the server does not serve",
			"remote", c.RemoteAddr().String(), "local", c.LocalAddr().String(), "served", fmt.Sprint(l.only))
		_ = c.Close()
	}
	if !l.d.passiveAccepted(l) {
		_ = c.Close()
		return nil, errShuttingDown
	}
	return &trackedConn{Conn: c, idle: l.d.opts.IdleTimeout, end: l.d.transferEnd}, nil
}

// Close closes the listener and forgets it.
func (l *passiveListener) Close() error {
	l.d.passiveDone(l)
	return l.Listener.Close()
}

// trackedConn is an accepted data connection: an in-flight transfer until
// ftpserverlib closes it, which it does before sending the final reply.
// Each read and write must make progress within idle (Options.IdleTimeout):
// ftpserverlib sets no deadline on data connections, and keeps the control
// connection alive while a transfer is open, so a client that stops
// reading a listing held its session, and the listing's memory, for ever.
type trackedConn struct {
	net.Conn
	idle          time.Duration
	writeDeadline atomic.Value // time.Time: the caller's own, zero for none
	once          sync.Once
	end           func()
}

// Read reads with a deadline of idle from now.
func (c *trackedConn) Read(p []byte) (int, error) {
	_ = c.Conn.SetReadDeadline(time.Now().Add(c.idle))
	return c.Conn.Read(p)
}

// Write writes p, failing only when idle passes without the kernel taking
// any of it: a large write to a client that reads slowly but steadily
// takes as long as it takes. (The kernel takes more once about a third of
// the socket's send buffer has drained, up to a megabyte or so: a client
// must read that much per idle.)
// A deadline set by the caller (crypto/tls bounds its closing alert so)
// still holds.
func (c *trackedConn) Write(p []byte) (int, error) {
	own, _ := c.writeDeadline.Load().(time.Time)
	written := 0
	for {
		deadline := time.Now().Add(c.idle)
		if !own.IsZero() && own.Before(deadline) {
			deadline = own
		}
		_ = c.Conn.SetWriteDeadline(deadline)
		n, err := c.Conn.Write(p[written:])
		written += n
		var ne net.Error
		if err == nil || n == 0 || !errors.As(err, &ne) || !ne.Timeout() || deadline == own {
			return written, err
		}
	}
}

// SetWriteDeadline records the caller's deadline, which Write keeps to.
func (c *trackedConn) SetWriteDeadline(t time.Time) error {
	c.writeDeadline.Store(t)
	return c.Conn.SetWriteDeadline(t)
}

// SetDeadline records the caller's write deadline too.
func (c *trackedConn) SetDeadline(t time.Time) error {
	c.writeDeadline.Store(t)
	return c.Conn.SetDeadline(t)
}

// Close closes the data connection and ends the transfer once.
func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.end)
	return err
}
