package httpauth

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gocred/gocred/cred"
)

// DigestOptions configure NewDigest. Only Realm is required.
type DigestOptions struct {
	// Realm names the protection space; it is part of every HA1.
	Realm string
	// Algorithms lists the algorithms to offer, from "MD5", "MD5-sess",
	// "SHA-256", "SHA-256-sess", "SHA-512-256", "SHA-512-256-sess". The
	// default is SHA-256 and MD5. Algorithms not every registered checker
	// with Digest users in the realm can verify are left out; see
	// Digest.Offered. SHA-512-256 is not a
	// default: it is offered first when offered, clients answer the first
	// challenge they accept, and curl 7.88 accepts it but computes its
	// response with SHA-256, which is refused: such a curl cannot log in
	// at all where SHA-512-256 is offered.
	Algorithms []string
	// Qop lists the qop values to offer: "auth", "auth-int" (default both).
	Qop []string
	// NonceLifetime is how long a nonce is accepted (default 5 minutes).
	// After that the client gets stale=true and retries with a new one.
	NonceLifetime time.Duration
	// Key authenticates nonces: each carries an AES-256 tag under a key
	// derived from Key and the realm with HMAC-SHA-256. Servers that share
	// it accept each other's nonces, so they must share Store too (a
	// redisstore one, say): with a store of its own, each server would
	// accept a request already used on another. NewDigest therefore
	// refuses a Key without a Store. At least 32 bytes (see NewSecretKey;
	// an empty one, as from an unset environment variable, is refused);
	// the zero SecretKey means a random key, new with each process.
	Key SecretKey
	// Store remembers nonce-counts against replay. Default (only without
	// Key): a MemoryNonceStore with Window = NonceLifetime.
	Store NonceStore
	// UserHash offers RFC 7616 userhash (the client may hide the user name).
	// It needs a registered checker that implements cred.UserHashResolver.
	UserHash bool
	// MaxBodyBytes bounds the request body read for qop=auth-int
	// (default 1 MiB); a larger body gets 413. The body is read before the
	// response is checked, so give the http.Server a ReadTimeout, or a
	// client trickling a body holds its request open that long.
	MaxBodyBytes int64
}

// Digest is the RFC 7616 Digest scheme (and RFC 2617's). It produces
// *DigestCredentials. Build one with NewDigest.
//
// Behaviour for clients:
//   - One challenge per offered algorithm, strongest first, all sharing a
//     fresh nonce; qop "auth" and "auth-int"; opaque; userhash if enabled.
//   - A response without qop (RFC 2069 style) is refused with 401: without
//     a nonce-count there is no replay protection.
//   - A genuine but expired nonce with a correct response, or a
//     nonce-count at or below one already used, gets 401 with stale=true.
//     Such a right but inconclusive response is neither a login (the realm
//     is not asked; an observer sees cred.OutcomeInconclusive) nor a
//     failed one (a throttle does not count it), so replaying a captured
//     request, or a client's requests arriving out of order, cannot lock
//     its user out.
//   - A nonce or opaque this server did not make (another key's: before a
//     restart with a new random key, say) is checked like an expired
//     nonce: a right response gets 401 with stale=true, so browsers carry
//     on without asking their users again, a wrong one is a failed login.
//   - A wrong realm, or an algorithm not offered, gets 401 with fresh
//     challenges.
//   - Broken syntax, duplicate or missing parameters, a uri directive that
//     is not the request-target, or an unknown qop get 400.
//   - A successful qop=auth response gets Authentication-Info with rspauth;
//     qop=auth-int gets none, since rspauth would cover the response body.
//   - For qop=auth-int the request body is read (up to MaxBodyBytes, else
//     413) and handed on to the handler unchanged.
//   - A NonceStore error fails closed: 500.
type Digest struct {
	realm      string
	offered    []*digestAlgorithm
	qop        []string
	qopHeader  string
	minter     *nonceMinter
	opaque     string
	store      NonceStore
	userhash   bool
	resolvers  []cred.UserHashResolver
	maxBody    int64
	challenges []string // static parts, one per algorithm, without the nonce
}

// SecretKey is key material that never prints: every fmt verb, log/slog,
// encoding/json and encoding/xml show at most its length, and the bytes
// sit behind an unexported pointer, so fmt shows only an address even when
// it prints a struct holding a SecretKey (a DigestOptions kept in a field
// of a server's config, say) field by field. Make one with NewSecretKey.
type SecretKey struct{ b *[]byte }

// NewSecretKey returns a SecretKey holding a copy of key.
func NewSecretKey(key []byte) SecretKey {
	c := slices.Clone(key)
	return SecretKey{b: &c}
}

// Len returns the key's length in bytes (0 for the zero SecretKey).
func (k SecretKey) Len() int { return len(k.bytes()) }

func (k SecretKey) bytes() []byte {
	if k.b == nil {
		return nil
	}
	return *k.b
}

// String describes the key by its length only.
func (k SecretKey) String() string { return fmt.Sprintf("[%d-byte secret key]", k.Len()) }

// Format prints String for every verb (%x and %#v too).
func (k SecretKey) Format(f fmt.State, _ rune) { io.WriteString(f, k.String()) }

// LogValue is String.
func (k SecretKey) LogValue() slog.Value { return slog.StringValue(k.String()) }

// MarshalJSON encodes String, not the key.
func (k SecretKey) MarshalJSON() ([]byte, error) { return json.Marshal(k.String()) }

// NewDigest returns the Digest scheme for the checkers registered in portal,
// offering only algorithms every one of them can verify (clients answer the
// first challenge they support, so an algorithm one store lacks would lock
// its users out): what a checker reports for the realm
// (cred.DigestAlgorithmReporter or cred.DigestAlgorithmer: an htdigest file
// MD5, a Chain what its members agree on), else every algorithm (see
// cred.DigestAlgorithmsOf); a checker reporting none, with no users in the
// realm, has no say. It fails, naming what each checker verifies, if none
// is left; if a checker cannot say (a cred.DigestAlgorithmReporter's error:
// a database down, a Chain whose members agree on no algorithm); or if an
// option is invalid.
func NewDigest(portal *cred.Portal, opts DigestOptions) (*Digest, error) {
	if portal == nil {
		return nil, errors.New("httpauth: NewDigest: portal is nil")
	}
	if !validRealm(opts.Realm) || !utf8.ValidString(opts.Realm) {
		return nil, fmt.Errorf("httpauth: NewDigest: Realm %q contains control characters or invalid UTF-8", opts.Realm)
	}
	if len(opts.Algorithms) == 0 {
		opts.Algorithms = []string{"SHA-256", "MD5"}
	}
	if len(opts.Qop) == 0 {
		opts.Qop = []string{"auth", "auth-int"}
	}
	if opts.NonceLifetime == 0 {
		opts.NonceLifetime = 5 * time.Minute
	}
	if opts.NonceLifetime < 0 {
		return nil, fmt.Errorf("httpauth: NewDigest: NonceLifetime %v is negative", opts.NonceLifetime)
	}
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	if opts.MaxBodyBytes < 0 {
		// Not "no limit": every qop=auth-int request would get 413.
		return nil, fmt.Errorf("httpauth: NewDigest: MaxBodyBytes %d is negative", opts.MaxBodyBytes)
	}
	switch {
	case opts.Key.b == nil: // not given; NewSecretKey of nothing is given, and too short
		random := make([]byte, 32)
		rand.Read(random)
		opts.Key = SecretKey{b: &random}
	case opts.Key.Len() < 32:
		return nil, fmt.Errorf("httpauth: NewDigest: Key has %d bytes; use at least 32 random bytes", opts.Key.Len())
	case opts.Store == nil:
		return nil, errors.New("httpauth: NewDigest: Key is given but Store is not: servers that share a Key accept each other's nonces, so they must share the record of used nonce-counts too, or a request used on one could be replayed on each of the others; set Store to a shared NonceStore (redisstore.NewNonceStore), or leave Key empty for a single server")
	}
	for _, q := range opts.Qop {
		if q != "auth" && q != "auth-int" {
			return nil, fmt.Errorf("httpauth: NewDigest: Qop %q is not \"auth\" or \"auth-int\"", q)
		}
	}
	d := &Digest{
		realm:    opts.Realm,
		qop:      slices.Clone(opts.Qop),
		minter:   newNonceMinter(opts.Key.bytes(), opts.Realm, opts.NonceLifetime),
		opaque:   opaqueFor(opts.Key.bytes(), opts.Realm),
		store:    opts.Store,
		userhash: opts.UserHash,
		maxBody:  opts.MaxBodyBytes,
	}
	d.qopHeader = strings.Join(d.qop, ", ")
	if ms, ok := d.store.(*MemoryNonceStore); ok && ms.window < int64(opts.NonceLifetime) {
		// It would forget live nonces, then refuse them to fail closed:
		// right responses answered stale=true, again and again.
		return nil, fmt.Errorf("httpauth: NewDigest: the MemoryNonceStore's Window %v is shorter than NonceLifetime %v", time.Duration(ms.window), opts.NonceLifetime)
	}
	if d.store == nil {
		s, err := NewMemoryNonceStore(MemoryNonceStoreOptions{Window: opts.NonceLifetime})
		if err != nil {
			return nil, err
		}
		d.store = s
	}

	checkers := portal.CheckersFor(d.CredentialType())
	if len(checkers) == 0 {
		return nil, fmt.Errorf("httpauth: NewDigest: %w", portal.CheckCredentialType(d.CredentialType()))
	}
	// Only what every checker holding Digest users in the realm can
	// verify: clients answer the first challenge they support, so an
	// algorithm one store lacks (SHA-256, next to an htdigest file of MD5
	// HA1s) would lock that store's users out, right password and all.
	agreed, err := cred.AgreedDigestAlgorithms(opts.Realm, checkers...)
	if err != nil {
		return nil, fmt.Errorf("httpauth: NewDigest: %w", err)
	}
	can := map[string]bool{}
	for _, a := range agreed {
		can[a] = true
	}
	for _, c := range checkers {
		if r, ok := c.(cred.UserHashResolver); ok && cred.ResolvesUserHashes(c) {
			d.resolvers = append(d.resolvers, r)
		}
	}
	for _, name := range opts.Algorithms {
		a := lookupAlgorithm(name)
		if a == nil {
			return nil, fmt.Errorf("httpauth: NewDigest: unknown algorithm %q (known: MD5, MD5-sess, SHA-256, SHA-256-sess, SHA-512-256, SHA-512-256-sess)", name)
		}
		if can[a.base] && !slices.Contains(d.offered, a) {
			d.offered = append(d.offered, a)
		}
	}
	if len(d.offered) == 0 {
		return nil, fmt.Errorf("httpauth: NewDigest: not every registered checker can verify one of %v in realm %q (%s)", opts.Algorithms, opts.Realm, cred.DescribeDigestAlgorithms(opts.Realm, checkers...))
	}
	slices.SortStableFunc(d.offered, func(a, b *digestAlgorithm) int { return b.strength() - a.strength() })
	if d.userhash && len(d.resolvers) == 0 {
		return nil, errors.New("httpauth: NewDigest: UserHash needs a registered checker of Digest credentials that implements cred.UserHashResolver; none does")
	}
	for _, a := range d.offered {
		s := "Digest realm=" + quote(d.realm) + `, qop="` + d.qopHeader + `", algorithm=` + a.name + `, opaque="` + d.opaque + `", charset=UTF-8`
		if d.userhash {
			s += ", userhash=true"
		}
		d.challenges = append(d.challenges, s)
	}
	return d, nil
}

// Offered returns the algorithms offered, strongest first.
func (d *Digest) Offered() []string {
	names := make([]string, len(d.offered))
	for i, a := range d.offered {
		names[i] = a.name
	}
	return names
}

// Scheme returns "Digest".
func (d *Digest) Scheme() string { return "Digest" }

// CredentialType returns *DigestCredentials.
func (d *Digest) CredentialType() reflect.Type { return reflect.TypeFor[*DigestCredentials]() }

// Challenges returns one challenge per offered algorithm, strongest first,
// with a fresh nonce, and stale=true if err is ErrStaleNonce.
func (d *Digest) Challenges(_ *http.Request, err error) []string {
	nonce := d.minter.mint()
	stale := errors.Is(err, ErrStaleNonce)
	out := make([]string, len(d.challenges))
	for i, c := range d.challenges {
		c += `, nonce="` + nonce + `"`
		if stale {
			c += ", stale=true"
		}
		out[i] = c
	}
	return out
}

// digestParams are the directives of a Digest Authorization header.
type digestParams struct {
	username, usernameStar, realm, nonce, uri, response string
	algorithm, cnonce, opaque, qop, nc, userhash        string
	hasUsername, hasUsernameStar                        bool
}

// The Digest directives parseDigest knows, by index (also their bit in its
// duplicate check).
const (
	dirUsername = iota
	dirUsernameStar
	dirRealm
	dirNonce
	dirURI
	dirResponse
	dirAlgorithm
	dirCnonce
	dirOpaque
	dirQop
	dirNC
	dirUserhash
	dirUnknown = -1
)

// digestDirectiveIndex returns the index of the directive called name
// (lower case), or dirUnknown.
func digestDirectiveIndex(name string) int {
	switch name {
	case "username":
		return dirUsername
	case "username*":
		return dirUsernameStar
	case "realm":
		return dirRealm
	case "nonce":
		return dirNonce
	case "uri":
		return dirURI
	case "response":
		return dirResponse
	case "algorithm":
		return dirAlgorithm
	case "cnonce":
		return dirCnonce
	case "opaque":
		return dirOpaque
	case "qop":
		return dirQop
	case "nc":
		return dirNC
	case "userhash":
		return dirUserhash
	}
	return dirUnknown
}

// matchDigestDirective recognises, at the start of s, a known directive
// spelled as clients send it: in lower case and directly followed by '='.
// It returns the directive's index and the length of name and '=', or
// (dirUnknown, 0) for anything else, which the general parser then reads.
// Since '=' is not a token character, a match is exactly what the general
// parser would read there.
func matchDigestDirective(s string) (int, int) {
	if len(s) < 3 {
		return dirUnknown, 0
	}
	try := func(name string, dir int) (int, int) {
		if len(s) > len(name) && s[len(name)] == '=' && s[:len(name)] == name {
			return dir, len(name) + 1
		}
		return dirUnknown, 0
	}
	switch s[0] {
	case 'u':
		if d, n := try("username", dirUsername); n > 0 {
			return d, n
		}
		if d, n := try("uri", dirURI); n > 0 {
			return d, n
		}
		return try("userhash", dirUserhash)
	case 'r':
		if d, n := try("realm", dirRealm); n > 0 {
			return d, n
		}
		return try("response", dirResponse)
	case 'n':
		if d, n := try("nonce", dirNonce); n > 0 {
			return d, n
		}
		return try("nc", dirNC)
	case 'c':
		return try("cnonce", dirCnonce)
	case 'q':
		return try("qop", dirQop)
	case 'a':
		return try("algorithm", dirAlgorithm)
	case 'o':
		return try("opaque", dirOpaque)
	}
	return dirUnknown, 0
}

// parseDigest parses the directives of a Digest response into *p, which
// must be zero (and is left half filled on error). Unknown directives are
// ignored, as RFC 7616 asks; duplicates, known or not, are an error. It
// reads the usual directive names without the general name scan, and
// accepts exactly what the general auth-param parser accepts (a fuzz target
// checks).
func parseDigest(p *digestParams, params string) error {
	var (
		known   uint16    // bit i: directive i was seen
		unknown [4]string // names of unknown directives (more go to the heap)
	)
	seen := unknown[:0]
	for i, n := 0, 0; ; n++ {
		i = skipListSeparators(params, i)
		if i == len(params) {
			return nil
		}
		var (
			name string
			err  error
		)
		dir, m := matchDigestDirective(params[i:])
		if m > 0 {
			i += m
		} else {
			if name, i, err = readParamName(params, i); err != nil {
				return err
			}
			dir = digestDirectiveIndex(name)
		}
		value, next, err := readParamValue(params, i)
		if err != nil {
			return err
		}
		i = next
		if n == maxAuthParams {
			return errParamTooMany
		}
		if dir == dirUnknown {
			if slices.Contains(seen, name) {
				return errParamDuplicate
			}
			seen = append(seen, name)
			continue
		}
		bit := uint16(1) << (uint(dir) & 15)
		if known&bit != 0 {
			return errParamDuplicate
		}
		known |= bit
		switch dir {
		case dirUsername:
			p.username, p.hasUsername = value, true
		case dirUsernameStar:
			p.usernameStar, p.hasUsernameStar = value, true
		case dirRealm:
			p.realm = value
		case dirNonce:
			p.nonce = value
		case dirURI:
			p.uri = value
		case dirResponse:
			p.response = value
		case dirAlgorithm:
			p.algorithm = value
		case dirCnonce:
			p.cnonce = value
		case dirOpaque:
			p.opaque = value
		case dirQop:
			p.qop = value
		case dirNC:
			p.nc = value
		case dirUserhash:
			p.userhash = value
		}
	}
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

func refused(format string, args ...any) error {
	return fmt.Errorf("httpauth: digest refused: "+format+": %w", append(args, cred.ErrUnauthorizedLogin)...)
}

// Decode parses and checks a Digest response. See Digest for how each
// fault is answered. For qop=auth-int it reads the request body (up to
// MaxBodyBytes) and puts it back for the handler.
func (d *Digest) Decode(r *http.Request, params string) (cred.Credentials, error) {
	var p digestParams
	if err := parseDigest(&p, params); err != nil {
		return nil, malformed("%v", err)
	}
	switch {
	case p.hasUsername == p.hasUsernameStar:
		return nil, malformed("need exactly one of username and username*")
	case p.nonce == "", p.uri == "", p.response == "":
		return nil, malformed("missing nonce, uri or response")
	}
	alg := d.offeredAlgorithm(p.algorithm)
	if alg == nil {
		return nil, refused("algorithm %q was not offered", p.algorithm)
	}
	if p.realm != d.realm {
		return nil, refused("realm %q is not %q", p.realm, d.realm)
	}
	// Another key's opaque (a restart with a new random key, say) is
	// treated as the nonce is, below.
	foreign := d.opaque != "" && subtle.ConstantTimeCompare([]byte(p.opaque), []byte(d.opaque)) != 1
	if p.qop == "" {
		return nil, refused("no qop: RFC 2069 responses are not accepted")
	}
	if p.qop != "auth" && p.qop != "auth-int" {
		return nil, malformed("unknown qop %q", p.qop)
	}
	if !slices.Contains(d.qop, p.qop) {
		return nil, refused("qop %q was not offered", p.qop)
	}
	if p.cnonce == "" {
		return nil, malformed("missing cnonce")
	}
	if len(p.nc) != 8 {
		return nil, malformed("nc must be 8 hex digits")
	}
	nc, ok := parseNonceCount(p.nc)
	if !ok || nc == 0 {
		return nil, malformed("nc must be 8 hex digits, not zero")
	}
	if !uriMatches(p.uri, r) {
		return nil, malformed("uri does not match the request-target")
	}
	c := &DigestCredentials{
		realm: d.realm, alg: alg, method: r.Method, uri: p.uri, nonce: p.nonce,
		nc: p.nc, ncValue: nc, cnonce: p.cnonce, qop: p.qop,
		ctx: r.Context(), store: d.store,
	}
	// The length first: decodeHex fills exactly alg.size bytes of response.
	if len(p.response) != 2*alg.size || !decodeHex(c.response[:alg.size], p.response) {
		return nil, malformed("response is not %d hex digits", 2*alg.size)
	}
	expires, err := d.minter.verify(p.nonce)
	switch {
	case errors.Is(err, errNonceExpired):
		c.stale = true // check the response anyway: stale=true only if it is right
		c.expires = expires.UnixNano()
	case err != nil || foreign:
		// Not this server's nonce: made with another key (before a
		// restart with a new random key, or a rotation), or forged. The
		// response is checked all the same: a right one gets stale=true,
		// so its client retries on a fresh nonce instead of asking its
		// user for the password again; a wrong one is a failed login.
		c.stale = true
	default:
		c.expires = expires.UnixNano()
	}

	switch {
	case p.hasUsernameStar && strings.EqualFold(p.userhash, "true"):
		// A hashed user name is hex, which username (ASCII) carries;
		// username* beside userhash=true says the name is both hashed and
		// not.
		return nil, malformed("username* with userhash=true")
	case p.hasUsernameStar:
		u, ok := decodeExtValue(p.usernameStar)
		if !ok {
			return nil, malformed("username* is not a valid RFC 8187 ext-value")
		}
		c.username = u
	case strings.EqualFold(p.userhash, "true"):
		if !d.userhash {
			return nil, refused("userhash was not offered")
		}
		u, ok := d.resolveUserHash(r.Context(), alg.base, p.username)
		if !ok {
			// Unknown: go on under the hash itself, which no store
			// holds, so the login is refused the way an unknown user's
			// is (a dummy check, counted by a throttle) rather than at
			// once, which would tell which hashes name real users.
			u = p.username
		}
		c.username, c.userhash = u, true
	default:
		c.username = p.username
	}
	if c.username == "" || !utf8.ValidString(c.username) || hasControl(c.username) {
		return nil, refused("empty or invalid user name")
	}

	if p.qop == "auth-int" {
		h, err := d.hashBody(r, alg)
		if err != nil {
			return nil, err
		}
		c.bodyHash = h
	}
	return c, nil
}

// offeredAlgorithm returns the offered algorithm the client named (no
// name means MD5, as RFC 7616 says), or nil.
func (d *Digest) offeredAlgorithm(name string) *digestAlgorithm {
	if name == "" {
		name = "MD5"
	}
	for _, a := range d.offered { // the usual case: spelled as offered
		if a.name == name {
			return a
		}
	}
	if a := lookupAlgorithm(name); a != nil && slices.Contains(d.offered, a) {
		return a
	}
	return nil
}

// parseNonceCount parses nc: exactly eight hex digits.
func parseNonceCount(s string) (uint64, bool) {
	if len(s) != 8 {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		v := hexValue[s[i]]
		if v > 0xf {
			return 0, false
		}
		n = n<<4 | uint64(v)
	}
	return n, true
}

// decodeHex decodes the hex digits of s (either case) into dst, which is
// len(s)/2 long.
func decodeHex(dst []byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	for i := range dst {
		hi, lo := hexValue[s[2*i]], hexValue[s[2*i+1]]
		if hi > 0xf || lo > 0xf {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

// hexValue maps a hex digit to its value and every other byte to 0xff.
var hexValue = func() (t [256]byte) {
	for c := range t {
		switch {
		case '0' <= c && c <= '9':
			t[c] = byte(c - '0')
		case 'a' <= c && c <= 'f':
			t[c] = byte(c - 'a' + 10)
		case 'A' <= c && c <= 'F':
			t[c] = byte(c - 'A' + 10)
		default:
			t[c] = 0xff
		}
	}
	return t
}()

func (d *Digest) resolveUserHash(ctx context.Context, alg, userhash string) (string, bool) {
	for _, r := range d.resolvers {
		if u, ok := r.ResolveUserHash(ctx, d.realm, alg, strings.ToLower(userhash)); ok {
			return u, true
		}
	}
	return "", false
}

// hashBody reads the request body for auth-int and replaces it with a
// reader over the same bytes.
func (d *Digest) hashBody(r *http.Request, alg *digestAlgorithm) (string, error) {
	var body []byte
	if r.ContentLength > d.maxBody {
		return "", errBodyTooLarge // before reading: no 100 Continue for a body refused anyway
	}
	if r.Body != nil && r.Body != http.NoBody {
		b, err := io.ReadAll(io.LimitReader(r.Body, d.maxBody+1))
		r.Body.Close()
		var tooLarge *http.MaxBytesError // a limit set by an outer handler
		switch {
		case errors.As(err, &tooLarge):
			return "", errBodyTooLarge
		case err != nil:
			return "", fmt.Errorf("%w: reading body: %v", ErrMalformed, err)
		}
		if int64(len(b)) > d.maxBody {
			return "", errBodyTooLarge
		}
		body = b
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	var sum [64]byte
	return hex.EncodeToString(alg.sum(sum[:0], body)), nil
}

// uriMatches reports whether the uri directive names the request-target:
// the same text, or the same path and query, where an absolute uri (as
// some clients and proxies send) must also name http or https and the
// request's host and port (RFC 7616 section 3.4.6). The scheme itself is
// not compared with the connection's: a proxy in front may have ended TLS,
// and the host, path and query name the resource either way.
func uriMatches(uri string, r *http.Request) bool {
	if uri == r.RequestURI {
		return true
	}
	u, err := url.ParseRequestURI(uri)
	if err != nil || r.URL == nil {
		return false
	}
	if u.Scheme != "" || u.Host != "" {
		host := r.Host
		if r.URL.Host != "" {
			host = r.URL.Host
		}
		if !sameAuthority(u, host) {
			return false
		}
	}
	return u.EscapedPath() == r.URL.EscapedPath() && u.RawQuery == r.URL.RawQuery
}

// sameAuthority reports whether the absolute URI u has scheme http or
// https and names host (host or host:port, as in a Host header), in any
// case, a missing port meaning the scheme's default.
func sameAuthority(u *url.URL, host string) bool {
	var port string
	switch strings.ToLower(u.Scheme) {
	case "http":
		port = ":80"
	case "https":
		port = ":443"
	default:
		return false
	}
	a := strings.TrimSuffix(strings.ToLower(u.Host), port)
	b := strings.TrimSuffix(strings.ToLower(host), port)
	return a != "" && a == b
}

// decodeExtValue decodes an RFC 8187 ext-value in UTF-8:
// UTF-8'[language]'percent-encoded.
func decodeExtValue(v string) (string, bool) {
	charset, rest, ok := strings.Cut(v, "'")
	if !ok || !strings.EqualFold(charset, "UTF-8") {
		return "", false
	}
	_, enc, ok := strings.Cut(rest, "'")
	if !ok {
		return "", false
	}
	s, err := url.PathUnescape(enc)
	if err != nil || !utf8.ValidString(s) {
		return "", false
	}
	return s, true
}

// FinishLogin runs after the portal accepted the response: it records the
// nonce-count if no check did (a checker that accepted without verifying
// the response), refuses it if that finds it used, and adds
// Authentication-Info. An expired nonce, a used nonce-count or a failed
// store met by the check itself makes the response inconclusive
// (DigestCredentials.Inconclusive): the portal refuses the login with
// cred.ErrInconclusive before the realm is asked, and a throttle neither
// counts it as a failure nor lets it end the user's backoff, as a success
// would; FinishLogin still refuses each, should a portal let one through.
func (d *Digest) FinishLogin(ctx context.Context, w http.ResponseWriter, _ *http.Request, creds cred.Credentials) error {
	c, ok := creds.(*DigestCredentials)
	if !ok {
		return fmt.Errorf("httpauth: Digest.FinishLogin got %T", creds)
	}
	if c.stale {
		return fmt.Errorf("nonce expired: %w", ErrStaleNonce)
	}
	if !c.used {
		c.ctx = ctx
		c.recordNonceCount()
	}
	if c.storeErr != nil {
		return fmt.Errorf("httpauth: nonce store failed: %w", c.storeErr)
	}
	if c.replayed {
		return fmt.Errorf("nonce-count %s already used: %w", c.nc, ErrStaleNonce)
	}
	var buf [256]byte // enough unless the cnonce is long; append grows it
	info := append(buf[:0], `rspauth="`...)
	if info, ok := c.appendRspauth(info); ok {
		info = append(info, `", qop=`...)
		info = append(info, c.qop...)
		info = append(info, ", nc="...)
		info = append(info, c.nc...)
		info = append(info, ", cnonce="...)
		info = appendQuoted(info, c.cnonce)
		c.infoHeader[0] = string(info)
		w.Header()["Authentication-Info"] = c.infoHeader[:]
	}
	return nil
}

var (
	_ CredentialFactory = (*Digest)(nil)
	_ LoginFinisher     = (*Digest)(nil)
)
