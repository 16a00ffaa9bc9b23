package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
)

// config is what the flags ask for, checked once before anything starts.
type config struct {
	httpAddr  string // "" turns HTTP off
	ftpAddr   string // "" turns FTP off
	root      string // "" serves a copy of the embedded demo folder
	htpasswd  string
	htdigest  string
	realm     string
	anonymous bool
}

// parseFlags reads the command line into a config. Errors name the flag.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("fileserver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: fileserver [flags]\n\n"+
			"Serves a folder over HTTP (Basic and Digest) and FTP to the users of one\n"+
			"password store. With no -htpasswd or -htdigest it runs on demo users.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&c.httpAddr, "http", "127.0.0.1:8080", "HTTP listen `address`; empty turns HTTP off")
	fs.StringVar(&c.ftpAddr, "ftp", "127.0.0.1:2121", "FTP listen `address`; empty turns FTP off")
	fs.StringVar(&c.root, "root", "", "`folder` to serve (default: a temporary copy of the built-in demo folder)")
	fs.StringVar(&c.htpasswd, "htpasswd", "", "Apache htpasswd `file` of users (Basic and FTP logins)")
	fs.StringVar(&c.htdigest, "htdigest", "", "Apache htdigest `file` of users in -realm (Digest, Basic and FTP logins)")
	fs.StringVar(&c.realm, "realm", "gocred", "authentication realm `name`; an htdigest file's hashes are made for it")
	fs.BoolVar(&c.anonymous, "anonymous", false, "let FTP user \"anonymous\" read (never write) the files")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q (every option is a flag; see -h)", fs.Arg(0))
	}
	return c, c.validate()
}

func (c *config) validate() error {
	if c.httpAddr == "" && c.ftpAddr == "" {
		return errors.New("-http and -ftp are both empty: nothing to serve")
	}
	for _, a := range []struct{ flag, addr string }{{"-http", c.httpAddr}, {"-ftp", c.ftpAddr}} {
		if a.addr == "" {
			continue
		}
		_, port, err := net.SplitHostPort(a.addr)
		if err != nil {
			return fmt.Errorf("%s %q: want host:port, e.g. 127.0.0.1:8080: %v", a.flag, a.addr, err)
		}
		if n, err := strconv.ParseUint(port, 10, 16); err != nil || (n == 0 && port != "0") {
			return fmt.Errorf("%s %q: the port must be a number from 0 to 65535", a.flag, a.addr)
		}
	}
	if c.anonymous && c.ftpAddr == "" {
		return errors.New("-anonymous is for FTP, but -ftp is empty")
	}
	if c.realm == "" {
		return errors.New("-realm must not be empty")
	}
	if c.root != "" {
		abs, err := filepath.Abs(c.root)
		if err != nil {
			return fmt.Errorf("-root %q: %v", c.root, err)
		}
		fi, err := os.Stat(abs)
		if err != nil {
			return fmt.Errorf("-root: %v", err)
		}
		if !fi.IsDir() {
			return fmt.Errorf("-root %s is not a directory", abs)
		}
		c.root = abs
	}
	return nil
}
