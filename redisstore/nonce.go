package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultPrefix starts every key the stores write, unless options say
// otherwise.
const DefaultPrefix = "gocred:"

// DefaultClusterPrefix is the default prefix with a *redis.ClusterClient:
// its hash tag, {gocred}, puts every key of a store in one slot, so the
// keys a script touches together (a nonce and the data-loss marker; a
// user's and an address's failure counters) live on one node, as Lua
// scripts need.
const DefaultClusterPrefix = "{gocred}:"

// prefixFor returns the key prefix for a store over rdb: the one given,
// or the default for rdb's kind. With a Cluster, a prefix without a hash
// tag is an error: a script's keys would hash to different slots, which
// Redis Cluster refuses (CROSSSLOT).
//
// A *redis.Ring is refused: when a shard misses its heartbeats, the Ring
// moves that shard's keys to another one, whose counters are empty, so a
// locked-out user would be let in and a replayed Digest request accepted,
// without any error to fail closed on.
func prefixFor(fn string, rdb redis.Scripter, prefix string) (string, error) {
	switch rdb.(type) {
	case *redis.Ring:
		return "", fmt.Errorf("redisstore: %s: a *redis.Ring is not supported: when a shard stops answering, it moves the keys to another shard, which knows no lockout and no nonce-count, so lockouts and replay protection would silently lapse; use one Redis or a *redis.ClusterClient", fn)
	case *redis.ClusterClient:
		if prefix == "" {
			return DefaultClusterPrefix, nil
		}
		if !hasHashTag(prefix) {
			return "", fmt.Errorf("redisstore: %s: with a %T, Prefix must contain a hash tag such as %q, so the keys of one call share a slot (Prefix is %q)", fn, rdb, DefaultClusterPrefix, prefix)
		}
		return prefix, nil
	}
	if prefix == "" {
		return DefaultPrefix, nil
	}
	return prefix, nil
}

// checkDeadlines refuses a client that would ignore the request's context
// deadline: go-redis leaves it to ReadTimeout (5 s by default, or forever)
// unless ContextTimeoutEnabled is set, so while Redis stalls every login
// would hang that long, whatever deadline the server gave the request.
// Clients of other types cannot be asked; their documentation says how.
func checkDeadlines(fn string, rdb redis.Scripter) error {
	var enabled bool
	switch c := rdb.(type) {
	case *redis.Client:
		enabled = c.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		enabled = c.Options().ContextTimeoutEnabled
	default:
		return nil
	}
	if !enabled {
		return fmt.Errorf("redisstore: %s: the %T ignores the request's deadline (ContextTimeoutEnabled is false), so while Redis stalls every login would wait out its ReadTimeout; set ContextTimeoutEnabled: true in its options", fn, rdb)
	}
	return nil
}

// hasHashTag reports whether every key starting with prefix hashes to the
// same Redis Cluster slot: the prefix holds a '{' and, after it, a '}' with
// at least one byte between them (Redis then hashes only those bytes).
func hasHashTag(prefix string) bool {
	open := strings.IndexByte(prefix, '{')
	if open < 0 {
		return false
	}
	return strings.IndexByte(prefix[open+1:], '}') > 0
}

// DefaultNonceLifetime is httpauth's default Digest nonce lifetime.
const DefaultNonceLifetime = 5 * time.Minute

// NonceStoreOptions configure NewNonceStore. Zero values pick the defaults.
type NonceStoreOptions struct {
	// Prefix starts every key; DefaultPrefix if empty (DefaultClusterPrefix
	// with a *redis.ClusterClient, where a prefix must hold
	// a hash tag). Servers that share nonces must use the same prefix (and
	// the same Digest key).
	Prefix string
	// NonceLifetime must equal httpauth.DigestOptions.NonceLifetime
	// (DefaultNonceLifetime if zero, which is httpauth's default). After
	// Redis lost its data, nonces that expire within this long are refused
	// (their clients get stale=true and retry with a fresh nonce): they may
	// have been used before. Longer than the Digest lifetime only refuses
	// more fresh nonces for a while after such a loss; shorter lets old
	// nonce-counts be replayed then.
	NonceLifetime time.Duration
	// MaxClockSkew is how far ahead of Redis's clock a server's may run.
	// A nonce's expiry comes from the clock of the server that issued it,
	// while the data-loss floor comes from Redis's: after a loss, nonces
	// expiring within NonceLifetime plus MaxClockSkew of Redis's clock are
	// refused. Zero trusts the servers not to run ahead (synchronised by
	// NTP, they are milliseconds apart); a server running δ ahead would
	// then let the nonce-counts used in the last δ before a loss be
	// replayed. The price of a margin: for that long after Redis starts
	// empty, fresh nonces are refused too (their clients get stale=true).
	MaxClockSkew time.Duration
	// Replication, if set, makes every nonce-count wait for replicas of
	// the primary, so a failover does not lose it (see Replication).
	Replication Replication
}

// NonceStore is a Digest nonce-count store in Redis (it implements
// httpauth.NonceStore), so servers behind a load balancer that share it
// and a Digest key accept each other's nonces, but no nonce-count twice,
// whichever server a replay is sent to.
//
// Each Use is one Lua script (EVALSHA: one round trip): it compares the
// nonce-count with the highest one stored for the nonce and raises it,
// atomically; the key expires with the nonce, so Redis holds at most the
// nonces issued in one lifetime (about 110 bytes each).
//
// It fails closed. If Redis cannot be reached, Use returns an error and
// the Digest login is refused with a server error (and logged by
// httpauth); go-redis reconnects by itself, so logins resume when Redis is
// back. If Redis comes back empty (restarted without persistence, or
// flushed), the store cannot know which nonce-counts were used: a marker
// key tells it the data is gone, and it then refuses every nonce issued
// before (see NonceStoreOptions.NonceLifetime). Run Redis without
// persistence or with appendfsync always (an RDB snapshot brings back old
// counts with the marker, which would let the newest ones be replayed), and
// with maxmemory-policy noeviction (evicting a count would allow its
// replay; noeviction makes writes fail instead, which fails closed).
type NonceStore struct {
	rdb      redis.Scripter
	prefix   string
	marker   string
	floor    string
	lifetime int64 // ms: the nonce lifetime plus MaxClockSkew, what the floor covers
	repl     Replication
}

// useScript records a nonce-count. KEYS: the nonce's key, the marker, the
// floor. ARGV: nc, the nonce's expiry (Unix ms), the span the floor covers (ms: NonceLifetime
// plus MaxClockSkew).
// It returns 1 if nc is fresh, 0 if not.
//
// The marker is a key without expiry that exists as long as Redis kept its
// data. When it is missing, nonce-counts may have been lost, so the floor
// is set: no nonce expiring before it (issued before the loss) is accepted
// unless its count is on record. Redis's own clock sets the floor; the
// expiries come from the servers' clocks, hence the lifetime passed is
// NonceLifetime plus MaxClockSkew.
var useScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local life = tonumber(ARGV[3])
if redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('SET', KEYS[2], now)
  redis.call('SET', KEYS[3], now + life, 'PX', life)
end
local exp = tonumber(ARGV[2])
if exp <= now then return 0 end
local nc = tonumber(ARGV[1])
local last = redis.call('GET', KEYS[1])
if last then
  if nc <= tonumber(last) then return 0 end
else
  local floor = redis.call('GET', KEYS[3])
  if floor and exp <= tonumber(floor) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', exp - now)
return 1
`)

// prepareScript creates the marker if it is missing, setting the floor as
// useScript does. KEYS: the marker, the floor. ARGV: the lifetime (ms).
var prepareScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('SET', KEYS[1], now)
  redis.call('SET', KEYS[2], now + tonumber(ARGV[1]), 'PX', tonumber(ARGV[1]))
  return 1
end
return 0
`)

// NewNonceStore returns a store over rdb (a *redis.Client, or any client
// that runs scripts). A *redis.Client or *redis.ClusterClient must have
// ContextTimeoutEnabled set, so that a stalled Redis does not hold a login
// past its request's deadline; a client of another kind must honour
// context deadlines itself. It does not contact Redis; see Prepare.
func NewNonceStore(rdb redis.Scripter, opts NonceStoreOptions) (*NonceStore, error) {
	if rdb == nil {
		return nil, errors.New("redisstore: NewNonceStore: client is nil")
	}
	if opts.NonceLifetime < 0 {
		return nil, fmt.Errorf("redisstore: NewNonceStore: NonceLifetime %v is negative", opts.NonceLifetime)
	}
	if opts.NonceLifetime == 0 {
		opts.NonceLifetime = DefaultNonceLifetime
	}
	if opts.MaxClockSkew < 0 {
		return nil, fmt.Errorf("redisstore: NewNonceStore: MaxClockSkew %v is negative", opts.MaxClockSkew)
	}
	prefix, err := prefixFor("NewNonceStore", rdb, opts.Prefix)
	if err != nil {
		return nil, err
	}
	if err := checkDeadlines("NewNonceStore", rdb); err != nil {
		return nil, err
	}
	if err := opts.Replication.check("NewNonceStore", rdb); err != nil {
		return nil, err
	}
	opts.Prefix = prefix
	return &NonceStore{
		rdb:      rdb,
		prefix:   opts.Prefix + "nonce:",
		marker:   opts.Prefix + "nonce-epoch",
		floor:    opts.Prefix + "nonce-floor",
		lifetime: max((opts.NonceLifetime + opts.MaxClockSkew).Milliseconds(), 1),
		repl:     opts.Replication,
	}, nil
}

// Prepare marks a Redis that holds no nonce data yet as in use, refusing
// nonces issued before now (see NonceStore). Calling it at startup, before
// the first nonce is issued, spares clients one stale=true round on a fresh
// Redis; without it the first Use does the same. It reports whether it
// found no marker.
func (s *NonceStore) Prepare(ctx context.Context) (fresh bool, err error) {
	n, err := s.repl.run(ctx, s.rdb, prepareScript, []string{s.marker, s.floor}, s.lifetime).Int()
	if err != nil {
		return false, fmt.Errorf("redisstore: nonce store: %w", err)
	}
	return n == 1, nil
}

// Use records that nonce was used with nonce-count nc and reports whether
// nc is higher than every count used with it before, as
// httpauth.NonceStore asks. A Redis error is returned as an error, never
// as a fresh count.
func (s *NonceStore) Use(ctx context.Context, nonce string, nc uint64, expires time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if nc == 0 || !time.Now().Before(expires) {
		return false, nil
	}
	n, err := s.repl.run(ctx, s.rdb, useScript, []string{s.prefix + nonce, s.marker, s.floor},
		strconv.FormatUint(nc, 10), expires.UnixMilli(), s.lifetime).Int()
	if err != nil {
		return false, fmt.Errorf("redisstore: nonce store: %w", err)
	}
	return n == 1, nil
}
