package checkers

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gocred/gocred/cred"
)

// Cache defaults, used for zero CacheOptions fields.
const (
	DefaultCacheTTL        = 5 * time.Minute
	DefaultCacheMaxEntries = 10000
)

// CacheOptions configures a Cache. Zero fields take the defaults.
type CacheOptions struct {
	// TTL is how long a verified login is remembered; DefaultCacheTTL if zero.
	TTL time.Duration
	// MaxEntries bounds how many logins are remembered; when full, the
	// oldest entry is dropped. DefaultCacheMaxEntries if zero.
	MaxEntries int
	// Now returns the current time; time.Now if nil. Tests set it.
	Now func() time.Time
}

// CacheStats counts what a Cache did, for tests and metrics.
type CacheStats struct {
	// Hits counts logins accepted from the cache, without the inner checker.
	Hits uint64
	// Misses counts password logins passed to the inner checker.
	Misses uint64
	// Entries is how many verified logins are remembered now.
	Entries int
}

// Cache remembers recent successful password verifications of a checker
// with slow password hashes (bcrypt, argon2id), so a client that sends the
// same correct password on every request (HTTP Basic, FTP reconnects) pays
// for the slow hash once per TTL instead of on every request.
//
// It caches cred.UsernamePassword logins only; other credentials go straight
// to the inner checker. For each login it looks up the user's stored hash
// (cheap) and computes a key: HMAC-SHA256, under a random key made for this
// Cache, of the user name, the password and the stored hash. A live entry
// under that key is a success without the slow hash; otherwise the inner
// checker decides and only its successes are remembered. The password is
// never stored, only the keyed MAC. Changing a user's password changes the
// stored hash and so the key: old entries can no longer match. Over a
// Chain the key holds what every member stores for the user (hashes, an
// htdigest file's HA1), so a change in any of them counts; see
// Chain.LookupPasswordHash for the members it cannot see. Removing a
// user makes the lookup fail, and the login goes to the inner checker,
// which refuses it. Unknown users are never cached: the inner checker's
// dummy hash keeps their cost equal to a wrong password's.
//
// The inner checker must implement PasswordHashLookup (Limit and Chain
// forward it). See Limit for the recommended order of decorators.
type Cache struct {
	inner  cred.Checker
	lookup PasswordHashLookup
	// stamper, over a Chain, gives what every member holds for a user,
	// which keys the entries instead of lookup's hash; nil otherwise.
	stamper secretStamper
	ttl     time.Duration
	now     func() time.Time
	macs    sync.Pool // of *keyMAC, HMAC-SHA256 under this cache's key
	shards  []cacheShard

	hits, misses atomic.Uint64
}

// cacheKey is an HMAC-SHA256 output. Comparing keys by map lookup is not
// constant-time, but an attacker cannot compute keys without the cache's
// secret MAC key, so timing tells them nothing.
type cacheKey [sha256.Size]byte

type cacheEntry struct {
	id      cred.AvatarID
	expires time.Time
	slot    int // index in the shard's ring
}

// cacheShard is a bounded map with first-in-first-out eviction: ring holds
// keys in insertion order and next is the oldest slot once ring is full.
// With one TTL for all entries, the oldest inserted is also the first to
// expire, so FIFO evicts what is worth least, in O(1).
type cacheShard struct {
	mu      sync.RWMutex
	entries map[cacheKey]cacheEntry
	ring    []cacheKey
	size    int
	next    int
	_       [64]byte // keep shards on separate cache lines
}

// NewCache returns a Cache over inner. It fails if inner cannot look up
// password hashes or an option is negative.
func NewCache(inner cred.Checker, opts CacheOptions) (*Cache, error) {
	if inner == nil {
		return nil, errors.New("checkers: NewCache: inner checker is nil")
	}
	lookup, ok := passwordHashLookupOf(inner)
	if !ok {
		return nil, fmt.Errorf("checkers: NewCache: inner checker %s (%T) does not implement checkers.PasswordHashLookup; the cache needs the stored hash to key its entries", cred.DescribeChecker(inner), inner)
	}
	if throttled(inner) {
		return nil, fmt.Errorf("checkers: NewCache: inner checker %s holds a Throttle; put the Throttle outside the Cache, or a cached success would answer a locked-out client and let it keep guessing", cred.DescribeChecker(inner))
	}
	if opts.TTL < 0 {
		return nil, fmt.Errorf("checkers: NewCache: CacheOptions.TTL is negative (%v)", opts.TTL)
	}
	if opts.MaxEntries < 0 {
		return nil, fmt.Errorf("checkers: NewCache: CacheOptions.MaxEntries is negative (%d)", opts.MaxEntries)
	}
	if opts.TTL == 0 {
		opts.TTL = DefaultCacheTTL
	}
	if opts.MaxEntries == 0 {
		opts.MaxEntries = DefaultCacheMaxEntries
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	macKey := make([]byte, 32)
	if _, err := rand.Read(macKey); err != nil {
		return nil, fmt.Errorf("checkers: NewCache: making a MAC key: %w", err)
	}
	// Sharding spreads lock contention; small caches keep one shard so the
	// bound and the eviction order are exact.
	nshards := 1
	if opts.MaxEntries >= 1024 {
		nshards = 16
	}
	c := &Cache{
		inner:  inner,
		lookup: lookup,
		ttl:    opts.TTL,
		now:    opts.Now,
		shards: make([]cacheShard, nshards),
	}
	if st, ok := stamperOf(inner); ok {
		c.stamper = st
	}
	c.macs.New = func() any { return &keyMAC{mac: hmac.New(sha256.New, macKey)} }
	for i := range c.shards {
		c.shards[i].size = opts.MaxEntries / nshards
		c.shards[i].entries = make(map[cacheKey]cacheEntry)
	}
	return c, nil
}

// CredentialInterfaces returns the inner checker's.
func (c *Cache) CredentialInterfaces() []reflect.Type { return c.inner.CredentialInterfaces() }

// RequestAvatarID accepts a remembered login, or asks the inner checker and
// remembers its success.
func (c *Cache) RequestAvatarID(ctx context.Context, creds cred.Credentials, mind cred.Mind) (cred.AvatarID, error) {
	up, ok := creds.(cred.UsernamePassword)
	if !ok {
		return c.inner.RequestAvatarID(ctx, creds, mind)
	}
	user := up.Username()
	stored, found, err := c.stored(ctx, user)
	if err != nil {
		if c.stamper != nil {
			// One member's store is down: the chain may still answer
			// from another. Without the whole stamp no entry can be
			// trusted or made, so the inner checker decides alone.
			c.misses.Add(1)
			return c.inner.RequestAvatarID(ctx, creds, mind)
		}
		return cred.AvatarID{}, fmt.Errorf("checkers: cache: looking up the stored hash: %w", err)
	}
	if !found {
		c.misses.Add(1)
		return c.inner.RequestAvatarID(ctx, creds, mind)
	}
	key := c.key(user, up.Password(), stored)
	sh := &c.shards[int(key[0])%len(c.shards)]
	if id, ok := sh.get(key, c.now()); ok {
		c.hits.Add(1)
		return id, nil
	}
	c.misses.Add(1)
	id, err := c.inner.RequestAvatarID(ctx, creds, mind)
	if err != nil {
		return id, err
	}
	// Remember the success only if the stored hash is still the one the key
	// was made with: a password changed during verification must not leave
	// an entry keyed by the old hash.
	again, found, err := c.stored(ctx, user)
	if err == nil && found && subtle.ConstantTimeCompare([]byte(again), []byte(stored)) == 1 {
		sh.put(key, id, c.now().Add(c.ttl))
	}
	return id, nil
}

// stored returns what the inner checker's store holds for user: its
// password hash or, over a Chain, what every member holds.
func (c *Cache) stored(ctx context.Context, user string) (string, bool, error) {
	if c.stamper != nil {
		return c.stamper.secretStamp(ctx, user)
	}
	return c.lookup.LookupPasswordHash(ctx, user)
}

// Stats returns what the cache has done so far.
func (c *Cache) Stats() CacheStats {
	s := CacheStats{Hits: c.hits.Load(), Misses: c.misses.Load()}
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.RLock()
		s.Entries += len(sh.entries)
		sh.mu.RUnlock()
	}
	return s
}

// String describes the cache and its inner checker, for error messages.
func (c *Cache) String() string { return "cache(" + cred.DescribeChecker(c.inner) + ")" }

// key returns HMAC-SHA256(cache key, len user || user || len password ||
// password || len hash || hash); the lengths keep field boundaries
// unambiguous.
func (c *Cache) key(user, password, stored string) cacheKey {
	m := c.macs.Get().(*keyMAC)
	k := m.key(user, password, stored)
	c.macs.Put(m)
	return k
}

func (m *keyMAC) key(user, password, stored string) cacheKey {
	m.mac.Reset()
	b := m.buf[:0]
	for _, f := range [...]string{user, password, stored} {
		b = binary.BigEndian.AppendUint64(b, uint64(len(f)))
		b = append(b, f...)
	}
	m.mac.Write(b)
	var k cacheKey
	copy(k[:], m.mac.Sum(m.sum[:0]))
	// The message holds the password: wipe it before the buffer is kept
	// for the next key, and drop a buffer grown by an unusually long one.
	clear(b)
	if cap(b) <= maxKeyMACBuf {
		m.buf = b[:0]
	} else {
		m.buf = nil
	}
	return k
}

// keyMAC is a pooled HMAC with its message and output buffers: a message
// passed to the hash through its interface escapes, so reusing buffers
// that already live on the heap keeps key from allocating per login.
type keyMAC struct {
	mac hash.Hash
	buf []byte
	sum [sha256.Size]byte
}

// maxKeyMACBuf is the largest message buffer a pooled keyMAC keeps.
const maxKeyMACBuf = 1024

func (s *cacheShard) get(k cacheKey, now time.Time) (cred.AvatarID, bool) {
	s.mu.RLock()
	e, ok := s.entries[k]
	s.mu.RUnlock()
	if !ok {
		return cred.AvatarID{}, false
	}
	if !now.Before(e.expires) {
		s.mu.Lock()
		if e2, ok := s.entries[k]; ok && !now.Before(e2.expires) {
			delete(s.entries, k)
		}
		s.mu.Unlock()
		return cred.AvatarID{}, false
	}
	return e.id, true
}

func (s *cacheShard) put(k cacheKey, id cred.AvatarID, expires time.Time) {
	if s.size <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.entries[k]; ok {
		e.id, e.expires = id, expires
		s.entries[k] = e
		return
	}
	slot := len(s.ring)
	if slot < s.size {
		s.ring = append(s.ring, k)
	} else {
		slot = s.next
		s.next = (s.next + 1) % s.size
		// The slot's key may already be gone (expired) or reused; only drop
		// the entry that still owns this slot.
		if old, ok := s.entries[s.ring[slot]]; ok && old.slot == slot {
			delete(s.entries, s.ring[slot])
		}
		s.ring[slot] = k
	}
	s.entries[k] = cacheEntry{id: id, expires: expires, slot: slot}
}

// throttled reports whether c is, or wraps through Limits and Chains, a
// Throttle.
func throttled(c cred.Checker) bool {
	switch c := c.(type) {
	case *Throttle:
		return true
	case *Limit:
		return throttled(c.inner)
	case *Chain:
		return slices.ContainsFunc(c.members, throttled)
	}
	return false
}

// lookupForwarder is implemented by decorators (Limit, Throttle, Chain) that
// have a LookupPasswordHash method but can only serve it when what they wrap
// can, so NewCache can tell at construction.
type lookupForwarder interface {
	passwordHashLookup() (PasswordHashLookup, bool)
}

// passwordHashLookup forwards to the inner checker's lookup: a Cache in a
// Chain under another Cache is then seen by the outer one's key.
func (c *Cache) passwordHashLookup() (PasswordHashLookup, bool) { return passwordHashLookupOf(c.inner) }

// passwordHashLookupOf returns the password hash lookup c offers, if any.
func passwordHashLookupOf(c cred.Checker) (PasswordHashLookup, bool) {
	if f, ok := c.(lookupForwarder); ok {
		return f.passwordHashLookup()
	}
	lk, ok := c.(PasswordHashLookup)
	return lk, ok
}

var _ cred.Checker = (*Cache)(nil)
