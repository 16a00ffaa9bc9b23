package httpauth

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gocred/gocred/cred"
)

func basicHeader(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func TestNewRefusesFactoriesNoCheckerHandles(t *testing.T) {
	// The seed's mistake: a Digest front end over a checker that only
	// declares plaintext passwords.
	plainOnly := cred.NewCheckerFunc(func(context.Context, cred.Credentials, cred.Mind) (cred.AvatarID, error) {
		return cred.AvatarID{}, cred.ErrUnauthorizedLogin
	}, cred.UsernamePasswordType)
	p := newPortal(t, &recordingRealm{handler: whoami}, plainOnly)

	t.Run("NewDigest fails and names the credential type and what is registered", func(t *testing.T) {
		_, err := NewDigest(p, DigestOptions{Realm: "r"})
		if !errors.Is(err, cred.ErrUnhandledCredentials) {
			t.Fatalf("err = %v, want ErrUnhandledCredentials", err)
		}
		for _, want := range []string{"*httpauth.DigestCredentials", "UsernameHashedPassword", "UsernamePassword"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %s", err, want)
			}
		}
	})
	t.Run("New fails for a Digest factory built on another portal", func(t *testing.T) {
		other := newPortal(t, &recordingRealm{handler: whoami}, plaintextChecker(nil))
		d := newDigest(t, other, DigestOptions{Realm: "r"})
		_, err := New(p, mustBasic(t, "r"), d)
		if !errors.Is(err, cred.ErrUnhandledCredentials) || !strings.Contains(err.Error(), "Digest") {
			t.Fatalf("err = %v, want an unhandled-credentials error naming Digest", err)
		}
	})
	t.Run("New accepts a Basic factory over the same checker", func(t *testing.T) {
		if _, err := New(p, mustBasic(t, "r")); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("New refuses a nil portal, no factories and a scheme given twice", func(t *testing.T) {
		if _, err := New(nil, mustBasic(t, "r")); err == nil {
			t.Error("nil portal accepted")
		}
		if _, err := New(p); err == nil {
			t.Error("no factories accepted")
		}
		if _, err := New(p, mustBasic(t, "r"), mustBasic(t, "r")); err == nil {
			t.Error("two Basic factories accepted")
		}
	})
	t.Run("a realm with a control character is refused", func(t *testing.T) {
		if _, err := NewBasic("a\nb"); err == nil {
			t.Error("NewBasic accepted a newline in the realm")
		}
		if _, err := NewDigest(p, DigestOptions{Realm: "a\x00"}); err == nil {
			t.Error("NewDigest accepted a NUL in the realm")
		}
	})
}

// Twisted's web-auth behaviours (twisted.web.test.test_httpauth), and RFC 7617.
func TestBasicAnswers(t *testing.T) {
	realm := &recordingRealm{handler: whoami}
	p := newPortal(t, realm, plaintextChecker(map[string]string{"alice": "sesame", "bob": "a:b", "jürgen": "pässword"}))
	m := newMiddleware(t, p, mustBasic(t, `my "files"`), newDigest(t, p, DigestOptions{Realm: "files"}))
	h := m.Wrap(whoami)

	tests := []struct {
		name     string
		method   string
		auth     []string
		wantCode int
		wantBody string
	}{
		{"a request without Authorization gets 401 and challenges", "GET", nil, 401, "unauthorized\n"},
		{"a HEAD request without Authorization gets 401 with an empty body", "HEAD", nil, 401, ""},
		{"an unknown scheme gets 401", "GET", []string{"Bearer abc"}, 401, "unauthorized\n"},
		{"bad base64 gets 401", "GET", []string{"Basic !!!"}, 401, "unauthorized\n"},
		{"non-canonical base64 padding bits get 401", "GET", []string{"Basic YWxpY2U6c2VzYW1m"}, 401, "unauthorized\n"},
		{"no colon gets 401", "GET", []string{"Basic " + base64.StdEncoding.EncodeToString([]byte("alice"))}, 401, "unauthorized\n"},
		{"an empty user name gets 401", "GET", []string{basicHeader("", "sesame")}, 401, "unauthorized\n"},
		{"invalid UTF-8 gets 401", "GET", []string{"Basic " + base64.StdEncoding.EncodeToString([]byte("alice:\xff"))}, 401, "unauthorized\n"},
		{"a control character gets 401", "GET", []string{basicHeader("ali\nce", "sesame")}, 401, "unauthorized\n"},
		{"a wrong password gets 401", "GET", []string{basicHeader("alice", "wrong")}, 401, "unauthorized\n"},
		{"an unknown user gets 401", "GET", []string{basicHeader("mallory", "sesame")}, 401, "unauthorized\n"},
		{"the right password gets in", "GET", []string{basicHeader("alice", "sesame")}, 200, `user "alice"`},
		{"the scheme is matched case-insensitively", "GET", []string{"bAsIc " + base64.StdEncoding.EncodeToString([]byte("alice:sesame"))}, 200, `user "alice"`},
		{"a password is split at the first colon only", "GET", []string{basicHeader("bob", "a:b")}, 200, `user "bob"`},
		{"UTF-8 user names and passwords work", "GET", []string{basicHeader("jürgen", "pässword")}, 200, `user "jürgen"`},
		{"two Authorization headers get 400", "GET", []string{basicHeader("alice", "sesame"), basicHeader("alice", "sesame")}, 400, "more than one Authorization header\n"},
		{"an oversized header gets 400", "GET", []string{"Basic " + strings.Repeat("A", MaxAuthorizationBytes)}, 400, "Authorization header too large\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "/doc", nil)
			for _, a := range tt.auth {
				r.Header.Add("Authorization", a)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.wantCode || w.Body.String() != tt.wantBody {
				t.Fatalf("got %d %q, want %d %q", w.Code, w.Body.String(), tt.wantCode, tt.wantBody)
			}
			if w.Code != 401 {
				return
			}
			got := w.Header().Values("WWW-Authenticate")
			if len(got) != 3 { // Basic, then Digest SHA-256 and MD5
				t.Fatalf("WWW-Authenticate = %q, want 3 lines", got)
			}
			if got[0] != `Basic realm="my \"files\"", charset="UTF-8"` {
				t.Errorf("Basic challenge = %s", got[0])
			}
			if !strings.HasPrefix(got[1], `Digest realm="files", qop="auth, auth-int", algorithm=SHA-256,`) ||
				!strings.HasPrefix(got[2], `Digest realm="files", qop="auth, auth-int", algorithm=MD5,`) {
				t.Errorf("Digest challenges not strongest first: %q", got[1:])
			}
		})
	}
}

func TestAnonymousLogin(t *testing.T) {
	t.Run("a request without Authorization logs in anonymously when a checker takes cred.Anonymous", func(t *testing.T) {
		p := newPortal(t, &recordingRealm{handler: whoami}, plaintextChecker(map[string]string{"anonymous": "x"}), anonymousChecker)
		h := newMiddleware(t, p, mustBasic(t, "r")).Wrap(whoami)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		if w.Code != 200 || w.Body.String() != "anonymous" {
			t.Fatalf("got %d %q, want 200 anonymous", w.Code, w.Body)
		}
		t.Run("and a user literally named anonymous is still a user", func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Authorization", basicHeader("anonymous", "x"))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Body.String() != `user "anonymous"` {
				t.Fatalf("got %q", w.Body)
			}
		})
	})
	t.Run("a request without Authorization gets 401 when anonymous HTTP is turned off", func(t *testing.T) {
		p := newPortal(t, &recordingRealm{handler: whoami}, plaintextChecker(nil), anonymousChecker)
		m := newMiddleware(t, p, mustBasic(t, "r"))
		if err := m.SetAnonymous(false); err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		m.Wrap(whoami).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		if w.Code != 401 || len(w.Header().Values("WWW-Authenticate")) != 1 {
			t.Fatalf("got %d %q, want 401 with a challenge", w.Code, w.Header().Values("WWW-Authenticate"))
		}
	})
	t.Run("turning anonymous on without an anonymous checker fails with the portal's error", func(t *testing.T) {
		p := newPortal(t, &recordingRealm{handler: whoami}, plaintextChecker(nil))
		err := newMiddleware(t, p, mustBasic(t, "r")).SetAnonymous(true)
		if !errors.Is(err, cred.ErrUnhandledCredentials) {
			t.Fatalf("err = %v, want ErrUnhandledCredentials", err)
		}
	})
	t.Run("a request without Authorization gets 401 with every challenge when the realm denies anonymous", func(t *testing.T) {
		// An anonymous checker kept for FTP, behind a realm that serves
		// anonymous nothing over HTTP: Digest clients, which always ask
		// without credentials first, must still be challenged.
		realm := cred.RealmFunc(func(_ context.Context, id cred.AvatarID, _ cred.Mind, ifaces ...reflect.Type) (reflect.Type, any, func(), error) {
			if id.IsAnonymous() {
				return nil, nil, nil, cred.ErrLoginDenied
			}
			return ifaces[0], whoami, nil, nil
		})
		p := newPortal(t, realm, plaintextChecker(digestUsers), anonymousChecker)
		m := newMiddleware(t, p, newDigest(t, p, DigestOptions{Realm: "r"}), mustBasic(t, "r"))
		for _, method := range []string{"GET", "HEAD"} {
			w := httptest.NewRecorder()
			m.Handler().ServeHTTP(w, httptest.NewRequest(method, "/", nil))
			if w.Code != 401 || len(w.Header().Values("WWW-Authenticate")) != 3 {
				t.Fatalf("%s: got %d %q, want 401 with the Digest and Basic challenges", method, w.Code, w.Header().Values("WWW-Authenticate"))
			}
		}
	})
	t.Run("a throttled anonymous login still gets 429", func(t *testing.T) {
		throttled := cred.NewCheckerFunc(func(context.Context, cred.Credentials, cred.Mind) (cred.AvatarID, error) {
			return cred.AvatarID{}, &cred.ThrottledError{RetryAfter: 5 * time.Second}
		}, cred.AnonymousType)
		p := newPortal(t, &recordingRealm{handler: whoami}, plaintextChecker(nil), throttled)
		w := httptest.NewRecorder()
		newMiddleware(t, p, mustBasic(t, "r")).Handler().ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		if w.Code != 429 || w.Header().Get("Retry-After") != "5" {
			t.Fatalf("got %d, Retry-After %q; want 429 and 5", w.Code, w.Header().Get("Retry-After"))
		}
	})
	t.Run("a request without Authorization gets 401 when no checker takes cred.Anonymous", func(t *testing.T) {
		p := newPortal(t, &recordingRealm{handler: whoami}, plaintextChecker(nil))
		w := httptest.NewRecorder()
		newMiddleware(t, p, mustBasic(t, "r")).Wrap(whoami).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		if w.Code != 401 {
			t.Fatalf("got %d, want 401", w.Code)
		}
	})
}

// lyingFactory declares one credential type and produces another, so the
// portal finds no checker at request time.
type lyingFactory struct{ *Basic }

func (lyingFactory) Decode(*http.Request, string) (cred.Credentials, error) { return struct{}{}, nil }

func TestLoginOutcomes(t *testing.T) {
	errStore := errors.New("connection refused to users.db at 10.0.0.5")
	checker := cred.NewCheckerFunc(func(_ context.Context, c cred.Credentials, _ cred.Mind) (cred.AvatarID, error) {
		switch c.(cred.UsernamePassword).Username() {
		case "broken":
			return cred.AvatarID{}, errStore
		case "slow-store": // the store's own deadline, the request's still alive
			return cred.AvatarID{}, fmt.Errorf("users.db at 10.0.0.5: query: %w", context.DeadlineExceeded)
		case "throttled":
			return cred.AvatarID{}, &cred.ThrottledError{RetryAfter: 1500 * time.Millisecond}
		case "throttled-unknown":
			return cred.AvatarID{}, &cred.ThrottledError{}
		case "disabled":
			return cred.UserID("disabled"), nil
		}
		return cred.AvatarID{}, cred.ErrUnauthorizedLogin
	}, cred.UsernamePasswordType)
	realm := cred.RealmFunc(func(_ context.Context, id cred.AvatarID, _ cred.Mind, ifaces ...reflect.Type) (reflect.Type, any, func(), error) {
		return nil, nil, nil, cred.ErrLoginDenied
	})
	p := newPortal(t, realm, checker)
	var logs bytes.Buffer
	m := newMiddleware(t, p, mustBasic(t, "r"))
	m.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	lying := newMiddleware(t, p, lyingFactory{mustBasic(t, "r")})
	lying.Logger = m.Logger

	tests := []struct {
		name       string
		m          *Middleware
		user       string
		wantCode   int
		wantHeader [2]string
		wantLog    string
	}{
		{"a store error gets 500 without detail, and is logged", m, "broken", 500, [2]string{}, "10.0.0.5"},
		{"a store's own timeout is a store error too, not the client going away", m, "slow-store", 500, [2]string{}, "deadline exceeded"},
		{"a throttled login gets 429 with Retry-After rounded up", m, "throttled", 429, [2]string{"Retry-After", "2"}, ""},
		{"a throttled login without a known wait gets 429 without Retry-After", m, "throttled-unknown", 429, [2]string{"Retry-After", ""}, ""},
		{"a realm refusal gets 403", m, "disabled", 403, [2]string{}, ""},
		{"credentials no checker handles get 500 and a loud log line", lying, "x", 500, [2]string{}, "MISCONFIGURATION"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs.Reset()
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Authorization", basicHeader(tt.user, "hunter2"))
			w := httptest.NewRecorder()
			tt.m.Wrap(whoami).ServeHTTP(w, r)
			if w.Code != tt.wantCode {
				t.Fatalf("code = %d, want %d", w.Code, tt.wantCode)
			}
			if tt.wantHeader[0] != "" && w.Header().Get(tt.wantHeader[0]) != tt.wantHeader[1] {
				t.Errorf("%s = %q, want %q", tt.wantHeader[0], w.Header().Get(tt.wantHeader[0]), tt.wantHeader[1])
			}
			if strings.Contains(w.Body.String(), "10.0.0.5") || strings.Contains(w.Body.String(), "cred:") {
				t.Errorf("body leaks internals: %q", w.Body)
			}
			if !strings.Contains(logs.String(), tt.wantLog) {
				t.Errorf("log %q does not contain %q", logs.String(), tt.wantLog)
			}
			if strings.Contains(logs.String(), "hunter2") {
				t.Errorf("log contains the password: %q", logs.String())
			}
		})
	}
}

func TestHandlerModeServesTheAvatar(t *testing.T) {
	alice := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "alice's files") })
	realm := cred.RealmFunc(func(_ context.Context, id cred.AvatarID, _ cred.Mind, ifaces ...reflect.Type) (reflect.Type, any, func(), error) {
		if ifaces[0] != reflect.TypeFor[http.Handler]() {
			t.Errorf("realm asked for %v, want http.Handler", ifaces)
		}
		return ifaces[0], alice, nil, nil
	})
	p := newPortal(t, realm, plaintextChecker(map[string]string{"alice": "sesame"}))
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", basicHeader("alice", "sesame"))
	w := httptest.NewRecorder()
	newMiddleware(t, p, mustBasic(t, "r")).Handler().ServeHTTP(w, r)
	if w.Code != 200 || w.Body.String() != "alice's files" {
		t.Fatalf("got %d %q", w.Code, w.Body)
	}
}

func TestWrapPutsTheAvatarInTheContext(t *testing.T) {
	type profile struct{ name string }
	realm := cred.RealmFunc(func(_ context.Context, id cred.AvatarID, _ cred.Mind, ifaces ...reflect.Type) (reflect.Type, any, func(), error) {
		return ifaces[0], &profile{id.Name()}, nil, nil
	})
	p := newPortal(t, realm, plaintextChecker(map[string]string{"alice": "sesame"}))
	called := false
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		called = true
		id, _ := AvatarIDFrom(r.Context())
		pr, ok := AvatarAs[*profile](r.Context())
		if !ok || pr.name != "alice" || id != cred.UserID("alice") {
			t.Errorf("context holds %v, %v", id, pr)
		}
	})
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", basicHeader("alice", "sesame"))
	w := httptest.NewRecorder()
	newMiddleware(t, p, mustBasic(t, "r")).WrapFor(next, reflect.TypeFor[*profile]()).ServeHTTP(w, r)
	if !called || w.Code != 200 {
		t.Fatalf("the wrapped handler ran: %v; answer %d", called, w.Code)
	}

	if _, ok := AvatarIDFrom(context.Background()); ok {
		t.Error("AvatarIDFrom reports an avatar in an empty context")
	}
}

func TestLogoutRunsOnceAfterTheResponse(t *testing.T) {
	t.Run("logout runs once, after the handler has written its response", func(t *testing.T) {
		realm := &recordingRealm{}
		realm.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "hello")
			if n := realm.logouts.Load(); n != 0 {
				t.Errorf("logout ran %d times before the response was done", n)
			}
		})
		p := newPortal(t, realm, plaintextChecker(map[string]string{"alice": "sesame"}))
		srv := httptest.NewServer(newMiddleware(t, p, mustBasic(t, "r")).Handler())
		defer srv.Close()
		req, _ := http.NewRequest("GET", srv.URL, nil)
		req.SetBasicAuth("alice", "sesame")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "hello" {
			t.Fatalf("body %q", body)
		}
		waitFor(t, func() bool { return realm.logouts.Load() == 1 })
		time.Sleep(10 * time.Millisecond)
		if n := realm.logouts.Load(); n != 1 {
			t.Fatalf("logout ran %d times, want 1", n)
		}
	})
	t.Run("logout runs once when the client goes away mid-response", func(t *testing.T) {
		realm := &recordingRealm{}
		started := make(chan struct{})
		realm.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(200)
			w.(http.Flusher).Flush()
			close(started)
			<-r.Context().Done()
		})
		p := newPortal(t, realm, plaintextChecker(map[string]string{"alice": "sesame"}))
		srv := httptest.NewServer(newMiddleware(t, p, mustBasic(t, "r")).Handler())
		defer srv.Close()
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
		req.SetBasicAuth("alice", "sesame")
		go func() { <-started; cancel() }()
		if resp, err := srv.Client().Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		waitFor(t, func() bool { return realm.logouts.Load() == 1 })
		time.Sleep(10 * time.Millisecond)
		if n := realm.logouts.Load(); n != 1 {
			t.Fatalf("logout ran %d times, want 1", n)
		}
	})
	t.Run("logout runs once when the handler panics", func(t *testing.T) {
		realm := &recordingRealm{handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) })}
		p := newPortal(t, realm, plaintextChecker(map[string]string{"alice": "sesame"}))
		r := httptest.NewRequest("GET", "/", nil)
		r.SetBasicAuth("alice", "sesame")
		func() {
			defer func() { recover() }()
			newMiddleware(t, p, mustBasic(t, "r")).Handler().ServeHTTP(httptest.NewRecorder(), r)
		}()
		if n := realm.logouts.Load(); n != 1 {
			t.Fatalf("logout ran %d times, want 1", n)
		}
	})
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestMind(t *testing.T) {
	for _, tls := range []bool{false, true} {
		name := map[bool]string{false: "a plain HTTP login", true: "a TLS login"}[tls]
		t.Run(name+" passes protocol http, the remote address and TLS to the checker and the realm", func(t *testing.T) {
			realm := &recordingRealm{handler: whoami}
			inner := plaintextChecker(map[string]string{"alice": "sesame"})
			var checkerMinds []cred.Mind
			checker := cred.NewCheckerFunc(func(ctx context.Context, c cred.Credentials, m cred.Mind) (cred.AvatarID, error) {
				realm.mu.Lock()
				checkerMinds = append(checkerMinds, m)
				realm.mu.Unlock()
				return inner.RequestAvatarID(ctx, c, m)
			}, cred.UsernamePasswordType)
			p := newPortal(t, realm, checker)
			h := newMiddleware(t, p, mustBasic(t, "r")).Handler()
			srv := httptest.NewUnstartedServer(h)
			if tls {
				srv.StartTLS()
			} else {
				srv.Start()
			}
			defer srv.Close()
			req, _ := http.NewRequest("GET", srv.URL, nil)
			req.SetBasicAuth("alice", "sesame")
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("login got %s", resp.Status)
			}
			realm.mu.Lock()
			defer realm.mu.Unlock()
			if len(checkerMinds) != 1 || len(realm.minds) != 1 {
				t.Fatalf("%d minds reached the checker, %d the realm; want 1 each", len(checkerMinds), len(realm.minds))
			}
			for who, mind := range map[string]cred.Mind{"checker": checkerMinds[0], "realm": realm.minds[0]} {
				if mind.Protocol != "http" || mind.TLS != tls || !mind.RemoteAddr.Addr().IsLoopback() || mind.RemoteAddr.Port() == 0 {
					t.Errorf("the %s got mind %+v", who, mind)
				}
			}
		})
	}
}
