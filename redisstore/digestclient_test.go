package redisstore_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// digestClient builds RFC 7616 Authorization headers (SHA-256, qop=auth),
// as a browser does, written from the RFC rather than from httpauth.
type digestClient struct {
	user, password       string
	realm, nonce, opaque string
	cnonce               string
	nc                   uint32
}

var authParam = regexp.MustCompile(`([a-zA-Z0-9_-]+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))`)

// newDigestClient reads the SHA-256 challenge of a 401 answer.
func newDigestClient(t testing.TB, resp *http.Response, user, password string) *digestClient {
	t.Helper()
	for _, v := range resp.Header.Values("WWW-Authenticate") {
		scheme, rest, _ := strings.Cut(v, " ")
		if !strings.EqualFold(scheme, "Digest") {
			continue
		}
		p := map[string]string{}
		for _, m := range authParam.FindAllStringSubmatch(rest, -1) {
			p[strings.ToLower(m[1])] = m[2] + m[3]
		}
		if p["algorithm"] != "SHA-256" {
			continue
		}
		return &digestClient{user: user, password: password, realm: p["realm"], nonce: p["nonce"], opaque: p["opaque"], cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"}
	}
	t.Fatalf("no SHA-256 Digest challenge in %d answer: %v", resp.StatusCode, resp.Header.Values("WWW-Authenticate"))
	return nil
}

func h256(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// next returns the Authorization header for the next request, with the
// nonce-count one higher.
func (c *digestClient) next(method, uri string) string {
	c.nc++
	nc := fmt.Sprintf("%08x", c.nc)
	ha1 := h256(c.user + ":" + c.realm + ":" + c.password)
	ha2 := h256(method + ":" + uri)
	resp := h256(ha1 + ":" + c.nonce + ":" + nc + ":" + c.cnonce + ":auth:" + ha2)
	return fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", algorithm=SHA-256, qop=auth, nc=%s, cnonce="%s", response="%s", opaque="%s"`,
		c.user, c.realm, c.nonce, uri, nc, c.cnonce, resp, c.opaque)
}
