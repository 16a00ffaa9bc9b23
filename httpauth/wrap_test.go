package httpauth

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/spf13/afero"

	"github.com/gocred/gocred/realms"
)

// Wrap asks the realm for any avatar; a Directory, the realm the README
// builds, answers with its afero.Fs, which the wrapped handler finds in the
// context (it was a 500 for every right password).
func TestWrapOverADirectory(t *testing.T) {
	fsys := afero.NewMemMapFs()
	if err := afero.WriteFile(fsys, "/srv/hello.txt", []byte("hi"), 0o644); err != nil {
		t.Fatal(err)
	}
	files, err := realms.NewDirectory(fsys, realms.DirectoryOptions{Root: "/srv"})
	if err != nil {
		t.Fatal(err)
	}
	p := newPortal(t, files, plaintextChecker(map[string]string{"alice": "sesame"}))
	h := newMiddleware(t, p, mustBasic(t, "files")).Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		avatar, _ := AvatarFrom(r.Context())
		fs, ok := avatar.(afero.Fs)
		if !ok {
			http.Error(w, "no afero.Fs in the context", http.StatusInternalServerError)
			return
		}
		b, err := afero.ReadFile(fs, "/hello.txt")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Write(b)
	}))
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", basicHeader("alice", "sesame"))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 200 || w.Body.String() != "hi" {
		t.Fatalf("got %d %q, want 200 \"hi\"", w.Code, w.Body.String())
	}
}
