package checkers

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// A flood of new keys does not wipe a count near its limit: keys whose
// attempts were all forgiven (a client hanging up while queued in a Limit:
// free for it, and not counted against its address) are forgotten at
// once, and when the store is full, keys with fewer failures go first.
// Before, 20,000 forgiven attempts at new names pushed alice's nine
// failures out, and she could be guessed at ten times more, again and
// again.
func TestThrottleStoreFloodKeepsCountsNearTheirLimit(t *testing.T) {
	ctx, now := context.Background(), time.Now()
	rule := ThrottleRule{MaxFailures: 10, Window: time.Hour, Lockout: time.Hour}
	key := func(name string) []ThrottleKey { return []ThrottleKey{{Key: "user:" + name, Rule: rule}} }
	backoff := ThrottleRule{MaxFailures: 10, Window: time.Hour, Lockout: time.Hour, BaseDelay: time.Second}
	t.Run("with a backoff, whose block every key just tried has", func(t *testing.T) {
		s := NewMemoryThrottleStoreSize(1000)
		alice := []ThrottleKey{{Key: "user:alice", Rule: backoff}}
		for i := range 9 { // five minutes apart: each backoff (at most 256 s) over before the next
			if retry, _ := s.Attempt(ctx, alice, now.Add(time.Duration(i)*5*time.Minute)); retry > 0 {
				t.Fatalf("alice's attempt %d refused by the backoff", i+1)
			}
		}
		later := now.Add(50 * time.Minute) // her backoff over, her window (an hour) not
		for i := range 20000 {
			s.Attempt(ctx, []ThrottleKey{{Key: fmt.Sprint("user:x", i), Rule: backoff}}, later)
		}
		s.Attempt(ctx, alice, later) // her tenth: the lockout starts
		if retry, _ := s.Attempt(ctx, alice, later); retry < 30*time.Minute {
			t.Fatalf("alice's nine failures were forgotten: after her tenth she waits %v, not the hour's lockout", retry)
		}
	})
	for name, flood := range map[string]func(s *MemoryThrottleStore, i int){
		"forgiven attempts": func(s *MemoryThrottleStore, i int) {
			k := key(fmt.Sprint("x", i))
			s.Attempt(ctx, k, now)
			s.Forgive(ctx, k, now)
		},
		"counted attempts, one each": func(s *MemoryThrottleStore, i int) {
			s.Attempt(ctx, key(fmt.Sprint("x", i)), now)
		},
	} {
		t.Run(name, func(t *testing.T) {
			s := NewMemoryThrottleStoreSize(1000)
			for range 9 {
				if retry, _ := s.Attempt(ctx, key("alice"), now); retry > 0 {
					t.Fatal("alice blocked early")
				}
			}
			for i := range 20000 {
				flood(s, i)
			}
			if n := s.Len(); n > 1000+len(s.shards) {
				t.Errorf("the store holds %d keys, over its 1000", n)
			}
			s.Attempt(ctx, key("alice"), now) // her tenth: the lockout starts
			if retry, _ := s.Attempt(ctx, key("alice"), now); retry <= 0 {
				t.Fatal("alice's nine failures were forgotten: her eleventh attempt was let through")
			}
		})
	}
}
