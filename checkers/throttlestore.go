package checkers

import (
	"context"
	"hash/maphash"
	"slices"
	"sync"
	"time"
)

// ThrottleRule is how one throttle key counts: at most MaxFailures attempts
// in a Window, then a lockout; optionally an exponential delay between
// attempts before that.
type ThrottleRule struct {
	// MaxFailures is how many attempts the key may make in a Window; the
	// attempt that reaches it starts a lockout.
	MaxFailures int
	// Window is how long attempts are counted, from the first one.
	Window time.Duration
	// Lockout is how long the key is refused once MaxFailures is reached.
	Lockout time.Duration
	// BaseDelay, if positive, blocks the key for BaseDelay<<(n-1) after its
	// n-th counted attempt (capped at Lockout), so a guesser slows down
	// before the lockout.
	BaseDelay time.Duration
}

// ThrottleKey is one counter a login attempt is charged to, with its rule.
type ThrottleKey struct {
	// Key names the counter, e.g. "user:alice" or "addr:2001:db8::/64".
	Key string
	// Rule says how the counter is judged.
	Rule ThrottleRule
}

// ThrottleStore keeps the failure counters a Throttle consults. A store
// shared between servers (Redis, with each method one Lua script: one
// round trip) makes every server count together.
//
// Attempts are counted before the password is checked, not after, so
// concurrent guesses cannot all slip past a check that has not yet seen the
// others' failures: the counter bounds guesses exactly. Attempts that turn
// out not to be failures (successes, internal errors) are given back with
// Forgive, so a shared store costs one more round trip per login. Each key
// holds a count, the end of its counting window and the end of its current
// block; the store may forget a key once both have passed. Every method must be safe for concurrent use and, for each
// call, atomic over all its keys.
type ThrottleStore interface {
	// Attempt charges an attempt to every key, unless some key is blocked
	// at now: then it charges nothing and returns how long until the
	// longest block ends. Charging a key: if its window has ended, the count
	// restarts at zero with a new window from now; the count goes up by one;
	// if it reaches Rule.MaxFailures the key is blocked until now +
	// Rule.Lockout, else if Rule.BaseDelay > 0 until now +
	// min(BaseDelay<<(count-1), Lockout). The attempt itself goes ahead.
	Attempt(ctx context.Context, keys []ThrottleKey, now time.Time) (retryAfter time.Duration, err error)
	// Forgive takes back one charged attempt from every key, for an attempt
	// that was not a refusal. If a key's count falls below Rule.MaxFailures, its block
	// is cut to end no later than now plus the backoff for the new count
	// (none if BaseDelay is zero or the count is zero).
	Forgive(ctx context.Context, keys []ThrottleKey, now time.Time) error
	// Reset forgets the keys: their counts and blocks.
	Reset(ctx context.Context, keys []string) error
	// Succeed records a successful attempt: it takes back one attempt from
	// every key in unblock and forgive, as Forgive does, and ends the block
	// of each key in unblock whose count is then below Rule.MaxFailures
	// instead of cutting it to the backoff: a user who got in is not kept
	// waiting by a backoff from earlier failures, whose count stays.
	// Atomic over all the keys, in one call.
	Succeed(ctx context.Context, unblock, forgive []ThrottleKey, now time.Time) error
}

// DefaultThrottleMaxKeys bounds a MemoryThrottleStore made by
// NewMemoryThrottleStore.
const DefaultThrottleMaxKeys = 100000

// MemoryThrottleStore is a ThrottleStore in this process's memory, for a
// single server. It holds at most its maximum number of keys: expired keys
// are dropped as it goes, a key whose attempts were all forgiven at once,
// and, if it is still full, one of a few keys taken at random is evicted
// to make room, the one with the fewest failures and not locked out if it
// can (which forgets that key's failures; size it for the traffic you
// expect under attack). It is sharded to spread lock contention.
type MemoryThrottleStore struct {
	seed   maphash.Seed
	shards []throttleShard
}

type throttleShard struct {
	mu        sync.Mutex
	entries   map[string]*throttleEntry
	max       int
	nextSweep time.Time
	_         [64]byte // keep shards on separate cache lines
}

type throttleEntry struct {
	count     int
	windowEnd time.Time
	blocked   time.Time // refused until then
	lockout   bool      // blocked for reaching MaxFailures, not a backoff
}

const throttleShards = 32

// NewMemoryThrottleStore returns a store holding at most
// DefaultThrottleMaxKeys keys.
func NewMemoryThrottleStore() *MemoryThrottleStore {
	return NewMemoryThrottleStoreSize(DefaultThrottleMaxKeys)
}

// NewMemoryThrottleStoreSize returns a store holding at most maxKeys keys
// (at least one per shard; DefaultThrottleMaxKeys if maxKeys <= 0).
func NewMemoryThrottleStoreSize(maxKeys int) *MemoryThrottleStore {
	if maxKeys <= 0 {
		maxKeys = DefaultThrottleMaxKeys
	}
	n := throttleShards
	if maxKeys < 4*n {
		n = 1 // small stores keep one shard so the bound is exact
	}
	s := &MemoryThrottleStore{seed: maphash.MakeSeed(), shards: make([]throttleShard, n)}
	for i := range s.shards {
		s.shards[i].entries = make(map[string]*throttleEntry)
		s.shards[i].max = max(maxKeys/n, 1)
	}
	return s
}

// Attempt implements ThrottleStore.
func (s *MemoryThrottleStore) Attempt(ctx context.Context, keys []ThrottleKey, now time.Time) (time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	unlock := s.lock(keys)
	defer unlock()
	var retry time.Duration
	for _, k := range keys {
		if e := s.shard(k.Key).entries[k.Key]; e != nil && now.Before(e.blocked) {
			retry = max(retry, e.blocked.Sub(now))
		}
	}
	if retry > 0 {
		return retry, nil
	}
	for _, k := range keys {
		sh := s.shard(k.Key)
		e := sh.entries[k.Key]
		if e == nil {
			e = &throttleEntry{}
			sh.insert(k.Key, e, now)
		}
		if !now.Before(e.windowEnd) {
			e.count, e.windowEnd = 0, now.Add(k.Rule.Window)
		}
		e.count++
		if d := k.Rule.block(e.count); d > 0 {
			e.blocked = now.Add(d)
			e.lockout = e.count >= k.Rule.MaxFailures
		}
	}
	return 0, nil
}

// Forgive implements ThrottleStore.
func (s *MemoryThrottleStore) Forgive(ctx context.Context, keys []ThrottleKey, now time.Time) error {
	unlock := s.lock(keys)
	defer unlock()
	s.forgiveLocked(keys, now, false)
	return nil
}

// Succeed implements ThrottleStore.
func (s *MemoryThrottleStore) Succeed(ctx context.Context, unblock, forgive []ThrottleKey, now time.Time) error {
	unlock := s.lock(append(slices.Clip(unblock), forgive...))
	defer unlock()
	s.forgiveLocked(unblock, now, true)
	s.forgiveLocked(forgive, now, false)
	return nil
}

// forgiveLocked is Forgive with the keys' shards locked; with lift, a
// block below the lockout is ended rather than cut to the new backoff.
func (s *MemoryThrottleStore) forgiveLocked(keys []ThrottleKey, now time.Time, lift bool) {
	for _, k := range keys {
		sh := s.shard(k.Key)
		e := sh.entries[k.Key]
		if e == nil || e.count == 0 {
			continue
		}
		e.count--
		if e.count < k.Rule.MaxFailures {
			e.lockout = false
			until := time.Time{}
			if k.Rule.BaseDelay > 0 && e.count > 0 && !lift {
				until = now.Add(k.Rule.block(e.count))
			}
			if until.Before(e.blocked) {
				e.blocked = until
			}
		}
		if e.count == 0 && !now.Before(e.blocked) {
			// Nothing left to remember. Kept, keys of forgiven attempts
			// (a client hanging up while queued, free for it) would fill
			// the store and push out the counts that matter.
			delete(sh.entries, k.Key)
		}
	}
}

// Reset implements ThrottleStore.
func (s *MemoryThrottleStore) Reset(ctx context.Context, keys []string) error {
	all := make([]ThrottleKey, len(keys))
	for i, k := range keys {
		all[i] = ThrottleKey{Key: k}
	}
	unlock := s.lock(all)
	defer unlock()
	for _, k := range keys {
		delete(s.shard(k).entries, k)
	}
	return nil
}

// Len returns how many keys the store holds, expired ones included.
func (s *MemoryThrottleStore) Len() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		n += len(sh.entries)
		sh.mu.Unlock()
	}
	return n
}

// block returns how long a key is blocked after its count-th attempt.
func (r ThrottleRule) block(count int) time.Duration {
	if count >= r.MaxFailures {
		return r.Lockout
	}
	if r.BaseDelay <= 0 {
		return 0
	}
	d := r.BaseDelay
	for i := 1; i < count && d < r.Lockout; i++ {
		d *= 2
	}
	return min(d, r.Lockout)
}

func (s *MemoryThrottleStore) shard(key string) *throttleShard {
	if len(s.shards) == 1 {
		return &s.shards[0]
	}
	return &s.shards[maphash.String(s.seed, key)%uint64(len(s.shards))]
}

// lock locks the shards of keys in index order (so concurrent calls cannot
// deadlock), each once, making the call atomic over its keys.
func (s *MemoryThrottleStore) lock(keys []ThrottleKey) (unlock func()) {
	var idx [4]int
	held := idx[:0]
	for _, k := range keys {
		i := 0
		if len(s.shards) > 1 {
			i = int(maphash.String(s.seed, k.Key) % uint64(len(s.shards)))
		}
		pos := 0
		for pos < len(held) && held[pos] < i {
			pos++
		}
		if pos < len(held) && held[pos] == i {
			continue
		}
		held = append(held, 0)
		copy(held[pos+1:], held[pos:])
		held[pos] = i
	}
	for _, i := range held {
		s.shards[i].mu.Lock()
	}
	return func() {
		for _, i := range held {
			s.shards[i].mu.Unlock()
		}
	}
}

// insert adds a key to the shard, making room first if it is full.
// The caller holds sh.mu.
func (sh *throttleShard) insert(key string, e *throttleEntry, now time.Time) {
	if len(sh.entries) >= sh.max && !now.Before(sh.nextSweep) {
		// Sweeping is O(keys), so do it at most once a second per shard.
		sh.nextSweep = now.Add(time.Second)
		for k, old := range sh.entries {
			if !now.Before(old.windowEnd) && !now.Before(old.blocked) {
				delete(sh.entries, k)
			}
		}
	}
	if len(sh.entries) >= sh.max {
		// Evict one of 8 keys taken at random (Go randomises map order):
		// one not locked out before one that is, then the one with the
		// fewest failures (see evictBefore), so that flooding the store
		// with new keys neither lifts a lockout nor wipes a count near
		// its limit.
		victim, sampled := "", 0
		var worst *throttleEntry
		for k, old := range sh.entries {
			if worst == nil || evictBefore(old, worst, now) {
				victim, worst = k, old
			}
			if sampled++; sampled == 8 {
				break
			}
		}
		delete(sh.entries, victim)
	}
	sh.entries[key] = e
}

// evictBefore reports whether a is a better key to forget than b: not
// locked out where b is, or as locked out and fewer failures in a window
// still running. (A backoff's block is no reason to keep a key: with
// BaseDelay, every key just tried has one, the flood's own included.)
func evictBefore(a, b *throttleEntry, now time.Time) bool {
	aLocked, bLocked := a.lockout && now.Before(a.blocked), b.lockout && now.Before(b.blocked)
	if aLocked != bLocked {
		return !aLocked
	}
	return liveCount(a, now) < liveCount(b, now)
}

// liveCount is e's failures in a window still running.
func liveCount(e *throttleEntry, now time.Time) int {
	if !now.Before(e.windowEnd) {
		return 0
	}
	return e.count
}

var _ ThrottleStore = (*MemoryThrottleStore)(nil)
