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
//
// It needs a *redis.Client (one primary with replicas, or
// redis.NewFailoverClient for Sentinel); a ClusterClient is refused. The
// Timeout plus 1.5 s must not exceed the client's ReadTimeout (go-redis
// v9's default is 5 s): Redis may answer WAIT up to a server tick late.
type Replication struct {
	// Replicas is how many replicas must have each write; 0 (the
	// default) does not wait.
	Replicas int
	// Timeout bounds the wait; DefaultReplicaTimeout if zero.
	Timeout time.Duration
}

// check validates r for a store over rdb. Waiting needs the connection
// that wrote, so rdb must be a *redis.Client (one primary, or Sentinel's
// failover client); and the wait must end well before the client's read
// timeout (see waitMargin), or go-redis would take the slow answer for a
// broken connection and send the script again (counting an attempt twice,
// or refusing a fresh nonce-count as used).
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
	c, ok := rdb.(*redis.Client)
	if !ok {
		// A ClusterClient would need the slot's node, and to follow
		// MOVED and ASK itself when slots move.
		return fmt.Errorf("redisstore: %s: Replication needs a *redis.Client (one primary, or redis.NewFailoverClient for Sentinel), not a %T", fn, rdb)
	}
	// Options are go-redis's normalised ones: the default filled in, and
	// 0 or less for no read timeout at all.
	read := c.Options().ReadTimeout
	if read > 0 && r.Timeout+waitMargin > read {
		return fmt.Errorf("redisstore: %s: Replication.Timeout %v plus %v must not exceed the client's ReadTimeout %v: Redis answers WAIT up to a server tick after its timeout, and a reply read after the deadline makes go-redis send the script again", fn, r.Timeout, waitMargin, read)
	}
	return nil
}

// waitMargin is how much longer than a WAIT's timeout its reply may take:
// Redis answers a timed-out WAIT at its next server tick (1000/hz ms:
// 100 ms at the default hz of 10, a second at hz 1), after the script
// itself ran, all within the one read deadline of the pipeline.
const waitMargin = 1500 * time.Millisecond

// run runs script with keys and args. With replicas asked for, it sends
// the script (EVAL) and WAIT in one pipeline, so on one connection (WAIT
// counts the writes of its own connection), and fails if fewer replicas
// than asked have them in time.
func (r Replication) run(ctx context.Context, rdb redis.Scripter, script *redis.Script, keys []string, args ...any) *redis.Cmd {
	if r.Replicas == 0 {
		return script.Run(ctx, rdb, keys, args...)
	}
	c, ok := rdb.(*redis.Client)
	if !ok { // refused by check
		return failedCmd(ctx, fmt.Errorf("redisstore: Replication over a %T", rdb))
	}
	pipe := c.Pipeline()
	cmd := script.Eval(ctx, pipe, keys, args...)
	// Pipeliner lacks Wait; the command is the same. A timeout of 0
	// would wait for ever.
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
