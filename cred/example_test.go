package cred_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"

	"github.com/gocred/gocred/cred"
)

// A checker of plaintext passwords, a realm that hands every user a greeting
// handler, and a portal between them.
func Example() {
	users := map[string]string{"alice": "wonderland"}
	checker := cred.NewCheckerFunc(func(ctx context.Context, c cred.Credentials, m cred.Mind) (cred.AvatarID, error) {
		up := c.(cred.UsernamePassword)
		if pw, ok := users[up.Username()]; ok && up.CheckPassword(pw) {
			return cred.UserID(up.Username()), nil
		}
		return cred.AvatarID{}, cred.ErrUnauthorizedLogin
	}, cred.UsernamePasswordType)

	realm := cred.RealmFunc(func(ctx context.Context, id cred.AvatarID, m cred.Mind, ifaces ...reflect.Type) (reflect.Type, any, func(), error) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintf(w, "hello, %s", id.Name()) })
		return reflect.TypeFor[http.Handler](), h, nil, nil
	})

	portal, err := cred.NewPortal(realm, checker)
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	mind := cred.Mind{Protocol: "http"}

	h, session, err := cred.Login[http.Handler](ctx, portal, cred.NewUsernamePassword("alice", "wonderland"), mind)
	if err != nil {
		panic(err)
	}
	defer session.Logout()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Println(session.ID, "->", rec.Body.String())

	_, _, err = cred.Login[http.Handler](ctx, portal, cred.NewUsernamePassword("alice", "guess"), mind)
	fmt.Println(errors.Is(err, cred.ErrUnauthorizedLogin))
	// Output:
	// user "alice" -> hello, alice
	// true
}

// A protocol asks at construction whether the portal can handle the
// credentials it produces, so a misconfiguration fails at startup.
func ExamplePortal_CheckCredentialType() {
	plainOnly := cred.NewCheckerFunc(func(context.Context, cred.Credentials, cred.Mind) (cred.AvatarID, error) {
		return cred.AvatarID{}, cred.ErrUnauthorizedLogin
	}, cred.UsernamePasswordType)
	plainOnly.Name = "users.htpasswd"
	portal, _ := cred.NewPortal(cred.RealmFunc(nil), plainOnly)

	err := portal.CheckCredentialType(reflect.TypeFor[cred.AnonymousCredentials]())
	fmt.Println(err)
	// Output:
	// cred: no checker handles cred.AnonymousCredentials (implements cred.Anonymous); registered: cred.UsernamePassword (users.htpasswd)
}
