package sqlchecker_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/cred"
	"github.com/gocred/gocred/sqlchecker"
)

// outcome names what a login came to, for tables.
type outcome int

const (
	accepted outcome = iota
	refused          // cred.ErrUnauthorizedLogin
	denied           // cred.ErrLoginDenied
	internal         // neither: a server error
)

func (o outcome) String() string {
	return [...]string{"accepted", "refused (wrong credentials)", "denied", "an internal error"}[o]
}

func outcomeOf(err error) outcome {
	switch {
	case err == nil:
		return accepted
	case errors.Is(err, cred.ErrUnauthorizedLogin):
		return refused
	case errors.Is(err, cred.ErrLoginDenied):
		return denied
	}
	return internal
}

func TestPasswordLogins(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend, db *sql.DB) {
		ctx := context.Background()
		addUser(t, db, b.dialect, "alice", "alice-pw", "")
		addUser(t, db, b.dialect, "mallory", "mallory-pw", "")
		bc, err := checkers.Bcrypt{Cost: 4}.Hash("bob-pw")
		if err != nil {
			t.Fatal(err)
		}
		admin := sqlchecker.NewAdmin(db, b.dialect)
		if err := admin.AddUser(ctx, "bob", bc); err != nil {
			t.Fatal(err)
		}
		if err := admin.SetDisabled(ctx, "mallory", true); err != nil {
			t.Fatal(err)
		}
		// A hash no verifier understands, written behind Admin's back.
		if _, err := db.ExecContext(ctx, b.dialect.Rebind(`INSERT INTO gocred_users (username, password_hash, disabled) VALUES (?, ?, ?)`), "broken", "not-a-hash", false); err != nil {
			t.Fatal(err)
		}
		c := newChecker(t, db, sqlchecker.Options{Dialect: b.dialect})
		tests := []struct {
			name, user, password string
			want                 outcome
		}{
			{"the right argon2id password is accepted", "alice", "alice-pw", accepted},
			{"a bcrypt hash works as well", "bob", "bob-pw", accepted},
			{"a wrong password is refused", "alice", "wrong", refused},
			{"an unknown user is refused like a wrong password", "nobody", "alice-pw", refused},
			{"user names are case-sensitive", "Alice", "alice-pw", refused},
			{"an empty user name is refused", "", "x", refused},
			{"a disabled user with the right password is denied", "mallory", "mallory-pw", denied},
			{"a disabled user with a wrong password is refused, so disabled accounts cannot be told apart", "mallory", "wrong", refused},
			{"a stored hash that cannot be verified is an internal error, not a wrong password", "broken", "x", internal},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				id, err := c.RequestAvatarID(ctx, cred.NewUsernamePassword(tt.user, tt.password), cred.Mind{})
				if got := outcomeOf(err); got != tt.want {
					t.Fatalf("login of %q: %v (%v), want %v", tt.user, got, err, tt.want)
				}
				if tt.want == accepted && id != cred.UserID(tt.user) {
					t.Fatalf("id = %v, want user %q", id, tt.user)
				}
				if err != nil && strings.Contains(err.Error(), tt.password) && tt.password != "x" {
					t.Fatalf("error %q reveals the password", err)
				}
			})
		}
	})
}

func TestDigestLogins(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend, db *sql.DB) {
		ctx := context.Background()
		addUser(t, db, b.dialect, "alice", "alice-pw", "files", cred.AlgorithmSHA256, cred.AlgorithmMD5)
		addUser(t, db, b.dialect, "carol", "carol-pw", "")
		addUser(t, db, b.dialect, "mallory", "mallory-pw", "files", cred.AlgorithmSHA256)
		if err := sqlchecker.NewAdmin(db, b.dialect).SetDisabled(ctx, "mallory", true); err != nil {
			t.Fatal(err)
		}
		c := newChecker(t, db, sqlchecker.Options{Dialect: b.dialect})
		tests := []struct {
			name  string
			creds digestCreds
			want  outcome
		}{
			{"a response from the right password is accepted", digestCreds{"alice", "files", cred.AlgorithmSHA256, "alice-pw"}, accepted},
			{"each stored algorithm works", digestCreds{"alice", "files", cred.AlgorithmMD5, "alice-pw"}, accepted},
			{"a response from a wrong password is refused", digestCreds{"alice", "files", cred.AlgorithmSHA256, "wrong"}, refused},
			{"an algorithm without a stored HA1 is refused", digestCreds{"alice", "files", cred.AlgorithmSHA512_256, "alice-pw"}, refused},
			{"another realm is refused", digestCreds{"alice", "other", cred.AlgorithmSHA256, "alice-pw"}, refused},
			{"a user without HA1s is refused", digestCreds{"carol", "files", cred.AlgorithmSHA256, "carol-pw"}, refused},
			{"an unknown user is refused", digestCreds{"nobody", "files", cred.AlgorithmSHA256, "x"}, refused},
			{"a disabled user with the right password is denied", digestCreds{"mallory", "files", cred.AlgorithmSHA256, "mallory-pw"}, denied},
			{"a disabled user with a wrong password is refused", digestCreds{"mallory", "files", cred.AlgorithmSHA256, "wrong"}, refused},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				id, err := c.RequestAvatarID(ctx, tt.creds, cred.Mind{})
				if got := outcomeOf(err); got != tt.want {
					t.Fatalf("%v: %v (%v), want %v", tt.creds, got, err, tt.want)
				}
				if tt.want == accepted && id != cred.UserID(tt.creds.user) {
					t.Fatalf("id = %v", id)
				}
			})
		}
		t.Run("the algorithms offered for a realm are those stored in it", func(t *testing.T) {
			got := c.DigestAlgorithms("files")
			slices.Sort(got)
			if want := []string{cred.AlgorithmMD5, cred.AlgorithmSHA256}; !slices.Equal(got, want) {
				t.Fatalf("DigestAlgorithms(files) = %v, want %v", got, want)
			}
			if got := c.DigestAlgorithms("empty"); len(got) != 0 {
				t.Fatalf("DigestAlgorithms(empty) = %v, want none", got)
			}
		})
		t.Run("fixed algorithms replace the query", func(t *testing.T) {
			c := newChecker(t, db, sqlchecker.Options{Dialect: b.dialect, DigestAlgorithms: []string{"sha-512-256"}})
			if got := c.DigestAlgorithms("anything"); !slices.Equal(got, []string{cred.AlgorithmSHA512_256}) {
				t.Fatalf("DigestAlgorithms = %v", got)
			}
		})
		t.Run("a password-only checker declares no Digest interface", func(t *testing.T) {
			c := newChecker(t, db, sqlchecker.Options{Dialect: b.dialect, PasswordOnly: true})
			if got := c.CredentialInterfaces(); !slices.Equal(got, []reflect.Type{cred.UsernamePasswordType}) {
				t.Fatalf("CredentialInterfaces = %v", got)
			}
		})
	})
}

func TestDatabaseErrorsAreNeverWrongPasswords(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend, db *sql.DB) {
		addUser(t, db, b.dialect, "alice", "alice-pw", "files", cred.AlgorithmSHA256)
		pw := cred.NewUsernamePassword("alice", "alice-pw")
		dg := digestCreds{"alice", "files", cred.AlgorithmSHA256, "alice-pw"}

		t.Run("a query against a missing table is an internal error, and Ping finds it at startup", func(t *testing.T) {
			c := newChecker(t, db, sqlchecker.Options{Dialect: b.dialect, PasswordQuery: `SELECT h, d FROM no_such_table WHERE u = ?`})
			_, err := c.RequestAvatarID(context.Background(), pw, cred.Mind{})
			if outcomeOf(err) != internal {
				t.Fatalf("err = %v, want an internal error", err)
			}
			if err := c.Ping(context.Background()); err == nil {
				t.Fatal("Ping passed with a query on a missing table")
			}
		})
		t.Run("a valid configuration passes Ping", func(t *testing.T) {
			c := newChecker(t, db, sqlchecker.Options{Dialect: b.dialect})
			if err := c.Ping(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("an expired deadline ends the lookup with the context's error", func(t *testing.T) {
			c := newChecker(t, db, sqlchecker.Options{Dialect: b.dialect})
			ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
			defer cancel()
			<-ctx.Done()
			for _, creds := range []cred.Credentials{pw, dg} {
				_, err := c.RequestAvatarID(ctx, creds, cred.Mind{})
				if !errors.Is(err, context.DeadlineExceeded) || outcomeOf(err) != internal {
					t.Fatalf("%v: err = %v, want DeadlineExceeded", creds, err)
				}
			}
		})
		t.Run("a closed database is an internal error for passwords, Digest and the cache's lookup", func(t *testing.T) {
			db2 := b.open(t)
			addUser(t, db2, b.dialect, "alice", "alice-pw", "files", cred.AlgorithmSHA256)
			c := newChecker(t, db2, sqlchecker.Options{Dialect: b.dialect})
			db2.Close()
			for _, creds := range []cred.Credentials{pw, dg} {
				_, err := c.RequestAvatarID(context.Background(), creds, cred.Mind{})
				if outcomeOf(err) != internal {
					t.Fatalf("%v: err = %v, want an internal error", creds, err)
				}
			}
			if _, _, err := c.LookupPasswordHash(context.Background(), "alice"); err == nil {
				t.Fatal("LookupPasswordHash on a closed database reported no error")
			}
			if got := c.DigestAlgorithms("files"); got != nil {
				t.Fatalf("DigestAlgorithms on a closed database = %v, want none (fail closed)", got)
			}
		})
	})
}

func TestCacheOverSQL(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend, db *sql.DB) {
		ctx := context.Background()
		addUser(t, db, b.dialect, "alice", "alice-pw", "")
		admin := sqlchecker.NewAdmin(db, b.dialect)
		cache, err := checkers.NewCache(newChecker(t, db, sqlchecker.Options{Dialect: b.dialect}), checkers.CacheOptions{})
		if err != nil {
			t.Fatalf("NewCache over the SQL checker: %v", err)
		}
		login := func(pw string) error {
			_, err := cache.RequestAvatarID(ctx, cred.NewUsernamePassword("alice", pw), cred.Mind{})
			return err
		}
		steps := []struct {
			name     string
			before   func() error
			password string
			want     outcome
			wantHits uint64
		}{
			{"the first login is verified", nil, "alice-pw", accepted, 0},
			{"the second is answered from the cache", nil, "alice-pw", accepted, 1},
			{"a wrong password is not", nil, "wrong", refused, 1},
			{"disabling the user takes effect at once, though a login was cached", func() error { return admin.SetDisabled(ctx, "alice", true) }, "alice-pw", denied, 1},
			{"enabling again works, from the entry cached before", func() error { return admin.SetDisabled(ctx, "alice", false) }, "alice-pw", accepted, 2},
			{"after a password change the old password is refused", func() error {
				h, _ := testHasher.Hash("new-pw")
				return admin.SetPassword(ctx, "alice", h)
			}, "alice-pw", refused, 2},
			{"and the new one accepted", nil, "new-pw", accepted, 2},
			{"a removed user is refused", func() error { return admin.RemoveUser(ctx, "alice") }, "new-pw", refused, 2},
		}
		for _, s := range steps {
			if s.before != nil {
				if err := s.before(); err != nil {
					t.Fatal(err)
				}
			}
			ok := t.Run(s.name, func(t *testing.T) {
				if got := outcomeOf(login(s.password)); got != s.want {
					t.Fatalf("login: %v, want %v", got, s.want)
				}
				if got := cache.Stats().Hits; got != s.wantHits {
					t.Fatalf("cache hits = %d, want %d", got, s.wantHits)
				}
			})
			if !ok {
				return
			}
		}
	})
}

// An unknown user's login verifies a dummy hash, so it costs the same order
// of time as a wrong password. Timing is only checked to within a factor of
// ten (a busy machine makes it noisy), which still catches a missing dummy:
// a query alone is hundreds of times cheaper than bcrypt.
// medianFailure returns the median time of n refused logins of user with
// a wrong password.
func medianFailure(t *testing.T, c *sqlchecker.Checker, user string, n int) time.Duration {
	t.Helper()
	var ds []time.Duration
	for range n {
		start := time.Now()
		_, err := c.RequestAvatarID(context.Background(), cred.NewUsernamePassword(user, "wrong"), cred.Mind{})
		ds = append(ds, time.Since(start))
		if !errors.Is(err, cred.ErrUnauthorizedLogin) {
			t.Fatalf("login of %q: %v", user, err)
		}
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}

func TestUnknownUsersAreNotMuchCheaperThanWrongPasswords(t *testing.T) {
	// A hasher slow enough for its cost to dominate the query's.
	slow := checkers.Bcrypt{Cost: 8}
	db := openSQLite(t)
	h, err := slow.Hash("alice-pw")
	if err != nil {
		t.Fatal(err)
	}
	if err := sqlchecker.NewAdmin(db, sqlchecker.SQLite).AddUser(context.Background(), "alice", h); err != nil {
		t.Fatal(err)
	}
	c := newChecker(t, db, sqlchecker.Options{Hasher: slow})
	wrong, unknown := medianFailure(t, c, "alice", 7), medianFailure(t, c, "nobody", 7)
	t.Logf("median: wrong password %v, unknown user %v", wrong, unknown)
	// Without the dummy hash an unknown user costs one query, hundreds of
	// times less than a bcrypt verification; the wide margin keeps a busy
	// machine from failing the test while still catching that.
	if unknown < wrong/10 {
		t.Fatalf("an unknown user costs %v, a wrong password %v: timing reveals which users exist", unknown, wrong)
	}
}

func TestNewValidatesOptions(t *testing.T) {
	db := openSQLite(t)
	tests := []struct {
		name string
		opts sqlchecker.Options
		want string
	}{
		{"a password query with two placeholders is refused", sqlchecker.Options{PasswordQuery: "SELECT a, b FROM t WHERE u = ? AND v = ?"}, "PasswordQuery"},
		{"an HA1 query without the realm is refused", sqlchecker.Options{HA1Query: "SELECT a, b FROM t WHERE u = ? AND alg = ?"}, "HA1Query"},
		{"an unknown dialect is refused", sqlchecker.Options{Dialect: 7}, "Dialect"},
		{"an unknown Digest algorithm is refused", sqlchecker.Options{DigestAlgorithms: []string{"SHA-1"}}, "DigestAlgorithms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Hasher = testHasher
			_, err := sqlchecker.New(db, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New: %v, want an error naming %s", err, tt.want)
			}
		})
	}
}

func TestRebind(t *testing.T) {
	tests := []struct {
		name, query, want string
		dialect           sqlchecker.Dialect
	}{
		{"SQLite keeps question marks", "SELECT a FROM t WHERE u = ? AND r = ?", "SELECT a FROM t WHERE u = ? AND r = ?", sqlchecker.SQLite},
		{"PostgreSQL numbers them", "SELECT a FROM t WHERE u = ? AND r = ?", "SELECT a FROM t WHERE u = $1 AND r = $2", sqlchecker.Postgres},
		{"question marks in string literals are left alone", "SELECT '?' FROM t WHERE u = ?", "SELECT '?' FROM t WHERE u = $1", sqlchecker.Postgres},
		{"question marks in quoted identifiers are left alone", `SELECT "a?" FROM t WHERE u = ?`, `SELECT "a?" FROM t WHERE u = $1`, sqlchecker.Postgres},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.dialect.Rebind(tt.query); got != tt.want {
				t.Fatalf("Rebind = %q, want %q", got, tt.want)
			}
		})
	}
}

// A stored HA1 that is not hex of the algorithm's length is a broken row:
// an internal error that names the user and realm but not the value, not a
// wrong response (which would refuse the right password for ever, counted
// by a throttle, with nothing logged).
func TestABrokenStoredHA1IsAnInternalError(t *testing.T) {
	db := openSQLite(t)
	addUser(t, db, sqlchecker.SQLite, "alice", "alice-pw", "files", cred.AlgorithmSHA256)
	if _, err := db.Exec(`UPDATE gocred_digest_ha1 SET ha1 = 'not-a-hash-0123' WHERE username = 'alice'`); err != nil {
		t.Fatal(err)
	}
	c := newChecker(t, db, sqlchecker.Options{})
	_, err := c.RequestAvatarID(context.Background(), digestCreds{"alice", "files", cred.AlgorithmSHA256, "alice-pw"}, cred.Mind{})
	if err == nil || errors.Is(err, cred.ErrUnauthorizedLogin) {
		t.Fatalf("err = %v, want an internal error", err)
	}
	if !strings.Contains(err.Error(), `"alice"`) || strings.Contains(err.Error(), "not-a-hash") {
		t.Errorf("error %q should name the user and not show the stored value", err)
	}
}

// A store holding hashes of two classes (bcrypt left from before a move to
// argon2id): an unknown user must cost what a wrong password of either
// class costs, from the first failed login on when KnownHashes names the
// other class, and once a login has shown it otherwise.
func TestFailedLoginsCostAlikeInAMixedStore(t *testing.T) {
	// bcrypt 8 costs a hundred times the cheap argon2id new passwords get
	// here, so the classes' costs differ widely, and both logins of a pair
	// are dominated by one bcrypt check once the fix works: a busy machine
	// (or -race) slows both alike.
	old := checkers.Bcrypt{Cost: 8}
	db := openSQLite(t)
	h, err := old.Hash("alice-pw")
	if err != nil {
		t.Fatal(err)
	}
	if err := sqlchecker.NewAdmin(db, sqlchecker.SQLite).AddUser(context.Background(), "alice", h); err != nil {
		t.Fatal(err)
	}
	median := func(c *sqlchecker.Checker, user string) time.Duration { return medianFailure(t, c, user, 5) }
	alike := func(t *testing.T, unknown, wrong time.Duration) {
		t.Helper()
		t.Logf("median: unknown user %v, wrong password %v", unknown, wrong)
		// Without the fix the ratio is near a hundred.
		if r := float64(wrong) / float64(unknown); r > 2 || r < 1.0/2 {
			t.Fatalf("an unknown user costs %v, a wrong password %v: timing reveals which users exist", unknown, wrong)
		}
	}
	t.Run("learnt from a login", func(t *testing.T) {
		c := newChecker(t, db, sqlchecker.Options{Hasher: testHasher}) // new passwords
		wrong := median(c, "alice")
		alike(t, median(c, "nobody"), wrong)
	})
	t.Run("named in KnownHashes", func(t *testing.T) {
		other, err := old.Hash("any")
		if err != nil {
			t.Fatal(err)
		}
		c := newChecker(t, db, sqlchecker.Options{Hasher: testHasher, KnownHashes: []string{other}})
		unknown := median(c, "nobody") // first, before any bcrypt hash is seen
		alike(t, unknown, median(c, "alice"))
	})
	t.Run("a KnownHashes entry that is no hash is named", func(t *testing.T) {
		_, err := sqlchecker.New(db, sqlchecker.Options{Hasher: testHasher, KnownHashes: []string{"$2y$10$short"}})
		if err == nil || !strings.Contains(err.Error(), "KnownHashes[0]") {
			t.Fatalf("New: %v, want an error naming KnownHashes[0]", err)
		}
	})
	t.Run("a Hasher making unverifiable hashes is named", func(t *testing.T) {
		_, err := sqlchecker.New(db, sqlchecker.Options{Hasher: plainHasher{}})
		if err == nil || !strings.Contains(err.Error(), "Options.Hasher plain") || strings.Contains(err.Error(), "KnownHashes") {
			t.Fatalf("New: %v, want an error naming the Hasher", err)
		}
	})
	t.Run("more classes than a verifier knows are refused, not dropped", func(t *testing.T) {
		var known []string
		for cost := 4; cost < 4+checkers.MaxPasswordVerifierClasses; cost++ { // with the Hasher's, one too many
			h, err := checkers.Bcrypt{Cost: cost}.Hash("x")
			if err != nil {
				t.Fatal(err)
			}
			known = append(known, h)
		}
		_, err := sqlchecker.New(db, sqlchecker.Options{Hasher: testHasher, KnownHashes: known})
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("KnownHashes[%d]", len(known)-1)) {
			t.Fatalf("New with the Hasher and %d more classes: %v, want the last refused", len(known), err)
		}
	})
}

// A user whose hash is of a class beyond what the checker's verifier
// learns can be told from unknown names by timing: the first login meeting
// one says so in Options.Logger, naming the class and not the hash.
func TestAClassBeyondTheBoundIsLogged(t *testing.T) {
	db := openSQLite(t)
	var known []string
	for i := range checkers.MaxPasswordVerifierClasses - 1 { // with the Hasher's, the bound
		h, err := checkers.Argon2id{MemoryKiB: 64, Time: uint32(2 + i)}.Hash("x")
		if err != nil {
			t.Fatal(err)
		}
		known = append(known, h)
	}
	h, err := checkers.Argon2id{MemoryKiB: 64, Time: 30}.Hash("bob-pw")
	if err != nil {
		t.Fatal(err)
	}
	if err := sqlchecker.NewAdmin(db, sqlchecker.SQLite).AddUser(context.Background(), "bob", h); err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	c := newChecker(t, db, sqlchecker.Options{KnownHashes: known, Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	for _, pw := range []string{"wrong", "bob-pw", "wrong"} {
		id, err := c.RequestAvatarID(context.Background(), cred.NewUsernamePassword("bob", pw), cred.Mind{})
		if (pw == "bob-pw") != (err == nil && id.Name() == "bob") {
			t.Fatalf("login of bob with %q: %q, %v", pw, id, err)
		}
	}
	log := logged.String()
	if strings.Count(log, "level=WARN") != 1 || !strings.Contains(log, "t=30") || strings.Contains(log, strings.Split(h, "$")[4]) {
		t.Fatalf("log: %q, want one warning naming the class (t=30) and not the salt", log)
	}
}

// PostgreSQL refuses text that is not UTF-8, or holds NUL, as a query
// parameter: such a name is a client's mistake, refused like an unknown
// user, not an internal error.
func TestUnstorableNamesAreRefused(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend, db *sql.DB) {
		addUser(t, db, b.dialect, "alice", "alice-pw", "files", cred.AlgorithmSHA256)
		c := newChecker(t, db, sqlchecker.Options{Dialect: b.dialect})
		cache, err := checkers.NewCache(c, checkers.CacheOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, user := range []string{"al\x00ice", "ren\xe9"} {
			for name, ch := range map[string]cred.Checker{"checker": c, "cache": cache} {
				_, err := ch.RequestAvatarID(context.Background(), cred.NewUsernamePassword(user, "x"), cred.Mind{})
				if got := outcomeOf(err); got != refused {
					t.Errorf("%s, user %q: %v (%v), want refused", name, user, got, err)
				}
			}
			_, err := c.RequestAvatarID(context.Background(), digestCreds{user, "files", cred.AlgorithmSHA256, "x"}, cred.Mind{})
			if got := outcomeOf(err); got != refused {
				t.Errorf("digest, user %q: %v (%v), want refused", user, got, err)
			}
		}
		_, err = c.RequestAvatarID(context.Background(), digestCreds{"alice", "fi\x00les", cred.AlgorithmSHA256, "alice-pw"}, cred.Mind{})
		if got := outcomeOf(err); got != refused {
			t.Errorf("digest, realm with NUL: %v (%v), want refused", got, err)
		}
	})
}

// Ping must find a query that runs but returns the wrong columns, which
// would otherwise fail every login, the right password's too.
func TestPingFindsWrongColumns(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend, db *sql.DB) {
		addUser(t, db, b.dialect, "alice", "alice-pw", "")
		for _, opts := range []sqlchecker.Options{
			{PasswordQuery: `SELECT username, password_hash, disabled FROM gocred_users WHERE username = ?`},
			{HA1Query: `SELECT d.ha1 FROM gocred_digest_ha1 d WHERE d.username = ? AND d.realm = ? AND d.algorithm = ?`},
			{AlgorithmsQuery: `SELECT DISTINCT algorithm, realm FROM gocred_digest_ha1 WHERE realm = ?`},
		} {
			opts.Dialect = b.dialect
			err := newChecker(t, db, opts).Ping(context.Background())
			if err == nil || !strings.Contains(err.Error(), "columns, want") {
				t.Errorf("Ping with %+v: %v, want an error about its columns", opts, err)
			}
		}
	})
}

// plainHasher is a Hasher of one's own making what VerifyPassword refuses.
type plainHasher struct{}

func (plainHasher) Hash(pw string) (string, error) { return "plain:" + pw, nil }
func (plainHasher) Name() string                   { return "plain" }

// A store's refusal of a user it holds (a disabled one too: its password
// is checked before the flag is looked at) is a guess a throttle around a
// chain counts while a later member is down; a name it does not hold is
// cred.ErrUnknownUser, not counted then.
func TestSQLRefusalsInAChainWhoseLaterMemberIsDown(t *testing.T) {
	db := openSQLite(t)
	addUser(t, db, sqlchecker.SQLite, "carol", "carol-pw", "")
	if err := sqlchecker.NewAdmin(db, sqlchecker.SQLite).SetDisabled(context.Background(), "carol", true); err != nil {
		t.Fatal(err)
	}
	c := newChecker(t, db, sqlchecker.Options{})
	for user, want := range map[string]bool{"carol": false, "nobody": true} {
		_, err := c.RequestAvatarID(context.Background(), cred.NewUsernamePassword(user, "wrong"), cred.Mind{})
		if !errors.Is(err, cred.ErrUnauthorizedLogin) || errors.Is(err, cred.ErrUnknownUser) != want {
			t.Errorf("%s with a wrong password: %v, want ErrUnknownUser %v", user, err, want)
		}
	}
	down := cred.NewCheckerFunc(func(context.Context, cred.Credentials, cred.Mind) (cred.AvatarID, error) {
		return cred.AvatarID{}, errors.New("store down")
	}, cred.UsernamePasswordType)
	th := checkers.NewThrottle(checkers.NewChain(c, down), checkers.NewMemoryThrottleStore(),
		checkers.ThrottlePolicy{MaxUserFailures: 3, MaxAddrFailures: -1})
	for range 3 {
		th.RequestAvatarID(context.Background(), cred.NewUsernamePassword("carol", "guess"), cred.Mind{})
	}
	if _, err := th.RequestAvatarID(context.Background(), cred.NewUsernamePassword("carol", "carol-pw"), cred.Mind{}); !errors.Is(err, cred.ErrThrottled) {
		t.Errorf("after three guesses at a disabled user: %v, want ErrThrottled", err)
	}
}

// A user held without a password hash (a query of one's own returning
// NULL: Digest HA1s only) has no password to check: a refusal is
// cred.ErrUnknownUser, not counted while a later chain member is down.
func TestAUserWithoutAPasswordHashIsUnknownToPasswords(t *testing.T) {
	db := openSQLite(t)
	addUser(t, db, sqlchecker.SQLite, "dave", "dave-pw", "files", cred.AlgorithmMD5)
	c := newChecker(t, db, sqlchecker.Options{PasswordQuery: "SELECT NULL, disabled FROM gocred_users WHERE username = ?"})
	_, err := c.RequestAvatarID(context.Background(), cred.NewUsernamePassword("dave", "dave-pw"), cred.Mind{})
	if !errors.Is(err, cred.ErrUnknownUser) {
		t.Fatalf("dave's password without a stored hash: %v, want ErrUnknownUser", err)
	}
}

// A query of one's own that finds two rows for a name (a table without a
// unique name, one row of the user's disabled) fails closed as an internal
// error naming the user, for passwords, Digest and the cache's lookup alike,
// rather than take the first row the database returns.
func TestSeveralRowsForOneUserFailClosed(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend, db *sql.DB) {
		h, err := testHasher.Hash("alice-pw")
		if err != nil {
			t.Fatal(err)
		}
		ha1, err := sqlchecker.NewHA1("alice", "files", cred.AlgorithmMD5, "alice-pw")
		if err != nil {
			t.Fatal(err)
		}
		mustExec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.Exec(b.dialect.Rebind(q), args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		mustExec(`CREATE TABLE accounts (login TEXT, hash TEXT, ha1 TEXT, locked BOOLEAN)`)
		mustExec(`INSERT INTO accounts VALUES (?, ?, ?, ?)`, "alice", h, ha1.Hex(), false)
		mustExec(`INSERT INTO accounts VALUES (?, ?, ?, ?)`, "alice", h, ha1.Hex(), true)
		mustExec(`INSERT INTO accounts VALUES (?, ?, ?, ?)`, "bob", h, ha1.Hex(), false)
		c := newChecker(t, db, sqlchecker.Options{
			Dialect:       b.dialect,
			PasswordQuery: `SELECT hash, locked FROM accounts WHERE login = ?`,
			HA1Query:      `SELECT ha1, locked FROM accounts WHERE login = ? AND ? <> '' AND ? <> ''`,
		})
		ctx := context.Background()
		if _, err := c.RequestAvatarID(ctx, cred.NewUsernamePassword("bob", "alice-pw"), cred.Mind{}); err != nil {
			t.Fatalf("bob, held once: %v", err)
		}
		_, err = c.RequestAvatarID(ctx, cred.NewUsernamePassword("alice", "alice-pw"), cred.Mind{})
		if outcomeOf(err) != internal || !strings.Contains(err.Error(), "more than one row") || !strings.Contains(err.Error(), `"alice"`) {
			t.Errorf("alice's password, held twice: %v; want an internal error naming her", err)
		}
		_, err = c.RequestAvatarID(ctx, digestCreds{"alice", "files", cred.AlgorithmMD5, "alice-pw"}, cred.Mind{})
		if outcomeOf(err) != internal {
			t.Errorf("alice's Digest response, held twice: %v; want an internal error", err)
		}
		if _, _, err := c.LookupPasswordHash(ctx, "alice"); err == nil {
			t.Error("LookupPasswordHash of alice, held twice: no error")
		}
	})
}
