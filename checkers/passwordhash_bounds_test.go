package checkers

import (
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/gocred/gocred/cred"
)

// boundsSalt and boundsKey are a 16-byte salt and a 32-byte key in the
// base 64 of the PHC formats, so that only the parameters of the hashes
// below are wrong.
var (
	boundsSalt = base64.RawStdEncoding.EncodeToString([]byte("0123456789abcdef"))
	boundsKey  = base64.RawStdEncoding.EncodeToString(make([]byte, 32))
)

// scryptR0 decodes in go-crypt, and deriving its key divides by r.
var scryptR0 = "$scrypt$ln=4,r=0,p=1$" + boundsSalt + "$" + boundsKey

// verifyNoPanic is VerifyPassword, with a panic turned into a test error.
func verifyNoPanic(t *testing.T, encoded, password string) (ok bool, err error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("VerifyPassword(%q) panicked: %v", encoded, r)
			ok, err = false, fmt.Errorf("panicked")
		}
	}()
	return VerifyPassword(encoded, password)
}

// wantRefused checks that err refuses encoded as unsupported, saying
// reason and not showing the hash.
func wantRefused(t *testing.T, encoded string, err error, reason string) {
	t.Helper()
	switch {
	case err == nil:
		t.Errorf("%s: accepted; want ErrUnsupportedHash saying %q", encoded, reason)
	case !errors.Is(err, ErrUnsupportedHash) || !strings.Contains(err.Error(), reason):
		t.Errorf("%s: %v; want ErrUnsupportedHash saying %q", encoded, err, reason)
	case strings.Contains(err.Error(), encoded):
		t.Errorf("error %q shows the hash", err)
	}
}

// A parameter below its least value made go-crypt's key derivation panic
// (scrypt's r or p of 0: integer divide by zero) or do no work (no PBKDF2
// iterations, SHA-crypt rounds crypt(3) never writes), or made argon2 use
// 8 KiB a lane whatever its m said: such hashes are refused, and none of
// them panics VerifyPassword.
func TestHashesWithParametersBelowTheirLeastAreRefused(t *testing.T) {
	const shaKey = "oYaIaHJt/qcj4vkZoNSfZ/bkc51Aekvhpbw.S4bUrHzKAG0a89wftxvXS8b0CE2Q1OLRrxJVV8LW4gMtQDwcd."
	for _, tc := range []struct{ encoded, reason string }{
		{scryptR0, "block size r 0 is below 1"},
		{"$scrypt$ln=4,r=8,p=0$" + boundsSalt + "$" + boundsKey, "parallelism 0 is below 1"},
		{"$scrypt$ln=0,r=8,p=1$" + boundsSalt + "$" + boundsKey, "ln 0 is below 1"},
		{"$scrypt$ln=4,r=-1,p=1$" + boundsSalt + "$" + boundsKey, "block size r -1 is below 1"},
		{"$pbkdf2-sha256$0$" + boundsSalt + "$" + boundsKey, "iterations 0 are below 1"},
		{"$pbkdf2-sha256$-5$" + boundsSalt + "$" + boundsKey, "iterations -5 are below 1"},
		{"$6$rounds=0$TKvoPCl2L8TkPDVI$" + shaKey, "rounds 0 are below 1000"},
		{"$6$rounds=999$TKvoPCl2L8TkPDVI$" + shaKey, "rounds 999 are below 1000"},
		{"$argon2id$v=19$m=8,t=1,p=2$" + boundsSalt + "$" + boundsKey, "memory 8 KiB is below 8 KiB per lane (2 lanes)"},
	} {
		_, err := parseHash(tc.encoded)
		wantRefused(t, tc.encoded, err, tc.reason)
		if ok, err := verifyNoPanic(t, tc.encoded, "password"); ok || !errors.Is(err, ErrUnsupportedHash) {
			t.Errorf("VerifyPassword(%q) = %v, %v; want false, ErrUnsupportedHash", tc.encoded, ok, err)
		}
	}
}

// Should a hash go-crypt panics on reach verification all the same, the
// panic is an error matching ErrUnsupportedHash, not a crash.
func TestVerificationTurnsAPanicInGoCryptIntoAnError(t *testing.T) {
	d, err := decodeGoCrypt(scryptR0)
	if err != nil {
		t.Fatalf("go-crypt no longer decodes an r of 0 (%v): find another hash it panics on", err)
	}
	info := hashInfo{scheme: schemeScrypt, class: "r0", digest: d} // what parseHash no longer returns
	var ok bool
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panicked: %v", r)
			}
		}()
		ok, err = verifyParsed(info, scryptR0, "password")
	}()
	if ok || !errors.Is(err, ErrUnsupportedHash) {
		t.Fatalf("verifying a hash go-crypt panics on: %v, %v; want false, ErrUnsupportedHash", ok, err)
	}
	if strings.Contains(err.Error(), scryptR0) {
		t.Errorf("error %q shows the hash", err)
	}
}

// One htpasswd line with an scrypt r of 0 made every failed login of any
// user panic, through the dummy hash of its class; the file is now
// refused, naming the line, and a reload to it keeps the last good one.
func TestHtpasswdRefusesAHashWhoseCheckWouldPanic(t *testing.T) {
	good := "alice:$apr1$saltsalt$yAAkm4libquA.ZWLHbSBq/\n"
	bad := good + "svc:" + scryptR0 + "\n"
	path := writeFile(t, "users.htpasswd", bad)
	_, err := NewHtpasswd(path)
	if err == nil || !errors.Is(err, ErrUnsupportedHash) || !strings.Contains(err.Error(), path+":2:") || !strings.Contains(err.Error(), `user "svc"`) {
		t.Fatalf("NewHtpasswd of a file with an scrypt r of 0: %v; want ErrUnsupportedHash naming line 2 and the user", err)
	}
	if strings.Contains(err.Error(), scryptR0) {
		t.Errorf("error %q shows the hash", err)
	}

	path = writeFile(t, "reloaded.htpasswd", good)
	h, err := NewHtpasswd(path, WithReloadInterval(-1))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := h.Reload(); err == nil || !strings.Contains(err.Error(), path+":2:") {
		t.Fatalf("Reload to a file with an scrypt r of 0: %v; want an error naming line 2", err)
	}
	for _, c := range []cred.UsernamePassword{cred.NewUsernamePassword("mallory", "guess"), cred.NewUsernamePassword("alice", "guess")} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("a failed login of %s panicked: %v", c.Username(), r)
				}
			}()
			if _, err := h.RequestAvatarID(t.Context(), c, cred.Mind{}); !errors.Is(err, cred.ErrUnauthorizedLogin) {
				t.Errorf("a failed login of %s: %v; want ErrUnauthorizedLogin", c.Username(), err)
			}
		}()
	}
	if _, err := h.RequestAvatarID(t.Context(), cred.NewUsernamePassword("alice", "password"), cred.Mind{}); err != nil {
		t.Errorf("alice, right password, after the refused reload: %v", err)
	}
}

// fixedHasher is a Hasher of one's own that makes one hash whatever the
// password.
type fixedHasher string

func (h fixedHasher) Hash(string) (string, error) { return string(h), nil }
func (h fixedHasher) Name() string                { return "fixed" }

// Memory and PasswordVerifier refuse such a hash too, from SetHash, Add,
// NewMemory's dummy, NewPasswordVerifier, Learn and Verify, and nothing
// panics.
func TestMemoryAndPasswordVerifierRefuseAHashWhoseCheckWouldPanic(t *testing.T) {
	m := NewMemory(fixedHasher(scryptR0))
	if !errors.Is(m.dummyErr, ErrUnsupportedHash) {
		t.Errorf("NewMemory with a Hasher making an scrypt r of 0: dummy error %v, want ErrUnsupportedHash", m.dummyErr)
	}
	if err := m.Add("svc", "password"); !errors.Is(err, ErrUnsupportedHash) {
		t.Errorf("Add through that Hasher: %v, want ErrUnsupportedHash", err)
	}
	if err := NewMemory(fastArgon2).SetHash("svc", scryptR0); !errors.Is(err, ErrUnsupportedHash) {
		t.Errorf("SetHash of an scrypt r of 0: %v, want ErrUnsupportedHash", err)
	}
	if _, err := NewPasswordVerifier(scryptR0); !errors.Is(err, ErrUnsupportedHash) {
		t.Errorf("NewPasswordVerifier of an scrypt r of 0: %v, want ErrUnsupportedHash", err)
	}
	seed, _ := fastArgon2.Hash("x")
	v, err := NewPasswordVerifier(seed)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Learn(scryptR0); !errors.Is(err, ErrUnsupportedHash) {
		t.Errorf("Learn of an scrypt r of 0: %v, want ErrUnsupportedHash", err)
	}
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("Verify of an scrypt r of 0 panicked: %v", r)
			}
		}()
		if ok, err := v.Verify(scryptR0, true, "password"); ok || !errors.Is(err, ErrUnsupportedHash) {
			t.Errorf("Verify of an scrypt r of 0: %v, %v; want false, ErrUnsupportedHash", ok, err)
		}
	}()
	if v.Classes() != 1 {
		t.Errorf("the verifier learnt %d classes, want 1 (the seed's)", v.Classes())
	}
}

// The cost bounds are checked on the parameters go-crypt decoded, not on
// the text: go-crypt takes "+99000000" for 99000000, where the text's
// reading refused it and let the hash through; and yescrypt's parameters,
// which were not read at all, are bounded like scrypt's.
func TestCostBoundsApplyToTheDecodedParameters(t *testing.T) {
	for _, tc := range []struct{ encoded, reason string }{
		{"$pbkdf2-sha256$+99000000$" + boundsSalt + "$" + boundsKey, "iterations 99000000 are above 10000000"},
		{"$scrypt$ln=+30,r=8,p=1$" + boundsSalt + "$" + boundsKey, "ln=30 r=8 use more than 1073741824 bytes"},
		{"$scrypt$ln=4,r=+8,p=+65$" + boundsSalt + "$" + boundsKey, "parallelism 65 is above 64"},
		// ln=22 r=33 ('J' is 21, 'U' 32): 16.5 GiB a check.
		{"$y$jJU$saltsaltsaltsalt$" + strings.Repeat("A", 43), "yescrypt parameters ln=22 r=33 use more than"},
		// ln=32 r=1 ('T' is 31, '.' 0): 512 GiB.
		{"$y$jT.$saltsaltsaltsalt$" + strings.Repeat("A", 43), "ln=32 r=1 use more than"},
		{"$argon2id$v=19$m=8000,t=1,p=1000$" + boundsSalt + "$" + boundsKey, "1000 lanes are above 255"},
		// argon2 uses 8 KiB a lane whatever m says: 122 GiB.
		{"$argon2id$v=19$m=64,t=1,p=16000000$" + boundsSalt + "$" + boundsKey, "16000000 lanes are above 255"},
	} {
		_, err := parseHash(tc.encoded)
		wantRefused(t, tc.encoded, err, tc.reason)
	}
	// What is within the bounds still parses and verifies: a yescrypt hash
	// from libxcrypt's crypt(3) (16 MiB), and scrypt at exactly 1 GiB
	// (parsed only).
	const yes = "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$tnSYvahCwPBHKZUspmcxMfb0.WiB9W.zEaKlOBL35rC" // "password"
	if ok, err := verifyNoPanic(t, yes, "password"); !ok || err != nil {
		t.Errorf("libxcrypt's yescrypt hash of the right password: %v, %v; want true", ok, err)
	}
	if ok, err := verifyNoPanic(t, yes, "wrong"); ok || err != nil {
		t.Errorf("libxcrypt's yescrypt hash of a wrong password: %v, %v; want false, nil", ok, err)
	}
	for _, h := range []string{
		"$scrypt$ln=20,r=8,p=64$" + boundsSalt + "$" + boundsKey,
		"$scrypt$ln=+10,r=8,p=1$" + boundsSalt + "$" + boundsKey,
		"$y$jFT$saltsaltsaltsalt$" + strings.Repeat("A", 43), // ln=18 r=32: 1 GiB
		"$argon2id$v=19$m=2040,t=1,p=255$" + boundsSalt + "$" + boundsKey,
	} {
		if _, err := parseHash(h); err != nil {
			t.Errorf("%s, within the bounds, is refused: %v", h, err)
		}
	}
}

// A key cut short (a line caught half-written) matched a random password
// once in 2^(8*length) tries: one in 256 for a 1-byte key. PHC keys
// shorter than 16 bytes and salts shorter than 8 are refused, and SHA-crypt
// keys not of their fixed length (which never matched) too, so that the
// reload of a half-written file fails, naming the line.
func TestHashesCutShortAreRefused(t *testing.T) {
	b64 := base64.RawStdEncoding.EncodeToString
	key15, key16 := b64(make([]byte, 15)), b64(make([]byte, 16))
	salt7, salt8 := b64([]byte("0123456")), b64([]byte("01234567"))
	for _, tc := range []struct{ encoded, reason string }{
		{"$argon2id$v=19$m=64,t=1,p=1$" + boundsSalt + "$QQ", "key of 1 bytes is shorter than 16"},
		{"$pbkdf2-sha256$1000$" + boundsSalt + "$QQ", "key of 1 bytes is shorter than 16"},
		{"$scrypt$ln=4,r=8,p=1$" + boundsSalt + "$QQ", "key of 1 bytes is shorter than 16"},
		{"$y$j8T$saltsaltsaltsalt$Q.", "key of 1 bytes is shorter than 16"},
		{"$argon2id$v=19$m=64,t=1,p=1$" + boundsSalt + "$" + key15, "key of 15 bytes is shorter than 16"},
		{"$argon2id$v=19$m=64,t=1,p=1$" + salt7 + "$" + boundsKey, "salt of 7 bytes is shorter than 8"},
		{"$pbkdf2-sha512$1000$" + salt7 + "$" + boundsKey, "salt of 7 bytes is shorter than 8"},
		{"$6$rounds=1000$TKvoPCl2L8TkPDVI$oY", "key of 2 characters is not 86"},
		{"$5$saltsalt$gOjOtoMpVhru2uyjeJSEc/JaLQWOXMNmlOnj6T4AtC", "key of 42 characters is not 43"},
		// PBKDF2 pays its iterations once per block of key: a long key
		// is a dear check, for every failed login through a dummy.
		{"$pbkdf2-sha256$1000$" + boundsSalt + "$" + b64(make([]byte, 65)), "key of 65 bytes is longer than 64"},
		{"$scrypt$ln=4,r=8,p=1$" + boundsSalt + "$" + b64(make([]byte, 1032)), "key of 1032 bytes is longer than 64"},
		{"$argon2id$v=19$m=64,t=1,p=1$" + b64(make([]byte, 65)) + "$" + boundsKey, "salt of 65 bytes is longer than 64"},
	} {
		_, err := parseHash(tc.encoded)
		wantRefused(t, tc.encoded, err, tc.reason)
	}
	for _, h := range []string{
		"$argon2id$v=19$m=64,t=1,p=1$" + salt8 + "$" + key16,
		"$pbkdf2$1000$" + boundsSalt + "$" + b64(make([]byte, 20)), // passlib's pbkdf2_sha1: a 20-byte key
		"$scrypt$ln=4,r=8,p=1$" + salt8 + "$" + key16,
		"$pbkdf2-sha512$1000$" + b64(make([]byte, 64)) + "$" + b64(make([]byte, 64)), // passlib's longest
	} {
		if _, err := parseHash(h); err != nil {
			t.Errorf("%s, at the least lengths, is refused: %v", h, err)
		}
	}

	// The half-written file.
	bob, err := fastArgon2.Hash("right")
	if err != nil {
		t.Fatal(err)
	}
	full := "alice:$apr1$saltsalt$yAAkm4libquA.ZWLHbSBq/\nbob:" + bob + "\n"
	path := writeFile(t, "users.htpasswd", full)
	h, err := NewHtpasswd(path, WithReloadInterval(-1))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(full[:strings.LastIndexByte(full, '$')+3]), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := h.Reload(); err == nil || !strings.Contains(err.Error(), path+":2:") || !strings.Contains(err.Error(), "key of 1 bytes") {
		t.Fatalf("Reload of a file cut two characters into bob's key: %v; want an error naming line 2 and the short key", err)
	}
	for i := range 300 { // one in 256 matched a 1-byte key
		if _, err := h.RequestAvatarID(t.Context(), cred.NewUsernamePassword("bob", fmt.Sprint("guess", i)), cred.Mind{}); err == nil {
			t.Fatalf("wrong password %d logged in as bob", i)
		}
	}
	if _, err := h.RequestAvatarID(t.Context(), cred.NewUsernamePassword("bob", "right"), cred.Mind{}); err != nil {
		t.Errorf("bob, right password, after the refused reload: %v", err)
	}

	// Argon2id refuses, before the work, to make what would be refused.
	for _, a := range []Argon2id{{MemoryKiB: 64, Time: 1, KeyLen: 8}, {MemoryKiB: 64, Time: 1, SaltLen: 4}, {MemoryKiB: 64, Time: 1, KeyLen: 1 << 30}, {MemoryKiB: 64, Time: 1, SaltLen: 65}} {
		if h, err := a.Hash("x"); err == nil {
			t.Errorf("%+v made %s, which VerifyPassword refuses", a, h)
		}
	}
}
