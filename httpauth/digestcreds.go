package httpauth

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gocred/gocred/cred"
)

// digestAlgorithm is one RFC 7616 algorithm: a hash, and whether it is a
// -sess variant.
type digestAlgorithm struct {
	name string // as on the wire: "SHA-256-sess"
	base string // cred.AlgorithmSHA256
	sess bool
	size int // digest size in bytes
}

// sum appends H(data) to dst. Static calls (no func values) let the
// compiler keep every buffer on the stack.
func (a *digestAlgorithm) sum(dst, data []byte) []byte {
	switch a.base {
	case cred.AlgorithmSHA512_256:
		s := sha512.Sum512_256(data)
		return append(dst, s[:]...)
	case cred.AlgorithmSHA256:
		s := sha256.Sum256(data)
		return append(dst, s[:]...)
	default:
		s := md5.Sum(data)
		return append(dst, s[:]...)
	}
}

// sumKeepingPrefix appends H(prefix | tail) to dst, as sum does, and
// appends to state the hash's state after prefix, so that sumAfterPrefix
// can hash the same prefix with another tail without hashing the prefix
// again: the rspauth digest shares the response's prefix
// (HA1:nonce:nc:cnonce:qop:), one MD5 or two SHA-256 blocks. For
// SHA-512/256, whose state is too large to keep, it returns no state.
// Each hash is used through its concrete type, so nothing escapes.
func (a *digestAlgorithm) sumKeepingPrefix(dst, prefix, tail, state []byte) (sum, prefixState []byte) {
	switch a.base {
	case cred.AlgorithmMD5:
		h := md5.New()
		h.Write(prefix)
		state, _ = h.(encoding.BinaryAppender).AppendBinary(state)
		h.Write(tail)
		return h.Sum(dst), state
	case cred.AlgorithmSHA256:
		h := sha256.New()
		h.Write(prefix)
		state, _ = h.(encoding.BinaryAppender).AppendBinary(state)
		h.Write(tail)
		return h.Sum(dst), state
	}
	var in [512]byte
	return a.sum(dst, append(append(in[:0], prefix...), tail...)), nil
}

// sumAfterPrefix appends H(prefix | tail) to dst, where prefixState is
// what sumKeepingPrefix kept for prefix; false if there is no such state.
func (a *digestAlgorithm) sumAfterPrefix(dst, prefixState, tail []byte) ([]byte, bool) {
	switch a.base {
	case cred.AlgorithmMD5:
		h := md5.New()
		if h.(encoding.BinaryUnmarshaler).UnmarshalBinary(prefixState) != nil {
			return dst, false
		}
		h.Write(tail)
		return h.Sum(dst), true
	case cred.AlgorithmSHA256:
		h := sha256.New()
		if h.(encoding.BinaryUnmarshaler).UnmarshalBinary(prefixState) != nil {
			return dst, false
		}
		h.Write(tail)
		return h.Sum(dst), true
	}
	return dst, false
}

var digestAlgorithms = []*digestAlgorithm{
	{name: "SHA-512-256", base: cred.AlgorithmSHA512_256, size: sha512.Size256},
	{name: "SHA-512-256-sess", base: cred.AlgorithmSHA512_256, sess: true, size: sha512.Size256},
	{name: "SHA-256", base: cred.AlgorithmSHA256, size: sha256.Size},
	{name: "SHA-256-sess", base: cred.AlgorithmSHA256, sess: true, size: sha256.Size},
	{name: "MD5", base: cred.AlgorithmMD5, size: md5.Size},
	{name: "MD5-sess", base: cred.AlgorithmMD5, sess: true, size: md5.Size},
}

// strength orders algorithms strongest first, for challenges.
func (a *digestAlgorithm) strength() int {
	switch a.base {
	case cred.AlgorithmSHA512_256:
		return 3
	case cred.AlgorithmSHA256:
		return 2
	default:
		return 1
	}
}

func lookupAlgorithm(name string) *digestAlgorithm {
	for _, a := range digestAlgorithms {
		if strings.EqualFold(a.name, name) {
			return a
		}
	}
	return nil
}

// joined appends the parts joined by ':' to dst.
func joined(dst []byte, parts ...string) []byte {
	for i, p := range parts {
		if i > 0 {
			dst = append(dst, ':')
		}
		dst = append(dst, p...)
	}
	return dst
}

// appendHex appends the lower-case hex of H(data) to dst.
func (a *digestAlgorithm) appendHex(dst, data []byte) []byte {
	var sum [64]byte
	return appendLowerHex(dst, a.sum(sum[:0], data))
}

// appendLowerHex appends the lower-case hex of src to dst.
func appendLowerHex(dst, src []byte) []byte {
	const digits = "0123456789abcdef"
	for _, b := range src {
		dst = append(dst, digits[b>>4], digits[b&15])
	}
	return dst
}

// hexHash returns the lower-case hex hash of the parts joined by ':'.
func (a *digestAlgorithm) hexHash(parts ...string) string {
	var in [256]byte
	var out [128]byte
	return string(a.appendHex(out[:0], joined(in[:0], parts...)))
}

// DigestCredentials are the credentials of an HTTP Digest response (RFC 7616,
// and RFC 2617 with qop). They implement both cred.UsernameHashedPassword
// (the checker supplies the plaintext password) and cred.UsernameDigestHash
// (the checker supplies a stored HA1), and never reveal the response or any
// hash when printed.
type DigestCredentials struct {
	username string
	realm    string
	alg      *digestAlgorithm
	method   string
	uri      string
	nonce    string
	nc       string // eight hex digits, as sent
	ncValue  uint64
	cnonce   string
	qop      string
	bodyHash string   // hex H(entity-body), for qop=auth-int
	response [32]byte // decoded from hex; alg.size bytes of it
	verified bool     // a check matched the response; rspKey is set
	// rspKey is what the successful check leaves for rspauth, rspKeyLen
	// bytes of it: the hash state after the response's prefix (see
	// sumKeepingPrefix) if rspKeyIsState, else the hex (session) HA1.
	// One array serves both, so that the credentials stay within 512
	// bytes, the largest allocation Go makes without a malloc header.
	rspKey        [108]byte // the largest kept: SHA-256's state
	rspKeyLen     uint8
	rspKeyIsState bool
	userhash      bool
	stale         bool      // nonce genuine but expired
	expires       int64     // nonce expiry, Unix nanoseconds
	infoHeader    [1]string // the Authentication-Info header's value slice
	// session is the request's context once logged in, allocated with the
	// credentials (see sessionHolder).
	session sessionContext

	// The nonce-count is recorded as part of verifying the response, so a
	// replayed request is a refusal that the checker (and a throttle
	// around it) sees, not a success undone later. ctx is the request's,
	// held for the length of its login only.
	ctx      context.Context
	store    NonceStore
	used     bool  // the nonce-count was recorded (or refused) by a check
	replayed bool  // the response was right but its nonce-count was used
	storeErr error // the store failed; the login fails closed with 500
}

// Username returns the user name (resolved from the userhash, if one was
// sent).
func (c *DigestCredentials) Username() string { return c.username }

// Realm returns the realm the response was computed for.
func (c *DigestCredentials) Realm() string { return c.realm }

// Algorithm returns the base algorithm of the HA1 a checker must supply:
// cred.AlgorithmMD5, cred.AlgorithmSHA256 or cred.AlgorithmSHA512_256,
// also for the -sess variants, which CheckHash applies itself.
func (c *DigestCredentials) Algorithm() string { return c.alg.base }

// WireAlgorithm returns the algorithm as the client named it, including any
// "-sess" suffix.
func (c *DigestCredentials) WireAlgorithm() string { return c.alg.name }

// CheckPassword reports whether the client's response was computed with
// password.
func (c *DigestCredentials) CheckPassword(password string) bool {
	var in [512]byte
	var ha1 [128]byte
	return c.checkHA1(c.alg.appendHex(ha1[:0], joined(in[:0], c.username, c.realm, password)))
}

// CheckHash reports, comparing in constant time, whether the client's
// response matches the stored HA1 = H(username:realm:password), given as hex.
func (c *DigestCredentials) CheckHash(ha1 string) bool {
	var buf [128]byte
	if len(ha1) > len(buf) {
		return false
	}
	return c.checkHA1(append(buf[:0], ha1...))
}

// checkHA1 is CheckHash for an HA1 in a buffer it may modify.
func (c *DigestCredentials) checkHA1(key []byte) bool {
	a := c.alg
	if len(key) != 2*a.size {
		return false
	}
	var inBuf [512]byte
	var ha1Buf, ha2Buf [128]byte
	for i, ch := range key {
		if 'A' <= ch && ch <= 'F' {
			key[i] = ch + ('a' - 'A')
		}
	}
	if a.sess {
		in := joined(append(inBuf[:0], key...), "", c.nonce, c.cnonce)
		key = a.appendHex(ha1Buf[:0], in)
	}
	in := joined(inBuf[:0], c.method, c.uri)
	if c.qop == "auth-int" {
		in = joined(in, "", c.bodyHash)
	}
	ha2 := a.appendHex(ha2Buf[:0], in)
	in = append(inBuf[:0], key...)
	if c.qop == "" {
		in = joined(in, "", c.nonce)
	} else {
		in = joined(in, "", c.nonce, c.nc, c.cnonce, c.qop)
	}
	in = append(in, ':')
	var sum [64]byte
	var got, state []byte
	var stateBuf [len(c.rspKey)]byte
	if c.qop == "auth" { // rspauth will hash the same prefix
		got, state = a.sumKeepingPrefix(sum[:0], in, ha2, stateBuf[:0])
	} else {
		got = a.sum(sum[:0], append(in, ha2...))
	}
	if subtle.ConstantTimeCompare(got, c.response[:a.size]) != 1 {
		return false
	}
	// Kept only now, so a failed check (another checker's, say) cannot
	// change what a successful one left.
	if n := len(state); n > 0 && n <= len(c.rspKey) {
		c.rspKeyLen, c.rspKeyIsState = uint8(copy(c.rspKey[:], state)), true
	} else {
		c.rspKeyLen, c.rspKeyIsState = uint8(copy(c.rspKey[:], key)), false
	}
	c.verified = true
	return c.recordNonceCount()
}

// recordNonceCount records the nonce-count of a verified response. It
// reports true: the response was right, whether or not its nonce-count is
// fresh. An expired nonce is not recorded (the login ends with stale=true
// anyway). A used nonce-count, or a store failure, makes the credentials
// Inconclusive, and the Portal fails the login with cred.ErrInconclusive.
func (c *DigestCredentials) recordNonceCount() bool {
	if c.store == nil || c.stale || c.used {
		return true
	}
	c.used = true
	fresh, err := c.store.Use(c.ctx, c.nonce, c.ncValue, time.Unix(0, c.expires))
	switch {
	case err != nil:
		c.storeErr = err
		return true
	case !fresh:
		// Right, but not fresh: a replay, or a request the client sent
		// before one that arrived first. Accepted as the right password
		// (so a throttle counts no failure: replays cannot lock the user
		// out) and Inconclusive, so the login fails with stale=true.
		c.replayed = true
	}
	return true
}

// Inconclusive reports whether a check that accepted the response still
// leaves the login to fail: the nonce had expired or the nonce-count was
// used (the answer is 401 with stale=true; the request may be a captured
// one replayed, or one of a client's that arrived after a later one), or
// the nonce store failed (500). A throttle then neither counts a failure
// nor ends the user's backoff as for a success, and the Portal refuses
// the login with cred.ErrInconclusive (see cred.Inconclusive).
func (c *DigestCredentials) Inconclusive() bool { return c.stale || c.replayed || c.storeErr != nil }

var _ cred.Inconclusive = (*DigestCredentials)(nil)

// explainRefusal says why the portal found a right response inconclusive:
// an expired nonce or a used nonce-count is ErrStaleNonce (the client gets
// stale=true and retries on a new nonce without asking its user), a store
// failure an internal error (500).
func (c *DigestCredentials) explainRefusal(err error) error {
	if !errors.Is(err, cred.ErrInconclusive) {
		return err
	}
	switch {
	case c.storeErr != nil:
		return fmt.Errorf("httpauth: nonce store failed: %w", c.storeErr)
	case c.stale:
		return fmt.Errorf("nonce expired: %w", ErrStaleNonce)
	case c.replayed:
		return fmt.Errorf("nonce-count %s already used: %w", c.nc, ErrStaleNonce)
	}
	return err
}

// appendRspauth appends the Authentication-Info response digest, which
// proves to the client that the server knows its secret too, and reports
// false before a successful check. For qop=auth-int it would need the
// response body, so it is only computed for qop=auth.
func (c *DigestCredentials) appendRspauth(dst []byte) ([]byte, bool) {
	if !c.verified || c.qop != "auth" {
		return dst, false
	}
	var in [512]byte
	var ha2 [128]byte
	h := c.alg.appendHex(ha2[:0], joined(in[:0], "", c.uri))
	var sum [64]byte
	if c.rspKeyIsState {
		d, ok := c.alg.sumAfterPrefix(sum[:0], c.rspKey[:c.rspKeyLen], h)
		if !ok { // cannot happen: the state is the hash's own
			return dst, false
		}
		return appendLowerHex(dst, d), true
	}
	data := append(joined(append(in[:0], c.rspKey[:c.rspKeyLen]...), "", c.nonce, c.nc, c.cnonce, c.qop), ':')
	return c.alg.appendHex(dst, append(data, h...)), true
}

// rspauth returns appendRspauth's digest as a string, "" if none.
func (c *DigestCredentials) rspauth() string {
	b, _ := c.appendRspauth(nil)
	return string(b)
}

// String never shows the response or a hash, so credentials are safe to log.
func (c *DigestCredentials) String() string {
	return "digest credentials for " + strconv.Quote(c.username) + " (" + c.alg.name + ")"
}

// GoString is like String.
func (c *DigestCredentials) GoString() string { return c.String() }

var (
	_ cred.UsernameHashedPassword = (*DigestCredentials)(nil)
	_ cred.UsernameDigestHash     = (*DigestCredentials)(nil)
)

// sessionSlot returns room for the request's session context.
func (c *DigestCredentials) sessionSlot() *sessionContext { return &c.session }
