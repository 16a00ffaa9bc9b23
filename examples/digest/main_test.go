package main

import (
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/gocred/gocred/examples/internal/exampletest"
)

var bin string // the example, built once by TestMain

func TestMain(m *testing.M) { os.Exit(exampletest.BuildAndRun(m, &bin)) }

var servingLine = regexp.MustCompile(`^Serving (http://\S+)/example/foo with Digest`)

// TestDigest runs the program as a user would and talks to it with curl.
func TestDigest(t *testing.T) {
	exampletest.Need(t, "curl")
	p := exampletest.Start(t, bin, "-addr", "127.0.0.1:0")
	base := p.WaitFor(servingLine)[1]
	url := base + "/example/foo"

	t.Run("every user logs in with Digest and gets the page echoing the path", func(t *testing.T) {
		for user, pass := range users {
			r := exampletest.Curl(t, "--digest", "-u", user+":"+pass, url)
			if r.Status != "200" {
				t.Fatalf("%s: status %s, want 200; %s", user, r.Status, r.Stderr)
			}
			if want := `Hello, ` + user + `. You asked for "foo".`; strings.TrimSpace(r.Body) != want {
				t.Errorf("%s: body %q, want %q", user, r.Body, want)
			}
		}
	})

	t.Run("the password never crosses the wire with Digest", func(t *testing.T) {
		r := exampletest.Curl(t, "-v", "--digest", "-u", "alice:wonderland", url)
		sent := regexp.MustCompile(`(?m)^> Authorization: (.*)$`).FindStringSubmatch(r.Stderr)
		if r.Status != "200" || sent == nil {
			t.Fatalf("status %s, Authorization header %q", r.Status, sent)
		}
		if !strings.HasPrefix(sent[1], "Digest ") || strings.Contains(sent[1], "wonderland") {
			t.Errorf("curl sent %q", sent[1])
		}
	})

	t.Run("the same checker serves Basic too", func(t *testing.T) {
		if r := exampletest.Curl(t, "--basic", "-u", "bob:builder", url); r.Status != "200" {
			t.Errorf("status %s, want 200", r.Status)
		}
	})

	t.Run("a wrong password gets 401 with both Digest and Basic challenges", func(t *testing.T) {
		r := exampletest.Curl(t, "-D", "-", "-o", "/dev/null", "--digest", "-u", "alice:rabbit-hole", url)
		if r.Status != "401" {
			t.Fatalf("status %s, want 401", r.Status)
		}
		for _, re := range []string{`(?mi)^WWW-Authenticate: Digest realm="example".*algorithm=SHA-256`,
			`(?mi)^WWW-Authenticate: Digest realm="example".*algorithm=MD5`,
			`(?mi)^WWW-Authenticate: Basic realm="example"`} {
			if !regexp.MustCompile(re).MatchString(r.Body) {
				t.Errorf("no header matching %s in:\n%s", re, r.Body)
			}
		}
		if r := exampletest.Curl(t, "--basic", "-u", "alice:rabbit-hole", url); r.Status != "401" {
			t.Errorf("Basic: status %s, want 401", r.Status)
		}
	})

	t.Run("a captured Digest header cannot be replayed", func(t *testing.T) {
		r := exampletest.Curl(t, "-v", "--digest", "-u", "carol:christmas", url)
		sent := regexp.MustCompile(`(?m)^> (Authorization: Digest .*?)\r?$`).FindStringSubmatch(r.Stderr)
		if r.Status != "200" || sent == nil {
			t.Fatalf("status %s, no Digest header sent:\n%s", r.Status, r.Stderr)
		}
		if again := exampletest.Curl(t, "-H", sent[1], url); again.Status != "401" {
			t.Errorf("replay: status %s, want 401", again.Status)
		}
	})

	t.Run("SIGTERM stops it with exit status 0", func(t *testing.T) {
		p.Signal(syscall.SIGTERM)
		if code := p.Wait(); code != 0 {
			t.Errorf("exit status %d, want 0", code)
		}
	})
}

// TestDigestRefusesThePlaintextOnlyChecker shows the seed's lesson: where
// Twisted answered 401 forever, the program does not start, and says why.
func TestDigestRefusesThePlaintextOnlyChecker(t *testing.T) {
	code, out := exampletest.Run(t, bin, "-addr", "127.0.0.1:0", "-plaintext-only-checker")
	if code != 1 {
		t.Errorf("exit status %d, want 1; output:\n%s", code, out)
	}
	for _, want := range []string{
		"no checker handles *httpauth.DigestCredentials",
		"cred.UsernameHashedPassword",
		"registered: cred.UsernamePassword (passwordDict, plaintext passwords only)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the error does not say %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Serving") {
		t.Errorf("it served anyway:\n%s", out)
	}
}
