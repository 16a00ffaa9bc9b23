package checkers_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/cred"
)

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// passwordsOnly is a store of passwords only that nevertheless has a
// DigestAlgorithms method (one that could hold HA1s, set up without):
// Digest credentials never reach it, so it has no say in a chain.
type passwordsOnly struct{ *checkers.Memory }

func (passwordsOnly) DigestAlgorithms(string) []string { return []string{cred.AlgorithmSHA256} }

func TestDecoratorsReportWhatTheirStoresCanVerifyForDigest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.htdigest")
	if err := os.WriteFile(path, []byte("alice:gocred:"+md5hex("alice:gocred:wonderland")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	htdigest, err := checkers.NewHtdigest(path, "gocred")
	if err != nil {
		t.Fatal(err)
	}
	memory := checkers.NewMemory(checkers.Bcrypt{Cost: 4})
	plain := checkers.NewInsecurePlaintext(map[string]string{"bob": "builder"})
	cache := func(c cred.Checker) cred.Checker {
		cc, err := checkers.NewCache(c, checkers.CacheOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return cc
	}
	throttle := func(c cred.Checker) cred.Checker {
		return checkers.NewThrottle(c, checkers.NewMemoryThrottleStore(), checkers.ThrottlePolicy{})
	}
	all := []string{cred.AlgorithmMD5, cred.AlgorithmSHA256, cred.AlgorithmSHA512_256}
	tests := []struct {
		name    string
		checker cred.Checker
		realm   string
		want    []string
	}{
		{"a throttled htdigest store offers MD5 only", throttle(checkers.NewLimit(htdigest, 2)), "gocred", []string{cred.AlgorithmMD5}},
		{"a chain of a hash store and an htdigest store offers MD5 only", throttle(checkers.NewChain(checkers.NewLimit(memory, 2), htdigest)), "gocred", []string{cred.AlgorithmMD5}},
		{"a cached chain keeps the htdigest store's answer", cache(checkers.NewChain(memory, htdigest)), "gocred", []string{cred.AlgorithmMD5}},
		{"a wrapped plaintext store offers every algorithm", throttle(checkers.NewLimit(plain, 2)), "gocred", all},
		{"a wrapped one-way hash store offers nothing", throttle(checkers.NewLimit(memory, 2)), "gocred", nil},
		{"the htdigest store for another realm offers nothing", throttle(htdigest), "elsewhere", nil},
		// Only what every member with Digest users can verify: SHA-256
		// offered for the plaintext store's users would lock out the
		// htdigest store's (clients answer the first challenge).
		{"a chain of a plaintext and an htdigest store offers MD5 only", checkers.NewChain(plain, htdigest), "gocred", []string{cred.AlgorithmMD5}},
		{"a chain's member without users in the realm has no say", checkers.NewChain(plain, htdigest), "elsewhere", all},
		// The plaintext member puts UsernameHashedPassword among the
		// chain's interfaces; a decorator over it asks the chain, not
		// the interfaces (it answered every algorithm).
		{"a throttled chain of a plaintext and an htdigest store offers MD5 only", throttle(checkers.NewChain(plain, htdigest)), "gocred", []string{cred.AlgorithmMD5}},
		{"a member Digest never reaches has no say", checkers.NewChain(htdigest, passwordsOnly{memory}), "gocred", []string{cred.AlgorithmMD5}},
		{"nor over a decorator", throttle(passwordsOnly{memory}), "gocred", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.checker.(cred.DigestAlgorithmer).DigestAlgorithms(tt.realm)
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("DigestAlgorithms = %v, want %v", got, want)
			}
		})
	}
	t.Run("a userhash is resolved through the decorators", func(t *testing.T) {
		c := throttle(checkers.NewChain(checkers.NewLimit(memory, 2), htdigest)).(cred.UserHashResolver)
		name, ok := c.ResolveUserHash(context.Background(), "gocred", cred.AlgorithmMD5, md5hex("alice:gocred"))
		if !ok || name != "alice" {
			t.Fatalf("ResolveUserHash = %q, %v", name, ok)
		}
		if _, ok := c.ResolveUserHash(context.Background(), "gocred", cred.AlgorithmMD5, md5hex("mallory:gocred")); ok {
			t.Fatal("resolved an unknown user")
		}
	})
	t.Run("decorators say whether what they wrap can resolve userhashes", func(t *testing.T) {
		cases := []struct {
			name    string
			checker cred.Checker
			want    bool
		}{
			{"a throttled htdigest store can", throttle(checkers.NewLimit(htdigest, 2)), true},
			{"a throttled one-way hash store cannot", throttle(checkers.NewLimit(memory, 2)), false},
			{"a chain with an htdigest store can", throttle(checkers.NewChain(memory, htdigest)), true},
			{"a cached one-way hash store cannot", cache(memory), false},
			{"the plaintext store itself can", plain, true},
		}
		for _, c := range cases {
			if got := cred.ResolvesUserHashes(c.checker); got != c.want {
				t.Errorf("%s: ResolvesUserHashes = %v, want %v", c.name, got, c.want)
			}
		}
	})
}
