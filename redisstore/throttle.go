package redisstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gocred/gocred/checkers"
)

// ThrottleStoreOptions configure NewThrottleStore.
type ThrottleStoreOptions struct {
	// Prefix starts every key; DefaultPrefix if empty (DefaultClusterPrefix
	// with a *redis.ClusterClient, where a prefix must hold
	// a hash tag). Servers that count together must use the same prefix.
	Prefix string
	// Replication, if set, makes every count wait for replicas of the
	// primary, so a failover does not lose it (see Replication).
	Replication Replication
}

// ThrottleStore keeps a checkers.Throttle's failure counters in Redis, so
// servers that share it count failed logins together: a user locked out on
// one is locked out on all.
//
// Each method is one Lua script (EVALSHA: one round trip), atomic over all
// its keys. A counter is a small hash (count, end of window, end of block)
// whose key expires once both its window and its block have passed, so
// Redis holds only counters that still matter. Times are those the
// Throttle passes in, so the servers' clocks should agree to within a
// second or so. The keys of one call must live on one server: with Redis
// Cluster the prefix's hash tag keeps them in one slot (see
// ThrottleStoreOptions.Prefix).
//
// A Redis error is returned as an error: checkers.Throttle then refuses the
// login as an internal error (fail closed), and logins resume when Redis
// answers again. If Redis loses its data, the counters start again from
// zero; run it with maxmemory-policy noeviction so a full Redis refuses
// writes (failing closed) instead of forgetting lockouts.
type ThrottleStore struct {
	rdb    redis.Scripter
	prefix string
	repl   Replication
}

// Lua helper shared by the scripts: how long a key is blocked after its
// c-th counted attempt (checkers.ThrottleRule's rule).
const blockFunc = `
local function block(c, maxf, lock, base)
  if c >= maxf then return lock end
  if base <= 0 then return 0 end
  local d = base
  local i = 1
  while i < c and d < lock do
    d = d * 2
    i = i + 1
  end
  if d > lock then d = lock end
  return d
end
`

// attemptScript: KEYS are the counters; ARGV[1] is now (Unix ms), then
// four per key: max failures, window, lockout, base delay (ms). It returns
// 0 if the attempt was charged, else the longest remaining block (ms).
var attemptScript = redis.NewScript(blockFunc + `
local now = tonumber(ARGV[1])
local retry = 0
for i, k in ipairs(KEYS) do
  local b = tonumber(redis.call('HGET', k, 'b') or '0')
  if b - now > retry then retry = b - now end
end
if retry > 0 then return retry end
for i, k in ipairs(KEYS) do
  local o = 2 + (i - 1) * 4
  local maxf, win, lock, base = tonumber(ARGV[o]), tonumber(ARGV[o + 1]), tonumber(ARGV[o + 2]), tonumber(ARGV[o + 3])
  local v = redis.call('HMGET', k, 'c', 'w', 'b')
  local c, w, b = tonumber(v[1] or '0'), tonumber(v[2] or '0'), tonumber(v[3] or '0')
  if now >= w then
    c = 0
    w = now + win
  end
  c = c + 1
  local d = block(c, maxf, lock, base)
  if d > 0 then b = now + d end
  redis.call('HSET', k, 'c', c, 'w', w, 'b', b)
  local ttl = math.max(w, b) - now
  if ttl < 1 then ttl = 1 end
  redis.call('PEXPIRE', k, ttl)
end
return 0
`)

// forgiveFunc takes one attempt back from key k, whose rule's arguments
// start at ARGV[o] (as attemptScript's), if it exists.
// With lift, a block left below the lockout is ended, not cut to the
// backoff of the new count (Succeed's unblock keys).
const forgiveFunc = `
local function forgive(k, o, now, lift)
  local maxf, lock, base = tonumber(ARGV[o]), tonumber(ARGV[o + 2]), tonumber(ARGV[o + 3])
  local v = redis.call('HMGET', k, 'c', 'b')
  local c = tonumber(v[1] or '0')
  if c > 0 then
    c = c - 1
    local b = tonumber(v[2] or '0')
    if c < maxf then
      local u = 0
      if base > 0 and c > 0 and not lift then u = now + block(c, maxf, lock, base) end
      if u < b then b = u end
    end
    -- HSET keeps the key's expiry, which still covers the window and the
    -- (now shorter) block.
    redis.call('HSET', k, 'c', c, 'b', b)
  end
end
`

// forgiveScript: as attemptScript's arguments. It takes one attempt back
// from every key that exists.
var forgiveScript = redis.NewScript(blockFunc + forgiveFunc + `
local now = tonumber(ARGV[1])
for i, k in ipairs(KEYS) do
  forgive(k, 2 + (i - 1) * 4, now, false)
end
return 0
`)

// succeedScript: as forgiveScript's arguments, with ARGV[2] the number of
// keys, first in KEYS, whose backoff block is ended too; the others' rules
// follow from ARGV[3].
var succeedScript = redis.NewScript(blockFunc + forgiveFunc + `
local now = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
for i, k in ipairs(KEYS) do
  forgive(k, 3 + (i - 1) * 4, now, i <= n)
end
return 0
`)

// resetScript deletes the keys.
var resetScript = redis.NewScript(`return redis.call('DEL', unpack(KEYS))`)

// NewThrottleStore returns a store over rdb (a *redis.Client, or any client
// that runs scripts), which must honour context deadlines as
// NewNonceStore says. It does not contact Redis.
func NewThrottleStore(rdb redis.Scripter, opts ThrottleStoreOptions) (*ThrottleStore, error) {
	if rdb == nil {
		return nil, errors.New("redisstore: NewThrottleStore: client is nil")
	}
	prefix, err := prefixFor("NewThrottleStore", rdb, opts.Prefix)
	if err != nil {
		return nil, err
	}
	if err := checkDeadlines("NewThrottleStore", rdb); err != nil {
		return nil, err
	}
	if err := opts.Replication.check("NewThrottleStore", rdb); err != nil {
		return nil, err
	}
	return &ThrottleStore{rdb: rdb, prefix: prefix + "throttle:", repl: opts.Replication}, nil
}

// Attempt implements checkers.ThrottleStore.
func (s *ThrottleStore) Attempt(ctx context.Context, keys []checkers.ThrottleKey, now time.Time) (time.Duration, error) {
	if len(keys) == 0 {
		return 0, nil
	}
	retry, err := s.repl.run(ctx, s.rdb, attemptScript, s.names(keys), s.args(keys, now)...).Int64()
	if err != nil {
		return 0, fmt.Errorf("redisstore: throttle store: %w", err)
	}
	return time.Duration(retry) * time.Millisecond, nil
}

// Forgive implements checkers.ThrottleStore.
func (s *ThrottleStore) Forgive(ctx context.Context, keys []checkers.ThrottleKey, now time.Time) error {
	if len(keys) == 0 {
		return nil
	}
	if err := s.repl.run(ctx, s.rdb, forgiveScript, s.names(keys), s.args(keys, now)...).Err(); err != nil {
		return fmt.Errorf("redisstore: throttle store: %w", err)
	}
	return nil
}

// Reset implements checkers.ThrottleStore.
func (s *ThrottleStore) Reset(ctx context.Context, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = s.prefix + k
	}
	if err := s.repl.run(ctx, s.rdb, resetScript, names).Err(); err != nil {
		return fmt.Errorf("redisstore: throttle store: %w", err)
	}
	return nil
}

// Succeed implements checkers.ThrottleStore, in one round trip.
func (s *ThrottleStore) Succeed(ctx context.Context, unblock, forgive []checkers.ThrottleKey, now time.Time) error {
	all := append(slices.Clip(unblock), forgive...)
	if len(all) == 0 {
		return nil
	}
	args := s.args(all, now)
	args = append(args[:1], append([]any{len(unblock)}, args[1:]...)...)
	if err := s.repl.run(ctx, s.rdb, succeedScript, s.names(all), args...).Err(); err != nil {
		return fmt.Errorf("redisstore: throttle store: %w", err)
	}
	return nil
}

func (s *ThrottleStore) names(keys []checkers.ThrottleKey) []string {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = s.prefix + k.Key
	}
	return names
}

func (s *ThrottleStore) args(keys []checkers.ThrottleKey, now time.Time) []any {
	args := make([]any, 0, 1+4*len(keys))
	args = append(args, now.UnixMilli())
	for _, k := range keys {
		args = append(args, k.Rule.MaxFailures, k.Rule.Window.Milliseconds(), k.Rule.Lockout.Milliseconds(), k.Rule.BaseDelay.Milliseconds())
	}
	return args
}

var _ checkers.ThrottleStore = (*ThrottleStore)(nil)
