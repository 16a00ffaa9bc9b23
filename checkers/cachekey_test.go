package checkers

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"strings"
	"testing"
)

// TestCacheKeyIsTheDocumentedHMAC: the key is HMAC-SHA256 of the
// length-prefixed fields, the same however often a pooled MAC is reused,
// and field boundaries count.
func TestCacheKeyIsTheDocumentedHMAC(t *testing.T) {
	macKey := bytes.Repeat([]byte{7}, 32)
	m := &keyMAC{mac: hmac.New(sha256.New, macKey)}
	want := func(fields ...string) cacheKey {
		mac := hmac.New(sha256.New, macKey)
		for _, f := range fields {
			mac.Write(binary.BigEndian.AppendUint64(nil, uint64(len(f))))
			mac.Write([]byte(f))
		}
		var k cacheKey
		copy(k[:], mac.Sum(nil))
		return k
	}
	cases := [][3]string{
		{"alice", "secret", "$2a$10$hash"},
		{"alic", "esecret", "$2a$10$hash"},
		{"alice", "secre", "t$2a$10$hash"},
		{"", "", ""},
		{"bob", strings.Repeat("p", 5000), "$2a$10$hash"}, // grows the buffer past what is kept
		{"alice", "secret", "$2a$10$hash"},
	}
	seen := map[cacheKey][3]string{}
	for _, c := range cases {
		got := m.key(c[0], c[1], c[2])
		if got != want(c[0], c[1], c[2]) {
			t.Errorf("key%q is not HMAC-SHA256 of the length-prefixed fields", c)
		}
		if prev, ok := seen[got]; ok && prev != c {
			t.Errorf("key%q equals key%q", c, prev)
		}
		seen[got] = c
	}
	if len(seen) != len(cases)-1 {
		t.Errorf("%d distinct keys for %d distinct inputs", len(seen), len(cases)-1)
	}
}

// TestCacheKeyWipesThePasswordFromItsBuffer: the buffer a pooled MAC keeps
// between logins holds no trace of the last password.
func TestCacheKeyWipesThePasswordFromItsBuffer(t *testing.T) {
	m := &keyMAC{mac: hmac.New(sha256.New, make([]byte, 32))}
	m.key("alice", "hunter2-correct-horse", "$2a$10$hash")
	if cap(m.buf) == 0 {
		t.Fatal("no buffer kept: the test would prove nothing")
	}
	if kept := m.buf[:cap(m.buf)]; bytes.Contains(kept, []byte("hunter2")) || bytes.Contains(kept, []byte("alice")) {
		t.Errorf("the kept buffer still holds the message: %q", kept)
	}
	m.key("bob", strings.Repeat("p", maxKeyMACBuf+1), "h")
	if m.buf != nil {
		t.Errorf("a buffer of %d bytes was kept, more than %d", cap(m.buf), maxKeyMACBuf)
	}
}
