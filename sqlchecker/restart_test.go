package sqlchecker_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gocred/gocred/cred"
	"github.com/gocred/gocred/sqlchecker"
)

// pgServer is a PostgreSQL cluster of a test's own, which it may stop and
// start again. PostgreSQL refuses to run as root, so as root the cluster
// belongs to the "postgres" user and its commands run through runuser.
type pgServer struct {
	t      testing.TB
	bindir string
	data   string
	port   int
	asUser string // run commands as this user, or "" for ourselves
}

// pgBindir finds pg_ctl on PATH or in Debian's versioned directories.
func pgBindir() (string, bool) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		return filepath.Dir(p), true
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.Sort(dirs)
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "pg_ctl")); err == nil {
			return dirs[i], true
		}
	}
	return "", false
}

func ownPostgres(t testing.TB) *pgServer {
	t.Helper()
	bindir, ok := pgBindir()
	if !ok {
		needServer(t, "PostgreSQL's pg_ctl (not on PATH or under /usr/lib/postgresql)")
	}
	dir, err := os.MkdirTemp("", "gocred-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := &pgServer{t: t, bindir: bindir, data: filepath.Join(dir, "data"), port: freePort(t)}
	if err := os.Mkdir(s.data, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		s.asUser = "postgres"
		u, err := user.Lookup(s.asUser)
		if err != nil {
			needServer(t, "a \"postgres\" user to run PostgreSQL as (we are root)")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(s.data, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	s.run("initdb", "-D", s.data, "-U", "postgres", "-A", "trust", "--no-sync")
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *pgServer) run(tool string, args ...string) {
	s.t.Helper()
	name := filepath.Join(s.bindir, tool)
	if s.asUser != "" {
		args = append([]string{"-u", s.asUser, "--", name}, args...)
		name = "runuser"
	}
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, out)
	}
}

func (s *pgServer) dsn() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.port)
}

func (s *pgServer) start() {
	s.t.Helper()
	s.run("pg_ctl", "-D", s.data, "-l", filepath.Join(s.data, "server.log"), "-w", "-t", "60",
		"-o", fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off", s.port, s.data), "start")
}

func (s *pgServer) stop() {
	s.t.Helper()
	if _, err := os.Stat(filepath.Join(s.data, "postmaster.pid")); err != nil {
		return // not running
	}
	s.run("pg_ctl", "-D", s.data, "-m", "fast", "-w", "stop")
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestPostgresRestartedMidTest(t *testing.T) {
	srv := ownPostgres(t)
	db, err := sql.Open("pgx", srv.dsn())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	if err := sqlchecker.CreateSchema(ctx, db); err != nil {
		t.Fatal(err)
	}
	addUser(t, db, sqlchecker.Postgres, "alice", "alice-pw", "files", cred.AlgorithmSHA256)
	c := newChecker(t, db, sqlchecker.Options{Dialect: sqlchecker.Postgres})
	logins := []struct {
		name  string
		creds cred.Credentials
		good  bool
	}{
		{"the right password", cred.NewUsernamePassword("alice", "alice-pw"), true},
		{"a wrong password", cred.NewUsernamePassword("alice", "wrong"), false},
		{"an unknown user", cred.NewUsernamePassword("nobody", "alice-pw"), false},
		{"the right Digest response", digestCreds{"alice", "files", cred.AlgorithmSHA256, "alice-pw"}, true},
		{"a wrong Digest response", digestCreds{"alice", "files", cred.AlgorithmSHA256, "wrong"}, false},
	}
	check := func(t *testing.T, ctx context.Context, good bool, creds cred.Credentials) error {
		t.Helper()
		id, err := c.RequestAvatarID(ctx, creds, cred.Mind{})
		if err == nil && (!good || id != cred.UserID("alice")) {
			t.Fatalf("%v was accepted as %v", creds, id)
		}
		return err
	}
	t.Run("before the stop, logins are decided", func(t *testing.T) {
		for _, l := range logins {
			err := check(t, ctx, l.good, l.creds)
			if l.good != (err == nil) {
				t.Fatalf("%s: %v", l.name, err)
			}
		}
	})

	srv.stop()
	t.Run("with the database down, every login is an internal error, none a refusal or an acceptance", func(t *testing.T) {
		for _, l := range logins {
			ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := check(t, ctx, l.good, l.creds)
			cancel()
			if err == nil || errors.Is(err, cred.ErrUnauthorizedLogin) || cred.OutcomeOf(err) != cred.OutcomeError {
				t.Fatalf("%s with the database down: %v, want an internal error", l.name, err)
			}
			if strings.Contains(err.Error(), "alice-pw") {
				t.Fatalf("error reveals the password: %v", err)
			}
		}
	})

	srv.start()
	t.Run("after the restart logins are decided again, without a new checker", func(t *testing.T) {
		for _, l := range logins {
			// Connections from before the restart are dead; database/sql
			// drops them, and at most a few logins in between may fail
			// with an internal error. None may be decided wrongly.
			deadline := time.Now().Add(15 * time.Second)
			for {
				err := check(t, ctx, l.good, l.creds)
				if err == nil || errors.Is(err, cred.ErrUnauthorizedLogin) {
					if l.good != (err == nil) {
						t.Fatalf("%s after the restart: %v", l.name, err)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s: still failing 15s after the restart: %v", l.name, err)
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
	})
}
