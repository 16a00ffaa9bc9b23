package sqlchecker_test

import (
	"context"
	"testing"

	"github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/cred"
	"github.com/gocred/gocred/sqlchecker"
)

// BenchmarkSQLLogin measures a password login against each database, with
// the stored hash a real deployment would use (argon2id at its defaults),
// verified every time ("uncached") and through checkers.Cache ("cached":
// one indexed query and an HMAC per login).
func BenchmarkSQLLogin(b *testing.B) {
	for _, be := range backends() {
		b.Run(be.name, func(b *testing.B) {
			db := be.open(b)
			ctx := context.Background()
			h, err := checkers.Argon2id{}.Hash("alice-pw")
			mustNoErrB(b, err)
			mustNoErrB(b, sqlchecker.NewAdmin(db, be.dialect).AddUser(ctx, "alice", h))
			users, err := sqlchecker.New(db, sqlchecker.Options{Dialect: be.dialect})
			mustNoErrB(b, err)
			cached, err := checkers.NewCache(users, checkers.CacheOptions{})
			mustNoErrB(b, err)
			creds := cred.NewUsernamePassword("alice", "alice-pw")
			for _, c := range []struct {
				name    string
				checker cred.Checker
			}{{"uncached", users}, {"cached", cached}} {
				b.Run(c.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						if _, err := c.checker.RequestAvatarID(ctx, creds, cred.Mind{}); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

func mustNoErrB(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}
