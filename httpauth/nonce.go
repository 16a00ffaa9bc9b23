package httpauth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash"
	"sync"
	"time"
)

// A nonce is base64url(issued | random | tag): the issue time in Unix
// nanoseconds (8 bytes), 8 random bytes, and the first 16 bytes of
// HMAC-SHA-256(key, domain | realm | issued | random). Any server holding the
// key can verify one without a lookup, and a nonce minted for one realm is
// worthless in another.
const (
	nonceRawLen = 8 + 8 + 16
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
	key      []byte
	realm    string
	lifetime time.Duration
	now      func() time.Time
	macs     sync.Pool // of *nonceMAC
}

// nonceMAC is a pooled HMAC with buffers of its own, so tagging a nonce
// allocates nothing.
type nonceMAC struct {
	mac hash.Hash
	in  []byte // "gocred digest nonce" 0 realm 0 issued|random
	sum [sha256.Size]byte
}

func (m *nonceMinter) tag(dst, issuedAndRandom []byte) {
	st, ok := m.macs.Get().(*nonceMAC)
	if !ok {
		st = &nonceMAC{mac: hmac.New(sha256.New, m.key)}
		st.in = append(append(append([]byte("gocred digest nonce\x00"), m.realm...), 0), make([]byte, 16)...)
	}
	copy(st.in[len(st.in)-16:], issuedAndRandom)
	st.mac.Reset()
	st.mac.Write(st.in)
	copy(dst, st.mac.Sum(st.sum[:0]))
	m.macs.Put(st)
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
	var want [16]byte
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
