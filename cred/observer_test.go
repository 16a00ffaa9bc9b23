package cred_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/gocred/gocred/cred"
)

func TestObserverSeesEveryOutcome(t *testing.T) {
	boom := errors.New("database down")
	checker := cred.NewCheckerFunc(func(ctx context.Context, c cred.Credentials, m cred.Mind) (cred.AvatarID, error) {
		up := c.(cred.UsernamePassword)
		switch {
		case up.Username() == "broken":
			return cred.AvatarID{}, boom
		case up.Username() == "locked":
			return cred.AvatarID{}, &cred.ThrottledError{}
		case up.CheckPassword("right"):
			return cred.UserID(up.Username()), nil
		}
		return cred.AvatarID{}, cred.ErrUnauthorizedLogin
	}, cred.UsernamePasswordType)
	var realmAsked []string
	realm := cred.RealmFunc(func(ctx context.Context, id cred.AvatarID, m cred.Mind, ifs ...reflect.Type) (reflect.Type, any, func(), error) {
		realmAsked = append(realmAsked, id.Name())
		if id.Name() == "disabled" {
			return nil, nil, nil, cred.ErrLoginDenied
		}
		return handlerType, handlerFunc, nil, nil
	})
	p := newPortal(t, realm, checker)
	var mu sync.Mutex
	var events []cred.LoginEvent
	p.SetObserver(cred.ObserverFunc(func(ctx context.Context, ev cred.LoginEvent) {
		mu.Lock()
		events = append(events, ev)
		mu.Unlock()
	}))
	addr := netip.MustParseAddrPort("192.0.2.7:4242")
	mind := cred.Mind{Protocol: "ftp", RemoteAddr: addr}
	tests := []struct {
		name     string
		creds    cred.Credentials
		want     cred.Outcome
		wantErr  bool
		wantUser string
	}{
		{"a success is reported with the avatar ID", cred.NewUsernamePassword("alice", "right"), cred.OutcomeSuccess, false, "alice"},
		{"a wrong password is reported as unauthorized", cred.NewUsernamePassword("alice", "wrong"), cred.OutcomeUnauthorized, false, "alice"},
		{"a lockout is reported as throttled", cred.NewUsernamePassword("locked", "right"), cred.OutcomeThrottled, false, "locked"},
		{"a realm refusal is reported as denied", cred.NewUsernamePassword("disabled", "right"), cred.OutcomeDenied, false, "disabled"},
		{"a store failure is reported as an error with its cause", cred.NewUsernamePassword("broken", "right"), cred.OutcomeError, true, "broken"},
		{"unhandled credentials are reported as misconfiguration", cred.AnonymousCredentials{}, cred.OutcomeUnhandled, true, ""},
		{"an inconclusive acceptance is reported as such", inconclusive{cred.NewUsernamePassword("maybe", "right")}, cred.OutcomeInconclusive, false, "maybe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events = nil
			_, _ = p.Login(context.Background(), tt.creds, mind, handlerType)
			if len(events) != 1 {
				t.Fatalf("%d events, want 1", len(events))
			}
			ev := events[0]
			if ev.Outcome != tt.want || ev.Protocol != "ftp" || ev.RemoteAddr != addr || ev.Username != tt.wantUser {
				t.Fatalf("event = %+v", ev)
			}
			if (ev.Err != nil) != tt.wantErr {
				t.Fatalf("event error = %v, want error: %v", ev.Err, tt.wantErr)
			}
			if tt.want == cred.OutcomeError && !errors.Is(ev.Err, boom) {
				t.Fatalf("event error = %v, want the store's %v", ev.Err, boom)
			}
			if tt.want == cred.OutcomeUnhandled && !errors.Is(ev.Err, cred.ErrUnhandledCredentials) {
				t.Fatalf("event error = %v, want ErrUnhandledCredentials", ev.Err)
			}
			if tt.want == cred.OutcomeSuccess && ev.ID != cred.UserID(tt.wantUser) {
				t.Fatalf("ID = %v", ev.ID)
			}
			if ev.Duration <= 0 {
				t.Fatalf("duration = %v", ev.Duration)
			}
		})
	}
	// The realm acts on logins only: an inconclusive one never reaches it.
	if got := strings.Join(realmAsked, " "); got != "alice disabled" {
		t.Errorf("the realm was asked for %q, want the successful and the denied user only", got)
	}
	if _, err := p.Login(context.Background(), inconclusive{cred.NewUsernamePassword("maybe", "right")}, mind, handlerType); !errors.Is(err, cred.ErrInconclusive) || errors.Is(err, cred.ErrUnauthorizedLogin) {
		t.Errorf("an inconclusive login: %v, want ErrInconclusive and not a wrong password", err)
	}
}

// inconclusive is a password a checker can accept that still cannot log
// in (see cred.Inconclusive).
type inconclusive struct{ cred.UsernamePassword }

func (inconclusive) Inconclusive() bool { return true }

func TestSlogObserverNeverLogsThePassword(t *testing.T) {
	var buf bytes.Buffer
	p := newPortal(t, &handlerRealm{}, passwordChecker("ok", map[string]string{"alice": "hunter2"}))
	p.SetObserver(cred.SlogObserver(slog.New(slog.NewTextHandler(&buf, nil))))
	for _, pw := range []string{"hunter2", "hunter3"} {
		s, err := p.Login(context.Background(), cred.NewUsernamePassword("alice", pw), cred.Mind{Protocol: "http"}, handlerType)
		if err == nil {
			s.Logout()
		}
	}
	out := buf.String()
	if strings.Contains(out, "hunter") {
		t.Fatalf("log shows a password:\n%s", out)
	}
	for _, want := range []string{"level=INFO msg=login", "level=WARN msg=\"login refused\"", "user=alice", "outcome=unauthorized", "protocol=http"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}
