package checkers

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/gocred/gocred/cred"
)

// fastArgon2 keeps unit tests quick; the defaults are tested for their
// parameters, not run in a loop.
var fastArgon2 = Argon2id{MemoryKiB: 64, Time: 1}

func TestMemory(t *testing.T) {
	for _, h := range []Hasher{Bcrypt{Cost: 4}, fastArgon2} {
		m := NewMemory(h)
		if err := m.Add("alice", "wonderland"); err != nil {
			t.Fatal(err)
		}
		up := cred.NewUsernamePassword
		t.Run(h.Name(), func(t *testing.T) {
			runCheckCases(t, m, []checkCase{
				{"the right password logs in", up("alice", "wonderland"), "alice"},
				{"a wrong password is refused", up("alice", "Wonderland"), ""},
				{"an unknown user is refused like a wrong password", up("bob", "wonderland"), ""},
				{"an empty user name is refused", up("", "wonderland"), ""},
				{"an empty password is refused", up("alice", ""), ""},
			})
		})
	}
}

func TestMemoryChanges(t *testing.T) {
	m := NewMemory(Bcrypt{Cost: 4})
	ctx := context.Background()
	login := func(user, pw string) error {
		_, err := m.RequestAvatarID(ctx, cred.NewUsernamePassword(user, pw), cred.Mind{})
		return err
	}
	t.Run("Add refuses an empty user name or password", func(t *testing.T) {
		if m.Add("", "x") == nil || m.Add("x", "") == nil {
			t.Fatal("accepted")
		}
	})
	t.Run("SetHash takes any supported hash, e.g. one htpasswd wrote", func(t *testing.T) {
		for _, v := range readVectors(t) {
			if err := m.SetHash("v", v.encoded); err != nil {
				t.Fatalf("%s: %v", v.scheme, err)
			}
			if err := login("v", v.password); err != nil {
				t.Fatalf("%s: %v", v.scheme, err)
			}
		}
	})
	t.Run("SetHash refuses a malformed hash and keeps the old one", func(t *testing.T) {
		err := m.SetHash("v", "$2y$05$garbage")
		if !errors.Is(err, ErrUnsupportedHash) || strings.Contains(err.Error(), "garbage") {
			t.Fatalf("SetHash = %v", err)
		}
		if err := login("v", "password"); err != nil {
			t.Fatalf("old hash lost: %v", err)
		}
	})
	t.Run("LookupPasswordHash returns the stored hash", func(t *testing.T) {
		m.Add("carol", "pw")
		h, ok, err := m.LookupPasswordHash(ctx, "carol")
		if !ok || err != nil || !strings.HasPrefix(h, "$2a$04$") {
			t.Fatalf("got %q, %v, %v", h, ok, err)
		}
		if _, ok, _ := m.LookupPasswordHash(ctx, "nobody"); ok {
			t.Fatal("found an unknown user")
		}
	})
	t.Run("Remove makes a user unknown", func(t *testing.T) {
		m.Remove("carol")
		if err := login("carol", "pw"); !errors.Is(err, cred.ErrUnauthorizedLogin) {
			t.Fatalf("got %v", err)
		}
		if m.Len() != 1 {
			t.Fatalf("Len = %d", m.Len())
		}
	})
}

func TestMemoryDummyHashIsOfTheHashersKind(t *testing.T) {
	tests := []struct {
		hasher Hasher
		prefix string
	}{
		{Bcrypt{Cost: 5}, "$2a$05$"},
		{fastArgon2, "$argon2id$v=19$m=64,t=1,p=1$"},
	}
	for _, tt := range tests {
		t.Run("unknown users of a "+tt.hasher.Name()+" store are verified against "+tt.prefix, func(t *testing.T) {
			m := NewMemory(tt.hasher)
			if m.dummyErr != nil || !strings.HasPrefix(m.dummy, tt.prefix) {
				t.Fatalf("dummy %q, %v", m.dummy, m.dummyErr)
			}
			m.Add("alice", "x")
			real, _, _ := m.LookupPasswordHash(context.Background(), "alice")
			ri, _ := parseHash(real)
			di, _ := parseHash(m.dummy)
			if ri.class != di.class {
				t.Fatalf("dummy class %q, real %q", di.class, ri.class)
			}
		})
	}
}

func TestHasherDefaults(t *testing.T) {
	if got := (Argon2id{}).Name(); got != "argon2id(m=19456,t=2,p=1)" {
		t.Errorf("Argon2id{} = %s", got)
	}
	if got := (Bcrypt{}).Name(); got != "bcrypt(cost=10)" {
		t.Errorf("Bcrypt{} = %s", got)
	}
	t.Run("bcrypt refuses a password past 72 bytes instead of truncating it", func(t *testing.T) {
		if _, err := (Bcrypt{Cost: 4}).Hash(strings.Repeat("x", 73)); err == nil {
			t.Fatal("accepted")
		}
	})
	t.Run("a bad cost or memory is an error, not a panic", func(t *testing.T) {
		if _, err := (Bcrypt{Cost: 40}).Hash("x"); err == nil {
			t.Fatal("bcrypt cost 40 accepted")
		}
		if _, err := (Argon2id{MemoryKiB: 4}).Hash("x"); err == nil {
			t.Fatal("argon2 4 KiB accepted")
		}
	})
	t.Run("a store whose hasher fails reports an internal error for unknown users", func(t *testing.T) {
		m := NewMemory(Bcrypt{Cost: 40})
		_, err := m.RequestAvatarID(context.Background(), cred.NewUsernamePassword("x", "y"), cred.Mind{})
		if err == nil || errors.Is(err, cred.ErrUnauthorizedLogin) {
			t.Fatalf("got %v", err)
		}
	})
}

// Every goroutine changes the store (bob comes and goes) while it logs in:
// alice's right password is accepted, wrong ones and other users' are
// refused, in every goroutine, and bob, whenever he is there, has his own
// password only.
func TestMemoryIsSafeForConcurrentUse(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(Bcrypt{Cost: 4})
	if err := m.Add("alice", "pw-alice"); err != nil {
		t.Fatal(err)
	}
	login := func(user, pw string) (cred.AvatarID, error) {
		return m.RequestAvatarID(ctx, cred.NewUsernamePassword(user, pw), cred.Mind{})
	}
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 10 {
				switch (i + j) % 3 {
				case 0:
					if err := m.Add("bob", "pw-bob"); err != nil {
						t.Errorf("goroutine %d: Add: %v", i, err)
						return
					}
				case 1:
					m.Remove("bob")
				}
				if id, err := login("alice", "pw-alice"); err != nil || id != cred.UserID("alice") {
					t.Errorf("goroutine %d: alice's right password: %v, %v", i, id, err)
					return
				}
				for _, c := range [][2]string{{"alice", "pw-bob"}, {"alice", "pw-alice "}, {"bob", "pw-alice"}, {"carol", "pw-alice"}} {
					if id, err := login(c[0], c[1]); !errors.Is(err, cred.ErrUnauthorizedLogin) {
						t.Errorf("goroutine %d: %s with %q: %v, %v, want refused", i, c[0], c[1], id, err)
						return
					}
				}
				// bob may be there or not, but never with another password.
				if id, err := login("bob", "pw-bob"); err == nil && id != cred.UserID("bob") || err != nil && !errors.Is(err, cred.ErrUnauthorizedLogin) {
					t.Errorf("goroutine %d: bob's password: %v, %v", i, id, err)
					return
				}
				if h, found, err := m.LookupPasswordHash(ctx, "bob"); err != nil {
					t.Errorf("goroutine %d: LookupPasswordHash: %v", i, err)
					return
				} else if found {
					if ok, err := VerifyPassword(h, "pw-bob"); !ok || err != nil {
						t.Errorf("goroutine %d: bob's stored hash does not verify his password: %v, %v", i, ok, err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}
