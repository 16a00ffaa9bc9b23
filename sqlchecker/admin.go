package sqlchecker

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/gocred/gocred/checkers"
)

// Errors Admin returns for a user that is, or is not, there.
var (
	// ErrUserExists: AddUser for a name already taken.
	ErrUserExists = errors.New("sqlchecker: user already exists")
	// ErrNoSuchUser: a change to a user that does not exist.
	ErrNoSuchUser = errors.New("sqlchecker: no such user")
)

// Execer is what CreateSchema needs: a *sql.DB, *sql.Tx or *sql.Conn.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// HA1 is a stored HTTP Digest secret: H(username ":" realm ":" password)
// for one realm and base algorithm. Make one with NewHA1, or ParseHA1 for
// one computed elsewhere (an htdigest file's). The hash is kept behind an
// unexported pointer, read with Hex: no way of printing or encoding an HA1
// shows it, even inside another struct's field.
type HA1 struct {
	Realm     string  // the Digest realm it is for
	Algorithm string  // cred.AlgorithmMD5, cred.AlgorithmSHA256 or cred.AlgorithmSHA512_256
	hash      *string // lower-case hex
}

// Hex returns the hash in lower-case hex ("" for an HA1 without one, as
// UserInfo lists them).
func (h HA1) Hex() string {
	if h.hash == nil {
		return ""
	}
	return *h.hash
}

// ParseHA1 returns the HA1 whose hash is hexHA1 (either case), for realm
// and a base algorithm; it fails unless hexHA1 is hex of the algorithm's
// digest size. The error never contains hexHA1.
func ParseHA1(realm, algorithm, hexHA1 string) (HA1, error) {
	alg, ok := canonicalAlgorithm(algorithm)
	if !ok {
		return HA1{}, fmt.Errorf("sqlchecker: unknown Digest algorithm %q (want MD5, SHA-256 or SHA-512-256)", algorithm)
	}
	if b, err := hex.DecodeString(hexHA1); err != nil || len(b)*2 != len(dummyHA1[alg]) {
		return HA1{}, fmt.Errorf("sqlchecker: an %s HA1 is %d hex digits", alg, len(dummyHA1[alg]))
	}
	lower := strings.ToLower(hexHA1)
	return HA1{Realm: realm, Algorithm: alg, hash: &lower}, nil
}

// String never shows the hash.
func (h HA1) String() string { return "HA1(" + strconv.Quote(h.Realm) + ", " + h.Algorithm + ")" }

// GoString is String, so %#v does not show the hash either.
func (h HA1) GoString() string { return h.String() }

// Format prints String for every verb, so no format shows the hash.
func (h HA1) Format(f fmt.State, _ rune) { io.WriteString(f, h.String()) }

// LogValue is String, so log/slog never shows the hash.
func (h HA1) LogValue() slog.Value { return slog.StringValue(h.String()) }

// NewHA1 computes the Digest HA1 of a user's password for realm and a base
// algorithm ("MD5", "SHA-256", "SHA-512-256").
func NewHA1(username, realm, algorithm, password string) (HA1, error) {
	alg, ok := canonicalAlgorithm(algorithm)
	if !ok {
		return HA1{}, fmt.Errorf("sqlchecker: unknown Digest algorithm %q (want MD5, SHA-256 or SHA-512-256)", algorithm)
	}
	var h hash.Hash
	switch alg {
	case "MD5":
		h = md5.New()
	case "SHA-256":
		h = sha256.New()
	default:
		h = sha512.New512_256()
	}
	h.Write([]byte(username + ":" + realm + ":" + password))
	sum := hex.EncodeToString(h.Sum(nil))
	return HA1{Realm: realm, Algorithm: alg, hash: &sum}, nil
}

// UserInfo describes a stored user, without any secret.
type UserInfo struct {
	Name     string // the user name
	Disabled bool   // whether logins are refused (see Admin.SetDisabled)
	// Digest lists the realm and algorithm of each stored HA1; their Hex
	// is empty.
	Digest []HA1
}

// Admin changes the users of a database laid out as Schema: the code
// behind examples/creduser, so nobody writes hashes by hand. Each method is
// one transaction.
type Admin struct {
	db      *sql.DB
	dialect Dialect
}

// NewAdmin returns an Admin over db.
func NewAdmin(db *sql.DB, dialect Dialect) *Admin {
	return &Admin{db: db, dialect: dialect}
}

// CreateSchema creates the tables if they do not exist yet.
func (a *Admin) CreateSchema(ctx context.Context) error { return CreateSchema(ctx, a.db) }

// AddUser adds a user with an encoded password hash (made by a
// checkers.Hasher) and optional Digest HA1s. It fails with ErrUserExists if
// the name is taken, with an error matching checkers.ErrUnsupportedHash if
// the hash cannot be verified, and for a name with a colon (which HTTP
// Basic cannot carry), a control character, or spaces around it.
func (a *Admin) AddUser(ctx context.Context, name, passwordHash string, ha1s ...HA1) error {
	if err := CheckUserName(name); err != nil {
		return err
	}
	if err := validate(a.dialect, name, passwordHash, ha1s); err != nil {
		return err
	}
	return a.tx(ctx, func(tx *sql.Tx) error {
		// A write first, not a check then a write: SQLite cannot turn a
		// transaction that has read into one that writes while another
		// writes (it fails at once with "database is locked", whatever
		// busy_timeout says), and two admins adding one name at once must
		// not both see it free. ON CONFLICT DO NOTHING (SQLite 3.24,
		// PostgreSQL 9.5), without a target, so a table of one's own
		// whose names are unique by another index works too; which key
		// clashed is asked after.
		res, err := tx.ExecContext(ctx, a.q(`INSERT INTO gocred_users (username, password_hash, disabled) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`), name, passwordHash, false)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			// Nothing inserted: the name is taken, or (in a table of
			// one's own) another unique key clashed.
			var one int
			err := tx.QueryRowContext(ctx, a.q(`SELECT 1 FROM gocred_users WHERE username = ?`), name).Scan(&one)
			switch {
			case err == nil:
				return fmt.Errorf("%w: %s", ErrUserExists, strconv.Quote(name))
			case errors.Is(err, sql.ErrNoRows):
				return fmt.Errorf("inserting user %s clashed with another unique key of gocred_users", strconv.Quote(name))
			}
			return err
		}
		return a.insertHA1s(ctx, tx, name, ha1s)
	})
}

// CheckUserName returns the error AddUser gives for a name it refuses on
// any database: empty, with a colon (which HTTP Basic cannot carry), a
// control character, or spaces around it. A tool can ask before it asks
// for a password.
func CheckUserName(name string) error {
	switch {
	case name == "":
		return errors.New("sqlchecker: admin: empty user name")
	case strings.ContainsRune(name, ':') || strings.TrimSpace(name) != name || strings.ContainsFunc(name, unicode.IsControl):
		// A colon ends the user name in HTTP Basic (RFC 7617) and in
		// htpasswd files; spaces around a name and control characters
		// make names that look alike, or forge lines of a listing.
		return fmt.Errorf("sqlchecker: admin: user name %s has a colon, a control character, or spaces around it", strconv.Quote(name))
	}
	return nil
}

// SetPassword replaces a user's password hash and all of their HA1s with
// the ones given (none: the user can no longer log in with Digest), in one
// transaction, so no HA1 of the old password survives the change.
func (a *Admin) SetPassword(ctx context.Context, name, passwordHash string, ha1s ...HA1) error {
	if err := validate(a.dialect, name, passwordHash, ha1s); err != nil {
		return err
	}
	return a.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, a.q(`UPDATE gocred_users SET password_hash = ? WHERE username = ?`), passwordHash, name)
		if err != nil {
			return err
		}
		if err := mustAffect(res, name); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, a.q(`DELETE FROM gocred_digest_ha1 WHERE username = ?`), name); err != nil {
			return err
		}
		return a.insertHA1s(ctx, tx, name, ha1s)
	})
}

// SetDisabled disables or re-enables a user. A disabled user's logins are
// refused with cred.ErrLoginDenied once the password is verified.
func (a *Admin) SetDisabled(ctx context.Context, name string, disabled bool) error {
	return a.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, a.q(`UPDATE gocred_users SET disabled = ? WHERE username = ?`), disabled, name)
		if err != nil {
			return err
		}
		return mustAffect(res, name)
	})
}

// RemoveUser deletes a user and their HA1s.
func (a *Admin) RemoveUser(ctx context.Context, name string) error {
	return a.tx(ctx, func(tx *sql.Tx) error {
		// Explicitly, not by ON DELETE CASCADE: SQLite enforces foreign
		// keys only when asked to, per connection.
		if _, err := tx.ExecContext(ctx, a.q(`DELETE FROM gocred_digest_ha1 WHERE username = ?`), name); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, a.q(`DELETE FROM gocred_users WHERE username = ?`), name)
		if err != nil {
			return err
		}
		return mustAffect(res, name)
	})
}

// User describes one user, without secrets; found is false if there is no
// such user.
func (a *Admin) User(ctx context.Context, name string) (u UserInfo, found bool, err error) {
	err = a.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, a.q(`SELECT username, disabled FROM gocred_users WHERE username = ?`), name).Scan(&u.Name, &u.Disabled)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		rows, err := tx.QueryContext(ctx, a.q(`SELECT realm, algorithm FROM gocred_digest_ha1 WHERE username = ? ORDER BY realm, algorithm`), name)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var h HA1
			if err := rows.Scan(&h.Realm, &h.Algorithm); err != nil {
				return err
			}
			u.Digest = append(u.Digest, h)
		}
		return rows.Err()
	})
	return u, found, err
}

// Users lists the users by name, without secrets.
func (a *Admin) Users(ctx context.Context) ([]UserInfo, error) {
	var users []UserInfo
	err := a.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT username, disabled FROM gocred_users ORDER BY username`)
		if err != nil {
			return err
		}
		index := map[string]int{}
		for rows.Next() {
			var u UserInfo
			if err := rows.Scan(&u.Name, &u.Disabled); err != nil {
				rows.Close()
				return err
			}
			index[u.Name] = len(users)
			users = append(users, u)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.QueryContext(ctx, `SELECT username, realm, algorithm FROM gocred_digest_ha1 ORDER BY username, realm, algorithm`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var name string
			var h HA1
			if err := rows.Scan(&name, &h.Realm, &h.Algorithm); err != nil {
				return err
			}
			if i, ok := index[name]; ok {
				users[i].Digest = append(users[i].Digest, h)
			}
		}
		return rows.Err()
	})
	return users, err
}

func (a *Admin) q(query string) string { return a.dialect.Rebind(query) }

func (a *Admin) insertHA1s(ctx context.Context, tx *sql.Tx, name string, ha1s []HA1) error {
	for _, h := range ha1s {
		if _, err := tx.ExecContext(ctx, a.q(`INSERT INTO gocred_digest_ha1 (username, realm, algorithm, ha1) VALUES (?, ?, ?, ?)`),
			name, h.Realm, h.Algorithm, strings.ToLower(h.Hex())); err != nil {
			return err
		}
	}
	return nil
}

// tx runs f in a transaction, committing if it returns nil.
func (a *Admin) tx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlchecker: admin: %w", err)
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		if errors.Is(err, ErrUserExists) || errors.Is(err, ErrNoSuchUser) {
			return err
		}
		return fmt.Errorf("sqlchecker: admin: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlchecker: admin: commit: %w", err)
	}
	return nil
}

func mustAffect(res sql.Result, name string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%w: %s", ErrNoSuchUser, strconv.Quote(name))
	}
	return nil
}

// validate checks what is about to be stored, so the store never holds a
// hash that would fail every login.
func validate(d Dialect, name, passwordHash string, ha1s []HA1) error {
	if name == "" {
		return errors.New("sqlchecker: admin: empty user name")
	}
	if !d.storable(name) {
		return fmt.Errorf("sqlchecker: admin: user name %s is not valid UTF-8 without NUL, which PostgreSQL needs", strconv.Quote(name))
	}
	// Verifying an empty password against the hash decodes and checks it;
	// the answer itself does not matter.
	if _, err := checkers.VerifyPassword(passwordHash, ""); err != nil {
		return fmt.Errorf("sqlchecker: admin: password hash of user %s: %w", strconv.Quote(name), err)
	}
	var seen []string
	for _, h := range ha1s {
		alg, ok := canonicalAlgorithm(h.Algorithm)
		if !ok || alg != h.Algorithm {
			return fmt.Errorf("sqlchecker: admin: HA1 algorithm %q is not MD5, SHA-256 or SHA-512-256", h.Algorithm)
		}
		if b, err := hex.DecodeString(h.Hex()); err != nil || len(b)*2 != len(dummyHA1[alg]) {
			return fmt.Errorf("sqlchecker: admin: %v is not %d hex digits", h, len(dummyHA1[alg]))
		}
		if !d.storable(h.Realm) {
			return fmt.Errorf("sqlchecker: admin: %v: the realm is not valid UTF-8 without NUL, which PostgreSQL needs", h)
		}
		k := h.Realm + "\x00" + alg
		if slices.Contains(seen, k) {
			return fmt.Errorf("sqlchecker: admin: %v given twice", h)
		}
		seen = append(seen, k)
	}
	return nil
}
