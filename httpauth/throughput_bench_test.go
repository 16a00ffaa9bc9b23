package httpauth

import (
	"io"
	"net/http"
	"net/http/httptest"
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
//	req/s       the measured server's throughput
//	x-baseline  that throughput as a fraction of the baseline's
//
// go-http-auth's Basic, which verifies bcrypt on every request, is left out
// (BenchmarkAuth measures it). Client-side work (computing Digest responses) is done before the clock
// starts, so only the server's cost is compared. Run:
//
//	go test -run '^$' -bench BenchmarkThroughput -benchtime 20000x ./httpauth/
func BenchmarkThroughput(b *testing.B) {
	for _, tc := range authBenchCases(b) {
		if tc.uncached {
			continue // go-http-auth's Basic hashes bcrypt on every request; see BenchmarkAuth
		}
		b.Run(tc.name, func(b *testing.B) {
			throughputLoop(b, tc)
		})
	}
}

const (
	benchWorkers = 4
	benchRound   = 512 // requests per round and side
)

func throughputLoop(b *testing.B, tc authBenchCase) {
	srv := httptest.NewServer(tc.handler)
	defer srv.Close()
	base := httptest.NewServer(tc.baseline)
	defer base.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchWorkers}}
	defer client.CloseIdleConnections()

	// Each worker has its own Digest nonce (nonce-counts must rise in
	// order on one nonce) and its own headers, computed now.
	per := b.N/benchWorkers + benchRound
	headers := make([][]string, benchWorkers)
	for w := range headers {
		headers[w] = make([]string, per)
		if tc.headers != nil {
			next := tc.headers(b)
			for i := range headers[w] {
				headers[w][i] = next()
			}
		}
	}
	get := func(url, auth string, want int) {
		req, _ := http.NewRequest("GET", url, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := client.Do(req)
		if err != nil {
			b.Error(err)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			b.Errorf("%s: %s", url, resp.Status)
		}
	}
	used := make([]int, benchWorkers) // headers used per worker
	round := func(url string, n int, auth bool, want int) time.Duration {
		var next atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		for w := range benchWorkers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= int64(n) {
					h := ""
					if auth {
						h = headers[w][used[w]]
						used[w]++
					}
					get(url, h, want)
				}
			}()
		}
		wg.Wait()
		return time.Since(start)
	}
	// Open the connections to both servers (unauthenticated: 401 where
	// auth is on).
	round(base.URL+"/file.txt", benchWorkers*4, false, 200)
	warm := 200
	if tc.headers != nil {
		warm = http.StatusUnauthorized
	}
	for range benchWorkers {
		// One at a time: go-http-auth v0.4.0 writes its nonce map without
		// its lock when it answers 401, and concurrent 401s crash it
		// ("concurrent map writes").
		get(srv.URL+"/file.txt", "", warm)
	}
	var measured, baseline time.Duration
	b.ResetTimer()
	for done, r := 0, 0; done < b.N && !b.Failed(); done, r = done+benchRound, r+1 {
		n := min(benchRound, b.N-done)
		if r%2 == 0 { // alternate which goes first
			baseline += round(base.URL+"/file.txt", n, false, 200)
			measured += round(srv.URL+"/file.txt", n, tc.headers != nil, 200)
		} else {
			measured += round(srv.URL+"/file.txt", n, tc.headers != nil, 200)
			baseline += round(base.URL+"/file.txt", n, false, 200)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/measured.Seconds(), "req/s")
	b.ReportMetric(float64(baseline)/float64(measured), "x-baseline")
}
