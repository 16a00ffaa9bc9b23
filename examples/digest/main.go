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

// users is the password dictionary. Digest needs the checker to know each
// plaintext (or an HA1 per realm, as htdigest files store): a demo only.
var users = map[string]string{
	"alice": "wonderland",
	"bob":   "builder",
	"carol": "christmas",
}

// passwordDict is examples/basic's checker: it declares only
// cred.UsernamePassword, a password in hand. Digest never hands one over, so
// behind Digest it is the classic mistake.
func passwordDict(users map[string]string) cred.Checker {
	check := func(_ context.Context, c cred.Credentials, _ cred.Mind) (cred.AvatarID, error) {
		up, ok := c.(cred.UsernamePassword)
		if !ok {
			return cred.AvatarID{}, cred.ErrUnauthorizedLogin
		}
		want, known := users[up.Username()]
		if subtle.ConstantTimeCompare([]byte(up.Password()), []byte(want)) != 1 || !known {
			return cred.AvatarID{}, cred.ErrUnauthorizedLogin
		}
		return cred.UserID(up.Username()), nil
	}
	c := cred.NewCheckerFunc(check, cred.UsernamePasswordType)
	c.Name = "passwordDict, plaintext passwords only" // names it in the portal's error messages
	return c
}

// hashedPasswordDict is the fix, as in the post: it also declares
// cred.UsernameHashedPassword and lets the credentials check the password
// (CheckPassword), so one checker serves a password in hand (Basic) and a
// proof of it (Digest). checkers.NewInsecurePlaintext is the library's
// version of this checker.
func hashedPasswordDict(users map[string]string) cred.Checker {
	check := func(_ context.Context, c cred.Credentials, _ cred.Mind) (cred.AvatarID, error) {
		hp, ok := c.(cred.UsernameHashedPassword) // Basic credentials are one too
		if !ok {
			return cred.AvatarID{}, cred.ErrUnauthorizedLogin
		}
		want, known := users[hp.Username()]
		if !hp.CheckPassword(want) || !known {
			return cred.AvatarID{}, cred.ErrUnauthorizedLogin
		}
		return cred.UserID(hp.Username()), nil
	}
	c := cred.NewCheckerFunc(check, cred.UsernamePasswordType, cred.UsernameHashedPasswordType)
	c.Name = "hashedPasswordDict"
	return c
}

// page is the resource every logged-in user gets: it echoes the last part
// of the path.
var page = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	id, _ := httpauth.AvatarIDFrom(r.Context())
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "Hello, %s. You asked for %q.\n", id.Name(), path.Base(r.URL.Path))
})

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "`host:port` to listen on")
	mistake := flag.Bool("plaintext-only-checker", false,
		"make the classic mistake: register a checker that declares only plaintext passwords (the program then refuses to start)")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "digest: unexpected argument %q\n", flag.Arg(0))
		os.Exit(2)
	}
	if err := run(*addr, *mistake); err != nil {
		fmt.Fprintln(os.Stderr, "digest:", err)
		os.Exit(1)
	}
}

func run(addr string, mistake bool) error {
	checker := hashedPasswordDict(users)
	if mistake {
		checker = passwordDict(users)
	}
	portal, err := cred.NewPortal(realms.NewStaticOf[http.Handler](page), checker)
	if err != nil {
		return err
	}
	portal.SetObserver(cred.SlogObserver(slog.Default()))

	// NewDigest asks the portal whether some checker handles Digest
	// credentials. With the plaintext-only checker none does, and the error
	// names the credential type, what it implements and what is registered.
	digest, err := httpauth.NewDigest(portal, httpauth.DigestOptions{Realm: "example"})
	if err != nil {
		return fmt.Errorf("cannot offer Digest: %w\n"+
			"(a Digest response is a proof, not a password: the checker must declare cred.UsernameHashedPassword, as hashedPasswordDict does)", err)
	}
	basic, err := httpauth.NewBasic("example")
	if err != nil {
		return err
	}
	// Challenges go out in this order; clients pick the strongest they know.
	auth, err := httpauth.New(portal, digest, basic)
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
	fmt.Printf("Serving %s with Digest (%v) and Basic auth. Try:\n  curl --digest -u alice:wonderland %s\n",
		url, digest.Offered(), url)
	return httpserve.UntilSignal(ln, mux)
}
