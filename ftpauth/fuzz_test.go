package ftpauth

import (
	"strings"
	"testing"
)

// FuzzLogin sends arbitrary USER and PASS arguments to a real server: every
// reply must be one of the known ones, and the server must live on.
func FuzzLogin(f *testing.F) {
	for _, seed := range [][2]string{
		{"alice", "wonderland-7Q"},
		{"alice", ""},
		{"", "x"},
		{"anonymous", "guest@example.org"},
		{"ANONYMOUS", ""},
		{"../../etc", "x"},
		{"a\x00b", "p\x00"},
		{"alice bob", "pass word"},
		{strings.Repeat("u", 3000), "p"},
		{"ü名前", "密码"},
	} {
		f.Add(seed[0], seed[1])
	}
	fx := newFixture(f, fixtureConfig{opts: Options{Anonymous: true}})
	known := map[string]bool{
		replyLoggedIn: true, replyIncorrect: true, replyNoUser: true,
		replyThrottled: true, replyNotAllowed: true,
	}
	f.Fuzz(func(t *testing.T, user, pass string) {
		// CR and LF end an FTP command line; what lies between is the input.
		clean := strings.NewReplacer("\r", "", "\n", "")
		user, pass = clean.Replace(user), clean.Replace(pass)
		if len(user)+len(pass) > 4000 {
			t.Skip("beyond ftpserverlib's 4 KiB command line")
		}
		c := dialRaw(t, fx.addr)
		if code, msg := cmd(t, c, "USER %s", user); code != 331 {
			t.Fatalf("USER %q: %d %q", user, code, msg)
		}
		code, msg := cmd(t, c, "PASS %s", pass)
		switch {
		case code == 230 && msg == replyLoggedIn:
		case code == 530 && known[msg]:
		default:
			t.Fatalf("USER %q PASS %q: %d %q", user, pass, code, msg)
		}
		c2 := dialRaw(t, fx.addr)
		if code, _ := cmd(t, c2, "NOOP"); code != 200 {
			t.Fatalf("the server stopped answering after USER %q", user)
		}
	})
}
