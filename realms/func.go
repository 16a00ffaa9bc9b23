package realms

import (
	"context"
	"fmt"
	"reflect"
	"slices"

	"github.com/gocred/gocred/cred"
)

// For returns a realm that answers the avatar interface A by calling f, so a
// custom realm needs no reflection: For[http.Handler](func(...) (http.Handler,
// func(), error) {...}). f returns the avatar, a logout func (nil if there
// is nothing to do) and an error; it refuses a known user with
// cred.ErrLoginDenied. A logout returned with an error, or with a nil
// avatar, is run at once. Asked for any (and not A), it answers as for A,
// returning any as the interface. For cred.RealmFunc's full control, use
// that instead.
func For[A any](f func(ctx context.Context, id cred.AvatarID, mind cred.Mind) (A, func(), error)) cred.Realm {
	return typedRealm[A](f)
}

type typedRealm[A any] func(ctx context.Context, id cred.AvatarID, mind cred.Mind) (A, func(), error)

func (f typedRealm[A]) RequestAvatar(ctx context.Context, id cred.AvatarID, mind cred.Mind, ifaces ...reflect.Type) (reflect.Type, any, func(), error) {
	t := reflect.TypeFor[A]()
	answer := t
	if !slices.Contains(ifaces, t) {
		if !slices.Contains(ifaces, anyType) {
			return nil, nil, nil, &UnsupportedInterfaceError{Realm: fmt.Sprintf("realms.For[%s]", t), Asked: ifaces, Served: []reflect.Type{t}}
		}
		answer = anyType
	}
	if f == nil {
		return nil, nil, nil, fmt.Errorf("realms: For[%s] has a nil func", t)
	}
	a, logout, err := f(ctx, id, mind)
	if err != nil {
		if logout != nil { // what f set up is released, as for a nil avatar
			logout()
		}
		return nil, nil, nil, err
	}
	if any(a) == nil {
		if logout != nil {
			logout()
		}
		return nil, nil, nil, fmt.Errorf("realms: For[%s] func returned a nil avatar for %s", t, id)
	}
	return answer, a, logout, nil
}

var _ cred.Realm = typedRealm[any](nil)
