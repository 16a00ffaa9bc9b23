package httpauth

import (
	"context"
	"crypto/md5"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
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

// htdigestChecker writes an Apache htdigest file (MD5 HA1s) for realm and
// loads it with checkers.NewHtdigest.
func htdigestChecker(t testing.TB, realm string, users map[string]string) *checkers.Htdigest {
	t.Helper()
	var b strings.Builder
	for u, pw := range users {
		fmt.Fprintf(&b, "%s:%s:%x\n", u, realm, md5.Sum([]byte(u+":"+realm+":"+pw)))
	}
	path := filepath.Join(t.TempDir(), "users.htdigest")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	h, err := checkers.NewHtdigest(path, realm)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

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
