package ftpauth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// lookClient finds a real FTP client. In CI a missing one fails the test;
// elsewhere it skips, loudly.
func lookClient(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not installed, and CI is set: install it (apt-get install %s)", name, name)
	}
	t.Skipf("!!! SKIPPING: %s is not installed, so interoperability with it is NOT tested. Install it (apt-get install %s) to run this test.", name, name)
	return ""
}

// run runs a client with a timeout and returns its standard output.
func run(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := exec.CommandContext(ctx, name, args...)
	c.Env = append(os.Environ(), "HOME="+t.TempDir()) // no user rc files
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	err := c.Run()
	if err != nil {
		err = fmt.Errorf("%s: %w; stderr: %s", name, err, stderr.String())
	}
	return stdout.String(), err
}

// netrc writes a netrc file so passwords stay off the command line.
func netrc(t *testing.T, user, pass string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "netrc")
	writeFile(t, p, fmt.Sprintf("machine 127.0.0.1 login %s password %s\n", user, pass))
	return p
}

func hostPort(t *testing.T, addr string) (string, string) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return h, p
}

func TestInteropWithCurl(t *testing.T) {
	curl := lookClient(t, "curl")
	cert := newTestCert(t)
	certFile, _ := cert.files(t)
	base := []string{"--silent", "--show-error", "--max-time", "20"}

	tests := []struct {
		name string
		opts Options
		tls  []string // extra curl flags
	}{
		{"over plain FTP", Options{}, nil},
		{"over FTPS with TLS required", Options{TLSConfig: cert.server, RequireTLS: true}, []string{"--ssl-reqd", "--cacert", certFile}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, fixtureConfig{opts: tt.opts})
			url := "ftp://" + f.addr + "/"
			creds := []string{"--netrc-file", netrc(t, "alice", testUsers["alice"])}
			args := append(append(base, tt.tls...), creds...)

			t.Run("curl retrieves a file", func(t *testing.T) {
				out, err := run(t, curl, append(args, url+"hello.txt")...)
				if err != nil || out != "hello, world\n" {
					t.Errorf("curl RETR = %q, %v", out, err)
				}
			})
			t.Run("curl uploads a file with -T", func(t *testing.T) {
				local := filepath.Join(t.TempDir(), "from-curl.txt")
				writeFile(t, local, "uploaded by curl\n")
				if _, err := run(t, curl, append(args, "-T", local, url)...); err != nil {
					t.Fatalf("curl -T: %v", err)
				}
				b, err := os.ReadFile(filepath.Join(f.dir, "from-curl.txt"))
				if err != nil || string(b) != "uploaded by curl\n" {
					t.Errorf("the uploaded file holds %q, %v", b, err)
				}
			})
			t.Run("curl with a wrong password fails with login denied", func(t *testing.T) {
				wrong := append(append(base, tt.tls...), "--netrc-file", netrc(t, "alice", wrongPassword), url+"hello.txt")
				_, err := run(t, curl, wrong...)
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != 67 { // CURLE_LOGIN_DENIED
					t.Errorf("curl with a wrong password: %v, want exit status 67", err)
				}
			})
		})
	}

	t.Run("curl without credentials logs in anonymously and may not upload", func(t *testing.T) {
		f := newFixture(t, fixtureConfig{opts: Options{Anonymous: true}})
		url := "ftp://" + f.addr + "/"
		out, err := run(t, curl, append(base, url+"pub/readme.txt")...)
		if err != nil || out != "read me\n" {
			t.Errorf("anonymous curl RETR = %q, %v", out, err)
		}
		local := filepath.Join(t.TempDir(), "nope.txt")
		writeFile(t, local, "should not land\n")
		if _, err := run(t, curl, append(base, "-T", local, url)...); err == nil {
			t.Error("anonymous curl -T succeeded")
		}
		if _, err := os.Stat(filepath.Join(f.dir, "nope.txt")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the anonymous upload landed: %v", err)
		}
	})
}

func TestInteropWithLftp(t *testing.T) {
	lftp := lookClient(t, "lftp")
	cert := newTestCert(t)
	certFile, _ := cert.files(t)
	tests := []struct {
		name     string
		opts     Options
		settings string
	}{
		{"over plain FTP", Options{}, "set ftp:ssl-allow no;"},
		{
			"over FTPS with TLS required",
			Options{TLSConfig: cert.server, RequireTLS: true},
			"set ftp:ssl-force yes; set ftp:ssl-protect-data yes; set ssl:ca-file " + certFile + ";",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, fixtureConfig{opts: tt.opts})
			host, port := hostPort(t, f.addr)
			script := func(user, pass, commands string) string {
				return "set net:max-retries 1; set net:timeout 10; set cmd:fail-exit yes; " + tt.settings +
					fmt.Sprintf(" open -u %s,%s -p %s %s; %s", user, pass, port, host, commands)
			}

			t.Run("lftp logs in and lists", func(t *testing.T) {
				out, err := run(t, lftp, "-c", script("alice", testUsers["alice"], "ls"))
				if err != nil {
					t.Fatalf("lftp ls: %v", err)
				}
				if !strings.Contains(out, "hello.txt") || !strings.Contains(out, "pub") {
					t.Errorf("lftp ls = %q, want hello.txt and pub", out)
				}
			})
			t.Run("lftp retrieves a file", func(t *testing.T) {
				out, err := run(t, lftp, "-c", script("alice", testUsers["alice"], "cat pub/readme.txt"))
				if err != nil || out != "read me\n" {
					t.Errorf("lftp cat = %q, %v", out, err)
				}
			})
			t.Run("lftp with a wrong password fails", func(t *testing.T) {
				if _, err := run(t, lftp, "-c", script("alice", wrongPassword, "ls")); err == nil {
					t.Error("lftp with a wrong password succeeded")
				}
			})
		})
	}
}
