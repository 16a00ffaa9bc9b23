package ftpauth

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"reflect"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	ftpserver "github.com/fclairamb/ftpserverlib"
	"github.com/spf13/afero"

	"github.com/gocred/gocred/cred"
)

// Protocol is the cred.Mind protocol name of FTP logins.
const Protocol = "ftp"

// Driver is an ftpserverlib main driver that logs users in through a
// cred.Portal and serves the afero.Fs avatar the portal's realm returns.
// Build one with NewDriver and hand it to ftpserver.NewFtpServer, or use
// Server, which does that and adds graceful shutdown.
type Driver struct {
	portal *cred.Portal
	opts   Options
	tls    *tls.Config
	log    *slog.Logger

	// ctx bounds logins; Shutdown cancels it when its deadline passes.
	ctx    context.Context
	cancel context.CancelFunc

	lmu      sync.Mutex
	listener *controlListener // created by GetSettings or given by Server.Serve

	mu       sync.Mutex
	sessions map[ftpserver.ClientContext]*session
	draining bool
	inflight int                           // open files plus accepted data connections
	pending  map[*passiveListener]struct{} // PASV listeners nobody has connected to yet
	seq      uint64                        // numbers pending listeners, oldest lowest
}

// NewDriver returns a Driver logging in through portal, after checking that
// the portal has a checker for the credentials FTP produces:
// *cred.PasswordCredentials always, cred.AnonymousCredentials when
// opts.Anonymous is on. It fails with the portal's descriptive error if
// not, and with an error naming the field for invalid options.
func NewDriver(portal *cred.Portal, opts Options) (*Driver, error) {
	if portal == nil {
		return nil, errors.New("ftpauth: NewDriver: portal is nil")
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := portal.CheckCredentialType(reflect.TypeFor[*cred.PasswordCredentials]()); err != nil {
		return nil, fmt.Errorf("ftpauth: the portal cannot check FTP passwords: %w", err)
	}
	if opts.Anonymous {
		if err := portal.CheckCredentialType(reflect.TypeFor[cred.AnonymousCredentials]()); err != nil {
			return nil, fmt.Errorf("ftpauth: Options.Anonymous is on but the portal has no anonymous checker: %w", err)
		}
	}
	tlsCfg, err := opts.tlsConfig()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Driver{
		portal:   portal,
		opts:     opts,
		tls:      tlsCfg,
		log:      opts.Logger,
		ctx:      ctx,
		cancel:   cancel,
		sessions: map[ftpserver.ClientContext]*session{},
		pending:  map[*passiveListener]struct{}{},
	}, nil
}

// setListener makes l the control listener, wrapped to cap connections.
func (d *Driver) setListener(l net.Listener) *controlListener {
	d.lmu.Lock()
	defer d.lmu.Unlock()
	d.listener = &controlListener{Listener: l, max: d.opts.MaxConnections, maxPerAddr: d.opts.MaxConnectionsPerAddr, log: d.log}
	return d.listener
}

// Addr returns the control listener's address, or nil before the server
// listens.
func (d *Driver) Addr() net.Addr {
	d.lmu.Lock()
	defer d.lmu.Unlock()
	if d.listener == nil {
		return nil
	}
	return d.listener.Addr()
}

// GetSettings returns the ftpserverlib settings built from the Options. It
// opens the control listener on Options.Addr unless Server.Serve gave one,
// and warns when passwords would travel in clear over a non-loopback
// address.
func (d *Driver) GetSettings() (*ftpserver.Settings, error) {
	d.lmu.Lock()
	l := d.listener
	d.lmu.Unlock()
	if l == nil {
		inner, err := net.Listen("tcp", d.opts.Addr)
		if err != nil {
			return nil, fmt.Errorf("ftpauth: listening on Options.Addr: %w", err)
		}
		l = d.setListener(inner)
	}
	switch loopback := isLoopback(l.Addr()); {
	case d.tls == nil && !loopback:
		d.log.Warn("ftp without TLS on a non-loopback address: passwords travel in clear; set Options.TLSConfig (and RequireTLS)",
			"addr", l.Addr().String())
	case !d.opts.RequireTLS && !loopback:
		d.log.Info("ftp offers TLS but does not require it: clients that skip AUTH TLS send passwords in clear; set Options.RequireTLS",
			"addr", l.Addr().String())
	}
	s := &ftpserver.Settings{
		Listener:            l,
		PublicHost:          d.opts.PublicHost,
		Banner:              d.opts.Banner,
		IdleTimeout:         int((d.opts.IdleTimeout + time.Second - 1) / time.Second),
		DisableActiveMode:   true, // PORT invites bounce attacks, and Shutdown tracks passive transfers only
		DefaultTransferType: ftpserver.TransferTypeBinary,
	}
	if p := d.opts.PassivePorts; p != (PortRange{}) {
		s.PassiveTransferPortRange = ftpserver.PortRange{Start: p.Start, End: p.End}
	}
	if d.opts.RequireTLS {
		s.TLSRequired = ftpserver.MandatoryEncryption
	}
	return s, nil
}

// GetTLSConfig returns the certificate configuration for AUTH TLS, or an
// error when FTPS is not configured.
func (d *Driver) GetTLSConfig() (*tls.Config, error) {
	if d.tls == nil {
		return nil, errors.New(replyTLSNotEnabled)
	}
	return d.tls, nil
}

// ClientConnected registers the session and returns the greeting.
func (d *Driver) ClientConnected(cc ftpserver.ClientContext) (string, error) {
	s := &session{cc: cc}
	d.lmu.Lock()
	if d.listener != nil {
		s.conn = d.listener.conn(cc.RemoteAddr())
	}
	d.lmu.Unlock()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.draining {
		return replyShuttingDown, errShuttingDown
	}
	d.sessions[cc] = s
	if s.conn != nil {
		s.loginBy = time.AfterFunc(d.opts.LoginWithin, func() { d.loginOverdue(s) })
	}
	return d.opts.Banner, nil
}

// loginOverdue closes a control connection that has no login
// Options.LoginWithin after it opened (or after USER logged it out):
// without it, a client sending NOOP now and then would hold a connection
// slot for ever without ever giving a password.
func (d *Driver) loginOverdue(s *session) {
	s.mu.Lock()
	loggedIn := s.login != nil
	s.mu.Unlock()
	if loggedIn {
		return
	}
	d.log.Info("ftp connection closed: no login in time", "remote", s.cc.RemoteAddr().String(), "within", d.opts.LoginWithin.String())
	_ = s.conn.Close()
}

// ClientDisconnected ends the session: it runs the realm's logout for the
// session's login, once, and forgets the session. ftpserverlib calls it
// before it closes the data connection, and does not wait for the transfer
// under way, if any, to close its file: while the avatar has files open (or
// a call under way), the session waits, and the last file's Close ends it.
// The wait lasts at most Options.IdleTimeout; then the logout runs anyway,
// with a warning, so that a transfer that never closes its file cannot keep
// the login alive.
func (d *Driver) ClientDisconnected(cc ftpserver.ClientContext) {
	d.mu.Lock()
	s := d.sessions[cc]
	d.mu.Unlock()
	if s == nil {
		return
	}
	s.mu.Lock()
	s.left = true
	busy := s.inUse > 0
	if busy {
		s.grace = time.AfterFunc(d.opts.IdleTimeout, func() { d.graceOver(s) })
	}
	s.mu.Unlock()
	if !busy {
		d.endSession(s)
	}
}

// graceOver ends a session whose client left Options.IdleTimeout ago while
// its avatar is still in use.
func (d *Driver) graceOver(s *session) {
	s.mu.Lock()
	inUse, user, login := s.inUse, s.user, s.login
	s.mu.Unlock()
	if inUse == 0 {
		return // the last use ended the session meanwhile
	}
	attrs := []any{"user", user, "remote", s.cc.RemoteAddr().String(), "in_use", inUse, "after", d.opts.IdleTimeout.String()}
	if login != nil {
		attrs = append(attrs, "id", login.ID.String())
	}
	d.log.Warn("ftp logout: the avatar is still in use (a file open or a call under way) long after the client left; logging out anyway", attrs...)
	d.endSession(s)
}

// endSession runs the realm's logout for the session's login and forgets
// the session, once however often it is called. The session stays known
// (to Shutdown) until the logout has returned.
func (d *Driver) endSession(s *session) {
	s.ended.Do(func() {
		if s.loginBy != nil {
			s.loginBy.Stop()
		}
		s.mu.Lock()
		user := s.user
		s.mu.Unlock()
		d.logout(s.takeLogin(), user)
		d.mu.Lock()
		if d.sessions[s.cc] == s {
			delete(d.sessions, s.cc)
		}
		d.mu.Unlock()
	})
}

// logout runs a realm's logout, keeping a panic in it from taking the
// server down.
func (d *Driver) logout(l *cred.Session, user string) {
	if l == nil {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			d.log.Error("ftp logout panicked", "user", user, "id", l.ID.String(), "panic", fmt.Sprint(r))
		}
	}()
	l.Logout()
}

// AuthUser logs user in through the portal and returns the avatar to serve.
// A refusal is a *LoginError whose text is the generic reply the client
// sees; internal errors are logged in full and reported as
// "Service temporarily unavailable."
func (d *Driver) AuthUser(cc ftpserver.ClientContext, user, pass string) (drv ftpserver.ClientDriver, err error) {
	mind := cred.Mind{Protocol: Protocol, RemoteAddr: addrPort(cc.RemoteAddr()), TLS: cc.HasTLSForControl()}
	defer func() {
		if r := recover(); r != nil {
			// ftpserverlib would log the PASS argument, the password, on a panic.
			d.log.Error("ftp login panicked", "user", user, "remote", mind.RemoteAddr.String(), "panic", fmt.Sprint(r))
			drv, err = nil, &LoginError{Outcome: cred.OutcomeError, Err: fmt.Errorf("ftpauth: login panicked: %v", r), reply: replyUnavailable}
		}
	}()

	d.mu.Lock()
	s, draining := d.sessions[cc], d.draining
	d.mu.Unlock()
	if draining || s == nil {
		return nil, &LoginError{Outcome: cred.OutcomeCanceled, Err: errShuttingDown, reply: replyShuttingDown}
	}
	if user == "" { // PASS without USER: nothing for the portal to check
		return nil, &LoginError{
			Outcome: cred.OutcomeUnauthorized,
			Err:     fmt.Errorf("ftpauth: PASS without USER: %w", cred.ErrUnauthorizedLogin),
			reply:   replyNoUser,
		}
	}

	if !validUserName(user) {
		// No store holds such a name, and some (PostgreSQL) fail on one
		// rather than refuse it: refused here, as Basic and Digest do.
		return nil, &LoginError{
			Outcome: cred.OutcomeUnauthorized,
			Err:     fmt.Errorf("ftpauth: user name is not valid UTF-8 text: %w", cred.ErrUnauthorizedLogin),
			reply:   replyIncorrect,
		}
	}

	var creds cred.Credentials
	if d.opts.isAnonymousName(user) {
		creds = cred.AnonymousCredentials{} // the password, by custom an e-mail address, is ignored
	} else {
		creds = cred.NewUsernamePassword(user, pass)
	}
	ctx, cancel := context.WithTimeout(d.ctx, d.opts.LoginTimeout)
	defer cancel()
	fs, login, err := cred.Login[afero.Fs](ctx, d.portal, creds, mind)
	if err != nil {
		le := newLoginError(err)
		attrs := []any{"user", user, "remote", mind.RemoteAddr.String(), "tls", mind.TLS, "outcome", le.Outcome.String()}
		switch le.Outcome {
		case cred.OutcomeUnauthorized, cred.OutcomeThrottled, cred.OutcomeDenied:
			d.log.Info("ftp login refused", attrs...)
		default:
			d.log.Error("ftp login failed", append(attrs, "error", err.Error())...)
		}
		return nil, le
	}
	if login.ID.IsAnonymous() {
		fs = afero.NewReadOnlyFs(fs) // whatever the realm returned, anonymous never writes
	}
	d.logout(s.setLogin(&login, user), user) // a second USER/PASS on one connection ends the first login
	d.log.Info("ftp login", "user", user, "id", login.ID.String(), "remote", mind.RemoteAddr.String(), "tls", mind.TLS)
	return sessionFs{Fs: fs, d: d, s: s, login: &login}, nil
}

// PreAuthUser ends the connection's login, if it has one, when the client
// sends USER again: ftpserverlib keeps serving the old avatar until the
// next PASS, and reports the new name meanwhile. The old login's avatar
// refuses everything from now on (errLoggedOut), and its logout runs now:
// ftpserverlib runs USER (and PASS) only once the transfer under way, if
// any, has ended and closed its file, so the old avatar is not in use.
func (d *Driver) PreAuthUser(cc ftpserver.ClientContext, user string) error {
	d.mu.Lock()
	s := d.sessions[cc]
	d.mu.Unlock()
	if s == nil {
		return nil
	}
	s.mu.Lock()
	old, oldUser := s.login, s.user
	s.login = nil
	if old != nil && s.loginBy != nil {
		s.loginBy.Reset(d.opts.LoginWithin) // logged out: log in again in time
	}
	s.mu.Unlock()
	if old != nil {
		d.log.Info("ftp logout: USER sent again", "user", oldUser, "id", old.ID.String(), "remote", cc.RemoteAddr().String())
		d.logout(old, oldUser)
	}
	return nil
}

var _ ftpserver.MainDriverExtensionUserVerifier = (*Driver)(nil)

// PostAuthMessage returns the reply sent after PASS: ftpserverlib would
// otherwise send the error's text, whatever it holds.
func (d *Driver) PostAuthMessage(_ ftpserver.ClientContext, _ string, authErr error) string {
	return replyFor(authErr)
}

// QuitMessage returns the reply to QUIT.
func (d *Driver) QuitMessage() string { return "Goodbye." }

// WrapPassiveListener tracks a passive data listener for Shutdown, and
// refuses new ones once Shutdown has begun.
//
// It also bounds the listeners nobody has connected to: at most two per
// allowed connection, the oldest closed first. A session normally has at
// most one (ftpserverlib closes it at the next PASV), but when the PASV
// reply fails after the listener is open (PASV over IPv6 without
// PublicHost: "invalid passive IP"), ftpserverlib drops the listener
// unclosed, and a client repeating PASV would use up the server's file
// descriptors.
func (d *Driver) WrapPassiveListener(l net.Listener) (net.Listener, error) {
	d.mu.Lock()
	if d.draining {
		d.mu.Unlock()
		return nil, errShuttingDown
	}
	d.seq++
	pl := &passiveListener{Listener: l, d: d, seq: d.seq, only: d.servedAddrs()}
	d.pending[pl] = struct{}{}
	var oldest *passiveListener
	if len(d.pending) > 2*d.opts.MaxConnections {
		for p := range d.pending {
			if oldest == nil || p.seq < oldest.seq {
				oldest = p
			}
		}
		delete(d.pending, oldest)
	}
	d.mu.Unlock()
	if oldest != nil {
		_ = oldest.Listener.Close()
	}
	return pl, nil
}

// servedAddrs returns the IP address the control listener is bound to and
// Options.PublicHost's, or none if the listener takes every address (or
// is not known). ftpserverlib opens passive data listeners on every
// address, so data connections that reach another address are refused
// (see passiveListener.Accept).
func (d *Driver) servedAddrs() []netip.Addr {
	d.lmu.Lock()
	defer d.lmu.Unlock()
	if d.listener == nil {
		return nil
	}
	ip := addrPort(d.listener.Addr()).Addr()
	if !ip.IsValid() || ip.IsUnspecified() {
		return nil
	}
	served := []netip.Addr{ip}
	if pub, err := netip.ParseAddr(d.opts.PublicHost); err == nil {
		served = append(served, pub.Unmap())
	}
	return served
}

// transferBegin counts a new in-flight transfer, or refuses it when
// draining.
func (d *Driver) transferBegin() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.draining {
		return false
	}
	d.inflight++
	return true
}

func (d *Driver) transferEnd() {
	d.mu.Lock()
	d.inflight--
	d.mu.Unlock()
}

// passiveAccepted turns a pending listener into an in-flight transfer, or
// reports false when Shutdown closed it meanwhile.
func (d *Driver) passiveAccepted(l *passiveListener) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.pending[l]; !ok {
		return false
	}
	delete(d.pending, l)
	d.inflight++
	return true
}

func (d *Driver) passiveDone(l *passiveListener) {
	d.mu.Lock()
	delete(d.pending, l)
	d.mu.Unlock()
}

// addrPort converts a connection's address for the mind, unmapping IPv4 in
// IPv6; the zero value when it is not an IP address.
func addrPort(a net.Addr) netip.AddrPort {
	var ap netip.AddrPort
	switch t := a.(type) {
	case nil:
		return ap
	case *net.TCPAddr:
		ap = t.AddrPort()
	default:
		ap, _ = netip.ParseAddrPort(a.String())
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// isLoopback reports whether a listens on loopback only.
func isLoopback(a net.Addr) bool {
	ap := addrPort(a)
	return ap.IsValid() && ap.Addr().IsLoopback()
}

var (
	_ ftpserver.MainDriver                         = (*Driver)(nil)
	_ ftpserver.MainDriverExtensionPostAuthMessage = (*Driver)(nil)
	_ ftpserver.MainDriverExtensionQuitMessage     = (*Driver)(nil)
	_ ftpserver.MainDriverExtensionPassiveWrapper  = (*Driver)(nil)
)

// validUserName reports whether user is UTF-8 text without control
// characters.
func validUserName(user string) bool {
	if !utf8.ValidString(user) {
		return false
	}
	for _, r := range user {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}
