package checkers_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	auth "github.com/abbot/go-http-auth"
	"github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/cred"
)

// A plaintext store, for tests and demos.
func ExampleNewInsecurePlaintext() {
	users := checkers.NewInsecurePlaintext(map[string]string{"alice": "wonderland"})
	ctx := context.Background()
	mind := cred.Mind{Protocol: "http"}

	id, err := users.RequestAvatarID(ctx, cred.NewUsernamePassword("alice", "wonderland"), mind)
	fmt.Println(id, err)
	_, err = users.RequestAvatarID(ctx, cred.NewUsernamePassword("alice", "guess"), mind)
	fmt.Println(errors.Is(err, cred.ErrUnauthorizedLogin))
	// Output:
	// user "alice" <nil>
	// true
}

// An in-memory store of hashed passwords.
func ExampleNewMemory() {
	users := checkers.NewMemory(checkers.Bcrypt{Cost: 10})
	if err := users.Add("alice", "wonderland"); err != nil {
		panic(err)
	}
	// A hash from elsewhere, of the store's kind and cost (here:
	// htpasswd -nbB -C 10 bob password): a weaker or cheaper one would make
	// bob's wrong passwords answer faster than an unknown user's.
	if err := users.SetHash("bob", "$2y$10$V3zxIBy10SC.QG4.rb.Rs.0bKQjNTwoPGHvlnUUq5fme5wo4ML0Nm"); err != nil {
		panic(err)
	}
	ctx := context.Background()
	for _, c := range []*cred.PasswordCredentials{
		cred.NewUsernamePassword("alice", "wonderland"),
		cred.NewUsernamePassword("bob", "password"),
		cred.NewUsernamePassword("carol", "password"),
	} {
		id, err := users.RequestAvatarID(ctx, c, cred.Mind{Protocol: "ftp"})
		fmt.Println(c.User, id, err)
	}
	// Output:
	// alice user "alice" <nil>
	// bob user "bob" <nil>
	// carol <none> cred: unauthorized login
}

// An Apache htpasswd file, reloaded when it changes. A server registers it
// with its portal: cred.NewPortal(realm, users).
func ExampleNewHtpasswd() {
	// testdata/users.htpasswd was written by Apache's htpasswd, one user
	// per format; user "apr1" has the password "apr1-secret".
	users, err := checkers.NewHtpasswd("testdata/users.htpasswd")
	if err != nil {
		panic(err) // names file and line for a malformed file
	}
	fmt.Println(users, users.Len())

	id, err := users.RequestAvatarID(context.Background(), cred.NewUsernamePassword("apr1", "apr1-secret"), cred.Mind{})
	fmt.Println(id, err)
	// Output:
	// htpasswd testdata/users.htpasswd 7
	// user "apr1" <nil>
}

// An Apache htdigest file serves Digest and Basic logins for one realm.
func ExampleNewHtdigest() {
	dir, _ := os.MkdirTemp("", "htdigest")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "users.htdigest")
	// As htdigest writes it: user:realm:MD5(user:realm:password).
	os.WriteFile(path, []byte("alice:gocred:013ab420192868c851a647e590d13ae5\n"), 0o600)

	users, err := checkers.NewHtdigest(path, "gocred", checkers.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		panic(err)
	}
	fmt.Println(users.DigestAlgorithms("gocred"))
	id, err := users.RequestAvatarID(context.Background(), cred.NewUsernamePassword("alice", "alice-secret"), cred.Mind{})
	fmt.Println(id, err)
	// Output:
	// [MD5]
	// user "alice" <nil>
}

// Verifying a password against a hash from a user database.
func ExampleVerifyPassword() {
	ok, err := checkers.VerifyPassword("$apr1$saltsalt$yAAkm4libquA.ZWLHbSBq/", "password")
	fmt.Println(ok, err)
	_, err = checkers.VerifyPassword("plaintext", "plaintext")
	fmt.Println(errors.Is(err, checkers.ErrUnsupportedHash))
	// Output:
	// true <nil>
	// true
}

// A go-http-auth secret provider as a gocred checker.
func ExampleFromBasicSecretProvider() {
	users := checkers.FromBasicSecretProvider(auth.HtpasswdFileProvider("testdata/users.htpasswd"), "gocred")
	id, err := users.RequestAvatarID(context.Background(), cred.NewUsernamePassword("sha512", "sha512-secret"), cred.Mind{})
	fmt.Println(id, err)
	// Output:
	// user "sha512" <nil>
}
