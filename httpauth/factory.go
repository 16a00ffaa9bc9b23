package httpauth

import (
	"context"
	"errors"
	"net/http"
	"reflect"

	"github.com/gocred/gocred/cred"
)

// CredentialFactory turns one authentication scheme's Authorization header
// into credentials, and writes that scheme's challenges. It is Twisted's
// ICredentialFactory; Basic and Digest implement it.
type CredentialFactory interface {
	// Scheme returns the scheme name as it appears in headers ("Basic").
	// It is matched case-insensitively.
	Scheme() string
	// CredentialType returns the concrete type of the credentials Decode
	// returns, e.g. reflect.TypeFor[*cred.PasswordCredentials](). The
	// middleware asks the portal at construction whether a checker
	// handles it.
	CredentialType() reflect.Type
	// Challenges returns the WWW-Authenticate values for a 401 answer to r,
	// one header line each. err is why the request was refused (nil when it
	// had no credentials for this scheme), so a factory can add stale=true.
	Challenges(r *http.Request, err error) []string
	// Decode parses the part of the Authorization header after the scheme.
	// It returns an error matching ErrMalformed for a request to answer
	// with 400, an error matching cred.ErrUnauthorizedLogin for one to
	// answer with 401 and fresh challenges, and any other error for an
	// internal failure (500).
	Decode(r *http.Request, params string) (cred.Credentials, error)
}

// LoginFinisher is implemented by factories that must approve a login after
// the portal accepted the credentials, and may add response headers before
// the avatar serves the request. Digest uses it for replay protection and
// Authentication-Info. Errors are classified as for Decode.
type LoginFinisher interface {
	// FinishLogin approves a login the portal accepted, before the avatar
	// serves r; an error refuses it and the session is logged out.
	FinishLogin(ctx context.Context, w http.ResponseWriter, r *http.Request, creds cred.Credentials) error
}

var (
	// ErrMalformed marks a request the middleware answers with 400 Bad
	// Request: an Authorization header that cannot be a response of its
	// scheme at all (broken syntax, a uri directive naming another
	// resource, duplicate parameters, an oversized header).
	ErrMalformed = errors.New("httpauth: malformed authorization header")

	// ErrStaleNonce is returned when a Digest response was right but its
	// nonce has expired or its nonce-count was already used. The answer is
	// 401 with stale=true, so clients retry with a fresh nonce without
	// asking the user again. It matches cred.ErrUnauthorizedLogin.
	ErrStaleNonce error = staleNonceError{}

	// errBodyTooLarge: an auth-int request body beyond the configured
	// limit; answered with 413.
	errBodyTooLarge = errors.New("httpauth: request body too large for qop=auth-int")
)

type staleNonceError struct{}

func (staleNonceError) Error() string { return "httpauth: stale nonce" }

// Is makes errors.Is(ErrStaleNonce, cred.ErrUnauthorizedLogin) true.
func (staleNonceError) Is(target error) bool { return target == cred.ErrUnauthorizedLogin }
