package sqlchecker_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
	_ "modernc.org/sqlite"             // the "sqlite" driver

	"github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/sqlchecker"
)

// testHasher is cheap, so tests spend their time on behaviour, not hashing.
var testHasher = checkers.Argon2id{MemoryKiB: 64, Time: 1}

// backend is one database the same tests run against.
type backend struct {
	name    string
	dialect sqlchecker.Dialect
	// open returns a fresh, empty database with the schema created.
	open func(t testing.TB) *sql.DB
}

// needServer skips a test that needs an outside server, loudly, when run
// outside CI without it, and fails it in CI, where .ci/services.sh must
// have provided it.
func needServer(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("CI: %s is not available; .ci/run must `source .ci/services.sh` and install redis-server and postgresql", what)
	}
	t.Skipf("SKIPPING: %s is not available. Run `source .ci/services.sh` first (it starts redis-server and PostgreSQL and exports GOCRED_REDIS_ADDR and GOCRED_POSTGRES_DSN).", what)
}

// backends returns SQLite, always, and PostgreSQL when GOCRED_POSTGRES_DSN
// names a server (a subtest skips or fails for it otherwise, see
// needServer).
func backends() []backend {
	return []backend{
		{name: "SQLite", dialect: sqlchecker.SQLite, open: openSQLite},
		{name: "PostgreSQL", dialect: sqlchecker.Postgres, open: openPostgres},
	}
}

// forEachBackend runs f once per database, as a subtest named after it.
func forEachBackend(t *testing.T, f func(t *testing.T, b backend, db *sql.DB)) {
	for _, b := range backends() {
		t.Run("on "+b.name, func(t *testing.T) {
			db := b.open(t)
			f(t, b, db)
		})
	}
}

func openSQLite(t testing.TB) *sql.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "users.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := sqlchecker.CreateSchema(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return db
}

func openPostgres(t testing.TB) *sql.DB {
	t.Helper()
	dsn := os.Getenv("GOCRED_POSTGRES_DSN")
	if dsn == "" {
		needServer(t, "PostgreSQL (GOCRED_POSTGRES_DSN is unset)")
	}
	return freshPostgresDB(t, dsn)
}

// freshPostgresDB creates a database of its own on the server dsn points
// at, so tests do not see each other's users, and drops it at the end.
func freshPostgresDB(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	ctx := context.Background()
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	name := "gocred_test_" + strings.ToLower(rand.Text()[:12])
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("creating a test database on %s: %v", redactDSN(dsn), err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("GOCRED_POSTGRES_DSN must be a postgres:// URL: %v", err)
	}
	u.Path = "/" + name
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("dropping %s: %v", name, err)
		}
	})
	if err := sqlchecker.CreateSchema(ctx, db); err != nil {
		t.Fatal(err)
	}
	return db
}

func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "<dsn>"
	}
	return u.Redacted()
}

// addUser stores a user through Admin, with HA1s for the given realm and
// algorithms.
func addUser(t testing.TB, db *sql.DB, d sqlchecker.Dialect, name, password, realm string, algs ...string) {
	t.Helper()
	h, err := testHasher.Hash(password)
	if err != nil {
		t.Fatal(err)
	}
	var ha1s []sqlchecker.HA1
	for _, a := range algs {
		ha1, err := sqlchecker.NewHA1(name, realm, a, password)
		if err != nil {
			t.Fatal(err)
		}
		ha1s = append(ha1s, ha1)
	}
	if err := sqlchecker.NewAdmin(db, d).AddUser(context.Background(), name, h, ha1s...); err != nil {
		t.Fatal(err)
	}
}

func newChecker(t testing.TB, db *sql.DB, opts sqlchecker.Options) *sqlchecker.Checker {
	t.Helper()
	if opts.Hasher == nil {
		opts.Hasher = testHasher
	}
	c, err := sqlchecker.New(db, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// digestCreds is a cred.UsernameDigestHash whose client knows password:
// CheckHash accepts exactly the HA1 of that password.
type digestCreds struct{ user, realm, alg, password string }

func (d digestCreds) Username() string  { return d.user }
func (d digestCreds) Realm() string     { return d.realm }
func (d digestCreds) Algorithm() string { return d.alg }
func (d digestCreds) CheckHash(ha1 string) bool {
	want, err := sqlchecker.NewHA1(d.user, d.realm, d.alg, d.password)
	return err == nil && want.Hex() == ha1
}
func (d digestCreds) String() string { return fmt.Sprintf("digest %s/%s", d.user, d.alg) }
