package ftpauth

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/jlaffaye/ftp"

	gocheckers "github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/cred"
)

func TestExplicitTLS(t *testing.T) {
	cert := newTestCert(t)
	certFile, keyFile := cert.files(t)
	tests := []struct {
		name string
		opts Options
	}{
		{"a login over AUTH TLS works with a tls.Config", Options{TLSConfig: cert.server}},
		{"a login over AUTH TLS works with certificate files", Options{CertFile: certFile, KeyFile: keyFile}},
		{"a login over AUTH TLS works when TLS is required", Options{TLSConfig: cert.server, RequireTLS: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, fixtureConfig{opts: tt.opts})
			c := f.login("alice", testUsers["alice"], ftp.DialWithExplicitTLS(cert.client))
			if got := readAll(t, c, "hello.txt"); got != "hello, world\n" {
				t.Errorf("RETR over TLS = %q", got)
			}
			if err := c.Stor("secret.txt", strings.NewReader("sent encrypted\n")); err != nil {
				t.Errorf("STOR over TLS: %v", err)
			}
			if _, err := c.List("/"); err != nil {
				t.Errorf("LIST over TLS: %v", err)
			}
			minds := f.seenMinds()
			if len(minds) != 1 || !minds[0].TLS {
				t.Errorf("minds = %+v, want one with TLS", minds)
			}
		})
	}
}

func TestRequireTLSRefusesAPlainLogin(t *testing.T) {
	cert := newTestCert(t)
	f := newFixture(t, fixtureConfig{opts: Options{TLSConfig: cert.server, RequireTLS: true}})
	c := f.raw()
	code, msg := cmd(t, c, "USER alice")
	if code != 421 || !strings.Contains(msg, "TLS is required") {
		t.Errorf("USER in clear: %d %q, want 421 TLS is required", code, msg)
	}
	assertClosed(t, c)
	if n := f.attempts.Load(); n != 0 {
		t.Errorf("%d logins reached the portal, want 0: the password must not even be asked for", n)
	}
}

func TestWithoutACertificateTLSIsNotOffered(t *testing.T) {
	f := newFixture(t, fixtureConfig{})
	c := f.raw()
	if code, msg := cmd(t, c, "FEAT"); code != 211 || strings.Contains(msg, "AUTH TLS") {
		t.Errorf("FEAT: %d %q, want 211 without AUTH TLS", code, msg)
	}
	if code, _ := cmd(t, c, "AUTH TLS"); code != 550 {
		t.Errorf("AUTH TLS: %d, want 550", code)
	}
}

func TestCleartextOnANonLoopbackAddressIsWarnedAbout(t *testing.T) {
	cert := newTestCert(t)
	tests := []struct {
		name string
		addr string
		tls  bool
		warn bool
	}{
		{"a loopback address without TLS is not warned about", "127.0.0.1:0", false, false},
		{"all interfaces without TLS are warned about", "0.0.0.0:0", false, true},
		{"all interfaces with TLS are not warned about", "0.0.0.0:0", true, false},
	}
	portal, err := cred.NewPortal(cred.RealmFunc(nil), gocheckers.NewInsecurePlaintext(testUsers))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs syncBuffer
			opts := Options{Addr: tt.addr, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
			if tt.tls {
				opts.TLSConfig = cert.server
			}
			d, err := NewDriver(portal, opts)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.GetSettings(); err != nil {
				t.Fatal(err)
			}
			defer d.Shutdown(context.Background())
			warned := strings.Contains(logs.String(), "passwords travel in clear")
			if warned != tt.warn {
				t.Errorf("warned = %v, want %v; log:\n%s", warned, tt.warn, logs.String())
			}
		})
	}
}
