package checkers

import (
	"bufio"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// vector is one known answer from testdata/vectors.txt, made by openssl,
// htpasswd and python3 (see testdata/generate.sh).
type vector struct{ scheme, password, encoded string }

func readVectors(t testing.TB) []vector {
	t.Helper()
	f, err := os.Open("testdata/vectors.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var vs []vector
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			t.Fatalf("bad vector line %q", line)
		}
		vs = append(vs, vector{f[0], f[1], f[2]})
	}
	if len(vs) < 10 {
		t.Fatalf("only %d vectors", len(vs))
	}
	return vs
}

func TestVerifyPasswordKnownAnswers(t *testing.T) {
	for _, v := range readVectors(t) {
		t.Run(v.scheme+" accepts its password", func(t *testing.T) {
			ok, err := VerifyPassword(v.encoded, v.password)
			if err != nil || !ok {
				t.Fatalf("VerifyPassword = %v, %v; want true, nil", ok, err)
			}
		})
		t.Run(v.scheme+" refuses a wrong password", func(t *testing.T) {
			for _, wrong := range []string{"", "Password", v.password + "x", v.password[:len(v.password)-1]} {
				ok, err := VerifyPassword(v.encoded, wrong)
				if err != nil || ok {
					t.Fatalf("VerifyPassword(%q) = %v, %v; want false, nil", wrong, ok, err)
				}
			}
		})
	}
}

func TestVerifyPasswordOfOurHashers(t *testing.T) {
	for _, h := range []Hasher{Bcrypt{Cost: 4}, Argon2id{MemoryKiB: 64, Time: 1}, Argon2id{MemoryKiB: 128, Time: 2, Threads: 2, SaltLen: 8, KeyLen: 16}} {
		t.Run(h.Name()+" round-trips through VerifyPassword", func(t *testing.T) {
			enc, err := h.Hash("s3cret")
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := VerifyPassword(enc, "s3cret"); !ok || err != nil {
				t.Fatalf("right password: %v, %v", ok, err)
			}
			if ok, err := VerifyPassword(enc, "s3creT"); ok || err != nil {
				t.Fatalf("wrong password: %v, %v", ok, err)
			}
		})
	}
}

func TestVerifyPasswordRefusesUnsupportedHashesWithAnError(t *testing.T) {
	tests := []struct{ name, encoded string }{
		{"an empty hash", ""},
		{"a plaintext password", "hunter2hunter2"},
		{"a DES crypt hash", "KC8EYH/dWeYW."},
		{"a truncated MD5-crypt hash ($1$)", "$1$saltsalt$qjXMvbEw8oaL.CzflDt"},
		{"an MD5-crypt hash with an apr1 magic inside", "$1$apr1$saltsalt$qjXMvbEw8oaL.CzflDtaK/"},
		// crypt(3) refuses every password for such a salt, so Apache does.
		{"an MD5-crypt hash with a salt outside crypt(3)'s alphabet", "$1$sa!t$qjXMvbEw8oaL.CzflDtaK/"},
		{"a truncated bcrypt hash", "$2y$05$I.4isgySHbsrMZWOPB4U1urVoph0hs"},
		{"a bcrypt hash with a bad cost", "$2y$99$I.4isgySHbsrMZWOPB4U1urVoph0hsEkRp2lDqXdierSwDuwV0.N2"},
		{"an apr1 hash with a short digest", "$apr1$Q7ytpvH9$ViGmeyE2"},
		{"an apr1 hash with a salt over 8 characters", "$apr1$saltsaltsalt$ViGmeyE2EAX/lgTrSxgHD1"},
		{"a {SHA} hash of the wrong length", "{SHA}AAAA"},
		{"a {SHA} hash that is not base64", "{SHA}!!!!!!!!!!!!!!!!!!!!!!!!!!!"},
		{"a SHA-crypt hash with bad rounds", "$5$rounds=x$salt$XB22R4egsoifXVJfckBA/5uKDV7rstmcDPog2B.2xQ7"},
		{"an argon2 hash with missing fields", "$argon2id$v=19$m=64"},
		{"an unknown $id$", "$zz$abc$def"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is an error, not a refusal", func(t *testing.T) {
			ok, err := VerifyPassword(tt.encoded, "hunter2hunter2")
			if ok || !errors.Is(err, ErrUnsupportedHash) {
				t.Fatalf("VerifyPassword = %v, %v; want false, ErrUnsupportedHash", ok, err)
			}
			if tt.encoded != "" && strings.Contains(err.Error(), tt.encoded) {
				t.Fatalf("error %q contains the hash", err)
			}
		})
	}
}

func TestDummyHashMatchesTheCostClassOfTheRealOne(t *testing.T) {
	for _, v := range readVectors(t) {
		t.Run("the dummy for "+v.scheme+" has the same scheme and parameters", func(t *testing.T) {
			info, err := parseHash(v.encoded)
			if err != nil {
				t.Fatal(err)
			}
			d := dummyHashLike(info, v.encoded)
			dinfo, err := parseHash(d)
			if err != nil {
				t.Fatalf("dummy does not parse: %v", err)
			}
			if dinfo.class != info.class {
				t.Fatalf("dummy class %q, real %q", dinfo.class, info.class)
			}
			if ok, _ := VerifyPassword(d, v.password); ok {
				t.Fatal("the dummy accepts the real password")
			}
		})
	}
}

func FuzzVerifyPassword(f *testing.F) {
	for _, v := range readVectors(f) {
		f.Add(v.encoded, v.password)
	}
	f.Add("$apr1$$", "")
	f.Add("{SHA}", "x")
	f.Add("$argon2id$v=19$m=1,t=1,p=1$$", "x")
	f.Fuzz(func(t *testing.T, encoded, password string) {
		if strings.Contains(encoded, "$argon2") || strings.Contains(encoded, "$scrypt") || strings.Contains(encoded, "$pbkdf2") ||
			strings.HasPrefix(encoded, "$5$") || strings.HasPrefix(encoded, "$6$") || strings.HasPrefix(encoded, "$7$") || strings.HasPrefix(encoded, "$y$") {
			// Parse only: these decode parameters (memory, rounds) straight
			// from the input, and verifying could take minutes.
			parseHash(encoded)
			return
		}
		if cost, err := bcrypt.Cost([]byte(encoded)); err == nil && cost > 6 {
			return // a high bcrypt cost from the input would take seconds per run
		}
		ok, err := VerifyPassword(encoded, password)
		if ok && err != nil {
			t.Fatal("true with an error")
		}
	})
}

// A password longer than MaxPasswordBytes is wrong even against its own
// hash, so no login makes a length-dependent hash (SHA-crypt, apr1) do
// unbounded work; one of exactly MaxPasswordBytes still verifies, and the
// hashers refuse to make what could never verify.
func TestPasswordsLongerThanMaxPasswordBytesNeverVerify(t *testing.T) {
	argon := func(pw string) string { // the hash Argon2id.Hash would make, without its length check
		salt := []byte("0123456789abcdef")
		key := argon2.IDKey([]byte(pw), salt, 1, 64, 1, 32)
		return fmt.Sprintf("$argon2id$v=%d$m=64,t=1,p=1$%s$%s", argon2.Version,
			base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
	}
	atMax, over := strings.Repeat("p", MaxPasswordBytes), strings.Repeat("p", MaxPasswordBytes+1)
	if ok, err := VerifyPassword(argon(atMax), atMax); !ok || err != nil {
		t.Errorf("a password of MaxPasswordBytes: %v, %v; want true", ok, err)
	}
	if ok, err := VerifyPassword(argon(over), over); ok || err != nil {
		t.Errorf("a password of MaxPasswordBytes+1 against its own hash: %v, %v; want false, nil", ok, err)
	}
	for _, h := range []Hasher{Argon2id{MemoryKiB: 64, Time: 1}, Bcrypt{Cost: 4}} {
		if _, err := h.Hash(over); err == nil {
			t.Errorf("%s hashed a password longer than MaxPasswordBytes", h.Name())
		}
	}
}

func TestHashesTooCostlyToCheckAreRefused(t *testing.T) {
	b64 := base64.RawStdEncoding.EncodeToString
	salt, key := b64([]byte("0123456789abcdef")), b64(make([]byte, 32))
	for _, tc := range []struct{ encoded, reason string }{
		{"$argon2id$v=19$m=4194304,t=1,p=1$" + salt + "$" + key, "memory 4194304 KiB is above"},
		{"$argon2id$v=19$m=65536,t=1000,p=1$" + salt + "$" + key, "1000 passes are above 64"},
		{"$2a$18$7/yZ7jaNcJf81TAiG6ix.OFGZNaWn9nNR5L5d5FCzYCI7TzAeQ.D2", "bcrypt cost 18 is above 17"},
	} {
		ok, err := VerifyPassword(tc.encoded, "password")
		if ok || !errors.Is(err, ErrUnsupportedHash) || !strings.Contains(err.Error(), tc.reason) {
			t.Errorf("%s: %v, %v; want ErrUnsupportedHash saying %q", tc.encoded, ok, err, tc.reason)
		}
	}
	for _, tc := range []string{
		"$argon2id$v=19$m=65536,t=3,p=4$" + salt + "$" + key,
		"$2a$17$7/yZ7jaNcJf81TAiG6ix.OFGZNaWn9nNR5L5d5FCzYCI7TzAeQ.D2",
		"$6$rounds=10000000$TKvoPCl2L8TkPDVI$oYaIaHJt/qcj4vkZoNSfZ/bkc51Aekvhpbw.S4bUrHzKAG0a89wftxvXS8b0CE2Q1OLRrxJVV8LW4gMtQDwcd.",
		"$scrypt$ln=20,r=8,p=1$MDEyMzQ1Njc4OWFiY2RlZg$ZEBCzLptWM7dhpNJDU2HbQ945ovKHmVEozHkePPbSqw",
	} {
		if _, err := parseHash(tc); err != nil {
			t.Errorf("%s, at the bounds, is refused: %v", tc, err)
		}
	}
}

// Our hashers refuse, before any work, settings whose hashes VerifyPassword
// would refuse (a store would hold a password nobody can log in with, and
// a cost-31 dummy would hang start-up); Memory refuses a Hasher of one's
// own that makes such hashes.
func TestHashersRefuseWhatVerifyPasswordRefuses(t *testing.T) {
	for _, tc := range []struct {
		h      Hasher
		reason string
	}{
		{Bcrypt{Cost: 18}, "outside 4..17"},
		{Bcrypt{Cost: 31}, "outside 4..17"},
		{Argon2id{MemoryKiB: 2 << 20}, "above MaxMemoryBytes"},
		{Argon2id{MemoryKiB: 64, Time: 65}, "65 passes are above 64"},
	} {
		start := time.Now()
		_, err := tc.h.Hash("password")
		if err == nil || !strings.Contains(err.Error(), tc.reason) {
			t.Errorf("%s: Hash: %v, want an error saying %q", tc.h.Name(), err, tc.reason)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s: refusing took %v, want no hashing first", tc.h.Name(), d)
		}
	}
	// At the bounds (bcrypt 17 would take ten seconds: its bound is
	// checked on a hash in TestHashesTooCostlyToCheckAreRefused).
	if h, err := (Argon2id{MemoryKiB: 64, Time: 64}).Hash("password"); err != nil {
		t.Errorf("argon2id with 64 passes: %v", err)
	} else if ok, err := VerifyPassword(h, "password"); !ok || err != nil {
		t.Errorf("argon2id with 64 passes does not verify: %v, %v", ok, err)
	}
	m := NewMemory(plainHasher{})
	if err := m.Add("alice", "pw"); err == nil || !strings.Contains(err.Error(), "VerifyPassword cannot check") {
		t.Errorf("Memory.Add with a hasher making unverifiable hashes: %v", err)
	}
}

// plainHasher makes "hashes" no verifier understands.
type plainHasher struct{}

func (plainHasher) Hash(pw string) (string, error) { return "plain:" + pw, nil }
func (plainHasher) Name() string                   { return "plain" }
