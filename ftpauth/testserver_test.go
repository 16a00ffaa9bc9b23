package ftpauth

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"log/slog"
	"math/big"
	"net"
	"net/netip"
	"net/textproto"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"
	"github.com/spf13/afero"

	gocheckers "github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/cred"
	"github.com/gocred/gocred/realms"
)

// The test users. Every password is checked against the server's log when
// a test ends: none may ever appear there.
var testUsers = map[string]string{
	"alice": "wonderland-7Q",
	"bob":   "builder-3Z",
}

const wrongPassword = "not-the-password-9X"

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fixture is a real Server on 127.0.0.1 over a directory on disk, with a
// realm that counts logins and logouts and remembers the minds it saw.
type fixture struct {
	t       testing.TB
	srv     *Server
	addr    string
	dir     string // the served root on disk
	log     *syncBuffer
	served  chan error
	stopped sync.Once

	portal *cred.Portal
	// attempts counts logins that reached the portal, whatever the outcome.
	attempts        atomic.Int64
	logins, logouts atomic.Int64
	mu              sync.Mutex
	minds           []cred.Mind
}

type fixtureConfig struct {
	opts     Options
	checkers []cred.Checker
	dirOpts  realms.DirectoryOptions
	// realm, when set, replaces the directory realm (still counted).
	realm cred.Realm
	// quiet discards the log, for benchmarks.
	quiet bool
	// listen is the address to serve on; 127.0.0.1:0 when empty.
	listen string
}

// newFixture starts a server; with no checkers it uses the real in-memory
// checker over testUsers (and the anonymous checker when opts.Anonymous is
// on).
func newFixture(t testing.TB, cfg fixtureConfig) *fixture {
	t.Helper()
	f := &fixture{t: t, dir: t.TempDir(), log: &syncBuffer{}, served: make(chan error, 1)}
	writeFile(t, filepath.Join(f.dir, "hello.txt"), "hello, world\n")
	if err := os.Mkdir(filepath.Join(f.dir, "pub"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(f.dir, "pub", "readme.txt"), "read me\n")

	inner := cfg.realm
	if inner == nil {
		if cfg.opts.Anonymous && cfg.dirOpts.Anonymous == realms.AnonymousDenied {
			cfg.dirOpts.Anonymous = realms.AnonymousReadOnly
		}
		dir, err := realms.NewDirectory(afero.NewBasePathFs(afero.NewOsFs(), f.dir), cfg.dirOpts)
		if err != nil {
			t.Fatal(err)
		}
		inner = dir
	}
	realm := cred.RealmFunc(func(ctx context.Context, id cred.AvatarID, mind cred.Mind, ifaces ...reflect.Type) (reflect.Type, any, func(), error) {
		it, avatar, logout, err := inner.RequestAvatar(ctx, id, mind, ifaces...)
		if err != nil {
			return nil, nil, nil, err
		}
		f.logins.Add(1)
		f.mu.Lock()
		f.minds = append(f.minds, mind)
		f.mu.Unlock()
		return it, avatar, func() {
			f.logouts.Add(1)
			if logout != nil {
				logout()
			}
		}, nil
	})
	checkers := cfg.checkers
	if len(checkers) == 0 {
		checkers = []cred.Checker{gocheckers.NewInsecurePlaintext(testUsers)}
		if cfg.opts.Anonymous {
			checkers = append(checkers, gocheckers.NewAnonymous())
		}
	}
	portal, err := cred.NewPortal(realm, checkers...)
	if err != nil {
		t.Fatal(err)
	}
	f.portal = portal
	logger := slog.New(slog.NewTextHandler(f.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if cfg.quiet {
		logger = slog.New(slog.DiscardHandler)
	}
	audit := cred.SlogObserver(logger)
	portal.SetObserver(cred.ObserverFunc(func(ctx context.Context, ev cred.LoginEvent) {
		f.attempts.Add(1)
		audit.ObserveLogin(ctx, ev)
	}))
	opts := cfg.opts
	if opts.Logger == nil {
		opts.Logger = logger
	}
	f.srv, err = NewServer(portal, opts)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.listen == "" {
		cfg.listen = "127.0.0.1:0"
	}
	l, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		t.Fatal(err)
	}
	f.addr = l.Addr().String()
	go func() { f.served <- f.srv.Serve(l) }()
	t.Cleanup(f.stop)
	return f
}

// stop shuts the server down, once, and checks that it said nothing
// secret.
func (f *fixture) stop() { f.stopped.Do(f.shutdown) }

func (f *fixture) shutdown() {
	t := f.t
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.srv.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	select {
	case err := <-f.served:
		if !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	case <-ctx.Done():
		t.Error("Serve did not return after Shutdown")
	}
	f.assertNoSecretsLogged()
}

func (f *fixture) assertNoSecretsLogged() {
	logs := strings.ToLower(f.log.String()) // the server upper-cases unknown commands
	for user, pass := range testUsers {
		if strings.Contains(logs, strings.ToLower(pass)) {
			f.t.Errorf("the log holds %s's password:\n%s", user, logs)
		}
	}
	if strings.Contains(logs, strings.ToLower(wrongPassword)) {
		f.t.Errorf("the log holds a tried password:\n%s", logs)
	}
}

func (f *fixture) seenMinds() []cred.Mind {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]cred.Mind(nil), f.minds...)
}

// waitLogouts waits until n logouts ran (ClientDisconnected runs after the
// client's side of the connection is already gone).
func (f *fixture) waitLogouts(n int64) {
	f.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for f.logouts.Load() < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := f.logouts.Load(); got != n {
		f.t.Fatalf("logouts = %d, want %d", got, n)
	}
}

// dial connects the jlaffaye/ftp client without logging in.
func (f *fixture) dial(opts ...ftp.DialOption) *ftp.ServerConn {
	f.t.Helper()
	c, err := ftp.Dial(f.addr, append([]ftp.DialOption{ftp.DialWithTimeout(5 * time.Second)}, opts...)...)
	if err != nil {
		f.t.Fatalf("dial %s: %v", f.addr, err)
	}
	f.t.Cleanup(func() { _ = c.Quit() })
	return c
}

// login dials and logs in, failing the test on error.
func (f *fixture) login(user, pass string, opts ...ftp.DialOption) *ftp.ServerConn {
	f.t.Helper()
	c := f.dial(opts...)
	if err := c.Login(user, pass); err != nil {
		f.t.Fatalf("login as %s: %v", user, err)
	}
	return c
}

// raw opens a bare control connection and reads the greeting.
func (f *fixture) raw() *textproto.Conn {
	f.t.Helper()
	return dialRaw(f.t, f.addr)
}

// dialRaw opens a bare control connection to addr and reads the greeting.
func dialRaw(t testing.TB, addr string) *textproto.Conn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	c := textproto.NewConn(nc)
	t.Cleanup(func() { _ = c.Close() })
	if _, _, err := c.ReadResponse(220); err != nil {
		t.Fatalf("greeting: %v", err)
	}
	return c
}

// cmd sends one command on a raw connection and returns its reply.
func cmd(t testing.TB, c *textproto.Conn, format string, args ...any) (int, string) {
	t.Helper()
	id, err := c.Cmd(format, args...)
	if err != nil {
		t.Fatalf("send %q: %v", format, err)
	}
	c.StartResponse(id)
	defer c.EndResponse(id)
	code, msg, err := c.ReadResponse(0)
	if err != nil && code == 0 {
		t.Fatalf("reply to %q: %v", format, err)
	}
	return code, msg
}

// assertClosed checks that the server closed a raw connection.
func assertClosed(t testing.TB, c *textproto.Conn) {
	t.Helper()
	if line, err := c.ReadLine(); err == nil {
		t.Errorf("connection still open; read %q", line)
	}
}

// ftpCode returns the reply code of a jlaffaye/ftp error, 0 if none.
func ftpCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

func writeFile(t testing.TB, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readAll(t testing.TB, c *ftp.ServerConn, name string) string {
	t.Helper()
	r, err := c.Retr(name)
	if err != nil {
		t.Fatalf("RETR %s: %v", name, err)
	}
	defer r.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(r); err != nil {
		t.Fatalf("RETR %s: %v", name, err)
	}
	return b.String()
}

// testCert is a self-signed certificate for 127.0.0.1, generated once.
type testCert struct {
	server  *tls.Config // for Options.TLSConfig
	client  *tls.Config // trusts only this certificate
	certPEM []byte
	keyPEM  []byte
}

// files writes the certificate and key as PEM files for one test.
func (c *testCert) files(t testing.TB) (certFile, keyFile string) {
	t.Helper()
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeFile(t, certFile, string(c.certPEM))
	writeFile(t, keyFile, string(c.keyPEM))
	return certFile, keyFile
}

var (
	certOnce sync.Once
	certVal  *testCert
	certErr  error
)

func newTestCert(t testing.TB) *testCert {
	t.Helper()
	certOnce.Do(func() { certVal, certErr = generateCert() })
	if certErr != nil {
		t.Fatal(certErr)
	}
	return certVal
}

func generateCert() (*testCert, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "gocred ftpauth test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return &testCert{
		server:  &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}}},
		client:  &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12},
		certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyPEM:  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
	}, nil
}

// isLoopbackMind reports whether the mind holds the tests' client address.
func isLoopbackMind(m cred.Mind) bool {
	return m.RemoteAddr.IsValid() && m.RemoteAddr.Addr() == netip.MustParseAddr("127.0.0.1")
}
