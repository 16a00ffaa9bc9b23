package checkers

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/gocred/gocred/cred"
)

// digestAlgorithms lists the base Digest algorithms a plaintext store can
// compute HA1s for.
var digestAlgorithms = []string{cred.AlgorithmMD5, cred.AlgorithmSHA256, cred.AlgorithmSHA512_256}

// digestHashFunc returns the hash of a Digest algorithm name (RFC 7616;
// case-insensitive, "-sess" variants use the same function), or nil.
func digestHashFunc(algorithm string) func() hash.Hash {
	alg := strings.ToUpper(strings.TrimSuffix(strings.ToUpper(algorithm), "-SESS"))
	switch alg {
	case "", cred.AlgorithmMD5: // RFC 7616: a missing algorithm means MD5
		return md5.New
	case cred.AlgorithmSHA256:
		return sha256.New
	case cred.AlgorithmSHA512_256:
		return sha512.New512_256
	}
	return nil
}

// digestHex returns hex H(parts joined by ":").
func digestHex(newHash func() hash.Hash, parts ...string) string {
	h := newHash()
	for i, p := range parts {
		if i > 0 {
			h.Write([]byte{':'})
		}
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Htdigest checks logins against an Apache htdigest file (lines
// "user:realm:HA1", HA1 = hex MD5(user ":" realm ":" password)), for one
// realm. Lines of other realms are loaded past, not errors. It handles
// cred.UsernameDigestHash for its realm and MD5 (supplying the stored HA1,
// so the password is never needed) and cred.UsernamePassword (hashing the
// given password into an HA1 and comparing, in constant time).
//
// A file with no user for the realm is an error at construction (most
// likely the realm is misspelt); a reload that leaves the realm empty is
// accepted, so removing every user takes effect, and logged as a warning.
// Malformed lines and duplicate user/realm pairs are load errors naming the
// file and line. The file is reloaded when it changes (see
// WithReloadInterval) or on Reload; a broken edit is logged and the last
// good contents stay in use. Unknown users cost the same HA1 arithmetic as
// known ones. Htdigest is safe for concurrent use.
type Htdigest struct {
	realm string
	file  *watchedFile[htdigestTable]
}

// htdigestTable is one loaded version of an htdigest file, for one realm.
type htdigestTable struct {
	users      map[string]string // user -> HA1, lower-case hex
	byUserHash map[string]string // hex MD5(user ":" realm) -> user
	dummyHA1   string            // checked against for unknown users
	realms     []string          // every realm in the file, for messages
}

// NewHtdigest loads the lines for realm from the htdigest file at path. A
// missing, unreadable or malformed file, or one without a user for realm, is
// an error; errors about the contents start with "path:line:" and never
// contain an HA1.
func NewHtdigest(path, realm string, opts ...FileOption) (*Htdigest, error) {
	h := &Htdigest{realm: realm}
	f, err := newWatchedFile(path, "htdigest", func(data []byte, initial bool) (*htdigestTable, error) {
		t, err := parseHtdigest(path, realm, data)
		if err != nil {
			return nil, err
		}
		if len(t.users) == 0 {
			if initial {
				return nil, fmt.Errorf("checkers: htdigest %s: no user for realm %s (realms in the file: %s)", path, strconv.Quote(realm), quoteList(t.realms))
			}
			h.file.cfg.logger.Warn("htdigest: no user left for the realm", "file", path, "realm", realm)
		}
		return t, nil
	}, opts)
	if err != nil {
		return nil, err
	}
	h.file = f
	return h, nil
}

func quoteList(ss []string) string {
	if len(ss) == 0 {
		return "none"
	}
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

// parseHtdigest parses an htdigest file's contents, keeping the users of
// realm. Errors start with "path:line:".
func parseHtdigest(path, realm string, data []byte) (*htdigestTable, error) {
	t := &htdigestTable{
		users:      make(map[string]string),
		byUserHash: make(map[string]string),
		dummyHA1:   digestHex(md5.New, rand.Text(), realm, rand.Text()),
	}
	type key struct{ user, realm string }
	firstLine := make(map[key]int)
	for n, line := range splitLines(data) {
		if line == "" || line[0] == '#' {
			continue
		}
		fields := strings.Split(line, ":")
		if len(fields) != 3 {
			return nil, fmt.Errorf("%s:%d: want user:realm:HA1, found %d fields", path, n, len(fields))
		}
		user, r, ha1 := fields[0], fields[1], strings.ToLower(fields[2])
		if err := checkUserName(user); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		if strings.ContainsFunc(r, unicode.IsControl) {
			return nil, fmt.Errorf("%s:%d: user %s: control character in realm", path, n, strconv.Quote(user))
		}
		if len(ha1) != 2*md5.Size || strings.Trim(ha1, "0123456789abcdef") != "" {
			return nil, fmt.Errorf("%s:%d: user %s: HA1 is not 32 hexadecimal digits", path, n, strconv.Quote(user))
		}
		k := key{user, r}
		if first, dup := firstLine[k]; dup {
			return nil, fmt.Errorf("%s:%d: duplicate user %s in realm %s (first on line %d)", path, n, strconv.Quote(user), strconv.Quote(r), first)
		}
		firstLine[k] = n
		if !slices.Contains(t.realms, r) {
			t.realms = append(t.realms, r)
		}
		if r == realm {
			t.users[user] = ha1
			t.byUserHash[digestHex(md5.New, user, realm)] = user
		}
	}
	return t, nil
}

// CredentialInterfaces returns cred.UsernameDigestHash and
// cred.UsernamePassword.
func (h *Htdigest) CredentialInterfaces() []reflect.Type {
	return []reflect.Type{cred.UsernameDigestHashType, cred.UsernamePasswordType}
}

// RequestAvatarID checks Digest credentials against the stored HA1, or a
// plaintext password by hashing it into an HA1. Digest credentials for
// another realm or algorithm than MD5 are refused. A wrong password and an
// unknown user both return cred.ErrUnauthorizedLogin after the same work.
func (h *Htdigest) RequestAvatarID(ctx context.Context, creds cred.Credentials, mind cred.Mind) (cred.AvatarID, error) {
	switch c := creds.(type) {
	case cred.UsernameDigestHash:
		user := c.Username()
		if user == "" || c.Realm() != h.realm || !isMD5(c.Algorithm()) {
			return cred.AvatarID{}, cred.ErrUnknownUser // none of this file's users can answer
		}
		t := h.file.get()
		ha1, found := t.users[user]
		if !found {
			ha1 = t.dummyHA1
		}
		if c.CheckHash(ha1) && found {
			return cred.UserID(user), nil
		}
		return cred.AvatarID{}, refusal(found)
	case cred.UsernamePassword:
		user := c.Username()
		if user == "" {
			return cred.AvatarID{}, cred.ErrUnknownUser
		}
		t := h.file.get()
		ha1, found := t.users[user]
		if !found {
			ha1 = t.dummyHA1
		}
		if constantTimeEqual(digestHex(md5.New, user, h.realm, c.Password()), ha1) && found {
			return cred.UserID(user), nil
		}
		return cred.AvatarID{}, refusal(found)
	}
	return cred.AvatarID{}, unhandled(h, creds)
}

// isMD5 reports whether a Digest algorithm name is MD5 or MD5-sess.
func isMD5(algorithm string) bool {
	return strings.EqualFold(algorithm, cred.AlgorithmMD5) || strings.EqualFold(algorithm, cred.AlgorithmMD5+"-SESS")
}

// DigestAlgorithms returns MD5 for the file's realm, and nothing for others:
// htdigest files hold MD5 HA1s only.
func (h *Htdigest) DigestAlgorithms(realm string) []string {
	if realm != h.realm {
		return nil
	}
	return []string{cred.AlgorithmMD5}
}

// ResolveUserHash maps an RFC 7616 userhash (hex MD5(user ":" realm)) to a
// user of the file's realm.
func (h *Htdigest) ResolveUserHash(ctx context.Context, realm, algorithm, userhash string) (string, bool) {
	if realm != h.realm || !isMD5(algorithm) {
		return "", false
	}
	user, ok := h.file.get().byUserHash[strings.ToLower(userhash)]
	return user, ok
}

// Reload reads the file now, changed or not (again, a few times, while it
// changes as it is read). On error the last good contents stay in use, and
// the error (naming the file, and the line where there is one) is
// returned, and logged.
func (h *Htdigest) Reload() error { return h.file.reload() }

// Len returns the number of users loaded for the realm.
func (h *Htdigest) Len() int { return len(h.file.get().users) }

// Realm returns the realm whose users are loaded.
func (h *Htdigest) Realm() string { return h.realm }

// String returns "htdigest " and the file's path.
func (h *Htdigest) String() string { return "htdigest " + h.file.path }

var (
	_ cred.Checker           = (*Htdigest)(nil)
	_ cred.DigestAlgorithmer = (*Htdigest)(nil)
	_ cred.UserHashResolver  = (*Htdigest)(nil)
)

// secretStamp returns user's HA1, for the key of a Cache over a Chain
// holding this file (see Chain.LookupPasswordHash).
func (h *Htdigest) secretStamp(ctx context.Context, user string) (string, bool, error) {
	ha1, ok := h.file.get().users[user]
	return ha1, ok, nil
}
