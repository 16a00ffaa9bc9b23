package ftpauth

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"

	ftpserver "github.com/fclairamb/ftpserverlib"

	"github.com/gocred/gocred/cred"
)

// ErrServerClosed is returned by Server.Serve and ListenAndServe after
// Shutdown.
var ErrServerClosed = errors.New("ftpauth: server closed")

// Server is an FTP server logging in through a cred.Portal: a Driver
// inside an ftpserverlib FtpServer, with net/http-like Serve and Shutdown.
type Server struct {
	driver *Driver
	ftp    *ftpserver.FtpServer

	mu       sync.Mutex
	serving  bool
	shutdown bool
}

// NewServer returns a Server for portal; see NewDriver for the checks it
// makes.
func NewServer(portal *cred.Portal, opts Options) (*Server, error) {
	d, err := NewDriver(portal, opts)
	if err != nil {
		return nil, err
	}
	ftp := ftpserver.NewFtpServer(d)
	ftp.Logger = slog.New(redactHandler{d.log.Handler()}).With("component", "ftpserverlib")
	return &Server{driver: d, ftp: ftp}, nil
}

// Driver returns the server's driver.
func (s *Server) Driver() *Driver { return s.driver }

// ListenAndServe listens on Options.Addr and serves until Shutdown, then
// returns ErrServerClosed.
func (s *Server) ListenAndServe() error {
	l, err := net.Listen("tcp", s.driver.opts.Addr)
	if err != nil {
		return err
	}
	return s.Serve(l)
}

// Serve serves FTP on l until Shutdown, then returns ErrServerClosed. It
// takes l over and closes it. A Server serves once.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.shutdown {
		s.mu.Unlock()
		_ = l.Close()
		return ErrServerClosed
	}
	if s.serving {
		s.mu.Unlock()
		_ = l.Close()
		return errors.New("ftpauth: Server.Serve called twice")
	}
	s.serving = true
	s.driver.setListener(l)
	err := s.ftp.Listen()
	s.mu.Unlock()
	if err != nil {
		_ = l.Close()
		return err
	}
	err = s.ftp.Serve()
	s.mu.Lock()
	down := s.shutdown
	s.mu.Unlock()
	if down {
		return ErrServerClosed
	}
	return err
}

// Addr returns the address the server listens on, or nil before Serve.
func (s *Server) Addr() net.Addr { return s.driver.Addr() }

// Shutdown stops accepting connections and closes sessions once their
// in-flight transfers finish; see Driver.Shutdown. It returns ctx's error
// if ctx ends first.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	first := !s.shutdown
	s.shutdown = true
	serving := s.serving
	s.mu.Unlock()
	if first && serving {
		_ = s.ftp.Stop() // closes the listener only; the driver does the rest
	}
	return s.driver.Shutdown(ctx)
}
