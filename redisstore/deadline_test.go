package redisstore_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/redisstore"
)

// A client that would ignore the request's deadline is refused: go-redis
// leaves it to ReadTimeout unless ContextTimeoutEnabled is set, and every
// login would hang that long while Redis stalls.
func TestClientsMustHonourDeadlines(t *testing.T) {
	single := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer single.Close()
	cluster := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}})
	defer cluster.Close()
	for _, rdb := range []redis.Scripter{single, cluster} {
		if _, err := redisstore.NewNonceStore(rdb, redisstore.NonceStoreOptions{}); err == nil || !strings.Contains(err.Error(), "ContextTimeoutEnabled") {
			t.Errorf("NewNonceStore(%T without ContextTimeoutEnabled): %v, want an error naming it", rdb, err)
		}
		if _, err := redisstore.NewThrottleStore(rdb, redisstore.ThrottleStoreOptions{}); err == nil || !strings.Contains(err.Error(), "ContextTimeoutEnabled") {
			t.Errorf("NewThrottleStore(%T without ContextTimeoutEnabled): %v, want an error naming it", rdb, err)
		}
	}
}

// A Redis that takes connections and never answers holds a login no
// longer than the request's deadline allows (with go-redis's default
// ReadTimeout, 5 s, it held each for 5 s), and the store fails closed.
func TestStalledRedisEndsAtTheRequestsDeadline(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never answered, until the test ends
		}
	}()
	rdb := redis.NewClient(&redis.Options{Addr: ln.Addr().String(), ContextTimeoutEnabled: true})
	defer rdb.Close()
	nonces, err := redisstore.NewNonceStore(rdb, redisstore.NonceStoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	failures, err := redisstore.NewThrottleStore(rdb, redisstore.ThrottleStoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func(context.Context) error{
		"NonceStore.Use": func(ctx context.Context) error {
			ok, err := nonces.Use(ctx, "nonce", 1, time.Now().Add(time.Minute))
			if ok && err == nil {
				t.Error("a stalled Redis accepted a nonce-count")
			}
			return err
		},
		"ThrottleStore.Attempt": func(ctx context.Context) error {
			_, err := failures.Attempt(ctx, []checkers.ThrottleKey{{Key: "user:alice", Rule: checkers.ThrottleRule{MaxFailures: 5, Window: time.Minute, Lockout: time.Minute}}}, time.Now())
			return err
		},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		start := time.Now()
		err := call(ctx)
		took := time.Since(start)
		cancel()
		if err == nil || took > 2*time.Second {
			t.Errorf("%s against a stalled Redis: %v after %v; want an error at the 200 ms deadline", name, err, took)
		}
	}
}
