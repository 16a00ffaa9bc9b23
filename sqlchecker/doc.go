// Package sqlchecker checks logins against users kept in a SQL database,
// through database/sql: SQLite (modernc.org/sqlite, no cgo) for one server,
// PostgreSQL (github.com/jackc/pgx/v5/stdlib) for several servers behind a
// load balancer. The same Checker serves both; Options.Dialect says how
// placeholders are spelled.
//
// The default queries read the tables of Schema (user name, password hash
// in any format checkers.VerifyPassword understands, a disabled flag, and
// optional Digest HA1s per realm and algorithm); Options replaces them for
// a schema of your own. Admin (and the examples/creduser tool built on it)
// creates the tables and adds, changes and removes users.
//
// A wrong password and an unknown user are both cred.ErrUnauthorizedLogin
// and cost the same: one check of each hash class (algorithm and cost) the
// store is known to hold, from Options.Hasher, Options.KnownHashes and the
// hashes verified so far (name the classes of a mixed store in
// KnownHashes); a disabled user is cred.ErrLoginDenied, but only once
// the password is verified, so a guesser cannot tell disabled accounts
// apart; a database error is an internal error, never a wrong password.
//
// Shortest use, with a verification cache in front (each login then costs
// one indexed query instead of an argon2id verification):
//
//	db, err := sql.Open("sqlite", "file:users.db?_pragma=busy_timeout(5000)")
//	if err != nil { ... }
//	users, err := sqlchecker.New(db, sqlchecker.Options{})
//	if err != nil { ... }
//	cached, err := checkers.NewCache(users, checkers.CacheOptions{})
//	if err != nil { ... }
//	portal, err := cred.NewPortal(realm, cached)
//
// For PostgreSQL, open the "pgx" driver and set Options{Dialect:
// sqlchecker.Postgres}.
package sqlchecker
