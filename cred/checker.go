package cred

import (
	"context"
	"reflect"
)

// Checker turns credentials into an avatar ID, or refuses them.
//
// A checker declares the credential interfaces it handles; the Portal only
// hands it credentials that implement one of them. It returns
// ErrUnauthorizedLogin (possibly wrapped) for wrong credentials, whether the
// user is unknown or the password wrong (a checker that knows which users it
// holds may return ErrUnknownUser, which matches it, for a name it does not
// hold, after the same work), and any other error for a failure of its own
// (store unreachable, timeout), which the Portal reports as internal. Error
// texts must never contain a password or hash.
type Checker interface {
	// CredentialInterfaces lists the credential interfaces this checker
	// handles, e.g. reflect.TypeFor[cred.UsernamePassword]().
	CredentialInterfaces() []reflect.Type
	// RequestAvatarID checks creds and returns who they belong to.
	RequestAvatarID(ctx context.Context, creds Credentials, mind Mind) (AvatarID, error)
}

// CheckerFunc adapts a function into a Checker handling the given
// interfaces. See NewCheckerFunc.
type CheckerFunc struct {
	// Interfaces are the credential interfaces the checker handles
	// (reflect.TypeFor[cred.UsernamePassword](), ...).
	Interfaces []reflect.Type
	// Func checks credentials of one of Interfaces, as
	// Checker.RequestAvatarID does.
	Func func(ctx context.Context, creds Credentials, mind Mind) (AvatarID, error)
	// Name describes the checker in error messages; optional.
	Name string
}

// NewCheckerFunc returns a Checker that handles ifaces by calling f.
func NewCheckerFunc(f func(ctx context.Context, creds Credentials, mind Mind) (AvatarID, error), ifaces ...reflect.Type) *CheckerFunc {
	return &CheckerFunc{Interfaces: ifaces, Func: f}
}

// CredentialInterfaces returns c.Interfaces.
func (c *CheckerFunc) CredentialInterfaces() []reflect.Type { return c.Interfaces }

// RequestAvatarID calls c.Func.
func (c *CheckerFunc) RequestAvatarID(ctx context.Context, creds Credentials, mind Mind) (AvatarID, error) {
	return c.Func(ctx, creds, mind)
}

// String returns c.Name, or "CheckerFunc".
func (c *CheckerFunc) String() string {
	if c.Name != "" {
		return c.Name
	}
	return "CheckerFunc"
}

// DigestAlgorithmer is implemented by checkers of UsernameDigestHash that
// store HA1s for some algorithms only (an htdigest file: MD5). A protocol
// offers a Digest algorithm only if every registered checker with users in
// the realm can verify it (a client answers the first challenge it
// supports, so an algorithm one store lacks would lock its users out). A
// checker of UsernameHashedPassword or UsernameDigestHash that implements
// neither this nor DigestAlgorithmReporter verifies every algorithm; one
// taking neither interface has no say (see DigestAlgorithmsOf).
type DigestAlgorithmer interface {
	// DigestAlgorithms returns the base algorithms (AlgorithmMD5, ...) for
	// which the checker has HA1s in realm.
	DigestAlgorithms(realm string) []string
}

// DigestAlgorithmReporter is implemented by checkers whose answer to
// DigestAlgorithms can fail: a store that cannot be asked (a database
// down), or a checkers.Chain whose members holding Digest users in the
// realm agree on no algorithm (no algorithm offered would let all of them
// in). A Digest front end asks ReportDigestAlgorithms when it can, and
// refuses to start on an error rather than offer what some users cannot
// answer.
type DigestAlgorithmReporter interface {
	// ReportDigestAlgorithms is DigestAlgorithms with the reason it
	// cannot answer.
	ReportDigestAlgorithms(realm string) ([]string, error)
}

// UserHashResolver is implemented by checkers that can map an RFC 7616
// userhash (H(username ":" realm), hex) back to a user name, so Digest
// clients may hide the user name on the wire.
type UserHashResolver interface {
	// ResolveUserHash returns the user name whose hash under algorithm and
	// realm is userhash, or ok false.
	ResolveUserHash(ctx context.Context, realm, algorithm, userhash string) (username string, ok bool)
}

// ResolvesUserHashes reports whether checker c can resolve userhashes: it
// implements UserHashResolver and, if it is a decorator that forwards the
// method to what it wraps (it has a CanResolveUserHash method), what it
// wraps can. Protocols call it at construction, so that asking for
// userhash over stores that cannot resolve one fails at startup.
func ResolvesUserHashes(c Checker) bool {
	if _, ok := c.(UserHashResolver); !ok {
		return false
	}
	if f, ok := c.(interface{ CanResolveUserHash() bool }); ok {
		return f.CanResolveUserHash()
	}
	return true
}

var _ Checker = (*CheckerFunc)(nil)
