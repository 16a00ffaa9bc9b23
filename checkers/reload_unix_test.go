//go:build unix

package checkers

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gocred/gocred/cred"
)

// An explicit Reload of a file that changes while it is read reads it
// again; one that never holds still is an error naming the file. A named
// pipe stands in for a file being rewritten: each read of it sees its
// modification time move, as a writer's does.
func TestReloadOfAFileThatKeepsChangingNamesIt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.htpasswd")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	line := "alice:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n" // password
	serve := func(n int) chan struct{} {
		done := make(chan struct{})
		go func() {
			defer close(done)
			for range n {
				// Wait (a second at most) for a reader to open it.
				var f *os.File
				for end := time.Now().Add(time.Second); f == nil; {
					var err error
					if f, err = os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err != nil {
						if time.Now().After(end) {
							return
						}
						f = nil
						time.Sleep(5 * time.Millisecond)
					}
				}
				time.Sleep(30 * time.Millisecond) // the reader has opened and looked
				f.WriteString(line)
				f.Close()
				time.Sleep(20 * time.Millisecond)
			}
		}()
		return done
	}
	done := serve(1)
	h, err := NewHtpasswd(path, WithReloadInterval(-1))
	<-done
	if err != nil {
		t.Fatal(err)
	}
	done = serve(3) // reloadTries
	err = h.Reload()
	<-done
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "changed while being read") {
		t.Fatalf("Reload of a file that never holds still: %v, want an error naming it", err)
	}
	if id, err := h.RequestAvatarID(context.Background(), cred.NewUsernamePassword("alice", "password"), cred.Mind{}); err != nil || id.Name() != "alice" {
		t.Fatalf("after the failed reload: %v, %v; want the last good contents", id, err)
	}
}
