package httpauth

import (
	"errors"
	"testing"
	"time"
)

// A nonce verifies under the key and realm it was minted for, and under
// nothing else; changing any character of it breaks it.
func TestNonceTagBindsKeyRealmAndContent(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	m := newNonceMinter(key, "realm", time.Minute)
	nonce := m.mint()
	if len(nonce) != nonceLen {
		t.Fatalf("nonce %q has %d characters, want %d", nonce, len(nonce), nonceLen)
	}
	if _, err := m.verify(nonce); err != nil {
		t.Fatalf("fresh nonce refused: %v", err)
	}
	if _, err := newNonceMinter(key, "realm", time.Minute).verify(nonce); err != nil {
		t.Errorf("another minter with the same key and realm refused it: %v", err)
	}
	if _, err := newNonceMinter(key, "realm2", time.Minute).verify(nonce); !errors.Is(err, errNonceInvalid) {
		t.Errorf("a minter for another realm: %v, want errNonceInvalid", err)
	}
	otherKey := []byte("0123456789abcdef0123456789abcdeF")
	if _, err := newNonceMinter(otherKey, "realm", time.Minute).verify(nonce); !errors.Is(err, errNonceInvalid) {
		t.Errorf("a minter with another key: %v, want errNonceInvalid", err)
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range len(nonce) {
		for _, c := range []byte(alphabet) {
			if c == nonce[i] {
				continue
			}
			changed := nonce[:i] + string(c) + nonce[i+1:]
			if _, err := m.verify(changed); err == nil {
				t.Fatalf("nonce with character %d changed to %q verified: %q", i, c, changed)
			}
		}
	}
}

// Two nonces minted at once differ (the random half), and a nonce from a
// clock running more than a minute ahead is refused.
func TestNonceFreshnessAndClock(t *testing.T) {
	m := newNonceMinter(make([]byte, 32), "r", time.Minute)
	if a, b := m.mint(), m.mint(); a == b {
		t.Fatalf("two nonces are equal: %q", a)
	}
	ahead := newNonceMinter(make([]byte, 32), "r", time.Minute)
	ahead.now = func() time.Time { return time.Now().Add(2 * time.Minute) }
	if _, err := m.verify(ahead.mint()); !errors.Is(err, errNonceInvalid) {
		t.Errorf("nonce from a clock 2 minutes ahead: %v, want errNonceInvalid", err)
	}
	behind := newNonceMinter(make([]byte, 32), "r", time.Minute)
	behind.now = func() time.Time { return time.Now().Add(-2 * time.Minute) }
	if _, err := m.verify(behind.mint()); !errors.Is(err, errNonceExpired) {
		t.Errorf("nonce minted 2 minutes ago with a 1 minute lifetime: %v, want errNonceExpired", err)
	}
}
