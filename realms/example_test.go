package realms_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"syscall"

	"github.com/gocred/gocred/cred"
	"github.com/gocred/gocred/realms"
	"github.com/spf13/afero"
)

// exampleChecker accepts alice with password "secret".
var exampleChecker = cred.NewCheckerFunc(func(ctx context.Context, creds cred.Credentials, mind cred.Mind) (cred.AvatarID, error) {
	up, ok := creds.(cred.UsernamePassword)
	if ok && up.Username() == "alice" && up.CheckPassword("secret") {
		return cred.UserID("alice"), nil
	}
	return cred.AvatarID{}, cred.ErrUnauthorizedLogin
}, cred.UsernamePasswordType)

// Each user gets their own directory under Root, as an afero.Fs for FTP.
func ExampleNewDirectory() {
	files := afero.NewMemMapFs()
	_ = afero.WriteFile(files, "/srv/alice/hello.txt", []byte("hello, alice"), 0o640)

	realm, err := realms.NewDirectory(files, realms.DirectoryOptions{Root: "/srv", PerUser: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	portal, err := cred.NewPortal(realm, exampleChecker)
	if err != nil {
		fmt.Println(err)
		return
	}
	fsys, session, err := cred.Login[afero.Fs](context.Background(), portal,
		cred.NewUsernamePassword("alice", "secret"), cred.Mind{Protocol: "ftp"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer session.Logout()

	b, err := afero.ReadFile(fsys, "/hello.txt")
	fmt.Println(string(b), err)
	_, err = afero.ReadFile(fsys, "../bob/hello.txt")
	fmt.Println("outside the root:", err != nil)
	// Output:
	// hello, alice <nil>
	// outside the root: true
}

// The same realm answers http.Handler for HTTP: a file server over the
// user's directory.
func ExampleNewDirectory_httpHandler() {
	files := afero.NewMemMapFs()
	_ = afero.WriteFile(files, "/srv/alice/hello.txt", []byte("hello over HTTP"), 0o640)
	realm, _ := realms.NewDirectory(files, realms.DirectoryOptions{Root: "/srv", PerUser: true, ReadOnly: true})
	portal, _ := cred.NewPortal(realm, exampleChecker)

	h, session, err := cred.Login[http.Handler](context.Background(), portal,
		cred.NewUsernamePassword("alice", "secret"), cred.Mind{Protocol: "http"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer session.Logout()

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/hello.txt", nil))
	fmt.Println(rec.Code, rec.Body.String())
	// Output: 200 hello over HTTP
}

// Anonymous gets read-only access when the options allow it.
func ExampleAnonymousPolicy() {
	files := afero.NewMemMapFs()
	_ = afero.WriteFile(files, "/pub/readme.txt", []byte("welcome"), 0o644)
	realm, _ := realms.NewDirectory(files, realms.DirectoryOptions{Root: "/pub", Anonymous: realms.AnonymousReadOnly})

	_, avatar, _, err := realm.RequestAvatar(context.Background(), cred.AnonymousID, cred.Mind{}, reflect.TypeFor[afero.Fs]())
	if err != nil {
		fmt.Println(err)
		return
	}
	fsys, _ := avatar.(afero.Fs)
	b, _ := afero.ReadFile(fsys, "readme.txt")
	fmt.Println(string(b))
	err = afero.WriteFile(fsys, "graffiti.txt", []byte("x"), 0o644)
	fmt.Println("write refused:", errors.Is(err, syscall.EPERM))
	// Output:
	// welcome
	// write refused: true
}

// A static realm gives everyone the same avatar.
func ExampleNewStaticOf() {
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "hello, everyone")
	})
	portal, _ := cred.NewPortal(realms.NewStaticOf[http.Handler](hello), exampleChecker)

	h, session, err := cred.Login[http.Handler](context.Background(), portal,
		cred.NewUsernamePassword("alice", "secret"), cred.Mind{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer session.Logout()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	fmt.Println(rec.Body.String())
	// Output: hello, everyone
}

// For builds a realm for one avatar interface from a function.
func ExampleFor() {
	realm := realms.For(func(ctx context.Context, id cred.AvatarID, mind cred.Mind) (http.Handler, func(), error) {
		if id.Name() == "mallory" {
			return nil, nil, cred.ErrLoginDenied
		}
		greeting := "hello, " + id.Name()
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, greeting)
		}), nil, nil
	})
	portal, _ := cred.NewPortal(realm, exampleChecker)

	h, session, err := cred.Login[http.Handler](context.Background(), portal,
		cred.NewUsernamePassword("alice", "secret"), cred.Mind{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer session.Logout()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	fmt.Println(rec.Body.String())
	// Output: hello, alice
}

// A directory of the host served through a RootFs: its files are served,
// and a link in it pointing outside (here to /etc/hostname) is refused.
func ExampleNewRootFs() {
	dir, err := os.MkdirTemp("", "rootfs-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	_ = os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello"), 0o640)
	_ = os.Symlink("/etc/hostname", filepath.Join(dir, "escape"))

	files, err := realms.NewRootFs(dir)
	if err != nil {
		panic(err)
	}
	defer files.Close()
	realm, err := realms.NewDirectory(files, realms.DirectoryOptions{})
	if err != nil {
		panic(err)
	}
	portal, _ := cred.NewPortal(realm, exampleChecker)
	fsys, session, err := cred.Login[afero.Fs](context.Background(), portal, cred.NewUsernamePassword("alice", "secret"), cred.Mind{})
	if err != nil {
		panic(err)
	}
	defer session.Logout()

	hello, err := afero.ReadFile(fsys, "/hello.txt")
	fmt.Printf("%s %v\n", hello, err)
	_, err = afero.ReadFile(fsys, "/escape")
	fmt.Println(errors.Is(err, fs.ErrPermission))
	// Output:
	// hello <nil>
	// true
}
