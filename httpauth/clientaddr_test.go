package httpauth

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/cred"
	"github.com/gocred/gocred/realms"
)

func TestForwardedFor(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:1::/48")}
	clientAddr := ForwardedFor(proxies...)
	for _, tc := range []struct {
		name   string
		peer   string
		header []string // X-Forwarded-For lines
		want   string
		// trusted, if not nil, replaces proxies.
		trusted []netip.Prefix
	}{
		{"an untrusted peer is the client, whatever it says", "192.0.2.7:5000", []string{"198.51.100.1"}, "192.0.2.7:5000", nil},
		{"a trusted proxy names the client", "10.0.0.2:40000", []string{"192.0.2.7"}, "192.0.2.7:0", nil},
		{"what the client wrote itself is further left, never reached", "10.0.0.2:40000", []string{"198.51.100.1, 192.0.2.7"}, "192.0.2.7:0", nil},
		{"a client's garbage to the left is not reached either", "10.0.0.2:40000", []string{"<script>, 192.0.2.7"}, "192.0.2.7:0", nil},
		{"through a chain of trusted proxies", "10.0.0.2:40000", []string{"198.51.100.1, 192.0.2.7, 10.1.1.1 ,10.2.2.2"}, "192.0.2.7:0", nil},
		{"several header lines are one list", "10.0.0.2:40000", []string{"198.51.100.1, 192.0.2.7", "10.1.1.1"}, "192.0.2.7:0", nil},
		{"empty list elements are skipped", "10.0.0.2:40000", []string{"192.0.2.7,, ,"}, "192.0.2.7:0", nil},
		{"an entry with a port", "10.0.0.2:40000", []string{"192.0.2.7:51234"}, "192.0.2.7:51234", nil},
		{"IPv6 in brackets with a port", "10.0.0.2:40000", []string{"[2001:db8:2::7]:443"}, "[2001:db8:2::7]:443", nil},
		{"IPv6 bare and in brackets", "[2001:db8:1::5]:40000", []string{"2001:db8:2::7", "[2001:db8:2::8]"}, "[2001:db8:2::8]:0", nil},
		{"an IPv4-mapped entry is IPv4", "10.0.0.2:40000", []string{"::ffff:192.0.2.7"}, "192.0.2.7:0", nil},
		{"an IPv4-mapped proxy is trusted", "[::ffff:10.0.0.2]:40000", []string{"192.0.2.7"}, "192.0.2.7:0", nil},
		{"a zone is dropped", "10.0.0.2:40000", []string{"fe80::1%eth0"}, "[fe80::1]:0", nil},
		{"a trusted proxy without the header is itself", "10.0.0.2:40000", nil, "10.0.0.2:40000", nil},
		{"a malformed entry next to a trusted proxy leaves it there", "10.0.0.2:40000", []string{"192.0.2.7, bogus"}, "10.0.0.2:40000", nil},
		{"a malformed entry after a trusted hop leaves the last trusted one", "10.0.0.2:40000", []string{"192.0.2.7, nonsense, 10.1.1.1"}, "10.1.1.1:0", nil},
		{"only trusted hops: the leftmost", "10.0.0.2:40000", []string{"10.3.3.3, 10.1.1.1"}, "10.3.3.3:0", nil},
		{"an unparsable peer is unknown", "pipe", []string{"192.0.2.7"}, "invalid AddrPort", nil},
		{"more than 32 trusted hops: the last trusted one read", "10.0.0.2:40000", []string{"192.0.2.7" + strings.Repeat(", 10.9.9.9", 40)}, "10.9.9.9:0", nil},
		{"nothing trusted: always the peer", "10.0.0.2:40000", []string{"192.0.2.7"}, "10.0.0.2:40000", []netip.Prefix{}},
		{"a zoned peer in a trusted prefix is trusted", "[fe80::2%eth0]:40000", []string{"192.0.2.7"}, "192.0.2.7:0", []netip.Prefix{netip.MustParsePrefix("fe80::/64")}},
		{"an IPv4-mapped trusted prefix is its IPv4 prefix", "10.0.0.2:40000", []string{"192.0.2.7"}, "192.0.2.7:0", []netip.Prefix{netip.MustParsePrefix("::ffff:10.0.0.0/104")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.peer
			if tc.header != nil {
				r.Header["X-Forwarded-For"] = tc.header
			}
			f := clientAddr
			if tc.trusted != nil {
				f = ForwardedFor(tc.trusted...)
			}
			if got := f(r).String(); got != tc.want {
				t.Fatalf("client %s, want %s", got, tc.want)
			}
		})
	}
	t.Run("prefixes that would trust nobody or everybody panic", func(t *testing.T) {
		bad, _ := netip.ParsePrefix("10.0.0.5") // no /32: a parse error ignored
		for _, p := range []netip.Prefix{bad, netip.MustParsePrefix("::ffff:10.0.0.5/32"), netip.MustParsePrefix("::ffff:0.0.0.0/80")} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("ForwardedFor(%v) did not panic", p)
					}
				}()
				ForwardedFor(netip.MustParsePrefix("10.0.0.1/32"), p)
			}()
		}
	})
}

// Behind a real reverse proxy (net/http/httputil's, which appends the
// address it got each request from to X-Forwarded-For), failed logins are
// counted against each client, not against the proxy: one client's
// guesses lock out that client's address only, and what a client writes
// into X-Forwarded-For itself does not move them elsewhere. Without
// ClientAddr, the same guesses lock out everyone. The clients connect from
// 127.0.0.2 and 127.0.0.3 (Linux routes all of 127/8 to the loopback).
func TestLoginsBehindAReverseProxyAreCountedPerClient(t *testing.T) {
	if c, err := (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}).Dial("tcp", "127.0.0.1:1"); err == nil {
		c.Close()
	} else if strings.Contains(err.Error(), "assign requested address") {
		t.Skip("SKIPPING: this system cannot send from 127.0.0.2")
	}
	for _, behindProxy := range []bool{true, false} {
		name := "with ForwardedFor"
		if !behindProxy {
			name = "without ClientAddr (everyone shares the proxy's address)"
		}
		t.Run(name, func(t *testing.T) {
			store := checkers.NewMemoryThrottleStore()
			users := checkers.NewInsecurePlaintext(map[string]string{"alice": "right", "mallory": "hers"})
			throttle := checkers.NewThrottle(users, store, checkers.ThrottlePolicy{MaxUserFailures: -1, MaxAddrFailures: 5})
			ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
			p := newPortal(t, realms.NewStaticOf[http.Handler](ok), throttle)
			m := newMiddleware(t, p, mustBasic(t, "files"))
			if behindProxy {
				m.ClientAddr = ForwardedFor(netip.MustParsePrefix("127.0.0.1/32"))
			}
			backend := httptest.NewServer(m.Handler())
			defer backend.Close()
			target, _ := url.Parse(backend.URL)
			proxy := httptest.NewServer(httputil.NewSingleHostReverseProxy(target))
			defer proxy.Close()

			from := func(ip net.IP) *http.Client {
				d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}}
				return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
					return d.DialContext(ctx, network, addr)
				}}}
			}
			get := func(c *http.Client, user, pw, forwarded string) int {
				req, _ := http.NewRequest("GET", proxy.URL+"/", nil)
				req.SetBasicAuth(user, pw)
				if forwarded != "" {
					req.Header.Set("X-Forwarded-For", forwarded)
				}
				resp, err := c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				return resp.StatusCode
			}
			guesser, alice := from(net.IPv4(127, 0, 0, 2)), from(net.IPv4(127, 0, 0, 3))
			// Five wrong guesses, each claiming another address.
			for i := range 5 {
				if code := get(guesser, "nobody", "guess", "198.51.100."+string(rune('1'+i))); code != http.StatusUnauthorized {
					t.Fatalf("guess %d: %d, want 401", i, code)
				}
			}
			guesserCode := get(guesser, "mallory", "hers", "")
			aliceCode := get(alice, "alice", "right", "")
			if behindProxy {
				if guesserCode != http.StatusTooManyRequests {
					t.Errorf("the guesser's own right password: %d, want 429 (its address is locked out)", guesserCode)
				}
				if aliceCode != http.StatusOK {
					t.Errorf("alice, from another address: %d, want 200", aliceCode)
				}
			} else if aliceCode != http.StatusTooManyRequests {
				t.Errorf("alice without ClientAddr: %d; want 429, every client sharing the proxy's address (what ForwardedFor is for)", aliceCode)
			}
		})
	}
}

// What cred.Mind carries: the address ClientAddr gives.
func TestClientAddrReachesTheMind(t *testing.T) {
	var got netip.AddrPort
	checker := cred.NewCheckerFunc(func(_ context.Context, c cred.Credentials, mind cred.Mind) (cred.AvatarID, error) {
		got = mind.RemoteAddr
		return cred.UserID(c.(cred.UsernamePassword).Username()), nil
	}, cred.UsernamePasswordType)
	p := newPortal(t, realms.NewStaticOf[http.Handler](http.NotFoundHandler()), checker)
	m := newMiddleware(t, p, mustBasic(t, "files"))
	m.ClientAddr = func(*http.Request) netip.AddrPort { return netip.MustParseAddrPort("192.0.2.9:1") }
	r := httptest.NewRequest("GET", "/", nil)
	r.SetBasicAuth("alice", "pw")
	m.Handler().ServeHTTP(httptest.NewRecorder(), r)
	if got.String() != "192.0.2.9:1" {
		t.Fatalf("Mind.RemoteAddr %v, want ClientAddr's", got)
	}
}
