package ftpauth

import (
	"fmt"
	"net"
	"net/textproto"
	"sync"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"

	gocheckers "github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/cred"
)

func TestAHundredConcurrentSessionsListAndRetrieveWithoutErrors(t *testing.T) {
	const sessions = 100 // DefaultMaxConnections: the default must hold them all
	// All from one address here, so the per-address cap is raised to match.
	f := newFixture(t, fixtureConfig{opts: Options{MaxConnectionsPerAddr: sessions}})

	var loggedIn, start sync.WaitGroup
	loggedIn.Add(sessions)
	start.Add(1)
	errs := make(chan error, sessions)
	var done sync.WaitGroup
	for i := range sessions {
		done.Add(1)
		go func() {
			defer done.Done()
			user := []string{"alice", "bob"}[i%2]
			c, err := ftp.Dial(f.addr, ftp.DialWithTimeout(10*time.Second))
			if err == nil {
				err = c.Login(user, testUsers[user])
			}
			loggedIn.Done()
			if err != nil {
				errs <- fmt.Errorf("session %d: login: %w", i, err)
				return
			}
			defer c.Quit()
			start.Wait() // every session is open at once from here
			for range 3 {
				if _, err := c.List("/"); err != nil {
					errs <- fmt.Errorf("session %d: LIST: %w", i, err)
					return
				}
				r, err := c.Retr("hello.txt")
				if err != nil {
					errs <- fmt.Errorf("session %d: RETR: %w", i, err)
					return
				}
				buf := make([]byte, 64)
				n, _ := r.Read(buf)
				if err := r.Close(); err != nil || string(buf[:n]) != "hello, world\n" {
					errs <- fmt.Errorf("session %d: RETR read %q, close %v", i, buf[:n], err)
					return
				}
			}
		}()
	}
	loggedIn.Wait()
	start.Done()
	done.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	f.waitLogouts(sessions)
}

// benchLogin performs one full FTP login (connect, greeting, USER, PASS,
// QUIT) over a fresh connection.
func benchLogin(b *testing.B, addr, user, pass string) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	c := textproto.NewConn(nc)
	defer c.Close()
	if _, _, err := c.ReadResponse(220); err != nil {
		b.Fatal(err)
	}
	for _, step := range []struct {
		line string
		code int
	}{{"USER " + user, 331}, {"PASS " + pass, 230}, {"QUIT", 221}} {
		if err := c.PrintfLine("%s", step.line); err != nil {
			b.Fatal(err)
		}
		if _, msg, err := c.ReadResponse(step.code); err != nil {
			b.Fatalf("%s: %v %s", step.line[:4], err, msg)
		}
	}
}

// BenchmarkLogin measures complete FTP logins per second through the
// portal, from parallel clients, each on a new connection.
func BenchmarkLogin(b *testing.B) {
	const user, pass = "alice", "wonderland-7Q"
	bcryptStore := func() cred.Checker {
		m := gocheckers.NewMemory(gocheckers.Bcrypt{Cost: 10})
		if err := m.Add(user, pass); err != nil {
			b.Fatal(err)
		}
		return m
	}
	cached := func() cred.Checker {
		c, err := gocheckers.NewCache(bcryptStore(), gocheckers.CacheOptions{})
		if err != nil {
			b.Fatal(err)
		}
		return c
	}
	cases := []struct {
		name    string
		checker func() cred.Checker
	}{
		{"cheap checker", func() cred.Checker { return gocheckers.NewInsecurePlaintext(map[string]string{user: pass}) }},
		{"bcrypt cost 10 behind the cache", cached},
		{"bcrypt cost 10 uncached", bcryptStore},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			f := newFixture(b, fixtureConfig{checkers: []cred.Checker{bc.checker()}, quiet: true, opts: Options{MaxConnections: 1000, MaxConnectionsPerAddr: 1000}})
			benchLogin(b, f.addr, user, pass) // warm: the cache holds the login from here
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					benchLogin(b, f.addr, user, pass)
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
		})
	}
}
