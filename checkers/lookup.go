package checkers

import "context"

// PasswordHashLookup is implemented by checkers whose store keeps an encoded
// password hash per user (Memory, Htpasswd, ...). Decorators use it: the
// verification cache keys its entries by the stored hash, so changing a
// user's password invalidates what was cached for the old one.
type PasswordHashLookup interface {
	// LookupPasswordHash returns the user's stored encoded hash, or found
	// false for an unknown user. err is for store failures only.
	LookupPasswordHash(ctx context.Context, username string) (hash string, found bool, err error)
}
