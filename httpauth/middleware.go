package httpauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gocred/gocred/cred"
)

// MaxAuthorizationBytes bounds the Authorization header; a longer one is
// answered with 400 before any parsing.
const MaxAuthorizationBytes = 8 << 10

// Middleware authenticates HTTP requests through a cred.Portal, with one
// CredentialFactory per scheme it accepts. Build one with New; it is safe
// for concurrent use.
//
// Answers:
//   - No Authorization header: an anonymous login (cred.AnonymousCredentials)
//     if the portal has a checker for cred.Anonymous (see SetAnonymous),
//     else 401; 401 too if the realm (or checker) refuses anonymous.
//   - 401 Unauthorized, with one WWW-Authenticate line per challenge of each
//     factory: no or unknown scheme, wrong credentials, stale nonce.
//   - 400 Bad Request: a malformed header (see ErrMalformed); two
//     Authorization headers; one longer than MaxAuthorizationBytes.
//   - 429 Too Many Requests, with Retry-After when known: the checker
//     throttled the login (cred.ErrThrottled). 429 rather than 401 so the
//     client does not re-prompt its user for a password that may be right.
//   - 403 Forbidden: the realm refused an authenticated user
//     (cred.ErrLoginDenied).
//   - 500: a store or internal error, or credentials no checker handles
//     (a misconfiguration), logged at Error level; the client gets no
//     detail.
//   - 503: the request's context ended during the login.
//
// After a login, the avatar serves the request (Handler) or the wrapped
// handler does (Wrap), and the session's logout runs exactly once when it
// returns, also if it panics or the client went away. The response is then
// complete, though net/http may still hold its last bytes in a buffer
// (they are sent when ServeHTTP returns, after the logout). A handler that
// hijacks the connection must be done with it before it returns.
type Middleware struct {
	// Logger receives internal errors and misconfigurations; set it before
	// serving. Nil means slog.Default().
	Logger *slog.Logger
	// ClientAddr, if set, says which address a request comes from, for
	// the login's cred.Mind.RemoteAddr, by which a checkers.Throttle
	// counts failures; set it before serving. Nil means the connection's
	// peer (r.RemoteAddr): behind a reverse proxy or load balancer, that
	// is the proxy for every client, and failed logins from anyone (100
	// by default) would lock out everyone. There, use ForwardedFor with
	// the proxies' addresses.
	ClientAddr func(r *http.Request) netip.AddrPort

	portal    *cred.Portal
	factories []CredentialFactory
	anonymous bool
}

// New returns a Middleware over portal accepting the schemes of factories,
// whose challenges are sent in the order given. It fails if a factory's
// credentials would reach no checker: the error names the credential type,
// the interfaces it implements and what the portal has registered.
func New(portal *cred.Portal, factories ...CredentialFactory) (*Middleware, error) {
	if portal == nil {
		return nil, errors.New("httpauth: New: portal is nil")
	}
	if len(factories) == 0 {
		return nil, errors.New("httpauth: New: no credential factory (use NewBasic or NewDigest)")
	}
	seen := map[string]bool{}
	for i, f := range factories {
		if f == nil {
			return nil, fmt.Errorf("httpauth: New: factory %d is nil", i)
		}
		scheme := strings.ToLower(f.Scheme())
		if scheme == "" || seen[scheme] {
			return nil, fmt.Errorf("httpauth: New: scheme %q is empty or given twice", f.Scheme())
		}
		seen[scheme] = true
		if err := portal.CheckCredentialType(f.CredentialType()); err != nil {
			return nil, fmt.Errorf("httpauth: New: %s scheme cannot work: %w", f.Scheme(), err)
		}
	}
	return &Middleware{
		portal:    portal,
		factories: factories,
		anonymous: portal.CheckCredentialType(reflect.TypeFor[cred.AnonymousCredentials]()) == nil,
	}, nil
}

var (
	handlerType = reflect.TypeFor[http.Handler]()
	anyType     = reflect.TypeFor[any]()
	// One slice each, so a request does not allocate its own.
	handlerTypes = []reflect.Type{handlerType}
	anyTypes     = []reflect.Type{anyType}
)

// Handler returns a handler that logs in and lets the avatar serve: the
// realm is asked for an http.Handler, as Twisted's HTTPAuthSessionWrapper
// asks for an IResource.
func (m *Middleware) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.serve(w, r, nil, handlerTypes...)
	})
}

// Wrap returns a handler that logs in and then calls next with the avatar ID
// and avatar in the request's context (see AvatarIDFrom, AvatarFrom). The
// realm is asked for an avatar of interface any (reflect.TypeFor[any](), as
// realms.NewStaticOf[any] answers); use WrapFor to ask for specific
// interfaces.
func (m *Middleware) Wrap(next http.Handler) http.Handler { return m.WrapFor(next, anyType) }

// WrapFor is Wrap asking the realm for an avatar of one of ifaces.
func (m *Middleware) WrapFor(next http.Handler, ifaces ...reflect.Type) http.Handler {
	if next == nil {
		panic("httpauth: WrapFor: next handler is nil")
	}
	if len(ifaces) == 0 {
		ifaces = anyTypes
	} else {
		ifaces = slices.Clone(ifaces)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.serve(w, r, next, ifaces...)
	})
}

// SetAnonymous turns anonymous HTTP logins on or off. New turns them on
// when the portal has a checker for cred.Anonymous; a server whose
// anonymous checker is meant for another protocol (anonymous FTP, say)
// turns them off, and every request must then carry credentials. Turning
// them on fails if the portal cannot check cred.Anonymous. Call it before
// serving.
func (m *Middleware) SetAnonymous(allow bool) error {
	if allow {
		if err := m.portal.CheckCredentialType(reflect.TypeFor[cred.AnonymousCredentials]()); err != nil {
			return fmt.Errorf("httpauth: SetAnonymous: %w", err)
		}
	}
	m.anonymous = allow
	return nil
}

func (m *Middleware) logger() *slog.Logger {
	if m.Logger != nil {
		return m.Logger
	}
	return slog.Default()
}

func (m *Middleware) serve(w http.ResponseWriter, r *http.Request, next http.Handler, ifaces ...reflect.Type) {
	var (
		creds   cred.Credentials
		factory CredentialFactory
	)
	headers := r.Header["Authorization"] // canonical already: no Values call
	switch {
	case len(headers) == 0:
		if !m.anonymous {
			m.unauthorized(w, r, nil, nil)
			return
		}
		creds = cred.AnonymousCredentials{}
	case len(headers) > 1:
		m.plain(w, r, http.StatusBadRequest, "more than one Authorization header")
		return
	case len(headers[0]) > MaxAuthorizationBytes:
		m.plain(w, r, http.StatusBadRequest, "Authorization header too large")
		return
	default:
		scheme, params, _ := strings.Cut(strings.TrimLeft(headers[0], " \t"), " ")
		for _, f := range m.factories {
			if strings.EqualFold(f.Scheme(), scheme) {
				factory = f
				break
			}
		}
		if factory == nil {
			m.unauthorized(w, r, nil, nil)
			return
		}
		var err error
		creds, err = factory.Decode(r, params)
		if err != nil {
			m.refuse(w, r, factory, err)
			return
		}
	}

	mind := cred.Mind{Protocol: "http", TLS: r.TLS != nil}
	if m.ClientAddr != nil {
		mind.RemoteAddr = m.ClientAddr(r)
	} else if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		mind.RemoteAddr = ap
	}
	s, err := m.portal.Login(r.Context(), creds, mind, ifaces...)
	if err != nil {
		if e, ok := creds.(refusalExplainer); ok {
			err = e.explainRefusal(err)
		}
		if factory == nil && !errors.Is(err, cred.ErrThrottled) && (errors.Is(err, cred.ErrLoginDenied) || errors.Is(err, cred.ErrUnauthorizedLogin)) {
			// Anonymous is not let in here (a realm that serves
			// anonymous FTP only, say): ask for credentials, as without
			// an anonymous checker, rather than forbid.
			m.unauthorized(w, r, nil, nil)
			return
		}
		m.refuse(w, r, factory, err)
		return
	}
	defer s.Logout()
	if fin, ok := factory.(LoginFinisher); ok {
		if err := fin.FinishLogin(r.Context(), w, r, creds); err != nil {
			m.refuse(w, r, factory, err)
			return
		}
	}
	var sc *sessionContext
	if h, ok := creds.(sessionHolder); ok {
		sc = h.sessionSlot()
	} else {
		sc = new(sessionContext)
	}
	*sc = sessionContext{Context: r.Context(), session: s}
	r = r.WithContext(sc)
	if next == nil {
		h, ok := s.Avatar.(http.Handler)
		if !ok { // the portal checks the type; this is a bug elsewhere
			m.logger().ErrorContext(r.Context(), "httpauth: realm returned an avatar that is not an http.Handler", "type", fmt.Sprintf("%T", s.Avatar))
			m.plain(w, r, http.StatusInternalServerError, "internal server error")
			return
		}
		next = h
	}
	next.ServeHTTP(w, r)
}

// refuse answers a failed login. factory is the scheme the client used
// (nil for an anonymous login).
func (m *Middleware) refuse(w http.ResponseWriter, r *http.Request, factory CredentialFactory, err error) {
	var throttled *cred.ThrottledError
	switch {
	case errors.Is(err, ErrMalformed):
		m.plain(w, r, http.StatusBadRequest, "malformed Authorization header")
	case errors.Is(err, errBodyTooLarge):
		m.plain(w, r, http.StatusRequestEntityTooLarge, "request body too large")
	case errors.Is(err, cred.ErrThrottled):
		if errors.As(err, &throttled) && throttled.RetryAfter > 0 {
			secs := int64((throttled.RetryAfter + time.Second - 1) / time.Second)
			w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		}
		m.plain(w, r, http.StatusTooManyRequests, "too many failed logins; try again later")
	case errors.Is(err, cred.ErrUnauthorizedLogin):
		m.unauthorized(w, r, factory, err)
	case errors.Is(err, cred.ErrLoginDenied):
		m.plain(w, r, http.StatusForbidden, "forbidden")
	case errors.Is(err, cred.ErrUnhandledCredentials):
		m.logger().ErrorContext(r.Context(), "httpauth: MISCONFIGURATION: no checker handles these credentials", "error", err.Error(), "path", r.URL.Path)
		m.plain(w, r, http.StatusInternalServerError, "internal server error")
	case cred.OutcomeOf(err) == cred.OutcomeCanceled && r.Context().Err() != nil:
		// The request's context ended; a store's own timeout (a
		// NonceStore's too) is an internal error (below).
		m.plain(w, r, http.StatusServiceUnavailable, "service unavailable")
	default:
		m.logger().ErrorContext(r.Context(), "httpauth: login failed with an internal error", "error", err.Error(), "path", r.URL.Path)
		m.plain(w, r, http.StatusInternalServerError, "internal server error")
	}
}

// unauthorized answers 401 with every factory's challenges, one
// WWW-Authenticate line each. The factory that refused gets err, so Digest
// can add stale=true.
func (m *Middleware) unauthorized(w http.ResponseWriter, r *http.Request, refusedBy CredentialFactory, err error) {
	h := w.Header()
	for _, f := range m.factories {
		var ferr error
		if f == refusedBy {
			ferr = err
		}
		for _, c := range f.Challenges(r, ferr) {
			h.Add("WWW-Authenticate", c)
		}
	}
	m.plain(w, r, http.StatusUnauthorized, "unauthorized")
}

// plain writes a short text answer; the body is empty for HEAD.
func (m *Middleware) plain(w http.ResponseWriter, r *http.Request, code int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	if r.Method == http.MethodHead {
		w.WriteHeader(code)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(msg)+1))
	w.WriteHeader(code)
	w.Write([]byte(msg + "\n"))
}

// refusalExplainer is implemented by credentials that know more about why
// the portal refused them than the portal's error says (a replayed Digest
// response).
type refusalExplainer interface {
	explainRefusal(err error) error
}

type sessionKey struct{}

// sessionContext is the context of an authenticated request: its parent
// and the session, in one allocation (context.WithValue and the session
// would be two).
type sessionContext struct {
	context.Context
	session cred.Session
}

// Value answers sessionKey with the session and passes other keys on.
func (c *sessionContext) Value(key any) any {
	if _, ok := key.(sessionKey); ok {
		return &c.session
	}
	return c.Context.Value(key)
}

// sessionHolder is implemented by credentials that carry room for the
// request's sessionContext, saving an allocation per request.
type sessionHolder interface {
	sessionSlot() *sessionContext
}

// AvatarIDFrom returns who logged in for the request with context ctx.
func AvatarIDFrom(ctx context.Context) (cred.AvatarID, bool) {
	s, ok := ctx.Value(sessionKey{}).(*cred.Session)
	if !ok {
		return cred.AvatarID{}, false
	}
	return s.ID, true
}

// AvatarFrom returns the avatar the realm gave for the request with context
// ctx.
func AvatarFrom(ctx context.Context) (any, bool) {
	s, ok := ctx.Value(sessionKey{}).(*cred.Session)
	if !ok {
		return nil, false
	}
	return s.Avatar, true
}

// AvatarAs returns the request's avatar as an A, if it is one.
func AvatarAs[A any](ctx context.Context) (A, bool) {
	a, ok := AvatarFrom(ctx)
	if !ok {
		var zero A
		return zero, false
	}
	v, ok := a.(A)
	return v, ok
}
