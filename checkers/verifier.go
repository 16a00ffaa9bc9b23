package checkers

import (
	"fmt"
	"log/slog"
	"slices"
	"sync/atomic"
)

// PasswordVerifier verifies passwords against the encoded hashes of a
// store it cannot list (a database, a secret provider), so that a failed
// login costs the same whether or not the name exists, even when the store
// holds hashes of several formats or costs (bcrypt for some users, argon2id
// for others, during a migration say).
//
// It learns the hash classes (algorithm and cost parameters) the store
// holds: from the hashes given to NewPasswordVerifier and Learn, then from
// every hash it verifies, up to MaxPasswordVerifierClasses. For each
// class it keeps a dummy hash of a random password. A failed login, wrong
// password or unknown user, then costs one check of each class learnt: a
// wrong password its own check plus one dummy of every other class, an
// unknown user one dummy of every class. Until a class is learnt, a name
// holding it can be told from an unknown one by timing, so seed it with a
// hash of each class the store is known to hold (a dummy made by the
// Hasher new passwords are stored with, at least). A class met once
// MaxPasswordVerifierClasses are known is not learnt, and its users can be
// told from unknown names the same way: Learn reports that as an error,
// and Verify, meeting such a class at a login, logs a warning once (to
// the logger given to SetLogger, slog.Default() if none), naming the
// class, never the hash.
//
// A PasswordVerifier is safe for concurrent use.
type PasswordVerifier struct {
	dummies atomic.Pointer[[]htpasswdEntry] // one per class learnt; never shrinks
	logger  atomic.Pointer[slog.Logger]
	warned  atomic.Bool // the warning about a class beyond the bound is out
}

// MaxPasswordVerifierClasses bounds the hash classes a PasswordVerifier
// learns, and so what a failed login costs.
const MaxPasswordVerifierClasses = 8

// NewPasswordVerifier returns a verifier that knows the classes of the
// given encoded hashes (at least one; a Hasher's Hash of a random password
// will do). It fails, naming the position, if one is not a hash
// VerifyPassword understands.
func NewPasswordVerifier(known ...string) (*PasswordVerifier, error) {
	if len(known) == 0 {
		return nil, fmt.Errorf("checkers: NewPasswordVerifier: no hash given: name at least one of the kind the store holds")
	}
	v := &PasswordVerifier{}
	v.dummies.Store(&[]htpasswdEntry{})
	for i, h := range known {
		if err := v.Learn(h); err != nil {
			return nil, fmt.Errorf("checkers: NewPasswordVerifier: hash %d: %w", i+1, err)
		}
	}
	return v, nil
}

// Learn adds the class of encoded, a hash of the store's (or of a random
// password made the same way), if v does not know it yet. It fails if
// encoded is not a hash VerifyPassword understands, or if v already knows
// MaxPasswordVerifierClasses other classes.
func (v *PasswordVerifier) Learn(encoded string) error {
	info, err := parseHash(encoded)
	if err != nil {
		return err
	}
	if !v.learn(info, encoded) {
		return fmt.Errorf("checkers: a password verifier knows at most %d hash classes; %s is not among them", MaxPasswordVerifierClasses, info.class)
	}
	return nil
}

// newPasswordVerifierOf returns a verifier seeded with already-made
// dummies (which must be non-empty and parse).
func newPasswordVerifierOf(dummies ...htpasswdEntry) *PasswordVerifier {
	v := &PasswordVerifier{}
	d := slices.Clone(dummies)
	v.dummies.Store(&d)
	return v
}

// Verify reports whether password matches encoded, the stored hash of a
// user the store found; for a user it did not find (found false, encoded
// ignored) it reports false. Either way a false answer comes after the
// same work: one check of each class learnt. An error (encoded is not a
// hash VerifyPassword understands) is the store's fault, not the
// password's, and says nothing about the hash's value.
func (v *PasswordVerifier) Verify(encoded string, found bool, password string) (bool, error) {
	if !found {
		payForFailure(*v.dummies.Load(), "", password)
		return false, nil
	}
	info, err := parseHash(encoded)
	if err != nil {
		return false, err
	}
	if !v.learn(info, encoded) && !v.warned.Swap(true) {
		l := v.logger.Load()
		if l == nil {
			l = slog.Default()
		}
		l.Warn("checkers: the store holds more hash classes than a password verifier learns: users of this class can be told from unknown names by the time a failed login takes; rehash them with a class the store knows",
			"class", info.class, "max_classes", MaxPasswordVerifierClasses)
	}
	ok, err := verifyParsed(info, encoded, password)
	if err != nil {
		return false, err
	}
	if !ok {
		payForFailure(*v.dummies.Load(), info.class, password)
	}
	return ok, nil
}

// SetLogger sets where v's warning goes (see PasswordVerifier); nil means
// slog.Default().
func (v *PasswordVerifier) SetLogger(l *slog.Logger) { v.logger.Store(l) }

// Classes returns how many hash classes v has learnt.
func (v *PasswordVerifier) Classes() int { return len(*v.dummies.Load()) }

// learn adds a dummy of info's class, if v has none yet and has room. It
// reports whether v knows the class afterwards.
func (v *PasswordVerifier) learn(info hashInfo, encoded string) bool {
	for {
		old := v.dummies.Load()
		for _, d := range *old {
			if d.info.class == info.class {
				return true
			}
		}
		if len(*old) >= MaxPasswordVerifierClasses {
			return false
		}
		nd := htpasswdEntry{hash: dummyHashLike(info, encoded)}
		var err error
		if nd.info, err = parseHash(nd.hash); err != nil {
			return false
		}
		next := append(slices.Clip(*old), nd)
		if v.dummies.CompareAndSwap(old, &next) {
			return true
		}
	}
}
