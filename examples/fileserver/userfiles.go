package main

import (
	"fmt"
	"log/slog"

	"github.com/gocred/gocred/checkers"
)

// loadUserFiles opens the -htpasswd and -htdigest files. A missing or
// unreadable file, or a line the checker cannot use, is an error naming the
// flag, the file and the line. The files are re-read when they change, so
// users added with htpasswd or htdigest can log in without a restart.
func loadUserFiles(c config, log *slog.Logger) (userFiles, error) {
	var f userFiles
	if c.htpasswd != "" {
		h, err := checkers.NewHtpasswd(c.htpasswd, checkers.WithLogger(log))
		if err != nil {
			return f, fmt.Errorf("-htpasswd: %w", err)
		}
		log.Info("loaded users", "file", c.htpasswd, "format", "htpasswd", "users", h.Len(),
			"serves", "HTTP Basic and FTP")
		f.stores = append(f.stores, h)
		f.hashLookup = true
	}
	if c.htdigest != "" {
		h, err := checkers.NewHtdigest(c.htdigest, c.realm, checkers.WithLogger(log))
		if err != nil {
			return f, fmt.Errorf("-htdigest: %w", err)
		}
		log.Info("loaded users", "file", c.htdigest, "format", "htdigest", "realm", c.realm, "users", h.Len(),
			"serves", "HTTP Digest, HTTP Basic and FTP")
		f.stores = append(f.stores, h)
	}
	if c.htpasswd != "" && c.htdigest != "" {
		// Browsers answer Digest when it is offered, and a user known only
		// to the htpasswd file has no HA1 to check a Digest response with.
		log.Warn("users only in the -htpasswd file cannot log in with HTTP Digest, which browsers prefer; " +
			"add them to the -htdigest file too, or they must use Basic (curl --basic) or FTP")
	}
	return f, nil
}
