// Package httpauth authenticates HTTP requests through a cred.Portal, with
// the Basic (RFC 7617) and Digest (RFC 7616, RFC 2617) schemes. It is
// Twisted's HTTPAuthSessionWrapper with its credential factories, in Go.
//
// A CredentialFactory turns one scheme's Authorization header into typed
// credentials: Basic gives *cred.PasswordCredentials, Digest gives
// *DigestCredentials (which implement cred.UsernameHashedPassword and
// cred.UsernameDigestHash). New asks the portal, once, whether some checker
// handles each factory's credentials, so a Digest front end over checkers
// that only take plaintext passwords fails at startup with an error that
// says why, instead of refusing every login.
//
// The middleware can be used two ways: the realm's avatar is the
// http.Handler that serves the user (Handler, Twisted's way), or the
// middleware wraps a handler and puts the avatar ID and avatar in the
// request's context (Wrap; read them with AvatarIDFrom and AvatarFrom). See
// Middleware for every status code it answers with, and Digest for nonces,
// replay protection and what each Digest fault gets.
//
// Digest nonces carry a tag keyed by DigestOptions.Key and expire; servers that share
// DigestOptions.Key accept each other's nonces, and so must share a
// NonceStore too (NewDigest refuses a Key without one). Nonce-counts are
// tracked in the NonceStore (a MemoryNonceStore by default) so a captured
// request cannot be replayed.
//
// # Shortest use
//
//	portal, err := cred.NewPortal(realm, checker)
//	if err != nil { ... }
//	basic, err := httpauth.NewBasic("files")
//	if err != nil { ... } // a realm with a control character
//	digest, err := httpauth.NewDigest(portal, httpauth.DigestOptions{Realm: "files"})
//	if err != nil { ... } // no checker can verify Digest responses
//	m, err := httpauth.New(portal, digest, basic)
//	if err != nil { ... }
//	http.ListenAndServe(addr, m.Handler())   // the realm's http.Handler serves
//	http.ListenAndServe(addr, m.Wrap(files)) // or yours, with AvatarIDFrom(r.Context())
package httpauth
