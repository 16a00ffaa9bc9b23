// Command creduser adds, changes and removes the users of a gocred SQL
// store (the tables of sqlchecker.Schema), in SQLite or PostgreSQL, so
// nobody writes password hashes by hand.
//
//	creduser -db DSN [flags] init
//	creduser -db DSN [flags] add USER       # reads the password
//	creduser -db DSN [flags] passwd USER    # reads the new password
//	creduser -db DSN disable USER | enable USER | remove USER | list
//
// -db is "sqlite:PATH" or a "postgres://" URL ($GOCRED_DB when -db is not
// given at all: an empty -db, a variable not set, is refused; keep a
// database password there, or in PGPASSWORD or ~/.pgpass, rather than on
// the command line, where ps shows it). Only init creates a SQLite file,
// and makes it readable by its owner alone (0600, whatever the umask): it
// holds password hashes and Digest HA1s, and an HA1 is enough to log in
// with Digest. A file there already keeps its mode.
//
// Passwords are never taken from the command line, where other users and
// shell histories can see them: from a terminal they are read without echo,
// twice; otherwise the first line of standard input is the password (a
// byte order mark is dropped). Either way invalid UTF-8 and control
// characters (a newline typed as Ctrl-V Ctrl-J among them) are refused. On
// Linux, macOS, FreeBSD, NetBSD, OpenBSD and illumos, Ctrl-C, Ctrl-\, a
// kill or a hang-up at the prompt turns echo back on before the program
// exits, Ctrl-Z does nothing there, and a prompt stopped by kill (-TSTP
// turns echo back on while it is stopped, -STOP cannot) turns echo off
// again and shows itself anew when continued (fg). Elsewhere (Windows) echo
// comes back on when the prompt ends, not when it is interrupted. The store
// is asked first, so a taken or unknown name is said before the password
// is typed. Flags that do nothing for a command are refused, not ignored.
//
// Flags for add and passwd: -hash argon2id (default) or bcrypt, and
// -bcrypt-cost. -digest-realm REALM also stores HTTP Digest HA1s for that
// realm (-digest-algorithms, default SHA-256,MD5) so the user can log in
// with Digest; an HA1 is a fast, unsalted hash, so store them only where
// Digest is needed. passwd keeps the user's Digest realms and algorithms
// (their HA1s made anew from the new password) unless -digest-realm says
// otherwise: a realm replaces them, an empty -digest-realm drops them.
package main
