package ftpauth

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/spf13/afero"

	gocheckers "github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/cred"
)

func TestThrottleLocksOutAcrossProtocols(t *testing.T) {
	tests := []struct {
		name         string
		httpFailures int // wrong passwords tried through the same portal as HTTP would
		ftpFailures  int
	}{
		{"three FTP failures lock the user out", 0, 3},
		{"HTTP failures count toward the FTP lockout", 2, 1},
		{"HTTP failures alone lock FTP out", 3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			throttle := gocheckers.NewThrottle(
				gocheckers.NewInsecurePlaintext(testUsers),
				gocheckers.NewMemoryThrottleStore(),
				gocheckers.ThrottlePolicy{MaxUserFailures: 3, MaxAddrFailures: -1, LockoutDuration: time.Hour},
			)
			f := newFixture(t, fixtureConfig{checkers: []cred.Checker{throttle}})

			httpMind := cred.Mind{Protocol: "http", RemoteAddr: netip.MustParseAddrPort("127.0.0.1:50000")}
			for range tt.httpFailures {
				_, _, err := cred.Login[afero.Fs](context.Background(), f.portal, cred.NewUsernamePassword("alice", wrongPassword), httpMind)
				if !errors.Is(err, cred.ErrUnauthorizedLogin) {
					t.Fatalf("HTTP-side login: %v, want a refusal", err)
				}
			}
			for i := range tt.ftpFailures {
				c := f.raw()
				cmd(t, c, "USER alice")
				if code, msg := cmd(t, c, "PASS %s", wrongPassword); code != 530 || msg != "Login incorrect." {
					t.Fatalf("FTP failure %d: %d %q, want 530 Login incorrect.", i+1, code, msg)
				}
			}

			c := f.raw()
			cmd(t, c, "USER alice")
			code, msg := cmd(t, c, "PASS %s", testUsers["alice"])
			if code != 530 || msg != "Too many failed logins; try again later." {
				t.Errorf("the right password during the lockout: %d %q, want 530 Too many failed logins", code, msg)
			}
			assertClosed(t, c)

			// Another user is not locked out.
			f.login("bob", testUsers["bob"])
		})
	}
}
