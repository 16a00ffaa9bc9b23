package ftpauth_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/textproto"
	"time"

	ftpserver "github.com/fclairamb/ftpserverlib"
	"github.com/jlaffaye/ftp"
	"github.com/spf13/afero"

	"github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/cred"
	"github.com/gocred/gocred/ftpauth"
	"github.com/gocred/gocred/realms"
)

// newPortal returns a portal over an in-memory tree holding hello.txt, with
// one user and anonymous logins.
func newPortal() *cred.Portal {
	files := afero.NewMemMapFs()
	if err := afero.WriteFile(files, "/hello.txt", []byte("hello over FTP\n"), 0o644); err != nil {
		log.Fatal(err)
	}
	realm, err := realms.NewDirectory(files, realms.DirectoryOptions{Anonymous: realms.AnonymousReadOnly})
	if err != nil {
		log.Fatal(err)
	}
	portal, err := cred.NewPortal(realm,
		checkers.NewInsecurePlaintext(map[string]string{"alice": "secret"}),
		checkers.NewAnonymous())
	if err != nil {
		log.Fatal(err)
	}
	return portal
}

// fetch logs in and returns a file's content.
func fetch(addr, user, pass, name string) string {
	c, err := ftp.Dial(addr, ftp.DialWithTimeout(5*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Quit()
	if err := c.Login(user, pass); err != nil {
		var reply *textproto.Error
		if errors.As(err, &reply) {
			return fmt.Sprintf("login refused: %d %s", reply.Code, reply.Msg)
		}
		log.Fatal(err)
	}
	r, err := c.Retr(name)
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		log.Fatal(err)
	}
	return string(b)
}

func ExampleNewServer() {
	srv, err := ftpauth.NewServer(newPortal(), ftpauth.Options{
		Anonymous: true,
		Logger:    slog.New(slog.DiscardHandler),
	})
	if err != nil {
		log.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(l)

	fmt.Print(fetch(l.Addr().String(), "alice", "secret", "hello.txt"))
	fmt.Print(fetch(l.Addr().String(), "anonymous", "guest@example.org", "hello.txt"))
	fmt.Println(fetch(l.Addr().String(), "alice", "wrong", "hello.txt"))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		log.Fatal(err)
	}
	// Output:
	// hello over FTP
	// hello over FTP
	// login refused: 530 Login incorrect.
}

// A Driver can also be handed to ftpserverlib directly.
func ExampleNewDriver() {
	driver, err := ftpauth.NewDriver(newPortal(), ftpauth.Options{
		Addr:   "127.0.0.1:0",
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		log.Fatal(err)
	}
	server := ftpserver.NewFtpServer(driver)
	if err := server.Listen(); err != nil { // asks the driver for its settings and listener
		log.Fatal(err)
	}
	go server.Serve()

	fmt.Print(fetch(driver.Addr().String(), "alice", "secret", "hello.txt"))

	_ = server.Stop() // closes the listener only
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := driver.Shutdown(ctx); err != nil { // closes the sessions
		log.Fatal(err)
	}
	// Output:
	// hello over FTP
}

// NewDriver refuses a portal that cannot check FTP's credentials, naming
// what it has instead.
func ExampleNewDriver_misconfigured() {
	realm := realms.NewStaticOf[afero.Fs](afero.NewMemMapFs())
	portal, err := cred.NewPortal(realm, checkers.NewAnonymous())
	if err != nil {
		log.Fatal(err)
	}
	_, err = ftpauth.NewDriver(portal, ftpauth.Options{})
	fmt.Println(err)
	// Output:
	// ftpauth: the portal cannot check FTP passwords: cred: no checker handles *cred.PasswordCredentials (implements cred.UsernamePassword, cred.UsernameHashedPassword); registered: cred.Anonymous (anonymous)
}
