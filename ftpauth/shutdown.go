package ftpauth

import (
	"context"
	"time"
)

// shutdownPoll is how often Shutdown looks again at transfers and sessions
// (net/http's Server.Shutdown polls the same way).
const shutdownPoll = 10 * time.Millisecond

// Shutdown stops the driver gracefully: it closes the control listener,
// refuses new logins, PASV listeners and file opens, closes PASV listeners
// nobody has connected to, waits for in-flight transfers (open files and
// data connections) to finish, then closes every session, whose logout
// runs as it ends. It returns nil once all sessions are gone, or ctx's
// error after closing whatever is left when ctx ends first.
//
// ftpserverlib's FtpServer.Stop only closes the listener; Server.Shutdown
// calls both.
func (d *Driver) Shutdown(ctx context.Context) error {
	d.lmu.Lock()
	l := d.listener
	d.lmu.Unlock()
	if l != nil {
		_ = l.Close()
	}

	d.mu.Lock()
	d.draining = true
	idle := make([]*passiveListener, 0, len(d.pending))
	for pl := range d.pending {
		idle = append(idle, pl)
	}
	clear(d.pending)
	d.mu.Unlock()
	for _, pl := range idle {
		_ = pl.Listener.Close() // a transfer waiting on it gets 425; none has started
	}

	tick := time.NewTicker(shutdownPoll)
	defer tick.Stop()
	closed := false
	for {
		d.mu.Lock()
		inflight, live := d.inflight, d.liveSessions()
		d.mu.Unlock()
		if len(live) == 0 {
			d.cancel()
			return nil
		}
		if inflight == 0 && !closed {
			d.closeSessions(live)
			closed = true
		}
		select {
		case <-ctx.Done():
			d.cancel()
			d.mu.Lock()
			live = d.liveSessions()
			d.mu.Unlock()
			d.closeSessions(live)
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// liveSessions lists the sessions; d.mu must be held.
func (d *Driver) liveSessions() []*session {
	out := make([]*session, 0, len(d.sessions))
	for _, s := range d.sessions {
		out = append(out, s)
	}
	return out
}

// closeSessions closes sessions without waiting: ftpserverlib's Close
// waits for a transfer's final reply to be written, which a stalled client
// can delay.
func (d *Driver) closeSessions(ss []*session) {
	for _, s := range ss {
		go s.close()
	}
}
