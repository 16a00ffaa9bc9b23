package checkers

import (
	"context"
	"fmt"
	"reflect"

	"github.com/gocred/gocred/cred"
)

// AnonymousChecker accepts cred.Anonymous credentials as cred.AnonymousID,
// which no user name can be confused with. Register it only where anonymous
// access is wanted: without it, a portal refuses anonymous logins.
type AnonymousChecker struct{}

// NewAnonymous returns an AnonymousChecker.
func NewAnonymous() *AnonymousChecker { return &AnonymousChecker{} }

// CredentialInterfaces returns cred.Anonymous.
func (*AnonymousChecker) CredentialInterfaces() []reflect.Type {
	return []reflect.Type{cred.AnonymousType}
}

// RequestAvatarID returns cred.AnonymousID for credentials whose
// IsAnonymous reports true, and refuses the others.
func (a *AnonymousChecker) RequestAvatarID(ctx context.Context, creds cred.Credentials, mind cred.Mind) (cred.AvatarID, error) {
	c, ok := creds.(cred.Anonymous)
	if !ok {
		return cred.AvatarID{}, unhandled(a, creds)
	}
	if !c.IsAnonymous() {
		return cred.AvatarID{}, cred.ErrUnauthorizedLogin
	}
	return cred.AnonymousID, nil
}

// String returns "anonymous".
func (*AnonymousChecker) String() string { return "anonymous" }

// unhandled is the error for credentials a checker was handed although it
// does not declare an interface they implement: a caller bypassing the
// Portal's routing. It matches cred.ErrUnhandledCredentials.
func unhandled(c cred.Checker, creds cred.Credentials) error {
	return &cred.UnhandledCredentialsError{
		Type:       reflect.TypeOf(creds),
		Registered: []string{fmt.Sprint(c)},
	}
}

var _ cred.Checker = (*AnonymousChecker)(nil)
