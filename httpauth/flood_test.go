package httpauth

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/realms"
)

// A flood of wrong passwords, each costing a bcrypt verification, must not
// lock out a user whose login is cached: Cache outside Limit answers the
// valid user without queueing behind the hashes. The test asserts behaviour
// only (every valid request 200, every wrong one 401) and logs the valid
// user's latency percentiles, which depend on the machine.
func TestFloodOfWrongPasswordsLeavesCachedUserServed(t *testing.T) {
	cost := 10
	if raceEnabled {
		cost = bcrypt.MinCost // bcrypt is ~30x slower under -race
	}
	store := checkers.NewMemory(checkers.Bcrypt{Cost: cost})
	if err := store.Add("valid", "right password"); err != nil {
		t.Fatal(err)
	}
	if err := store.Add("victim", "unguessable"); err != nil {
		t.Fatal(err)
	}
	cache, err := checkers.NewCache(checkers.NewLimit(store, 1), checkers.CacheOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	p := newPortal(t, realms.NewStaticOf[http.Handler](ok), cache)
	srv := httptest.NewServer(newMiddleware(t, p, mustBasic(t, "flood")).Handler())
	defer srv.Close()

	get := func(user, pass string) int {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		req.SetBasicAuth(user, pass)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Error(err)
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get("valid", "right password"); code != 200 { // warms the cache
		t.Fatalf("warm-up got %d", code)
	}

	const attackers, attempts = 4, 3
	var wrong, wrongRefused atomic.Int64
	var wg sync.WaitGroup
	done := make(chan struct{})
	for a := 0; a < attackers; a++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < attempts; i++ {
				wrong.Add(1)
				if get("victim", "guess") == 401 {
					wrongRefused.Add(1)
				}
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()

	var latencies []time.Duration
	bad := 0
	for running := true; running || len(latencies) < 20; {
		select {
		case <-done:
			running = false
		default:
		}
		start := time.Now()
		if get("valid", "right password") != 200 {
			bad++
		}
		latencies = append(latencies, time.Since(start))
	}
	if bad > 0 {
		t.Errorf("%d of %d valid requests were not answered 200", bad, len(latencies))
	}
	if wrongRefused.Load() != wrong.Load() {
		t.Errorf("%d of %d wrong passwords were answered 401", wrongRefused.Load(), wrong.Load())
	}
	slices.Sort(latencies)
	pct := func(p float64) time.Duration { return latencies[int(p*float64(len(latencies)-1))] }
	t.Logf("bcrypt cost %d, %d wrong passwords from %d clients; cached user: %d requests, p50 %v, p99 %v, max %v",
		cost, wrong.Load(), attackers, len(latencies), pct(0.5), pct(0.99), latencies[len(latencies)-1])
}
