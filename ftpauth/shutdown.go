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
// data connections) to finish, then ends every session between commands
// with a 421 reply; each session's logout runs as it ends. It returns nil
// once all sessions are gone, their logouts run, or ctx's error after
// closing whatever is left, mid-transfer or not, when ctx ends first (the
// logouts of sessions so closed then run as their transfers close their
// files; see Driver.ClientDisconnected).
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
	for {
		d.mu.Lock()
		inflight, live := d.inflight, d.liveSessions()
		d.mu.Unlock()
		if len(live) == 0 {
			d.cancel()
			return nil
		}
		if inflight == 0 {
			for _, s := range live {
				s.stop()
			}
		}
		select {
		case <-ctx.Done():
			d.cancel()
			d.mu.Lock()
			live = d.liveSessions()
			d.mu.Unlock()
			for _, s := range live {
				s.kill()
			}
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
