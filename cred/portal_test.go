package cred_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gocred/gocred/cred"
)

// passwordChecker accepts users whose password matches, and refuses others.
func passwordChecker(name string, users map[string]string, ifaces ...reflect.Type) *cred.CheckerFunc {
	if len(ifaces) == 0 {
		ifaces = []reflect.Type{cred.UsernamePasswordType}
	}
	c := cred.NewCheckerFunc(func(ctx context.Context, creds cred.Credentials, mind cred.Mind) (cred.AvatarID, error) {
		up := creds.(cred.UsernameHashedPassword)
		pw, ok := users[up.Username()]
		if !ok || !up.CheckPassword(pw) {
			return cred.AvatarID{}, cred.ErrUnauthorizedLogin
		}
		return cred.UserID(up.Username()), nil
	}, ifaces...)
	c.Name = name
	return c
}

// handlerRealm answers http.Handler with a handler that names the user.
type handlerRealm struct {
	logouts atomic.Int32
}

var handlerType = reflect.TypeFor[http.Handler]()

func (r *handlerRealm) RequestAvatar(ctx context.Context, id cred.AvatarID, mind cred.Mind, ifaces ...reflect.Type) (reflect.Type, any, func(), error) {
	for _, t := range ifaces {
		if t == handlerType {
			h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(id.Name())) })
			return t, h, func() { r.logouts.Add(1) }, nil
		}
	}
	return nil, nil, nil, errors.New("no interface I can serve")
}

// hashedOnly implements UsernameHashedPassword but not UsernamePassword, like
// a Digest response.
type hashedOnly struct{ user, proof string }

func (h *hashedOnly) Username() string             { return h.user }
func (h *hashedOnly) CheckPassword(pw string) bool { return pw == h.proof }

// subPassword embeds UsernamePassword in a richer interface.
type subPassword interface {
	cred.UsernamePassword
	Realm() string
}

type realmPassword struct{ *cred.PasswordCredentials }

func (realmPassword) Realm() string { return "r" }

var _ subPassword = realmPassword{}

func newPortal(t *testing.T, realm cred.Realm, checkers ...cred.Checker) *cred.Portal {
	t.Helper()
	p, err := cred.NewPortal(realm, checkers...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPortalRoutesByInterface(t *testing.T) {
	plain := passwordChecker("plain", map[string]string{"alice": "a"}, cred.UsernamePasswordType)
	hashed := passwordChecker("hashed", map[string]string{"bob": "b"}, cred.UsernameHashedPasswordType)
	p := newPortal(t, &handlerRealm{}, plain, hashed)
	tests := []struct {
		name  string
		creds cred.Credentials
		want  string
	}{
		{"a plain password reaches the plaintext checker", cred.NewUsernamePassword("alice", "a"), "alice"},
		{"a plain password also reaches the hashed checker, registered later", cred.NewUsernamePassword("bob", "b"), "bob"},
		{"a hashed-only credential reaches only the hashed checker", &hashedOnly{"bob", "b"}, "bob"},
		{"a sub-interface of UsernamePassword is routed as UsernamePassword", realmPassword{cred.NewUsernamePassword("alice", "a")}, "alice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := p.Login(context.Background(), tt.creds, cred.Mind{}, handlerType)
			if err != nil {
				t.Fatalf("Login: %v", err)
			}
			defer s.Logout()
			if s.ID != cred.UserID(tt.want) {
				t.Fatalf("ID = %v, want user %q", s.ID, tt.want)
			}
		})
	}
	t.Run("a hashed-only credential is not given to a plaintext-only checker", func(t *testing.T) {
		_, err := p.Login(context.Background(), &hashedOnly{"alice", "a"}, cred.Mind{}, handlerType)
		if !errors.Is(err, cred.ErrUnauthorizedLogin) {
			t.Fatalf("err = %v, want ErrUnauthorizedLogin", err)
		}
	})
}

func TestPortalTriesCheckersInOrder(t *testing.T) {
	var calls []string
	record := func(name string, result error) cred.Checker {
		return &cred.CheckerFunc{Name: name, Interfaces: []reflect.Type{cred.UsernamePasswordType},
			Func: func(ctx context.Context, c cred.Credentials, m cred.Mind) (cred.AvatarID, error) {
				calls = append(calls, name)
				if result != nil {
					return cred.AvatarID{}, result
				}
				return cred.UserID(name), nil
			}}
	}
	boom := errors.New("store unreachable")
	tests := []struct {
		name      string
		checkers  []cred.Checker
		wantCalls string
		wantID    cred.AvatarID
		wantErr   error
	}{
		{"a refusal moves on to the next checker", []cred.Checker{record("a", cred.ErrUnauthorizedLogin), record("b", nil)}, "a,b", cred.UserID("b"), nil},
		{"the first acceptance wins", []cred.Checker{record("a", nil), record("b", nil)}, "a", cred.UserID("a"), nil},
		{"an internal error stops the search and is returned", []cred.Checker{record("a", boom), record("b", nil)}, "a", cred.AvatarID{}, boom},
		{"a lockout stops the search", []cred.Checker{record("a", &cred.ThrottledError{}), record("b", nil)}, "a", cred.AvatarID{}, cred.ErrThrottled},
		{"all refusing is a refusal", []cred.Checker{record("a", cred.ErrUnauthorizedLogin), record("b", cred.ErrUnauthorizedLogin)}, "a,b", cred.AvatarID{}, cred.ErrUnauthorizedLogin},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls = nil
			p := newPortal(t, &handlerRealm{}, tt.checkers...)
			s, err := p.Login(context.Background(), cred.NewUsernamePassword("u", "p"), cred.Mind{}, handlerType)
			if got := strings.Join(calls, ","); got != tt.wantCalls {
				t.Errorf("checkers called: %s, want %s", got, tt.wantCalls)
			}
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if s.ID != tt.wantID {
				t.Fatalf("ID = %v, want %v", s.ID, tt.wantID)
			}
			if tt.wantErr == boom && cred.OutcomeOf(err) != cred.OutcomeError {
				t.Fatalf("an internal error classified as %v", cred.OutcomeOf(err))
			}
		})
	}
}

func TestPortalUnhandledCredentials(t *testing.T) {
	p := newPortal(t, &handlerRealm{}, passwordChecker("htpasswd users.htpasswd", nil, cred.UsernamePasswordType))
	_, err := p.Login(context.Background(), &hashedOnly{"u", "p"}, cred.Mind{}, handlerType)
	if !errors.Is(err, cred.ErrUnhandledCredentials) {
		t.Fatalf("err = %v, want ErrUnhandledCredentials", err)
	}
	if errors.Is(err, cred.ErrUnauthorizedLogin) {
		t.Fatal("unhandled credentials must not look like a wrong password")
	}
	var ue *cred.UnhandledCredentialsError
	if !errors.As(err, &ue) {
		t.Fatalf("err is %T, want *UnhandledCredentialsError", err)
	}
	msg := err.Error()
	for _, want := range []string{"*cred_test.hashedOnly", "cred.UsernameHashedPassword", "cred.UsernamePassword (htpasswd users.htpasswd)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if cred.OutcomeOf(err) != cred.OutcomeUnhandled {
		t.Errorf("outcome = %v, want unhandled", cred.OutcomeOf(err))
	}

	t.Run("the construction-time check gives the same error", func(t *testing.T) {
		err2 := p.CheckCredentialType(reflect.TypeFor[*hashedOnly]())
		if err2 == nil || err2.Error() != msg {
			t.Fatalf("CheckCredentialType = %v, want %q", err2, msg)
		}
	})
	t.Run("the construction-time check passes for a handled type", func(t *testing.T) {
		if err := p.CheckCredentialType(reflect.TypeFor[*cred.PasswordCredentials]()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("registering a checker for the missing interface fixes it", func(t *testing.T) {
		if err := p.Register(passwordChecker("digest", map[string]string{"u": "p"}, cred.UsernameHashedPasswordType)); err != nil {
			t.Fatal(err)
		}
		if err := p.CheckCredentialType(reflect.TypeFor[*hashedOnly]()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestPortalRealmRules(t *testing.T) {
	ok := passwordChecker("ok", map[string]string{"u": "p"})
	creds := cred.NewUsernamePassword("u", "p")
	tests := []struct {
		name    string
		realm   cred.RealmFunc
		wantErr error
		check   func(error) bool
	}{
		{"a realm answering an interface not asked for is an error",
			func(ctx context.Context, id cred.AvatarID, m cred.Mind, ifs ...reflect.Type) (reflect.Type, any, func(), error) {
				return reflect.TypeFor[error](), errors.New("x"), nil, nil
			}, nil, func(err error) bool { return err != nil && strings.Contains(err.Error(), "not asked for") }},
		{"a realm answering an avatar that does not implement the interface is an error",
			func(ctx context.Context, id cred.AvatarID, m cred.Mind, ifs ...reflect.Type) (reflect.Type, any, func(), error) {
				return handlerType, "not a handler", nil, nil
			}, nil, func(err error) bool { return err != nil && strings.Contains(err.Error(), "does not implement") }},
		{"a realm refusing a known user is ErrLoginDenied",
			func(ctx context.Context, id cred.AvatarID, m cred.Mind, ifs ...reflect.Type) (reflect.Type, any, func(), error) {
				return nil, nil, nil, cred.ErrLoginDenied
			}, cred.ErrLoginDenied, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPortal(t, tt.realm, ok)
			_, err := p.Login(context.Background(), creds, cred.Mind{}, handlerType)
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.check != nil && !tt.check(err) {
				t.Fatalf("err = %v", err)
			}
			if errors.Is(err, cred.ErrUnauthorizedLogin) {
				t.Fatal("a realm problem must not look like a wrong password")
			}
		})
	}
}

func TestPortalRefusesZeroAvatarID(t *testing.T) {
	buggy := cred.NewCheckerFunc(func(context.Context, cred.Credentials, cred.Mind) (cred.AvatarID, error) {
		return cred.AvatarID{}, nil
	}, cred.UsernamePasswordType)
	p := newPortal(t, &handlerRealm{}, buggy)
	_, err := p.Login(context.Background(), cred.NewUsernamePassword("u", "p"), cred.Mind{}, handlerType)
	if err == nil || cred.OutcomeOf(err) != cred.OutcomeError {
		t.Fatalf("err = %v, want an internal error", err)
	}
}

func TestPortalHonoursContext(t *testing.T) {
	slow := cred.NewCheckerFunc(func(ctx context.Context, c cred.Credentials, m cred.Mind) (cred.AvatarID, error) {
		<-ctx.Done()
		return cred.AvatarID{}, ctx.Err()
	}, cred.UsernamePasswordType)
	p := newPortal(t, &handlerRealm{}, slow)
	t.Run("an already cancelled context logs no one in", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := p.Login(ctx, cred.NewUsernamePassword("u", "p"), cred.Mind{}, handlerType)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("a deadline ends a slow checker", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		_, err := p.Login(ctx, cred.NewUsernamePassword("u", "p"), cred.Mind{}, handlerType)
		if !errors.Is(err, context.DeadlineExceeded) || cred.OutcomeOf(err) != cred.OutcomeCanceled {
			t.Fatalf("err = %v, want DeadlineExceeded", err)
		}
	})
	t.Run("a context cancelled during the realm call logs out what the realm gave", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		var logouts atomic.Int32
		realm := cred.RealmFunc(func(ctx context.Context, id cred.AvatarID, m cred.Mind, ifs ...reflect.Type) (reflect.Type, any, func(), error) {
			cancel()
			return handlerType, http.NotFoundHandler(), func() { logouts.Add(1) }, nil
		})
		p := newPortal(t, realm, passwordChecker("ok", map[string]string{"u": "p"}))
		_, err := p.Login(ctx, cred.NewUsernamePassword("u", "p"), cred.Mind{}, handlerType)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want Canceled", err)
		}
		if logouts.Load() != 1 {
			t.Fatalf("logout ran %d times, want 1", logouts.Load())
		}
	})
}

func TestLogoutRunsOnce(t *testing.T) {
	realm := &handlerRealm{}
	p := newPortal(t, realm, passwordChecker("ok", map[string]string{"u": "p"}))
	h, s, err := cred.Login[http.Handler](context.Background(), p, cred.NewUsernamePassword("u", "p"), cred.Mind{})
	if err != nil {
		t.Fatal(err)
	}
	if h == nil {
		t.Fatal("Login[http.Handler] returned a nil handler")
	}
	done := make(chan struct{})
	for range 4 {
		go func() { s.Logout(); done <- struct{}{} }()
	}
	for range 4 {
		<-done
	}
	if n := realm.logouts.Load(); n != 1 {
		t.Fatalf("logout ran %d times, want exactly 1", n)
	}
}

func TestLoginTyped(t *testing.T) {
	p := newPortal(t, &handlerRealm{}, passwordChecker("ok", map[string]string{"u": "p"}))
	t.Run("a wrong password is ErrUnauthorizedLogin", func(t *testing.T) {
		_, _, err := cred.Login[http.Handler](context.Background(), p, cred.NewUsernamePassword("u", "wrong"), cred.Mind{})
		if !errors.Is(err, cred.ErrUnauthorizedLogin) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("an unknown user is ErrUnauthorizedLogin with the same text", func(t *testing.T) {
		_, _, err1 := cred.Login[http.Handler](context.Background(), p, cred.NewUsernamePassword("u", "wrong"), cred.Mind{})
		_, _, err2 := cred.Login[http.Handler](context.Background(), p, cred.NewUsernamePassword("nobody", "p"), cred.Mind{})
		if !errors.Is(err2, cred.ErrUnauthorizedLogin) {
			t.Fatalf("unknown user: err = %v, want ErrUnauthorizedLogin", err2)
		}
		if err1.Error() != err2.Error() {
			t.Fatalf("%q != %q", err1, err2)
		}
	})
	t.Run("asking for an interface the realm lacks fails", func(t *testing.T) {
		_, _, err := cred.Login[error](context.Background(), p, cred.NewUsernamePassword("u", "p"), cred.Mind{})
		if err == nil {
			t.Fatal("no error")
		}
	})
}

func TestNewPortalValidates(t *testing.T) {
	tests := []struct {
		name    string
		realm   cred.Realm
		checker cred.Checker
		want    string
	}{
		{"a nil realm is refused", nil, nil, "realm is nil"},
		{"a nil checker is refused", &handlerRealm{}, nil, "checker is nil"},
		{"a checker with no interfaces is refused", &handlerRealm{}, cred.NewCheckerFunc(nil), "declares no credential interface"},
		{"a checker declaring a concrete type is refused", &handlerRealm{}, cred.NewCheckerFunc(nil, reflect.TypeFor[*cred.PasswordCredentials]()), "not an interface type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.checker == nil && tt.realm != nil {
				_, err = cred.NewPortal(tt.realm, nil)
			} else if tt.checker == nil {
				_, err = cred.NewPortal(nil)
			} else {
				_, err = cred.NewPortal(tt.realm, tt.checker)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestAnonymousIsNotAUser(t *testing.T) {
	if cred.UserID("anonymous") == cred.AnonymousID {
		t.Fatal(`UserID("anonymous") equals AnonymousID`)
	}
	if cred.UserID("anonymous").IsAnonymous() || !cred.AnonymousID.IsAnonymous() {
		t.Fatal("IsAnonymous confused")
	}
	if cred.UserID("anonymous").String() == cred.AnonymousID.String() {
		t.Fatal("String forms are confusable")
	}
	var zero cred.AvatarID
	if !zero.IsZero() || zero.IsUser() || zero.IsAnonymous() || zero == cred.AnonymousID {
		t.Fatal("the zero AvatarID names someone")
	}
	if !cred.UserID("").IsZero() {
		t.Fatal(`UserID("") is not the zero ID`)
	}
}

func TestPasswordCredentialsNeverPrintThePassword(t *testing.T) {
	c := cred.NewUsernamePassword("alice", "s3cret")
	for _, s := range []string{c.String(), c.GoString()} {
		if strings.Contains(s, "s3cret") {
			t.Fatalf("%q shows the password", s)
		}
	}
}

var handlerFunc = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {})

type handlerIface = http.Handler

// A store's own timeout (its query's deadline, the caller's context still
// alive) is an internal error, not the caller giving up.
func TestAStoreTimeoutIsAnInternalError(t *testing.T) {
	slow := cred.NewCheckerFunc(func(ctx context.Context, _ cred.Credentials, _ cred.Mind) (cred.AvatarID, error) {
		qctx, cancel := context.WithTimeout(ctx, time.Nanosecond)
		defer cancel()
		<-qctx.Done()
		return cred.AvatarID{}, fmt.Errorf("query: %w", qctx.Err())
	}, cred.UsernamePasswordType)
	p, err := cred.NewPortal(cred.RealmFunc(func(context.Context, cred.AvatarID, cred.Mind, ...reflect.Type) (reflect.Type, any, func(), error) {
		return nil, nil, nil, errors.New("not reached")
	}), slow)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Login(context.Background(), cred.NewUsernamePassword("alice", "pw"), cred.Mind{}, reflect.TypeFor[any]())
	if got := cred.OutcomeOf(err); got != cred.OutcomeError || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("outcome %v for %v; want an internal error that still wraps the deadline", got, err)
	}
}

// mapChecker is a checker of a type == cannot compare (a map).
type mapChecker map[string]string

func (m mapChecker) CredentialInterfaces() []reflect.Type {
	return []reflect.Type{cred.UsernamePasswordType}
}

func (m mapChecker) RequestAvatarID(_ context.Context, c cred.Credentials, _ cred.Mind) (cred.AvatarID, error) {
	up := c.(cred.UsernamePassword)
	if pw, ok := m[up.Username()]; ok && up.CheckPassword(pw) {
		return cred.UserID(up.Username()), nil
	}
	return cred.AvatarID{}, cred.ErrUnauthorizedLogin
}

// Two checkers of a type == cannot compare are registered, both asked,
// rather than panicking in NewPortal.
func TestPortalTakesCheckersThatCannotBeCompared(t *testing.T) {
	realm := cred.RealmFunc(func(_ context.Context, _ cred.AvatarID, _ cred.Mind, ifaces ...reflect.Type) (reflect.Type, any, func(), error) {
		return ifaces[0], handlerFunc, nil, nil
	})
	p, err := cred.NewPortal(realm, mapChecker{"a": "1"}, mapChecker{"b": "2"})
	if err != nil {
		t.Fatal(err)
	}
	for user, pw := range map[string]string{"a": "1", "b": "2"} {
		if _, err := p.Login(context.Background(), cred.NewUsernamePassword(user, pw), cred.Mind{}, handlerType); err != nil {
			t.Errorf("login of %s: %v", user, err)
		}
	}
}

// digestOnly is a Digest checker verifying the algorithms it names.
type digestOnly []string

func (digestOnly) CredentialInterfaces() []reflect.Type {
	return []reflect.Type{cred.UsernameDigestHashType}
}
func (digestOnly) RequestAvatarID(context.Context, cred.Credentials, cred.Mind) (cred.AvatarID, error) {
	return cred.AvatarID{}, cred.ErrUnknownUser
}
func (d digestOnly) DigestAlgorithms(string) []string { return d }

// passwordsOnly takes passwords only, yet has a DigestAlgorithms method (a
// store that could hold HA1s, set up for passwords): Digest credentials
// never reach it, so it has no say.
type passwordsOnly struct{ mapChecker }

func (passwordsOnly) DigestAlgorithms(string) []string { return []string{cred.AlgorithmSHA256} }

// ownDigestInterface takes credentials by an interface of its own that
// Digest credentials satisfy (routing goes by Implements), so it has a say.
type ownDigestInterface struct{ digestOnly }

func (ownDigestInterface) CredentialInterfaces() []reflect.Type {
	return []reflect.Type{reflect.TypeFor[interface {
		Username() string
		CheckHash(string) bool
	}]()}
}

// anyCredentials takes every credential.
type anyCredentials struct{ digestOnly }

func (anyCredentials) CredentialInterfaces() []reflect.Type {
	return []reflect.Type{reflect.TypeFor[any]()}
}

func TestAgreedDigestAlgorithms(t *testing.T) {
	md5, sha := digestOnly{cred.AlgorithmMD5}, digestOnly{cred.AlgorithmSHA256}
	both := digestOnly{cred.AlgorithmSHA256, cred.AlgorithmMD5}
	passwords := mapChecker{} // no Digest at all
	if got, err := cred.DigestAlgorithmsOf(passwordsOnly{}, "r"); got != nil || err != nil {
		t.Errorf("a checker of passwords only verifies %v, %v; want none", got, err)
	}
	for _, tc := range []struct {
		name     string
		checkers []cred.Checker
		want     []string
		err      bool
	}{
		{"one checker", []cred.Checker{both}, []string{cred.AlgorithmSHA256, cred.AlgorithmMD5}, false},
		{"what all verify", []cred.Checker{both, md5}, []string{cred.AlgorithmMD5}, false},
		{"no say without Digest or users", []cred.Checker{passwords, digestOnly{}, md5}, []string{cred.AlgorithmMD5}, false},
		{"none has a say", []cred.Checker{passwords}, nil, false},
		{"no say for a checker Digest never reaches", []cred.Checker{md5, passwordsOnly{}}, []string{cred.AlgorithmMD5}, false},
		{"nil has no say", []cred.Checker{nil, md5}, []string{cred.AlgorithmMD5}, false},
		{"a say for an interface of one's own that Digest credentials satisfy", []cred.Checker{both, ownDigestInterface{md5}}, []string{cred.AlgorithmMD5}, false},
		{"a say for a checker of any credentials", []cred.Checker{both, anyCredentials{md5}}, []string{cred.AlgorithmMD5}, false},
		{"no agreement", []cred.Checker{md5, sha}, nil, true},
	} {
		got, err := cred.AgreedDigestAlgorithms("r", tc.checkers...)
		if !slices.Equal(got, tc.want) || (err != nil) != tc.err {
			t.Errorf("%s: %v, %v; want %v, error %v", tc.name, got, err, tc.want, tc.err)
		}
		if err != nil && (!strings.Contains(err.Error(), "[MD5]") || !strings.Contains(err.Error(), "[SHA-256]")) {
			t.Errorf("%s: the error %q does not name what each verifies", tc.name, err)
		}
	}
}
