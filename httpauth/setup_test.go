package httpauth

import (
	"context"
	"net/http"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/cred"
)

// plaintextChecker checks passwords from a map, for Basic and Digest alike
// (the seed's fixed PasswordDictChecker); it also resolves userhashes.
func plaintextChecker(users map[string]string) *checkers.InsecurePlaintext {
	return checkers.NewInsecurePlaintext(users)
}

// ha1Checker is an htdigest-like store: HA1s for one algorithm only.
type ha1Checker struct {
	alg  string
	ha1s map[string]string // user -> hex HA1
}

func (c *ha1Checker) CredentialInterfaces() []reflect.Type {
	return []reflect.Type{cred.UsernameDigestHashType}
}

func (c *ha1Checker) RequestAvatarID(_ context.Context, creds cred.Credentials, _ cred.Mind) (cred.AvatarID, error) {
	d := creds.(cred.UsernameDigestHash)
	ha1, ok := c.ha1s[d.Username()]
	if ok && d.Algorithm() == c.alg && d.CheckHash(ha1) {
		return cred.UserID(d.Username()), nil
	}
	return cred.AvatarID{}, cred.ErrUnauthorizedLogin
}

func (c *ha1Checker) DigestAlgorithms(string) []string { return []string{c.alg} }

// anonymousChecker admits cred.Anonymous.
var anonymousChecker = cred.NewCheckerFunc(func(context.Context, cred.Credentials, cred.Mind) (cred.AvatarID, error) {
	return cred.AnonymousID, nil
}, cred.AnonymousType)

// recordingRealm hands every user the same handler and counts logouts.
type recordingRealm struct {
	handler http.Handler
	logins  atomic.Int64
	logouts atomic.Int64
	mu      sync.Mutex
	minds   []cred.Mind
}

func (rr *recordingRealm) RequestAvatar(_ context.Context, id cred.AvatarID, mind cred.Mind, ifaces ...reflect.Type) (reflect.Type, any, func(), error) {
	rr.logins.Add(1)
	rr.mu.Lock()
	rr.minds = append(rr.minds, mind)
	rr.mu.Unlock()
	return ifaces[0], rr.handler, func() { rr.logouts.Add(1) }, nil
}

// whoami answers with the avatar ID in the request's context.
var whoami = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	id, ok := AvatarIDFrom(r.Context())
	if !ok {
		http.Error(w, "no avatar in context", http.StatusInternalServerError)
		return
	}
	w.Write([]byte(id.String()))
})

func newPortal(t testing.TB, realm cred.Realm, checkers ...cred.Checker) *cred.Portal {
	t.Helper()
	p, err := cred.NewPortal(realm, checkers...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newMiddleware(t testing.TB, p *cred.Portal, f ...CredentialFactory) *Middleware {
	t.Helper()
	m, err := New(p, f...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func newDigest(t testing.TB, p *cred.Portal, opts DigestOptions) *Digest {
	t.Helper()
	d, err := NewDigest(p, opts)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func mustBasic(t testing.TB, realm string) *Basic {
	t.Helper()
	b, err := NewBasic(realm)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
