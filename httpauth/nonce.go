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

// nonceEncoding is built once: Strict returns a new Encoding each call.
var nonceEncoding = base64.RawURLEncoding.Strict()

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
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("gocred digest nonce key\x00"))
	mac.Write([]byte(realm))
	block, err := aes.NewCipher(mac.Sum(nil))
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
	var src [nonceLen]byte
	if n, err := nonceEncoding.Decode(raw[:], append(src[:0], nonce...)); err != nil || n != nonceRawLen {
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

// opaque returns the value sent as opaque: fixed for a key and realm, so
// servers sharing a key agree on it.
func opaqueFor(key []byte, realm string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("gocred digest opaque\x00"))
	mac.Write([]byte(realm))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:12])
}
