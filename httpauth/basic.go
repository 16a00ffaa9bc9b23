package httpauth

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/gocred/gocred/cred"
)

// Basic is the RFC 7617 Basic scheme. It produces *cred.PasswordCredentials,
// so it works with any checker of cred.UsernamePassword. Build one with
// NewBasic.
type Basic struct {
	challenge []string
}

// NewBasic returns the Basic scheme for realm. The realm must not contain
// control characters.
func NewBasic(realm string) (*Basic, error) {
	if !validRealm(realm) || !utf8.ValidString(realm) {
		return nil, fmt.Errorf("httpauth: NewBasic: realm %q contains control characters or invalid UTF-8", realm)
	}
	return &Basic{challenge: []string{"Basic realm=" + quote(realm) + `, charset="UTF-8"`}}, nil
}

// Scheme returns "Basic".
func (b *Basic) Scheme() string { return "Basic" }

// CredentialType returns *cred.PasswordCredentials.
func (b *Basic) CredentialType() reflect.Type { return reflect.TypeFor[*cred.PasswordCredentials]() }

// Challenges returns `Basic realm="...", charset="UTF-8"`.
func (b *Basic) Challenges(*http.Request, error) []string { return b.challenge }

// basicEncoding is built once: Strict returns a new Encoding each call.
var basicEncoding = base64.StdEncoding.Strict()

var errBasicRefused = fmt.Errorf("httpauth: malformed Basic credentials: %w", cred.ErrUnauthorizedLogin)

// Decode parses a token68 of strict base64 holding "user:password", split at
// the first colon. Like Twisted, it answers every malformed form with 401
// (an error matching cred.ErrUnauthorizedLogin): bad base64, no colon, an
// empty user name, invalid UTF-8 or control characters.
func (b *Basic) Decode(_ *http.Request, params string) (cred.Credentials, error) {
	user, pass, err := parseBasic(params)
	if err != nil {
		return nil, err
	}
	return cred.NewUsernamePassword(user, pass), nil
}

// parseBasic is the Basic header parser; its errors never contain the
// decoded text, which may hold a password.
func parseBasic(params string) (user, pass string, err error) {
	token := strings.Trim(params, " \t")
	if token == "" || strings.ContainsAny(token, " \t,\r\n") {
		return "", "", errBasicRefused
	}
	raw, err := basicEncoding.DecodeString(token)
	if err != nil {
		return "", "", errBasicRefused
	}
	s := string(raw)
	user, pass, ok := strings.Cut(s, ":")
	switch {
	case !ok, user == "":
		return "", "", errBasicRefused
	case !utf8.ValidString(s), hasControl(s):
		return "", "", errBasicRefused
	}
	return user, pass, nil
}

// hasControl reports whether s holds a C0 control character or DEL, which
// RFC 7617 forbids in user-id and password.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

var _ CredentialFactory = (*Basic)(nil)
