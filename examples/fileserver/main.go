package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"reflect"
	"sync"
	"syscall"
	"time"

	"github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/cred"
	"github.com/gocred/gocred/ftpauth"
	"github.com/gocred/gocred/httpauth"
	"github.com/gocred/gocred/realms"
)

// shutdownTimeout bounds how long requests and transfers in flight may take
// to finish after SIGINT, SIGTERM or SIGHUP.
const shutdownTimeout = 30 * time.Second

func main() {
	c, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fileserver:", err)
		os.Exit(2)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(c, log, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "fileserver:", err)
		os.Exit(1)
	}
}

// run builds the portal, starts the protocols the flags ask for and serves
// until SIGINT, SIGTERM or SIGHUP.
func run(c config, log *slog.Logger, stdout io.Writer) error {
	// Signals are caught from the start: one arriving while the demo
	// folder is copied or the servers start still stops the program by
	// the deferred clean-ups below, not by the signal's default action.
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}
	if signal.Ignored(syscall.SIGHUP) {
		sigs = sigs[:2] // started under nohup: closing the terminal must not stop it
	}
	ctx, stop := signal.NotifyContext(context.Background(), sigs...)
	defer stop()
	// The first signal also restores the default action, so a second one
	// kills at once, also while start-up is stuck (a user file that is a
	// named pipe, a hung network file system).
	context.AfterFunc(ctx, stop)

	// Checkers: the user files, or the demo store, with a limit, a cache
	// and one throttle around them.
	u, err := loadUsers(c, log)
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		log.Info("stopped before serving")
		return nil
	}

	root := c.root
	if root == "" {
		dir, err := copyDemo()
		if err != nil {
			return fmt.Errorf("copying the demo folder: %w", err)
		}
		defer os.RemoveAll(dir)
		root = dir
		log.Info("no -root: serving a copy of the demo folder, removed at exit", "root", root)
	}

	// Realm: every user shares the folder, read and write; anonymous (FTP
	// only, see below) reads it. The folder is opened as a RootFs, so no
	// link in it, wherever the host points it, leads outside.
	files, err := realms.NewRootFs(root)
	if err != nil {
		return fmt.Errorf("-root: %w", err)
	}
	defer files.Close()
	opts := realms.DirectoryOptions{}
	if c.anonymous {
		opts.Anonymous = realms.AnonymousReadOnly
	}
	realm, err := realms.NewDirectory(files, opts)
	if err != nil {
		return fmt.Errorf("-root %s: %w", root, err)
	}

	// Portal: one for both protocols, logging every login. With -anonymous
	// it also checks anonymous credentials, which only FTP sends: the HTTP
	// middleware is told not to (SetAnonymous below).
	portalCheckers := []cred.Checker{u.checker}
	if c.anonymous {
		portalCheckers = append(portalCheckers, checkers.NewAnonymous())
	}
	portal, err := cred.NewPortal(realm, portalCheckers...)
	if err != nil {
		return err
	}
	portal.SetObserver(cred.SlogObserver(log))

	// Listen first, so a busy port stops the program before it says it is
	// ready.
	var httpLn, ftpLn net.Listener
	if c.httpAddr != "" {
		if httpLn, err = net.Listen("tcp", c.httpAddr); err != nil {
			return fmt.Errorf("-http: %w", err)
		}
		defer httpLn.Close()
	}
	if c.ftpAddr != "" {
		if ftpLn, err = net.Listen("tcp", c.ftpAddr); err != nil {
			return fmt.Errorf("-ftp: %w", err)
		}
		defer ftpLn.Close()
	}

	var (
		httpSrv       *http.Server
		digestOffered bool
	)
	if httpLn != nil {
		h, digest, err := newHTTPHandler(c, portal, u, log)
		if err != nil {
			return err
		}
		digestOffered = digest
		httpLn = newCapListener(httpLn, httpMaxConns, httpMaxConnsPerAddr, log)
		httpSrv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout: httpReadTimeout, IdleTimeout: httpIdleTimeout,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	}

	var ftpSrv *ftpauth.Server
	if ftpLn != nil {
		// Only "anonymous", as -anonymous says: ftpauth's default also
		// takes "ftp", which would quietly shadow a real user of that name.
		ftpSrv, err = ftpauth.NewServer(portal, ftpauth.Options{Anonymous: c.anonymous, AnonymousNames: []string{"anonymous"}, Logger: log})
		if err != nil {
			return err
		}
	}

	if ctx.Err() != nil {
		log.Info("stopped before serving")
		return nil
	}
	printHowTo(stdout, u.demo, c.root == "", digestOffered, httpLn, ftpLn, c.anonymous)
	return serve(ctx, stop, log, httpSrv, httpLn, ftpSrv, ftpLn)
}

// newHTTPHandler builds the HTTP side: Digest (when the stores can verify
// it) and Basic challenges, the realm's files for whoever logs in, and an
// access log line per request. It reports whether Digest is offered.
func newHTTPHandler(c config, portal *cred.Portal, u users, log *slog.Logger) (http.Handler, bool, error) {
	var factories []httpauth.CredentialFactory
	digestType := reflect.TypeFor[*httpauth.DigestCredentials]()
	if len(u.checker.DigestAlgorithms(c.realm)) > 0 && portal.CheckCredentialType(digestType) == nil {
		// NewDigest offers only what the stores behind the decorators can
		// verify: MD5 for an htdigest file, SHA-256 and MD5 for the demo.
		d, err := httpauth.NewDigest(portal, httpauth.DigestOptions{Realm: c.realm})
		if err != nil {
			return nil, false, err
		}
		log.Info("HTTP Digest offered", "realm", c.realm, "algorithms", d.Offered())
		factories = append(factories, d)
	} else {
		log.Info("HTTP Digest not offered: htpasswd hashes are one-way and cannot verify a Digest response; give -htdigest for Digest")
	}
	b, err := httpauth.NewBasic(c.realm)
	if err != nil {
		return nil, false, err
	}
	factories = append(factories, b)
	m, err := httpauth.New(portal, factories...)
	if err != nil {
		return nil, false, err
	}
	if err := m.SetAnonymous(false); err != nil { // -anonymous is for FTP only
		return nil, false, err
	}
	m.Logger = log
	handlerType := reflect.TypeFor[http.Handler]()
	return accessLog(log, m.WrapFor(serveAvatar, handlerType)), len(factories) > 1, nil
}

func printHowTo(w io.Writer, demo, demoFolder, digest bool, httpLn, ftpLn net.Listener, anonymous bool) {
	login, who := "USER:PASSWORD", "a user from your files"
	if demo {
		login, who = "alice:wonderland", "alice, password wonderland"
		fmt.Fprintln(w, "DEMO users (built in, plaintext, for trying it out): alice/wonderland, bob/builder")
	}
	// The demo folder holds hello.txt; a -root of one's own, who knows.
	file := ""
	if demoFolder {
		file = "hello.txt"
	}
	if httpLn != nil {
		url := "http://" + httpLn.Addr().String() + "/"
		fmt.Fprintf(w, "HTTP: %s\n", url)
		fmt.Fprintf(w, "  curl -u %s %s%s\n", login, url, file)
		if digest {
			fmt.Fprintf(w, "  curl --digest -u %s %s%s\n", login, url, file)
		}
	}
	if ftpLn != nil {
		addr := ftpLn.Addr().String()
		host, port, _ := net.SplitHostPort(addr)
		fmt.Fprintf(w, "FTP: ftp://%s/\n", addr)
		fmt.Fprintf(w, "  curl -T notes.txt ftp://%s@%s/\n", login, addr)
		fmt.Fprintf(w, "  curl ftp://%s@%s/%s\n", login, addr, file)
		fmt.Fprintf(w, "  ftp -p %s %s    (log in as %s)\n", host, port, who)
		if anonymous {
			fmt.Fprintf(w, "  curl ftp://%s/    (anonymous, read-only)\n", addr)
		}
	}
}

// serve runs the servers until ctx ends (SIGINT, SIGTERM or SIGHUP: the
// terminal closed), or until one fails; then it calls stop, so that a
// signal kills at once, stops accepting, lets what is in flight finish and
// returns, so the demo folder's copy is removed.
func serve(ctx context.Context, stop context.CancelFunc, log *slog.Logger, httpSrv *http.Server, httpLn net.Listener, ftpSrv *ftpauth.Server, ftpLn net.Listener) error {
	errc := make(chan error, 2)
	if httpSrv != nil {
		log.Info("listening", "protocol", "http", "addr", httpLn.Addr().String())
		go func() { errc <- fmt.Errorf("http: %w", httpSrv.Serve(httpLn)) }()
	}
	if ftpSrv != nil {
		log.Info("listening", "protocol", "ftp", "addr", ftpLn.Addr().String())
		go func() { errc <- fmt.Errorf("ftp: %w", ftpSrv.Serve(ftpLn)) }()
	}

	var failed error
	select {
	case <-ctx.Done():
		log.Info("shutting down: finishing requests and transfers in flight")
	case failed = <-errc:
	}
	stop() // a second signal kills at once

	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	var wg sync.WaitGroup
	var httpErr, ftpErr error
	if httpSrv != nil {
		wg.Go(func() {
			if httpErr = httpSrv.Shutdown(sctx); httpErr != nil {
				httpSrv.Close() // what is still in flight is cut off
			}
		})
	}
	if ftpSrv != nil {
		wg.Go(func() { ftpErr = ftpSrv.Shutdown(sctx) })
	}
	wg.Wait()
	if failed != nil {
		return failed
	}
	if err := errors.Join(httpErr, ftpErr); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}
