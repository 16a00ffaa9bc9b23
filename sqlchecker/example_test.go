package sqlchecker_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/cred"
	"github.com/gocred/gocred/sqlchecker"
)

// An embedded SQLite store: create the schema, add a user (as
// examples/creduser does), and check logins through a verification cache.
func Example() {
	dir, err := os.MkdirTemp("", "sqlchecker-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "users.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()

	admin := sqlchecker.NewAdmin(db, sqlchecker.SQLite)
	if err := admin.CreateSchema(ctx); err != nil {
		log.Fatal(err)
	}
	hash, err := checkers.Argon2id{}.Hash("correct horse")
	if err != nil {
		log.Fatal(err)
	}
	if err := admin.AddUser(ctx, "alice", hash); err != nil {
		log.Fatal(err)
	}

	users, err := sqlchecker.New(db, sqlchecker.Options{Dialect: sqlchecker.SQLite})
	if err != nil {
		log.Fatal(err)
	}
	checker, err := checkers.NewCache(users, checkers.CacheOptions{})
	if err != nil {
		log.Fatal(err)
	}
	for _, pw := range []string{"correct horse", "battery staple"} {
		id, err := checker.RequestAvatarID(ctx, cred.NewUsernamePassword("alice", pw), cred.Mind{})
		switch {
		case err == nil:
			fmt.Println("logged in:", id)
		case errors.Is(err, cred.ErrUnauthorizedLogin):
			fmt.Println("refused")
		default:
			fmt.Println("server error")
		}
	}
	// Output:
	// logged in: user "alice"
	// refused
}

// PostgreSQL, shared by several servers: the same checker, with the pgx
// driver and the Postgres dialect.
//
// It needs a PostgreSQL server, so it has no Output: go test compiles it
// but does not run it (the package's tests run the checker against a real
// PostgreSQL).
func Example_postgres() {
	db, err := sql.Open("pgx", os.Getenv("GOCRED_POSTGRES_DSN"))
	if err != nil {
		log.Fatal(err)
	}
	users, err := sqlchecker.New(db, sqlchecker.Options{Dialect: sqlchecker.Postgres})
	if err != nil {
		log.Fatal(err)
	}
	// Find a missing table or a bad query now, not at the first login.
	if err := users.Ping(context.Background()); err != nil {
		log.Fatal(err)
	}
	cached, err := checkers.NewCache(users, checkers.CacheOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cached) // register it with cred.NewPortal
}
