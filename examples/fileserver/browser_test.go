package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"

	"github.com/gocred/gocred/examples/internal/exampletest"
)

// TestBrowser logs in to the fileserver from a real browser, Debian's
// headless chromium, driven over the DevTools protocol: the test answers the
// browser's authentication challenge as a user would answer its password
// dialog, with the fetch domain.
func TestBrowser(t *testing.T) {
	chromium := exampletest.Need(t, "chromium")
	dir := t.TempDir()
	htpasswd := filepath.Join(dir, "users.htpasswd")
	exampletest.Htpasswd(t, "-cbB", "-C", "5", htpasswd, "brenda", "brenda-pw")
	htdigest := filepath.Join(dir, "users.htdigest")
	exampletest.Htdigest(t, htdigest, "gocred", "dora", "dora-pw", true)
	root, _ := rootWithSecret(t)

	for _, tc := range []struct {
		name       string
		userFile   []string
		user, pass string
		scheme     string // what the browser must use
	}{
		// An htpasswd file cannot verify Digest, so only Basic is offered.
		{"with Basic when the server has only an htpasswd file", []string{"-htpasswd", htpasswd}, "brenda", "brenda-pw", "Basic"},
		// Digest and Basic are both offered; browsers prefer Digest.
		{"with Digest when the server has an htdigest file", []string{"-htdigest", htdigest}, "dora", "dora-pw", "Digest"},
	} {
		t.Run("the browser fetches a file "+tc.name, func(t *testing.T) {
			s := start(t, append([]string{"-root", root}, tc.userFile...)...)
			got := browse(t, chromium, s.http+"/hello.txt", tc.user, tc.pass)
			if got.status != 200 || !strings.Contains(got.text, "hello over both protocols") {
				t.Fatalf("status %d, page %q", got.status, got.text)
			}
			if len(got.challenges) == 0 || !strings.EqualFold(got.challenges[0], tc.scheme) {
				t.Errorf("the browser answered challenges %q, want %s", got.challenges, tc.scheme)
			}
			line := `msg="http request" method=GET path=/hello.txt status=200 scheme=` + tc.scheme + ` user=` + tc.user + ` `
			if !s.Eventually(regexp.MustCompile(line), 10*time.Second) {
				t.Errorf("no access log line matching %s", line)
			}
		})
	}

	t.Run("a wrong password in the browser ends in 401, not the file", func(t *testing.T) {
		s := start(t, "-root", root, "-htdigest", htdigest)
		got := browse(t, chromium, s.http+"/hello.txt", "dora", "wrong-pw")
		if got.status != 401 || strings.Contains(got.text, "hello over both protocols") {
			t.Errorf("status %d, page %q", got.status, got.text)
		}
		if !s.Eventually(regexp.MustCompile(`msg="login refused" protocol=http user=dora outcome=unauthorized`), 10*time.Second) {
			t.Errorf("no refused login in the log")
		}
	})
}

// page is what the browser ended up showing.
type page struct {
	status     int64
	text       string
	challenges []string // the scheme of each auth challenge the browser met
}

// browse opens url in a fresh headless chromium and answers its first
// authentication challenge with user and pass, and any further one (after a
// wrong password) by cancelling, as a user closing the dialog would.
func browse(t *testing.T, chromium, url, user, pass string) page {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var browserLog bytes.Buffer
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.CombinedOutput(&lockedWriter{w: &browserLog}),
	)
	defer cancelAlloc()
	tab, cancelTab := chromedp.NewContext(allocCtx)
	defer cancelTab()
	defer func() {
		if t.Failed() {
			t.Logf("chromium's output:\n%s", browserLog.String())
		}
	}()

	var (
		mu         sync.Mutex
		challenges []string
	)
	// Subscribe before enabling the fetch domain, so no event is missed.
	paused := chromedp.Events(tab, fetch.RequestPaused)
	auths := chromedp.Events(tab, fetch.AuthRequired)
	go func() { // every request pauses while fetch is enabled: let it go on
		for ev, err := range paused {
			if err != nil {
				return
			}
			chromedp.Call(tab, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
		}
	}()
	go func() { // the password dialog, answered
		for ev, err := range auths {
			if err != nil {
				return
			}
			mu.Lock()
			challenges = append(challenges, ev.AuthChallenge.Scheme)
			first := len(challenges) == 1
			mu.Unlock()
			answer := &fetch.AuthChallengeResponse{Response: fetch.AuthChallengeResponseResponseCancelAuth}
			if first {
				answer = &fetch.AuthChallengeResponse{
					Response: fetch.AuthChallengeResponseResponseProvideCredentials,
					Username: user,
					Password: pass,
				}
			}
			chromedp.Call(tab, fetch.ContinueWithAuth, fetch.ContinueWithAuthParams{RequestID: ev.RequestID, AuthChallengeResponse: answer})
		}
	}()

	yes := true
	if _, err := chromedp.Call(tab, fetch.Enable, fetch.EnableParams{HandleAuthRequests: &yes}); err != nil {
		t.Fatalf("starting chromium and enabling the fetch domain: %v", err)
	}
	resp, err := chromedp.Run(tab, chromedp.NavigateResponse(url))
	if err != nil {
		t.Fatalf("navigating to %s: %v", url, err)
	}
	text, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if err != nil {
		t.Fatalf("reading the page: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	return page{status: resp.Status, text: text, challenges: slices.Clone(challenges)}
}

// lockedWriter lets chromium's output goroutine and the test share a buffer.
type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
