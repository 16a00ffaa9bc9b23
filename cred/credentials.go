package cred

import (
	"crypto/subtle"
	"fmt"
	"io"
	"log/slog"
	"reflect"
)

// Credentials is anything a client presents to log in. What a checker can do
// with it is decided by the credential interfaces it implements
// (UsernamePassword, UsernameHashedPassword, UsernameDigestHash, Anonymous).
type Credentials any

// UsernamePassword is a credential whose plaintext password is in hand, as
// with HTTP Basic or FTP's USER/PASS.
type UsernamePassword interface {
	// Username returns the user name the client gave.
	Username() string
	// Password returns the plaintext password the client gave.
	Password() string
	// CheckPassword reports, in constant time, whether password is the one
	// the client gave.
	CheckPassword(password string) bool
}

// UsernameHashedPassword is a credential where the client proved knowledge of
// a password without sending it (an HTTP Digest response). The checker
// supplies the plaintext it has stored, and the credential does the protocol's
// arithmetic.
type UsernameHashedPassword interface {
	// Username returns the user name the client gave.
	Username() string
	// CheckPassword reports whether the client's proof matches password.
	CheckPassword(password string) bool
}

// UsernameDigestHash is a credential that can be verified against a stored
// digest hash (HA1 = H(username:realm:password)) for a realm and algorithm,
// as Apache's htdigest files store them, so the plaintext is never needed.
type UsernameDigestHash interface {
	// Username returns the user name the client gave.
	Username() string
	// Realm returns the realm the HA1 must have been computed for.
	Realm() string
	// Algorithm returns the base hash algorithm of the HA1 the checker must
	// supply: one of AlgorithmMD5, AlgorithmSHA256, AlgorithmSHA512_256.
	Algorithm() string
	// CheckHash reports whether the client's proof matches the stored HA1,
	// given as lower-case hex.
	CheckHash(ha1 string) bool
}

// Anonymous is the credential of a client that gave no identity. Only an
// anonymous checker handles it, so anonymous access is the portal's decision.
type Anonymous interface {
	// IsAnonymous reports true; it marks the interface.
	IsAnonymous() bool
}

// Inconclusive is implemented by credentials that a checker can accept
// without the login going through. Inconclusive reports, after the check,
// whether an acceptance is of that kind: for instance a Digest response
// that is right but was made for an expired nonce (the client must repeat
// it on a fresh one, and may be an attacker replaying a captured request),
// a right one whose nonce-count was used before (a request replayed, or
// one a client sent ahead of a later one), or one whose nonce-count could
// not be recorded. The Portal then fails the login with ErrInconclusive
// without asking the realm. Decorators that act on a checker's success,
// like checkers.Throttle ending a user's backoff, count such an acceptance
// as neither a success nor a failure, so neither replays nor a client's
// requests arriving out of order can lock a user out.
type Inconclusive interface {
	// Inconclusive reports, once a checker has accepted the credentials,
	// whether the login does not go through after all (see above).
	Inconclusive() bool
}

// Digest base hash algorithms as RFC 7616 names them. A UsernameDigestHash
// reports one of these; "-sess" variants use the same stored HA1.
const (
	AlgorithmMD5        = "MD5"
	AlgorithmSHA256     = "SHA-256"
	AlgorithmSHA512_256 = "SHA-512-256"
)

// The reflect.Type of each credential interface, for CredentialInterfaces
// implementations and Portal.CheckCredentialType.
var (
	UsernamePasswordType       = reflect.TypeFor[UsernamePassword]()
	UsernameHashedPasswordType = reflect.TypeFor[UsernameHashedPassword]()
	UsernameDigestHashType     = reflect.TypeFor[UsernameDigestHash]()
	AnonymousType              = reflect.TypeFor[Anonymous]()
)

// builtinInterfaces lists the credential interfaces gocred defines, used to
// describe a credential type in error messages.
var builtinInterfaces = []reflect.Type{
	UsernamePasswordType, UsernameHashedPasswordType, UsernameDigestHashType, AnonymousType,
}

// PasswordCredentials is the plain user name and password credential. It
// implements UsernamePassword and also UsernameHashedPassword, so a checker
// that only stores plaintext passwords can check it too.
//
// The password is kept behind an unexported pointer: encoding/json and
// encoding/xml skip it, and fmt, printing a struct that holds the
// credentials in a field it cannot call String on, shows only an address.
type PasswordCredentials struct {
	User string // the user name as the client gave it
	pass *string
}

// NewUsernamePassword returns credentials for a user name and plaintext
// password.
func NewUsernamePassword(user, password string) *PasswordCredentials {
	return &PasswordCredentials{User: user, pass: &password}
}

// Username returns the user name.
func (c *PasswordCredentials) Username() string { return c.User }

// Password returns the plaintext password ("" if none was given).
func (c *PasswordCredentials) Password() string {
	if c.pass == nil {
		return ""
	}
	return *c.pass
}

// CheckPassword compares password with the one given, in constant time.
func (c *PasswordCredentials) CheckPassword(password string) bool {
	return subtle.ConstantTimeCompare([]byte(c.Password()), []byte(password)) == 1
}

// String never shows the password, so credentials are safe to log.
func (c PasswordCredentials) String() string { return "password credentials for " + quoteName(c.User) }

// GoString is like String, so %#v cannot leak the password either.
func (c PasswordCredentials) GoString() string { return c.String() }

// Format prints String for every verb (%+v and %x too), so no format
// shows the password, whether the credentials are printed by value or by
// pointer.
func (c PasswordCredentials) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// LogValue is String, so log/slog (its JSON handler too) never shows the
// password.
func (c PasswordCredentials) LogValue() slog.Value { return slog.StringValue(c.String()) }

// AnonymousCredentials is the credential of a client that gave no identity.
type AnonymousCredentials struct{}

// IsAnonymous reports true.
func (AnonymousCredentials) IsAnonymous() bool { return true }

var (
	_ UsernamePassword       = (*PasswordCredentials)(nil)
	_ UsernameHashedPassword = (*PasswordCredentials)(nil)
	_ Anonymous              = AnonymousCredentials{}
)
