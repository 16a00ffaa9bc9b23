package httpauth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"sync"
	"time"
)

// A nonce is base64url(issued | random | tag): the issue time in Unix
// nanoseconds (8 bytes), 8 random bytes, and tag = AES-256(k, issued |
// random), where k = HMAC-SHA-256(key, domain | realm). AES on one 16-byte
// block is a pseudorandom function, so the tag is a MAC of those 16 bytes
// (a forger would have to predict AES under an unknown key), and it costs
// one block encryption, a tenth of an HMAC. Any server holding the key can
// verify a nonce without a lookup, and a nonce minted for one realm is
// worthless in another, whose k differs.
const (
	nonceRawLen = 8 + 8 + aes.BlockSize
	nonceLen    = (nonceRawLen*8 + 5) / 6 // unpadded base64
)

var (
	errNonceInvalid = errors.New("nonce not issued by this server")
	errNonceExpired = errors.New("nonce expired")
)

// nonceMinter mints and verifies nonces for one realm.
type nonceMinter struct {
	block    cipher.Block // AES-256 under k; safe for concurrent use
	lifetime time.Duration
	now      func() time.Time
	// scratch holds *[2][aes.BlockSize]byte: what is passed to
	// block.Encrypt, an interface call, escapes, and a pooled buffer
	// keeps that from allocating per request.
	scratch sync.Pool
}

func newNonceMinter(key []byte, realm string, lifetime time.Duration) *nonceMinter {
	block, err := aes.NewCipher(deriveKey(key, "gocred digest nonce key", realm))
	if err != nil {
		panic("httpauth: AES-256 with a 32-byte key: " + err.Error()) // cannot happen
	}
	return &nonceMinter{block: block, lifetime: lifetime, now: time.Now}
}

// tag sets dst (16 bytes) to the tag of issuedAndRandom (16 bytes).
func (m *nonceMinter) tag(dst, issuedAndRandom []byte) {
	buf, ok := m.scratch.Get().(*[2][aes.BlockSize]byte)
	if !ok {
		buf = new([2][aes.BlockSize]byte)
	}
	copy(buf[0][:], issuedAndRandom)
	m.block.Encrypt(buf[1][:], buf[0][:])
	copy(dst, buf[1][:])
	m.scratch.Put(buf)
}

// mint returns a fresh nonce.
func (m *nonceMinter) mint() string {
	var raw [nonceRawLen]byte
	binary.BigEndian.PutUint64(raw[:8], uint64(m.now().UnixNano()))
	rand.Read(raw[8:16]) // crypto/rand.Read never fails
	m.tag(raw[16:], raw[:16])
	return base64.RawURLEncoding.EncodeToString(raw[:])
}

// verify checks a nonce's tag and age, returning when it expires.
// errNonceExpired is returned with the expiry of a nonce that is genuine
// but too old.
func (m *nonceMinter) verify(nonce string) (expires time.Time, err error) {
	if len(nonce) != nonceLen {
		return time.Time{}, errNonceInvalid
	}
	var raw [nonceRawLen]byte
	if !decodeNonce(&raw, nonce) {
		return time.Time{}, errNonceInvalid
	}
	var want [aes.BlockSize]byte
	m.tag(want[:], raw[:16])
	if !hmac.Equal(want[:], raw[16:]) {
		return time.Time{}, errNonceInvalid
	}
	issued := time.Unix(0, int64(binary.BigEndian.Uint64(raw[:8])))
	expires = issued.Add(m.lifetime)
	now := m.now()
	if issued.After(now.Add(time.Minute)) {
		// Minted by a server whose clock runs ahead; refuse rather than
		// accept a nonce that would live too long.
		return time.Time{}, errNonceInvalid
	}
	if !now.Before(expires) {
		return expires, errNonceExpired
	}
	return expires, nil
}

// decodeNonce decodes a nonce's nonceLen characters of unpadded base64url
// into raw, strictly (the unused low bits of the last character must be
// zero), as base64.RawURLEncoding.Strict() would, without copying the
// string.
func decodeNonce(raw *[nonceRawLen]byte, nonce string) bool {
	if len(nonce) != nonceLen {
		return false
	}
	var bad byte
	j := 0
	for i := 0; i+4 <= len(nonce); i += 4 {
		a, b, c, d := base64URLValue[nonce[i]], base64URLValue[nonce[i+1]], base64URLValue[nonce[i+2]], base64URLValue[nonce[i+3]]
		bad |= a | b | c | d
		raw[j], raw[j+1], raw[j+2] = a<<2|b>>4, b<<4|c>>2, c<<6|d
		j += 3
	}
	// nonceRawLen = 32 = 10*3 + 2: three characters carry the last two
	// bytes, and the last one's two low bits are unused.
	tail := nonce[len(nonce)-3:]
	a, b, c := base64URLValue[tail[0]], base64URLValue[tail[1]], base64URLValue[tail[2]]
	bad |= a | b | c
	raw[j], raw[j+1] = a<<2|b>>4, b<<4|c>>2
	return bad&0xc0 == 0 && c&3 == 0
}

// base64URLValue maps the base64url alphabet to its values and every other
// byte to 0xff.
var base64URLValue = func() (t [256]byte) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range t {
		t[i] = 0xff
	}
	for i := range len(alphabet) {
		t[alphabet[i]] = byte(i)
	}
	return t
}()

// opaque returns the value sent as opaque: fixed for a key and realm, so
// servers sharing a key agree on it.
func opaqueFor(key []byte, realm string) string {
	return base64.RawURLEncoding.EncodeToString(deriveKey(key, "gocred digest opaque", realm)[:12])
}

// deriveKey returns HMAC-SHA-256(key, purpose 0 realm): 32 bytes for one
// purpose and realm, unrelated to those for any other.
func deriveKey(key []byte, purpose, realm string) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(purpose))
	mac.Write([]byte{0})
	mac.Write([]byte(realm))
	return mac.Sum(nil)
}
