package redisstore

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultReplicaTimeout is how long a write waits for its replicas when
// Replicas is set and ReplicaTimeout is not.
const DefaultReplicaTimeout = time.Second

// Replication asks a store to wait, after each write, until that many
// replicas of the Redis primary have it (Redis's WAIT), and to fail the
// call if fewer do within the timeout. Redis replicates asynchronously: a
// replica promoted by a failover (Redis Cluster, Sentinel) may not have
// the last writes the old primary acknowledged, and a nonce-count or a
// failure count lost that way lets a captured Digest request be replayed
// once, or a guess go uncounted. Failovers pick the most up-to-date
// replica, so with writes acknowledged by at least one replica that window
// closes in practice (WAIT is not a consensus protocol: a failover that
// picks a replica without the write can still lose it).
//
// The price: every login waits for a replica's acknowledgement (one round
// trip between primary and replica), and with fewer replicas answering
// than asked, logins fail closed (a server error) until they are back.
type Replication struct {
	// Replicas is how many replicas must have each write; 0 (the
	// default) does not wait.
	Replicas int
	// Timeout bounds the wait; DefaultReplicaTimeout if zero.
	Timeout time.Duration
}

// check validates r for a store over rdb: waiting needs to know which
// node wrote, so rdb must be a *redis.Client or a *redis.ClusterClient.
func (r *Replication) check(fn string, rdb redis.Scripter) error {
	switch {
	case r.Replicas < 0:
		return fmt.Errorf("redisstore: %s: Replication.Replicas %d is negative", fn, r.Replicas)
	case r.Timeout < 0:
		return fmt.Errorf("redisstore: %s: Replication.Timeout %v is negative", fn, r.Timeout)
	case r.Replicas == 0:
		return nil
	}
	if r.Timeout == 0 {
		r.Timeout = DefaultReplicaTimeout
	}
	switch rdb.(type) {
	case *redis.Client, *redis.ClusterClient:
		return nil
	}
	return fmt.Errorf("redisstore: %s: Replication needs a *redis.Client or a *redis.ClusterClient, not a %T: WAIT must run on the connection that wrote", fn, rdb)
}

// run runs script with keys and args. With replicas asked for, it sends
// the script (EVAL) and WAIT in one pipeline, on one connection to the
// primary holding keys[0] (WAIT counts the writes of its own connection),
// and fails if fewer replicas than asked have them in time.
func (r Replication) run(ctx context.Context, rdb redis.Scripter, script *redis.Script, keys []string, args ...any) *redis.Cmd {
	if r.Replicas == 0 {
		return script.Run(ctx, rdb, keys, args...)
	}
	var node *redis.Client
	switch c := rdb.(type) {
	case *redis.Client:
		node = c
	case *redis.ClusterClient:
		var err error
		if node, err = c.MasterForKey(ctx, keys[0]); err != nil {
			return failedCmd(ctx, err)
		}
	default: // refused by check
		return failedCmd(ctx, fmt.Errorf("redisstore: Replication over a %T", rdb))
	}
	pipe := node.Pipeline()
	cmd := script.Eval(ctx, pipe, keys, args...)
	// Pipeliner lacks Wait; the command is the same.
	// A timeout of 0 would wait for ever.
	wait := redis.NewIntCmd(ctx, "wait", r.Replicas, max(r.Timeout.Milliseconds(), 1))
	_ = pipe.Process(ctx, wait)
	if _, err := pipe.Exec(ctx); err != nil {
		if cmd.Err() != nil {
			return cmd
		}
		return failedCmd(ctx, err)
	}
	if n := wait.Val(); n < int64(r.Replicas) {
		return failedCmd(ctx, fmt.Errorf("only %d of the %d replicas asked for had the write within %v", n, r.Replicas, r.Timeout))
	}
	return cmd
}

// failedCmd is a command that failed with err.
func failedCmd(ctx context.Context, err error) *redis.Cmd {
	cmd := redis.NewCmd(ctx)
	cmd.SetErr(err)
	return cmd
}
