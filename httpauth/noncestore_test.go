package httpauth

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

func TestMemoryNonceStoreCounts(t *testing.T) {
	ctx := context.Background()
	exp := time.Now().Add(time.Minute)
	type use struct {
		nonce string
		nc    uint64
		want  bool
	}
	tests := []struct {
		name string
		uses []use
	}{
		{"a first use is accepted", []use{{"a", 1, true}}},
		{"a first use may start above 1", []use{{"a", 9, true}}},
		{"a repeated count is refused", []use{{"a", 1, true}, {"a", 1, false}}},
		{"a lower count is refused", []use{{"a", 5, true}, {"a", 4, false}}},
		{"rising counts are accepted, gaps allowed", []use{{"a", 1, true}, {"a", 2, true}, {"a", 10, true}}},
		{"a zero count is refused", []use{{"a", 0, false}}},
		{"nonces are counted apart", []use{{"a", 3, true}, {"b", 1, true}, {"a", 3, false}, {"b", 2, true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := NewMemoryNonceStore(MemoryNonceStoreOptions{})
			for i, u := range tt.uses {
				ok, err := s.Use(ctx, u.nonce, u.nc, exp)
				if err != nil || ok != u.want {
					t.Fatalf("use %d (%s, %d) = %v, %v; want %v", i+1, u.nonce, u.nc, ok, err, u.want)
				}
			}
		})
	}
	t.Run("an expired nonce is refused", func(t *testing.T) {
		s, _ := NewMemoryNonceStore(MemoryNonceStoreOptions{})
		if ok, _ := s.Use(ctx, "a", 1, time.Now().Add(-time.Second)); ok {
			t.Fatal("accepted")
		}
	})
	t.Run("a canceled context is an error", func(t *testing.T) {
		s, _ := NewMemoryNonceStore(MemoryNonceStoreOptions{})
		c, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := s.Use(c, "a", 1, exp); err == nil {
			t.Fatal("no error")
		}
	})
}

func TestMemoryNonceStoreBounds(t *testing.T) {
	ctx := context.Background()
	t.Run("the store never holds more than about MaxNonces", func(t *testing.T) {
		s, _ := NewMemoryNonceStore(MemoryNonceStoreOptions{MaxNonces: 1000, Shards: 4})
		exp := time.Now().Add(time.Hour)
		for i := 0; i < 20000; i++ {
			s.Use(ctx, fmt.Sprint("n", i), 1, exp)
		}
		if n := s.Len(); n > 1000 {
			t.Fatalf("Len = %d, want at most 1000", n)
		}
	})
	t.Run("a forgotten unexpired nonce is refused rather than replayable", func(t *testing.T) {
		s, _ := NewMemoryNonceStore(MemoryNonceStoreOptions{MaxNonces: 4, Shards: 1})
		old := time.Now().Add(time.Hour)
		s.Use(ctx, "victim", 1, old)
		for i := 0; i < 20; i++ {
			s.Use(ctx, fmt.Sprint("flood", i), 1, old.Add(time.Duration(i+1)*time.Second))
		}
		// nc=2 would be accepted if the store still remembered victim at
		// nc=1; forgotten, it must be refused, since the store can no
		// longer tell a replay from a next request.
		if ok, _ := s.Use(ctx, "victim", 2, old); ok {
			t.Fatal("a forgotten nonce was accepted again")
		}
		if ok, _ := s.Use(ctx, "fresh", 1, old.Add(time.Hour)); !ok {
			t.Fatal("a newer nonce was refused after the flood")
		}
	})
	t.Run("nonces are forgotten after two windows", func(t *testing.T) {
		s, _ := NewMemoryNonceStore(MemoryNonceStoreOptions{Window: time.Minute, Shards: 1})
		now := time.Now()
		s.now = func() time.Time { return now }
		s.Use(ctx, "a", 1, now.Add(time.Minute))
		now = now.Add(61 * time.Second)
		s.Use(ctx, "b", 1, now.Add(time.Minute))
		now = now.Add(61 * time.Second)
		s.Use(ctx, "c", 1, now.Add(time.Minute))
		if n := s.Len(); n != 2 {
			t.Fatalf("Len = %d, want 2 (a forgotten)", n)
		}
	})
}

// Memory per remembered nonce, measured on the heap: the target is under
// 128 bytes.
func TestMemoryNonceStoreMemory(t *testing.T) {
	const n = 200_000
	nonces := make([]string, n)
	for i := range nonces {
		nonces[i] = fmt.Sprintf("%043d", i) // the length of a real nonce
	}
	exp := time.Now().Add(time.Hour)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s, _ := NewMemoryNonceStore(MemoryNonceStoreOptions{})
	for _, nonce := range nonces {
		s.Use(context.Background(), nonce, 1, exp)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perNonce := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / n
	runtime.KeepAlive(s)
	runtime.KeepAlive(nonces)
	t.Logf("memory per remembered nonce: %.1f bytes", perNonce)
	if perNonce >= 128 {
		t.Fatalf("%.1f bytes per nonce, want under 128", perNonce)
	}
}

func TestMemoryNonceStoreConcurrentUseAcceptsEachCountOnce(t *testing.T) {
	s, _ := NewMemoryNonceStore(MemoryNonceStoreOptions{})
	exp := time.Now().Add(time.Minute)
	const workers, nonces, counts = 8, 50, 20
	var mu sync.Mutex
	accepted := map[string]int{}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < nonces; n++ {
				for c := uint64(1); c <= counts; c++ {
					nonce := fmt.Sprint("n", n)
					if ok, _ := s.Use(context.Background(), nonce, c, exp); ok {
						mu.Lock()
						accepted[fmt.Sprint(nonce, "/", c)]++
						mu.Unlock()
					}
				}
			}
		}()
	}
	wg.Wait()
	for k, v := range accepted {
		if v != 1 {
			t.Fatalf("%s accepted %d times", k, v)
		}
	}
}
