package redisstore_test

import (
	"context"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/redisstore"
)

// ownReplica starts a redis-server replicating primary and waits until it
// has caught up.
func ownReplica(t *testing.T, primary *redisServer) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		needServer(t, "redis-server (not on PATH)")
	}
	s := &redisServer{t: t, bin: bin, port: freePort(t), args: []string{"--replicaof", "127.0.0.1", strconv.Itoa(primary.port)}}
	s.start()
	t.Cleanup(s.stop)
	rdb := newClient(s.addr())
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, _ := rdb.Info(context.Background(), "replication").Result()
		if strings.Contains(info, "master_link_status:up") {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replica on %s did not catch up within 10s:\n%s", s.addr(), info)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// With Replication, a nonce-count or failure count is on a replica before
// the store answers, and with the replica gone the store fails closed
// (an error, which refuses the login) instead of answering on writes a
// failover could lose.
func TestReplicationWaitsForTheReplica(t *testing.T) {
	primary := ownRedis(t, "--repl-diskless-sync-delay", "0") // replicas sync at once
	replica := ownReplica(t, primary)
	rdb := redis.NewClient(&redis.Options{Addr: primary.addr(), ReadTimeout: 4 * time.Second, MaxRetries: -1, ContextTimeoutEnabled: true}) // longer than the wait
	defer rdb.Close()
	onReplica := newClient(replica.addr())
	defer onReplica.Close()
	ctx := context.Background()
	repl := redisstore.Replication{Replicas: 1, Timeout: 2 * time.Second} // generous: CI runs packages in parallel

	nonces, err := redisstore.NewNonceStore(rdb, redisstore.NonceStoreOptions{Prefix: "r:", Replication: repl})
	mustNoErr(t, err, "NewNonceStore")
	failures, err := redisstore.NewThrottleStore(rdb, redisstore.ThrottleStoreOptions{Prefix: "r:", Replication: repl})
	mustNoErr(t, err, "NewThrottleStore")
	// A Redis without the store's marker refuses nonces issued before
	// it was marked (see NonceStore): mark it, then issue.
	if _, err := nonces.Prepare(ctx); err != nil {
		t.Fatalf("Prepare with the replica up: %v", err)
	}
	expires := time.Now().Add(redisstore.DefaultNonceLifetime + time.Second)
	keys := []checkers.ThrottleKey{{Key: "user:alice", Rule: checkers.ThrottleRule{MaxFailures: 5, Window: time.Minute, Lockout: time.Minute}}}

	fresh, err := nonces.Use(ctx, "n1", 1, expires)
	if err != nil || !fresh {
		t.Fatalf("Use with the replica up: %v, %v", fresh, err)
	}
	// Read at once from the replica: WAIT returned, so it has the write.
	if got, err := onReplica.Get(ctx, "r:nonce:n1").Result(); err != nil || got != "1" {
		t.Fatalf("the replica holds %q, %v for the nonce-count just used", got, err)
	}
	if fresh, err := nonces.Use(ctx, "n1", 1, expires); err != nil || fresh {
		t.Fatalf("the same count again: %v, %v; want refused", fresh, err)
	}
	if _, err := failures.Attempt(ctx, keys, time.Now()); err != nil {
		t.Fatalf("Attempt with the replica up: %v", err)
	}

	replica.stop()
	start := time.Now()
	if fresh, err := nonces.Use(ctx, "n2", 1, expires); err == nil || !strings.Contains(err.Error(), "replicas") {
		t.Fatalf("Use with the replica gone: %v, %v; want an error naming the replicas", fresh, err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the failing Use took %v; the timeout is %v", took, repl.Timeout)
	}
	if _, err := failures.Attempt(ctx, keys, time.Now()); err == nil {
		t.Fatal("Attempt with the replica gone succeeded; want an error")
	}

	// Without Replication the same primary answers alone.
	alone, err := redisstore.NewNonceStore(rdb, redisstore.NonceStoreOptions{Prefix: "a:"})
	mustNoErr(t, err, "NewNonceStore")
	if _, err := alone.Prepare(ctx); err != nil {
		t.Fatalf("Prepare without Replication: %v", err)
	}
	expires = time.Now().Add(redisstore.DefaultNonceLifetime + time.Second)
	if fresh, err := alone.Use(ctx, "n3", 1, expires); err != nil || !fresh {
		t.Fatalf("Use without Replication: %v, %v", fresh, err)
	}
}

// A ClusterClient is refused: the wait would have to follow the slot's
// node through MOVED and ASK itself.
func TestReplicationOverAClusterIsRefused(t *testing.T) {
	rdb, prefix := sharedCluster(t)
	repl := redisstore.Replication{Replicas: 1}
	if _, err := redisstore.NewNonceStore(rdb, redisstore.NonceStoreOptions{Prefix: prefix, Replication: repl}); err == nil || !strings.Contains(err.Error(), "*redis.ClusterClient") {
		t.Fatalf("NewNonceStore over a cluster with Replication: %v, want it refused", err)
	}
}

// A wait is answered before the client's read timeout, so go-redis never
// sends the script again: one attempt is counted once, and the error
// names the replicas.
func TestReplicationCountsAnAttemptOnceWhenTheReplicaIsMissing(t *testing.T) {
	primary := ownRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: primary.addr(), ReadTimeout: 2 * time.Second, ContextTimeoutEnabled: true}) // retries on
	defer rdb.Close()
	// Redis answers a timed-out WAIT up to a tick late: with less than
	// 1.5 s to spare, the reply could miss the read deadline (and the
	// script be sent again).
	for _, timeout := range []time.Duration{2 * time.Second, 900 * time.Millisecond, 501 * time.Millisecond} {
		if _, err := redisstore.NewThrottleStore(rdb, redisstore.ThrottleStoreOptions{Replication: redisstore.Replication{Replicas: 1, Timeout: timeout}}); err == nil || !strings.Contains(err.Error(), "ReadTimeout") {
			t.Fatalf("a Timeout of %v with a ReadTimeout of 2s: %v, want it refused", timeout, err)
		}
	}
	// No read timeout at all (-1; go-redis reports it as 0): any wait.
	forever := redis.NewClient(&redis.Options{Addr: primary.addr(), ReadTimeout: -1, ContextTimeoutEnabled: true})
	defer forever.Close()
	if _, err := redisstore.NewThrottleStore(forever, redisstore.ThrottleStoreOptions{Replication: redisstore.Replication{Replicas: 1, Timeout: 10 * time.Second}}); err != nil {
		t.Fatalf("a client without a read timeout: %v", err)
	}
	failures, err := redisstore.NewThrottleStore(rdb, redisstore.ThrottleStoreOptions{Prefix: "once:", Replication: redisstore.Replication{Replicas: 1, Timeout: 300 * time.Millisecond}})
	mustNoErr(t, err, "NewThrottleStore")
	keys := []checkers.ThrottleKey{{Key: "user:alice", Rule: checkers.ThrottleRule{MaxFailures: 5, Window: time.Minute, Lockout: time.Minute}}}
	if _, err := failures.Attempt(context.Background(), keys, time.Now()); err == nil || !strings.Contains(err.Error(), "replicas") {
		t.Fatalf("Attempt without a replica: %v, want an error naming the replicas", err)
	}
	got, err := rdb.HGet(context.Background(), "once:throttle:user:alice", "c").Result()
	if err != nil || got != "1" {
		t.Fatalf("the attempt's counter is %q, %v; want 1 (counted once)", got, err)
	}
}

// Replication needs to know which connection wrote: clients it cannot
// follow, and negative settings, are refused at construction.
func TestReplicationOptionsAreChecked(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true}) // never dialled
	defer rdb.Close()
	conn := rdb.Conn()
	defer conn.Close()
	for name, tc := range map[string]struct {
		client redis.Scripter
		repl   redisstore.Replication
		want   string
	}{
		"a single connection":   {conn, redisstore.Replication{Replicas: 1}, "*redis.Conn"},
		"negative replicas":     {rdb, redisstore.Replication{Replicas: -1}, "negative"},
		"a negative timeout":    {rdb, redisstore.Replication{Replicas: 1, Timeout: -time.Second}, "negative"},
		"no replicas, any kind": {conn, redisstore.Replication{}, ""},
	} {
		_, errN := redisstore.NewNonceStore(tc.client, redisstore.NonceStoreOptions{Replication: tc.repl})
		_, errT := redisstore.NewThrottleStore(tc.client, redisstore.ThrottleStoreOptions{Replication: tc.repl})
		for store, err := range map[string]error{"NewNonceStore": errN, "NewThrottleStore": errT} {
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("%s, %s: %v, want an error with %q", name, store, err, tc.want)
			}
		}
	}
}
