package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/gocred/gocred/examples/internal/exampletest"
)

// Links the host put in -root (to a file and a directory outside it, one
// relative, one absolute) are not followed out of it over HTTP or FTP, for
// reading, overwriting, creating or deleting; a link inside -root still
// works; a named pipe is refused at once instead of holding the connection;
// and a loop of links is 404, not 500.
func TestFileserverKeepsHostLinksInsideRoot(t *testing.T) {
	exampletest.Need(t, "curl")
	htpasswd, _ := makeUserFiles(t)
	root, secret := rootWithSecret(t)
	outDir := filepath.Join(filepath.Dir(root), "outdir")
	if err := os.Mkdir(outDir, 0o755); err != nil {
		t.Fatal(err)
	}
	outFile := filepath.Join(outDir, "o.txt")
	if err := os.WriteFile(outFile, []byte("OUTSIDE DIR\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{
		"abs.txt": secret, "rel.txt": "../secret.txt", "linkdir": outDir,
		"inside.txt": "hello.txt", "loop1": "loop2", "loop2": "loop1",
	} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(root, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := start(t, "-root", root, "-htpasswd", htpasswd)
	const login = "apr1:apr1-pw"

	for path, want := range map[string]string{
		"/abs.txt": "403", "/rel.txt": "403", "/linkdir/o.txt": "403", "/linkdir/": "403",
		"/fifo": "403", "/loop1": "404", "/inside.txt": "200",
	} {
		if r := exampletest.Curl(t, "-m", "10", "-u", login, s.http+path); r.Status != want {
			t.Errorf("HTTP GET %s: %s %q, want %s", path, r.Status, r.Body, want)
		}
	}
	// curl's exit code 78: the server refused RETR (550); 25: it refused
	// STOR; 9: it refused CWD into the linked directory (curl changes
	// into each directory of the path first); 21: a quote command (DELE)
	// failed.
	for _, path := range []string{"/abs.txt", "/rel.txt", "/linkdir/o.txt", "/fifo"} {
		if r := exampletest.Curl(t, "-m", "10", "ftp://"+login+"@"+s.ftp+path); r.Code != 78 && r.Code != 9 {
			t.Errorf("FTP RETR %s: curl exit %d, body %q; want 78 (550) or 9 (CWD refused)", path, r.Code, r.Body)
		}
	}
	local := filepath.Join(t.TempDir(), "upload.txt")
	if err := os.WriteFile(local, []byte("OVERWRITTEN\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/abs.txt", "/rel.txt", "/linkdir/new.txt", "/linkdir/o.txt"} {
		if r := exampletest.Curl(t, "-m", "10", "-T", local, "ftp://"+login+"@"+s.ftp+path); r.Code != 25 && r.Code != 9 {
			t.Errorf("FTP STOR %s: curl exit %d; want 25 (refused) or 9 (CWD refused)", path, r.Code)
		}
	}
	if r := exampletest.Curl(t, "-m", "10", "-Q", "DELE linkdir/o.txt", "ftp://"+login+"@"+s.ftp+"/"); r.Code != 21 {
		t.Errorf("FTP DELE linkdir/o.txt: curl exit %d; want 21 (refused)", r.Code)
	}
	for p, want := range map[string]string{secret: "TOP SECRET\n", outFile: "OUTSIDE DIR\n"} {
		if got, err := os.ReadFile(p); err != nil || string(got) != want {
			t.Errorf("%s outside -root: %q, %v; want it untouched", p, got, err)
		}
	}
	if _, err := os.Stat(filepath.Join(outDir, "new.txt")); !os.IsNotExist(err) {
		t.Errorf("a file was made outside -root: %v", err)
	}
	if r := exampletest.Curl(t, "-m", "10", "ftp://"+login+"@"+s.ftp+"/inside.txt"); r.Code != 0 || r.Body != "hello over both protocols\n" {
		t.Errorf("FTP RETR of a link inside -root: exit %d, %q", r.Code, r.Body)
	}
}
