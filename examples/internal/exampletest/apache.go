package exampletest

import (
	"bufio"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Htpasswd runs Apache's htpasswd with args (e.g. "-b", "-B", file, user,
// password) and fails the test if it fails.
func Htpasswd(t testing.TB, args ...string) {
	t.Helper()
	out, err := exec.Command(Need(t, "htpasswd"), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("htpasswd %q: %v\n%s", args, err, out)
	}
}

// Htdigest adds user with password to the htdigest file for realm, creating
// the file if create is set, with Apache's htdigest. htdigest reads passwords
// from a terminal only, so it runs under script(1), which gives it a pty; each
// password is typed after its prompt appears. The line written is checked
// against MD5(user:realm:password) computed here.
func Htdigest(t testing.TB, file, realm, user, password string, create bool) {
	t.Helper()
	htdigest := Need(t, "htdigest")
	script := Need(t, "script")
	for _, s := range []string{file, realm, user} {
		if strings.ContainsAny(s, "'\n") {
			t.Fatalf("Htdigest: %q cannot be quoted for the shell", s)
		}
	}
	flag := ""
	if create {
		flag = "-c "
	}
	line := fmt.Sprintf("'%s' %s'%s' '%s' '%s'", htdigest, flag, file, realm, user)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, script, "-qec", line, "/dev/null")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("script -c %s: %v", line, err)
	}
	// Type the password after each "password:" prompt, twice.
	var seen strings.Builder
	r := bufio.NewReader(stdout)
	for typed := 0; typed < 2; {
		b, err := r.ReadByte()
		if err != nil {
			break
		}
		seen.WriteByte(b)
		if strings.HasSuffix(strings.ToLower(seen.String()), "password: ") {
			time.Sleep(50 * time.Millisecond) // let it finish turning echo off
			io.WriteString(stdin, password+"\n")
			seen.Reset()
			typed++
		}
	}
	io.Copy(io.Discard, r)
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("htdigest under script: %v (output %q)", err, seen.String())
	}

	sum := md5.Sum([]byte(user + ":" + realm + ":" + password))
	want := user + ":" + realm + ":" + hex.EncodeToString(sum[:])
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if l == want {
			return
		}
	}
	t.Fatalf("htdigest did not write %q into %s:\n%s", want, file, data)
}
