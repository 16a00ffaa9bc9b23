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
	"github.com/go-crypt/crypt/algorithm/argon2"
	"github.com/go-crypt/crypt/algorithm/pbkdf2"
	"github.com/go-crypt/crypt/algorithm/scrypt"
	"github.com/go-crypt/crypt/algorithm/shacrypt"
	"golang.org/x/crypto/bcrypt"
)

// ErrUnsupportedHash is matched (errors.Is) by the error VerifyPassword and
// the file loaders return for an encoded hash they cannot use: an unknown
// format, or a known one that is malformed. Its text never contains the hash.
var ErrUnsupportedHash = errors.New("checkers: unsupported or malformed password hash")

// crypt64Alphabet is crypt(3)'s base 64: salts and keys are written in it.
const crypt64Alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// Hash schemes, as hashInfo.scheme names them in error texts and logs.
const (
	schemeBcrypt   = "bcrypt"
	schemeAPR1     = "apr1"
	schemeMD5Crypt = "md5-crypt"
	schemeSHA1     = "{SHA}"
	schemeSHA256   = "sha256-crypt"
	schemeSHA512   = "sha512-crypt"
	schemeArgon2   = "argon2"
	schemeScrypt   = "scrypt"
	schemeYescrypt = "yescrypt"
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
	case strings.HasPrefix(encoded, "$apr1$"), strings.HasPrefix(encoded, "$1$"):
		// Apache's MD5 and crypt(3)'s MD5-crypt (openssl passwd -1),
		// which Apache takes through crypt(3): one algorithm, two
		// magic strings.
		scheme, magic := schemeAPR1, "$apr1$"
		if strings.HasPrefix(encoded, "$1$") {
			scheme, magic = schemeMD5Crypt, "$1$"
		}
		e := auth.NewMD5Entry(encoded)
		// An empty salt is crypt(3)'s and openssl's too (-salt '').
		if e == nil || string(e.Magic) != magic || len(e.Salt) > 8 || len(e.Hash) != 22 {
			return hashInfo{}, fmt.Errorf("%w: malformed %s hash", ErrUnsupportedHash, scheme)
		}
		// crypt(3) takes an MD5-crypt salt of its own alphabet only
		// (libxcrypt answers any other with "*0", refusing every
		// password); APR takes any salt for apr1.
		if scheme == schemeMD5Crypt && strings.Trim(string(e.Salt), crypt64Alphabet) != "" {
			return hashInfo{}, fmt.Errorf("%w: md5-crypt salt outside crypt(3)'s alphabet (./0-9A-Za-z)", ErrUnsupportedHash)
		}
		// The salt's length is part of the class: each of the thousand
		// rounds hashes it with the password, and a shorter one can take
		// fewer MD5 blocks, so the dummy must have a salt as long.
		return hashInfo{scheme: scheme, class: magic + strconv.Itoa(len(e.Salt))}, nil
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
	if err := checkDigest(scheme, encoded, d); err != nil {
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
	// MaxMemoryBytes bounds the memory one argon2, scrypt or yescrypt
	// check uses.
	MaxMemoryBytes = 1 << 30
	// maxArgon2Passes bounds argon2's t (passes over memory).
	maxArgon2Passes = 64
	// maxArgon2Lanes bounds argon2's p (lanes, one goroutine each): argon2
	// uses at least 8 KiB a lane whatever its m says.
	maxArgon2Lanes = 255
	// maxScryptParallelism bounds scrypt's p (sequential passes over its
	// memory).
	maxScryptParallelism = 64
)

// Least lengths of the salt and key of the formats whose key length is
// free (argon2, scrypt, yescrypt, pbkdf2). go-crypt derives a key as long
// as the stored one, so a hash whose key was cut short (a line caught
// half-written) matched a random password once in 2^(8*length) tries: one
// in 256 for a 1-byte key. What makes these hashes writes longer ones:
// gocred's Argon2id and go-crypt 32-byte keys and 16-byte salts, passlib
// 20- to 64-byte keys and 16-byte salts, libxcrypt's yescrypt a 32-byte
// key and a 16-byte salt; argon2 itself needs an 8-byte salt. The most:
// PBKDF2 (and scrypt's final PBKDF2 pass) costs its iterations once per
// block of key, so an unbounded key length would be an unbounded cost
// (a 1 KiB PBKDF2-SHA256 key costs 32 checks of a 32-byte one); 64 bytes
// is the longest any of those tools writes. Salts are bounded too: they
// are hashed with every check.
const (
	minKeyBytes  = 16
	maxKeyBytes  = 64
	minSaltBytes = 8
	maxSaltBytes = 64
)

// shaCryptMinRounds is the fewest SHA-crypt rounds: crypt(3) raises a
// lower request to it and writes the rounds it used, so no crypt(3) hash
// names fewer (and go-crypt would verify one with the fewer rounds).
const shaCryptMinRounds = 1000

// errParamsUnreadable refuses a go-crypt digest whose parameters cannot be
// read, and so cannot be bounded.
var errParamsUnreadable = errors.New("parameters cannot be read, so the cost of a check cannot be bounded")

// checkDigest checks the parameters of d, decoded from encoded as scheme,
// against the bounds above and against their least values (below which
// go-crypt's key derivation panics, fails or does no work), and the
// lengths of its salt and key. It reads the parameters d verifies with,
// not encoded's text, which go-crypt may read otherwise (it takes "+30"
// for 30). go-crypt's digests have no accessors for them, so they are read
// from the digest's own encoding, which go-crypt writes from them with
// %d; a digest of another type or layout is refused.
func checkDigest(scheme, encoded string, d algorithm.Digest) error {
	canon := strings.Split(d.Encode(), "$")
	switch scheme {
	case schemeSHA256, schemeSHA512:
		if _, ok := d.(*shacrypt.Digest); !ok {
			return errParamsUnreadable
		}
		rounds := int64(shacrypt.IterationsDefaultOmitted) // "$6$salt$key": what crypt(3) uses
		switch len(canon) {
		case 4:
		case 5: // "$6$rounds=N$salt$key"
			v, ok := strings.CutPrefix(canon[2], "rounds=")
			n, err := strconv.ParseInt(v, 10, 64)
			if !ok || err != nil {
				return errParamsUnreadable
			}
			rounds = n
		default:
			return errParamsUnreadable
		}
		if rounds < shaCryptMinRounds {
			return fmt.Errorf("rounds %d are below %d, the fewest crypt(3) uses and writes", rounds, shaCryptMinRounds)
		}
		if rounds > MaxIterations {
			return fmt.Errorf("rounds %d are above %d", rounds, MaxIterations)
		}
		// The key is crypt's base 64 of a whole digest: 43 or 86
		// characters. A shorter one never matches; it is refused, so
		// that a hash cut short is a load error, not a locked-out user.
		want := 43
		if scheme == schemeSHA512 {
			want = 86
		}
		if n := len(d.Key()); n != want {
			return fmt.Errorf("key of %d characters is not %d (a hash cut short?)", n, want)
		}
		return nil
	case schemePBKDF2: // "$pbkdf2-sha256$N$salt$key"
		if _, ok := d.(*pbkdf2.Digest); !ok || len(canon) != 5 {
			return errParamsUnreadable
		}
		n, err := strconv.ParseInt(canon[2], 10, 64)
		switch {
		case err != nil:
			return errParamsUnreadable
		case n < 1:
			return fmt.Errorf("iterations %d are below 1", n)
		case n > MaxIterations:
			return fmt.Errorf("iterations %d are above %d", n, MaxIterations)
		}
	case schemeArgon2: // "$argon2id$v=19$m=M,t=T,p=P$salt$key", m in KiB
		if _, ok := d.(*argon2.Digest); !ok || len(canon) != 6 {
			return errParamsUnreadable
		}
		v, ok := phcParams(canon[3], "m", "t", "p")
		if !ok {
			return errParamsUnreadable
		}
		m, t, p := v[0], v[1], v[2]
		switch {
		case t < 1:
			return fmt.Errorf("%d passes are below 1", t)
		case p < 1:
			return fmt.Errorf("%d lanes are below 1", p)
		case p > maxArgon2Lanes:
			return fmt.Errorf("%d lanes are above %d", p, maxArgon2Lanes)
		case m < 8*p:
			return fmt.Errorf("memory %d KiB is below 8 KiB per lane (%d lanes)", m, p)
		case m > MaxMemoryBytes>>10:
			return fmt.Errorf("memory %d KiB is above %d KiB", m, MaxMemoryBytes>>10)
		case t > maxArgon2Passes:
			return fmt.Errorf("%d passes are above %d", t, maxArgon2Passes)
		}
	case schemeScrypt, schemeYescrypt:
		if _, ok := d.(*scrypt.Digest); !ok || len(canon) != 5 {
			return errParamsUnreadable
		}
		var ln, r, p int64
		switch canon[1] {
		case "scrypt": // "$scrypt$ln=L,r=R,p=P$salt$key"
			v, ok := phcParams(canon[2], "ln", "r", "p")
			if !ok || scheme != schemeScrypt {
				return errParamsUnreadable
			}
			ln, r, p = v[0], v[1], v[2]
		case "y": // "$y$jLR$salt$key": L and R are ln-1 and r-1 in crypt's base 64; p is 1
			// go-crypt writes them modulo 64: a setting it does not
			// write back as it was is beyond the encoding.
			setting := canon[2]
			if scheme != schemeYescrypt || len(setting) != 3 || setting[0] != 'j' || setting != strings.Split(encoded, "$")[2] {
				return errParamsUnreadable
			}
			const alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			ln = int64(strings.IndexByte(alphabet, setting[1])) + 1
			r = int64(strings.IndexByte(alphabet, setting[2])) + 1
			p = 1
		default:
			return errParamsUnreadable
		}
		switch {
		case ln < 1:
			return fmt.Errorf("ln %d is below 1", ln)
		case r < 1:
			return fmt.Errorf("block size r %d is below 1", r)
		case p < 1:
			return fmt.Errorf("parallelism %d is below 1", p)
		case ln > 30 || r > MaxMemoryBytes/128>>ln: // 128*r*2^ln bytes, without overflow
			return fmt.Errorf("parameters ln=%d r=%d use more than %d bytes", ln, r, MaxMemoryBytes)
		case p > maxScryptParallelism:
			return fmt.Errorf("parallelism %d is above %d", p, maxScryptParallelism)
		}
	default:
		return errParamsUnreadable
	}
	if n := len(d.Key()); n < minKeyBytes {
		return fmt.Errorf("key of %d bytes is shorter than %d (a hash cut short?)", n, minKeyBytes)
	} else if n > maxKeyBytes {
		return fmt.Errorf("key of %d bytes is longer than %d (each block of key costs the iterations again)", n, maxKeyBytes)
	}
	if n := len(d.Salt()); n < minSaltBytes {
		return fmt.Errorf("salt of %d bytes is shorter than %d", n, minSaltBytes)
	} else if n > maxSaltBytes {
		return fmt.Errorf("salt of %d bytes is longer than %d", n, maxSaltBytes)
	}
	return nil
}

// phcParams reads the named integers, all of which must be there, from a
// "k=v,k=v" field of a go-crypt encoding.
func phcParams(field string, names ...string) ([]int64, bool) {
	got := make(map[string]int64)
	for kv := range strings.SplitSeq(field, ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, false
		}
		got[k] = n
	}
	vals := make([]int64, len(names))
	for i, name := range names {
		n, ok := got[name]
		if !ok {
			return nil, false
		}
		vals[i] = n
	}
	return vals, true
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
	case strings.HasPrefix(encoded, "$scrypt$"), strings.HasPrefix(encoded, "$7$"): // go-crypt decodes no $7$: malformed
		return schemeScrypt
	case strings.HasPrefix(encoded, "$y$"):
		return schemeYescrypt
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
// understands bcrypt ($2y$, $2a$, $2b$), Apache's MD5 ($apr1$) and
// crypt(3)'s MD5-crypt ($1$, which Apache takes through crypt(3)), Apache's
// {SHA}, SHA-crypt ($5$, $6$), argon2, scrypt, yescrypt ($y$) and pbkdf2
// in the crypt/PHC encodings. A password longer than MaxPasswordBytes is
// false, unhashed. An unknown or malformed hash is an error matching
// ErrUnsupportedHash, never a plain false, so a broken store is not mistaken
// for a wrong password; so is a hash with a parameter beyond
// MaxBcryptCost, MaxIterations or MaxMemoryBytes or below its least value,
// and an argon2, scrypt, yescrypt or pbkdf2 hash with a key or salt outside
// 16 to 64 bytes and 8 to 64 bytes (a hash cut short, or dearer to check
// than its parameters say). Comparisons are constant-time.
//
// bcrypt reads only a password's first 72 bytes, here as in Apache and
// every other implementation: a bcrypt hash of a longer password also
// verifies any password sharing those 72 bytes (Bcrypt.Hash refuses to
// make such a hash; one made elsewhere behaves so). Prefer argon2id for
// users with passphrases that long.
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
	case schemeAPR1, schemeMD5Crypt:
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
	ok, err := matchGoCrypt(info.digest, password)
	switch {
	case errors.Is(err, errGoCryptPanicked):
		return false, fmt.Errorf("%w: %s hash that go-crypt cannot verify (it panicked)", ErrUnsupportedHash, info.scheme)
	case err != nil:
		return false, fmt.Errorf("%w: malformed %s hash", ErrUnsupportedHash, info.scheme)
	}
	return ok, nil
}

// errGoCryptPanicked is matchGoCrypt's error for a panic in go-crypt.
var errGoCryptPanicked = errors.New("go-crypt panicked")

// matchGoCrypt verifies password with go-crypt, turning a panic inside it
// into an error, as decodeGoCrypt does: parseHash bounds what reaches it,
// but a parameter go-crypt's key derivation divides by, say, must not
// crash a login, let alone every failed one through the dummy hashes.
func matchGoCrypt(d algorithm.Digest, password string) (ok bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			ok, err = false, errGoCryptPanicked
		}
	}()
	return d.MatchAdvanced(password)
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
	case schemeAPR1, schemeMD5Crypt:
		magic := "$apr1$"
		if info.scheme == schemeMD5Crypt {
			magic = "$1$"
		}
		n := 8 // the length htpasswd and openssl write
		if e := auth.NewMD5Entry(encoded); e != nil {
			n = len(e.Salt)
		}
		salt := rand.Text()[:n] // letters and digits: crypt(3)'s alphabet
		return string(auth.MD5Crypt([]byte(pw), []byte(salt), []byte(magic))), nil
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
