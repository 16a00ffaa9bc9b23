package checkers

import (
	"context"
	"fmt"

	"github.com/gocred/gocred/cred"
)

// digestAlgorithmsOf reports the Digest base algorithms checker c can verify
// in realm (cred.DigestAlgorithmsOf, without its error). Decorators use it
// so that a protocol looking at a wrapped htdigest store still learns it
// holds MD5 HA1s only.
func digestAlgorithmsOf(c cred.Checker, realm string) []string {
	algs, _ := cred.DigestAlgorithmsOf(c, realm)
	return algs
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
// Digest users in realm agree on no algorithm (cred.AgreedDigestAlgorithms).
func (c *Chain) ReportDigestAlgorithms(realm string) ([]string, error) {
	algs, err := cred.AgreedDigestAlgorithms(realm, c.members...)
	if err != nil {
		return nil, fmt.Errorf("checkers: %s: %w", c, err)
	}
	return algs, nil
}

// ReportDigestAlgorithms reports what the inner checker can verify, or why
// it cannot say.
func (c *Cache) ReportDigestAlgorithms(realm string) ([]string, error) {
	return cred.DigestAlgorithmsOf(c.inner, realm)
}

// ReportDigestAlgorithms reports what the inner checker can verify, or why
// it cannot say.
func (l *Limit) ReportDigestAlgorithms(realm string) ([]string, error) {
	return cred.DigestAlgorithmsOf(l.inner, realm)
}

// ReportDigestAlgorithms reports what the inner checker can verify, or why
// it cannot say.
func (t *Throttle) ReportDigestAlgorithms(realm string) ([]string, error) {
	return cred.DigestAlgorithmsOf(t.inner, realm)
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
