// Package redisstore keeps the per-login state of gocred servers in Redis
// (github.com/redis/go-redis/v9), so several servers behind a load
// balancer share it: NonceStore remembers HTTP Digest nonce-counts (it
// implements httpauth.NonceStore), so a request replayed to another server
// is refused; ThrottleStore keeps checkers.Throttle's failure counters, so
// failures counted on one server lock the user out on all.
//
// Each check is one round trip (a Lua script run with EVALSHA; with
// Replication, EVAL and WAIT in one pipeline), every key
// expires when it no longer matters, and both stores fail closed: with Redis
// unreachable, Digest and throttled logins are refused with a server error,
// and they resume by themselves when Redis is back.
//
// Redis Cluster works too: pass a *redis.ClusterClient, and the stores'
// keys carry the hash tag {gocred} (DefaultClusterPrefix), so the keys one
// script touches share a slot. All of a store's keys then live on one
// node: the cluster gives failover and room for other data, not more
// throughput for these stores. A *redis.Ring is refused: it moves keys to
// another shard when one stops answering, and lockouts and nonce-counts
// would silently be forgotten.
//
// Failover has a window: Redis replicates asynchronously, so when a
// replica takes over (Redis Cluster, Sentinel) the writes of the last
// moments before, acknowledged by the old primary but not yet copied, are
// gone while the data-loss marker survives. A Digest request captured in
// that window could then be replayed once, and failures counted in it
// would be forgotten. Replication (NonceStoreOptions.Replication,
// ThrottleStoreOptions.Replication) narrows it for one primary with
// replicas (and Sentinel's failover client; not for a Redis Cluster): each
// write waits until that many replicas have it (Redis's WAIT), and the
// store fails closed when they do not answer. Asking for as many replicas
// as a failover may promote, no acknowledged count is lost in practice;
// WAIT is not consensus, though. Where that matters more than staying up,
// do not fail over: a Redis that restarts empty is detected (see
// NonceStore) and fails safe.
//
// Behind a load balancer, give httpauth the clients' addresses
// (httpauth.Middleware.ClientAddr, httpauth.ForwardedFor), or the
// Throttle counts every client's failures against the balancer's address.
//
// Shortest use, shared by every server:
//
//	rdb := redis.NewClient(&redis.Options{Addr: "redis:6379", ContextTimeoutEnabled: true})
//	nonces, err := redisstore.NewNonceStore(rdb, redisstore.NonceStoreOptions{})
//	if err != nil { ... }
//	failures, err := redisstore.NewThrottleStore(rdb, redisstore.ThrottleStoreOptions{})
//	if err != nil { ... }
//	checker := checkers.NewThrottle(users, failures, checkers.ThrottlePolicy{})
//	portal, err := cred.NewPortal(realm, checker)
//	if err != nil { ... }
//	digest, err := httpauth.NewDigest(portal, httpauth.DigestOptions{
//		Realm: "files",
//		Key:   httpauth.NewSecretKey(sharedKey), // the same 32+ random bytes on every server
//		Store: nonces,
//	})
package redisstore
