package httpauth

import (
	"context"
	"fmt"
	"hash/maphash"
	"sync"
	"time"
)

// NonceStore remembers the highest nonce-count used with each Digest nonce,
// so a captured request cannot be replayed. One call per request suffices,
// so a remote store (Redis: a Lua script or WATCH on one key) needs one
// round trip.
type NonceStore interface {
	// Use records that nonce was used with nonce-count nc and reports
	// whether nc is higher than every count used with it before. The
	// nonce is genuine and unexpired; the store may forget it after
	// expires. An error means the store could not answer; the request is
	// then refused with 500 (fail closed).
	Use(ctx context.Context, nonce string, nc uint64, expires time.Time) (ok bool, err error)
}

// MemoryNonceStoreOptions configure NewMemoryNonceStore. Zero values pick
// the defaults.
type MemoryNonceStoreOptions struct {
	// MaxNonces bounds how many nonces are remembered (default 1<<20).
	// When it is reached, the oldest are forgotten and, to fail closed,
	// nonces as old as those are refused (their clients get stale=true and
	// carry on with a fresh nonce).
	MaxNonces int
	// Window is how long a remembered nonce is kept at least; at least
	// the nonce lifetime (default 10 minutes; NewDigest refuses a store
	// remembering less than its nonces live).
	Window time.Duration
	// Shards is the number of independently locked shards (default 64).
	Shards int
}

// MemoryNonceStore is the in-memory NonceStore, bounded in size and time and
// sharded for concurrency. Each remembered nonce costs a 16-byte keyed hash
// and an 8-byte count in a map (about 35 bytes measured; see TestMemoryNonceStoreMemory).
type MemoryNonceStore struct {
	seed1, seed2 maphash.Seed
	shards       []nonceShard
	maxPerShard  int
	window       int64
	now          func() time.Time
}

type nonceKey [2]uint64

// nonceShard keeps two generations: entries are added to cur; cur becomes
// prev after Window, and prev is dropped after another Window. Entries so
// need no timestamps of their own.
type nonceShard struct {
	mu         sync.Mutex
	cur, prev  map[nonceKey]uint64
	curStart   int64 // Unix nanoseconds
	curMaxExp  int64
	prevMaxExp int64
	// floor: a nonce expiring at or before it that is not remembered may
	// have been forgotten early, so it is refused.
	floor int64
	_     [64]byte // keep shards on separate cache lines
}

// NewMemoryNonceStore returns an empty in-memory store.
func NewMemoryNonceStore(opts MemoryNonceStoreOptions) (*MemoryNonceStore, error) {
	if opts.MaxNonces < 0 || opts.Window < 0 || opts.Shards < 0 {
		return nil, fmt.Errorf("httpauth: NewMemoryNonceStore: negative option in %+v", opts)
	}
	if opts.MaxNonces == 0 {
		opts.MaxNonces = 1 << 20
	}
	if opts.Window == 0 {
		opts.Window = 10 * time.Minute
	}
	if opts.Shards == 0 {
		opts.Shards = 64
	}
	if opts.Shards > opts.MaxNonces {
		opts.Shards = opts.MaxNonces
	}
	s := &MemoryNonceStore{
		seed1:       maphash.MakeSeed(),
		seed2:       maphash.MakeSeed(),
		shards:      make([]nonceShard, opts.Shards),
		maxPerShard: max(1, opts.MaxNonces/opts.Shards),
		window:      int64(opts.Window),
		now:         time.Now,
	}
	now := s.now().UnixNano()
	for i := range s.shards {
		s.shards[i].cur = map[nonceKey]uint64{}
		s.shards[i].prev = map[nonceKey]uint64{}
		s.shards[i].curStart = now
	}
	return s, nil
}

// Use implements NonceStore.
func (s *MemoryNonceStore) Use(ctx context.Context, nonce string, nc uint64, expires time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	now := s.now().UnixNano()
	exp := expires.UnixNano()
	if nc == 0 || exp <= now {
		return false, nil
	}
	// Two independently seeded hashes: 128 bits, so distinct nonces do
	// not collide in practice, and the key is a fixed 16 bytes however
	// long the nonce.
	k := nonceKey{maphash.String(s.seed1, nonce), maphash.String(s.seed2, nonce)}
	sh := &s.shards[k[0]%uint64(len(s.shards))]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if now-sh.curStart >= s.window {
		sh.rotate(now)
	}
	if last, ok := sh.cur[k]; ok {
		if nc <= last {
			return false, nil
		}
		sh.cur[k] = nc
		return true, nil
	}
	if last, ok := sh.prev[k]; ok {
		if nc <= last {
			return false, nil
		}
		sh.prev[k] = nc
		return true, nil
	}
	if exp <= sh.floor {
		return false, nil
	}
	if len(sh.cur)+len(sh.prev) >= s.maxPerShard {
		sh.rotate(now)
		if len(sh.prev) >= s.maxPerShard {
			sh.rotate(now)
		}
	}
	sh.cur[k] = nc
	sh.curMaxExp = max(sh.curMaxExp, exp)
	return true, nil
}

// rotate drops prev and makes cur the new prev. If prev still held
// unexpired nonces, the floor rises so they cannot be replayed.
func (sh *nonceShard) rotate(now int64) {
	if len(sh.prev) > 0 && sh.prevMaxExp > now {
		sh.floor = max(sh.floor, sh.prevMaxExp)
	}
	old := sh.prev
	clear(old)
	sh.prev, sh.prevMaxExp = sh.cur, sh.curMaxExp
	sh.cur, sh.curMaxExp = old, 0
	sh.curStart = now
}

// Len returns how many nonces are remembered.
func (s *MemoryNonceStore) Len() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		n += len(sh.cur) + len(sh.prev)
		sh.mu.Unlock()
	}
	return n
}

var _ NonceStore = (*MemoryNonceStore)(nil)
