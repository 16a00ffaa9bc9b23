package redisstore_test

import (
	"context"
	"crypto/rand"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/gocred/gocred/redisstore"
)

// sharedCluster returns a client of the Redis Cluster .ci/services.sh
// started, and a key prefix of this test's own with a hash tag.
func sharedCluster(t testing.TB) (*redis.ClusterClient, string) {
	t.Helper()
	addrs := os.Getenv("GOCRED_REDIS_CLUSTER_ADDRS")
	if addrs == "" {
		needServer(t, "Redis Cluster (GOCRED_REDIS_CLUSTER_ADDRS is unset)")
	}
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: strings.Split(addrs, ","), ContextTimeoutEnabled: true})
	t.Cleanup(func() { rdb.Close() })
	ctx := context.Background()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("GOCRED_REDIS_CLUSTER_ADDRS=%s does not answer: %v", addrs, err)
	}
	if state, err := rdb.ClusterInfo(ctx).Result(); err != nil || !strings.Contains(state, "cluster_state:ok") {
		t.Fatalf("the Redis Cluster is not ready: %v %q", err, state)
	}
	return rdb, "{gocredtest-" + rand.Text()[:10] + "}:"
}

// The two-server scenario of TestTwoServersShareOneRedis, over a
// three-node Redis Cluster: every script's keys share the prefix's hash
// tag, so no call is refused with CROSSSLOT, and all of the stores' keys
// are on one node.
func TestTwoServersShareRedisCluster(t *testing.T) {
	rdb, prefix := sharedCluster(t)
	// ForEachMaster calls its function on all masters at once.
	var masters atomic.Int32
	rdb.ForEachMaster(context.Background(), func(context.Context, *redis.Client) error { masters.Add(1); return nil })
	if masters.Load() < 2 {
		t.Fatalf("the cluster has %d masters; the test needs keys that could be spread", masters.Load())
	}
	testTwoServersShare(t, rdb, prefix)

	var mu sync.Mutex
	holding := map[string]int{}
	err := rdb.ForEachMaster(context.Background(), func(ctx context.Context, node *redis.Client) error {
		keys, err := node.Keys(ctx, prefix+"*").Result()
		if len(keys) > 0 {
			mu.Lock()
			holding[node.Options().Addr] = len(keys)
			mu.Unlock()
		}
		return err
	})
	mustNoErr(t, err, "KEYS on each master")
	if len(holding) != 1 {
		t.Fatalf("the stores' keys are on %d nodes (%v), want exactly one", len(holding), holding)
	}
}

// With a Cluster, the stores default to a prefix with a hash tag and
// refuse one without; a Ring, which moves keys when a shard is down, is
// refused whatever the prefix.
func TestClusterPrefixNeedsAHashTag(t *testing.T) {
	cluster := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}, ContextTimeoutEnabled: true})
	defer cluster.Close()
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": "127.0.0.1:1", "b": "127.0.0.1:2"}})
	defer ring.Close()
	for _, prefix := range []string{"", "{app}:"} {
		if _, err := redisstore.NewNonceStore(ring, redisstore.NonceStoreOptions{Prefix: prefix}); err == nil || !strings.Contains(err.Error(), "Ring") {
			t.Errorf("NewNonceStore(Ring, Prefix %q): %v, want an error about the Ring", prefix, err)
		}
		if _, err := redisstore.NewThrottleStore(ring, redisstore.ThrottleStoreOptions{Prefix: prefix}); err == nil || !strings.Contains(err.Error(), "Ring") {
			t.Errorf("NewThrottleStore(Ring, Prefix %q): %v, want an error about the Ring", prefix, err)
		}
	}
	for _, rdb := range []redis.Scripter{cluster} {
		for _, prefix := range []string{"app:", "{}:", "{app:", "app}:"} {
			_, err := redisstore.NewNonceStore(rdb, redisstore.NonceStoreOptions{Prefix: prefix})
			if err == nil || !strings.Contains(err.Error(), "hash tag") {
				t.Errorf("NewNonceStore(%T, Prefix %q): %v, want an error about the hash tag", rdb, prefix, err)
			}
			_, err = redisstore.NewThrottleStore(rdb, redisstore.ThrottleStoreOptions{Prefix: prefix})
			if err == nil || !strings.Contains(err.Error(), "hash tag") {
				t.Errorf("NewThrottleStore(%T, Prefix %q): %v, want an error about the hash tag", rdb, prefix, err)
			}
		}
		for _, prefix := range []string{"", "{app}:", "tenant-{7}:"} {
			if _, err := redisstore.NewNonceStore(rdb, redisstore.NonceStoreOptions{Prefix: prefix}); err != nil {
				t.Errorf("NewNonceStore(%T, Prefix %q): %v", rdb, prefix, err)
			}
			if _, err := redisstore.NewThrottleStore(rdb, redisstore.ThrottleStoreOptions{Prefix: prefix}); err != nil {
				t.Errorf("NewThrottleStore(%T, Prefix %q): %v", rdb, prefix, err)
			}
		}
	}
	// A single Redis takes any prefix.
	single := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	defer single.Close()
	if _, err := redisstore.NewNonceStore(single, redisstore.NonceStoreOptions{Prefix: "app:"}); err != nil {
		t.Errorf("NewNonceStore(single Redis, app:): %v", err)
	}
}
