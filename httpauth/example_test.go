package httpauth_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"

	"github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/cred"
	"github.com/gocred/gocred/httpauth"
	"github.com/gocred/gocred/realms"
)

// The shortest correct use: one store behind Basic and Digest, the
// middleware wrapping a handler that reads who logged in.
func Example() {
	users := checkers.NewInsecurePlaintext(map[string]string{"alice": "sesame"})
	portal, _ := cred.NewPortal(realms.NewStaticOf[any]("any avatar"), users)
	digest, err := httpauth.NewDigest(portal, httpauth.DigestOptions{Realm: "files"})
	if err != nil {
		panic(err)
	}
	basic, _ := httpauth.NewBasic("files")
	m, err := httpauth.New(portal, digest, basic)
	if err != nil {
		panic(err)
	}
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := httpauth.AvatarIDFrom(r.Context())
		fmt.Fprintf(w, "hello, %s", id.Name())
	})
	srv := httptest.NewServer(m.Wrap(hello))
	defer srv.Close()

	resp, _ := http.Get(srv.URL)
	resp.Body.Close()
	fmt.Println(resp.Status, resp.Header.Values("WWW-Authenticate")[2])

	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.SetBasicAuth("alice", "sesame")
	resp, _ = http.DefaultClient.Do(req)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.Status, string(body))
	// Output:
	// 401 Unauthorized Basic realm="files", charset="UTF-8"
	// 200 OK hello, alice
}

// Twisted's way: the realm's avatar is the handler that serves the user.
func ExampleMiddleware_Handler() {
	users := checkers.NewInsecurePlaintext(map[string]string{"alice": "sesame", "bob": "hunter2"})
	realm := realms.For(func(_ context.Context, id cred.AvatarID, _ cred.Mind) (http.Handler, func(), error) {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "%s's home page", id.Name())
		}), nil, nil
	})
	portal, _ := cred.NewPortal(realm, users)
	basic, _ := httpauth.NewBasic("homes")
	m, _ := httpauth.New(portal, basic)
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()

	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.SetBasicAuth("bob", "hunter2")
	resp, _ := http.DefaultClient.Do(req)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(string(body))
	// Output: bob's home page
}

// Digest offers only what the registered checkers can verify, and the
// seed's mistake (Digest over a store that only checks plaintext passwords)
// fails at startup.
func ExampleNewDigest() {
	plaintexts := checkers.NewInsecurePlaintext(map[string]string{"alice": "sesame"})
	portal, _ := cred.NewPortal(realms.NewStaticOf[any](nil), plaintexts)
	d, _ := httpauth.NewDigest(portal, httpauth.DigestOptions{Realm: "files", Algorithms: []string{"MD5", "SHA-256", "SHA-512-256"}})
	fmt.Println(d.Offered())

	bcryptOnly := checkers.NewMemory(checkers.Bcrypt{Cost: 4})
	portal, _ = cred.NewPortal(realms.NewStaticOf[any](nil), bcryptOnly)
	_, err := httpauth.NewDigest(portal, httpauth.DigestOptions{Realm: "files"})
	fmt.Println(err != nil)
	// Output:
	// [SHA-512-256 SHA-256 MD5]
	// true
}

// Behind a reverse proxy at 10.0.0.5, the client's address is the one the
// proxy appended to X-Forwarded-For; what the client wrote there itself is
// ignored, and a request not through the proxy keeps its own address.
func ExampleForwardedFor() {
	clientAddr := httpauth.ForwardedFor(netip.MustParsePrefix("10.0.0.5/32"))

	viaProxy := httptest.NewRequest("GET", "/", nil)
	viaProxy.RemoteAddr = "10.0.0.5:41000"
	viaProxy.Header.Set("X-Forwarded-For", "203.0.113.99, 192.0.2.7") // the client claimed 203.0.113.99
	fmt.Println(clientAddr(viaProxy))

	direct := httptest.NewRequest("GET", "/", nil)
	direct.RemoteAddr = "198.51.100.3:52000"
	direct.Header.Set("X-Forwarded-For", "192.0.2.7")
	fmt.Println(clientAddr(direct))
	// In use: m.ClientAddr = clientAddr, before serving.

	// Output:
	// 192.0.2.7:0
	// 198.51.100.3:52000
}
