package checkers

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gocred/gocred/cred"
)

// Chain is one checker that tries several in order, as a Portal does, so a
// decorator (Cache, Limit, Throttle) can wrap several stores at once.
//
// Credentials go only to the members that declare an interface they
// implement. A refusal (cred.ErrUnauthorizedLogin) moves on to the next
// member; an acceptance, a lockout (cred.ErrThrottled) or any other error
// ends the search, so a broken store is never reported as a wrong password.
// If every member refuses, the chain refuses with the first refusal by a
// member that may hold the user (one that did not answer
// cred.ErrUnknownUser), or with cred.ErrUnknownUser if every one did.
type Chain struct {
	members []cred.Checker
	ifaces  []reflect.Type
	routes  sync.Map // concrete credential type -> []cred.Checker
}

// NewChain returns a Chain trying checkers in the order given. Its
// CredentialInterfaces is the union of theirs. A nil checker is a
// programming error and panics, as http.Handle does with a nil handler.
func NewChain(checkers ...cred.Checker) *Chain {
	c := &Chain{members: slices.Clone(checkers)}
	for i, m := range checkers {
		if m == nil {
			panic(fmt.Sprintf("checkers: NewChain: checker %d is nil", i))
		}
		for _, t := range m.CredentialInterfaces() {
			if !slices.Contains(c.ifaces, t) {
				c.ifaces = append(c.ifaces, t)
			}
		}
	}
	return c
}

// CredentialInterfaces returns the union of the members' interfaces, in the
// order they first appear.
func (c *Chain) CredentialInterfaces() []reflect.Type { return slices.Clone(c.ifaces) }

// RequestAvatarID asks, in order, each member that handles creds. A
// member's error (a store down) ends the search with that error. If an
// earlier member that may hold the user (one that did not answer
// cred.ErrUnknownUser) refused the password, a Throttle around the chain
// still counts the attempt as a refused guess, and if the client has gone
// meanwhile, the refusal is the answer; refusals by members that do not
// hold the user are not counted then, so an outage of the member that does
// cannot lock its users out. The chain answers cred.ErrUnknownUser only if
// every member it asked did.
func (c *Chain) RequestAvatarID(ctx context.Context, creds cred.Credentials, mind cred.Mind) (cred.AvatarID, error) {
	members := c.route(reflect.TypeOf(creds))
	if len(members) == 0 {
		return cred.AvatarID{}, c.unhandled(creds)
	}
	var refusal error // the first refusal by a member that may hold the user
	for _, m := range members {
		id, err := m.RequestAvatarID(ctx, creds, mind)
		if err == nil {
			if id.IsZero() {
				return cred.AvatarID{}, fmt.Errorf("checkers: chain member %s accepted credentials but returned the zero AvatarID", cred.DescribeChecker(m))
			}
			return id, nil
		}
		if !errors.Is(err, cred.ErrUnauthorizedLogin) || errors.Is(err, cred.ErrThrottled) {
			switch {
			case refusal == nil:
				// Nothing refused by a member holding the user, whose
				// store may be the one that failed: a throttle gives
				// the attempt back (a later member's outage must not
				// lock its users out).
				return cred.AvatarID{}, err
			case ctx.Err() != nil:
				// The client hung up while a later member waited:
				// the refusal stands, and a throttle counts it.
				return cred.AvatarID{}, refusal
			default:
				// Undecided (the user may be in the member that
				// failed too), but a member that may hold the user
				// refused the password: a throttle must count it, or
				// guesses against the earlier members would be free
				// while a later one is down.
				return cred.AvatarID{}, &refusedThenFailedError{err: err}
			}
		}
		if refusal == nil && !errors.Is(err, cred.ErrUnknownUser) {
			refusal = err
		}
		if ctx.Err() != nil {
			// The client has gone: ask no further member. A refusal by
			// a member that may hold the user is the answer, so a
			// throttle around the chain counts the guess (an abandoned
			// login would be given back, and a client that hangs up
			// during each hash could guess for ever).
			if refusal != nil {
				return cred.AvatarID{}, refusal
			}
			return cred.AvatarID{}, fmt.Errorf("checkers: %s: login abandoned: %w", c, ctx.Err())
		}
	}
	if refusal != nil {
		return cred.AvatarID{}, refusal
	}
	return cred.AvatarID{}, cred.ErrUnknownUser
}

// LookupPasswordHash returns the stored hash from the first member that can
// look up password hashes and knows username. Members without a lookup are
// skipped; a store error ends the search.
//
// A Cache over a chain keys its entries by what every member holds for the
// user (see secretStamp), not by this hash alone, so a password changed in
// any member (an htdigest file's too) changes the key. A member that can
// neither look up hashes nor is an Htdigest (a secret provider, a checker
// of one's own) is left out: a password changed there is forgotten by the
// cache only when its entry expires (TTL).
func (c *Chain) LookupPasswordHash(ctx context.Context, username string) (string, bool, error) {
	canLookup := false
	for _, m := range c.members {
		lk, ok := passwordHashLookupOf(m)
		if !ok {
			continue
		}
		canLookup = true
		hash, found, err := lk.LookupPasswordHash(ctx, username)
		if err != nil || found {
			return hash, found, err
		}
	}
	if !canLookup {
		return "", false, fmt.Errorf("checkers: no member of %s can look up password hashes", c)
	}
	return "", false, nil
}

// passwordHashLookup reports whether some member can look up hashes.
func (c *Chain) passwordHashLookup() (PasswordHashLookup, bool) {
	for _, m := range c.members {
		if _, ok := passwordHashLookupOf(m); ok {
			return c, true
		}
	}
	return nil, false
}

// String describes the chain and its members, for error messages.
func (c *Chain) String() string {
	names := make([]string, len(c.members))
	for i, m := range c.members {
		names[i] = cred.DescribeChecker(m)
	}
	return "chain(" + strings.Join(names, ", ") + ")"
}

// route returns the members that handle credentials of concrete type t, in
// order, memoised per type.
func (c *Chain) route(t reflect.Type) []cred.Checker {
	if t == nil {
		return nil
	}
	if v, ok := c.routes.Load(t); ok {
		return v.([]cred.Checker)
	}
	var ms []cred.Checker
	for _, m := range c.members {
		if slices.ContainsFunc(m.CredentialInterfaces(), func(iface reflect.Type) bool {
			// A non-interface type (a misconfiguration the Portal reports
			// when the chain is registered) would make Implements panic.
			return iface != nil && iface.Kind() == reflect.Interface && t.Implements(iface)
		}) {
			ms = append(ms, m)
		}
	}
	v, _ := c.routes.LoadOrStore(t, ms)
	return v.([]cred.Checker)
}

func (c *Chain) unhandled(creds cred.Credentials) error {
	registered := make([]string, len(c.members))
	for i, m := range c.members {
		var names []string
		for _, iface := range m.CredentialInterfaces() {
			names = append(names, iface.String())
		}
		registered[i] = strings.Join(names, ", ") + " (" + cred.DescribeChecker(m) + ")"
	}
	return cred.NewUnhandledCredentialsError(reflect.TypeOf(creds), registered)
}

var (
	_ cred.Checker       = (*Chain)(nil)
	_ PasswordHashLookup = (*Chain)(nil)
)

// secretStamper is implemented by stores that can say, for a cache's key,
// what they hold for a user although it is no password hash (Htdigest: the
// HA1), and by Chain.
type secretStamper interface {
	secretStamp(ctx context.Context, username string) (stamp string, found bool, err error)
}

// stamperOf returns the secretStamper c is or wraps through Limits,
// Throttles and Caches (which hold no secrets of their own), if any.
func stamperOf(c cred.Checker) (secretStamper, bool) {
	switch w := c.(type) {
	case secretStamper:
		return w, true
	case *Limit:
		return stamperOf(w.inner)
	case *Throttle:
		return stamperOf(w.inner)
	case *Cache:
		return stamperOf(w.inner)
	}
	return nil, false
}

// secretStamp returns what each member holds for username (a password hash,
// an HA1), each with its member's position and length, so a Cache over the
// chain keys its entries by all of it: whichever member accepted a
// password, changing or removing it there changes the key. found is
// whether some member holds the user.
func (c *Chain) secretStamp(ctx context.Context, username string) (string, bool, error) {
	var b []byte
	found := false
	for i, m := range c.members {
		var s string
		var ok bool
		var err error
		if st, isStamper := stamperOf(m); isStamper {
			s, ok, err = st.secretStamp(ctx, username)
		} else if lk, canLookup := passwordHashLookupOf(m); canLookup {
			s, ok, err = lk.LookupPasswordHash(ctx, username)
		} else {
			continue
		}
		if err != nil {
			return "", false, err
		}
		if ok {
			found = true
			b = strconv.AppendInt(b, int64(i), 10)
			b = append(b, ':')
			b = strconv.AppendInt(b, int64(len(s)), 10)
			b = append(b, ':')
			b = append(b, s...)
		}
	}
	return string(b), found, nil
}

// refusedThenFailedError is a Chain's answer when a member refused the
// password and a later one failed (a store down): the login is undecided,
// an internal error to the client, but a Throttle keeps the attempt it
// charged, as for a wrong password.
type refusedThenFailedError struct{ err error }

func (e *refusedThenFailedError) Error() string {
	return "checkers: refused by an earlier chain member, then: " + e.err.Error()
}

func (e *refusedThenFailedError) Unwrap() error { return e.err }
