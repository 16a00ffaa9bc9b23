package main

import (
	"log/slog"

	"github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/cred"
)

// demoUsers is the built-in store used when no user file is given. The
// passwords are in the program, so it is for trying the server out only.
var demoUsers = map[string]string{
	"alice": "wonderland",
	"bob":   "builder",
}

// users is the checker the flags describe, and what the HTTP side needs to
// know about it.
type users struct {
	// checker is the stores behind the decorators. Like every gocred
	// decorator it reports which Digest algorithms the stores behind it
	// can verify; none means Digest cannot be offered (htpasswd hashes are
	// one-way).
	checker interface {
		cred.Checker
		cred.DigestAlgorithmer
	}
	demo bool
}

// userFiles is what the -htpasswd and -htdigest files gave.
type userFiles struct {
	stores     []cred.Checker
	hashLookup bool // some store can look up password hashes, for the cache
}

// loadUsers opens the user files the flags name (or the demo store) and wraps
// them in the decorators every real server wants.
func loadUsers(c config, log *slog.Logger) (users, error) {
	files, err := loadUserFiles(c, log)
	if err != nil {
		return users{}, err
	}
	stores := files.stores
	var u users
	if len(stores) == 0 {
		u.demo = true
		stores = append(stores, checkers.NewInsecurePlaintext(demoUsers))
		log.Warn("no -htpasswd or -htdigest: using the built-in DEMO users (alice/wonderland, bob/builder); never for real files")
	}

	// One checker trying each store in turn.
	checker := stores[0]
	if len(stores) > 1 {
		checker = checkers.NewChain(stores...)
	}
	// At most one slow hash per CPU at once, so a flood of bad passwords
	// cannot starve the file transfers.
	checker = checkers.NewLimit(checker, 0)
	// Remember verified passwords for a while: Basic clients resend the
	// password with every request, and bcrypt costs tens of milliseconds.
	// It keys entries by the stored hash, so it needs an htpasswd file.
	if files.hashLookup {
		if checker, err = checkers.NewCache(checker, checkers.CacheOptions{}); err != nil {
			return users{}, err
		}
	}
	// Outermost, ONE throttle for the one portal both protocols share, so
	// failed logins count per user name and address across HTTP and FTP,
	// and a locked-out guesser costs no hashing at all.
	u.checker = checkers.NewThrottle(checker, checkers.NewMemoryThrottleStore(), checkers.ThrottlePolicy{})
	return u, nil
}
