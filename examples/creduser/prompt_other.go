//go:build !(linux || darwin || freebsd || netbsd || openbsd || illumos)

package main

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// promptTwice asks for the password twice on the terminal f, without
// echo. Nothing is caught here: an interrupt ends the program as the
// system does. (On Linux, macOS, the BSDs and illumos, prompt_unix.go
// restores the terminal when the prompt is interrupted; the SQLite driver
// does not build on DragonFly or Solaris.)
func promptTwice(f *os.File, stderr io.Writer) (first, second []byte, err error) {
	fd := int(f.Fd())
	fmt.Fprint(stderr, "Password: ")
	first, err = term.ReadPassword(fd)
	fmt.Fprintln(stderr)
	if err != nil {
		return nil, nil, err
	}
	fmt.Fprint(stderr, "Again: ")
	second, err = term.ReadPassword(fd)
	fmt.Fprintln(stderr)
	return first, second, err
}
