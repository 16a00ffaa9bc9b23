package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/redisstore"
)

func newThrottleStore(t testing.TB, rdb redis.Scripter, prefix string) *redisstore.ThrottleStore {
	t.Helper()
	s, err := redisstore.NewThrottleStore(rdb, redisstore.ThrottleStoreOptions{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// throttleOp is one call on a store, at a time relative to the start.
type throttleOp struct {
	at      time.Duration
	op      string // "attempt", "forgive", "reset"
	keys    []checkers.ThrottleKey
	wantRet time.Duration // for attempt: the retry-after expected
}

var (
	strict  = checkers.ThrottleRule{MaxFailures: 3, Window: time.Minute, Lockout: 5 * time.Minute}
	backoff = checkers.ThrottleRule{MaxFailures: 4, Window: time.Minute, Lockout: 10 * time.Second, BaseDelay: time.Second}
	userA   = checkers.ThrottleKey{Key: "user:alice", Rule: strict}
	addr1   = checkers.ThrottleKey{Key: "addr:192.0.2.1", Rule: checkers.ThrottleRule{MaxFailures: 5, Window: time.Minute, Lockout: time.Minute}}
	userB   = checkers.ThrottleKey{Key: "user:bob", Rule: backoff}
)

func keys(k ...checkers.ThrottleKey) []checkers.ThrottleKey { return k }

// TestThrottleStoreMatchesMemoryStore runs the same calls on the Redis
// store and on checkers.MemoryThrottleStore, the reference, and expects the
// same answers from both, and the answers each scenario is about.
func TestThrottleStoreMatchesMemoryStore(t *testing.T) {
	rdb, _ := sharedRedis(t)
	scenarios := []struct {
		name string
		ops  []throttleOp
	}{
		{"the attempt that reaches the maximum starts a lockout, and a locked key is refused until it ends", []throttleOp{
			{0, "attempt", keys(userA), 0},
			{time.Second, "attempt", keys(userA), 0},
			{2 * time.Second, "attempt", keys(userA), 0},
			{3 * time.Second, "attempt", keys(userA), 5*time.Minute - time.Second},
			{2*time.Second + 5*time.Minute, "attempt", keys(userA), 0},
		}},
		{"a window that has passed starts the count again", []throttleOp{
			{0, "attempt", keys(userA), 0},
			{time.Second, "attempt", keys(userA), 0},
			{2 * time.Minute, "attempt", keys(userA), 0},
			{2*time.Minute + time.Second, "attempt", keys(userA), 0},
			{2*time.Minute + 2*time.Second, "attempt", keys(userA), 0},
			{2*time.Minute + 3*time.Second, "attempt", keys(userA), 5*time.Minute - time.Second},
		}},
		{"a blocked key refuses the whole attempt, charging no other key", []throttleOp{
			{0, "attempt", keys(userA), 0},
			{0, "attempt", keys(userA), 0},
			{0, "attempt", keys(userA), 0},
			{0, "attempt", keys(userA, addr1), 5 * time.Minute},
			{0, "attempt", keys(addr1), 0},
			{0, "attempt", keys(addr1), 0},
			{0, "attempt", keys(addr1), 0},
			{0, "attempt", keys(addr1), 0},
			{0, "attempt", keys(addr1), 0},
			{0, "attempt", keys(addr1), time.Minute},
		}},
		{"backoff doubles the delay after each attempt, up to the lockout", []throttleOp{
			{0, "attempt", keys(userB), 0},
			{0, "attempt", keys(userB), time.Second},
			{time.Second, "attempt", keys(userB), 0},
			{time.Second, "attempt", keys(userB), 2 * time.Second},
			{3 * time.Second, "attempt", keys(userB), 0},
			{3 * time.Second, "attempt", keys(userB), 4 * time.Second},
			{7 * time.Second, "attempt", keys(userB), 0},
			{7 * time.Second, "attempt", keys(userB), 10 * time.Second},
		}},
		{"forgiving an attempt lifts a lockout and shortens a backoff", []throttleOp{
			{0, "attempt", keys(userA), 0},
			{0, "attempt", keys(userA), 0},
			{0, "attempt", keys(userA), 0},
			{0, "forgive", keys(userA), 0},
			{0, "attempt", keys(userA), 0},
			{0, "attempt", keys(userA), 5 * time.Minute},
			{0, "attempt", keys(userB), 0},
			{0, "attempt", keys(userB), time.Second},
			{0, "forgive", keys(userB), 0},
			{0, "attempt", keys(userB), 0},
		}},
		{"forgiving a key never seen does nothing", []throttleOp{
			{0, "forgive", keys(userA, addr1), 0},
			{0, "attempt", keys(userA), 0},
			{0, "attempt", keys(userA), 0},
			{0, "attempt", keys(userA), 0},
			{0, "attempt", keys(userA), 5 * time.Minute},
		}},
		{"a success takes an attempt back from each key and ends the first key's backoff", []throttleOp{
			{0, "attempt", keys(userB, addr1), 0},
			{0, "attempt", keys(userB, addr1), time.Second},
			{time.Second, "attempt", keys(userB, addr1), 0},
			{0, "succeed", keys(userB, addr1), 0},
			{0, "attempt", keys(userB), 0},
			{0, "attempt", keys(addr1), 0},
		}},
		{"a reset forgets counts and lockouts", []throttleOp{
			{0, "attempt", keys(userA), 0},
			{0, "attempt", keys(userA), 0},
			{0, "attempt", keys(userA), 0},
			{0, "reset", keys(userA), 0},
			{0, "attempt", keys(userA), 0},
			{0, "attempt", keys(userA), 0},
			{0, "attempt", keys(userA), 0},
			{0, "attempt", keys(userA), 5 * time.Minute},
		}},
	}
	ctx := context.Background()
	start := time.Now().Truncate(time.Second)
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			mem := checkers.NewMemoryThrottleStore()
			red := newThrottleStore(t, rdb, testPrefix())
			for i, op := range sc.ops {
				now := start.Add(op.at)
				var gotMem, gotRed time.Duration
				var errMem, errRed error
				switch op.op {
				case "attempt":
					gotMem, errMem = mem.Attempt(ctx, op.keys, now)
					gotRed, errRed = red.Attempt(ctx, op.keys, now)
				case "forgive":
					errMem, errRed = mem.Forgive(ctx, op.keys, now), red.Forgive(ctx, op.keys, now)
				case "succeed": // unblock the first key, forgive the rest
					errMem = mem.Succeed(ctx, op.keys[:1], op.keys[1:], now)
					errRed = red.Succeed(ctx, op.keys[:1], op.keys[1:], now)
				case "reset":
					var names []string
					for _, k := range op.keys {
						names = append(names, k.Key)
					}
					errMem, errRed = mem.Reset(ctx, names), red.Reset(ctx, names)
				}
				if errMem != nil || errRed != nil {
					t.Fatalf("step %d (%s): memory err %v, redis err %v", i, op.op, errMem, errRed)
				}
				if gotMem != op.wantRet || gotRed != op.wantRet {
					t.Fatalf("step %d (%s at +%v): retry-after memory %v, redis %v; want %v", i, op.op, op.at, gotMem, gotRed, op.wantRet)
				}
			}
		})
	}
}

func TestThrottleKeysExpire(t *testing.T) {
	rdb, prefix := sharedRedis(t)
	s := newThrottleStore(t, rdb, prefix)
	ctx := context.Background()
	now := time.Now()
	_, err := s.Attempt(ctx, keys(userA), now)
	mustNoErr(t, err, "Attempt")
	t.Run("a counter lives as long as its window", func(t *testing.T) {
		ttl, err := rdb.PTTL(ctx, prefix+"throttle:"+userA.Key).Result()
		mustNoErr(t, err, "PTTL")
		if ttl <= strict.Window-5*time.Second || ttl > strict.Window {
			t.Fatalf("PTTL = %v, want about %v", ttl, strict.Window)
		}
	})
	t.Run("a locked-out counter lives as long as its lockout", func(t *testing.T) {
		for range 2 {
			_, err := s.Attempt(ctx, keys(userA), now)
			mustNoErr(t, err, "Attempt")
		}
		ttl, err := rdb.PTTL(ctx, prefix+"throttle:"+userA.Key).Result()
		mustNoErr(t, err, "PTTL")
		if ttl <= strict.Lockout-5*time.Second || ttl > strict.Lockout {
			t.Fatalf("PTTL = %v, want about %v", ttl, strict.Lockout)
		}
	})
	t.Run("a reset removes the key", func(t *testing.T) {
		mustNoErr(t, s.Reset(ctx, []string{userA.Key}), "Reset")
		if k := keysUnder(t, rdb, prefix); len(k) != 0 {
			t.Fatalf("keys left: %v", k)
		}
	})
}

func TestThrottleStoreFailsClosedWithoutRedis(t *testing.T) {
	srv := ownRedis(t)
	rdb := newClient(srv.addr())
	t.Cleanup(func() { rdb.Close() })
	s := newThrottleStore(t, rdb, "gocred:")
	ctx := context.Background()
	srv.stop()
	if _, err := s.Attempt(ctx, keys(userA), time.Now()); err == nil {
		t.Fatal("Attempt with Redis down reported no error")
	}
	if err := s.Forgive(ctx, keys(userA), time.Now()); err == nil {
		t.Fatal("Forgive with Redis down reported no error")
	}
	if err := s.Reset(ctx, []string{userA.Key}); err == nil {
		t.Fatal("Reset with Redis down reported no error")
	}
	srv.start()
	if _, err := s.Attempt(ctx, keys(userA), time.Now()); err != nil {
		t.Fatalf("Attempt after Redis came back: %v", err)
	}
}
