package realms_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/gocred/gocred/cred"
	"github.com/gocred/gocred/realms"
	"github.com/spf13/afero"
)

var (
	fsType      = reflect.TypeFor[afero.Fs]()
	handlerType = reflect.TypeFor[http.Handler]()
	stringerIf  = reflect.TypeFor[interface{ String() string }]()
	anyIface    = reflect.TypeFor[any]()
)

func TestStaticAnswersOnlyItsInterface(t *testing.T) {
	h := http.NotFoundHandler()
	tests := []struct {
		name      string
		asked     []reflect.Type
		wantErr   bool
		wantIface reflect.Type
	}{
		{"it answers when its interface is the only one asked", []reflect.Type{handlerType}, false, handlerType},
		{"it answers when its interface is asked among others", []reflect.Type{fsType, handlerType}, false, handlerType},
		{"it prefers its own interface to any", []reflect.Type{anyIface, handlerType}, false, handlerType},
		{"it answers a request for any avatar as any", []reflect.Type{anyIface}, false, anyIface},
		{"it refuses when its interface is not asked", []reflect.Type{fsType}, true, nil},
		{"it refuses when nothing is asked", nil, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := realms.NewStaticOf[http.Handler](h)
			iface, avatar, _, err := r.RequestAvatar(context.Background(), cred.UserID("alice"), cred.Mind{}, tt.asked...)
			if tt.wantErr {
				if !errors.Is(err, realms.ErrUnsupportedInterface) {
					t.Fatalf("err = %v, want ErrUnsupportedInterface", err)
				}
				if !strings.Contains(err.Error(), "http.Handler") {
					t.Errorf("error %q does not name what the realm serves", err)
				}
				for _, a := range tt.asked {
					if !strings.Contains(err.Error(), a.String()) {
						t.Errorf("error %q does not name asked %s", err, a)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("RequestAvatar: %v", err)
			}
			if iface != tt.wantIface {
				t.Errorf("iface = %v, want %v", iface, tt.wantIface)
			}
			if _, ok := avatar.(http.Handler); !ok {
				t.Errorf("avatar %T is not an http.Handler", avatar)
			}
		})
	}
}

func TestStaticGivesEveryoneTheSameAvatar(t *testing.T) {
	h := http.NotFoundHandler()
	r := realms.NewStatic(handlerType, h)
	ids := []cred.AvatarID{cred.UserID("alice"), cred.UserID("anonymous"), cred.AnonymousID}
	for _, id := range ids {
		t.Run(id.String()+" gets the shared avatar", func(t *testing.T) {
			_, avatar, _, err := r.RequestAvatar(context.Background(), id, cred.Mind{}, handlerType)
			if err != nil {
				t.Fatalf("RequestAvatar: %v", err)
			}
			if reflect.ValueOf(avatar).Pointer() != reflect.ValueOf(h).Pointer() {
				t.Errorf("avatar is not the configured handler")
			}
		})
	}
}

func TestStaticReturnsItsLogout(t *testing.T) {
	calls := 0
	r := realms.NewStaticOf[http.Handler](http.NotFoundHandler())
	r.Logout = func() { calls++ }
	_, _, logout, err := r.RequestAvatar(context.Background(), cred.UserID("alice"), cred.Mind{}, handlerType)
	if err != nil {
		t.Fatalf("RequestAvatar: %v", err)
	}
	logout()
	if calls != 1 {
		t.Errorf("logout ran %d times, want 1", calls)
	}
}

func TestStaticRefusesABrokenConfiguration(t *testing.T) {
	tests := []struct {
		name  string
		realm *realms.Static
	}{
		{"a static realm without an interface fails", &realms.Static{Avatar: http.NotFoundHandler()}},
		{"a static realm without an avatar fails", &realms.Static{Interface: handlerType}},
		{"an avatar that does not implement the interface fails", realms.NewStatic(fsType, http.NotFoundHandler())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := tt.realm.RequestAvatar(context.Background(), cred.UserID("alice"), cred.Mind{}, handlerType, fsType)
			if err == nil {
				t.Fatal("RequestAvatar succeeded")
			}
			if errors.Is(err, cred.ErrLoginDenied) {
				t.Errorf("a configuration error must not look like a denied login: %v", err)
			}
		})
	}
}

func TestStaticChecksAnAvatarChangedAfterALogin(t *testing.T) {
	r := realms.NewStaticOf[http.Handler](http.NotFoundHandler())
	ctx := context.Background()
	if _, _, _, err := r.RequestAvatar(ctx, cred.UserID("alice"), cred.Mind{}, handlerType); err != nil {
		t.Fatalf("first login: %v", err)
	}
	r.Avatar = "not a handler"
	if _, _, _, err := r.RequestAvatar(ctx, cred.UserID("alice"), cred.Mind{}, handlerType); err == nil || !strings.Contains(err.Error(), "does not implement") {
		t.Fatalf("after the avatar changed to a string: err = %v, want a does-not-implement error", err)
	}
	r.Avatar = http.NotFoundHandler()
	r.Interface = fsType
	if _, _, _, err := r.RequestAvatar(ctx, cred.UserID("alice"), cred.Mind{}, fsType); err == nil || !strings.Contains(err.Error(), "does not implement") {
		t.Fatalf("after the interface changed to afero.Fs: err = %v, want a does-not-implement error", err)
	}
}
