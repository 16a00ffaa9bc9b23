package realms_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"testing"

	"github.com/spf13/afero"

	"github.com/gocred/gocred/cred"
	"github.com/gocred/gocred/realms"
)

func TestForAnswersItsTypeParameter(t *testing.T) {
	denied := func(context.Context, cred.AvatarID, cred.Mind) (http.Handler, func(), error) {
		return nil, nil, cred.ErrLoginDenied
	}
	granted := func(context.Context, cred.AvatarID, cred.Mind) (http.Handler, func(), error) {
		return http.NotFoundHandler(), nil, nil
	}
	nilAvatar := func(context.Context, cred.AvatarID, cred.Mind) (http.Handler, func(), error) {
		return nil, nil, nil
	}
	tests := []struct {
		name    string
		f       func(context.Context, cred.AvatarID, cred.Mind) (http.Handler, func(), error)
		asked   []reflect.Type
		wantErr error // nil: success; errAny: some error
	}{
		{"it answers when its type is asked", granted, []reflect.Type{fsType, handlerType}, nil},
		{"it refuses when its type is not asked", granted, []reflect.Type{fsType}, realms.ErrUnsupportedInterface},
		{"it passes on the func's refusal", denied, []reflect.Type{handlerType}, cred.ErrLoginDenied},
		{"it fails when the func returns a nil avatar", nilAvatar, []reflect.Type{handlerType}, errAny},
		{"it fails when the func is nil", nil, []reflect.Type{handlerType}, errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := realms.For(tt.f)
			iface, avatar, _, err := r.RequestAvatar(context.Background(), cred.UserID("alice"), cred.Mind{}, tt.asked...)
			switch {
			case tt.wantErr == nil:
				if err != nil {
					t.Fatalf("RequestAvatar: %v", err)
				}
				if iface != handlerType {
					t.Errorf("iface = %v, want http.Handler", iface)
				}
				if _, ok := avatar.(http.Handler); !ok {
					t.Errorf("avatar %T is not an http.Handler", avatar)
				}
			case tt.wantErr == errAny:
				if err == nil {
					t.Fatal("RequestAvatar succeeded")
				}
			default:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
			}
		})
	}
}

func TestForCallsTheLogoutOfARejectedNilAvatar(t *testing.T) {
	loggedOut := false
	r := realms.For(func(context.Context, cred.AvatarID, cred.Mind) (http.Handler, func(), error) {
		return nil, func() { loggedOut = true }, nil
	})
	if _, _, _, err := r.RequestAvatar(context.Background(), cred.UserID("alice"), cred.Mind{}, handlerType); err == nil {
		t.Fatal("RequestAvatar succeeded with a nil avatar")
	}
	if !loggedOut {
		t.Error("the session's logout was not run")
	}
}

func TestForCallsTheLogoutOfARefusal(t *testing.T) {
	loggedOut := false
	r := realms.For(func(context.Context, cred.AvatarID, cred.Mind) (http.Handler, func(), error) {
		return nil, func() { loggedOut = true }, cred.ErrLoginDenied
	})
	if _, _, _, err := r.RequestAvatar(context.Background(), cred.UserID("alice"), cred.Mind{}, handlerType); !errors.Is(err, cred.ErrLoginDenied) {
		t.Fatalf("err = %v, want the refusal", err)
	}
	if !loggedOut {
		t.Error("the logout of what f set up before refusing was not run")
	}
}

// errAny marks a table row that expects some error, whichever.
var errAny = errors.New("any error")

// Asked for any (httpauth's Wrap asks so: it wants only the login), every
// realm answers with its usual avatar, and any as the interface.
func TestRealmsAnswerAny(t *testing.T) {
	anyType := reflect.TypeFor[any]()
	handler := http.NewServeMux() // comparable
	for _, tc := range []struct {
		name  string
		realm cred.Realm
		check func(avatar any) bool
	}{
		{"Directory answers its afero.Fs", newDirectory(t, usersTree(t), realms.DirectoryOptions{Root: "/srv", PerUser: true}),
			func(a any) bool { _, ok := a.(afero.Fs); return ok }},
		{"For answers its type parameter", realms.For(func(context.Context, cred.AvatarID, cred.Mind) (http.Handler, func(), error) {
			return handler, nil, nil
		}), func(a any) bool { return a == any(handler) }},
		{"Static answers its avatar", realms.NewStaticOf[http.Handler](handler), func(a any) bool { return a == any(handler) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			iface, avatar, _, err := tc.realm.RequestAvatar(context.Background(), cred.UserID("a"), cred.Mind{}, reflect.TypeFor[fmt.Stringer](), anyType)
			if err != nil {
				t.Fatalf("RequestAvatar(Stringer, any): %v", err)
			}
			if iface != anyType || !tc.check(avatar) {
				t.Fatalf("RequestAvatar(Stringer, any) = %v, %T; want any and the realm's usual avatar", iface, avatar)
			}
		})
	}
}
