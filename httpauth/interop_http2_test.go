package httpauth

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// http2Server serves whoami behind m over TLS with HTTP/2 on, and records
// the protocol version and Authorization header of each request.
type http2Server struct {
	*httptest.Server
	caFile string // the server's certificate, PEM, for curl --cacert
	mu     sync.Mutex
	protos []int
	auths  []string
}

func newHTTP2Server(t *testing.T, m *Middleware) *http2Server {
	s := &http2Server{}
	h := m.Wrap(whoami)
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.protos = append(s.protos, r.ProtoMajor)
		s.auths = append(s.auths, r.Header.Get("Authorization"))
		s.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	s.EnableHTTP2 = true
	s.StartTLS()
	t.Cleanup(s.Close)
	s.caFile = filepath.Join(t.TempDir(), "ca.pem")
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
	if err := os.WriteFile(s.caFile, cert, 0o600); err != nil {
		t.Fatal(err)
	}
	return s
}

// seen returns the protocol versions and Authorization headers so far.
func (s *http2Server) seen() ([]int, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.protos...), append([]string(nil), s.auths...)
}

// Over HTTP/2 the request-target is the :path pseudo-header, not a request
// line; the uri check, the challenges (several WWW-Authenticate fields) and
// Authentication-Info must all work there too, with a real HTTP/2 client.
func TestCurlOverHTTP2(t *testing.T) {
	curl := requireTool(t, "curl")
	requireTool(t, "sh", "-c", "curl -V | grep -qw HTTP2") // curl built with HTTP/2
	get := func(s *http2Server, args ...string) string {
		base := []string{"-sS", "--http2", "--cacert", s.caFile, "-w", " %{http_code} %{http_version}\n"}
		return run(t, curl, append(base, args...)...)
	}
	t.Run("curl --digest over HTTP/2 logs in, with Authentication-Info", func(t *testing.T) {
		s := newHTTP2Server(t, interopMiddleware(t, DigestOptions{}))
		out := get(s, "--digest", "-u", "Mufasa:Circle Of Life", "-D", "-", s.URL+"/a?x=1", s.URL+"/b")
		if strings.Count(out, `user "Mufasa" 200 2`) != 2 {
			t.Fatalf("curl printed %q", out)
		}
		if strings.Count(strings.ToLower(out), "authentication-info: rspauth=") != 2 {
			t.Errorf("not every answer carried Authentication-Info: %q", out)
		}
		protos, auths := s.seen()
		digests := 0
		for i, a := range auths {
			if protos[i] != 2 {
				t.Errorf("request %d came over HTTP/%d", i, protos[i])
			}
			if strings.HasPrefix(a, "Digest ") {
				digests++
			}
		}
		if digests == 0 {
			t.Error("no Digest request reached the server")
		}
	})
	// curl asks for a fresh challenge per URL over HTTP/2, so Go's client
	// (HTTP/2 through the test server's transport) sends the nonce-counts.
	t.Run("several HTTP/2 requests on one nonce with rising nonce-counts get in; a replay gets 401 stale", func(t *testing.T) {
		s := newHTTP2Server(t, interopMiddleware(t, DigestOptions{}))
		client := s.Client()
		do := func(authorization string) *http.Response {
			req, _ := http.NewRequest("GET", s.URL+"/dir/x?q=1", nil)
			if authorization != "" {
				req.Header.Set("Authorization", authorization)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.ProtoMajor != 2 {
				t.Fatalf("answered over HTTP/%d", resp.ProtoMajor)
			}
			return resp
		}
		var ch map[string]string
		for _, c := range challenges(t, do("").Header) {
			if c["algorithm"] == "SHA-256" {
				ch = c
			}
		}
		if ch == nil {
			t.Fatal("no SHA-256 challenge over HTTP/2")
		}
		c := clientFor(ch, "Mufasa", "Circle Of Life")
		var last string
		for i := range 3 {
			last = c.header("GET", "/dir/x?q=1", nil)
			if resp := do(last); resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Authentication-Info"), "rspauth=") {
				t.Fatalf("request %d on the nonce: %s, Authentication-Info %q", i+1, resp.Status, resp.Header.Get("Authentication-Info"))
			}
		}
		resp := do(last)
		if resp.StatusCode != 401 || !strings.Contains(strings.Join(resp.Header.Values("WWW-Authenticate"), "\n"), "stale=true") {
			t.Errorf("a replayed request got %s, challenges %q", resp.Status, resp.Header.Values("WWW-Authenticate"))
		}
	})
	t.Run("curl --basic over HTTP/2 logs in", func(t *testing.T) {
		s := newHTTP2Server(t, interopMiddleware(t, DigestOptions{}))
		if out := get(s, "--basic", "-u", "jürgen:pässword", s.URL+"/"); out != "user \"jürgen\" 200 2\n" {
			t.Fatalf("curl printed %q", out)
		}
	})
	t.Run("a wrong password over HTTP/2 gets 401 with both challenges", func(t *testing.T) {
		s := newHTTP2Server(t, interopMiddleware(t, DigestOptions{}))
		out := get(s, "--digest", "-u", "Mufasa:wrong", "-D", "-", "-o", "/dev/null", s.URL+"/")
		if !strings.HasSuffix(out, " 401 2\n") {
			t.Fatalf("curl printed %q", out)
		}
		lower := strings.ToLower(out)
		if !strings.Contains(lower, "www-authenticate: digest ") || !strings.Contains(lower, "www-authenticate: basic ") {
			t.Errorf("the 401 lacks a Digest or a Basic challenge: %q", out)
		}
	})
}
