package sqlchecker_test

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/cred"
	"github.com/gocred/gocred/httpauth"
	"github.com/gocred/gocred/realms"
	"github.com/gocred/gocred/sqlchecker"
)

// TestOverHTTP puts the checker behind httpauth, as a server does, and
// checks what clients see for each outcome, and which Digest algorithms
// are offered.
func TestOverHTTP(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend, db *sql.DB) {
		addUser(t, db, b.dialect, "alice", "alice-pw", "files", cred.AlgorithmMD5)
		addUser(t, db, b.dialect, "mallory", "mallory-pw", "")
		if err := sqlchecker.NewAdmin(db, b.dialect).SetDisabled(context.Background(), "mallory", true); err != nil {
			t.Fatal(err)
		}
		serve := func(t *testing.T, db *sql.DB) http.Handler {
			users := newChecker(t, db, sqlchecker.Options{Dialect: b.dialect})
			cache, err := checkers.NewCache(users, checkers.CacheOptions{})
			if err != nil {
				t.Fatal(err)
			}
			portal, err := cred.NewPortal(realms.NewStaticOf[http.Handler](http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})), cache)
			if err != nil {
				t.Fatal(err)
			}
			digest, err := httpauth.NewDigest(portal, httpauth.DigestOptions{Realm: "files"})
			if err != nil {
				t.Fatal(err)
			}
			if got := digest.Offered(); !slices.Equal(got, []string{"MD5"}) {
				t.Fatalf("Digest offers %v; only MD5 HA1s are stored", got)
			}
			basic, err := httpauth.NewBasic("files")
			if err != nil {
				t.Fatal(err)
			}
			mw, err := httpauth.New(portal, digest, basic)
			if err != nil {
				t.Fatal(err)
			}
			return mw.Handler()
		}
		h := serve(t, db)
		broken := b.open(t)
		addUser(t, broken, b.dialect, "alice", "alice-pw", "files", cred.AlgorithmMD5)
		hBroken := serve(t, broken)
		broken.Close()
		tests := []struct {
			name           string
			h              http.Handler
			user, password string
			want           int
		}{
			{"the right password is served", h, "alice", "alice-pw", http.StatusOK},
			{"a wrong password gets 401", h, "alice", "wrong", http.StatusUnauthorized},
			{"an unknown user gets 401", h, "nobody", "x", http.StatusUnauthorized},
			{"a disabled user with the right password gets 403", h, "mallory", "mallory-pw", http.StatusForbidden},
			{"a disabled user with a wrong password gets 401", h, "mallory", "wrong", http.StatusUnauthorized},
			{"a database that fails gets 500, not 401", hBroken, "alice", "alice-pw", http.StatusInternalServerError},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				req.SetBasicAuth(tt.user, tt.password)
				rec := httptest.NewRecorder()
				tt.h.ServeHTTP(rec, req)
				if rec.Code != tt.want {
					t.Fatalf("status %d, want %d", rec.Code, tt.want)
				}
			})
		}
	})
}

// A Digest front end asks the store which algorithms it holds HA1s for; a
// database it cannot ask makes it refuse to start, even next to another
// Digest store (which would otherwise decide alone, and offer what this
// store's users may not be able to answer).
func TestDigestRefusesToStartWhenTheStoreCannotSay(t *testing.T) {
	db := openSQLite(t)
	c := newChecker(t, db, sqlchecker.Options{})
	db.Close()
	other := checkers.NewInsecurePlaintext(map[string]string{"bob": "bob-pw"})
	for name, cs := range map[string][]cred.Checker{
		"alone":                   {c},
		"next to another store":   {c, other},
		"in a chain with another": {checkers.NewChain(other, c)},
	} {
		portal, err := cred.NewPortal(realms.NewStaticOf[http.Handler](http.NotFoundHandler()), cs...)
		if err != nil {
			t.Fatal(err)
		}
		if d, err := httpauth.NewDigest(portal, httpauth.DigestOptions{Realm: "files"}); err == nil || !strings.Contains(err.Error(), "listing the Digest algorithms") {
			t.Errorf("%s: NewDigest with the database closed: offers %v, %v; want the database's error", name, offered(d), err)
		}
	}
}

func offered(d *httpauth.Digest) []string {
	if d == nil {
		return nil
	}
	return d.Offered()
}
