package realms

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync/atomic"

	"github.com/gocred/gocred/cred"
)

// Static is a realm that gives every avatar ID, anonymous included, the same
// avatar. The avatar is shared by all sessions at once, so it must be safe
// for concurrent use (an http.Handler usually is).
type Static struct {
	// Interface is the avatar interface served, e.g.
	// reflect.TypeFor[http.Handler]().
	Interface reflect.Type
	// Avatar implements Interface.
	Avatar any
	// Logout, if not nil, is returned as every session's logout func; the
	// portal calls it once per session.
	Logout func()

	// verified is the last (avatar type, Interface) pair found to fit, so
	// the reflect check runs once, not per login (the fields are exported
	// and may change, so the pair is compared each time).
	verified atomic.Pointer[[2]reflect.Type]
}

// NewStatic returns a realm answering iface with avatar for everyone.
func NewStatic(iface reflect.Type, avatar any) *Static {
	return &Static{Interface: iface, Avatar: avatar}
}

// NewStaticOf returns a realm answering the interface A with a for everyone:
// NewStaticOf[http.Handler](h).
func NewStaticOf[A any](a A) *Static {
	return NewStatic(reflect.TypeFor[A](), a)
}

// RequestAvatar returns the avatar if its interface is among ifaces, or as
// an `any` if that is asked for (httpauth's Wrap asks for any avatar), else
// an *UnsupportedInterfaceError.
func (s *Static) RequestAvatar(ctx context.Context, id cred.AvatarID, mind cred.Mind, ifaces ...reflect.Type) (reflect.Type, any, func(), error) {
	if s.Interface == nil {
		return nil, nil, nil, errors.New("realms: Static has no Interface")
	}
	if s.Avatar == nil {
		return nil, nil, nil, errors.New("realms: Static has no Avatar")
	}
	at := reflect.TypeOf(s.Avatar)
	if v := s.verified.Load(); v == nil || v[0] != at || v[1] != s.Interface {
		if !at.AssignableTo(s.Interface) {
			return nil, nil, nil, fmt.Errorf("realms: Static avatar %T does not implement %s", s.Avatar, s.Interface)
		}
		s.verified.Store(&[2]reflect.Type{at, s.Interface}) // allocated only here, on a change
	}
	if !slices.Contains(ifaces, s.Interface) {
		if slices.Contains(ifaces, anyType) {
			return anyType, s.Avatar, s.Logout, nil
		}
		return nil, nil, nil, &UnsupportedInterfaceError{Realm: "realms.Static", Asked: ifaces, Served: []reflect.Type{s.Interface}}
	}
	return s.Interface, s.Avatar, s.Logout, nil
}

var anyType = reflect.TypeFor[any]()

var _ cred.Realm = (*Static)(nil)
