package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gocred/gocred/httpauth"
	"github.com/gocred/gocred/redisstore"
)

var _ httpauth.NonceStore = (*redisstore.NonceStore)(nil)

func newNonceStore(t testing.TB, rdb redis.Scripter, prefix string) *redisstore.NonceStore {
	t.Helper()
	s, err := redisstore.NewNonceStore(rdb, redisstore.NonceStoreOptions{Prefix: prefix, NonceLifetime: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Prepare(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Nonces issued from now on are after the store was prepared, as they
	// are when a server prepares it at startup.
	time.Sleep(5 * time.Millisecond)
	return s
}

func TestNonceCounts(t *testing.T) {
	rdb, prefix := sharedRedis(t)
	s := newNonceStore(t, rdb, prefix)
	ctx := context.Background()
	live := time.Now().Add(time.Minute)
	steps := []struct {
		name    string
		nonce   string
		nc      uint64
		expires time.Time
		want    bool
	}{
		{"a nonce's first count is fresh", "n1", 1, live, true},
		{"the same count again is a replay", "n1", 1, live, false},
		{"a higher count is fresh", "n1", 5, live, true},
		{"a lower count than the highest is a replay", "n1", 3, live, false},
		{"another nonce counts on its own", "n2", 1, live, true},
		{"count zero is never fresh", "n3", 0, live, false},
		{"an expired nonce is never fresh", "n4", 1, time.Now().Add(-time.Second), false},
		{"counts up to 2^32-1 work", "n1", 1<<32 - 1, live, true},
	}
	for _, s2 := range steps {
		ok := t.Run(s2.name, func(t *testing.T) {
			got, err := s.Use(ctx, s2.nonce, s2.nc, s2.expires)
			mustNoErr(t, err, "Use")
			if got != s2.want {
				t.Fatalf("Use(%s, %d) = %v, want %v", s2.nonce, s2.nc, got, s2.want)
			}
		})
		if !ok {
			return
		}
	}
	t.Run("a nonce's key expires with the nonce, so Redis memory stays bounded", func(t *testing.T) {
		ttl, err := rdb.PTTL(ctx, prefix+"nonce:n1").Result()
		mustNoErr(t, err, "PTTL")
		if ttl <= 0 || ttl > time.Minute {
			t.Fatalf("PTTL = %v, want within the nonce's remaining minute", ttl)
		}
	})
	t.Run("a cancelled context is an error, not a fresh count", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		ok, err := s.Use(cctx, "n5", 1, live)
		if err == nil || ok {
			t.Fatalf("Use = %v, %v; want an error", ok, err)
		}
	})
}

func TestNonceStoreAfterRedisLostItsData(t *testing.T) {
	rdb, prefix := sharedRedis(t)
	ctx := context.Background()
	s := newNonceStore(t, rdb, prefix)
	old := time.Now().Add(time.Minute) // issued before the loss
	ok, err := s.Use(ctx, "old", 1, old)
	mustNoErr(t, err, "Use")
	if !ok {
		t.Fatal("first use refused")
	}
	// What a restart without persistence or a FLUSHALL does to our keys.
	if keys := keysUnder(t, rdb, prefix); len(keys) > 0 {
		mustNoErr(t, rdb.Del(ctx, keys...).Err(), "DEL")
	}
	steps := []struct {
		name    string
		nonce   string
		nc      uint64
		expires time.Time
		want    bool
	}{
		{"a nonce issued before the loss is refused even with a higher count, since its counts are gone", "old", 2, old, false},
		{"and so is its old count, which would otherwise be replayable", "old", 1, old, false},
		{"a nonce issued after the loss is accepted", "new", 1, time.Now().Add(time.Minute + time.Second), true},
		{"and its counts are tracked as before", "new", 1, time.Now().Add(time.Minute + time.Second), false},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			got, err := s.Use(ctx, st.nonce, st.nc, st.expires)
			mustNoErr(t, err, "Use")
			if got != st.want {
				t.Fatalf("Use(%s, %d) = %v, want %v", st.nonce, st.nc, got, st.want)
			}
		})
	}
}

func TestNonceStoreFailsClosedWithoutRedis(t *testing.T) {
	srv := ownRedis(t)
	rdb := newClient(srv.addr())
	t.Cleanup(func() { rdb.Close() })
	s := newNonceStore(t, rdb, "gocred:")
	ctx := context.Background()
	live := time.Now().Add(time.Minute)
	if ok, err := s.Use(ctx, "a", 1, live); err != nil || !ok {
		t.Fatalf("Use before the stop = %v, %v", ok, err)
	}
	srv.stop()
	t.Run("with Redis down every use is an error, never a fresh count", func(t *testing.T) {
		for nc := uint64(2); nc < 5; nc++ {
			ok, err := s.Use(ctx, "a", nc, live)
			if err == nil || ok {
				t.Fatalf("Use(nc=%d) with Redis down = %v, %v; want an error", nc, ok, err)
			}
		}
	})
	srv.start()
	t.Run("after a restart that lost the counts, the old nonce is refused", func(t *testing.T) {
		ok, err := s.Use(ctx, "a", 1, live)
		mustNoErr(t, err, "Use after the restart")
		if ok {
			t.Fatal("a nonce-count used before the restart was accepted again: a replay")
		}
	})
	t.Run("and a nonce issued after it works without restarting the client", func(t *testing.T) {
		ok, err := s.Use(ctx, "b", 1, time.Now().Add(time.Minute+time.Second))
		mustNoErr(t, err, "Use after the restart")
		if !ok {
			t.Fatal("a fresh nonce was refused after Redis came back")
		}
	})
}

// A server whose clock runs ahead of Redis's (within MaxClockSkew) issues
// nonces that expire later than Redis's clock would say: after a data
// loss, the floor must still cover them, or their used counts are
// accepted again.
func TestNonceStoreFloorCoversAServerClockAhead(t *testing.T) {
	rdb, prefix := sharedRedis(t)
	ctx := context.Background()
	const skew = 300 * time.Millisecond
	s, err := redisstore.NewNonceStore(rdb, redisstore.NonceStoreOptions{Prefix: prefix, NonceLifetime: time.Minute, MaxClockSkew: skew})
	mustNoErr(t, err, "NewNonceStore")
	_, err = s.Prepare(ctx)
	mustNoErr(t, err, "Prepare")
	time.Sleep(skew + 50*time.Millisecond)               // past the floor a fresh Redis sets
	exp := time.Now().Add(skew * 2 / 3).Add(time.Minute) // issued by a server 200 ms ahead
	ok, err := s.Use(ctx, "n", 1, exp)
	mustNoErr(t, err, "Use")
	if !ok {
		t.Fatal("first use refused")
	}
	if keys := keysUnder(t, rdb, prefix); len(keys) > 0 { // Redis restarts empty
		mustNoErr(t, rdb.Del(ctx, keys...).Err(), "DEL")
	}
	replayed, err := s.Use(ctx, "n", 1, exp)
	mustNoErr(t, err, "Use")
	if replayed {
		t.Fatal("nc=1, used before the loss, was accepted again after it: a replay")
	}
	if _, err := redisstore.NewNonceStore(rdb, redisstore.NonceStoreOptions{MaxClockSkew: -time.Second}); err == nil {
		t.Fatal("a negative MaxClockSkew was accepted")
	}
}
