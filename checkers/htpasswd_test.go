package checkers

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/gocred/gocred/cred"
)

// htpasswdUsers are the users of testdata/users.htpasswd, one per format;
// each one's password is its name + "-secret" (see testdata/generate.sh).
var htpasswdUsers = []string{"bcrypt", "apr1", "sha1", "sha256", "sha512", "sha256rounds", "sha512rounds"}

// copyFixture copies a testdata file into a fresh directory, so a test may
// change it.
func copyFixture(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeFile writes a file for a test, in a fresh directory.
func writeFile(t *testing.T, name, contents string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(contents), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// logBuffer is a slog.Logger writing text into a buffer, safe for
// concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }

func TestHtpasswdAcceptsEveryFormatApacheWrites(t *testing.T) {
	h, err := NewHtpasswd("testdata/users.htpasswd")
	if err != nil {
		t.Fatal(err)
	}
	if h.Len() != len(htpasswdUsers) {
		t.Fatalf("Len = %d, want %d", h.Len(), len(htpasswdUsers))
	}
	up := cred.NewUsernamePassword
	var cases []checkCase
	for _, u := range htpasswdUsers {
		cases = append(cases,
			checkCase{u + " logs in with the right password", up(u, u+"-secret"), u},
			checkCase{u + " is refused a wrong password", up(u, u+"-Secret"), ""},
			checkCase{u + " is refused an empty password", up(u, ""), ""},
		)
	}
	cases = append(cases,
		checkCase{"an unknown user is refused like a wrong password", up("nobody", "bcrypt-secret"), ""},
		checkCase{"an empty user name is refused", up("", "bcrypt-secret"), ""},
	)
	runCheckCases(t, h, cases)

	t.Run("LookupPasswordHash returns the file's hash", func(t *testing.T) {
		got, ok, err := h.LookupPasswordHash(context.Background(), "sha1")
		if !ok || err != nil || !strings.HasPrefix(got, "{SHA}") {
			t.Fatalf("got %q, %v, %v", got, ok, err)
		}
	})
	t.Run("String names the file", func(t *testing.T) {
		if h.String() != "htpasswd testdata/users.htpasswd" {
			t.Fatalf("String = %q", h.String())
		}
	})
}

func TestHtpasswdAgreesWithApacheHtpasswdVerify(t *testing.T) {
	// htpasswd -v is Apache's own verification: it and we must agree.
	requireHtpasswd(t)
	h, err := NewHtpasswd("testdata/users.htpasswd")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range htpasswdUsers {
		for _, pw := range []string{u + "-secret", "wrong"} {
			t.Run(u+" with "+pw+" gets Apache's answer", func(t *testing.T) {
				apacheOK := exec.Command("htpasswd", "-vb", "testdata/users.htpasswd", u, pw).Run() == nil
				_, err := h.RequestAvatarID(context.Background(), cred.NewUsernamePassword(u, pw), cred.Mind{})
				if (err == nil) != apacheOK {
					t.Fatalf("Apache says %v, we say %v", apacheOK, err)
				}
			})
		}
	}
}

func TestHtpasswdLoadErrorsNameFileAndLine(t *testing.T) {
	bcryptLine := "bcrypt:$2y$05$I.4isgySHbsrMZWOPB4U1urVoph0hsEkRp2lDqXdierSwDuwV0.N2\n"
	tests := []struct {
		name, contents string
		line           int
		reason         string
	}{
		{"a DES crypt hash (htpasswd -d) is refused", "# c\ndave:KC8EYH/dWeYW.\n", 2, "DES crypt"},
		{"a plaintext password (htpasswd -p) is refused", "pat:pat-secret\n", 1, "plaintext"},
		{"a line without a colon is refused", bcryptLine + "\njustaname\n", 3, "no ':'"},
		{"an empty user name is refused", ":$apr1$Q7ytpvH9$ViGmeyE2EAX/lgTrSxgHD1\n", 1, "empty user name"},
		{"an empty hash is refused", "bob:\n", 1, "empty password hash"},
		{"a duplicate user is refused", bcryptLine + "#\n" + bcryptLine, 3, `duplicate user "bcrypt" (first on line 1)`},
		{"a truncated bcrypt hash is refused", "bob:$2y$05$I.4isgySHbsrMZWOPB4U1urVoph0h\n", 1, "malformed bcrypt"},
		{"a truncated MD5-crypt ($1$) hash is refused", "bob:$1$saltsalt$qjXMvbEw8oaL.Czfl\n", 1, "malformed md5-crypt"},
		{"a hash of an unknown kind is refused", "bob:$9$saltsalt$qjXMvbEw8oaL.CzflDtaK/\n", 1, "unrecognised format"},
		{"a corrupt SHA-512 crypt hash is refused", "bob:$6$rounds=zz$salt$abc\n", 1, "malformed sha512-crypt"},
		{"a control character in a user name is refused", "b\x1bob:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n", 1, "control character"},
		// Hashes whose checks would take minutes (and make the dummy hash
		// for unknown users hang start-up) are refused at once.
		{"a failed crypt() result (htpasswd -5 -r 999 writes *0) is named as such", "bob:*0\n", 1, "failed crypt() result"},
		{"a bcrypt cost above 17 is refused", "#\nbob:$2y$31$7/yZ7jaNcJf81TAiG6ix.OFGZNaWn9nNR5L5d5FCzYCI7TzAeQ.D2\n", 2, "bcrypt cost 31 is above 17"},
		{"SHA-crypt rounds above ten million are refused", "bob:$6$rounds=999999999$TKvoPCl2L8TkPDVI$oYaIaHJt/qcj4vkZoNSfZ/bkc51Aekvhpbw.S4bUrHzKAG0a89wftxvXS8b0CE2Q1OLRrxJVV8LW4gMtQDwcd.\n", 1, "rounds 999999999 are above"},
		{"PBKDF2 iterations above ten million are refused", "bob:$pbkdf2-sha256$4000000000$MDEyMzQ1Njc4OWFiY2RlZg$hRRjgXWkW8ResfIvBP99J/T4vkgEmMRV/0tJTOjR59I\n", 1, "iterations 4000000000 are above"},
		{"scrypt using more than 1 GiB is refused", "bob:$scrypt$ln=24,r=8,p=1$MDEyMzQ1Njc4OWFiY2RlZg$ZEBCzLptWM7dhpNJDU2HbQ945ovKHmVEozHkePPbSqw\n", 1, "use more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "users.htpasswd", tt.contents)
			_, err := NewHtpasswd(path)
			if err == nil {
				t.Fatal("loaded")
			}
			prefix := path + ":" + strconv.Itoa(tt.line) + ": "
			if !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("error %q; want prefix %q and %q", err, prefix, tt.reason)
			}
			for _, secret := range []string{"KC8EYH", "pat-secret", "I.4isgy", "qjXMvbEw", "W6ph5Mm"} {
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("error %q shows the hash", err)
				}
			}
		})
	}
	t.Run("the fixtures htpasswd -d and -p wrote are refused", func(t *testing.T) {
		for _, f := range []string{"testdata/des.htpasswd", "testdata/plain.htpasswd"} {
			if _, err := NewHtpasswd(f); err == nil || !strings.HasPrefix(err.Error(), f+":1: ") {
				t.Fatalf("%s: %v", f, err)
			}
		}
	})
}

func TestHtpasswdFileSyntax(t *testing.T) {
	tests := []struct{ name, contents string }{
		{"blank lines, comments and CRLF line ends are fine", "# users\r\n\r\n  \nbob:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\r\n# end"},
		{"surrounding blanks are trimmed, as Apache does", "  bob:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=  \n"},
		{"fields after the hash are ignored, as Apache does", "bob:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=:Bob Smith\n"},
		{"a final line without a newline is read", "bob:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="},
		{"a byte-order mark (Windows editors write one) is not part of the first name", "\ufeffbob:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := NewHtpasswd(writeFile(t, "u", tt.contents))
			if err != nil {
				t.Fatal(err)
			}
			runCheckCases(t, h, []checkCase{{"bob logs in", cred.NewUsernamePassword("bob", "password"), "bob"}})
		})
	}
	t.Run("an empty file loads with no users and refuses everyone", func(t *testing.T) {
		h, err := NewHtpasswd(writeFile(t, "u", ""))
		if err != nil || h.Len() != 0 {
			t.Fatalf("%v, %d users", err, h.Len())
		}
		runCheckCases(t, h, []checkCase{{"bob is refused", cred.NewUsernamePassword("bob", "password"), ""}})
	})
	t.Run("a missing file is an error at construction", func(t *testing.T) {
		_, err := NewHtpasswd(filepath.Join(t.TempDir(), "missing"))
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestHtpasswdHasADummyOfEachCostClass(t *testing.T) {
	tests := []struct {
		name, file string
		classes    []string
	}{
		{"an all-bcrypt file has one bcrypt dummy of the same cost",
			"a:$2y$05$I.4isgySHbsrMZWOPB4U1urVoph0hsEkRp2lDqXdierSwDuwV0.N2\nc:$2y$05$I.4isgySHbsrMZWOPB4U1urVoph0hsEkRp2lDqXdierSwDuwV0.N2\n", []string{"$2$5"}},
		{"a mixed file has one of each, in file order",
			"b:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\na:$apr1$Q7ytpvH9$ViGmeyE2EAX/lgTrSxgHD1\nc:$2y$05$I.4isgySHbsrMZWOPB4U1urVoph0hsEkRp2lDqXdierSwDuwV0.N2\nd:$apr1$saltsalt$yAAkm4libquA.ZWLHbSBq/\n", []string{"{SHA}", "$apr1$8", "$2$5"}},
		// Each of MD5-crypt's thousand rounds hashes the salt: a shorter
		// one is a cheaper check, and a class of its own.
		{"salts of other lengths are other classes", "a:$apr1$Q7ytpvH9$ViGmeyE2EAX/lgTrSxgHD1\ne:$1$$I2o9Z7NcvQAKp7wyCTlia0\nf:$apr1$$qjtLUZpoiD4RwXIYf4qVb0\n", []string{"$apr1$8", "$1$0", "$apr1$0"}},
		{"SHA-crypt rounds are kept", "a:$6$rounds=1000$kjX4VcfiTzPD99K5$ZK.OYRoAWsaQPt6YN7bPtKPgO4Phpkb9FdIogAeoBAVja.8VyYzxb.16t4AM5qWxakR6cUEvvX5mY.FkCZJra0\n", []string{"$6$rounds=1000$s16k86"}},
		{"an empty file falls back to apr1, htpasswd's default", "", []string{"$apr1$8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := NewHtpasswd(writeFile(t, "u", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range h.file.get().dummies {
				got = append(got, d.info.class)
				if again, _ := parseHash(d.hash); again.class != d.info.class {
					t.Fatalf("dummy of class %q re-parses as %q", d.info.class, again.class)
				}
			}
			if !slices.Equal(got, tt.classes) {
				t.Fatalf("dummy classes %q, want %q", got, tt.classes)
			}
		})
	}
}

// mixedFile is an htpasswd file of two apr1 users and a bcrypt admin
// (cost 8, about thirty times an apr1 check), password "admin-pw".
func mixedFile(t *testing.T) string {
	t.Helper()
	admin, err := bcrypt.GenerateFromPassword([]byte("admin-pw"), 8)
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, "mixed.htpasswd", "u1:$apr1$Q7ytpvH9$ViGmeyE2EAX/lgTrSxgHD1\nu2:$apr1$saltsalt$yAAkm4libquA.ZWLHbSBq/\nadmin:"+string(admin)+"\n")
}

// assertFailuresCostAlike checks that failed logins at the bcrypt admin of
// mixedFile, at an apr1 user and at an unknown name take about as long: the
// ratios are about 1, where checking only the user's own hash (or one
// dummy) makes them 20 or more apart.
func assertFailuresCostAlike(t *testing.T, c cred.Checker) {
	t.Helper()
	cost := func(user string) time.Duration {
		var times []time.Duration
		for range 5 {
			start := time.Now()
			_, err := c.RequestAvatarID(context.Background(), cred.NewUsernamePassword(user, "wrong"), cred.Mind{})
			times = append(times, time.Since(start))
			if !errors.Is(err, cred.ErrUnauthorizedLogin) {
				t.Fatalf("%s: %v", user, err)
			}
		}
		slices.Sort(times)
		return times[2]
	}
	// Unknown names first: a checker that learns formats from logins must
	// not have learnt the admin's from these.
	unknownCost, apr1Cost, adminCost := cost("nobody"), cost("u1"), cost("admin")
	for name, c := range map[string]time.Duration{"an apr1 user's wrong password": apr1Cost, "an unknown user": unknownCost} {
		if r := float64(adminCost) / float64(c); r > 3 || r < 1.0/3 {
			t.Errorf("%s took %v, the bcrypt admin's wrong password %v: timing tells them apart", name, c, adminCost)
		}
	}
}

func TestHtpasswdFailuresCostTheSameWhateverTheName(t *testing.T) {
	h, err := NewHtpasswd(mixedFile(t))
	if err != nil {
		t.Fatal(err)
	}
	assertFailuresCostAlike(t, h)
}

func TestHtpasswdReloads(t *testing.T) {
	requireHtpasswd(t)
	path := copyFixture(t, "users.htpasswd")
	var logs logBuffer
	h, err := NewHtpasswd(path, WithReloadInterval(0), WithLogger(logs.logger()))
	if err != nil {
		t.Fatal(err)
	}
	login := func(user, pw string) error {
		_, err := h.RequestAvatarID(context.Background(), cred.NewUsernamePassword(user, pw), cred.Mind{})
		return err
	}

	t.Run("a user added by htpasswd can log in at once", func(t *testing.T) {
		if out, err := exec.Command("htpasswd", "-bB", "-C", "4", path, "newbie", "newbie-pw").CombinedOutput(); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if err := login("newbie", "newbie-pw"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a user deleted by htpasswd is refused at once", func(t *testing.T) {
		if out, err := exec.Command("htpasswd", "-D", path, "newbie").CombinedOutput(); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if err := login("newbie", "newbie-pw"); !errors.Is(err, cred.ErrUnauthorizedLogin) {
			t.Fatalf("got %v", err)
		}
	})
	good, _ := os.ReadFile(path)
	t.Run("a broken edit keeps the last good contents and is logged with its line", func(t *testing.T) {
		broken := string(good) + "mallory\n"
		if err := os.WriteFile(path, []byte(broken), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := login("apr1", "apr1-secret"); err != nil {
			t.Fatalf("last good contents lost: %v", err)
		}
		want := path + ":" + strconv.Itoa(strings.Count(broken, "\n")) + ": no ':'"
		if !strings.Contains(logs.String(), want) || !strings.Contains(logs.String(), "reload failed") {
			t.Fatalf("log %q lacks %q", logs.String(), want)
		}
		if n := strings.Count(logs.String(), "reload failed"); n != 1 {
			t.Fatalf("logged %d times; want once per broken version", n)
		}
		if err := h.Reload(); err == nil || !strings.HasPrefix(err.Error(), path+":") {
			t.Fatalf("Reload = %v", err)
		}
		for _, line := range strings.Split(string(good), "\n") {
			if _, hash, ok := strings.Cut(line, ":"); ok && strings.Contains(logs.String(), hash) {
				t.Fatal("a hash reached the log")
			}
		}
	})
	t.Run("a deleted file keeps the last good contents and is logged", func(t *testing.T) {
		os.Remove(path)
		if err := login("sha1", "sha1-secret"); err != nil {
			t.Fatalf("last good contents lost: %v", err)
		}
		if !strings.Contains(logs.String(), "no such file") {
			t.Fatalf("log %q", logs.String())
		}
	})
	t.Run("a file replaced by rename is picked up", func(t *testing.T) {
		tmp := path + ".tmp"
		os.WriteFile(tmp, []byte("only:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n"), 0o600)
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
		if err := login("only", "password"); err != nil {
			t.Fatal(err)
		}
		if err := login("apr1", "apr1-secret"); !errors.Is(err, cred.ErrUnauthorizedLogin) {
			t.Fatalf("old user still in: %v", err)
		}
		if h.Len() != 1 {
			t.Fatalf("Len = %d", h.Len())
		}
	})
	t.Run("a file just truncated, as htpasswd does before writing, keeps the users until it is written", func(t *testing.T) {
		if err := os.Truncate(path, 0); err != nil {
			t.Fatal(err)
		}
		if err := login("only", "password"); err != nil {
			t.Fatalf("a user was refused while the file was being rewritten: %v", err)
		}
		os.WriteFile(path, []byte("only:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\nsecond:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n"), 0o600)
		if err := login("second", "password"); err != nil {
			t.Fatalf("the rewritten file was not read: %v", err)
		}
	})
	t.Run("an explicit Reload takes a file just emptied as it is", func(t *testing.T) {
		os.WriteFile(path, []byte("only:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n"), 0o600)
		if err := login("only", "password"); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(path, 0); err != nil {
			t.Fatal(err)
		}
		if err := h.Reload(); err != nil || h.Len() != 0 {
			t.Fatalf("Reload = %v, Len = %d; want the empty file in use", err, h.Len())
		}
	})
	t.Run("a file emptied with a time in the future is taken as it is", func(t *testing.T) {
		os.WriteFile(path, []byte("only:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n"), 0o600)
		if err := login("only", "password"); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(path, 0); err != nil {
			t.Fatal(err)
		}
		future := time.Now().Add(time.Hour) // a skewed clock, or NFS
		if err := os.Chtimes(path, future, future); err != nil {
			t.Fatal(err)
		}
		if err := login("only", "password"); !errors.Is(err, cred.ErrUnauthorizedLogin) {
			t.Fatalf("a user of the emptied file still logs in: %v", err)
		}
	})
	t.Run("a file left empty is taken as it is", func(t *testing.T) {
		if err := os.Truncate(path, 0); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-time.Minute) // emptied a while ago
		if err := os.Chtimes(path, old, old); err != nil {
			t.Fatal(err)
		}
		if err := login("only", "password"); !errors.Is(err, cred.ErrUnauthorizedLogin) {
			t.Fatalf("a user of the emptied file still logs in: %v", err)
		}
		if h.Len() != 0 {
			t.Fatalf("Len = %d, want 0", h.Len())
		}
	})
}

func TestHtpasswdReloadInterval(t *testing.T) {
	path := writeFile(t, "u", "a:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n")
	for _, interval := range []time.Duration{time.Hour, -1} {
		t.Run("with interval "+interval.String()+" a change waits for Reload", func(t *testing.T) {
			h, err := NewHtpasswd(path, WithReloadInterval(interval), WithLogger(slog.New(slog.DiscardHandler)))
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(path, []byte("a:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\nb:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n"), 0o600)
			if h.Len() != 1 {
				t.Fatalf("reloaded before the interval: Len = %d", h.Len())
			}
			if err := h.Reload(); err != nil || h.Len() != 2 {
				t.Fatalf("Reload = %v, Len = %d", err, h.Len())
			}
			os.WriteFile(path, []byte("a:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n"), 0o600)
		})
	}
}

func TestHtpasswdConcurrentLoginsDuringReloads(t *testing.T) {
	path := writeFile(t, "u", "a:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n")
	h, err := NewHtpasswd(path, WithReloadInterval(0), WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 200 {
				if _, err := h.RequestAvatarID(context.Background(), cred.NewUsernamePassword("a", "password"), cred.Mind{}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 50 {
			body := "a:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n"
			if i%2 == 1 {
				body += "broken line\n"
			}
			// Replaced atomically, as a file should be; see watchedFile.
			tmp := path + ".tmp"
			os.WriteFile(tmp, []byte(body), 0o600)
			os.Rename(tmp, path)
			h.Reload()
		}
	})
	wg.Wait()
}

var lineError = regexp.MustCompile(`^fuzz:[0-9]+: `)

func FuzzParseHtpasswd(f *testing.F) {
	for _, name := range []string{"users.htpasswd", "des.htpasswd", "plain.htpasswd"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("a:b:c\n#x\n\r\n:\n"))
	f.Add([]byte("a:$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tbl, _, err := parseHtpasswd("fuzz", data)
		if err == nil {
			for user, e := range tbl.users {
				if user == "" || e.hash == "" || e.info.scheme == "" {
					t.Fatalf("accepted user %q hash %q", user, e.hash)
				}
			}
			return
		}
		if !lineError.MatchString(err.Error()) {
			t.Fatalf("error %q does not name a line", err)
		}
		// The offending line's hash must not be in the error.
		n, _ := strconv.Atoi(strings.TrimPrefix(strings.SplitN(err.Error(), ":", 3)[1], ""))
		for i, line := range splitLines(data) {
			if i != n {
				continue
			}
			user, rest, _ := strings.Cut(line, ":")
			hash, _, _ := strings.Cut(rest, ":")
			// The scheme tag ({SHA}, $2y$, ...) may be named; what follows
			// it may not.
			msg := strings.ReplaceAll(err.Error(), strconv.Quote(user), "")
			if secret := hashAfterScheme(hash); len(secret) >= 6 && strings.Contains(msg, secret) {
				t.Fatalf("error %q shows the hash %q", err, hash)
			}
		}
	})
}

// hashAfterScheme returns an htpasswd hash without its scheme tag: what
// follows "{...}" or the first "$id$".
func hashAfterScheme(h string) string {
	if rest, ok := strings.CutPrefix(h, "{"); ok {
		if _, after, ok := strings.Cut(rest, "}"); ok {
			return after
		}
	}
	if rest, ok := strings.CutPrefix(h, "$"); ok {
		if _, after, ok := strings.Cut(rest, "$"); ok {
			return after
		}
	}
	return h
}

// requireHtpasswd fails the test under CI, where .ci/run installs
// apache2-utils, and skips it loudly elsewhere when htpasswd is missing.
func requireHtpasswd(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("htpasswd"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("htpasswd not installed: CI must install apache2-utils")
		}
		t.Skip("SKIPPING: htpasswd not installed (apt-get install apache2-utils)")
	}
}
