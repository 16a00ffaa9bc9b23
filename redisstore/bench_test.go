package redisstore_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/cred"
	"github.com/gocred/gocred/httpauth"
	"github.com/gocred/gocred/realms"
)

// BenchmarkDigestNonceStore measures Digest logins through the middleware
// (parse, check, record the nonce-count, serve) with the nonce-counts in
// this process's memory and in Redis, in the same run: the difference is
// the Redis round trip. Each goroutine is one client on its own nonce.
func BenchmarkDigestNonceStore(b *testing.B) {
	rdb, prefix := sharedRedis(b)
	mem, err := httpauth.NewMemoryNonceStore(httpauth.MemoryNonceStoreOptions{})
	mustNoErr(b, err, "NewMemoryNonceStore")
	stores := []struct {
		name  string
		store httpauth.NonceStore
	}{
		{"memory", mem},
		{"redis", newNonceStore(b, rdb, prefix)},
	}
	for _, s := range stores {
		b.Run(s.name, func(b *testing.B) {
			users := checkers.NewInsecurePlaintext(map[string]string{"alice": "alice-pw"})
			portal, err := cred.NewPortal(realms.NewStaticOf[http.Handler](whoami), users)
			mustNoErr(b, err, "NewPortal")
			digest, err := httpauth.NewDigest(portal, httpauth.DigestOptions{
				Realm: "files", Key: httpauth.NewSecretKey(sharedDigestKey), Store: s.store, Algorithms: []string{"SHA-256"}, NonceLifetime: time.Hour,
			})
			mustNoErr(b, err, "NewDigest")
			mw, err := httpauth.New(portal, digest)
			mustNoErr(b, err, "httpauth.New")
			h := mw.Handler()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
				c := newDigestClient(b, rec.Result(), "alice", "alice-pw")
				for pb.Next() {
					req := httptest.NewRequest(http.MethodGet, "/", nil)
					req.Header.Set("Authorization", c.next(http.MethodGet, "/"))
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						b.Errorf("nc=%d: %d", c.nc, rec.Code)
						return
					}
				}
			})
		})
	}
}
