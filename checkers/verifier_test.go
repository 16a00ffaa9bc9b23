package checkers_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/gocred/gocred/checkers"
)

func TestPasswordVerifier(t *testing.T) {
	if _, err := checkers.NewPasswordVerifier(); err == nil {
		t.Fatal("NewPasswordVerifier() with no hash succeeded")
	}
	if _, err := checkers.NewPasswordVerifier("$apr1$x", "plain"); err == nil || !strings.Contains(err.Error(), "hash 1") {
		t.Fatalf("NewPasswordVerifier with a broken first hash: %v, want it named", err)
	}
	b, _ := checkers.Bcrypt{Cost: 4}.Hash("right")
	v, err := checkers.NewPasswordVerifier(b)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := checkers.Argon2id{MemoryKiB: 64, Time: 1}.Hash("right")
	for _, tc := range []struct {
		name, encoded string
		found         bool
		want          bool
	}{
		{"right password", b, true, true},
		{"wrong password", b, true, false},
		{"unknown user", "", false, false},
		{"unknown user, hash ignored", b, false, false},
		{"right password of a new class", a, true, true},
	} {
		pw := "right"
		if tc.name == "wrong password" {
			pw = "wrong"
		}
		if ok, err := v.Verify(tc.encoded, tc.found, pw); ok != tc.want || err != nil {
			t.Errorf("%s: %v, %v; want %v", tc.name, ok, err, tc.want)
		}
	}
	if n := v.Classes(); n != 2 {
		t.Errorf("Classes() = %d after seeing bcrypt-4 and argon2id, want 2", n)
	}
	if _, err := v.Verify("{SHA}short", true, "x"); err == nil || strings.Contains(err.Error(), "short") {
		t.Errorf("Verify of a broken hash: %v, want an error without the hash", err)
	}
	var logged bytes.Buffer
	v.SetLogger(slog.New(slog.NewTextHandler(&logged, nil)))
	var beyond string
	for i := range 3 * checkers.MaxPasswordVerifierClasses {
		h, _ := checkers.Argon2id{MemoryKiB: 64, Time: uint32(2 + i)}.Hash("x")
		if i == checkers.MaxPasswordVerifierClasses-2 { // the ninth class
			beyond = h
		}
		v.Verify(h, true, "y")
	}
	if n := v.Classes(); n != checkers.MaxPasswordVerifierClasses {
		t.Errorf("Classes() = %d after many classes, want the bound %d", n, checkers.MaxPasswordVerifierClasses)
	}
	// The first class left out is said, once, by its parameters alone.
	log := logged.String()
	if strings.Count(log, "level=WARN") != 1 || !strings.Contains(log, `class="$argon2id$v=19$m=64,t=8,p=`) {
		t.Errorf("log after classes beyond the bound: %q, want one warning naming the first class left out", log)
	}
	if salt := strings.Split(beyond, "$")[4]; strings.Contains(log, salt) {
		t.Errorf("the warning %q shows the hash's salt", log)
	}
	ninth, _ := checkers.Argon2id{MemoryKiB: 64, Time: 60}.Hash("x")
	if err := v.Learn(ninth); err == nil || !strings.Contains(err.Error(), "at most") {
		t.Errorf("Learn of a class beyond the bound: %v, want it refused", err)
	}
	if err := v.Learn(b); err != nil {
		t.Errorf("Learn of a class already known, at the bound: %v", err)
	}
}

// A store that cannot list its users checks a login through a
// PasswordVerifier seeded with a hash of the kind new passwords are stored
// with; an unknown user then costs what a wrong password costs.
func ExamplePasswordVerifier() {
	hasher := checkers.Bcrypt{Cost: 10}
	seed, err := hasher.Hash("any password")
	if err != nil {
		panic(err)
	}
	v, err := checkers.NewPasswordVerifier(seed)
	if err != nil {
		panic(err)
	}
	stored, _ := hasher.Hash("alice's password") // from the store
	lookup := func(user string) (string, bool) {
		if user == "alice" {
			return stored, true
		}
		return "", false
	}
	for _, try := range [][2]string{{"alice", "alice's password"}, {"alice", "guess"}, {"mallory", "guess"}} {
		hash, found := lookup(try[0])
		ok, err := v.Verify(hash, found, try[1])
		fmt.Println(try[0], ok, err)
	}
	// Output:
	// alice true <nil>
	// alice false <nil>
	// mallory false <nil>
}
