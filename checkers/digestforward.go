package checkers

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/gocred/gocred/cred"
)

// allDigestAlgorithms are the base algorithms a store of plaintext passwords
// can verify.
var allDigestAlgorithms = []string{cred.AlgorithmMD5, cred.AlgorithmSHA256, cred.AlgorithmSHA512_256}

// digestAlgorithmsOf reports the Digest base algorithms checker c can verify
// in realm: all if it handles cred.UsernameHashedPassword (it holds
// plaintexts), what its DigestAlgorithms says if it has that method, none if
// it handles no Digest interface. Decorators use it so that a protocol
// looking at a wrapped htdigest store still learns it holds MD5 HA1s only.
func digestAlgorithmsOf(c cred.Checker, realm string) []string {
	ifaces := c.CredentialInterfaces()
	if slices.Contains(ifaces, cred.UsernameHashedPasswordType) {
		return slices.Clone(allDigestAlgorithms)
	}
	if !slices.Contains(ifaces, cred.UsernameDigestHashType) {
		return nil
	}
	if da, ok := c.(cred.DigestAlgorithmer); ok {
		return da.DigestAlgorithms(realm)
	}
	return slices.Clone(allDigestAlgorithms)
}

// resolveUserHashOf asks c to resolve a Digest userhash if it can.
func resolveUserHashOf(ctx context.Context, c cred.Checker, realm, algorithm, userhash string) (string, bool) {
	if r, ok := c.(cred.UserHashResolver); ok {
		return r.ResolveUserHash(ctx, realm, algorithm, userhash)
	}
	return "", false
}

// DigestAlgorithms reports what the inner checker can verify.
func (c *Cache) DigestAlgorithms(realm string) []string { return digestAlgorithmsOf(c.inner, realm) }

// DigestAlgorithms reports what the inner checker can verify.
func (l *Limit) DigestAlgorithms(realm string) []string { return digestAlgorithmsOf(l.inner, realm) }

// DigestAlgorithms reports what the inner checker can verify.
func (t *Throttle) DigestAlgorithms(realm string) []string { return digestAlgorithmsOf(t.inner, realm) }

// DigestAlgorithms reports what every member holding Digest users in
// realm can verify (members that verify no Digest algorithm there are left
// out): a client answers the first challenge it supports, so an algorithm
// one member lacks would lock that member's users out. It is empty if the
// members agree on none, or one cannot say; ReportDigestAlgorithms tells
// which.
func (c *Chain) DigestAlgorithms(realm string) []string {
	algs, _ := c.ReportDigestAlgorithms(realm)
	return algs
}

// ReportDigestAlgorithms is DigestAlgorithms with an error when a member
// cannot say (see cred.DigestAlgorithmReporter) or the members holding
// Digest users in realm agree on no algorithm.
func (c *Chain) ReportDigestAlgorithms(realm string) ([]string, error) {
	var algs, said []string
	seen := false
	for _, m := range c.members {
		mine, err := reportDigestAlgorithmsOf(m, realm)
		if err != nil {
			return nil, err
		}
		switch {
		case len(mine) == 0:
			continue
		case !seen:
			algs, seen = slices.Clone(mine), true
		default:
			algs = slices.DeleteFunc(algs, func(a string) bool { return !slices.Contains(mine, a) })
		}
		said = append(said, fmt.Sprintf("%s verifies %v", cred.DescribeChecker(m), mine))
	}
	if seen && len(algs) == 0 {
		return nil, fmt.Errorf("checkers: the members of %s agree on no Digest algorithm in realm %q (%s)", c, realm, strings.Join(said, "; "))
	}
	return algs, nil
}

// reportDigestAlgorithmsOf is digestAlgorithmsOf with the error of a
// checker that can report one.
func reportDigestAlgorithmsOf(c cred.Checker, realm string) ([]string, error) {
	if r, ok := c.(cred.DigestAlgorithmReporter); ok && handlesDigest(c) {
		return r.ReportDigestAlgorithms(realm)
	}
	return digestAlgorithmsOf(c, realm), nil
}

// handlesDigest reports whether c takes Digest credentials at all.
func handlesDigest(c cred.Checker) bool {
	ifaces := c.CredentialInterfaces()
	return slices.Contains(ifaces, cred.UsernameHashedPasswordType) || slices.Contains(ifaces, cred.UsernameDigestHashType)
}

// ReportDigestAlgorithms reports what the inner checker can verify, or why
// it cannot say.
func (c *Cache) ReportDigestAlgorithms(realm string) ([]string, error) {
	return reportDigestAlgorithmsOf(c.inner, realm)
}

// ReportDigestAlgorithms reports what the inner checker can verify, or why
// it cannot say.
func (l *Limit) ReportDigestAlgorithms(realm string) ([]string, error) {
	return reportDigestAlgorithmsOf(l.inner, realm)
}

// ReportDigestAlgorithms reports what the inner checker can verify, or why
// it cannot say.
func (t *Throttle) ReportDigestAlgorithms(realm string) ([]string, error) {
	return reportDigestAlgorithmsOf(t.inner, realm)
}

// ResolveUserHash asks the inner checker.
func (c *Cache) ResolveUserHash(ctx context.Context, realm, algorithm, userhash string) (string, bool) {
	return resolveUserHashOf(ctx, c.inner, realm, algorithm, userhash)
}

// ResolveUserHash asks the inner checker.
func (l *Limit) ResolveUserHash(ctx context.Context, realm, algorithm, userhash string) (string, bool) {
	return resolveUserHashOf(ctx, l.inner, realm, algorithm, userhash)
}

// ResolveUserHash asks the inner checker.
func (t *Throttle) ResolveUserHash(ctx context.Context, realm, algorithm, userhash string) (string, bool) {
	return resolveUserHashOf(ctx, t.inner, realm, algorithm, userhash)
}

// ResolveUserHash asks each member in turn.
func (c *Chain) ResolveUserHash(ctx context.Context, realm, algorithm, userhash string) (string, bool) {
	for _, m := range c.members {
		if name, ok := resolveUserHashOf(ctx, m, realm, algorithm, userhash); ok {
			return name, true
		}
	}
	return "", false
}

// CanResolveUserHash reports whether the inner checker can resolve
// userhashes (see cred.ResolvesUserHashes).
func (c *Cache) CanResolveUserHash() bool { return cred.ResolvesUserHashes(c.inner) }

// CanResolveUserHash reports whether the inner checker can resolve
// userhashes (see cred.ResolvesUserHashes).
func (l *Limit) CanResolveUserHash() bool { return cred.ResolvesUserHashes(l.inner) }

// CanResolveUserHash reports whether the inner checker can resolve
// userhashes (see cred.ResolvesUserHashes).
func (t *Throttle) CanResolveUserHash() bool { return cred.ResolvesUserHashes(t.inner) }

// CanResolveUserHash reports whether some member can resolve userhashes.
func (c *Chain) CanResolveUserHash() bool {
	for _, m := range c.members {
		if cred.ResolvesUserHashes(m) {
			return true
		}
	}
	return false
}

var (
	_ cred.DigestAlgorithmer = (*Cache)(nil)
	_ cred.DigestAlgorithmer = (*Limit)(nil)
	_ cred.DigestAlgorithmer = (*Throttle)(nil)
	_ cred.DigestAlgorithmer = (*Chain)(nil)
	_ cred.UserHashResolver  = (*Cache)(nil)
	_ cred.UserHashResolver  = (*Limit)(nil)
	_ cred.UserHashResolver  = (*Throttle)(nil)
	_ cred.UserHashResolver  = (*Chain)(nil)
)
