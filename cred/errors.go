package cred

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// Sentinel errors that callers branch on with errors.Is.
var (
	// ErrUnauthorizedLogin: the credentials are wrong (bad password or unknown
	// user; checkers never tell the two apart). Protocols answer 401 or 530.
	ErrUnauthorizedLogin = errors.New("cred: unauthorized login")
	// ErrUnhandledCredentials: no checker is registered for any interface the
	// credentials implement. This is a misconfiguration, not a wrong password.
	ErrUnhandledCredentials = errors.New("cred: unhandled credentials")
	// ErrLoginDenied: the user is known and authenticated, but the realm
	// refuses them (disabled account, quota, policy).
	ErrLoginDenied = errors.New("cred: login denied")
	// ErrThrottled: too many recent failures for this user or address; the
	// login was refused without checking the password. An error matching it
	// also matches ErrUnauthorizedLogin, so protocols that do not care treat
	// it as a refusal. See ThrottledError.
	ErrThrottled = errors.New("cred: too many failed logins")
	// ErrInconclusive: a checker accepted the credentials, but they report
	// (Inconclusive) that the login cannot go through: a right HTTP Digest
	// response on an expired nonce or a nonce-count already used (maybe a
	// captured request replayed), or one whose nonce-count could not be
	// recorded. The realm is not asked for an avatar. The protocol says
	// why (httpauth answers 401 with stale=true, or 500 for a store
	// failure).
	ErrInconclusive = errors.New("cred: credentials accepted, but the login cannot go through")
	// ErrUnknownUser: a checker that knows which users it holds refuses a
	// name it does not hold. It matches ErrUnauthorizedLogin (errors.Is)
	// and reads the same; protocols answer it exactly as a wrong password,
	// and checkers return it after the same work. What tells them apart
	// is for decorators that combine checkers: checkers.Chain counts a
	// refusal for a guess at one of its members' users only if the member
	// may hold the user (it did not answer ErrUnknownUser). A checker that
	// cannot tell returns ErrUnauthorizedLogin.
	ErrUnknownUser error = unknownUserError{}
)

// unknownUserError is ErrUnknownUser: an unauthorized login, by the same
// text.
type unknownUserError struct{}

func (unknownUserError) Error() string        { return ErrUnauthorizedLogin.Error() }
func (unknownUserError) Is(target error) bool { return target == ErrUnauthorizedLogin }

// ThrottledError is returned by a throttling checker. It matches both
// ErrThrottled and ErrUnauthorizedLogin.
type ThrottledError struct {
	// RetryAfter is how long until a new attempt may be checked; zero if
	// unknown.
	RetryAfter time.Duration
}

// Error says that logins are throttled, and for how long if known.
func (e *ThrottledError) Error() string {
	if e.RetryAfter > 0 {
		return "cred: too many failed logins; retry after " + e.RetryAfter.Round(time.Second).String()
	}
	return "cred: too many failed logins"
}

// Is makes errors.Is match ErrThrottled and ErrUnauthorizedLogin.
func (e *ThrottledError) Is(target error) bool {
	return target == ErrThrottled || target == ErrUnauthorizedLogin
}

// UnhandledCredentialsError describes credentials that no registered checker
// handles. It matches ErrUnhandledCredentials with errors.Is.
type UnhandledCredentialsError struct {
	// Type is the concrete credential type.
	Type reflect.Type
	// Implements lists the gocred credential interfaces Type implements.
	Implements []reflect.Type
	// Registered describes each registered interface and its checkers.
	Registered []string
}

// NewUnhandledCredentialsError describes credentials of concrete type t that
// no checker handles: it lists the gocred credential interfaces t
// implements, and registered describes what there is (one entry per
// interface or checker, e.g. "cred.UsernamePassword (htpasswd users)").
func NewUnhandledCredentialsError(t reflect.Type, registered []string) *UnhandledCredentialsError {
	e := &UnhandledCredentialsError{Type: t, Registered: registered}
	for _, iface := range builtinInterfaces {
		if t != nil && t.Implements(iface) {
			e.Implements = append(e.Implements, iface)
		}
	}
	return e
}

// DescribeChecker names a checker for error messages and logs: its String
// method if it has one, else its type.
func DescribeChecker(c Checker) string {
	if s, ok := c.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%T", c)
}

// Error names the credential type, the interfaces it implements and what is
// registered, so the text alone says how to fix the configuration.
func (e *UnhandledCredentialsError) Error() string {
	var b strings.Builder
	b.WriteString("cred: no checker handles ")
	b.WriteString(typeName(e.Type))
	b.WriteString(" (implements ")
	if len(e.Implements) == 0 {
		b.WriteString("no gocred credential interface")
	}
	for i, t := range e.Implements {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(typeName(t))
	}
	b.WriteString("); registered: ")
	if len(e.Registered) == 0 {
		b.WriteString("nothing")
	}
	b.WriteString(strings.Join(e.Registered, "; "))
	return b.String()
}

// Is makes errors.Is(err, ErrUnhandledCredentials) true.
func (e *UnhandledCredentialsError) Is(target error) bool { return target == ErrUnhandledCredentials }

func typeName(t reflect.Type) string {
	if t == nil {
		return "<nil>"
	}
	return t.String()
}
