package cred

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Portal routes credentials to the checkers that handle them and asks its
// realm for the avatar of whoever they name. It is safe for concurrent use.
// Build one with NewPortal; see the package documentation for its rules.
type Portal struct {
	realm    Realm
	avatars  typeMemo[avatarPair, bool] // which avatar types implement which interfaces
	mu       sync.Mutex                 // serialises Register
	reg      atomic.Pointer[registry]
	observer atomic.Pointer[Observer]
}

// registry is an immutable snapshot of the registered checkers; Register
// replaces it, so Login reads it without locks.
type registry struct {
	ifaces  []reflect.Type             // registration order
	byIface map[reflect.Type][]Checker // checkers per interface, in order
	routes  typeMemo[reflect.Type, *route]
}

// route is what a concrete credential type resolves to: the checkers to try,
// in order, or the error that none does.
type route struct {
	checkers []Checker
	err      error
}

// Session is the result of a successful login.
type Session struct {
	// ID is who logged in.
	ID AvatarID
	// Interface is the avatar interface the realm chose, one of those asked for.
	Interface reflect.Type
	// Avatar implements Interface.
	Avatar any
	// Logout ends the session; the protocol calls it exactly once when the
	// session is over. It is never nil, and calls after the first do nothing.
	Logout func()
}

// NewPortal returns a portal over realm with the given checkers registered,
// in order. It fails if realm or a checker is nil, or a checker declares no
// interface or a type that is not an interface.
func NewPortal(realm Realm, checkers ...Checker) (*Portal, error) {
	if realm == nil {
		return nil, errors.New("cred: NewPortal: realm is nil")
	}
	p := &Portal{realm: realm}
	p.reg.Store(&registry{byIface: map[reflect.Type][]Checker{}})
	for _, c := range checkers {
		if err := p.Register(c); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Register adds a checker for every credential interface it declares, after
// the checkers already registered for them.
func (p *Portal) Register(c Checker) error {
	if c == nil {
		return errors.New("cred: Register: checker is nil")
	}
	ifaces := c.CredentialInterfaces()
	if len(ifaces) == 0 {
		return fmt.Errorf("cred: Register: checker %s declares no credential interface", DescribeChecker(c))
	}
	for _, t := range ifaces {
		if t == nil || t.Kind() != reflect.Interface {
			return fmt.Errorf("cred: Register: checker %s declares %s, which is not an interface type (use reflect.TypeFor[cred.UsernamePassword]())", DescribeChecker(c), typeName(t))
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	old := p.reg.Load()
	next := &registry{ifaces: slices.Clone(old.ifaces), byIface: make(map[reflect.Type][]Checker, len(old.byIface)+len(ifaces))}
	for t, cs := range old.byIface {
		next.byIface[t] = cs
	}
	for _, t := range ifaces {
		if _, ok := next.byIface[t]; !ok {
			next.ifaces = append(next.ifaces, t)
		}
		if slices.ContainsFunc(next.byIface[t], func(o Checker) bool { return sameChecker(o, c) }) {
			continue
		}
		next.byIface[t] = append(slices.Clip(next.byIface[t]), c)
	}
	p.reg.Store(next)
	return nil
}

// SetObserver sets the observer told of every login outcome; nil turns it off.
func (p *Portal) SetObserver(o Observer) {
	if o == nil {
		p.observer.Store(nil)
		return
	}
	p.observer.Store(&o)
}

// CheckCredentialType reports whether credentials of concrete type t can be
// handled by some registered checker. If not, it returns the same
// *UnhandledCredentialsError that Login would, so a protocol calls this at
// construction and a misconfiguration fails at startup instead of as a
// silent refusal of every login.
func (p *Portal) CheckCredentialType(t reflect.Type) error {
	return p.reg.Load().route(t).err
}

// CheckersFor returns the checkers that credentials of concrete type t would
// be routed to, in the order they are tried.
func (p *Portal) CheckersFor(t reflect.Type) []Checker {
	return slices.Clone(p.reg.Load().route(t).checkers)
}

func (r *registry) route(t reflect.Type) *route { return r.routes.get(t, r.computeRoute) }

func (r *registry) computeRoute(t reflect.Type) *route {
	rt := &route{}
	for _, iface := range r.ifaces {
		if t == nil || !t.Implements(iface) {
			continue
		}
		for _, c := range r.byIface[iface] {
			if !slices.ContainsFunc(rt.checkers, func(o Checker) bool { return sameChecker(o, c) }) {
				rt.checkers = append(rt.checkers, c)
			}
		}
	}
	if len(rt.checkers) == 0 {
		var registered []string
		for _, iface := range r.ifaces {
			names := make([]string, len(r.byIface[iface]))
			for i, c := range r.byIface[iface] {
				names[i] = DescribeChecker(c)
			}
			registered = append(registered, typeName(iface)+" ("+strings.Join(names, ", ")+")")
		}
		rt.err = NewUnhandledCredentialsError(t, registered)
	}
	return rt
}

// Login checks creds with the checkers registered for the interfaces they
// implement and asks the realm for an avatar implementing one of ifaces.
//
// It returns an error matching ErrUnauthorizedLogin for wrong credentials,
// ErrUnhandledCredentials when no checker handles them, ErrLoginDenied when
// the realm refuses the user, the context's error when ctx ends first, and
// any other error for an internal failure of a checker or the realm.
func (p *Portal) Login(ctx context.Context, creds Credentials, mind Mind, ifaces ...reflect.Type) (s Session, err error) {
	obs := p.observer.Load()
	if obs == nil {
		err = p.login(ctx, creds, &mind, ifaces, &s)
		return s, err
	}
	start := time.Now()
	err = p.login(ctx, creds, &mind, ifaces, &s)
	ev := LoginEvent{
		Protocol:   mind.Protocol,
		RemoteAddr: mind.RemoteAddr,
		ID:         s.ID,
		Outcome:    OutcomeOf(err),
		Duration:   time.Since(start),
	}
	if u, ok := creds.(interface{ Username() string }); ok {
		ev.Username = u.Username()
	}
	if ev.Outcome == OutcomeError || ev.Outcome == OutcomeUnhandled {
		ev.Err = err
	}
	(*obs).ObserveLogin(ctx, ev)
	return s, err
}

// login does Login's work, filling in *s only on success. The session and
// mind travel by pointer so the login path copies neither.
func (p *Portal) login(ctx context.Context, creds Credentials, mind *Mind, ifaces []reflect.Type, s *Session) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("cred: login abandoned: %w", err)
	}
	if len(ifaces) == 0 {
		return errors.New("cred: Login: no avatar interface asked for")
	}
	rt := p.reg.Load().route(reflect.TypeOf(creds))
	if rt.err != nil {
		return rt.err
	}
	id, err := tryCheckers(ctx, rt.checkers, creds, mind)
	if err != nil {
		return err
	}
	if ic, ok := creds.(Inconclusive); ok && ic.Inconclusive() {
		// Accepted, yet not a login: the realm must not act on it (count
		// it, stamp a last login), and an observer must not see a success.
		return fmt.Errorf("%w (%s)", ErrInconclusive, id)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("cred: login abandoned: %w", err)
	}
	iface, avatar, logout, err := p.realm.RequestAvatar(ctx, id, *mind, ifaces...)
	if err != nil {
		if errors.Is(err, ErrLoginDenied) || (isContextError(err) && ctx.Err() != nil) {
			return err
		}
		return fmt.Errorf("cred: realm failed for %s: %w", id, notCanceled(err))
	}
	logout = once(logout)
	if err := p.checkAvatar(iface, avatar, ifaces); err != nil {
		logout()
		return err
	}
	if err := ctx.Err(); err != nil {
		logout()
		return fmt.Errorf("cred: login abandoned: %w", err)
	}
	*s = Session{ID: id, Interface: iface, Avatar: avatar, Logout: logout}
	return nil
}

// tryCheckers asks each checker in turn: a refusal moves on to the next,
// anything else ends the search.
func tryCheckers(ctx context.Context, checkers []Checker, creds Credentials, mind *Mind) (AvatarID, error) {
	var refusal error
	for _, c := range checkers {
		id, err := c.RequestAvatarID(ctx, creds, *mind)
		if err == nil {
			if id.IsZero() {
				return AvatarID{}, fmt.Errorf("cred: checker %s accepted credentials but returned the zero AvatarID", DescribeChecker(c))
			}
			return id, nil
		}
		if !errors.Is(err, ErrUnauthorizedLogin) {
			if isContextError(err) && ctx.Err() != nil {
				return AvatarID{}, err
			}
			return AvatarID{}, fmt.Errorf("cred: checker %s failed: %w", DescribeChecker(c), notCanceled(err))
		}
		if errors.Is(err, ErrThrottled) {
			return AvatarID{}, err // a lockout is not a cue to try other stores
		}
		if refusal == nil {
			refusal = err
		}
		if err := ctx.Err(); err != nil {
			return AvatarID{}, fmt.Errorf("cred: login abandoned: %w", err)
		}
	}
	return AvatarID{}, refusal
}

type avatarPair struct{ avatar, iface reflect.Type }

func implements(p avatarPair) bool {
	return p.avatar == p.iface || (p.iface.Kind() == reflect.Interface && p.avatar.Implements(p.iface))
}

func (p *Portal) checkAvatar(iface reflect.Type, avatar any, asked []reflect.Type) error {
	if !slices.Contains(asked, iface) {
		return fmt.Errorf("cred: realm returned an avatar for %s, which was not asked for (asked: %v)", typeName(iface), asked)
	}
	at := reflect.TypeOf(avatar)
	if at == nil {
		return fmt.Errorf("cred: realm returned a nil avatar for %s", typeName(iface))
	}
	if !p.avatars.get(avatarPair{at, iface}, implements) {
		return fmt.Errorf("cred: realm returned a %s, which does not implement %s", typeName(at), typeName(iface))
	}
	return nil
}

func noop() {}

// once wraps a logout so that only its first call runs it.
func once(f func()) func() {
	if f == nil {
		return noop
	}
	var done atomic.Bool
	return func() {
		if done.CompareAndSwap(false, true) {
			f()
		}
	}
}

// Login is Portal.Login for one avatar interface A, returning the avatar as
// an A. For example, Login[http.Handler](ctx, portal, creds, mind).
func Login[A any](ctx context.Context, p *Portal, creds Credentials, mind Mind) (A, Session, error) {
	var zero A
	s, err := p.Login(ctx, creds, mind, reflect.TypeFor[A]())
	if err != nil {
		return zero, s, err
	}
	a, ok := s.Avatar.(A)
	if !ok {
		s.Logout()
		return zero, Session{}, fmt.Errorf("cred: realm returned a %T, not a %s", s.Avatar, reflect.TypeFor[A]())
	}
	return a, s, nil
}

// isContextError reports whether err is, or wraps, a context's error.
func isContextError(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// storeContextError is a context error that did not come from the login's
// own context, which is still alive: a store's or realm's own timeout (a
// query given a second, say). It is an internal error, not the caller
// giving up; OutcomeOf says so.
type storeContextError struct{ err error }

func (e *storeContextError) Error() string { return e.err.Error() }
func (e *storeContextError) Unwrap() error { return e.err }

// notCanceled marks a context error as the store's own (see
// storeContextError); other errors are returned as they are.
func notCanceled(err error) error {
	if isContextError(err) {
		return &storeContextError{err}
	}
	return err
}

// sameChecker reports whether a and b are the same checker. Values that
// cannot be compared with == (a map type, a struct holding a slice) are
// taken as distinct rather than panicking.
func sameChecker(a, b Checker) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if va.Type() != vb.Type() || !va.Comparable() || !vb.Comparable() {
		return false
	}
	return a == b
}
