package cred

import (
	"context"
	"reflect"
)

// Realm turns an authenticated avatar ID into an avatar: the object a
// protocol serves the user with (an http.Handler, an afero.Fs, ...).
//
// RequestAvatar returns one of the interfaces it was asked for, the avatar
// (which implements it) and a logout func the protocol calls exactly once
// when the session ends (nil if there is nothing to do). A realm refuses a
// known user with ErrLoginDenied. It must not modify ifaces, which callers
// may share between logins (as io.Writer's Write must not modify p).
//
// Asked for interface any (reflect.TypeFor[any]()) and none it serves, a
// realm answers with its usual avatar (the first interface it serves),
// returning any as the interface: a protocol that wants only the login
// (httpauth's Wrap) then works with every realm.
type Realm interface {
	// RequestAvatar returns the avatar for id, as one of ifaces (see above).
	RequestAvatar(ctx context.Context, id AvatarID, mind Mind, ifaces ...reflect.Type) (iface reflect.Type, avatar any, logout func(), err error)
}

// RealmFunc adapts a function into a Realm.
type RealmFunc func(ctx context.Context, id AvatarID, mind Mind, ifaces ...reflect.Type) (reflect.Type, any, func(), error)

// RequestAvatar calls f.
func (f RealmFunc) RequestAvatar(ctx context.Context, id AvatarID, mind Mind, ifaces ...reflect.Type) (reflect.Type, any, func(), error) {
	return f(ctx, id, mind, ifaces...)
}

var _ Realm = RealmFunc(nil)
