package sqlchecker

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/cred"
)

// The default queries, over the tables of Schema. Each is written with "?"
// placeholders and rebound for the Dialect.
const (
	// DefaultPasswordQuery takes the user name and returns the encoded
	// password hash and the disabled flag.
	DefaultPasswordQuery = `SELECT password_hash, disabled FROM gocred_users WHERE username = ?`
	// DefaultHA1Query takes the user name, the realm and the base Digest
	// algorithm (cred.AlgorithmMD5, ...) and returns the stored HA1 (hex)
	// and the disabled flag.
	DefaultHA1Query = `SELECT d.ha1, u.disabled FROM gocred_digest_ha1 d JOIN gocred_users u ON u.username = d.username WHERE d.username = ? AND d.realm = ? AND d.algorithm = ?`
	// DefaultAlgorithmsQuery takes a realm and returns the algorithms for
	// which some user has an HA1 in it, one per row.
	DefaultAlgorithmsQuery = `SELECT DISTINCT algorithm FROM gocred_digest_ha1 WHERE realm = ?`
)

// Options configure New. The zero value reads the tables of Schema from
// SQLite.
type Options struct {
	// Dialect says how the database spells placeholders; SQLite (the zero
	// value) or Postgres.
	Dialect Dialect
	// PasswordQuery takes one parameter, the user name, and returns one
	// row of two columns: the encoded password hash (any format
	// checkers.VerifyPassword understands; NULL means no password login)
	// and whether the user is disabled (a boolean; NULL means false).
	// DefaultPasswordQuery if empty. It must match names exactly (with
	// MySQL, a binary collation): the name as the client typed it becomes
	// the avatar ID and the throttle's key, so a query matching "Alice"
	// for "alice" would give each spelling guesses of its own. More than
	// one row for a name is an internal error (the login fails).
	PasswordQuery string
	// HA1Query takes the user name, the realm and the base algorithm and
	// returns the stored HA1 = H(username:realm:password) in hex and the
	// disabled flag, in one row at most, matching names exactly as
	// PasswordQuery does. DefaultHA1Query if empty.
	HA1Query string
	// AlgorithmsQuery takes a realm and returns the base algorithms with
	// HA1s in it, one per row; DefaultAlgorithmsQuery if empty. It is
	// asked when an HTTP Digest front end is built, to decide what to offer.
	AlgorithmsQuery string
	// DigestAlgorithms, if set, is what DigestAlgorithms reports for every
	// realm instead of asking AlgorithmsQuery: for a store that starts
	// empty, or a database not reachable when the server starts.
	DigestAlgorithms []string
	// PasswordOnly leaves Digest out: the checker handles only
	// cred.UsernamePassword, for a table without HA1s.
	PasswordOnly bool
	// Hasher is what new passwords are stored with (the hasher, and its
	// parameters, given to Admin); checkers.Argon2id{} if nil. A failed
	// login, wrong password or unknown user, costs one check of each hash
	// class (algorithm and cost) the checker knows the store holds, so
	// its time does not tell whether the name exists: it starts with
	// Hasher's class and KnownHashes', and learns every class it verifies
	// (see checkers.PasswordVerifier).
	Hasher checkers.Hasher
	// KnownHashes are stored hashes (or hashes of random passwords made
	// the same way) of the other classes the store holds, bcrypt hashes
	// left from before a move to argon2id say, so that failed logins cost
	// the same from the first one on; without them a name holding such a
	// hash can be told from an unknown one until the checker has verified
	// one of its class. With Hasher's, at most
	// checkers.MaxPasswordVerifierClasses classes: New refuses more,
	// since failed logins would cost that many checks.
	KnownHashes []string
	// Name describes the store in errors and logs; "sql" if empty.
	Name string
	// Logger receives what cannot be returned as an error (a failed
	// AlgorithmsQuery, a hash class beyond what the checker learns; see
	// checkers.PasswordVerifier); slog.Default() if nil.
	Logger *slog.Logger
}

// Checker checks passwords (cred.UsernamePassword) and, where HA1s are
// stored, HTTP Digest responses (cred.UsernameDigestHash) against users in
// a SQL database. Build one with New; it is safe for concurrent use, and
// every query honours the caller's context.
//
// Outcomes:
//   - a wrong password, an unknown user and a user without a stored hash or
//     HA1 are cred.ErrUnauthorizedLogin, after verifications of the same
//     cost (one of each hash class known, see Options.Hasher), so timing
//     does not tell which users exist;
//   - on PostgreSQL, a user name that is not valid UTF-8 or holds NUL
//     (which it cannot take as a parameter) is refused like an unknown
//     user;
//   - a disabled user with the right password is cred.ErrLoginDenied; with a
//     wrong password it is cred.ErrUnauthorizedLogin like anyone else, so a
//     guesser cannot learn that an account is disabled;
//   - a database error (unreachable, timeout, bad query) or a stored hash
//     that cannot be verified is an internal error, never a refusal: HTTP
//     answers 500, FTP "service temporarily unavailable".
//
// A name the store does not hold is refused with cred.ErrUnknownUser (which
// matches cred.ErrUnauthorizedLogin), after the same work.
//
// Checker implements checkers.PasswordHashLookup, so checkers.NewCache can
// wrap it, cred.DigestAlgorithmer and cred.DigestAlgorithmReporter (so
// httpauth.NewDigest refuses to start when the database cannot say which
// algorithms it holds). It does not implement
// cred.UserHashResolver: that interface cannot report a database error, which
// would then look like a wrong user name.
type Checker struct {
	db          *sql.DB
	name        string
	passwordQ   string
	ha1Q        string
	algorithmsQ string
	fixedAlgs   []string
	ifaces      []reflect.Type
	verifier    *checkers.PasswordVerifier
	dialect     Dialect
	logger      *slog.Logger
}

// New returns a Checker over db. It fails if an option is invalid or the
// dummy hash cannot be made; it does not contact the database (see Ping).
func New(db *sql.DB, opts Options) (*Checker, error) {
	if db == nil {
		return nil, errors.New("sqlchecker: New: db is nil")
	}
	if !opts.Dialect.valid() {
		return nil, fmt.Errorf("sqlchecker: New: Options.Dialect %v is not SQLite or Postgres", opts.Dialect)
	}
	if opts.PasswordQuery == "" {
		opts.PasswordQuery = DefaultPasswordQuery
	}
	if opts.HA1Query == "" {
		opts.HA1Query = DefaultHA1Query
	}
	if opts.AlgorithmsQuery == "" {
		opts.AlgorithmsQuery = DefaultAlgorithmsQuery
	}
	for _, q := range []struct {
		field, query string
		params       int
	}{
		{"PasswordQuery", opts.PasswordQuery, 1},
		{"HA1Query", opts.HA1Query, 3},
		{"AlgorithmsQuery", opts.AlgorithmsQuery, 1},
	} {
		if n := countPlaceholders(q.query); n != q.params {
			return nil, fmt.Errorf("sqlchecker: New: Options.%s has %d \"?\" placeholders, want %d", q.field, n, q.params)
		}
	}
	var algs []string
	for _, a := range opts.DigestAlgorithms {
		c, ok := canonicalAlgorithm(a)
		if !ok {
			return nil, fmt.Errorf("sqlchecker: New: Options.DigestAlgorithms: unknown algorithm %q (want MD5, SHA-256 or SHA-512-256)", a)
		}
		algs = append(algs, c)
	}
	if opts.Hasher == nil {
		opts.Hasher = checkers.Argon2id{}
	}
	dummy, err := opts.Hasher.Hash(rand.Text())
	if err != nil {
		return nil, fmt.Errorf("sqlchecker: New: making the dummy hash with %s: %w", opts.Hasher.Name(), err)
	}
	// The Hasher's class first: it is the one new passwords get, so it
	// must never be the one left out at the verifier's bound.
	verifier, err := checkers.NewPasswordVerifier(dummy)
	if err != nil {
		return nil, fmt.Errorf("sqlchecker: New: Options.Hasher %s makes hashes VerifyPassword cannot check: %w", opts.Hasher.Name(), err)
	}
	for i, h := range opts.KnownHashes {
		if err := verifier.Learn(h); err != nil {
			return nil, fmt.Errorf("sqlchecker: New: Options.KnownHashes[%d]: %w", i, err)
		}
	}
	if opts.Logger != nil {
		verifier.SetLogger(opts.Logger)
	}
	if opts.Name == "" {
		opts.Name = "sql"
	}
	c := &Checker{
		db:          db,
		name:        opts.Name,
		passwordQ:   opts.Dialect.Rebind(opts.PasswordQuery),
		ha1Q:        opts.Dialect.Rebind(opts.HA1Query),
		algorithmsQ: opts.Dialect.Rebind(opts.AlgorithmsQuery),
		fixedAlgs:   algs,
		ifaces:      []reflect.Type{cred.UsernamePasswordType, cred.UsernameDigestHashType},
		verifier:    verifier,
		dialect:     opts.Dialect,
		logger:      opts.Logger,
	}
	if opts.PasswordOnly {
		c.ifaces = c.ifaces[:1]
	}
	return c, nil
}

// Ping checks that the database answers and that the queries are valid
// there (tables and columns exist, and each returns the number of columns
// the checker reads), by running each one once for a user with an empty
// name. Call it at startup to find a misconfiguration before the first
// login.
func (c *Checker) Ping(ctx context.Context) error {
	type check struct {
		query   string
		args    []any
		columns int
	}
	checks := []check{{c.passwordQ, []any{""}, 2}}
	if len(c.ifaces) > 1 {
		checks = append(checks, check{c.ha1Q, []any{"", "", cred.AlgorithmMD5}, 2}, check{c.algorithmsQ, []any{""}, 1})
	}
	for _, ch := range checks {
		rows, err := c.db.QueryContext(ctx, ch.query, ch.args...)
		if err != nil {
			return fmt.Errorf("sqlchecker: %s: running %q: %w", c.name, ch.query, err)
		}
		cols, err := rows.Columns()
		rows.Close()
		if err != nil {
			return fmt.Errorf("sqlchecker: %s: running %q: %w", c.name, ch.query, err)
		}
		if len(cols) != ch.columns {
			return fmt.Errorf("sqlchecker: %s: %q returns %d columns, want %d", c.name, ch.query, len(cols), ch.columns)
		}
	}
	return nil
}

// CredentialInterfaces returns cred.UsernamePassword and
// cred.UsernameDigestHash (only the first with Options.PasswordOnly).
func (c *Checker) CredentialInterfaces() []reflect.Type { return c.ifaces }

// RequestAvatarID checks a password, or a Digest response against the
// stored HA1. See Checker for the outcomes.
func (c *Checker) RequestAvatarID(ctx context.Context, creds cred.Credentials, mind cred.Mind) (cred.AvatarID, error) {
	switch cr := creds.(type) {
	case cred.UsernamePassword:
		return c.checkPassword(ctx, cr)
	case cred.UsernameDigestHash:
		if len(c.ifaces) > 1 {
			return c.checkDigest(ctx, cr)
		}
	}
	return cred.AvatarID{}, fmt.Errorf("sqlchecker: %s handles %v, not %T: %w", c.name, c.ifaces, creds, cred.ErrUnhandledCredentials)
}

// userRow is what PasswordQuery and HA1Query return.
type userRow struct {
	secret   sql.NullString // hash or HA1
	disabled sql.NullBool
}

// errAmbiguousUser is a lookup that found more than one row for a name (a
// query of one's own over a table without a unique name, or a join): which
// row holds the user's password, or says the user is disabled, is not
// known, so the login fails as an internal error rather than take either.
var errAmbiguousUser = errors.New("the query returned more than one row (a store must hold one row per user)")

// query runs one of the lookups. found is false for no row.
func (c *Checker) query(ctx context.Context, q string, args ...any) (row userRow, found bool, err error) {
	rows, err := c.db.QueryContext(ctx, q, args...)
	if err != nil {
		return row, false, err
	}
	defer rows.Close()
	if !rows.Next() {
		return row, false, rows.Err()
	}
	if err := rows.Scan(&row.secret, &row.disabled); err != nil {
		return userRow{}, false, err
	}
	if rows.Next() {
		return userRow{}, false, errAmbiguousUser
	}
	if err := rows.Err(); err != nil {
		return userRow{}, false, err
	}
	return row, true, nil
}

func (c *Checker) checkPassword(ctx context.Context, up cred.UsernamePassword) (cred.AvatarID, error) {
	user := up.Username()
	if user == "" {
		return cred.AvatarID{}, cred.ErrUnknownUser
	}
	if !c.dialect.storable(user) {
		c.verifier.Verify("", false, up.Password()) // as for an unknown user
		return cred.AvatarID{}, cred.ErrUnknownUser
	}
	row, found, err := c.query(ctx, c.passwordQ, user)
	if err != nil {
		return cred.AvatarID{}, c.dbError(user, err)
	}
	// An unknown user, or one without a password hash, costs what a wrong
	// password costs.
	ok, err := c.verifier.Verify(row.secret.String, found && row.secret.Valid, up.Password())
	if err != nil {
		return cred.AvatarID{}, fmt.Errorf("sqlchecker: %s: verifying the password of user %s: %w", c.name, strconv.Quote(user), err)
	}
	if !ok && !(found && row.secret.Valid) {
		// Not held, or held without a password hash (Digest HA1s
		// only): no password of the user's was checked.
		return cred.AvatarID{}, cred.ErrUnknownUser
	}
	return c.outcome(user, ok, row.disabled)
}

func (c *Checker) checkDigest(ctx context.Context, d cred.UsernameDigestHash) (cred.AvatarID, error) {
	user := d.Username()
	alg, ok := canonicalAlgorithm(d.Algorithm())
	if user == "" || !ok {
		return cred.AvatarID{}, cred.ErrUnknownUser
	}
	if !c.dialect.storable(user) || !c.dialect.storable(d.Realm()) {
		d.CheckHash(dummyHA1[alg]) // as for an unknown user
		return cred.AvatarID{}, cred.ErrUnknownUser
	}
	row, found, err := c.query(ctx, c.ha1Q, user, d.Realm(), alg)
	if err != nil {
		return cred.AvatarID{}, c.dbError(user, err)
	}
	if !found || !row.secret.Valid {
		// Same work as a wrong response. Without an HA1 in this realm
		// for the algorithm, the user cannot answer here: unknown.
		d.CheckHash(dummyHA1[alg])
		return cred.AvatarID{}, cred.ErrUnknownUser
	}
	ha1 := strings.TrimSpace(row.secret.String)
	if !isHexOfLen(ha1, len(dummyHA1[alg])) {
		// A broken row, not a wrong response: say so (without the value)
		// rather than refuse the user's right password for ever.
		return cred.AvatarID{}, fmt.Errorf("sqlchecker: %s: the stored %s HA1 of user %s for realm %s is not %d hex digits", c.name, alg, strconv.Quote(user), strconv.Quote(d.Realm()), len(dummyHA1[alg]))
	}
	return c.outcome(user, d.CheckHash(ha1), row.disabled)
}

// storable reports whether s can be a user name or realm in a database of
// dialect d. PostgreSQL takes only valid UTF-8 without NUL as text (any
// other query parameter is an error, which would be an internal error
// rather than a refusal), and its Admin stores no other name; SQLite
// stores and matches any bytes.
func (d Dialect) storable(s string) bool {
	return d != Postgres || (utf8.ValidString(s) && strings.IndexByte(s, 0) < 0)
}

// outcome turns a verification into the result. The disabled flag is only
// looked at once the secret matched, so it is never revealed to a guesser.
func (c *Checker) outcome(user string, verified bool, disabled sql.NullBool) (cred.AvatarID, error) {
	switch {
	case !verified:
		return cred.AvatarID{}, cred.ErrUnauthorizedLogin
	case disabled.Valid && disabled.Bool:
		return cred.AvatarID{}, fmt.Errorf("sqlchecker: user %s is disabled: %w", strconv.Quote(user), cred.ErrLoginDenied)
	}
	return cred.UserID(user), nil
}

// dbError wraps a database failure. Context errors stay recognisable
// (errors.Is), so the caller can tell a timeout from a broken store.
func (c *Checker) dbError(user string, err error) error {
	return fmt.Errorf("sqlchecker: %s: looking up user %s: %w", c.name, strconv.Quote(user), err)
}

// LookupPasswordHash returns the user's stored encoded hash, for
// checkers.NewCache. A disabled user, or one without a password hash, is
// reported as not found, so a cache never answers for them and disabling a
// user takes effect at once.
func (c *Checker) LookupPasswordHash(ctx context.Context, username string) (string, bool, error) {
	if !c.dialect.storable(username) {
		return "", false, nil
	}
	row, found, err := c.query(ctx, c.passwordQ, username)
	if err != nil {
		return "", false, c.dbError(username, err)
	}
	if !found || !row.secret.Valid || (row.disabled.Valid && row.disabled.Bool) {
		return "", false, nil
	}
	return row.secret.String, true, nil
}

// DigestAlgorithms returns the base algorithms with HA1s stored for realm:
// Options.DigestAlgorithms if set, else what AlgorithmsQuery answers within
// five seconds. A database error is logged and reported as no algorithms;
// ReportDigestAlgorithms returns it, and a Digest front end (httpauth)
// refuses to start on it rather than offer what it cannot check.
func (c *Checker) DigestAlgorithms(realm string) []string {
	algs, err := c.ReportDigestAlgorithms(realm)
	if err != nil {
		c.log().Error("sqlchecker: cannot list the Digest algorithms stored for a realm", "store", c.name, "realm", realm, "error", err.Error())
	}
	return algs
}

// ReportDigestAlgorithms is DigestAlgorithms with the database's error
// (see cred.DigestAlgorithmReporter).
func (c *Checker) ReportDigestAlgorithms(realm string) ([]string, error) {
	if len(c.ifaces) == 1 {
		return nil, nil
	}
	if c.fixedAlgs != nil {
		return append([]string(nil), c.fixedAlgs...), nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	algs, err := c.queryAlgorithms(ctx, realm)
	if err != nil {
		return nil, fmt.Errorf("sqlchecker: %s: listing the Digest algorithms stored for realm %q: %w", c.name, realm, err)
	}
	return algs, nil
}

func (c *Checker) queryAlgorithms(ctx context.Context, realm string) ([]string, error) {
	rows, err := c.db.QueryContext(ctx, c.algorithmsQ, realm)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var algs []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, err
		}
		if ca, ok := canonicalAlgorithm(a); ok {
			algs = append(algs, ca)
		}
	}
	return algs, rows.Err()
}

func (c *Checker) log() *slog.Logger {
	if c.logger != nil {
		return c.logger
	}
	return slog.Default()
}

// String returns the store's name, for error messages.
func (c *Checker) String() string { return "sqlchecker " + c.name }

// canonicalAlgorithm returns the cred.Algorithm* constant a name stands
// for (case-insensitive; a "-sess" suffix is dropped: sessions use the same
// HA1).
func canonicalAlgorithm(name string) (string, bool) {
	base := strings.ToUpper(strings.TrimSpace(name))
	base = strings.TrimSuffix(base, "-SESS")
	for _, a := range []string{cred.AlgorithmMD5, cred.AlgorithmSHA256, cred.AlgorithmSHA512_256} {
		if base == a {
			return a, true
		}
	}
	return "", false
}

// dummyHA1 holds an HA1 of the right length per algorithm, to check an
// unknown user's response against.
var dummyHA1 = map[string]string{
	cred.AlgorithmMD5:        strings.Repeat("0", 32),
	cred.AlgorithmSHA256:     strings.Repeat("0", 64),
	cred.AlgorithmSHA512_256: strings.Repeat("0", 64),
}

var (
	_ cred.Checker                = (*Checker)(nil)
	_ cred.DigestAlgorithmer      = (*Checker)(nil)
	_ checkers.PasswordHashLookup = (*Checker)(nil)
)

// isHexOfLen reports whether s is n hexadecimal digits.
func isHexOfLen(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if !('0' <= s[i] && s[i] <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
