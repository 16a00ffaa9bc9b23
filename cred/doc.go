// Package cred is the core of gocred: typed credentials, checkers that turn
// them into an avatar ID, realms that turn an avatar ID into what a protocol
// serves, and the Portal that routes between them. It is Twisted's cred,
// in Go.
//
// # The four words
//
//   - Credentials are what a client presents, typed by the interfaces they
//     implement: UsernamePassword (the password is in hand),
//     UsernameHashedPassword (the client proved it knows a password; the
//     checker supplies the plaintext), UsernameDigestHash (the checker
//     supplies a stored HA1 instead) and Anonymous.
//   - A Checker declares which credential interfaces it handles and turns
//     credentials into an AvatarID, or refuses with ErrUnauthorizedLogin.
//   - A Realm turns an AvatarID into an avatar of an interface the protocol
//     asks for (an http.Handler, an afero.Fs, ...) plus a logout func.
//   - A Portal holds one realm and many checkers and routes between them.
//
// # How the Portal routes
//
// Login sends credentials to the checkers registered for the interfaces they
// implement, taking interfaces in the order they were first registered and,
// for each, its checkers in registration order; a checker registered for
// several matching interfaces is asked once. A refusal (ErrUnauthorizedLogin)
// moves on to the next checker; a lockout (ErrThrottled) or any other error
// stops the search and is returned, so a broken store is never reported as a
// wrong password. If all refuse, the login is refused.
//
// Credentials that no checker handles get an *UnhandledCredentialsError
// (matching ErrUnhandledCredentials) naming their concrete type, the
// interfaces it implements and what is registered. Protocols call
// CheckCredentialType with the concrete type they produce when they are
// built, so a Digest front end over a store that only declares plaintext
// passwords fails at startup, not as a 401 forever.
//
// The realm must return one of the interfaces asked for, and an avatar that
// implements it; otherwise the login fails with an internal error. A realm
// refuses a known user with ErrLoginDenied. A checker that accepts but
// returns the zero AvatarID is an internal error too, so a bug cannot log
// anyone in. The caller's context is honoured before, between and after
// checkers and the realm.
//
// Every outcome is reported to the portal's Observer (SlogObserver logs
// them), with protocol, user name, remote address, outcome and duration, and
// never a password or hash.
//
// # Shortest use
//
//	portal, err := cred.NewPortal(realm, checker)
//	if err != nil { ... }
//	h, session, err := cred.Login[http.Handler](ctx, portal,
//		cred.NewUsernamePassword("alice", "secret"), cred.Mind{Protocol: "http"})
//	if err != nil { ... }
//	defer session.Logout()
package cred
