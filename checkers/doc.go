// Package checkers holds gocred's credential checkers (in-memory stores,
// Apache htpasswd and htdigest files, anonymous) and decorators that wrap any
// checker (verification cache, concurrency limit, throttle, chain).
//
// Every store refuses a wrong password and an unknown user with an error
// matching cred.ErrUnauthorizedLogin (errors.Is: an unknown user gets
// cred.ErrUnknownUser, which matches it and reads the same, so a Chain can
// tell a guess at its members' users from a user held elsewhere) after the
// same work (an unknown user's password is verified against a dummy hash
// of the store's kind and cost), refuses an
// empty user name before any hashing, and keeps secrets out of errors and
// logs. A store that cannot do its job (a hash it cannot verify, a
// provider that panics) returns an internal error, never a refusal.
//
// # Stores
//
// NewHtpasswd loads an Apache htpasswd file in any format Apache's
// htpasswd writes on Linux (bcrypt, apr1, {SHA}, SHA-256/512 crypt; DES
// crypt and plaintext are refused at load) and reloads it when it changes:
//
//	users, err := checkers.NewHtpasswd("/etc/gocred/users.htpasswd")
//	if err != nil { ... } // "users.htpasswd:7: duplicate user "bob" (first on line 3)"
//	portal, err := cred.NewPortal(realm, users)
//
// NewHtdigest loads the users of one realm from an Apache htdigest file; it
// serves HTTP Digest (MD5) by HA1 and plaintext logins (Basic, FTP) alike:
//
//	users, err := checkers.NewHtdigest("/etc/gocred/users.htdigest", "files")
//
// Both stat their file at most once per WithReloadInterval (default 1s) on
// use, reload it when it changed, and keep the last good contents, logging
// to WithLogger, when an edit is broken. Reload forces a reload. Replace the
// file atomically (write, then rename) so a login never reads it half-way.
//
// NewMemory is a store of hashed passwords held in memory, hashing new ones
// with Argon2id (the default) or Bcrypt:
//
//	users := checkers.NewMemory(nil)
//	err := users.Add("alice", "correct horse")
//
// NewInsecurePlaintext holds plaintext passwords, for tests and demos only;
// it can answer every credential kind, Digest with any algorithm included:
//
//	users := checkers.NewInsecurePlaintext(map[string]string{"alice": "wonderland"})
//
// NewAnonymous accepts cred.Anonymous credentials as cred.AnonymousID;
// register it only where anonymous access is wanted:
//
//	portal, err := cred.NewPortal(realm, users, checkers.NewAnonymous())
//
// FromBasicSecretProvider and FromDigestSecretProvider adapt the secret
// providers of github.com/abbot/go-http-auth, recovering their panics:
//
//	users := checkers.FromBasicSecretProvider(auth.HtpasswdFileProvider(path), "files")
//
// VerifyPassword checks a password against any encoded hash these stores
// understand, for stores kept elsewhere (a SQL table).
package checkers
