package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/gocred/gocred/cred"
	"github.com/gocred/gocred/sqlchecker"
)

// A fresh store with alice (Digest for realm "files") in it; returns the
// -db value and the fast hashing flags.
func storeWithAlice(t *testing.T) (dsn string, fast []string) {
	t.Helper()
	dsn = "sqlite:" + filepath.Join(t.TempDir(), "users.db")
	fast = []string{"-db", dsn, "-hash", "bcrypt", "-bcrypt-cost", "4"}
	if code, _, errOut := creduser(t, "", "-db", dsn, "init"); code != 0 {
		t.Fatal(errOut)
	}
	if code, _, errOut := creduser(t, "alice-pw\n", append(fast, "-digest-realm", "files", "add", "alice")...); code != 0 {
		t.Fatal(errOut)
	}
	return dsn, fast
}

func login(t *testing.T, dsn, user, password string) error {
	t.Helper()
	db := openStore(t, dsn)
	c, err := sqlchecker.New(db, sqlchecker.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.RequestAvatarID(context.Background(), cred.NewUsernamePassword(user, password), cred.Mind{})
	return err
}

func TestCreduserUsage(t *testing.T) {
	dsn, fast := storeWithAlice(t)
	t.Setenv("GOCRED_DB", "postgres://admin:S3cretDBpw@db.example/users")
	for _, tc := range []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"-h is not a failure", []string{"-h"}, 0, "usage:"},
		{"an unknown command is named", []string{"-db", dsn, "frobnicate"}, 2, `unknown command "frobnicate"`},
		{"no command is said", []string{"-db", dsn}, 2, "no command"},
		{"flags after the command are named", []string{"-db", dsn, "add", "bob", "-hash", "bcrypt"}, 2, "flags go before the command: -hash bcrypt"},
		{"a hash flag with remove is refused", []string{"-db", dsn, "-hash", "bcrypt", "remove", "alice"}, 2, "-hash does nothing for remove"},
		{"-bcrypt-cost without -hash bcrypt is refused", []string{"-db", dsn, "-bcrypt-cost", "4", "add", "bob"}, 2, "-bcrypt-cost goes with -hash bcrypt"},
		{"-digest-algorithms without a realm is refused", append(fast, "-digest-algorithms", "MD5", "add", "bob"), 2, "-digest-algorithms goes with -digest-realm"},
		{"a bcrypt cost out of range is refused before the password", append(fast[:4:4], "-bcrypt-cost", "18", "add", "bob"), 1, "-bcrypt-cost 18: want 4 to 17"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := creduser(t, "", tc.args...)
			if code != tc.wantCode || !strings.Contains(errOut, tc.wantErr) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, errOut, tc.wantCode, tc.wantErr)
			}
			if strings.Contains(out+errOut, "S3cretDBpw") {
				t.Fatalf("the database password from GOCRED_DB is printed: %q", errOut)
			}
		})
	}
}

func TestCreduserChecksTheStoreBeforeThePassword(t *testing.T) {
	dsn, fast := storeWithAlice(t)
	// No password on stdin: each must fail for its own reason first.
	for _, tc := range []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"add of a taken name", append(fast, "add", "alice"), "user already exists"},
		{"passwd of an unknown name", append(fast, "passwd", "nobody"), "no such user"},
		{"a missing SQLite file (a typo)", []string{"-db", dsn + "x", "list"}, "creduser init makes it"},
		{"an empty SQLite path", []string{"-db", "sqlite:", "list"}, "names no file"},
		{"a name HTTP Basic cannot carry", append(fast, "add", "gus:x"), "has a colon"},
		{"an unknown Digest algorithm", append(fast, "-digest-realm", "r", "-digest-algorithms", "SHA256", "add", "dave"), "SHA256"},
		{"an algorithm named twice", append(fast, "-digest-realm", "r", "-digest-algorithms", "MD5,md5", "add", "dave"), "names MD5 twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, _, errOut := creduser(t, "", tc.args...); code != 1 || !strings.Contains(errOut, tc.wantErr) {
				t.Fatalf("exit %d, stderr %q; want 1 and %q", code, errOut, tc.wantErr)
			}
		})
	}
	if _, err := os.Stat(strings.TrimPrefix(dsn, "sqlite:") + "x"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the mistyped store was created: %v", err)
	}
	t.Run("a store without tables says to run init", func(t *testing.T) {
		empty := filepath.Join(t.TempDir(), "empty.db")
		if err := os.WriteFile(empty, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if code, _, errOut := creduser(t, "", "-db", "sqlite:"+empty, "list"); code != 1 || !strings.Contains(errOut, "run creduser init") {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
	})
	t.Run("a path starting with two slashes is the file it names", func(t *testing.T) {
		dir := t.TempDir()
		if code, _, errOut := creduser(t, "", "-db", "sqlite:/"+dir+"/x.db", "init"); code != 0 {
			t.Fatal(errOut)
		}
		if _, err := os.Stat(filepath.Join(dir, "x.db")); err != nil {
			t.Fatalf("init did not make the file named: %v", err)
		}
	})
	t.Run("a path through a symbolic link and .. is the file the system finds", func(t *testing.T) {
		dir := t.TempDir()
		for _, d := range []string{"real/sub", "other"} {
			if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Symlink(filepath.Join(dir, "real", "sub"), filepath.Join(dir, "other", "link")); err != nil {
			t.Fatal(err)
		}
		if code, _, errOut := creduser(t, "", "-db", "sqlite:"+filepath.Join(dir, "other", "link")+"/../x.db", "init"); code != 0 {
			t.Fatal(errOut)
		}
		if _, err := os.Stat(filepath.Join(dir, "real", "x.db")); err != nil {
			t.Fatalf("init did not make real/x.db: %v", err)
		}
	})
	t.Run("a path with URI characters is the file it names", func(t *testing.T) {
		odd := filepath.Join(t.TempDir(), "a#b?c%41.db")
		if code, _, errOut := creduser(t, "", "-db", "sqlite:"+odd, "init"); code != 0 {
			t.Fatal(errOut)
		}
		if _, err := os.Stat(odd); err != nil {
			t.Fatalf("init did not make %s: %v", odd, err)
		}
	})
}

func TestCreduserPasswdKeepsTheDigestRealms(t *testing.T) {
	dsn, fast := storeWithAlice(t)
	list := func() string { _, out, _ := creduser(t, "", "-db", dsn, "list"); return out }
	if code, out, errOut := creduser(t, "new-pw\n", append(fast, "passwd", "alice")...); code != 0 || !strings.Contains(out, `2 Digest HA1s for realm "files"`) {
		t.Fatalf("passwd: %d %q %q", code, out, errOut)
	}
	if got := list(); got != "alice digest:files/MD5 digest:files/SHA-256\n" {
		t.Fatalf("list after passwd = %q, want the realm kept", got)
	}
	if code, _, errOut := creduser(t, "newer-pw\n", append(fast, "-digest-realm", "", "passwd", "alice")...); code != 0 {
		t.Fatal(errOut)
	}
	if got := list(); got != "alice\n" {
		t.Fatalf("list after passwd -digest-realm '' = %q, want the HA1s dropped", got)
	}
}

func TestCreduserReadsPasswordsCarefully(t *testing.T) {
	dsn, fast := storeWithAlice(t)
	for _, tc := range []struct {
		name, stdin, user, wantErr, loginWith string
	}{
		{"a byte order mark is not part of the password", "\ufeffbom-pw\r\n", "u1", "", "bom-pw"},
		{"UTF-16 is refused", "\xff\xfep\x00w\x00\n", "u2", "not valid UTF-8", ""},
		{"a NUL is refused", "a\x00b\n", "u3", "control character", ""},
		{"a tab is refused", "a\tb\n", "u4", "control character", ""},
		{"a line longer than a password can be is refused", strings.Repeat("x", 5000), "u5", "longer than 1024 bytes", ""},
		{"a byte order mark does not count toward the length", "\ufeff" + strings.Repeat("b", 1024) + "\r\n", "u6", "", strings.Repeat("b", 1024)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(fast, "add", tc.user)
			if len(tc.loginWith) > 72 {
				args = []string{"-db", dsn, "add", tc.user} // argon2id: bcrypt takes 72 bytes at most
			}
			code, _, errOut := creduser(t, tc.stdin, args...)
			if tc.wantErr != "" {
				if code != 1 || !strings.Contains(errOut, tc.wantErr) {
					t.Fatalf("exit %d, stderr %q; want 1 and %q", code, errOut, tc.wantErr)
				}
				return
			}
			if code != 0 {
				t.Fatal(errOut)
			}
			if err := login(t, dsn, tc.user, tc.loginWith); err != nil {
				t.Fatalf("login with %q: %v", tc.loginWith, err)
			}
		})
	}
}

// passwd keeps the user's Digest realms, but cannot make anew an HA1 of
// an algorithm it does not know: it says so before asking for the
// password. Rows differing only in the algorithm's case are one.
func TestCreduserPasswdWithOddStoredHA1s(t *testing.T) {
	dsn, fast := storeWithAlice(t)
	db := openStore(t, dsn)
	if _, err := db.Exec(`INSERT INTO gocred_digest_ha1 (username, realm, algorithm, ha1) VALUES ('alice', 'files', 'md5', '00000000000000000000000000000000')`); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := creduser(t, "new-pw\n", append(fast, "passwd", "alice")...); code != 0 || !strings.Contains(out, "2 Digest HA1s") {
		t.Fatalf("passwd with md5 and MD5 rows: %d %q %q", code, out, errOut)
	}
	if _, err := db.Exec(`INSERT INTO gocred_digest_ha1 (username, realm, algorithm, ha1) VALUES ('alice', 'legacy', 'SHA-1', '00')`); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := creduser(t, "", append(fast, "passwd", "alice")...); code != 1 || !strings.Contains(errOut, `"SHA-1"`) || !strings.Contains(errOut, "give -digest-realm") {
		t.Fatalf("passwd with a SHA-1 row: %d %q; want it refused before the password, saying what to do", code, errOut)
	}
}

func TestCreduserListQuotesOddNames(t *testing.T) {
	dsn, fast := storeWithAlice(t)
	if code, _, errOut := creduser(t, "pw\n", append(fast, "add", "a b")...); code != 0 {
		t.Fatal(errOut)
	}
	if _, out, _ := creduser(t, "", "-db", dsn, "list"); out != "\"a b\"\nalice digest:files/MD5 digest:files/SHA-256\n" {
		t.Fatalf("list = %q", out)
	}
}

// An empty -db (a variable not set in a script) is refused: it was taken
// for no -db at all, and the user written to $GOCRED_DB's store.
func TestCreduserEmptyDbIsNotGOCRED_DB(t *testing.T) {
	dsn, _ := storeWithAlice(t)
	t.Setenv("GOCRED_DB", dsn)
	if code, _, errOut := creduser(t, "pw\n", "-db", "", "-hash", "bcrypt", "-bcrypt-cost", "4", "add", "mallory"); code != 2 || !strings.Contains(errOut, `-db "" names no store`) {
		t.Fatalf("exit %d, stderr %q; want 2 and the empty -db refused", code, errOut)
	}
	if code, out, errOut := creduser(t, "", "list"); code != 0 || out != "alice digest:files/MD5 digest:files/SHA-256\n" {
		t.Fatalf("list with no -db: %d %q %q; want $GOCRED_DB's store, without mallory", code, out, errOut)
	}
}

// init makes the SQLite file readable by its owner alone, whatever the
// umask: it holds password hashes and Digest HA1s. A file there already
// keeps its mode.
func TestCreduserInitMakesAPrivateStore(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SKIPPING: no Unix file modes")
	}
	dir := t.TempDir()
	mode := func(path string) os.FileMode {
		t.Helper()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Mode().Perm()
	}
	fresh := filepath.Join(dir, "users.db")
	if code, _, errOut := creduser(t, "", "-db", "sqlite:"+fresh, "init"); code != 0 {
		t.Fatal(errOut)
	}
	if m := mode(fresh); m != 0o600 {
		t.Errorf("init made the store with mode %v, want 0600", m)
	}
	if err := os.Symlink("target.db", filepath.Join(dir, "link.db")); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := creduser(t, "", "-db", "sqlite:"+filepath.Join(dir, "link.db"), "init"); code != 0 {
		t.Fatal(errOut)
	}
	if m := mode(filepath.Join(dir, "target.db")); m != 0o600 {
		t.Errorf("init through a dangling link made the store with mode %v, want 0600", m)
	}
	shared := filepath.Join(dir, "shared.db")
	if err := os.WriteFile(shared, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shared, 0o640); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := creduser(t, "", "-db", "sqlite:"+shared, "init"); code != 0 {
		t.Fatal(errOut)
	}
	if m := mode(shared); m != 0o640 {
		t.Errorf("init changed an existing file's mode to %v", m)
	}
}

// list quotes a stored Digest algorithm as it does names and realms: one
// written into the table could forge lines, or send the terminal escapes.
func TestCreduserListQuotesOddAlgorithms(t *testing.T) {
	dsn, _ := storeWithAlice(t)
	db := openStore(t, dsn)
	if _, err := db.Exec(`INSERT INTO gocred_digest_ha1 (username, realm, algorithm, ha1) VALUES ('alice', 'files', ?, '00')`, "MD5\nroot (disabled)\x1b[2J"); err != nil {
		t.Fatal(err)
	}
	_, out, _ := creduser(t, "", "-db", dsn, "list")
	if strings.Contains(out, "\nroot") || strings.Contains(out, "\x1b") || !strings.Contains(out, `digest:files/"MD5\nroot (disabled)\x1b[2J"`) {
		t.Fatalf("list = %q, want the algorithm quoted", out)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

func TestCreduserFailsWhenItsOutputIsLost(t *testing.T) {
	dsn, _ := storeWithAlice(t)
	var errOut bytes.Buffer
	if code := run([]string{"-db", dsn, "list"}, strings.NewReader(""), failingWriter{}, &errOut); code != 1 || !strings.Contains(errOut.String(), "no space left") {
		t.Fatalf("exit %d, stderr %q; want 1 naming the write error", code, errOut.String())
	}
}

// pyForkToPrompt, for the Python programs below, runs the program
// sys.argv[2:] on a pseudo-terminal fd and waits (20 s at most) until it
// turns echo off at its password prompt.
const pyForkToPrompt = `pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
deadline = time.time() + 20
while termios.tcgetattr(fd)[3] & termios.ECHO and time.time() < deadline:
    time.sleep(0.01)
`

// pyDrain defines drain(t) for the Python programs below: it reads for t
// seconds what the pseudo-terminal fd shows.
const pyDrain = `def drain(t):
    out = b""
    end = time.time() + t
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                out += os.read(fd, 4096)
            except OSError:
                break
    return out
`

// underBash is the start of a Python program that runs an interactive
// bash (job control) on a pseudo-terminal, types its arguments there as a
// command, and waits for the password prompt; drain(seconds) reads what
// the terminal shows.
const underBash = `
import os, pty, sys, time, select
pid, fd = pty.fork()
if pid == 0:
    os.execvp("bash", ["bash", "--norc", "--noprofile", "-i"])
` + pyDrain + `drain(0.5)
os.write(fd, (" ".join(sys.argv[1:]) + "\n").encode())
out, deadline = b"", time.time() + 20
while b"Password:" not in out and time.time() < deadline:
    out += drain(0.1)
time.sleep(0.2)
`

// An interrupt at the password prompt must leave the terminal echoing:
// the tool runs on a pseudo-terminal (Python's pty module); once echo is
// off, it gets Ctrl-C, or Ctrl-\, or Ctrl-Z (ignored while prompting)
// then Ctrl-C, and the terminal's settings are read after it exits.
func TestCreduserInterruptAtThePromptRestoresEcho(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI: python3 is needed")
		}
		t.Skip("SKIPPING: no python3 for a pseudo-terminal")
	}
	dsn, _ := storeWithAlice(t)
	bin := filepath.Join(t.TempDir(), "creduser")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// py runs a Python program with args and returns what it printed,
	// trimmed; a program that fails fails the test.
	py := func(t *testing.T, program string, args ...string) string {
		t.Helper()
		out, err := exec.Command(python, append([]string{"-c", program}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return strings.TrimSpace(string(out))
	}
	const script = `
import os, pty, sys, termios, time
keys = sys.argv[1].encode().decode("unicode_escape").encode()
` + pyForkToPrompt + `echo_during = bool(termios.tcgetattr(fd)[3] & termios.ECHO)
stopped = False
for k in keys:
    os.write(fd, bytes([k]))
    time.sleep(0.3)
    p, status = os.waitpid(pid, os.WNOHANG | os.WUNTRACED)
    if p and os.WIFSTOPPED(status):
        stopped = True
        os.kill(pid, 18)
    elif p:
        break
else:
    _, status = os.waitpid(pid, 0)
echo_after = bool(termios.tcgetattr(fd)[3] & termios.ECHO)
print("echo_during=%s stopped=%s echo_after=%s exit=%d" % (echo_during, stopped, echo_after, os.waitstatus_to_exitcode(status)))
`
	for _, tc := range []struct{ name, keys, want string }{
		{"Ctrl-C", `\x03`, "exit=130"},
		{`Ctrl-\`, `\x1c`, "exit=131"},
		{"Ctrl-D aborts", `\x04`, "exit=1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := py(t, script, tc.keys, bin, "-db", dsn, "add", "bob")
			want := "echo_during=False stopped=False echo_after=True " + tc.want
			if got != want {
				t.Fatalf("got %q, want %q", got, want)
			}
		})
	}
	t.Run("a prompt written to a closed pipe", func(t *testing.T) {
		const closedPipe = `
import os, pty, subprocess, sys, termios
m, s = pty.openpty()
r, w = os.pipe()
os.close(r)
p = subprocess.Popen(sys.argv[1:], stdin=s, stdout=s, stderr=w)
rc = p.wait(timeout=20)
print("echo_after=%s exit=%d" % (bool(termios.tcgetattr(s)[3] & termios.ECHO), rc))
`
		got := py(t, closedPipe, bin, "-db", dsn, "add", "bob")
		if got != "echo_after=True exit=141" {
			t.Fatalf("got %q, want echo back on and exit 141 (128+SIGPIPE)", got)
		}
	})
	t.Run("a line too long at the prompt never reaches the shell", func(t *testing.T) {
		if _, err := exec.LookPath("bash"); err != nil {
			t.Skip("SKIPPING: no bash")
		}
		shell := underBash + `os.write(fd, b"x" * 2000 + b";echo PWN''ED\n")
out = drain(1.5)
os.write(fd, b"exit\n")
out += drain(0.5)
print("leaked=%s refused=%s" % (b"PWNED" in out, b"longer than 1024" in out))
`
		got := py(t, shell, bin, "-db", dsn, "add", "bob")
		if got != "leaked=False refused=True" {
			t.Fatalf("got %q, want the long line refused and none of it run by the shell", got)
		}
	})
	t.Run("Ctrl-Z under a shell with job control", func(t *testing.T) {
		if _, err := exec.LookPath("bash"); err != nil {
			t.Skip("SKIPPING: no bash")
		}
		shell := underBash + `os.write(fd, b"\x1a")
stopped = b"Stopped" in drain(1.0)
os.write(fd, b"\x03")
drain(0.5)
os.write(fd, b"stty -a; exit\n")
print("stopped=%s echo_after=%s" % (stopped, b" -echo " not in drain(1.5)))
`
		got := py(t, shell, bin, "-db", dsn, "add", "bob")
		if got != "stopped=False echo_after=True" {
			t.Fatalf("got %q, want Ctrl-Z ignored and echo on after Ctrl-C", got)
		}
	})
	t.Run("signals that would dump the stacks", func(t *testing.T) {
		const killed = `
import os, pty, signal, sys, termios, time
sig = getattr(signal, sys.argv[1])
` + pyForkToPrompt + `time.sleep(0.2)
os.kill(pid, sig)
_, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
print("echo_after=%s exit=%s" % (bool(termios.tcgetattr(fd)[3] & termios.ECHO), "128+signal" if code == 128 + sig else code))
`
		for _, sig := range []string{"SIGABRT", "SIGTRAP", "SIGBUS", "SIGSYS", "SIGSEGV"} {
			t.Run(sig, func(t *testing.T) { // py's failures name the signal
				if got := py(t, killed, sig, bin, "-db", dsn, "add", "bob"); got != "echo_after=True exit=128+signal" {
					t.Errorf("got %q, want echo back on and exit 128+signal", got)
				}
			})
		}
	})
	t.Run("a newline typed as a literal is refused", func(t *testing.T) {
		// "abc", Ctrl-V Ctrl-J, "def" is one line for the terminal: it
		// was taken for "abc" at both prompts, the rest dropped.
		const literal = `
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
` + pyDrain + `out, deadline = b"", time.time() + 20
while b"Password:" not in out and time.time() < deadline:
    out += drain(0.1)
os.write(fd, b"abc\x16\ndef\n")
while b"Again:" not in out and time.time() < deadline:
    out += drain(0.1)
os.write(fd, b"abc\x16\ndef\n")
_, status = os.waitpid(pid, 0)
out += drain(0.3)
print("refused=%s exit=%d" % (b"control character" in out, os.waitstatus_to_exitcode(status)))
`
		got := py(t, literal, bin, "-db", dsn, "add", "carol")
		if got != "refused=True exit=1" {
			t.Fatalf("got %q, want the password refused", got)
		}
		if err := login(t, dsn, "carol", "abc"); err == nil {
			t.Fatal(`carol was added with the password "abc"`)
		}
	})
	// A prompt stopped by a kill (Ctrl-Z is off) is continued by the
	// shell's fg with echo on: bash turns it on for itself when the job
	// stops, and leaves it so. The prompt turns it off again and shows
	// itself anew. A SIGTSTP (not a SIGSTOP, which cannot be caught)
	// also turns echo back on while stopped, for a shell that does not
	// (dash).
	for _, tc := range []struct{ shell, sig string }{{"bash", "SIGTSTP"}, {"bash", "SIGSTOP"}, {"dash", "SIGTSTP"}} {
		t.Run("a prompt stopped by "+tc.sig+" under "+tc.shell+", then fg", func(t *testing.T) {
			if _, err := exec.LookPath(tc.shell); err != nil {
				t.Skip("SKIPPING: no " + tc.shell)
			}
			prelude := underBash
			if tc.shell == "dash" {
				prelude = strings.Replace(prelude, `os.execvp("bash", ["bash", "--norc", "--noprofile", "-i"])`, `os.execvp("dash", ["dash", "-i"])`, 1)
			}
			shell := prelude + `import re, signal
os.kill(int(re.search(rb"PID=(\d+)", out).group(1)), signal.` + tc.sig + `)
stopped = b"Stopped" in drain(1.0)
os.write(fd, b"stty -a\n")
echo_stopped = b" -echo " not in drain(1.0)
os.write(fd, b"fg\n")
again = b"Password:" in drain(1.0)
os.write(fd, b"SECRETPW1\n")
echoed = b"SECRETPW1" in drain(1.0)
os.write(fd, b"\x03")
drain(0.5)
os.write(fd, b"exit\n")
drain(0.5)
print("stopped=%s echo_stopped=%s prompt_again=%s echoed=%s" % (stopped, echo_stopped, again, echoed))
`
			got := py(t, shell, "sh", "-c", "'echo PID=$$; exec "+bin+" -db "+dsn+" add dave'")
			if got != "stopped=True echo_stopped=True prompt_again=True echoed=False" {
				t.Fatalf("got %q, want echo on while stopped, and the prompt shown again after fg, without echo", got)
			}
		})
	}
}

// openStore opens the SQLite store dsn ("sqlite:PATH") names, closed when
// the test ends.
func openStore(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+strings.TrimPrefix(dsn, "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
