package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gocred/gocred/examples/internal/exampletest"
)

var bin string // the program, built once by TestMain

func TestMain(m *testing.M) { os.Exit(exampletest.BuildAndRun(m, &bin)) }

var (
	httpLine = regexp.MustCompile(`^HTTP: (http://\S+)/$`)
	ftpLine  = regexp.MustCompile(`^FTP: ftp://(\S+)/$`)
)

// server is a running fileserver.
type server struct {
	*exampletest.Process
	http string // base URL, without the trailing slash
	ftp  string // host:port
}

// start runs the fileserver with args on free ports and waits until it says
// where it listens.
func start(t *testing.T, args ...string) *server {
	t.Helper()
	args = append([]string{"-http", "127.0.0.1:0", "-ftp", "127.0.0.1:0"}, args...)
	p := exampletest.Start(t, bin, args...)
	s := &server{Process: p}
	s.http = p.WaitFor(httpLine)[1]
	s.ftp = p.WaitFor(ftpLine)[1]
	return s
}

// user is one account of the test's user files.
type user struct{ name, password, how string }

// htpasswdUsers has one user per hash format Apache's htpasswd writes on
// Linux (bcrypt at a low cost, to keep the race detector's run short).
var htpasswdUsers = []struct {
	user
	flags []string
}{
	{user{"bcrypt", "bcrypt-pw", "htpasswd -B"}, []string{"-B", "-C", "5"}},
	{user{"apr1", "apr1-pw", "htpasswd -m"}, []string{"-m"}},
	{user{"sha1", "sha1-pw", "htpasswd -s"}, []string{"-s"}},
	{user{"sha256", "sha256-pw", "htpasswd -2"}, []string{"-2"}},
	{user{"sha512", "sha512-pw", "htpasswd -5"}, []string{"-5"}},
	{user{"victim", "victim-pw", "htpasswd -s"}, []string{"-s"}},
}

// digestUser is in the htdigest file, realm "gocred" (the default -realm).
var digestUser = user{"dora", "dora-pw", "htdigest"}

// makeUserFiles writes an htpasswd and an htdigest file with Apache's tools.
func makeUserFiles(t *testing.T) (htpasswd, htdigest string) {
	t.Helper()
	dir := t.TempDir()
	htpasswd = filepath.Join(dir, "users.htpasswd")
	for i, u := range htpasswdUsers {
		args := []string{"-b"}
		if i == 0 {
			args = append(args, "-c")
		}
		args = append(args, u.flags...)
		exampletest.Htpasswd(t, append(args, htpasswd, u.name, u.password)...)
	}
	htdigest = filepath.Join(dir, "users.htdigest")
	exampletest.Htdigest(t, htdigest, "gocred", digestUser.name, digestUser.password, true)
	exampletest.Htdigest(t, htdigest, "elsewhere", "eve", "eve-pw", false)
	return htpasswd, htdigest
}

// rootWithSecret makes a folder to serve, holding hello.txt, next to a
// secret.txt that must never be reachable.
func rootWithSecret(t *testing.T) (root, secret string) {
	t.Helper()
	dir := t.TempDir()
	root = filepath.Join(dir, "root")
	secret = filepath.Join(dir, "secret.txt")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{filepath.Join(root, "hello.txt"): "hello over both protocols\n", secret: "TOP SECRET\n"} {
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root, secret
}

func TestFileserver(t *testing.T) {
	exampletest.Need(t, "curl")
	htpasswd, htdigest := makeUserFiles(t)
	root, secret := rootWithSecret(t)
	s := start(t, "-root", root, "-htpasswd", htpasswd, "-htdigest", htdigest)

	t.Run("startup logs what it loaded, the Digest algorithms and where it listens", func(t *testing.T) {
		for _, re := range []string{
			`msg="loaded users" file=` + regexp.QuoteMeta(htpasswd) + ` format=htpasswd users=6 `,
			`msg="loaded users" file=` + regexp.QuoteMeta(htdigest) + ` format=htdigest realm=gocred users=1 `,
			`msg="HTTP Digest offered" realm=gocred algorithms=\[MD5\]`,
			`msg=listening protocol=http addr=127\.0\.0\.1:\d+`,
			`msg=listening protocol=ftp addr=127\.0\.0\.1:\d+`,
		} {
			if !s.Eventually(regexp.MustCompile(re), 10*time.Second) {
				t.Errorf("no log line matching %s", re)
			}
		}
		if s.Saw(regexp.MustCompile(`DEMO`)) {
			t.Errorf("it says DEMO although user files were given")
		}
	})

	t.Run("Basic logs in users of every htpasswd hash format", func(t *testing.T) {
		for _, u := range htpasswdUsers {
			r := exampletest.Curl(t, "-u", u.name+":"+u.password, s.http+"/hello.txt")
			if r.Status != "200" || r.Body != "hello over both protocols\n" {
				t.Errorf("%s (%s): status %s, body %q; %s", u.name, u.how, r.Status, r.Body, r.Stderr)
			}
		}
	})

	t.Run("Digest logs in a user of the htdigest file, with MD5", func(t *testing.T) {
		r := exampletest.Curl(t, "-v", "--digest", "-u", digestUser.name+":"+digestUser.password, s.http+"/hello.txt")
		if r.Status != "200" || r.Body != "hello over both protocols\n" {
			t.Fatalf("status %s, body %q; %s", r.Status, r.Body, r.Stderr)
		}
		if !regexp.MustCompile(`(?m)^> Authorization: Digest .*algorithm=MD5`).MatchString(r.Stderr) {
			t.Errorf("curl did not answer an MD5 Digest challenge:\n%s", r.Stderr)
		}
		if !s.Eventually(regexp.MustCompile(`msg="http request" method=GET path=/hello.txt status=200 scheme=Digest user=dora `), 10*time.Second) {
			t.Errorf("no access log line for dora's Digest request")
		}
	})

	t.Run("the htdigest user logs in with Basic and FTP too", func(t *testing.T) {
		login := digestUser.name + ":" + digestUser.password
		if r := exampletest.Curl(t, "--basic", "-u", login, s.http+"/hello.txt"); r.Status != "200" {
			t.Errorf("Basic: status %s", r.Status)
		}
		if r := exampletest.Curl(t, "ftp://"+login+"@"+s.ftp+"/hello.txt"); r.Code != 0 || r.Body != "hello over both protocols\n" {
			t.Errorf("FTP: curl exit %d, body %q; %s", r.Code, r.Body, r.Stderr)
		}
	})

	t.Run("HTTP challenges offer Digest and Basic", func(t *testing.T) {
		r := exampletest.Curl(t, "-D", "-", "-o", "/dev/null", s.http+"/hello.txt")
		if r.Status != "401" {
			t.Fatalf("status %s, want 401", r.Status)
		}
		for _, re := range []string{`(?mi)^WWW-Authenticate: Digest realm="gocred".*algorithm=MD5`, `(?mi)^WWW-Authenticate: Basic realm="gocred"`} {
			if !regexp.MustCompile(re).MatchString(r.Body) {
				t.Errorf("no header matching %s in:\n%s", re, r.Body)
			}
		}
	})

	t.Run("a wrong password gets 401 with Basic and with Digest", func(t *testing.T) {
		if r := exampletest.Curl(t, "-u", "apr1:nope", s.http+"/hello.txt"); r.Status != "401" {
			t.Errorf("Basic: status %s, want 401", r.Status)
		}
		if r := exampletest.Curl(t, "--digest", "-u", "dora:nope", s.http+"/hello.txt"); r.Status != "401" {
			t.Errorf("Digest: status %s, want 401", r.Status)
		}
		if r := exampletest.Curl(t, "-u", "nobody:nope", s.http+"/hello.txt"); r.Status != "401" {
			t.Errorf("unknown user: status %s, want 401", r.Status)
		}
	})

	t.Run("FTP retrieves a file", func(t *testing.T) {
		r := exampletest.Curl(t, "ftp://sha256:sha256-pw@"+s.ftp+"/hello.txt")
		if r.Code != 0 || r.Body != "hello over both protocols\n" {
			t.Errorf("curl exit %d, body %q; %s", r.Code, r.Body, r.Stderr)
		}
	})

	t.Run("a file uploaded over FTP is served over HTTP at once", func(t *testing.T) {
		local := filepath.Join(t.TempDir(), "report.txt")
		body := "uploaded at " + time.Now().Format(time.RFC3339Nano) + "\n"
		if err := os.WriteFile(local, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if r := exampletest.Curl(t, "-T", local, "ftp://bcrypt:bcrypt-pw@"+s.ftp+"/report.txt"); r.Code != 0 {
			t.Fatalf("upload: curl exit %d; %s", r.Code, r.Stderr)
		}
		r := exampletest.Curl(t, "-u", "sha512:sha512-pw", s.http+"/report.txt")
		if r.Status != "200" || r.Body != body {
			t.Errorf("HTTP: status %s, body %q, want %q", r.Status, r.Body, body)
		}
		if got, err := os.ReadFile(filepath.Join(root, "report.txt")); err != nil || string(got) != body {
			t.Errorf("on disk: %q, %v", got, err)
		}
	})

	t.Run("a wrong FTP password gets 530", func(t *testing.T) {
		r := exampletest.Curl(t, "-v", "ftp://sha1:nope@"+s.ftp+"/hello.txt")
		if r.Code != 67 || !regexp.MustCompile(`(?m)^< 530 `).MatchString(r.Stderr) {
			t.Errorf("curl exit %d (want 67, login denied); %s", r.Code, r.Stderr)
		}
	})

	t.Run("anonymous FTP is refused with 530 when -anonymous is off", func(t *testing.T) {
		r := exampletest.Curl(t, "-v", "ftp://"+s.ftp+"/hello.txt")
		if r.Code != 67 || !regexp.MustCompile(`(?m)^< 530 `).MatchString(r.Stderr) {
			t.Errorf("curl exit %d (want 67, login denied); %s", r.Code, r.Stderr)
		}
	})

	t.Run("HTTP paths cannot climb out of the root", func(t *testing.T) {
		for _, path := range []string{"/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/hello.txt/../../secret.txt", "//../secret.txt"} {
			r := exampletest.Curl(t, "--path-as-is", "-u", "apr1:apr1-pw", s.http+path)
			if strings.Contains(r.Body, "TOP SECRET") || r.Status == "200" && !strings.Contains(r.Body, "hello") {
				t.Errorf("%s: status %s, body %q", path, r.Status, r.Body)
			}
		}
	})

	t.Run("HTTP only reads: other methods get 405, OPTIONS says which", func(t *testing.T) {
		for _, m := range []string{"PUT", "DELETE", "POST", "PATCH", "PROPFIND"} {
			r := exampletest.Curl(t, "-D", "-", "-X", m, "-u", "apr1:apr1-pw", s.http+"/hello.txt")
			if r.Status != "405" || !strings.Contains(r.Body, "Allow: GET, HEAD, OPTIONS") {
				t.Errorf("%s: status %s, headers and body %q; want 405 with Allow", m, r.Status, r.Body)
			}
		}
		if _, err := os.Stat(filepath.Join(root, "hello.txt")); err != nil {
			t.Errorf("hello.txt after DELETE: %v", err)
		}
		r := exampletest.Curl(t, "-D", "-", "-X", "OPTIONS", "-u", "apr1:apr1-pw", s.http+"/hello.txt")
		if r.Status != "204" || !strings.Contains(r.Body, "Allow: GET, HEAD, OPTIONS") {
			t.Errorf("OPTIONS: status %s, %q; want 204 with Allow", r.Status, r.Body)
		}
	})

	t.Run("FTP paths cannot climb out of the root", func(t *testing.T) {
		for _, path := range []string{"/../secret.txt", "/%2e%2e/secret.txt", "/a/../../secret.txt"} {
			for _, method := range []string{"multicwd", "nocwd", "singlecwd"} {
				r := exampletest.Curl(t, "--path-as-is", "--ftp-method", method, "ftp://apr1:apr1-pw@"+s.ftp+path)
				if strings.Contains(r.Body, "TOP SECRET") {
					t.Errorf("%s (%s): read the secret", path, method)
				}
			}
		}
		// An upload aimed outside the root lands inside it, or nowhere.
		local := filepath.Join(t.TempDir(), "escape.txt")
		os.WriteFile(local, []byte("escaped\n"), 0o644)
		for _, method := range []string{"multicwd", "nocwd"} {
			exampletest.Curl(t, "--path-as-is", "--ftp-method", method, "-T", local, "ftp://apr1:apr1-pw@"+s.ftp+"/../escape.txt")
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(root), "escape.txt")); err == nil {
			t.Errorf("an FTP upload escaped the root")
		}
		if got, _ := os.ReadFile(secret); string(got) != "TOP SECRET\n" {
			t.Errorf("the secret changed: %q", got)
		}
	})

	t.Run("a user added with htpasswd while it runs can log in without a restart", func(t *testing.T) {
		time.Sleep(1100 * time.Millisecond) // the file's modification time must change
		exampletest.Htpasswd(t, "-b", "-B", "-C", "5", htpasswd, "newcomer", "newcomer-pw")
		deadline := time.Now().Add(20 * time.Second)
		for {
			r := exampletest.Curl(t, "ftp://newcomer:newcomer-pw@"+s.ftp+"/hello.txt")
			if r.Code == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the new user still cannot log in: curl exit %d", r.Code)
			}
			time.Sleep(500 * time.Millisecond)
		}
		if r := exampletest.Curl(t, "-u", "newcomer:newcomer-pw", s.http+"/hello.txt"); r.Status != "200" {
			t.Errorf("HTTP: status %s", r.Status)
		}
	})

	t.Run("failed logins over HTTP and FTP count together in one throttle", func(t *testing.T) {
		// The default policy locks a user name out after 10 failures.
		for i := range 5 {
			if r := exampletest.Curl(t, "-u", "victim:guess", s.http+"/hello.txt"); r.Status != "401" {
				t.Fatalf("HTTP guess %d: status %s", i, r.Status)
			}
			if r := exampletest.Curl(t, "ftp://victim:guess@"+s.ftp+"/hello.txt"); r.Code != 67 {
				t.Fatalf("FTP guess %d: curl exit %d", i, r.Code)
			}
		}
		if r := exampletest.Curl(t, "-u", "victim:victim-pw", s.http+"/hello.txt"); r.Status != "429" {
			t.Errorf("HTTP with the right password after 10 failures: status %s, want 429", r.Status)
		}
		r := exampletest.Curl(t, "-v", "ftp://victim:victim-pw@"+s.ftp+"/hello.txt")
		if r.Code != 67 || !strings.Contains(r.Stderr, "Too many failed logins") {
			t.Errorf("FTP with the right password after 10 failures: curl exit %d; %s", r.Code, r.Stderr)
		}
		if !s.Eventually(regexp.MustCompile(`protocol=ftp user=victim outcome=throttled`), 10*time.Second) {
			t.Errorf("no throttled FTP login in the log")
		}
	})

	t.Run("logins are logged with user, address and outcome, never a password", func(t *testing.T) {
		for _, re := range []string{
			`level=INFO msg=login protocol=http user=bcrypt outcome=success .*remote=127\.0\.0\.1:\d+`,
			`level=WARN msg="login refused" protocol=http user=apr1 outcome=unauthorized .*remote=127\.0\.0\.1:\d+`,
			`level=INFO msg=login protocol=ftp user=sha256 outcome=success .*remote=127\.0\.0\.1:\d+`,
			`level=WARN msg="login refused" protocol=ftp user=sha1 outcome=unauthorized .*remote=127\.0\.0\.1:\d+`,
		} {
			if !s.Eventually(regexp.MustCompile(re), 10*time.Second) {
				t.Errorf("no log line matching %s", re)
			}
		}
		out := s.Output()
		for _, u := range append(htpasswdUsers[:0:0], htpasswdUsers...) {
			if strings.Contains(out, u.password) {
				t.Errorf("the log contains %s's password", u.name)
			}
		}
		for _, pw := range []string{digestUser.password, "guess", "nope", "newcomer-pw"} {
			if strings.Contains(out, pw) {
				t.Errorf("the log contains the password %q", pw)
			}
		}
	})

	t.Run("SIGTERM stops accepting, lets transfers in flight finish and exits 0", func(t *testing.T) {
		// 16 MiB: more than the loopback's socket buffers hold, so the
		// HTTP handler is still writing when the signal comes.
		big := bytes.Repeat([]byte("0123456789abcdef"), 1<<20)
		if err := os.WriteFile(filepath.Join(root, "big.bin"), big, 0o644); err != nil {
			t.Fatal(err)
		}
		type result struct {
			what string
			r    exampletest.CurlResult
		}
		results := make(chan result, 2)
		// About three seconds each at this rate.
		go func() {
			results <- result{"HTTP", exampletest.Curl(t, "--limit-rate", "5M", "-u", "apr1:apr1-pw", s.http+"/big.bin")}
		}()
		go func() {
			results <- result{"FTP", exampletest.Curl(t, "--limit-rate", "5M", "ftp://apr1:apr1-pw@"+s.ftp+"/big.bin")}
		}()
		// Wait until both transfers have started.
		s.WaitFor(regexp.MustCompile(`msg="http request" method=GET path=/big.bin|protocol=ftp user=apr1 outcome=success`))
		time.Sleep(time.Second)
		s.Signal(syscall.SIGTERM)
		s.WaitFor(regexp.MustCompile(`msg="shutting down`))
		time.Sleep(200 * time.Millisecond)
		if r := exampletest.Curl(t, "-u", "apr1:apr1-pw", s.http+"/hello.txt"); r.Code == 0 {
			t.Errorf("a new HTTP request during shutdown was served: %s", r.Status)
		}
		if r := exampletest.Curl(t, "ftp://apr1:apr1-pw@"+s.ftp+"/hello.txt"); r.Code == 0 {
			t.Errorf("a new FTP session during shutdown was served: %q", r.Body)
		}
		for range 2 {
			res := <-results
			if res.r.Code != 0 || len(res.r.Body) != len(big) {
				t.Errorf("%s transfer in flight: curl exit %d, got %d of %d bytes; %s", res.what, res.r.Code, len(res.r.Body), len(big), res.r.Stderr)
			}
		}
		if code := s.Wait(); code != 0 {
			t.Errorf("exit status %d, want 0", code)
		}
		// The access log line is written when the handler returns: after
		// the shutdown began, or the HTTP transfer was not in flight.
		out := s.Output()
		if i, j := strings.Index(out, `msg="shutting down`), strings.Index(out, "path=/big.bin"); i < 0 || j < i {
			t.Errorf("the HTTP transfer ended before the signal (log at %d, shutdown at %d): the test did not test draining", j, i)
		}
	})
}

// TestFileserverRefusesToStart checks that bad input gets a clear message and
// a non-zero exit, never a server and never a panic.
func TestFileserverRefusesToStart(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := filepath.Join(dir, "good.htpasswd")
	exampletest.Htpasswd(t, "-cbB", "-C", "4", good, "alice", "alice-pw")
	des := filepath.Join(dir, "des.htpasswd")
	exampletest.Htpasswd(t, "-cb", "-B", "-C", "4", des, "alice", "alice-pw")
	exampletest.Htpasswd(t, "-bd", des, "dave", "dave-pw")
	plain := filepath.Join(dir, "plain.htpasswd")
	exampletest.Htpasswd(t, "-cbp", plain, "pat", "pat-pw")
	goodDigest := filepath.Join(dir, "good.htdigest")
	exampletest.Htdigest(t, goodDigest, "gocred", "dora", "dora-pw", true)
	badDigest := write("bad.htdigest", "dora:gocred:0123456789abcdef0123456789abcdef\nthis line has no colons\n")
	brokenHash := write("broken.htpasswd", "alice:$2y$05$tooshort\n")

	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"an unknown flag", []string{"-port", "8080"}, 2, []string{"flag provided but not defined: -port"}},
		{"a stray argument", []string{"files"}, 2, []string{`unexpected argument "files"`}},
		{"an -http address without a port", []string{"-http", "localhost"}, 2, []string{`-http "localhost": want host:port`}},
		{"an -ftp port out of range", []string{"-ftp", "127.0.0.1:70000"}, 2, []string{`-ftp "127.0.0.1:70000": the port must be a number`}},
		{"both protocols turned off", []string{"-http", "", "-ftp", ""}, 2, []string{"nothing to serve"}},
		{"-anonymous without FTP", []string{"-ftp", "", "-anonymous"}, 2, []string{"-anonymous is for FTP, but -ftp is empty"}},
		{"a missing -root", []string{"-root", filepath.Join(dir, "nope")}, 2, []string{"-root", "no such file or directory"}},
		{"a -root that is a file", []string{"-root", good}, 2, []string{"is not a directory"}},
		{"a missing -htpasswd file", []string{"-htpasswd", filepath.Join(dir, "missing.htpasswd")}, 1, []string{"-htpasswd", "missing.htpasswd", "no such file or directory"}},
		{"an unreadable -htpasswd file (a directory)", []string{"-htpasswd", dir}, 1, []string{"-htpasswd", dir}},
		{"a missing -htdigest file", []string{"-htdigest", filepath.Join(dir, "missing.htdigest")}, 1, []string{"-htdigest", "missing.htdigest", "no such file or directory"}},
		{"an htpasswd line in DES crypt (htpasswd -d)", []string{"-htpasswd", des}, 1, []string{des + ":2:", "dave", "DES"}},
		{"an htpasswd line in plaintext (htpasswd -p)", []string{"-htpasswd", plain}, 1, []string{plain + ":1:", "pat"}},
		{"an htpasswd line with a malformed hash", []string{"-htpasswd", brokenHash}, 1, []string{brokenHash + ":1:", "alice"}},
		{"an htdigest line it cannot parse", []string{"-htdigest", badDigest}, 1, []string{badDigest + ":2:"}},
		{"an htdigest file without users for -realm", []string{"-htdigest", goodDigest, "-realm", "files"}, 1, []string{"-htdigest", `no user for realm "files"`, `"gocred"`}},
		{"a busy -http port", nil, 1, []string{"-http", "address already in use"}},
	} {
		t.Run(tc.name+" is refused with a message", func(t *testing.T) {
			args := tc.args
			if args == nil { // the busy port: take one, then ask for it
				busy := exampletest.Start(t, bin, "-htpasswd", good, "-http", "127.0.0.1:0", "-ftp", "")
				addr := strings.TrimPrefix(busy.WaitFor(httpLine)[1], "http://")
				args = []string{"-http", addr, "-ftp", ""}
			}
			code, out := exampletest.Run(t, bin, args...)
			if code != tc.code {
				t.Errorf("exit status %d, want %d", code, tc.code)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("the message does not say %q:\n%s", w, out)
				}
			}
			for _, bad := range []string{"panic", "goroutine ", "HTTP: ", "listening"} {
				if strings.Contains(out, bad) {
					t.Errorf("the output has %q:\n%s", bad, out)
				}
			}
		})
	}
}

// TestFileserverDemo runs it as a newcomer would, with no flags but the ports.
func TestFileserverDemo(t *testing.T) {
	exampletest.Need(t, "curl")
	s := start(t)
	root := s.WaitFor(regexp.MustCompile(`serving a copy of the demo folder.* root=(\S+)`))[1]

	t.Run("it says it runs on demo users and prints how to log in", func(t *testing.T) {
		for _, re := range []string{
			`^DEMO users .*alice/wonderland`,
			`^  curl -u alice:wonderland ` + regexp.QuoteMeta(s.http) + `/hello.txt$`,
			`^  curl --digest -u alice:wonderland ` + regexp.QuoteMeta(s.http) + `/hello.txt$`,
			`^  curl -T notes.txt ftp://alice:wonderland@` + regexp.QuoteMeta(s.ftp) + `/$`,
			`^  ftp -p 127.0.0.1 \d+ `,
			`level=WARN msg=.*built-in DEMO users`,
		} {
			if !s.Eventually(regexp.MustCompile(re), 10*time.Second) {
				t.Errorf("no line matching %s", re)
			}
		}
	})

	t.Run("the printed curl lines work, with Basic and Digest", func(t *testing.T) {
		for _, scheme := range []string{"--basic", "--digest"} {
			r := exampletest.Curl(t, scheme, "-u", "alice:wonderland", s.http+"/hello.txt")
			if r.Status != "200" || !strings.Contains(r.Body, "Hello from the gocred fileserver") {
				t.Errorf("%s: status %s, body %q", scheme, r.Status, r.Body)
			}
		}
		if !s.Eventually(regexp.MustCompile(`msg="HTTP Digest offered" realm=gocred algorithms="\[SHA-256 MD5\]"`), 10*time.Second) {
			t.Errorf("no Digest algorithms in the log")
		}
	})

	t.Run("uploads to the demo folder work and are served over HTTP", func(t *testing.T) {
		local := filepath.Join(t.TempDir(), "notes.txt")
		os.WriteFile(local, []byte("my notes\n"), 0o644)
		if r := exampletest.Curl(t, "-T", local, "ftp://alice:wonderland@"+s.ftp+"/"); r.Code != 0 {
			t.Fatalf("upload: curl exit %d; %s", r.Code, r.Stderr)
		}
		r := exampletest.Curl(t, "-u", "bob:builder", s.http+"/notes.txt")
		if r.Status != "200" || r.Body != "my notes\n" {
			t.Errorf("status %s, body %q", r.Status, r.Body)
		}
		r = exampletest.Curl(t, "ftp://bob:builder@"+s.ftp+"/notes/four-words.txt")
		if r.Code != 0 || !strings.Contains(r.Body, "portal") {
			t.Errorf("FTP: curl exit %d, body %q", r.Code, r.Body)
		}
	})

	t.Run("the demo copy is removed at exit", func(t *testing.T) {
		s.Signal(syscall.SIGINT)
		if code := s.Wait(); code != 0 {
			t.Errorf("exit status %d, want 0", code)
		}
		if _, err := os.Stat(root); !os.IsNotExist(err) {
			t.Errorf("%s is still there: %v", root, err)
		}
	})
	t.Run("but not under nohup, which asked for SIGHUP to be ignored", func(t *testing.T) {
		exampletest.Need(t, "nohup")
		p := exampletest.Start(t, "nohup", bin, "-http", "127.0.0.1:0", "-ftp", "127.0.0.1:0")
		p.WaitFor(httpLine)
		p.Signal(syscall.SIGHUP)
		time.Sleep(500 * time.Millisecond)
		if p.Saw(regexp.MustCompile(`shutting down`)) {
			t.Fatalf("SIGHUP stopped it under nohup:\n%s", p.Output())
		}
		p.Signal(syscall.SIGTERM)
		if code := p.Wait(); code != 0 {
			t.Errorf("exit status %d after SIGTERM, want 0", code)
		}
	})
	t.Run("also when the terminal closes (SIGHUP)", func(t *testing.T) {
		s := start(t)
		root := s.WaitFor(regexp.MustCompile(`serving a copy of the demo folder.* root=(\S+)`))[1]
		s.Signal(syscall.SIGHUP)
		if code := s.Wait(); code != 0 {
			t.Errorf("exit status %d, want 0", code)
		}
		if _, err := os.Stat(root); !os.IsNotExist(err) {
			t.Errorf("%s is still there: %v", root, err)
		}
	})
}

// With a -root of one's own, the printed lines name the folder, not the
// demo folder's hello.txt, which it may not hold.
func TestFileserverHowToForOwnRoot(t *testing.T) {
	root := t.TempDir()
	s := start(t, "-root", root)
	for _, re := range []string{
		`^  curl -u alice:wonderland ` + regexp.QuoteMeta(s.http) + `/$`,
		`^  curl ftp://alice:wonderland@` + regexp.QuoteMeta(s.ftp) + `/$`,
	} {
		if !s.Eventually(regexp.MustCompile(re), 10*time.Second) {
			t.Errorf("no line matching %s", re)
		}
	}
	if s.Saw(regexp.MustCompile(`hello\.txt`)) {
		t.Errorf("it points at hello.txt, which %s does not hold:\n%s", root, s.Output())
	}
}

func TestFileserverAnonymousFTP(t *testing.T) {
	exampletest.Need(t, "curl")
	root, _ := rootWithSecret(t)
	s := start(t, "-root", root, "-anonymous")

	t.Run("anonymous FTP lists and reads the files", func(t *testing.T) {
		r := exampletest.Curl(t, "ftp://"+s.ftp+"/")
		if r.Code != 0 || !strings.Contains(r.Body, "hello.txt") {
			t.Errorf("list: curl exit %d, body %q; %s", r.Code, r.Body, r.Stderr)
		}
		r = exampletest.Curl(t, "ftp://anonymous:me%40example.org@"+s.ftp+"/hello.txt")
		if r.Code != 0 || r.Body != "hello over both protocols\n" {
			t.Errorf("read: curl exit %d, body %q; %s", r.Code, r.Body, r.Stderr)
		}
	})

	t.Run("anonymous FTP cannot write", func(t *testing.T) {
		local := filepath.Join(t.TempDir(), "graffiti.txt")
		os.WriteFile(local, []byte("was here\n"), 0o644)
		r := exampletest.Curl(t, "-T", local, "ftp://"+s.ftp+"/graffiti.txt")
		if r.Code == 0 {
			t.Errorf("the upload succeeded")
		}
		if _, err := os.Stat(filepath.Join(root, "graffiti.txt")); err == nil {
			t.Errorf("graffiti.txt was written")
		}
	})

	t.Run("HTTP still wants a login", func(t *testing.T) {
		if r := exampletest.Curl(t, s.http+"/hello.txt"); r.Status != "401" {
			t.Errorf("status %s, want 401", r.Status)
		}
	})

	t.Run("only the name anonymous is anonymous", func(t *testing.T) {
		// ftpauth's default names include "ftp"; the contract names
		// "anonymous" alone, so "ftp" is an unknown user here.
		if r := exampletest.Curl(t, "ftp://ftp:me%40example.org@"+s.ftp+"/"); r.Code == 0 {
			t.Errorf("user ftp logged in: body %q", r.Body)
		}
	})

	t.Run("users can still write over FTP", func(t *testing.T) {
		local := filepath.Join(t.TempDir(), "mine.txt")
		os.WriteFile(local, []byte("mine\n"), 0o644)
		if r := exampletest.Curl(t, "-T", local, "ftp://alice:wonderland@"+s.ftp+"/mine.txt"); r.Code != 0 {
			t.Errorf("curl exit %d; %s", r.Code, r.Stderr)
		}
	})
}

func TestFileserverOneProtocol(t *testing.T) {
	exampletest.Need(t, "curl")
	t.Run("an empty -ftp serves HTTP only", func(t *testing.T) {
		p := exampletest.Start(t, bin, "-http", "127.0.0.1:0", "-ftp", "")
		base := p.WaitFor(httpLine)[1]
		if r := exampletest.Curl(t, "-u", "alice:wonderland", base+"/hello.txt"); r.Status != "200" {
			t.Errorf("status %s", r.Status)
		}
		if p.Saw(regexp.MustCompile(`^FTP:|protocol=ftp`)) {
			t.Errorf("it serves FTP:\n%s", p.Output())
		}
	})
	t.Run("an empty -http serves FTP only", func(t *testing.T) {
		p := exampletest.Start(t, bin, "-http", "", "-ftp", "127.0.0.1:0")
		addr := p.WaitFor(ftpLine)[1]
		if r := exampletest.Curl(t, "ftp://alice:wonderland@"+addr+"/hello.txt"); r.Code != 0 {
			t.Errorf("curl exit %d; %s", r.Code, r.Stderr)
		}
		if p.Saw(regexp.MustCompile(`^HTTP:|protocol=http`)) {
			t.Errorf("it serves HTTP:\n%s", p.Output())
		}
	})
}

// Start-up stuck reading a user file that is a named pipe nobody writes
// to: the first signal cannot interrupt the read, but restores the
// signal's default action, so a second one kills the program at once (the
// signals were swallowed while start-up lasted).
func TestFileserverSecondSignalEndsAStuckStart(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "users.htpasswd")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	p := exampletest.Start(t, bin, "-http", "127.0.0.1:0", "-ftp", "", "-htpasswd", fifo)
	time.Sleep(300 * time.Millisecond) // let it reach the read
	p.Signal(syscall.SIGTERM)
	time.Sleep(200 * time.Millisecond)
	p.Signal(syscall.SIGTERM)
	if code := p.Wait(); code != -1 {
		t.Errorf("exit code %d, want -1 (killed by the second signal)", code)
	}
}
