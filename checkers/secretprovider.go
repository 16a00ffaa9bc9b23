package checkers

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	auth "github.com/abbot/go-http-auth"
	"github.com/gocred/gocred/cred"
)

// FromBasicSecretProvider adapts a go-http-auth SecretProvider that returns
// an encoded password hash per user (as auth.HtpasswdFileProvider does) into
// a checker of cred.UsernamePassword. realm is passed to the provider.
//
// The hash is verified with VerifyPassword. An empty secret means an
// unknown user. A provider cannot list its users, so the checker learns
// the hash formats (algorithm and cost) it holds as it sees them: at
// construction from knownUsers (names whose hashes are asked for once, now;
// name a user of each format the provider holds, an administrator's
// stronger hash say), then from every login. A failed login, wrong password
// or unknown user, then costs one check of each format learnt, so its time
// does not tell whether the name exists (see PasswordVerifier); until a
// format is learnt, a name holding it can be told from an unknown one. A
// panic in the provider
// (go-http-auth panics on a missing or malformed file) is recovered and
// returned as an internal error, never as a refusal.
func FromBasicSecretProvider(sp auth.SecretProvider, realm string, knownUsers ...string) cred.Checker {
	v := newPasswordVerifierOf(defaultDummy())
	for _, u := range knownUsers {
		if secret, err := callProvider(sp, u, realm); err == nil && secret != "" {
			if info, err := parseHash(secret); err == nil {
				v.learn(info, secret)
			}
		}
	}
	return &basicSecretChecker{sp: sp, realm: realm, verifier: v}
}

// FromDigestSecretProvider adapts a go-http-auth SecretProvider that returns
// an MD5 HA1 per user (as auth.HtdigestFileProvider does) into a checker of
// cred.UsernameDigestHash (for realm and MD5) and cred.UsernamePassword.
//
// An empty secret means an unknown user: refused after the same HA1
// arithmetic against a dummy, never computed with an empty HA1. A secret
// that is not 32 hex digits, or a panic in the provider, is an internal
// error, never a refusal.
func FromDigestSecretProvider(sp auth.SecretProvider, realm string) cred.Checker {
	return &digestSecretChecker{sp: sp, realm: realm, dummyHA1: digestHex(md5.New, rand.Text(), realm, rand.Text())}
}

// callProvider calls sp, turning a panic into an error. The panic value is
// shown only if it is an error (go-http-auth's are file and CSV errors,
// which carry no secret); anything else is reported by type.
func callProvider(sp auth.SecretProvider, user, realm string) (secret string, err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = fmt.Errorf("checkers: secret provider panicked: %w", e)
			} else {
				err = fmt.Errorf("checkers: secret provider panicked with a %T", r)
			}
		}
	}()
	return sp(user, realm), nil
}

type basicSecretChecker struct {
	sp       auth.SecretProvider
	realm    string
	verifier *PasswordVerifier
}

func (c *basicSecretChecker) CredentialInterfaces() []reflect.Type {
	return []reflect.Type{cred.UsernamePasswordType}
}

func (c *basicSecretChecker) RequestAvatarID(ctx context.Context, creds cred.Credentials, mind cred.Mind) (cred.AvatarID, error) {
	up, ok := creds.(cred.UsernamePassword)
	if !ok {
		return cred.AvatarID{}, unhandled(c, creds)
	}
	user := up.Username()
	if user == "" {
		return cred.AvatarID{}, cred.ErrUnknownUser
	}
	secret, err := callProvider(c.sp, user, c.realm)
	if err != nil {
		return cred.AvatarID{}, err
	}
	ok, err = c.verifier.Verify(secret, secret != "", up.Password())
	if err != nil {
		return cred.AvatarID{}, fmt.Errorf("checkers: %s: the hash of user %s: %w", c, strconv.Quote(user), err)
	}
	if !ok {
		return cred.AvatarID{}, refusal(secret != "")
	}
	return cred.UserID(user), nil
}

func (c *basicSecretChecker) String() string {
	return "go-http-auth basic secret provider (realm " + strconv.Quote(c.realm) + ")"
}

type digestSecretChecker struct {
	sp       auth.SecretProvider
	realm    string
	dummyHA1 string
}

func (c *digestSecretChecker) CredentialInterfaces() []reflect.Type {
	return []reflect.Type{cred.UsernameDigestHashType, cred.UsernamePasswordType}
}

// ha1 asks the provider for user's HA1; found is false for an unknown user,
// in which case ha1 is the dummy.
func (c *digestSecretChecker) ha1(user string) (ha1 string, found bool, err error) {
	secret, err := callProvider(c.sp, user, c.realm)
	if err != nil {
		return "", false, err
	}
	if secret == "" {
		return c.dummyHA1, false, nil
	}
	secret = strings.ToLower(secret)
	if len(secret) != 2*md5.Size || strings.Trim(secret, "0123456789abcdef") != "" {
		return "", false, fmt.Errorf("checkers: %s: the HA1 of user %s is not 32 hexadecimal digits", c, strconv.Quote(user))
	}
	return secret, true, nil
}

func (c *digestSecretChecker) RequestAvatarID(ctx context.Context, creds cred.Credentials, mind cred.Mind) (cred.AvatarID, error) {
	var user string
	var check func(ha1 string) bool
	switch cr := creds.(type) {
	case cred.UsernameDigestHash:
		user = cr.Username()
		if cr.Realm() != c.realm || !isMD5(cr.Algorithm()) {
			return cred.AvatarID{}, cred.ErrUnknownUser // none of its users can answer
		}
		check = cr.CheckHash
	case cred.UsernamePassword:
		user = cr.Username()
		check = func(ha1 string) bool {
			return constantTimeEqual(digestHex(md5.New, user, c.realm, cr.Password()), ha1)
		}
	default:
		return cred.AvatarID{}, unhandled(c, creds)
	}
	if user == "" {
		return cred.AvatarID{}, cred.ErrUnknownUser
	}
	ha1, found, err := c.ha1(user)
	if err != nil {
		return cred.AvatarID{}, err
	}
	if check(ha1) && found {
		return cred.UserID(user), nil
	}
	return cred.AvatarID{}, refusal(found)
}

// DigestAlgorithms returns MD5 for the provider's realm.
func (c *digestSecretChecker) DigestAlgorithms(realm string) []string {
	if realm != c.realm {
		return nil
	}
	return []string{cred.AlgorithmMD5}
}

func (c *digestSecretChecker) String() string {
	return "go-http-auth digest secret provider (realm " + strconv.Quote(c.realm) + ")"
}

var (
	_ cred.Checker           = (*basicSecretChecker)(nil)
	_ cred.Checker           = (*digestSecretChecker)(nil)
	_ cred.DigestAlgorithmer = (*digestSecretChecker)(nil)
)
