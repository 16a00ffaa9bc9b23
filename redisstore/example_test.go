package redisstore_test

import (
	"context"
	"log"
	"net/http"
	"os"

	"github.com/redis/go-redis/v9"

	"github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/cred"
	"github.com/gocred/gocred/httpauth"
	"github.com/gocred/gocred/realms"
	"github.com/gocred/gocred/redisstore"
)

// Every server behind the load balancer runs this with the same Redis and
// the same Digest key: a nonce issued by one is accepted by all, each
// nonce-count once, and failed logins are counted together.
//
// It needs a Redis and a DIGEST_KEY of 32 random bytes or more, and serves
// until stopped, so it has no Output: go test compiles it but does not run
// it (the package's tests run the same wiring against a real Redis).
func Example() {
	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv("GOCRED_REDIS_ADDR"), ContextTimeoutEnabled: true})
	nonces, err := redisstore.NewNonceStore(rdb, redisstore.NonceStoreOptions{})
	if err != nil {
		log.Fatal(err)
	}
	// Optional: spares clients a stale=true round on a fresh Redis.
	if _, err := nonces.Prepare(context.Background()); err != nil {
		log.Print(err) // not fatal: the first login does the same
	}
	failures, err := redisstore.NewThrottleStore(rdb, redisstore.ThrottleStoreOptions{})
	if err != nil {
		log.Fatal(err)
	}
	users := checkers.NewInsecurePlaintext(map[string]string{"alice": "secret"})
	checker := checkers.NewThrottle(users, failures, checkers.ThrottlePolicy{})
	portal, err := cred.NewPortal(realms.NewStaticOf[http.Handler](http.NotFoundHandler()), checker)
	if err != nil {
		log.Fatal(err)
	}
	digest, err := httpauth.NewDigest(portal, httpauth.DigestOptions{
		Realm: "files",
		Key:   httpauth.NewSecretKey([]byte(os.Getenv("DIGEST_KEY"))), // 32+ random bytes, the same on every server
		Store: nonces,
	})
	if err != nil {
		log.Fatal(err)
	}
	auth, err := httpauth.New(portal, digest)
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", auth.Handler()))
}
