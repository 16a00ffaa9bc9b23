package main

import (
	"context"
	"crypto/subtle"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path"

	"github.com/gocred/gocred/cred"
	"github.com/gocred/gocred/examples/internal/httpserve"
	"github.com/gocred/gocred/httpauth"
	"github.com/gocred/gocred/realms"
)

// users is the password dictionary. Plaintext passwords in the source are
// for a demo only: real programs use checkers.NewHtpasswd or NewMemory.
var users = map[string]string{
	"alice": "wonderland",
	"bob":   "builder",
	"carol": "christmas",
}

// passwordDict is the checker. It declares the one kind of credentials it
// understands, a user name with the password in hand (cred.UsernamePassword),
// and the portal hands it nothing else.
func passwordDict(users map[string]string) cred.Checker {
	check := func(_ context.Context, c cred.Credentials, _ cred.Mind) (cred.AvatarID, error) {
		up, ok := c.(cred.UsernamePassword)
		if !ok {
			return cred.AvatarID{}, cred.ErrUnauthorizedLogin
		}
		want, known := users[up.Username()]
		// Compare in constant time, and refuse an unknown user and a wrong
		// password with the same error: the client cannot tell them apart.
		if subtle.ConstantTimeCompare([]byte(up.Password()), []byte(want)) != 1 || !known {
			return cred.AvatarID{}, cred.ErrUnauthorizedLogin
		}
		return cred.UserID(up.Username()), nil // the avatar ID: who logged in
	}
	c := cred.NewCheckerFunc(check, cred.UsernamePasswordType)
	c.Name = "passwordDict" // names it in the portal's error messages
	return c
}

// page is the resource every logged-in user gets: it echoes the last part
// of the path, as the Twisted example does.
var page = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	id, _ := httpauth.AvatarIDFrom(r.Context())
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "Hello, %s. You asked for %q.\n", id.Name(), path.Base(r.URL.Path))
})

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "`host:port` to listen on")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "basic: unexpected argument %q\n", flag.Arg(0))
		os.Exit(2)
	}
	if err := run(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "basic:", err)
		os.Exit(1)
	}
}

func run(addr string) error {
	// The realm hands every authenticated user the same resource.
	realm := realms.NewStaticOf[http.Handler](page)

	// The portal joins the realm and the checker, and logs every login
	// (user, address, outcome; never a password).
	portal, err := cred.NewPortal(realm, passwordDict(users))
	if err != nil {
		return err
	}
	portal.SetObserver(cred.SlogObserver(slog.Default()))

	// The protocol: Basic credentials from the Authorization header, checked
	// through the portal. The realm's avatar (page) answers the request.
	basic, err := httpauth.NewBasic("example")
	if err != nil {
		return err
	}
	auth, err := httpauth.New(portal, basic)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/example/", auth.Handler())

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String() + "/example/foo"
	fmt.Printf("Serving %s with Basic auth. Try:\n  curl -u alice:wonderland %s\n", url, url)
	return httpserve.UntilSignal(ln, mux)
}
