package ftpauth

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Defaults applied by NewDriver and NewServer to zero Options fields.
const (
	DefaultAddr           = "127.0.0.1:2121"
	DefaultBanner         = "gocred FTP server ready."
	DefaultIdleTimeout    = 5 * time.Minute
	DefaultLoginTimeout   = 30 * time.Second
	DefaultLoginWithin    = time.Minute
	DefaultMaxConnections = 100
	// DefaultMaxConnectionsPerAddr leaves room for clients that open
	// several connections for parallel transfers.
	DefaultMaxConnectionsPerAddr = 10
)

// DefaultAnonymousNames are the user names that log in anonymously when
// Options.Anonymous is on and Options.AnonymousNames is empty.
var DefaultAnonymousNames = []string{"anonymous", "ftp"}

// PortRange is an inclusive range of TCP ports for passive data connections.
// The zero value lets the operating system choose a free port each time.
type PortRange struct {
	Start, End int // first and last port, both included
}

// Options configure a Driver or a Server. The zero value is usable: it
// listens on DefaultAddr without TLS, anonymous logins off.
type Options struct {
	// Addr is the control connection's listen address (DefaultAddr when
	// empty). Server.Serve ignores it.
	Addr string

	// Anonymous turns anonymous FTP on: the AnonymousNames log in with
	// cred.AnonymousCredentials, whatever password they send, and get a
	// read-only tree. Whether they are let in is the portal's decision: it
	// must have a checker for cred.Anonymous (NewDriver checks).
	Anonymous bool
	// AnonymousNames are the user names treated as anonymous, compared
	// without regard to case (DefaultAnonymousNames when empty).
	AnonymousNames []string

	// TLSConfig enables explicit FTPS (AUTH TLS) with the given
	// certificates. It is cloned; MinVersion is raised to TLS 1.2.
	TLSConfig *tls.Config
	// CertFile and KeyFile name a PEM certificate and key to load for FTPS
	// instead of TLSConfig. Both or neither must be set.
	CertFile, KeyFile string
	// RequireTLS refuses USER before AUTH TLS, and data connections without
	// PROT P, so no password or file travels in clear.
	RequireTLS bool

	// PassivePorts bounds the ports used for passive data connections
	// (useful behind a firewall); the zero value lets the OS choose.
	PassivePorts PortRange
	// PublicHost is the IPv4 address announced in PASV replies when the
	// server sits behind NAT; empty means the control connection's address.
	PublicHost string

	// IdleTimeout closes a control connection that sends no command for
	// this long (DefaultIdleTimeout when zero; rounded up to a second). It
	// also bounds how long a session's logout waits, after the client has
	// left, for a transfer still running to close its file.
	IdleTimeout time.Duration
	// LoginTimeout bounds one USER/PASS check through the portal, including
	// any throttle delay (DefaultLoginTimeout when zero).
	LoginTimeout time.Duration
	// LoginWithin closes a control connection that has not logged in this
	// long after it opened, whatever it sends meanwhile (NOOP every
	// minute held a slot for ever): DefaultLoginWithin when zero.
	LoginWithin time.Duration
	// MaxConnections caps simultaneous control connections; more are
	// answered "421" and closed (DefaultMaxConnections when zero).
	MaxConnections int
	// MaxConnectionsPerAddr caps them per client IP address (an IPv6
	// address by its /64, which one host usually has whole), so that one
	// client, logged in or not, cannot hold every slot
	// (DefaultMaxConnectionsPerAddr when zero).
	MaxConnectionsPerAddr int
	// Banner is the greeting sent on connect (DefaultBanner when empty).
	Banner string

	// Logger receives the server's log; slog.Default() when nil. Passwords
	// are never logged.
	Logger *slog.Logger
}

// withDefaults returns a copy of o with defaults filled in, or an error
// naming the field that is invalid.
func (o Options) withDefaults() (Options, error) {
	if o.Addr == "" {
		o.Addr = DefaultAddr
	}
	if o.Banner == "" {
		o.Banner = DefaultBanner
	}
	if strings.ContainsAny(o.Banner, "\r\n") {
		return o, errors.New("ftpauth: Options.Banner must be one line")
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.IdleTimeout < 0 {
		return o, fmt.Errorf("ftpauth: Options.IdleTimeout is negative (%v)", o.IdleTimeout)
	}
	if o.LoginTimeout == 0 {
		o.LoginTimeout = DefaultLoginTimeout
	}
	if o.LoginTimeout < 0 {
		return o, fmt.Errorf("ftpauth: Options.LoginTimeout is negative (%v)", o.LoginTimeout)
	}
	if o.LoginWithin == 0 {
		o.LoginWithin = DefaultLoginWithin
	}
	if o.LoginWithin < 0 {
		return o, fmt.Errorf("ftpauth: Options.LoginWithin is negative (%v)", o.LoginWithin)
	}
	if o.MaxConnections == 0 {
		o.MaxConnections = DefaultMaxConnections
	}
	if o.MaxConnections < 0 {
		return o, fmt.Errorf("ftpauth: Options.MaxConnections is negative (%d)", o.MaxConnections)
	}
	if o.MaxConnectionsPerAddr == 0 {
		o.MaxConnectionsPerAddr = DefaultMaxConnectionsPerAddr
	}
	if o.MaxConnectionsPerAddr < 0 {
		return o, fmt.Errorf("ftpauth: Options.MaxConnectionsPerAddr is negative (%d)", o.MaxConnectionsPerAddr)
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if p := o.PassivePorts; p != (PortRange{}) {
		if p.Start < 1 || p.End > 65535 || p.Start > p.End {
			return o, fmt.Errorf("ftpauth: Options.PassivePorts %d-%d is not a range of ports within 1-65535", p.Start, p.End)
		}
	}
	if o.Anonymous {
		if len(o.AnonymousNames) == 0 {
			o.AnonymousNames = DefaultAnonymousNames
		}
		for _, n := range o.AnonymousNames {
			if n == "" {
				return o, errors.New("ftpauth: Options.AnonymousNames holds an empty name")
			}
		}
	}
	if (o.CertFile == "") != (o.KeyFile == "") {
		return o, errors.New("ftpauth: Options.CertFile and Options.KeyFile must be set together")
	}
	if o.CertFile != "" && o.TLSConfig != nil {
		return o, errors.New("ftpauth: set Options.TLSConfig or Options.CertFile/KeyFile, not both")
	}
	return o, nil
}

// tlsConfig builds the server's TLS configuration from o, or returns nil
// when FTPS is not configured.
func (o Options) tlsConfig() (*tls.Config, error) {
	var cfg *tls.Config
	switch {
	case o.TLSConfig != nil:
		cfg = o.TLSConfig.Clone()
		if len(cfg.Certificates) == 0 && cfg.GetCertificate == nil && cfg.GetConfigForClient == nil {
			return nil, errors.New("ftpauth: Options.TLSConfig has no certificate (set Certificates or GetCertificate)")
		}
	case o.CertFile != "":
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("ftpauth: loading Options.CertFile/KeyFile: %w", err)
		}
		cfg = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	if cfg == nil {
		if o.RequireTLS {
			return nil, errors.New("ftpauth: Options.RequireTLS needs a certificate (Options.TLSConfig or Options.CertFile/KeyFile)")
		}
		return nil, nil
	}
	if cfg.MinVersion < tls.VersionTLS12 {
		cfg.MinVersion = tls.VersionTLS12
	}
	return cfg, nil
}

// isAnonymousName reports whether user is one of the configured anonymous
// names. It only chooses which credentials to present; the portal decides.
func (o Options) isAnonymousName(user string) bool {
	if !o.Anonymous {
		return false
	}
	for _, n := range o.AnonymousNames {
		if strings.EqualFold(n, user) {
			return true
		}
	}
	return false
}
