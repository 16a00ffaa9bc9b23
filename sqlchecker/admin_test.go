package sqlchecker_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/gocred/gocred/cred"
	"github.com/gocred/gocred/sqlchecker"
)

// Two admins adding the same name at once: one succeeds, the other gets
// ErrUserExists (not a raw unique-key violation).
func TestAdminConcurrentAddUserOfOneName(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend, db *sql.DB) {
		h, err := testHasher.Hash("pw")
		if err != nil {
			t.Fatal(err)
		}
		admin := sqlchecker.NewAdmin(db, b.dialect)
		for round := range 20 {
			name := fmt.Sprintf("u%d", round)
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i := range errs {
				wg.Go(func() { errs[i] = admin.AddUser(context.Background(), name, h) })
			}
			wg.Wait()
			exists := 0
			for _, err := range errs {
				switch {
				case errors.Is(err, sqlchecker.ErrUserExists):
					exists++
				case err != nil:
					t.Fatalf("round %d: AddUser(%q) raced: %v; want nil or ErrUserExists", round, name, err)
				}
			}
			if exists != 1 {
				t.Fatalf("round %d: %d of 2 AddUser(%q) got ErrUserExists, want 1", round, exists, name)
			}
		}
	})
}

// Admins adding different users at once on SQLite, with busy_timeout set
// as the package doc opens it, in both journal modes: each waits its turn.
func TestAdminConcurrentAddUsersOnSQLite(t *testing.T) {
	for _, mode := range []string{"", "&_pragma=journal_mode(WAL)"} {
		t.Run("journal mode "+mode, func(t *testing.T) {
			db, err := sql.Open("sqlite", "file:"+t.TempDir()+"/users.db?_pragma=busy_timeout(5000)"+mode)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			admin := sqlchecker.NewAdmin(db, sqlchecker.SQLite)
			if err := admin.CreateSchema(context.Background()); err != nil {
				t.Fatal(err)
			}
			h, err := testHasher.Hash("pw")
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			var failures []error
			for i := range 8 {
				wg.Go(func() {
					for j := range 10 {
						if err := admin.AddUser(context.Background(), fmt.Sprintf("u%d-%d", i, j), h); err != nil {
							mu.Lock()
							failures = append(failures, err)
							mu.Unlock()
						}
					}
				})
			}
			wg.Wait()
			if len(failures) > 0 {
				t.Fatalf("%d of 80 AddUser calls failed; first: %v", len(failures), failures[0])
			}
			users, err := admin.Users(context.Background())
			if err != nil || len(users) != 80 {
				t.Fatalf("Users: %d users, %v; want 80", len(users), err)
			}
		})
	}
}

// A name or realm that PostgreSQL cannot store (and the checker would
// refuse) is refused by Admin there, naming the problem; SQLite stores and
// matches any bytes, so there such a user is added and logs in.
func TestAdminNamesPostgreSQLCannotStore(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend, db *sql.DB) {
		admin := sqlchecker.NewAdmin(db, b.dialect)
		h, err := testHasher.Hash("pw")
		if err != nil {
			t.Fatal(err)
		}
		ha1, err := sqlchecker.NewHA1("bob", "fi\x00les", "SHA-256", "pw")
		if err != nil {
			t.Fatal(err)
		}
		c := newChecker(t, db, sqlchecker.Options{Dialect: b.dialect})
		for _, name := range []string{"ren\xe9", "r\xe9n\xe9e"} {
			err := admin.AddUser(context.Background(), name, h)
			if b.dialect == sqlchecker.Postgres {
				if err == nil || !strings.Contains(err.Error(), "PostgreSQL needs") {
					t.Errorf("AddUser(%q): %v, want it refused, saying why", name, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("AddUser(%q) on SQLite: %v", name, err)
			}
			if _, err := c.RequestAvatarID(context.Background(), cred.NewUsernamePassword(name, "pw"), cred.Mind{}); err != nil {
				t.Errorf("login of %q on SQLite: %v", name, err)
			}
			if err := admin.SetPassword(context.Background(), name, h); err != nil {
				t.Errorf("SetPassword(%q) on SQLite: %v", name, err)
			}
		}
		err = admin.AddUser(context.Background(), "bob", h, ha1)
		if (b.dialect == sqlchecker.Postgres) != (err != nil) {
			t.Errorf("AddUser with a realm holding NUL: %v", err)
		}
	})
}

// A users table of one's own, made before CreateSchema (which keeps it),
// whose names are unique by another key than a plain one on username.
func TestAdminAddUserOnATableOfOnesOwn(t *testing.T) {
	db := openSQLite(t)
	ctx := context.Background()
	for _, s := range []string{
		`DROP TABLE gocred_digest_ha1`,
		`DROP TABLE gocred_users`,
		`CREATE TABLE gocred_users (id INTEGER PRIMARY KEY, username TEXT NOT NULL, password_hash TEXT NOT NULL, disabled BOOLEAN NOT NULL DEFAULT FALSE)`,
		`CREATE UNIQUE INDEX gocred_users_name ON gocred_users (lower(username))`,
	} {
		if _, err := db.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	admin := sqlchecker.NewAdmin(db, sqlchecker.SQLite)
	if err := admin.CreateSchema(ctx); err != nil {
		t.Fatal(err)
	}
	h, err := testHasher.Hash("pw")
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.AddUser(ctx, "alice", h); err != nil {
		t.Fatalf("AddUser of a new name: %v", err)
	}
	if err := admin.AddUser(ctx, "alice", h); !errors.Is(err, sqlchecker.ErrUserExists) {
		t.Fatalf("AddUser of a name taken: %v, want ErrUserExists", err)
	}
	if err := admin.AddUser(ctx, "ALICE", h); err == nil || !strings.Contains(err.Error(), "another unique key") {
		t.Fatalf("AddUser of a name the table's own key refuses: %v, want the clash named", err)
	}
}

// A name HTTP Basic cannot carry (a colon), or one that looks like another
// or forges a listing line (spaces around it, control characters), is
// refused by AddUser, on every database.
func TestAdminRefusesNamesThatCannotLogInOrMislead(t *testing.T) {
	admin := sqlchecker.NewAdmin(openSQLite(t), sqlchecker.SQLite)
	h, err := testHasher.Hash("pw")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"gus:x", " alice", "alice ", "evil\nroot (disabled)", "al\x00ice", "tab\tname"} {
		if err := admin.AddUser(context.Background(), name, h); err == nil || !strings.Contains(err.Error(), "colon, a control character") {
			t.Errorf("AddUser(%q): %v, want it refused, saying why", name, err)
		}
	}
	for _, name := range []string{"alice", "jürgen", "o'brien", "a b"} {
		if err := admin.AddUser(context.Background(), name, h); err != nil {
			t.Errorf("AddUser(%q): %v", name, err)
		}
	}
}

func TestAdminUser(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend, db *sql.DB) {
		addUser(t, db, b.dialect, "alice", "pw", "files", cred.AlgorithmSHA256, cred.AlgorithmMD5)
		admin := sqlchecker.NewAdmin(db, b.dialect)
		if err := admin.SetDisabled(context.Background(), "alice", true); err != nil {
			t.Fatal(err)
		}
		u, found, err := admin.User(context.Background(), "alice")
		if err != nil || !found || u.Name != "alice" || !u.Disabled || len(u.Digest) != 2 ||
			u.Digest[0].Realm != "files" || u.Digest[0].Algorithm != cred.AlgorithmMD5 || u.Digest[1].Algorithm != cred.AlgorithmSHA256 || u.Digest[0].Hex() != "" {
			t.Fatalf("User(alice) = %+v, %v, %v", u, found, err)
		}
		if u, found, err := admin.User(context.Background(), "nobody"); err != nil || found {
			t.Fatalf("User(nobody) = %+v, %v, %v; want not found", u, found, err)
		}
	})
}

// A table of one's own whose id sequence is behind its rows (after an
// import): the insert clashes on the id, not the name, and AddUser must
// say so rather than claim the name is taken.
func TestAdminAddUserClashOnAnotherKeyIsNotUserExists(t *testing.T) {
	db := openPostgres(t)
	ctx := context.Background()
	for _, s := range []string{
		`DROP TABLE gocred_digest_ha1`,
		`DROP TABLE gocred_users`,
		`CREATE TABLE gocred_users (id SERIAL PRIMARY KEY, username TEXT NOT NULL UNIQUE, password_hash TEXT, disabled BOOLEAN NOT NULL DEFAULT FALSE)`,
		`INSERT INTO gocred_users (id, username, password_hash) VALUES (1, 'imported', NULL)`,
	} {
		if _, err := db.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	admin := sqlchecker.NewAdmin(db, sqlchecker.Postgres)
	if err := admin.CreateSchema(ctx); err != nil {
		t.Fatal(err)
	}
	h, err := testHasher.Hash("pw")
	if err != nil {
		t.Fatal(err)
	}
	err = admin.AddUser(ctx, "bob", h)
	if err == nil || errors.Is(err, sqlchecker.ErrUserExists) || !strings.Contains(err.Error(), "another unique key") {
		t.Fatalf("AddUser(bob) = %v; want an error naming the clash on another key", err)
	}
	if err := admin.AddUser(ctx, "imported", h); !errors.Is(err, sqlchecker.ErrUserExists) {
		t.Fatalf("AddUser(imported) = %v; want ErrUserExists", err)
	}
}
