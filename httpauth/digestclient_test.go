package httpauth

import (
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"net/http"
	"strings"
	"testing"
)

// digestClient computes Digest Authorization headers the way a client
// does, written apart from the server's arithmetic so tests cross-check it.
type digestClient struct {
	user, password string
	realm, nonce   string
	opaque         string
	algorithm      string
	qop            string
	cnonce         string
	nc             uint32
	userhash       bool
}

// challenges returns the parsed Digest challenges of a 401 answer.
func challenges(t testing.TB, h http.Header) []map[string]string {
	t.Helper()
	var out []map[string]string
	for _, v := range h.Values("WWW-Authenticate") {
		scheme, rest, _ := strings.Cut(v, " ")
		if !strings.EqualFold(scheme, "Digest") {
			continue
		}
		m := map[string]string{}
		if err := parseAuthParams(rest, func(n, v string) error { m[n] = v; return nil }); err != nil {
			t.Fatalf("challenge %q does not parse: %v", v, err)
		}
		out = append(out, m)
	}
	return out
}

// clientFor sets up a client from a challenge.
func clientFor(ch map[string]string, user, password string) *digestClient {
	return &digestClient{
		user: user, password: password, realm: ch["realm"], nonce: ch["nonce"],
		opaque: ch["opaque"], algorithm: ch["algorithm"], qop: "auth", cnonce: "0a4f113b",
	}
}

func clientHash(alg string) hash.Hash {
	switch strings.TrimSuffix(strings.ToUpper(alg), "-SESS") {
	case "SHA-256":
		return sha256.New()
	case "SHA-512-256":
		return sha512.New512_256()
	default:
		return md5.New()
	}
}

func (c *digestClient) h(s string) string {
	h := clientHash(c.algorithm)
	h.Write([]byte(s))
	return hex.EncodeToString(h.Sum(nil))
}

// ha1 returns the session key the client uses.
func (c *digestClient) ha1() string {
	ha1 := c.h(c.user + ":" + c.realm + ":" + c.password)
	if strings.HasSuffix(strings.ToLower(c.algorithm), "-sess") {
		ha1 = c.h(ha1 + ":" + c.nonce + ":" + c.cnonce)
	}
	return ha1
}

// header returns the next Authorization header for method and uri, with
// the nonce-count advanced.
func (c *digestClient) header(method, uri string, body []byte) string {
	c.nc++
	nc := fmt.Sprintf("%08x", c.nc)
	ha2 := c.h(method + ":" + uri)
	if c.qop == "auth-int" {
		ha2 = c.h(method + ":" + uri + ":" + c.h(string(body)))
	}
	var resp string
	if c.qop == "" {
		resp = c.h(c.ha1() + ":" + c.nonce + ":" + ha2)
	} else {
		resp = c.h(c.ha1() + ":" + c.nonce + ":" + nc + ":" + c.cnonce + ":" + c.qop + ":" + ha2)
	}
	user := c.user
	extra := ""
	if c.userhash {
		user = c.h(c.user + ":" + c.realm)
		extra = ", userhash=true"
	}
	s := fmt.Sprintf(`Digest username=%s, realm=%s, nonce=%q, uri=%q, response=%q, opaque=%q`,
		quote(user), quote(c.realm), c.nonce, uri, resp, c.opaque)
	if c.algorithm != "" {
		s += ", algorithm=" + c.algorithm
	}
	if c.qop != "" {
		s += fmt.Sprintf(", qop=%s, nc=%s, cnonce=%q", c.qop, nc, c.cnonce)
	}
	return s + extra
}

// rspauth returns the Authentication-Info rspauth the server should send for
// the last request.
func (c *digestClient) rspauth(uri string) string {
	nc := fmt.Sprintf("%08x", c.nc)
	return c.h(c.ha1() + ":" + c.nonce + ":" + nc + ":" + c.cnonce + ":" + c.qop + ":" + c.h(":"+uri))
}
