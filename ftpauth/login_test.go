package ftpauth

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	gocheckers "github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/cred"
)

func TestAKnownUserWorksWithFiles(t *testing.T) {
	f := newFixture(t, fixtureConfig{})
	c := f.login("alice", testUsers["alice"])

	entries, err := c.List("/")
	if err != nil {
		t.Fatalf("LIST: %v", err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name)
	}
	if got := strings.Join(names, ","); !strings.Contains(got, "hello.txt") || !strings.Contains(got, "pub") {
		t.Errorf("LIST / = %v, want hello.txt and pub", names)
	}

	if got := readAll(t, c, "hello.txt"); got != "hello, world\n" {
		t.Errorf("RETR hello.txt = %q", got)
	}

	if err := c.Stor("upload.txt", strings.NewReader("uploaded by alice\n")); err != nil {
		t.Fatalf("STOR: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(f.dir, "upload.txt")); err != nil || string(b) != "uploaded by alice\n" {
		t.Errorf("after STOR the file on disk is %q, %v", b, err)
	}
	if fi, err := os.Stat(filepath.Join(f.dir, "upload.txt")); err != nil || fi.Mode().Perm()&0o133 != 0 {
		t.Errorf("an uploaded file is executable or writable by others: %v, %v", fi.Mode(), err)
	}

	if err := c.MakeDir("new"); err != nil {
		t.Errorf("MKD: %v", err)
	}
	if err := c.Rename("upload.txt", "new/moved.txt"); err != nil {
		t.Errorf("RNFR/RNTO: %v", err)
	}
	if err := c.Delete("new/moved.txt"); err != nil {
		t.Fatalf("DELE: %v", err)
	}
	if _, err := os.Stat(filepath.Join(f.dir, "new", "moved.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after DELE the file is still there: %v", err)
	}
	if err := c.RemoveDir("new"); err != nil {
		t.Errorf("RMD: %v", err)
	}

	minds := f.seenMinds()
	if len(minds) != 1 {
		t.Fatalf("realm saw %d logins, want 1", len(minds))
	}
	if m := minds[0]; m.Protocol != "ftp" || !isLoopbackMind(m) || m.TLS {
		t.Errorf("mind = %+v, want protocol ftp, a 127.0.0.1 address, no TLS", m)
	}
}

func TestRefusedLogins(t *testing.T) {
	tests := []struct {
		name, user, pass string
	}{
		{"a wrong password is answered 530 Login incorrect", "alice", wrongPassword},
		{"an unknown user is answered exactly like a wrong password", "mallory", wrongPassword},
		{"a user's password does not open another user's account", "bob", testUsers["alice"]},
	}
	f := newFixture(t, fixtureConfig{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := f.raw()
			if code, _ := cmd(t, c, "USER %s", tt.user); code != 331 {
				t.Fatalf("USER: %d, want 331", code)
			}
			code, msg := cmd(t, c, "PASS %s", tt.pass)
			if code != 530 || msg != "Login incorrect." {
				t.Errorf("PASS: %d %q, want 530 \"Login incorrect.\"", code, msg)
			}
			assertClosed(t, c)
		})
	}

	t.Run("a good login on a new connection works after a refusal", func(t *testing.T) {
		c := f.dial()
		err := c.Login("alice", wrongPassword)
		if ftpCode(err) != 530 {
			t.Fatalf("wrong password: %v, want a 530", err)
		}
		c2 := f.login("alice", testUsers["alice"])
		if got := readAll(t, c2, "hello.txt"); got != "hello, world\n" {
			t.Errorf("RETR after the good login = %q", got)
		}
	})
}

func TestPassWithoutUserIsRefusedBeforeThePortal(t *testing.T) {
	f := newFixture(t, fixtureConfig{})
	c := f.raw()
	code, msg := cmd(t, c, "PASS %s", testUsers["alice"])
	if code != 530 || !strings.HasPrefix(msg, "Login incorrect") {
		t.Errorf("PASS without USER: %d %q, want 530 Login incorrect", code, msg)
	}
	assertClosed(t, c)
	if n := f.attempts.Load(); n != 0 {
		t.Errorf("%d logins reached the portal, want 0", n)
	}
}

// errStoreDown stands for a store failure; its text is internal detail.
var errStoreDown = errors.New("redis: dial tcp 10.9.8.7:6379: connection refused")

func TestLoginOutcomesReachTheClientAsGenericReplies(t *testing.T) {
	tests := []struct {
		name      string
		checker   func(context.Context, cred.Credentials, cred.Mind) (cred.AvatarID, error)
		deny      bool // the realm refuses alice
		wantReply string
		wantLog   string // must appear in the server log
	}{
		{
			name:      "a refusal says Login incorrect",
			checker:   refuse(cred.ErrUnauthorizedLogin),
			wantReply: "Login incorrect.",
		},
		{
			name:      "a lockout says to try again later",
			checker:   refuse(&cred.ThrottledError{RetryAfter: time.Minute}),
			wantReply: "Too many failed logins; try again later.",
		},
		{
			name:      "a realm refusal says not allowed",
			checker:   accept,
			deny:      true,
			wantReply: "Login not allowed for this account.",
		},
		{
			name:      "a store failure says service unavailable and is logged in full",
			checker:   refuse(fmt.Errorf("lookup alice: %w", errStoreDown)),
			wantReply: "Service temporarily unavailable.",
			wantLog:   "10.9.8.7:6379",
		},
		{
			name: "a store that outlives the login timeout says service unavailable",
			checker: func(ctx context.Context, _ cred.Credentials, _ cred.Mind) (cred.AvatarID, error) {
				<-ctx.Done()
				return cred.AvatarID{}, ctx.Err()
			},
			wantReply: "Service temporarily unavailable.",
			wantLog:   "outcome=canceled",
		},
		{
			name: "a panicking checker says service unavailable and the server lives on",
			checker: func(context.Context, cred.Credentials, cred.Mind) (cred.AvatarID, error) {
				panic("checker bug")
			},
			wantReply: "Service temporarily unavailable.",
			wantLog:   "checker bug",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := fixtureConfig{
				checkers: []cred.Checker{cred.NewCheckerFunc(tt.checker, cred.UsernamePasswordType)},
				opts:     Options{LoginTimeout: 200 * time.Millisecond},
			}
			cfg.dirOpts.Deny = func(cred.AvatarID) bool { return tt.deny }
			f := newFixture(t, cfg)
			c := f.raw()
			cmd(t, c, "USER alice")
			code, msg := cmd(t, c, "PASS %s", testUsers["alice"])
			if code != 530 || msg != tt.wantReply {
				t.Errorf("PASS: %d %q, want 530 %q", code, msg, tt.wantReply)
			}
			if strings.Contains(msg, "10.9.8.7") || strings.Contains(msg, "cred:") {
				t.Errorf("the reply leaks internal detail: %q", msg)
			}
			assertClosed(t, c)
			if tt.wantLog != "" && !strings.Contains(f.log.String(), tt.wantLog) {
				t.Errorf("the log lacks %q:\n%s", tt.wantLog, f.log.String())
			}
			// The server still serves after whatever happened.
			c2 := f.raw()
			if code, _ := cmd(t, c2, "NOOP"); code != 200 {
				t.Errorf("NOOP after the refusal: %d, want 200", code)
			}
		})
	}
}

func refuse(err error) func(context.Context, cred.Credentials, cred.Mind) (cred.AvatarID, error) {
	return func(context.Context, cred.Credentials, cred.Mind) (cred.AvatarID, error) { return cred.AvatarID{}, err }
}

func accept(_ context.Context, c cred.Credentials, _ cred.Mind) (cred.AvatarID, error) {
	return cred.UserID(c.(cred.UsernamePassword).Username()), nil
}

func TestNewDriverRefusesBadConfiguration(t *testing.T) {
	realm := cred.RealmFunc(func(context.Context, cred.AvatarID, cred.Mind, ...reflect.Type) (reflect.Type, any, func(), error) {
		return nil, nil, nil, errors.New("unused")
	})
	mustPortal := func(cs ...cred.Checker) *cred.Portal {
		p, err := cred.NewPortal(realm, cs...)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	digestOnly := cred.NewCheckerFunc(refuse(cred.ErrUnauthorizedLogin), cred.UsernameDigestHashType)
	passwords := gocheckers.NewInsecurePlaintext(testUsers)
	cert := newTestCert(t)

	tests := []struct {
		name   string
		portal *cred.Portal
		opts   Options
		want   []string // substrings of the error
	}{
		{"a nil portal is refused", nil, Options{}, []string{"portal is nil"}},
		{
			"a portal without a password checker is refused, naming the credential type",
			mustPortal(digestOnly), Options{},
			[]string{"*cred.PasswordCredentials", "cred.UsernamePassword", "UsernameDigestHash"},
		},
		{
			"anonymous on without an anonymous checker is refused",
			mustPortal(passwords), Options{Anonymous: true},
			[]string{"Options.Anonymous", "cred.AnonymousCredentials"},
		},
		{"RequireTLS without a certificate is refused", mustPortal(passwords), Options{RequireTLS: true}, []string{"Options.RequireTLS"}},
		{"a certificate file without its key is refused", mustPortal(passwords), Options{CertFile: "cert.pem"}, []string{"Options.KeyFile"}},
		{
			"a missing certificate file is refused",
			mustPortal(passwords), Options{CertFile: "/nonexistent/cert.pem", KeyFile: "/nonexistent/key.pem"},
			[]string{"Options.CertFile"},
		},
		{"a TLS config without a certificate is refused", mustPortal(passwords), Options{TLSConfig: &tls.Config{}}, []string{"Options.TLSConfig"}},
		{"a TLS config and certificate files together are refused", mustPortal(passwords), Options{TLSConfig: cert.server, CertFile: "c", KeyFile: "k"}, []string{"not both"}},
		{"an inverted passive port range is refused", mustPortal(passwords), Options{PassivePorts: PortRange{Start: 3000, End: 2000}}, []string{"Options.PassivePorts"}},
		{"a negative connection cap is refused", mustPortal(passwords), Options{MaxConnections: -1}, []string{"Options.MaxConnections"}},
		{"a negative per-address connection cap is refused", mustPortal(passwords), Options{MaxConnectionsPerAddr: -1}, []string{"Options.MaxConnectionsPerAddr"}},
		{"a two-line banner is refused", mustPortal(passwords), Options{Banner: "hi\r\n230 fake"}, []string{"Options.Banner"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewDriver(tt.portal, tt.opts)
			if err == nil {
				t.Fatal("NewDriver succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}

	t.Run("a portal with a password checker is accepted", func(t *testing.T) {
		if _, err := NewDriver(mustPortal(passwords), Options{}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestLoginErrorUnwrapsToThePortalsError(t *testing.T) {
	le := newLoginError(fmt.Errorf("wrapped: %w", errStoreDown))
	if !errors.Is(le, errStoreDown) || le.Outcome != cred.OutcomeError {
		t.Errorf("LoginError %+v does not unwrap to the store error", le)
	}
	if strings.Contains(le.Error(), "10.9.8.7") {
		t.Errorf("LoginError text leaks detail: %q", le.Error())
	}
}

// A relative link moved shallower would point above the root (docs/latest
// -> ../hello.txt names the root's hello.txt; as latest, the file above
// the root): over FTP, RNFR/RNTO of a link is refused with a 550, so
// neither RETR nor STOR can reach outside through it.
func TestFTPRenameOfALinkIsRefused(t *testing.T) {
	f := newFixture(t, fixtureConfig{})
	outside := filepath.Join(filepath.Dir(f.dir), "hello.txt")
	writeFile(t, outside, "OUTSIDE THE ROOT\n")
	if err := os.Mkdir(filepath.Join(f.dir, "docs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../hello.txt", filepath.Join(f.dir, "docs", "latest")); err != nil {
		t.Fatal(err)
	}
	c := f.login("alice", testUsers["alice"])
	if got := readAll(t, c, "docs/latest"); got != "hello, world\n" {
		t.Fatalf("RETR docs/latest: %q", got)
	}
	for _, mv := range [][2]string{{"docs/latest", "latest"}, {"docs", "moved-docs"}} {
		err := c.Rename(mv[0], mv[1])
		if err == nil || !strings.HasPrefix(err.Error(), "550") || strings.Contains(err.Error(), f.dir) {
			t.Errorf("RNFR %s / RNTO %s: %v, want a 550 without the real path", mv[0], mv[1], err)
		}
	}
	if err := c.Stor("latest", strings.NewReader("PWNED\n")); err != nil {
		t.Fatalf("STOR latest (a new file in the root): %v", err)
	}
	if b, _ := os.ReadFile(outside); string(b) != "OUTSIDE THE ROOT\n" {
		t.Errorf("the file above the root changed: %q", b)
	}
	if got := readAll(t, c, "docs/latest"); got != "hello, world\n" {
		t.Errorf("RETR docs/latest after: %q", got)
	}
}
