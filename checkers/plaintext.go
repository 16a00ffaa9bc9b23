package checkers

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"maps"
	"reflect"
	"slices"
	"strconv"

	"github.com/gocred/gocred/cred"
)

// InsecurePlaintext is a checker over user names and plaintext passwords
// held in memory, for tests and demos only: anyone who reads the process's
// memory or configuration learns every password. Use Memory, Htpasswd or
// Htdigest for real users.
//
// Because it holds plaintexts it can check every kind of password
// credential: cred.UsernamePassword, cred.UsernameHashedPassword (the
// credential does the Digest arithmetic) and cred.UsernameDigestHash for any
// realm and for the MD5, SHA-256 and SHA-512-256 algorithms. It is
// immutable, hence safe for concurrent use.
type InsecurePlaintext struct {
	users map[string]string
	dummy string // compared against for unknown users
}

// NewInsecurePlaintext returns a store of the given user names and
// plaintext passwords. The map is copied.
func NewInsecurePlaintext(users map[string]string) *InsecurePlaintext {
	return &InsecurePlaintext{users: maps.Clone(users), dummy: rand.Text()}
}

// CredentialInterfaces returns cred.UsernamePassword,
// cred.UsernameHashedPassword and cred.UsernameDigestHash.
func (p *InsecurePlaintext) CredentialInterfaces() []reflect.Type {
	return []reflect.Type{cred.UsernamePasswordType, cred.UsernameHashedPasswordType, cred.UsernameDigestHashType}
}

// RequestAvatarID checks creds against the stored plaintext. A wrong
// password and an unknown user both return cred.ErrUnauthorizedLogin, after
// the same work.
func (p *InsecurePlaintext) RequestAvatarID(ctx context.Context, creds cred.Credentials, mind cred.Mind) (cred.AvatarID, error) {
	switch c := creds.(type) {
	case cred.UsernameHashedPassword: // also every cred.UsernamePassword
		user := c.Username()
		if user == "" {
			return cred.AvatarID{}, cred.ErrUnknownUser
		}
		pw, ok := p.users[user]
		if ok && pw == "" {
			return cred.AvatarID{}, cred.ErrUnauthorizedLogin
		}
		if !ok {
			pw = p.dummy
		}
		if c.CheckPassword(pw) && ok {
			return cred.UserID(user), nil
		}
		return cred.AvatarID{}, refusal(ok)
	case cred.UsernameDigestHash:
		user := c.Username()
		newHash := digestHashFunc(c.Algorithm())
		if user == "" || newHash == nil {
			return cred.AvatarID{}, cred.ErrUnknownUser
		}
		pw, ok := p.users[user]
		if ok && pw == "" {
			return cred.AvatarID{}, cred.ErrUnauthorizedLogin
		}
		if !ok {
			pw = p.dummy
		}
		if c.CheckHash(digestHex(newHash, user, c.Realm(), pw)) && ok {
			return cred.UserID(user), nil
		}
		return cred.AvatarID{}, refusal(ok)
	}
	return cred.AvatarID{}, unhandled(p, creds)
}

// DigestAlgorithms returns MD5, SHA-256 and SHA-512-256 for every realm: a
// plaintext store can compute any HA1.
func (p *InsecurePlaintext) DigestAlgorithms(realm string) []string {
	return slices.Clone(digestAlgorithms)
}

// ResolveUserHash finds the user whose RFC 7616 userhash, hex
// H(username ":" realm), is userhash. It hashes every user name, so it is
// meant for the small stores this type is for.
func (p *InsecurePlaintext) ResolveUserHash(ctx context.Context, realm, algorithm, userhash string) (string, bool) {
	newHash := digestHashFunc(algorithm)
	if newHash == nil || userhash == "" {
		return "", false
	}
	var found string
	for user := range p.users {
		if subtle.ConstantTimeCompare([]byte(digestHex(newHash, user, realm)), []byte(userhash)) == 1 {
			found = user
		}
	}
	return found, found != ""
}

// Len returns the number of users.
func (p *InsecurePlaintext) Len() int { return len(p.users) }

// String describes the store without its contents, e.g. "insecure
// plaintext (2 users)".
func (p *InsecurePlaintext) String() string {
	return "insecure plaintext (" + strconv.Itoa(len(p.users)) + " users)"
}

var (
	_ cred.Checker           = (*InsecurePlaintext)(nil)
	_ cred.DigestAlgorithmer = (*InsecurePlaintext)(nil)
	_ cred.UserHashResolver  = (*InsecurePlaintext)(nil)
)
