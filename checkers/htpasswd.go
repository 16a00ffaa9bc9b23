package checkers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode"

	"github.com/gocred/gocred/cred"
)

// Htpasswd checks cred.UsernamePassword credentials against an Apache
// htpasswd file, in any format Apache's htpasswd 2.4 writes on Linux: bcrypt
// (-B, $2y$), MD5 (-m, the default, $apr1$), SHA-1 (-s, {SHA}), SHA-256 and
// SHA-512 crypt (-2 and -5, $5$ and $6$). The argon2, scrypt and pbkdf2 PHC
// formats VerifyPassword knows are accepted too.
//
// Two formats are refused at load, with an error naming the file and line:
// DES crypt (-d), which uses only the first 8 characters of a password, and
// plaintext (-p), which Apache itself does not accept on Linux and which
// should never sit in a file. Blank lines and lines starting with # are
// skipped; anything after a second colon on a line is ignored, as Apache
// does. A malformed line or a duplicate user is a load error.
//
// The file is reloaded when it changes (see WithReloadInterval) or on
// Reload; a broken edit is logged and the last good contents stay in use.
// A failed login costs the same whoever it names: an unknown user's
// password is verified against a dummy hash of each algorithm and cost the
// file holds, and a wrong password against the user's own hash and a dummy
// of each of the others. So in a file that mixes formats (apr1 users and a
// bcrypt admin, say) timing does not tell which names exist; failures
// there cost what one check of each format costs. Htpasswd is safe for
// concurrent use.
type Htpasswd struct {
	file *watchedFile[htpasswdTable]
}

// htpasswdTable is one loaded version of an htpasswd file.
type htpasswdTable struct {
	users map[string]htpasswdEntry
	// dummies holds a dummy hash of each cost class in the file (apr1's
	// for an empty file): a failed login verifies every one but the
	// class of the user's own hash.
	dummies []htpasswdEntry
}

type htpasswdEntry struct {
	hash string
	info hashInfo
}

// NewHtpasswd loads the htpasswd file at path. A missing, unreadable or
// malformed file is an error; errors about the contents start with
// "path:line:" and never contain a hash.
func NewHtpasswd(path string, opts ...FileOption) (*Htpasswd, error) {
	f, err := newWatchedFile(path, "htpasswd", func(data []byte, initial bool) (*htpasswdTable, error) {
		return loadHtpasswd(path, data)
	}, opts)
	if err != nil {
		return nil, err
	}
	return &Htpasswd{file: f}, nil
}

// loadHtpasswd parses data and makes a dummy hash of each cost class in it.
func loadHtpasswd(path string, data []byte) (*htpasswdTable, error) {
	t, order, err := parseHtpasswd(path, data)
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool)
	for _, u := range order { // file order, so the dummies' order is stable
		real := t.users[u]
		if seen[real.info.class] {
			continue
		}
		seen[real.info.class] = true
		d := dummyHashLike(real.info, real.hash)
		info, err := parseHash(d)
		if err != nil { // cannot happen: dummies are made to parse
			return nil, fmt.Errorf("checkers: htpasswd %s: making the dummy hash: %w", path, err)
		}
		t.dummies = append(t.dummies, htpasswdEntry{hash: d, info: info})
	}
	if len(t.dummies) == 0 {
		t.dummies = []htpasswdEntry{defaultDummy()}
	}
	return t, nil
}

// defaultDummy is the dummy of a file with no users: an apr1 hash, the
// format htpasswd writes by default.
func defaultDummy() htpasswdEntry {
	d := dummyHashLike(hashInfo{scheme: schemeAPR1, class: "$apr1$8"}, "")
	info, _ := parseHash(d)
	return htpasswdEntry{hash: d, info: info}
}

// parseHtpasswd parses an htpasswd file's contents; it returns the users in
// file order too. Errors start with "path:line:".
func parseHtpasswd(path string, data []byte) (*htpasswdTable, []string, error) {
	t := &htpasswdTable{users: make(map[string]htpasswdEntry)}
	var order []string
	firstLine := make(map[string]int)
	for n, line := range splitLines(data) {
		if line == "" || line[0] == '#' {
			continue
		}
		user, rest, ok := strings.Cut(line, ":")
		if !ok {
			return nil, nil, fmt.Errorf("%s:%d: no ':' between user name and password hash", path, n)
		}
		hash, _, _ := strings.Cut(rest, ":")
		if err := checkUserName(user); err != nil {
			return nil, nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		if first, dup := firstLine[user]; dup {
			return nil, nil, fmt.Errorf("%s:%d: duplicate user %s (first on line %d)", path, n, strconv.Quote(user), first)
		}
		if hash == "" {
			return nil, nil, fmt.Errorf("%s:%d: user %s: empty password hash", path, n, strconv.Quote(user))
		}
		info, err := parseHash(hash)
		if err != nil {
			return nil, nil, fmt.Errorf("%s:%d: user %s: %w", path, n, strconv.Quote(user), err)
		}
		firstLine[user] = n
		t.users[user] = htpasswdEntry{hash: hash, info: info}
		order = append(order, user)
	}
	return t, order, nil
}

// splitLines yields each line with its 1-based number, trimmed of
// surrounding blanks (as Apache's config reader does) and of a \r.
func splitLines(data []byte) func(yield func(int, string) bool) {
	// A byte-order mark, as Windows editors write, is not part of the
	// first user's name.
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	return func(yield func(int, string) bool) {
		n := 0
		for len(data) > 0 {
			n++
			var line []byte
			line, data, _ = bytes.Cut(data, []byte("\n"))
			if !yield(n, strings.Trim(string(line), " \t\r")) {
				return
			}
		}
	}
}

// checkUserName refuses names no htpasswd file can hold and names with
// control characters, which would forge log lines.
func checkUserName(user string) error {
	if user == "" {
		return errors.New("empty user name")
	}
	if strings.ContainsFunc(user, unicode.IsControl) {
		return fmt.Errorf("user %s: control character in user name", strconv.Quote(user))
	}
	return nil
}

// CredentialInterfaces returns cred.UsernamePassword.
func (h *Htpasswd) CredentialInterfaces() []reflect.Type {
	return []reflect.Type{cred.UsernamePasswordType}
}

// RequestAvatarID verifies the password against the user's hash. A wrong
// password and an unknown user both return cred.ErrUnauthorizedLogin after
// a verification of the same cost; a hash that cannot be verified is an
// internal error.
func (h *Htpasswd) RequestAvatarID(ctx context.Context, creds cred.Credentials, mind cred.Mind) (cred.AvatarID, error) {
	c, ok := creds.(cred.UsernamePassword)
	if !ok {
		return cred.AvatarID{}, unhandled(h, creds)
	}
	user := c.Username()
	if user == "" {
		return cred.AvatarID{}, cred.ErrUnknownUser
	}
	t := h.file.get()
	e, found := t.users[user]
	if !found {
		payForFailure(t.dummies, "", c.Password())
		return cred.AvatarID{}, cred.ErrUnknownUser
	}
	ok, err := verifyParsed(e.info, e.hash, c.Password())
	if err != nil {
		return cred.AvatarID{}, fmt.Errorf("checkers: %s: verifying the password of user %s: %w", h, strconv.Quote(user), err)
	}
	if !ok {
		payForFailure(t.dummies, e.info.class, c.Password())
		return cred.AvatarID{}, cred.ErrUnauthorizedLogin
	}
	return cred.UserID(user), nil
}

// payForFailure verifies password against each of dummies (one per cost
// class) but the one of class paid (the class of the hash a wrong password
// was just checked against; "" for an unknown user), discarding the
// results, so that every failed login costs one check of each class.
func payForFailure(dummies []htpasswdEntry, paid, password string) {
	for _, d := range dummies {
		if d.info.class != paid {
			verifyParsed(d.info, d.hash, password)
		}
	}
}

// LookupPasswordHash returns user's encoded hash from the file.
func (h *Htpasswd) LookupPasswordHash(ctx context.Context, user string) (string, bool, error) {
	e, ok := h.file.get().users[user]
	return e.hash, ok, nil
}

// Reload reads the file now, changed or not (again, a few times, while it
// changes as it is read). On error the last good contents stay in use, and
// the error (naming the file, and the line where there is one) is
// returned, and logged.
func (h *Htpasswd) Reload() error { return h.file.reload() }

// Len returns the number of users loaded.
func (h *Htpasswd) Len() int { return len(h.file.get().users) }

// String returns "htpasswd " and the file's path.
func (h *Htpasswd) String() string { return "htpasswd " + h.file.path }

var (
	_ cred.Checker       = (*Htpasswd)(nil)
	_ PasswordHashLookup = (*Htpasswd)(nil)
)
