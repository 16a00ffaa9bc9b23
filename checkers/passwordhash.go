package checkers

import (
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	auth "github.com/abbot/go-http-auth"
	"github.com/go-crypt/crypt"
	"github.com/go-crypt/crypt/algorithm"
	"golang.org/x/crypto/bcrypt"
)

// ErrUnsupportedHash is matched (errors.Is) by the error VerifyPassword and
// the file loaders return for an encoded hash they cannot use: an unknown
// format, or a known one that is malformed. Its text never contains the hash.
var ErrUnsupportedHash = errors.New("checkers: unsupported or malformed password hash")

// Hash schemes, as hashInfo.scheme names them in error texts and logs.
const (
	schemeBcrypt   = "bcrypt"
	schemeAPR1     = "apr1"
	schemeSHA1     = "{SHA}"
	schemeSHA256   = "sha256-crypt"
	schemeSHA512   = "sha512-crypt"
	schemeArgon2   = "argon2"
	schemeScrypt   = "scrypt"
	schemePBKDF2   = "pbkdf2"
	schemeDESCrypt = "des-crypt"
)

// hashInfo describes an encoded hash that parsed: its scheme and its class,
// the part of the encoding that fixes the verification cost (scheme and
// parameters, no salt, no key). Two hashes of one class cost the same to
// verify, which is what the dummy hash for unknown users relies on.
type hashInfo struct {
	scheme string
	class  string
	digest algorithm.Digest // for go-crypt formats; nil for the others
}

// decoder is our own go-crypt decoder: the package-level crypt.Decode
// initialises its global decoder lazily without a lock, which races when
// the first logins arrive together.
var decoder = sync.OnceValues(crypt.NewDefaultDecoder)

// parseHash recognises and validates encoded without verifying anything
// (cheap: no key derivation). Errors match ErrUnsupportedHash and name the
// scheme only.
func parseHash(encoded string) (hashInfo, error) {
	switch {
	case encoded == "":
		return hashInfo{}, fmt.Errorf("%w: empty", ErrUnsupportedHash)
	case strings.HasPrefix(encoded, "$2a$"), strings.HasPrefix(encoded, "$2b$"), strings.HasPrefix(encoded, "$2y$"):
		cost, err := bcrypt.Cost([]byte(encoded))
		if err != nil || len(encoded) != 60 {
			return hashInfo{}, fmt.Errorf("%w: malformed bcrypt hash", ErrUnsupportedHash)
		}
		if cost > MaxBcryptCost {
			return hashInfo{}, fmt.Errorf("%w: bcrypt cost %d is above %d (htpasswd -C goes up to 17; each step doubles the time of a check)", ErrUnsupportedHash, cost, MaxBcryptCost)
		}
		return hashInfo{scheme: schemeBcrypt, class: "$2$" + strconv.Itoa(cost)}, nil
	case strings.HasPrefix(encoded, "$apr1$"):
		e := auth.NewMD5Entry(encoded)
		if e == nil || len(e.Salt) == 0 || len(e.Salt) > 8 || len(e.Hash) != 22 {
			return hashInfo{}, fmt.Errorf("%w: malformed apr1 hash", ErrUnsupportedHash)
		}
		return hashInfo{scheme: schemeAPR1, class: "$apr1$"}, nil
	case strings.HasPrefix(encoded, "{SHA}"):
		sum, err := base64.StdEncoding.DecodeString(encoded[len("{SHA}"):])
		if err != nil || len(sum) != sha1.Size {
			return hashInfo{}, fmt.Errorf("%w: malformed {SHA} hash", ErrUnsupportedHash)
		}
		return hashInfo{scheme: schemeSHA1, class: "{SHA}"}, nil
	case encoded[0] == '*':
		return hashInfo{}, fmt.Errorf("%w: a failed crypt() result, not a hash (htpasswd -2 or -5 with -r below 1000 writes one); create the entry again", ErrUnsupportedHash)
	case isDESCrypt(encoded):
		return hashInfo{scheme: schemeDESCrypt, class: "des"},
			fmt.Errorf("%w: DES crypt (htpasswd -d) uses only the first 8 characters of a password and is not supported; re-create it with htpasswd -B", ErrUnsupportedHash)
	}
	scheme := goCryptScheme(encoded)
	if scheme == "" {
		return hashInfo{}, fmt.Errorf("%w: unrecognised format (plaintext passwords, as htpasswd -p writes, are refused)", ErrUnsupportedHash)
	}
	d, err := decodeGoCrypt(encoded)
	if err != nil {
		return hashInfo{}, fmt.Errorf("%w: malformed %s hash", ErrUnsupportedHash, scheme)
	}
	if err := checkCost(scheme, encoded); err != nil {
		return hashInfo{}, fmt.Errorf("%w: %s %v", ErrUnsupportedHash, scheme, err)
	}
	return hashInfo{scheme: scheme, class: costClass(encoded, d), digest: d}, nil
}

// Bounds on what one password check may cost. A hash beyond them is
// refused as unsupported (a file naming one fails to load, naming the
// line), rather than making every login with it, and the dummy check of
// every unknown user, take minutes, or making start-up hang while the
// dummy hash is made.
const (
	// MaxBcryptCost is the highest bcrypt cost accepted: htpasswd's
	// highest, about ten seconds a check.
	MaxBcryptCost = 17
	// MaxIterations bounds SHA-crypt rounds and PBKDF2 iterations (about
	// four seconds a check for SHA-crypt).
	MaxIterations = 10_000_000
	// MaxMemoryBytes bounds the memory one argon2 or scrypt check uses.
	MaxMemoryBytes = 1 << 30
	// maxArgon2Passes bounds argon2's t (passes over memory).
	maxArgon2Passes = 64
)

// checkCost checks a decoded go-crypt hash's parameters against the
// bounds above. encoded decoded, so its fields are well formed.
func checkCost(scheme, encoded string) error {
	parts := strings.Split(encoded, "$")
	params := map[string]uint64{}
	for _, p := range parts {
		for _, kv := range strings.Split(p, ",") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				if n, err := strconv.ParseUint(v, 10, 64); err == nil {
					params[k] = n
				}
			}
		}
	}
	switch scheme {
	case schemeSHA256, schemeSHA512:
		if n := params["rounds"]; n > MaxIterations {
			return fmt.Errorf("rounds %d are above %d", n, MaxIterations)
		}
	case schemePBKDF2: // $pbkdf2-sha256$iterations$salt$key
		if n, err := strconv.ParseUint(parts[2], 10, 64); err == nil && n > MaxIterations {
			return fmt.Errorf("iterations %d are above %d", n, MaxIterations)
		}
	case schemeArgon2: // m in KiB
		if m := params["m"]; m > MaxMemoryBytes>>10 {
			return fmt.Errorf("memory %d KiB is above %d KiB", m, MaxMemoryBytes>>10)
		}
		if t := params["t"]; t > maxArgon2Passes {
			return fmt.Errorf("%d passes are above %d", t, maxArgon2Passes)
		}
	case schemeScrypt:
		ln, r, p := params["ln"], params["r"], params["p"]
		if parts[1] == "7" && len(parts[2]) >= 11 { // $7$ then N, r, p in crypt's base 64
			ln, r, p = crypt64(parts[2][0:1]), crypt64(parts[2][1:6]), crypt64(parts[2][6:11])
		}
		if ln >= 40 || r > 1<<20 || 128*r<<ln > MaxMemoryBytes {
			return fmt.Errorf("parameters ln=%d r=%d use more than %d bytes", ln, r, MaxMemoryBytes)
		}
		if p > 64 {
			return fmt.Errorf("parallelism %d is above 64", p)
		}
	}
	return nil
}

// crypt64 decodes a little-endian number in crypt's base 64 alphabet.
func crypt64(s string) uint64 {
	const alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	var n uint64
	for i := len(s) - 1; i >= 0; i-- {
		n = n<<6 | uint64(max(0, strings.IndexByte(alphabet, s[i])))
	}
	return n
}

// decodeGoCrypt decodes with go-crypt, turning a panic inside it (outside
// input reaches it) into an error.
func decodeGoCrypt(encoded string) (d algorithm.Digest, err error) {
	dec, err := decoder()
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			d, err = nil, errors.New("decoder panicked")
		}
	}()
	return dec.Decode(encoded)
}

// goCryptScheme names the go-crypt format encoded claims to be, or "".
func goCryptScheme(encoded string) string {
	switch {
	case strings.HasPrefix(encoded, "$5$"):
		return schemeSHA256
	case strings.HasPrefix(encoded, "$6$"):
		return schemeSHA512
	case strings.HasPrefix(encoded, "$argon2"):
		return schemeArgon2
	case strings.HasPrefix(encoded, "$scrypt$"), strings.HasPrefix(encoded, "$7$"), strings.HasPrefix(encoded, "$y$"):
		return schemeScrypt
	case strings.HasPrefix(encoded, "$pbkdf2"):
		return schemePBKDF2
	}
	return ""
}

// costClass is the encoding minus salt and key: for $5$/$6$ the rounds, for
// PHC formats the parameter fields, plus the salt and key lengths.
func costClass(encoded string, d algorithm.Digest) string {
	parts := strings.Split(encoded, "$")
	// "$5$salt$key" or "$5$rounds=N$salt$key"; "$argon2id$v=19$m=..$salt$key".
	keep := len(parts) - 2
	if keep < 1 {
		keep = 1
	}
	return strings.Join(parts[:keep], "$") + "$s" + strconv.Itoa(len(d.Salt())) + "k" + strconv.Itoa(len(d.Key()))
}

// isDESCrypt reports whether encoded looks like a traditional DES crypt(3)
// hash: 13 characters of the crypt alphabet.
func isDESCrypt(encoded string) bool {
	if len(encoded) != 13 {
		return false
	}
	for i := 0; i < len(encoded); i++ {
		c := encoded[i]
		if !(c == '.' || c == '/' || '0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return false
		}
	}
	return true
}

// MaxPasswordBytes is the longest password gocred verifies or hashes. A
// longer one is a wrong password, refused without hashing: SHA-crypt and
// apr1 hash the password once per round, so their cost grows with its
// length (a 6 KB password made a $6$ check fifty times slower), and Basic
// and FTP logins carry several kilobytes.
const MaxPasswordBytes = 1024

// VerifyPassword reports whether password matches the encoded hash. It
// understands bcrypt ($2y$, $2a$, $2b$), Apache's MD5 ($apr1$), Apache's
// {SHA}, SHA-crypt ($5$, $6$), argon2, scrypt and pbkdf2 in the crypt/PHC
// encodings. A password longer than MaxPasswordBytes is false, unhashed.
// An unknown or malformed hash is an error matching
// ErrUnsupportedHash, never a plain false, so a broken store is not mistaken
// for a wrong password. Comparisons are constant-time.
func VerifyPassword(encoded, password string) (bool, error) {
	info, err := parseHash(encoded)
	if err != nil {
		return false, err
	}
	return verifyParsed(info, encoded, password)
}

// verifyParsed verifies password against encoded, already parsed as info.
func verifyParsed(info hashInfo, encoded, password string) (bool, error) {
	if len(password) > MaxPasswordBytes {
		return false, nil // see MaxPasswordBytes
	}
	switch info.scheme {
	case schemeBcrypt:
		err := bcrypt.CompareHashAndPassword([]byte(encoded), []byte(password))
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
			return false, nil
		default:
			return false, fmt.Errorf("%w: malformed bcrypt hash", ErrUnsupportedHash)
		}
	case schemeAPR1:
		e := auth.NewMD5Entry(encoded)
		got := auth.MD5Crypt([]byte(password), e.Salt, e.Magic)
		return subtle.ConstantTimeCompare(got, []byte(encoded)) == 1, nil
	case schemeSHA1:
		want, _ := base64.StdEncoding.DecodeString(encoded[len("{SHA}"):])
		got := sha1.Sum([]byte(password))
		return subtle.ConstantTimeCompare(got[:], want) == 1, nil
	}
	if info.digest == nil {
		return false, fmt.Errorf("%w: %s", ErrUnsupportedHash, info.scheme)
	}
	ok, err := info.digest.MatchAdvanced(password)
	if err != nil {
		return false, fmt.Errorf("%w: malformed %s hash", ErrUnsupportedHash, info.scheme)
	}
	return ok, nil
}

// dummies caches one dummy hash per cost class, so reloading a file does
// not pay again for generating a bcrypt or argon2 dummy.
var dummies sync.Map // class -> string

// dummyHashLike returns a freshly made hash of a random password with the
// same scheme and parameters as encoded (already parsed as info). Verifying
// a password against it costs what verifying against encoded costs, which is
// what unknown users are made to pay. Should making one fail, it falls back
// to encoded itself: the cost is then equal by construction, and callers
// discard the result.
func dummyHashLike(info hashInfo, encoded string) string {
	if d, ok := dummies.Load(info.class); ok {
		return d.(string)
	}
	d, err := makeDummy(info, encoded)
	if err != nil {
		d = encoded
	}
	got, _ := dummies.LoadOrStore(info.class, d)
	return got.(string)
}

func makeDummy(info hashInfo, encoded string) (string, error) {
	pw := rand.Text()
	switch info.scheme {
	case schemeBcrypt:
		cost, _ := bcrypt.Cost([]byte(encoded))
		h, err := bcrypt.GenerateFromPassword([]byte(pw), cost)
		if err != nil {
			return "", err
		}
		return encoded[:4] + string(h[4:]), nil // keep $2y$ / $2a$ / $2b$
	case schemeAPR1:
		salt := rand.Text()[:8]
		return string(auth.MD5Crypt([]byte(pw), []byte(salt), []byte("$apr1$"))), nil
	case schemeSHA1:
		sum := sha1.Sum([]byte(pw))
		return "{SHA}" + base64.StdEncoding.EncodeToString(sum[:]), nil
	}
	// The go-crypt formats all end in "$salt$key", and what verification
	// costs is fixed by the fields before them. Random letters and digits of
	// the same lengths decode in every one of their alphabets (crypt's and
	// base64's) to a salt and key of the same sizes.
	parts := strings.Split(encoded, "$")
	if len(parts) < 4 {
		return "", errors.New("unexpected layout")
	}
	for _, i := range []int{len(parts) - 2, len(parts) - 1} {
		parts[i] = randomAlnum(len(parts[i]))
	}
	d := strings.Join(parts, "$")
	dinfo, err := parseHash(d)
	if err != nil || dinfo.class != info.class {
		return "", errors.New("dummy does not decode like the original")
	}
	return d, nil
}

// randomAlnum returns n random letters and digits.
func randomAlnum(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
