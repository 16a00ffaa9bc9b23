package cred_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/gocred/gocred/cred"
)

// cheapChecker is a checker whose own cost is near zero, so the benchmarks
// below measure the Portal's routing and realm call, not hashing.
var cheapChecker = cred.NewCheckerFunc(func(ctx context.Context, c cred.Credentials, m cred.Mind) (cred.AvatarID, error) {
	up := c.(cred.UsernamePassword)
	if up.Username() == "alice" && up.CheckPassword("secret") {
		return cred.UserID("alice"), nil
	}
	return cred.AvatarID{}, cred.ErrUnauthorizedLogin
}, cred.UsernamePasswordType)

// staticRealm answers one prebuilt avatar and no logout, as a real static
// realm does.
var staticRealm = cred.RealmFunc(func(ctx context.Context, id cred.AvatarID, m cred.Mind, ifs ...reflect.Type) (reflect.Type, any, func(), error) {
	return handlerType, handlerFunc, nil, nil
})

// BenchmarkCheckerDirect is the baseline: the checker called by hand.
func BenchmarkCheckerDirect(b *testing.B) {
	ctx := context.Background()
	creds := cred.NewUsernamePassword("alice", "secret")
	mind := cred.Mind{Protocol: "http"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cheapChecker.RequestAvatarID(ctx, creds, mind); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPortalLogin is the same checker reached through Portal.Login,
// including the realm call. Its difference from BenchmarkCheckerDirect is the
// routing overhead (target: under 100 ns, at most one extra allocation).
func BenchmarkPortalLogin(b *testing.B) { benchPortalLogin(b, nil) }

// BenchmarkPortalLoginObserved adds an observer, as a server with an access
// log has.
func BenchmarkPortalLoginObserved(b *testing.B) {
	benchPortalLogin(b, cred.ObserverFunc(func(context.Context, cred.LoginEvent) {}))
}

func benchPortalLogin(b *testing.B, observer cred.Observer) {
	p, err := cred.NewPortal(staticRealm, cheapChecker)
	if err != nil {
		b.Fatal(err)
	}
	p.SetObserver(observer)
	ctx := context.Background()
	creds := cred.NewUsernamePassword("alice", "secret")
	mind := cred.Mind{Protocol: "http"}
	ifaces := []reflect.Type{handlerType}
	b.ReportAllocs()
	for b.Loop() {
		s, err := p.Login(ctx, creds, mind, ifaces...)
		if err != nil {
			b.Fatal(err)
		}
		s.Logout()
	}
}

// BenchmarkLoginTyped goes through the generic helper.
func BenchmarkLoginTyped(b *testing.B) {
	p, err := cred.NewPortal(staticRealm, cheapChecker)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	creds := cred.NewUsernamePassword("alice", "secret")
	mind := cred.Mind{Protocol: "http"}
	b.ReportAllocs()
	for b.Loop() {
		_, s, err := cred.Login[handlerIface](ctx, p, creds, mind)
		if err != nil {
			b.Fatal(err)
		}
		s.Logout()
	}
}
