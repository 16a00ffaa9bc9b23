package sqlchecker

import (
	"strconv"
	"strings"
)

// Dialect is how a database spells query parameters. Queries given to this
// package are written with "?" placeholders, as database/sql's SQLite and
// MySQL drivers take them; for PostgreSQL they are rewritten to $1, $2, ...
type Dialect int

const (
	// SQLite takes "?" placeholders as written (modernc.org/sqlite, and
	// MySQL drivers too).
	SQLite Dialect = iota
	// Postgres takes $1, $2, ... (github.com/jackc/pgx/v5/stdlib, lib/pq).
	Postgres
)

// String returns "sqlite" or "postgres".
func (d Dialect) String() string {
	switch d {
	case SQLite:
		return "sqlite"
	case Postgres:
		return "postgres"
	}
	return "Dialect(" + strconv.Itoa(int(d)) + ")"
}

// valid reports whether d is a known dialect.
func (d Dialect) valid() bool { return d == SQLite || d == Postgres }

// Rebind rewrites the "?" placeholders of query for d. A "?" inside a
// quoted string or identifier ('...', "...") is left alone.
func (d Dialect) Rebind(query string) string {
	if d != Postgres {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	var quote byte // the quote we are inside, or 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// countPlaceholders counts the "?" placeholders of query outside quotes.
func countPlaceholders(query string) int {
	n := 0
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
		}
	}
	return n
}
