package httpauth

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

// Many clients at once, over real HTTP, each with its own Digest nonce or
// Basic credentials: every request gets in, and -race finds nothing.
func TestConcurrentLoginsAllSucceed(t *testing.T) {
	realm := &recordingRealm{handler: whoami}
	p := newPortal(t, realm, plaintextChecker(digestUsers))
	d := newDigest(t, p, DigestOptions{Realm: "testrealm@host.com", Algorithms: []string{"SHA-256", "MD5", "MD5-sess"}})
	srv := httptest.NewServer(newMiddleware(t, p, d, mustBasic(t, "testrealm@host.com")).Handler())
	defer srv.Close()

	const clients, requests = 8, 15
	var failures atomic.Int64
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := srv.Client().Get(srv.URL + "/x")
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			chs := challenges(t, resp.Header)
			dc := clientFor(chs[c%len(chs)], "Mufasa", "Circle Of Life")
			for i := 0; i < requests; i++ {
				req, _ := http.NewRequest("GET", srv.URL+"/x", nil)
				if i%3 == 0 {
					req.SetBasicAuth("Mufasa", "Circle Of Life")
				} else {
					req.Header.Set("Authorization", dc.header("GET", "/x", nil))
				}
				resp, err := srv.Client().Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					failures.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if n := failures.Load(); n > 0 {
		t.Fatalf("%d requests failed", n)
	}
	if in, out := realm.logins.Load(), realm.logouts.Load(); in != clients*requests || out != in {
		t.Fatalf("%d logins and %d logouts, want %d of each", in, out, clients*requests)
	}
}

// The same captured request sent by many goroutines at once gets in
// exactly once: the nonce-count check is atomic.
func TestConcurrentReplaysGetInOnce(t *testing.T) {
	f := newDigestFixture(t, DigestOptions{})
	c := f.client("SHA-256", "Mufasa")
	header := c.header("GET", "/", nil)
	const attempts = 16
	var ok atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < attempts; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if f.do("GET", "/", header, "").Code == 200 {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 {
		t.Fatalf("%d of %d identical requests got in, want 1", ok.Load(), attempts)
	}
}
