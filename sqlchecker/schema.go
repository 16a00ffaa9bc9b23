package sqlchecker

import (
	"context"
	"fmt"
	"strings"
)

// Schema is the default table layout, which the default queries read and
// Admin writes. The same SQL works in SQLite and PostgreSQL:
//
//   - gocred_users holds one row per user: the name, the password hash in
//     any format checkers.VerifyPassword understands (argon2id, bcrypt,
//     SHA-crypt, ...), and a disabled flag.
//   - gocred_digest_ha1 optionally holds, per user, realm and base algorithm
//     (MD5, SHA-256, SHA-512-256), the HTTP Digest HA1 =
//     H(username ":" realm ":" password) in lower-case hex, for Digest
//     logins without a plaintext password. An HA1 is a fast, unsalted hash:
//     it lets whoever reads it log in to that realm, and a leaked table is
//     quick to brute-force. Store HA1s only for realms that need Digest.
const Schema = `CREATE TABLE IF NOT EXISTS gocred_users (
    username      TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE IF NOT EXISTS gocred_digest_ha1 (
    username  TEXT NOT NULL REFERENCES gocred_users (username) ON DELETE CASCADE,
    realm     TEXT NOT NULL,
    algorithm TEXT NOT NULL,
    ha1       TEXT NOT NULL,
    PRIMARY KEY (username, realm, algorithm)
);
CREATE INDEX IF NOT EXISTS gocred_digest_ha1_realm ON gocred_digest_ha1 (realm, algorithm);
`

// CreateSchema creates the tables of Schema if they do not exist yet.
func CreateSchema(ctx context.Context, db Execer) error {
	// One statement per call: not every driver runs several in one Exec.
	for stmt := range strings.SplitSeq(Schema, ";") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("sqlchecker: creating the schema: %w", err)
		}
	}
	return nil
}
