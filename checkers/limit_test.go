package checkers_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/cred"
)

// gate is a checker that blocks every verification until released, and
// records how many ran at once.
type gate struct {
	release  chan struct{}
	entered  chan struct{}
	inFlight atomic.Int64
	maxSeen  atomic.Int64
}

func newGate() *gate { return &gate{release: make(chan struct{}), entered: make(chan struct{}, 100)} }

func (g *gate) CredentialInterfaces() []reflect.Type {
	return []reflect.Type{cred.UsernamePasswordType, cred.UsernameHashedPasswordType}
}

func (g *gate) RequestAvatarID(ctx context.Context, creds cred.Credentials, mind cred.Mind) (cred.AvatarID, error) {
	n := g.inFlight.Add(1)
	defer g.inFlight.Add(-1)
	for {
		m := g.maxSeen.Load()
		if n <= m || g.maxSeen.CompareAndSwap(m, n) {
			break
		}
	}
	g.entered <- struct{}{}
	<-g.release
	return cred.UserID(creds.(cred.UsernamePassword).Username()), nil
}

func TestLimitBoundsConcurrentVerifications(t *testing.T) {
	tests := []struct {
		name    string
		limit   int
		callers int
	}{
		{"one slot runs verifications one at a time", 1, 5},
		{"three slots run at most three at once", 3, 10},
		{"more slots than callers runs them all at once", 8, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGate()
			l := checkers.NewLimit(g, tt.limit)
			var wg sync.WaitGroup
			for range tt.callers {
				wg.Go(func() {
					if _, err := l.RequestAvatarID(context.Background(), cred.NewUsernamePassword("u", "p"), cred.Mind{}); err != nil {
						t.Error(err)
					}
				})
			}
			want := min(tt.limit, tt.callers)
			for range want {
				<-g.entered
			}
			// Give any caller that wrongly got past the limit time to show up.
			time.Sleep(20 * time.Millisecond)
			if got := l.InFlight(); got != want {
				t.Errorf("InFlight = %d, want %d", got, want)
			}
			close(g.release)
			wg.Wait()
			if got := g.maxSeen.Load(); got != int64(want) {
				t.Fatalf("at most %d verifications ran at once, want %d", got, want)
			}
		})
	}
}

func TestLimitWaitHonoursContext(t *testing.T) {
	g := newGate()
	l := checkers.NewLimit(g, 1)
	done := make(chan struct{})
	go func() {
		l.RequestAvatarID(context.Background(), cred.NewUsernamePassword("first", "p"), cred.Mind{})
		close(done)
	}()
	<-g.entered
	defer func() { close(g.release); <-done }()

	tests := []struct {
		name    string
		ctx     func() (context.Context, context.CancelFunc)
		wantErr error
	}{
		{"a deadline while waiting returns DeadlineExceeded", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 10*time.Millisecond)
		}, context.DeadlineExceeded},
		{"a cancel while waiting returns Canceled", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(10*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := tt.ctx()
			defer cancel()
			_, err := l.RequestAvatarID(ctx, cred.NewUsernamePassword("second", "p"), cred.Mind{})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if errors.Is(err, cred.ErrUnauthorizedLogin) {
				t.Fatal("giving up while waiting looks like a wrong password")
			}
			if cred.OutcomeOf(err) != cred.OutcomeCanceled {
				t.Fatalf("outcome = %v, want canceled", cred.OutcomeOf(err))
			}
		})
	}
}

func TestLimitPassesThrough(t *testing.T) {
	store := newDecoStore(t, bcrypt.MinCost, map[string]string{"alice": "right"})
	g := newGate()
	tests := []struct {
		name  string
		inner cred.Checker
	}{
		{"the credential interfaces of a one-interface store", store},
		{"the credential interfaces of a two-interface checker", g},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := checkers.NewLimit(tt.inner, 2).CredentialInterfaces(), tt.inner.CredentialInterfaces(); !reflect.DeepEqual(got, want) {
				t.Fatalf("CredentialInterfaces = %v, want %v", got, want)
			}
		})
	}
	t.Run("the stored hash lookup", func(t *testing.T) {
		h, found, err := checkers.NewLimit(store, 1).LookupPasswordHash(context.Background(), "alice")
		want, _, _ := store.LookupPasswordHash(context.Background(), "alice")
		if err != nil || !found || h != want {
			t.Fatalf("LookupPasswordHash = %q, %v, %v", h, found, err)
		}
	})
	t.Run("an error for the hash lookup of a checker without one", func(t *testing.T) {
		if _, _, err := checkers.NewLimit(g, 1).LookupPasswordHash(context.Background(), "alice"); err == nil {
			t.Fatal("no error")
		}
	})
	t.Run("refusals and successes of a portal login", func(t *testing.T) {
		p := decoPortal(t, checkers.NewLimit(store, 1))
		if _, err := decoLogin(p, "alice", "right", cred.Mind{}); err != nil {
			t.Fatal(err)
		}
		if _, err := decoLogin(p, "alice", "wrong", cred.Mind{}); !errors.Is(err, cred.ErrUnauthorizedLogin) {
			t.Fatalf("err = %v", err)
		}
	})
}

// A cache outside the limit answers known-good logins while every slot is
// taken by slow verifications.
func TestCachedLoginsDoNotQueueBehindTheLimit(t *testing.T) {
	store := newDecoStore(t, bcrypt.MinCost, map[string]string{"alice": "right"})
	g := newGate()
	// alice's logins go to the store; anyone else's block in the gate.
	inner := checkers.NewChain(&onlyUser{"alice", store}, g)
	l := checkers.NewLimit(inner, 1)
	c := newDecoCache(t, l, checkers.CacheOptions{})
	p := decoPortal(t, c)
	if _, err := decoLogin(p, "alice", "right", cred.Mind{}); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		decoLogin(p, "mallory", "guess", cred.Mind{})
		close(done)
	}()
	<-g.entered // the only slot is now taken
	// Were the cached login to queue for the slot, it would end with the
	// deadline instead.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s, err := p.Login(ctx, cred.NewUsernamePassword("alice", "right"), cred.Mind{}, reflect.TypeFor[http.Handler]())
	if err != nil || s.ID != cred.UserID("alice") {
		t.Fatalf("cached login while the limit is full = %v, %v", s.ID, err)
	}
	s.Logout()
	if st := c.Stats(); st.Hits != 1 {
		t.Fatalf("Stats = %+v, want one hit", st)
	}
	close(g.release)
	<-done
}

// onlyUser refuses every user but one, whom it passes to inner.
type onlyUser struct {
	user  string
	inner *decoStore
}

func (o *onlyUser) CredentialInterfaces() []reflect.Type { return o.inner.CredentialInterfaces() }

func (o *onlyUser) RequestAvatarID(ctx context.Context, creds cred.Credentials, mind cred.Mind) (cred.AvatarID, error) {
	if creds.(cred.UsernamePassword).Username() != o.user {
		return cred.AvatarID{}, cred.ErrUnauthorizedLogin
	}
	return o.inner.RequestAvatarID(ctx, creds, mind)
}

func (o *onlyUser) LookupPasswordHash(ctx context.Context, user string) (string, bool, error) {
	return o.inner.LookupPasswordHash(ctx, user)
}
