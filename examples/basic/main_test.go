package main

import (
	"io"
	"net"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gocred/gocred/examples/internal/exampletest"
)

var bin string // the example, built once by TestMain

func TestMain(m *testing.M) { os.Exit(exampletest.BuildAndRun(m, &bin)) }

var servingLine = regexp.MustCompile(`^Serving (http://\S+)/example/foo with Basic auth`)

// TestBasic runs the program as a user would and talks to it with curl.
func TestBasic(t *testing.T) {
	exampletest.Need(t, "curl")
	p := exampletest.Start(t, bin, "-addr", "127.0.0.1:0")
	base := p.WaitFor(servingLine)[1]

	t.Run("every user in the dictionary gets the page, which echoes the last part of the path", func(t *testing.T) {
		for user, pass := range users {
			r := exampletest.Curl(t, "-u", user+":"+pass, base+"/example/foo")
			if r.Status != "200" {
				t.Fatalf("%s: status %s, want 200; %s", user, r.Status, r.Stderr)
			}
			if want := `Hello, ` + user + `. You asked for "foo".`; strings.TrimSpace(r.Body) != want {
				t.Errorf("%s: body %q, want %q", user, r.Body, want)
			}
		}
	})

	t.Run("a deeper path echoes only its last part", func(t *testing.T) {
		r := exampletest.Curl(t, "-u", "bob:builder", base+"/example/a/b/bar")
		if r.Status != "200" || !strings.Contains(r.Body, `"bar"`) {
			t.Errorf("status %s body %q, want 200 echoing \"bar\"", r.Status, r.Body)
		}
	})

	t.Run("a wrong password gets 401 and a fresh Basic challenge", func(t *testing.T) {
		r := exampletest.Curl(t, "-D", "-", "-o", "/dev/null", "-u", "alice:rabbit-hole", base+"/example/foo")
		if r.Status != "401" {
			t.Fatalf("status %s, want 401", r.Status)
		}
		if !regexp.MustCompile(`(?mi)^WWW-Authenticate: Basic realm="example"`).MatchString(r.Body) {
			t.Errorf("no Basic challenge in the headers:\n%s", r.Body)
		}
	})

	t.Run("an unknown user gets 401", func(t *testing.T) {
		if r := exampletest.Curl(t, "-u", "mallory:wonderland", base+"/example/foo"); r.Status != "401" {
			t.Errorf("status %s, want 401", r.Status)
		}
	})

	t.Run("a request without credentials gets 401", func(t *testing.T) {
		if r := exampletest.Curl(t, base+"/example/foo"); r.Status != "401" {
			t.Errorf("status %s, want 401", r.Status)
		}
	})

	t.Run("nothing is served outside /example/", func(t *testing.T) {
		if r := exampletest.Curl(t, "-u", "alice:wonderland", base+"/other"); r.Status != "404" {
			t.Errorf("status %s, want 404", r.Status)
		}
	})

	t.Run("the log names who logged in and never a password", func(t *testing.T) {
		if !p.Eventually(regexp.MustCompile(`user=alice outcome=success`), exampletest.StartTimeout) {
			t.Errorf("no success line for alice in the log")
		}
		if !p.Eventually(regexp.MustCompile(`user=alice outcome=unauthorized`), exampletest.StartTimeout) {
			t.Errorf("no refusal line for alice in the log")
		}
		// The banner shows a demo password on purpose; log lines never do.
		for _, line := range strings.Split(p.Output(), "\n") {
			if !strings.Contains(line, "protocol=") {
				continue
			}
			for _, pass := range []string{"wonderland", "rabbit-hole", "builder"} {
				if strings.Contains(line, pass) {
					t.Errorf("a log line contains the password %q: %s", pass, line)
				}
			}
		}
	})

	t.Run("SIGTERM stops it with exit status 0", func(t *testing.T) {
		p.Signal(syscall.SIGTERM)
		if code := p.Wait(); code != 0 {
			t.Errorf("exit status %d, want 0", code)
		}
	})
}

// A client that sends half its headers and waits must not keep the
// server from stopping: a second signal ends it at once.
func TestBasicStopsDespiteAHalfSentRequest(t *testing.T) {
	p := exampletest.Start(t, bin, "-addr", "127.0.0.1:0")
	base := p.WaitFor(servingLine)[1]
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /example/foo HTTP/1.1\r\nHost: x\r\n") // and no more
	time.Sleep(100 * time.Millisecond)
	p.Signal(syscall.SIGTERM)
	time.Sleep(100 * time.Millisecond)
	p.Signal(syscall.SIGINT)
	start := time.Now()
	p.Wait()
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("it took %v to stop after a second signal", d)
	}
}

func TestBasicRefusesBadFlags(t *testing.T) {
	t.Run("an unknown flag is refused with exit status 2", func(t *testing.T) {
		code, out := exampletest.Run(t, bin, "-port", "80")
		if code != 2 || !strings.Contains(out, "flag provided but not defined: -port") {
			t.Errorf("exit %d, output %q", code, out)
		}
	})
	t.Run("an address it cannot listen on is refused with exit status 1", func(t *testing.T) {
		code, out := exampletest.Run(t, bin, "-addr", "not-an-address")
		if code != 1 || !strings.Contains(out, "basic: listen tcp") {
			t.Errorf("exit %d, output %q", code, out)
		}
	})
}
