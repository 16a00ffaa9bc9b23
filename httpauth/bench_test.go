package httpauth

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	auth "github.com/abbot/go-http-auth"

	"github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/cred"
	"github.com/gocred/gocred/realms"
)

// Benchmarks of the whole request path through real HTTP (an
// httptest.Server and a keep-alive client), the same file handler behind
// each. Every sub-benchmark alternates its requests with requests to a
// second server running the no-auth baseline, so load from elsewhere on the
// machine hits both alike, and reports:
//
//	ns/req      median time of one request to the server measured
//	x-baseline  its throughput as a fraction of the baseline's (1.0 = free):
//	            median baseline time / median measured time
//
// (ns/op is the time of the pair.) Run:
//
//	go test -run '^$' -bench BenchmarkAuth -benchtime 2s ./httpauth/

const benchUser, benchPassword, benchRealm = "alice", "correct horse battery staple", "bench"

// fileHandler serves one 1 KiB file from disk.
func fileHandler(b *testing.B) http.Handler {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "file.txt"), []byte(strings.Repeat("x", 1024)), 0o644); err != nil {
		b.Fatal(err)
	}
	return http.FileServer(http.Dir(dir))
}

// benchLoop sends b.N GETs for /file.txt to h, with header(i) as
// Authorization, each paired with one to the baseline server. open says h
// answers without credentials (no auth, or the control).
func benchLoop(b *testing.B, baseline, h http.Handler, header func(i int) string, open bool) {
	srv := httptest.NewServer(h)
	defer srv.Close()
	base := httptest.NewServer(baseline)
	defer base.Close()
	headers := make([]string, b.N)
	if header != nil {
		for i := range headers {
			headers[i] = header(i)
		}
	}
	get := func(srv *httptest.Server, auth string, want int) time.Duration {
		start := time.Now()
		req, _ := http.NewRequest("GET", srv.URL+"/file.txt", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			b.Fatalf("%s", resp.Status)
		}
		return time.Since(start)
	}
	get(base, "", 200) // open the keep-alive connections
	if header == nil || open {
		get(srv, "", 200)
	} else {
		get(srv, "", http.StatusUnauthorized)
	}
	measured := make([]time.Duration, b.N)
	baselineTimes := make([]time.Duration, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%2 == 0 {
			baselineTimes[i] = get(base, "", 200)
			measured[i] = get(srv, headers[i], 200)
		} else {
			measured[i] = get(srv, headers[i], 200)
			baselineTimes[i] = get(base, "", 200)
		}
	}
	b.StopTimer()
	// Medians: on a shared machine a few requests stall for milliseconds
	// (GC, preemption), which would swamp means.
	m, bl := median(measured), median(baselineTimes)
	b.ReportMetric(float64(m.Nanoseconds()), "ns/req")
	b.ReportMetric(float64(bl)/float64(m), "x-baseline")
}

func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}

// firstChallenge fetches /file.txt without credentials and returns the
// Digest challenge for alg.
func firstChallenge(b *testing.B, h http.Handler, alg string) map[string]string {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/file.txt", nil))
	for _, ch := range challenges(b, w.Header()) {
		if strings.EqualFold(strings.Trim(ch["algorithm"], `"`), alg) {
			return ch
		}
	}
	b.Fatalf("no %s challenge in %q", alg, w.Header().Values("WWW-Authenticate"))
	return nil
}

func digestHeaders(b *testing.B, h http.Handler, alg string) func(int) string {
	ch := firstChallenge(b, h, alg)
	c := clientFor(ch, benchUser, benchPassword)
	c.algorithm = alg
	return func(int) string { return c.header("GET", "/file.txt", nil) }
}

// authBenchCase is one server for the benchmarks: its handler, the
// baseline it is compared with, and, for authenticated ones, a source of
// Authorization headers (each call of headers starts a new client with its
// own nonce where the scheme has one).
type authBenchCase struct {
	name     string
	handler  http.Handler
	baseline http.Handler
	headers  func(b *testing.B) func() string
	// uncached marks a bcrypt check on every request (tens of
	// milliseconds): too slow for a throughput run.
	uncached bool
	// What a client sends, for BenchmarkServerCPU's clients, which talk to
	// the server in another process: Basic, or Digest with digestAlg.
	basic     bool
	digestAlg string
	// control marks a server without authentication that nonetheless
	// gets Digest-sized requests and sends a Digest-sized
	// Authentication-Info: what the header bytes alone cost, through
	// net/http and the network, before any authentication work.
	control bool
}

// controlDigestHeaders returns Digest MD5 Authorization headers of the real
// size (a nonce of a real nonce's length, the real opaque's length), for the
// control server, which never challenges.
func controlDigestHeaders(*testing.B) func() string {
	c := clientFor(map[string]string{
		"realm": benchRealm, "nonce": strings.Repeat("n", nonceLen),
		"opaque": strings.Repeat("o", 16), "algorithm": "MD5",
	}, benchUser, benchPassword)
	return func() string { return c.header("GET", "/file.txt", nil) }
}

// withAuthenticationInfo adds an Authentication-Info header the size of
// Digest MD5's for qop=auth to every response of h.
func withAuthenticationInfo(h http.Handler) http.Handler {
	info := `rspauth="` + strings.Repeat("0", 32) + `", qop=auth, nc=00000001, cnonce="0a4f113b"`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Authentication-Info"] = []string{info}
		h.ServeHTTP(w, r)
	})
}

// busy returns h preceded by d of CPU work on the request's goroutine (a
// loop reading the clock, no memory touched): a calibration row, showing
// what a handler that takes d longer costs the server and its throughput on
// this machine, whatever the work is.
func busy(d time.Duration, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for end := time.Now().Add(d); time.Now().Before(end); {
		}
		h.ServeHTTP(w, r)
	})
}

// authBenchCases builds the servers compared: no auth, gocred Basic with a
// bcrypt user behind the cache, gocred Digest MD5 (htdigest file) and
// SHA-256 (plaintext store) with replay tracking, and go-http-auth's Basic
// and Digest with the same users.
func authBenchCases(b *testing.B) []authBenchCase {
	files := fileHandler(b)
	bcryptStore := checkers.NewMemory(checkers.Bcrypt{Cost: 10})
	if err := bcryptStore.Add(benchUser, benchPassword); err != nil {
		b.Fatal(err)
	}
	bcryptHash, _, err := bcryptStore.LookupPasswordHash(context.Background(), benchUser)
	if err != nil {
		b.Fatal(err)
	}
	cache, err := checkers.NewCache(bcryptStore, checkers.CacheOptions{})
	if err != nil {
		b.Fatal(err)
	}
	realm := realms.NewStaticOf[http.Handler](files)
	basicPortal := newPortal(b, realm, cache)
	basicMW := newMiddleware(b, basicPortal, mustBasic(b, benchRealm))
	digestPortal := newPortal(b, realm, checkers.NewInsecurePlaintext(map[string]string{benchUser: benchPassword}))
	digestMW := newMiddleware(b, digestPortal, newDigest(b, digestPortal, DigestOptions{Realm: benchRealm}))

	// go-http-auth with the same users: the bcrypt hash for Basic, the MD5
	// HA1 for Digest.
	theirBasic := auth.NewBasicAuthenticator(benchRealm, func(user, _ string) string {
		if user == benchUser {
			return bcryptHash
		}
		return ""
	})
	ha1 := lookupAlgorithm("MD5").hexHash(benchUser, benchRealm, benchPassword)
	theirDigest := auth.NewDigestAuthenticator(benchRealm, func(user, _ string) string {
		if user == benchUser {
			return ha1
		}
		return ""
	})
	basic := func(*testing.B) func() string {
		h := basicHeader(benchUser, benchPassword)
		return func() string { return h }
	}
	digest := func(h http.Handler, alg string) func(*testing.B) func() string {
		return func(b *testing.B) func() string {
			next := digestHeaders(b, h, alg)
			return func() string { return next(0) }
		}
	}
	cases := []authBenchCase{
		{name: "no-auth", handler: files},
		{name: "no-auth-digest-sized-headers", handler: withAuthenticationInfo(files), headers: controlDigestHeaders, control: true},
		{name: "no-auth-digest-sized-headers-3us-cpu", handler: busy(3*time.Microsecond, withAuthenticationInfo(files)), headers: controlDigestHeaders, control: true},
		{name: "gocred-basic-bcrypt10-cached", handler: basicMW.Handler(), headers: basic, basic: true},
	}
	// Digest MD5 from an htdigest file, the stored HA1s that go-http-auth
	// is given too; SHA-256 from the plaintext store, since htdigest files
	// hold MD5 only.
	htdigestPortal := newPortal(b, realm, htdigestChecker(b, benchRealm, map[string]string{benchUser: benchPassword}))
	htdigestMW := newMiddleware(b, htdigestPortal, newDigest(b, htdigestPortal, DigestOptions{Realm: benchRealm}))
	md5Handler, sha256Handler := htdigestMW.Handler(), digestMW.Handler()
	cases = append(cases,
		authBenchCase{name: "gocred-digest-MD5-htdigest", handler: md5Handler, headers: digest(md5Handler, "MD5"), digestAlg: "MD5"},
		authBenchCase{name: "gocred-digest-SHA-256", handler: sha256Handler, headers: digest(sha256Handler, "SHA-256"), digestAlg: "SHA-256"},
	)
	theirDigestHandler := theirDigest.JustCheck(files.ServeHTTP)
	cases = append(cases,
		authBenchCase{name: "go-http-auth-basic-bcrypt10", handler: auth.JustCheck(theirBasic, files.ServeHTTP), headers: basic, uncached: true, basic: true},
		authBenchCase{name: "go-http-auth-digest-MD5", handler: theirDigestHandler, headers: digest(theirDigestHandler, "MD5"), digestAlg: "MD5"},
	)
	for i := range cases {
		cases[i].baseline = files
	}
	return cases
}

// BenchmarkAuth measures the latency of one request at a time; see
// BenchmarkThroughput for capacity.
func BenchmarkAuth(b *testing.B) {
	for _, tc := range authBenchCases(b) {
		b.Run(tc.name, func(b *testing.B) {
			var header func(int) string
			if tc.headers != nil {
				next := tc.headers(b)
				header = func(int) string { return next() }
			}
			benchLoop(b, tc.baseline, tc.handler, header, tc.control)
		})
	}
}

// BenchmarkMemoryNonceStore measures one Use of a new nonce, in parallel.
// Past MaxNonces the store forgets the oldest and refuses nonces expiring no
// later than those (fail closed); with goroutines racing, a few late
// arrivals are refused, reported as refused/op.
func BenchmarkMemoryNonceStore(b *testing.B) {
	s, _ := NewMemoryNonceStore(MemoryNonceStoreOptions{})
	base := time.Now().Add(time.Hour)
	var n, refused atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			nonce := fmt.Sprintf("%043d", i)
			if ok, _ := s.Use(context.Background(), nonce, 1, base.Add(time.Duration(i))); !ok {
				refused.Add(1)
			}
		}
	})
	b.ReportMetric(float64(refused.Load())/float64(b.N), "refused/op")
}

// BenchmarkMiddlewareOverhead measures the middleware alone: ServeHTTP with
// an empty handler behind it, no network, so ns/op is what authentication
// costs per request.
func BenchmarkMiddlewareOverhead(b *testing.B) {
	empty := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	realm := realms.NewStaticOf[http.Handler](empty)
	store := checkers.NewMemory(checkers.Bcrypt{Cost: 10})
	if err := store.Add(benchUser, benchPassword); err != nil {
		b.Fatal(err)
	}
	cache, err := checkers.NewCache(store, checkers.CacheOptions{})
	if err != nil {
		b.Fatal(err)
	}
	p := newPortal(b, realm, cache, checkers.NewInsecurePlaintext(map[string]string{benchUser: benchPassword}))
	h := newMiddleware(b, p, newDigest(b, p, DigestOptions{Realm: benchRealm}), mustBasic(b, benchRealm)).Handler()
	ha1 := lookupAlgorithm("MD5").hexHash(benchUser, benchRealm, benchPassword)
	theirs := auth.NewDigestAuthenticator(benchRealm, func(string, string) string { return ha1 }).JustCheck(empty)
	run := func(b *testing.B, h http.Handler, header func(int) string) {
		headers := make([]string, b.N)
		for i := range headers {
			headers[i] = header(i)
		}
		r := httptest.NewRequest("GET", "/file.txt", nil)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			r.Header["Authorization"] = headers[i : i+1]
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != 200 {
				b.Fatal(w.Code)
			}
		}
	}
	b.Run("basic-bcrypt10-cached", func(b *testing.B) {
		hdr := basicHeader(benchUser, benchPassword)
		run(b, h, func(int) string { return hdr })
	})
	for _, alg := range []string{"MD5", "SHA-256"} {
		b.Run("digest-"+alg, func(b *testing.B) { run(b, h, digestHeaders(b, h, alg)) })
	}
	b.Run("go-http-auth-digest-MD5", func(b *testing.B) { run(b, theirs, digestHeaders(b, theirs, "MD5")) })
}

// BenchmarkDigestDecode measures parsing and checking one Digest
// Authorization header (no login), the part of Digest's cost that grows
// with the header.
func BenchmarkDigestDecode(b *testing.B) {
	p := newPortal(b, realms.NewStaticOf[http.Handler](http.NotFoundHandler()), checkers.NewInsecurePlaintext(map[string]string{benchUser: benchPassword}))
	d := newDigest(b, p, DigestOptions{Realm: benchRealm})
	h := newMiddleware(b, p, d).Handler()
	for _, alg := range []string{"MD5", "SHA-256"} {
		b.Run(alg, func(b *testing.B) {
			header := digestHeaders(b, h, alg)(0)
			params := strings.TrimPrefix(header, "Digest ")
			r := httptest.NewRequest("GET", "/file.txt", nil)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := d.Decode(r, params); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// nopResponseWriter is a ResponseWriter that keeps headers and drops the
// body, cheaper than httptest.ResponseRecorder, so a benchmark measures the
// middleware rather than the recorder.
type nopResponseWriter struct{ h http.Header }

func (w *nopResponseWriter) Header() http.Header         { return w.h }
func (w *nopResponseWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *nopResponseWriter) WriteHeader(int)             {}

// BenchmarkDigestRequest measures one authenticated Digest request through
// the middleware (parse, nonce check, portal, replay store, rspauth), with
// an empty handler and no network. The Authorization headers (each with the
// next nonce-count) are made before the clock starts, at least
// digestRequestHeaders of them whatever b.N, so that the setup is the same
// for any b.N up to that: instructions per request can then be counted
// exactly by running it under valgrind at two -benchtime values (see
// scripts/instructions.sh):
//
//	scripts/instructions.sh ./httpauth 'BenchmarkDigestRequest/MD5-htdigest'
func BenchmarkDigestRequest(b *testing.B) {
	const digestRequestHeaders = 13000
	empty := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	realm := realms.NewStaticOf[http.Handler](empty)
	for _, tc := range []struct {
		name, alg string
		checker   cred.Checker
	}{
		{"MD5-htdigest", "MD5", htdigestChecker(b, benchRealm, map[string]string{benchUser: benchPassword})},
		{"SHA-256-plaintext", "SHA-256", checkers.NewInsecurePlaintext(map[string]string{benchUser: benchPassword})},
	} {
		b.Run(tc.name, func(b *testing.B) {
			p := newPortal(b, realm, tc.checker)
			h := newMiddleware(b, p, newDigest(b, p, DigestOptions{Realm: benchRealm})).Handler()
			next := digestHeaders(b, h, tc.alg)
			headers := make([]string, max(b.N, digestRequestHeaders))
			for i := range headers {
				headers[i] = next(i)
			}
			r := httptest.NewRequest("GET", "/file.txt", nil)
			w := &nopResponseWriter{}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				r.Header["Authorization"] = headers[i : i+1]
				w.h = http.Header{}
				h.ServeHTTP(w, r)
				if len(w.h["Authentication-Info"]) != 1 {
					b.Fatalf("request %d was not authenticated: %v", i, w.h)
				}
			}
		})
	}
}
