package main

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
	"golang.org/x/term"
	_ "modernc.org/sqlite" // the "sqlite" driver

	"github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/sqlchecker"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// config is what the flags say.
type config struct {
	db         string
	hash       string
	bcryptCost int
	realm      string
	algorithms string
	set        map[string]bool // the flags given
}

// run is the whole program, callable from tests. It returns the exit
// status: 0 done, 1 failed, 2 usage.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var cfg config
	fs := flag.NewFlagSet("creduser", flag.ContinueOnError)
	fs.SetOutput(stderr)
	// No default from GOCRED_DB here: flag prints defaults in its usage
	// text, and a PostgreSQL URL may hold a password.
	fs.StringVar(&cfg.db, "db", "", `the store: "sqlite:PATH" or a "postgres://" URL; $GOCRED_DB if not given at all (keep a database password there, or in PGPASSWORD or ~/.pgpass: on the command line, ps shows it)`)
	fs.StringVar(&cfg.hash, "hash", "argon2id", "password hash for add and passwd: argon2id or bcrypt")
	fs.IntVar(&cfg.bcryptCost, "bcrypt-cost", 12, "bcrypt cost, with -hash bcrypt")
	fs.StringVar(&cfg.realm, "digest-realm", "", "also store HTTP Digest HA1s for this realm (add, passwd; passwd keeps the user's realms without it, and drops them with -digest-realm '')")
	fs.StringVar(&cfg.algorithms, "digest-algorithms", "SHA-256,MD5", "Digest algorithms to store HA1s for, with -digest-realm")
	fs.Usage = func() {
		fmt.Fprint(stderr, `usage: creduser -db DSN [flags] COMMAND [USER]
commands: init | add USER | passwd USER | disable USER | enable USER | remove USER | list
The password is read from the terminal (twice, without echo) or from the first line of stdin.
flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	cfg.set = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { cfg.set[f.Name] = true })
	// Only when -db is not given: an empty one (a variable unset in a
	// script) is refused, not taken for $GOCRED_DB's store.
	if !cfg.set["db"] {
		cfg.db = os.Getenv("GOCRED_DB")
	}
	cmd, rest := fs.Arg(0), fs.Args()
	if len(rest) > 0 {
		rest = rest[1:]
	}
	wantArgs := map[string]int{"init": 0, "list": 0, "add": 1, "passwd": 1, "disable": 1, "enable": 1, "remove": 1}
	n, known := wantArgs[cmd]
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "creduser: "+format+"\n", a...)
		fs.Usage()
		return 2
	}
	switch {
	case cmd == "":
		return usage("no command")
	case !known:
		return usage("unknown command %q", cmd)
	case len(rest) > n && strings.HasPrefix(rest[n], "-"):
		return usage("flags go before the command: %s", strings.Join(rest[n:], " "))
	case len(rest) != n:
		return usage("%s takes %d argument(s), not %d (a password is never given on the command line)", cmd, n, len(rest))
	}
	if err := cfg.check(cmd); err != nil {
		return usage("%v", err)
	}
	out := &checkedWriter{w: stdout}
	if err := execute(cfg, cmd, rest, stdin, out, stderr); err != nil {
		fmt.Fprintln(stderr, "creduser:", err)
		return 1
	}
	if out.err != nil {
		fmt.Fprintln(stderr, "creduser: writing the output:", out.err)
		return 1
	}
	return 0
}

// check refuses flags that do nothing for cmd, rather than ignore them.
func (cfg config) check(cmd string) error {
	if cfg.set["db"] && cfg.db == "" {
		return errors.New(`-db "" names no store (a variable not set?): give -db "sqlite:PATH" or -db postgres://..., or no -db for $GOCRED_DB`)
	}
	writes := cmd == "add" || cmd == "passwd"
	for _, f := range []string{"hash", "bcrypt-cost", "digest-realm", "digest-algorithms"} {
		if cfg.set[f] && !writes {
			return fmt.Errorf("-%s does nothing for %s", f, cmd)
		}
	}
	if cfg.set["bcrypt-cost"] && cfg.hash != "bcrypt" {
		return errors.New("-bcrypt-cost goes with -hash bcrypt")
	}
	if cfg.set["digest-algorithms"] && cfg.realm == "" {
		return errors.New("-digest-algorithms goes with -digest-realm")
	}
	return nil
}

// checkedWriter remembers the first write error (a full disk, a closed
// pipe), so the exit status can say the output was lost.
type checkedWriter struct {
	w   io.Writer
	err error
}

func (c *checkedWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.err = err
	return n, err
}

func execute(cfg config, cmd string, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	db, dialect, err := open(cfg.db, cmd == "init")
	if err != nil {
		return err
	}
	defer db.Close()
	// Each step gets its own deadline, and none runs while the password is
	// typed.
	step := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.Background(), 30*time.Second)
	}
	admin := sqlchecker.NewAdmin(db, dialect)

	switch cmd {
	case "init":
		ctx, cancel := step()
		defer cancel()
		if err := admin.CreateSchema(ctx); err != nil {
			return storeError(err)
		}
		fmt.Fprintln(stdout, "schema ready")
	case "list":
		ctx, cancel := step()
		defer cancel()
		users, err := admin.Users(ctx)
		if err != nil {
			return storeError(err)
		}
		for _, u := range users {
			line := printable(u.Name)
			if u.Disabled {
				line += " (disabled)"
			}
			for _, h := range u.Digest {
				line += fmt.Sprintf(" digest:%s/%s", printable(h.Realm), printable(h.Algorithm))
			}
			fmt.Fprintln(stdout, line)
		}
	case "add", "passwd":
		user := args[0]
		hasher, err := cfg.hasher()
		if err != nil {
			return err
		}
		// Ask the store before the password is typed: a wrong -db, a
		// taken name or an unknown one is said at once.
		ctx, cancel := step()
		existing, found, err := admin.User(ctx, user)
		cancel()
		switch {
		case err != nil:
			return storeError(err)
		case cmd == "add" && found:
			return fmt.Errorf("%w: %q", sqlchecker.ErrUserExists, user)
		case cmd == "passwd" && !found:
			return fmt.Errorf("%w: %q", sqlchecker.ErrNoSuchUser, user)
		}
		// And whatever else can be known without it: the name, the
		// Digest algorithms asked for or kept.
		if cmd == "add" {
			if err := sqlchecker.CheckUserName(user); err != nil {
				return err
			}
		}
		if _, err := cfg.ha1s(user, "placeholder", existing.Digest); err != nil {
			return err
		}
		password, err := readPassword(stdin, stderr)
		if err != nil {
			return err
		}
		hash, err := hasher.Hash(password)
		if err != nil {
			return err
		}
		ha1s, err := cfg.ha1s(user, password, existing.Digest)
		if err != nil {
			return err
		}
		ctx, cancel = step()
		defer cancel()
		if cmd == "add" {
			err = admin.AddUser(ctx, user, hash, ha1s...)
		} else {
			err = admin.SetPassword(ctx, user, hash, ha1s...)
		}
		if err != nil {
			return storeError(err)
		}
		fmt.Fprintf(stdout, "%s %q (%s, %d Digest HA1s%s)\n", map[string]string{"add": "added", "passwd": "changed the password of"}[cmd], user, hasher.Name(), len(ha1s), realmsOf(ha1s))
	case "disable", "enable":
		ctx, cancel := step()
		defer cancel()
		if err := admin.SetDisabled(ctx, args[0], cmd == "disable"); err != nil {
			return storeError(err)
		}
		fmt.Fprintf(stdout, "%sd %q\n", cmd, args[0])
	case "remove":
		ctx, cancel := step()
		defer cancel()
		if err := admin.RemoveUser(ctx, args[0]); err != nil {
			return storeError(err)
		}
		fmt.Fprintf(stdout, "removed %q\n", args[0])
	}
	return nil
}

// printable returns s, quoted if it is not plain printable text.
func printable(s string) string {
	if s == "" || strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsGraphic(r) || unicode.IsSpace(r) }) || !utf8.ValidString(s) {
		return strconv.Quote(s)
	}
	return s
}

// realmsOf names the realms of ha1s, for the report.
func realmsOf(ha1s []sqlchecker.HA1) string {
	var realms []string
	for _, h := range ha1s {
		if r := strconv.Quote(h.Realm); !slices.Contains(realms, r) {
			realms = append(realms, r)
		}
	}
	if len(realms) == 0 {
		return ""
	}
	return " for realm " + strings.Join(realms, ", ")
}

// storeError adds what to do to a store's error that means the tables are
// missing, or that the database did not answer in time.
func storeError(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "no such table"), strings.Contains(msg, "SQLSTATE 42P01"):
		return fmt.Errorf("%w (the store has no gocred tables: run creduser init)", err)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w (the database did not answer within 30 s: unreachable, or locked by another session?)", err)
	}
	return err
}

// open opens the store a -db value names. Only init may create a SQLite
// file: for any other command a missing file is a mistyped path.
func open(dsn string, create bool) (*sql.DB, sqlchecker.Dialect, error) {
	switch {
	case dsn == "":
		return nil, 0, errors.New(`no store: give -db "sqlite:PATH" or -db postgres://... (or set GOCRED_DB)`)
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			return nil, 0, errors.New(`-db "sqlite:" names no file`)
		}
		if !create {
			if _, err := os.Stat(path); err != nil {
				return nil, 0, fmt.Errorf("the store %s: %w (creduser init makes it)", path, err)
			}
		} else if err := createPrivate(path); err != nil {
			return nil, 0, err
		}
		// The path goes into a URI: made absolute (a leading "//host"
		// would be a URI's authority) with '%', '?' and '#' escaped
		// (escapes, options, a fragment), or users would be written to
		// another file. mode=rw: only init creates the file.
		// Not filepath.Abs: it cleans "link/.." by text, which is not
		// where the operating system (and the Stat above) goes.
		abs := path
		if runtime.GOOS == "windows" {
			// There `\x.db` and `C:x.db` are not absolute either, and
			// GetFullPathName (behind Abs) resolves them as Windows does.
			var err error
			if abs, err = filepath.Abs(path); err != nil {
				return nil, 0, err
			}
		} else if !filepath.IsAbs(path) {
			wd, err := os.Getwd()
			if err != nil {
				return nil, 0, err
			}
			abs = wd + string(filepath.Separator) + path
		}
		abs = filepath.ToSlash(abs)
		if !strings.HasPrefix(abs, "/") {
			abs = "/" + abs // C:/x.db: file:///C:/x.db, not an authority "C:"
		}
		escaped := strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(abs)
		mode := "rw"
		if create {
			mode = "rwc"
		}
		db, err := sql.Open("sqlite", "file://"+escaped+"?mode="+mode+"&_pragma=busy_timeout(5000)")
		return db, sqlchecker.SQLite, err
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		db, err := sql.Open("pgx", dsn)
		return db, sqlchecker.Postgres, err
	}
	return nil, 0, errors.New(`-db must start with "sqlite:" or "postgres://"`)
}

// createPrivate makes an empty file at path that its owner alone may read
// and write, for SQLite to make the store in: the store holds password
// hashes and Digest HA1s (an HA1 is enough to log in with Digest), and
// SQLite would create it with the umask's mode, 0644 most often. A file
// there already is left as it is; a dangling symbolic link is followed,
// as SQLite would.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if errors.Is(err, os.ErrExist) {
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			return nil // SQLite opens it, or says why not
		}
		f, err = os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o600)
	}
	if err != nil {
		return fmt.Errorf("creating the store: %w", err)
	}
	return f.Close()
}

func (cfg config) hasher() (checkers.Hasher, error) {
	switch cfg.hash {
	case "argon2id":
		return checkers.Argon2id{}, nil
	case "bcrypt":
		if cfg.bcryptCost < 4 || cfg.bcryptCost > checkers.MaxBcryptCost {
			return nil, fmt.Errorf("-bcrypt-cost %d: want 4 to %d", cfg.bcryptCost, checkers.MaxBcryptCost)
		}
		return checkers.Bcrypt{Cost: cfg.bcryptCost}, nil
	}
	return nil, fmt.Errorf("-hash %q: want argon2id or bcrypt", cfg.hash)
}

// ha1s returns the HA1s to store: for -digest-realm if given (none if
// given empty), else for the realms and algorithms the user has now.
func (cfg config) ha1s(user, password string, now []sqlchecker.HA1) ([]sqlchecker.HA1, error) {
	var out []sqlchecker.HA1
	if !cfg.set["digest-realm"] {
		seen := map[[2]string]bool{}
		for _, h := range now {
			n, err := sqlchecker.NewHA1(user, h.Realm, h.Algorithm, password)
			if err != nil {
				return nil, fmt.Errorf("the user has an HA1 for realm %q and algorithm %q, which cannot be made anew (%v): give -digest-realm to replace the user's HA1s", h.Realm, h.Algorithm, err)
			}
			if k := [2]string{n.Realm, n.Algorithm}; !seen[k] { // "md5" and "MD5" rows are one
				seen[k] = true
				out = append(out, n)
			}
		}
		return out, nil
	}
	if cfg.realm == "" {
		return nil, nil
	}
	for a := range strings.SplitSeq(cfg.algorithms, ",") {
		h, err := sqlchecker.NewHA1(user, cfg.realm, strings.TrimSpace(a), password)
		if err != nil {
			return nil, err
		}
		for _, o := range out {
			if o.Algorithm == h.Algorithm {
				return nil, fmt.Errorf("-digest-algorithms names %s twice", h.Algorithm)
			}
		}
		out = append(out, h)
	}
	return out, nil
}

// readPassword reads a password from the terminal, twice and without echo,
// or else the first line of stdin.
func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p1, p2, err := promptTwice(f, stderr)
		if err != nil {
			return "", err
		}
		if string(p1) != string(p2) {
			return "", errors.New("the passwords do not match")
		}
		return checkPassword(string(p1))
	}
	// One line, and no more than a password can be: a file of zeros (or a
	// wrong redirect) is not read into memory whole.
	r := bufio.NewReader(io.LimitReader(stdin, int64(checkers.MaxPasswordBytes+len("\ufeff\r\n")+1)))
	line, err := r.ReadString('\n')
	switch {
	case err == nil, errors.Is(err, io.EOF) && line != "":
	case errors.Is(err, io.EOF):
		return "", errors.New("no password on standard input")
	default:
		return "", fmt.Errorf("reading the password from standard input: %w", err)
	}
	// A file saved by Notepad starts with a byte order mark, which no one
	// types at a login prompt.
	line = strings.TrimPrefix(strings.TrimRight(line, "\r\n"), "\ufeff")
	if len(line) > checkers.MaxPasswordBytes {
		return "", fmt.Errorf("the password on standard input is longer than %d bytes", checkers.MaxPasswordBytes)
	}
	return checkPassword(line)
}

// checkPassword refuses what no client could send back: an empty password,
// invalid UTF-8 (a file in UTF-16, say), control characters.
func checkPassword(p string) (string, error) {
	switch {
	case p == "":
		return "", errors.New("empty password")
	case !utf8.ValidString(p):
		return "", errors.New("the password is not valid UTF-8 (a file saved as UTF-16?)")
	case strings.ContainsFunc(p, unicode.IsControl):
		return "", errors.New("the password holds a control character (a tab, a NUL, ...), which a login prompt cannot send")
	}
	return p, nil
}
