package checkers

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"sync"

	"github.com/gocred/gocred/cred"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Hasher turns a plaintext password into an encoded hash that
// VerifyPassword understands. Memory uses one to store new passwords.
type Hasher interface {
	// Hash returns the encoded hash of password with a fresh random salt.
	Hash(password string) (string, error)
	// Name describes the algorithm and its parameters, e.g.
	// "argon2id(m=19456,t=2,p=1)"; never a secret.
	Name() string
}

// Argon2id hashes passwords with Argon2id (RFC 9106) into the PHC string
// format ($argon2id$v=19$m=...,t=...,p=...$salt$key). Zero fields take the
// defaults, OWASP's first recommendation: 19 MiB, 2 passes, 1 lane, a
// 16-byte salt and a 32-byte key.
type Argon2id struct {
	MemoryKiB uint32 // memory in KiB; default 19456
	Time      uint32 // passes over memory; default 2
	Threads   uint8  // lanes; default 1
	SaltLen   uint32 // salt bytes; default 16; 8 to 64
	KeyLen    uint32 // key bytes; default 32; 16 to 64
}

func (a Argon2id) withDefaults() Argon2id {
	if a.MemoryKiB == 0 {
		a.MemoryKiB = 19456
	}
	if a.Time == 0 {
		a.Time = 2
	}
	if a.Threads == 0 {
		a.Threads = 1
	}
	if a.SaltLen == 0 {
		a.SaltLen = 16
	}
	if a.KeyLen == 0 {
		a.KeyLen = 32
	}
	return a
}

// Hash returns the PHC-encoded Argon2id hash of password, which must be
// at most MaxPasswordBytes long.
func (a Argon2id) Hash(password string) (string, error) {
	if err := checkPasswordLength(password); err != nil {
		return "", err
	}
	a = a.withDefaults()
	if a.MemoryKiB < 8*uint32(a.Threads) {
		return "", fmt.Errorf("checkers: argon2id: memory %d KiB is below 8 KiB per thread", a.MemoryKiB)
	}
	// What VerifyPassword would refuse is refused before the work.
	if a.MemoryKiB > MaxMemoryBytes>>10 {
		return "", fmt.Errorf("checkers: argon2id: memory %d KiB is above MaxMemoryBytes (%d KiB)", a.MemoryKiB, MaxMemoryBytes>>10)
	}
	if a.Time > maxArgon2Passes {
		return "", fmt.Errorf("checkers: argon2id: %d passes are above %d", a.Time, maxArgon2Passes)
	}
	if a.SaltLen < minSaltBytes || a.SaltLen > maxSaltBytes {
		return "", fmt.Errorf("checkers: argon2id: a salt of %d bytes is not within %d to %d", a.SaltLen, minSaltBytes, maxSaltBytes)
	}
	if a.KeyLen < minKeyBytes || a.KeyLen > maxKeyBytes {
		return "", fmt.Errorf("checkers: argon2id: a key of %d bytes is not within %d to %d", a.KeyLen, minKeyBytes, maxKeyBytes)
	}
	salt := make([]byte, a.SaltLen)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, a.Time, a.MemoryKiB, a.Threads, a.KeyLen)
	h := fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, a.MemoryKiB, a.Time, a.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
	if _, err := parseHash(h); err != nil { // a salt or key length the decoder refuses, say
		return "", fmt.Errorf("checkers: %s makes hashes VerifyPassword cannot check: %w", a.Name(), err)
	}
	return h, nil
}

// Name returns e.g. "argon2id(m=19456,t=2,p=1)".
func (a Argon2id) Name() string {
	a = a.withDefaults()
	return fmt.Sprintf("argon2id(m=%d,t=%d,p=%d)", a.MemoryKiB, a.Time, a.Threads)
}

// Bcrypt hashes passwords with bcrypt at Cost (bcrypt.DefaultCost, 10, when
// zero). bcrypt uses only the first 72 bytes of a password; Hash refuses
// longer ones rather than truncate silently.
type Bcrypt struct {
	Cost int // 4 to MaxBcryptCost; bcrypt.DefaultCost (10) if zero
}

// Hash returns the bcrypt hash of password ($2a$).
func (b Bcrypt) Hash(password string) (string, error) {
	if err := checkPasswordLength(password); err != nil {
		return "", err
	}
	cost := b.cost()
	if cost < bcrypt.MinCost || cost > MaxBcryptCost {
		return "", fmt.Errorf("checkers: bcrypt cost %d is outside %d..%d (MaxBcryptCost: VerifyPassword refuses higher)", cost, bcrypt.MinCost, MaxBcryptCost)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return "", fmt.Errorf("checkers: bcrypt: %w", err)
	}
	return string(h), nil
}

func (b Bcrypt) cost() int {
	if b.Cost == 0 {
		return bcrypt.DefaultCost
	}
	return b.Cost
}

// Name returns e.g. "bcrypt(cost=10)".
func (b Bcrypt) Name() string { return "bcrypt(cost=" + strconv.Itoa(b.cost()) + ")" }

// Memory is an in-memory store of user names and encoded password hashes.
// It checks cred.UsernamePassword credentials and is safe for concurrent
// use, including changes while logins run.
//
// An unknown user's password is verified against a dummy hash made by the
// store's Hasher, so it costs what a wrong password costs; hashes set with
// SetHash should therefore be of the Hasher's kind and cost.
type Memory struct {
	hasher Hasher

	mu    sync.RWMutex
	users map[string]string

	dummy    string
	dummyErr error
}

// NewMemory returns an empty store hashing new passwords with h; nil means
// Argon2id{} (the defaults). It hashes once, to make the dummy hash for
// unknown users.
func NewMemory(h Hasher) *Memory {
	if h == nil {
		h = Argon2id{}
	}
	m := &Memory{hasher: h, users: make(map[string]string)}
	m.dummy, m.dummyErr = h.Hash(rand.Text())
	if m.dummyErr == nil {
		if _, err := parseHash(m.dummy); err != nil {
			m.dummyErr = fmt.Errorf("%s made a hash VerifyPassword cannot check: %w", h.Name(), err)
		}
	}
	return m
}

// Add sets user's password, hashed by the store's Hasher.
func (m *Memory) Add(user, password string) error {
	if user == "" {
		return errors.New("checkers: memory: empty user name")
	}
	if password == "" {
		return fmt.Errorf("checkers: memory: empty password for user %s", strconv.Quote(user))
	}
	h, err := m.hasher.Hash(password)
	if err != nil {
		return fmt.Errorf("checkers: memory: hashing the password of user %s: %w", strconv.Quote(user), err)
	}
	if _, err := parseHash(h); err != nil { // a Hasher of one's own, making what VerifyPassword refuses
		return fmt.Errorf("checkers: memory: %s made a hash VerifyPassword cannot check: %w", m.hasher.Name(), err)
	}
	m.mu.Lock()
	m.users[user] = h
	m.mu.Unlock()
	return nil
}

// SetHash sets user's encoded password hash, as VerifyPassword understands
// it. The hash is decoded first; an unsupported or malformed one is an
// error (matching ErrUnsupportedHash) and changes nothing.
func (m *Memory) SetHash(user, encoded string) error {
	if user == "" {
		return errors.New("checkers: memory: empty user name")
	}
	if _, err := parseHash(encoded); err != nil {
		return fmt.Errorf("checkers: memory: hash for user %s: %w", strconv.Quote(user), err)
	}
	m.mu.Lock()
	m.users[user] = encoded
	m.mu.Unlock()
	return nil
}

// Remove deletes user; removing an unknown user does nothing.
func (m *Memory) Remove(user string) {
	m.mu.Lock()
	delete(m.users, user)
	m.mu.Unlock()
}

// Len returns the number of users.
func (m *Memory) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.users)
}

// CredentialInterfaces returns cred.UsernamePassword.
func (m *Memory) CredentialInterfaces() []reflect.Type {
	return []reflect.Type{cred.UsernamePasswordType}
}

// RequestAvatarID verifies the password against the user's stored hash. A
// wrong password and an unknown user both return cred.ErrUnauthorizedLogin,
// after a hash verification of the same cost; a hash that cannot be
// verified is an internal error.
func (m *Memory) RequestAvatarID(ctx context.Context, creds cred.Credentials, mind cred.Mind) (cred.AvatarID, error) {
	c, ok := creds.(cred.UsernamePassword)
	if !ok {
		return cred.AvatarID{}, unhandled(m, creds)
	}
	user := c.Username()
	if user == "" {
		return cred.AvatarID{}, cred.ErrUnknownUser
	}
	m.mu.RLock()
	encoded, found := m.users[user]
	m.mu.RUnlock()
	if !found {
		if m.dummyErr != nil {
			return cred.AvatarID{}, fmt.Errorf("checkers: memory: making the dummy hash with %s: %w", m.hasher.Name(), m.dummyErr)
		}
		VerifyPassword(m.dummy, c.Password()) // same cost as a wrong password; result unused
		return cred.AvatarID{}, cred.ErrUnknownUser
	}
	return verifyUser(m, user, encoded, c.Password())
}

// refusal is the error for a refused login: cred.ErrUnknownUser when the
// store does not hold the user (found false), cred.ErrUnauthorizedLogin
// for a wrong password.
func refusal(found bool) error {
	if found {
		return cred.ErrUnauthorizedLogin
	}
	return cred.ErrUnknownUser
}

// verifyUser verifies a known user's password: the shared tail of the
// hash-storing checkers.
func verifyUser(store fmt.Stringer, user, encoded, password string) (cred.AvatarID, error) {
	ok, err := VerifyPassword(encoded, password)
	if err != nil {
		return cred.AvatarID{}, fmt.Errorf("checkers: %s: verifying the password of user %s: %w", store, strconv.Quote(user), err)
	}
	if !ok {
		return cred.AvatarID{}, cred.ErrUnauthorizedLogin
	}
	return cred.UserID(user), nil
}

// LookupPasswordHash returns user's stored encoded hash.
func (m *Memory) LookupPasswordHash(ctx context.Context, user string) (string, bool, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	h, ok := m.users[user]
	return h, ok, nil
}

// String returns e.g. "memory (argon2id(m=19456,t=2,p=1))".
func (m *Memory) String() string { return "memory (" + m.hasher.Name() + ")" }

// constantTimeEqual compares two strings in constant time (for equal
// lengths; the length of a hash is not a secret).
func constantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

var (
	_ cred.Checker       = (*Memory)(nil)
	_ PasswordHashLookup = (*Memory)(nil)
	_ Hasher             = Argon2id{}
	_ Hasher             = Bcrypt{}
)

// checkPasswordLength refuses to hash a password that VerifyPassword would
// never accept.
func checkPasswordLength(password string) error {
	if len(password) > MaxPasswordBytes {
		return fmt.Errorf("checkers: password of %d bytes is longer than MaxPasswordBytes (%d)", len(password), MaxPasswordBytes)
	}
	return nil
}
