package httpauth

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkThroughput measures capacity rather than latency: benchWorkers
// keep-alive clients send requests as fast as the server answers, in rounds
// that alternate between the server measured and a no-auth baseline server
// with the same file handler, so both see the same machine. It reports
//
//	req/s           the measured server's throughput
//	x-baseline      that throughput as a fraction of the baseline's: the
//	                median over pairs of adjacent rounds
//	x-baseline-sum  the same over all rounds summed
//
// go-http-auth's Basic, which verifies bcrypt on every request, is left out
// (BenchmarkAuth measures it). Client-side work (computing Digest responses)
// is done before the clock starts, but sending and receiving the longer
// headers is not: client and server share the machine. BenchmarkServerCPU
// counts the server's work alone. Run:
//
//	go test -run '^$' -bench BenchmarkThroughput -benchtime 20000x ./httpauth/
func BenchmarkThroughput(b *testing.B) {
	for _, tc := range authBenchCases(b) {
		if tc.uncached {
			continue
		}
		b.Run(tc.name, func(b *testing.B) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			base := httptest.NewServer(tc.baseline)
			defer base.Close()
			l := newLoad(b)
			defer l.close()
			if tc.headers != nil {
				for w := range l.headers {
					next := tc.headers(b)
					for i := range l.headers[w] {
						l.headers[w][i] = next()
					}
				}
			}
			// Open the connections to both servers (unauthenticated: 401
			// where auth is on), one at a time: go-http-auth v0.4.0 writes
			// its nonce map without its lock when it answers 401, and
			// concurrent 401s crash it ("concurrent map writes").
			warm := 200
			if tc.headers != nil && !tc.control {
				warm = http.StatusUnauthorized
			}
			for range benchWorkers {
				l.get(base.URL+"/file.txt", "", 200)
				l.get(srv.URL+"/file.txt", "", warm)
			}
			timed := func(url string, auth bool) func(n int) time.Duration {
				return func(n int) time.Duration {
					start := time.Now()
					l.round(url, n, auth)
					return time.Since(start)
				}
			}
			baseline, measured, ratio := alternate(b, timed(base.URL+"/file.txt", false), timed(srv.URL+"/file.txt", tc.headers != nil))
			b.ReportMetric(float64(b.N)/measured.Seconds(), "req/s")
			b.ReportMetric(ratio, "x-baseline")
			b.ReportMetric(float64(baseline)/float64(measured), "x-baseline-sum")
		})
	}
}

const (
	benchWorkers = 4
	benchRound   = 512 // requests per round and side
)

// load is benchWorkers keep-alive clients. Each has its own Authorization
// headers, computed before the clock starts (a Digest client its own nonce,
// since nonce-counts must rise in order on one nonce).
type load struct {
	b       *testing.B
	client  *http.Client
	headers [][]string // per worker, enough for b.N requests and a round more
	used    []int      // headers used per worker
}

func newLoad(b *testing.B) *load {
	l := &load{
		b:       b,
		client:  &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchWorkers}},
		headers: make([][]string, benchWorkers),
		used:    make([]int, benchWorkers),
	}
	for w := range l.headers {
		l.headers[w] = make([]string, b.N/benchWorkers+benchRound)
	}
	return l
}

func (l *load) close() { l.client.CloseIdleConnections() }

// get sends one GET with authorization (none if empty) and expects want.
func (l *load) get(url, authorization string, want int) {
	req, _ := http.NewRequest("GET", url, nil)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := l.client.Do(req)
	if err != nil {
		l.b.Error(err)
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		l.b.Errorf("%s: %s", url, resp.Status)
	}
}

// round sends n GETs to url from all workers at once, each with its next
// header if auth, and waits for the answers (200 expected).
func (l *load) round(url string, n int, auth bool) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range benchWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				h := ""
				if auth {
					h = l.headers[w][l.used[w]]
					l.used[w]++
				}
				l.get(url, h, 200)
			}
		}()
	}
	wg.Wait()
}

// alternate runs b.N requests on each side in rounds of benchRound,
// alternating which side goes first, and returns what each side's rounds
// measured in all, and the median over round pairs of the baseline's
// measure over the measured side's: adjacent rounds see the same machine,
// and the median ignores the pairs that a burst of load from elsewhere
// (this machine is a VM sharing its host) hit on one side only.
func alternate(b *testing.B, baseRound, measuredRound func(n int) time.Duration) (baseline, measured time.Duration, medianRatio float64) {
	var ratios []float64
	b.ResetTimer()
	for done, r := 0, 0; done < b.N && !b.Failed(); done, r = done+benchRound, r+1 {
		n := min(benchRound, b.N-done)
		var bt, mt time.Duration
		if r%2 == 0 {
			bt = baseRound(n)
			mt = measuredRound(n)
		} else {
			mt = measuredRound(n)
			bt = baseRound(n)
		}
		baseline += bt
		measured += mt
		if mt > 0 {
			ratios = append(ratios, float64(bt)/float64(mt))
		}
	}
	b.StopTimer()
	slices.Sort(ratios)
	if len(ratios) > 0 {
		medianRatio = ratios[len(ratios)/2]
	}
	return baseline, measured, medianRatio
}
