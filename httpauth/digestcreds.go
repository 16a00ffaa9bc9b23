package httpauth

import (
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/gocred/gocred/cred"
)

// digestAlgorithm is one RFC 7616 algorithm: a hash, and whether it is a
// -sess variant.
type digestAlgorithm struct {
	name string // as on the wire: "SHA-256-sess"
	base string // cred.AlgorithmSHA256
	sess bool
	size int // digest size in bytes
	sum  func([]byte) []byte
}

var digestAlgorithms = []*digestAlgorithm{
	{name: "SHA-512-256", base: cred.AlgorithmSHA512_256, size: sha512.Size256, sum: func(b []byte) []byte { s := sha512.Sum512_256(b); return s[:] }},
	{name: "SHA-512-256-sess", base: cred.AlgorithmSHA512_256, sess: true, size: sha512.Size256, sum: func(b []byte) []byte { s := sha512.Sum512_256(b); return s[:] }},
	{name: "SHA-256", base: cred.AlgorithmSHA256, size: sha256.Size, sum: func(b []byte) []byte { s := sha256.Sum256(b); return s[:] }},
	{name: "SHA-256-sess", base: cred.AlgorithmSHA256, sess: true, size: sha256.Size, sum: func(b []byte) []byte { s := sha256.Sum256(b); return s[:] }},
	{name: "MD5", base: cred.AlgorithmMD5, size: md5.Size, sum: func(b []byte) []byte { s := md5.Sum(b); return s[:] }},
	{name: "MD5-sess", base: cred.AlgorithmMD5, sess: true, size: md5.Size, sum: func(b []byte) []byte { s := md5.Sum(b); return s[:] }},
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

// hexHash returns the lower-case hex hash of the parts joined by ':'.
func (a *digestAlgorithm) hexHash(parts ...string) string {
	return hex.EncodeToString(a.rawHash(parts...))
}

func (a *digestAlgorithm) rawHash(parts ...string) []byte {
	var stack [256]byte
	buf := stack[:0]
	for i, p := range parts {
		if i > 0 {
			buf = append(buf, ':')
		}
		buf = append(buf, p...)
	}
	return a.sum(buf)
}

// DigestCredentials are the credentials of an HTTP Digest response (RFC 7616,
// and RFC 2617 with qop). They implement both cred.UsernameHashedPassword
// (the checker supplies the plaintext password) and cred.UsernameDigestHash
// (the checker supplies a stored HA1), and never reveal the response or any
// hash when printed.
type DigestCredentials struct {
	username   string
	realm      string
	alg        *digestAlgorithm
	method     string
	uri        string
	nonce      string
	nc         string // eight hex digits, as sent
	ncValue    uint64
	cnonce     string
	qop        string
	bodyHash   string // hex H(entity-body), for qop=auth-int
	response   []byte // decoded from hex
	userhash   bool
	expires    int64  // nonce expiry, Unix nanoseconds
	stale      bool   // nonce genuine but expired
	sessionHA1 string // set by a successful check; keys rspauth
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
	return c.CheckHash(c.alg.hexHash(c.username, c.realm, password))
}

// CheckHash reports, comparing in constant time, whether the client's
// response matches the stored HA1 = H(username:realm:password), given as hex.
func (c *DigestCredentials) CheckHash(ha1 string) bool {
	if len(ha1) != 2*c.alg.size {
		return false
	}
	ha1 = strings.ToLower(ha1)
	if c.alg.sess {
		ha1 = c.alg.hexHash(ha1, c.nonce, c.cnonce)
	}
	var ha2 string
	if c.qop == "auth-int" {
		ha2 = c.alg.hexHash(c.method, c.uri, c.bodyHash)
	} else {
		ha2 = c.alg.hexHash(c.method, c.uri)
	}
	var got []byte
	if c.qop == "" {
		got = c.alg.rawHash(ha1, c.nonce, ha2)
	} else {
		got = c.alg.rawHash(ha1, c.nonce, c.nc, c.cnonce, c.qop, ha2)
	}
	if subtle.ConstantTimeCompare(got, c.response) != 1 {
		return false
	}
	c.sessionHA1 = ha1
	return true
}

// rspauth returns the Authentication-Info response digest, which proves to
// the client that the server knows its secret too; "" before a successful
// check. For qop=auth-int it would need the response body, so it is only
// computed for qop=auth.
func (c *DigestCredentials) rspauth() string {
	if c.sessionHA1 == "" || c.qop != "auth" {
		return ""
	}
	ha2 := c.alg.hexHash("", c.uri)
	return c.alg.hexHash(c.sessionHA1, c.nonce, c.nc, c.cnonce, c.qop, ha2)
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
