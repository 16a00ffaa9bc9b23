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
	"strings"
	"time"

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
}

// run is the whole program, callable from tests. It returns the exit
// status: 0 done, 1 failed, 2 usage.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var cfg config
	fs := flag.NewFlagSet("creduser", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.db, "db", os.Getenv("GOCRED_DB"), `the store: "sqlite:PATH" or a "postgres://" URL`)
	fs.StringVar(&cfg.hash, "hash", "argon2id", "password hash for add and passwd: argon2id or bcrypt")
	fs.IntVar(&cfg.bcryptCost, "bcrypt-cost", 12, "bcrypt cost, with -hash bcrypt")
	fs.StringVar(&cfg.realm, "digest-realm", "", "also store HTTP Digest HA1s for this realm (add, passwd)")
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
		return 2
	}
	cmd, rest := fs.Arg(0), fs.Args()
	if len(rest) > 0 {
		rest = rest[1:]
	}
	wantArgs := map[string]int{"init": 0, "list": 0, "add": 1, "passwd": 1, "disable": 1, "enable": 1, "remove": 1}
	n, known := wantArgs[cmd]
	if !known || len(rest) != n {
		fs.Usage()
		return 2
	}
	if err := execute(cfg, cmd, rest, stdin, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "creduser:", err)
		return 1
	}
	return 0
}

func execute(cfg config, cmd string, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	db, dialect, err := open(cfg.db)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin := sqlchecker.NewAdmin(db, dialect)

	switch cmd {
	case "init":
		if err := admin.CreateSchema(ctx); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "schema ready")
	case "list":
		users, err := admin.Users(ctx)
		if err != nil {
			return err
		}
		for _, u := range users {
			line := u.Name
			if u.Disabled {
				line += " (disabled)"
			}
			for _, h := range u.Digest {
				line += fmt.Sprintf(" digest:%s/%s", h.Realm, h.Algorithm)
			}
			fmt.Fprintln(stdout, line)
		}
	case "add", "passwd":
		user := args[0]
		hasher, err := cfg.hasher()
		if err != nil {
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
		ha1s, err := cfg.ha1s(user, password)
		if err != nil {
			return err
		}
		if cmd == "add" {
			err = admin.AddUser(ctx, user, hash, ha1s...)
		} else {
			err = admin.SetPassword(ctx, user, hash, ha1s...)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s %q (%s, %d Digest HA1s)\n", map[string]string{"add": "added", "passwd": "changed the password of"}[cmd], user, hasher.Name(), len(ha1s))
	case "disable", "enable":
		if err := admin.SetDisabled(ctx, args[0], cmd == "disable"); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%sd %q\n", cmd, args[0])
	case "remove":
		if err := admin.RemoveUser(ctx, args[0]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "removed %q\n", args[0])
	}
	return nil
}

// open opens the store a -db value names.
func open(dsn string) (*sql.DB, sqlchecker.Dialect, error) {
	switch {
	case dsn == "":
		return nil, 0, errors.New(`no store: give -db "sqlite:PATH" or -db postgres://... (or set GOCRED_DB)`)
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
		return db, sqlchecker.SQLite, err
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		db, err := sql.Open("pgx", dsn)
		return db, sqlchecker.Postgres, err
	}
	return nil, 0, errors.New(`-db must start with "sqlite:" or "postgres://"`)
}

func (cfg config) hasher() (checkers.Hasher, error) {
	switch cfg.hash {
	case "argon2id":
		return checkers.Argon2id{}, nil
	case "bcrypt":
		return checkers.Bcrypt{Cost: cfg.bcryptCost}, nil
	}
	return nil, fmt.Errorf("-hash %q: want argon2id or bcrypt", cfg.hash)
}

func (cfg config) ha1s(user, password string) ([]sqlchecker.HA1, error) {
	if cfg.realm == "" {
		return nil, nil
	}
	var out []sqlchecker.HA1
	for a := range strings.SplitSeq(cfg.algorithms, ",") {
		h, err := sqlchecker.NewHA1(user, cfg.realm, strings.TrimSpace(a), password)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

// readPassword reads a password from the terminal, twice and without echo,
// or else the first line of stdin.
func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, "Password: ")
		p1, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(stderr, "Again: ")
		p2, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		if string(p1) != string(p2) {
			return "", errors.New("the passwords do not match")
		}
		return checkPassword(string(p1))
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("no password on standard input")
	}
	return checkPassword(strings.TrimRight(line, "\r\n"))
}

func checkPassword(p string) (string, error) {
	if p == "" {
		return "", errors.New("empty password")
	}
	return p, nil
}
