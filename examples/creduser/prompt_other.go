//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package main

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// promptTwice asks for the password twice on the terminal f, without
// echo. (On Unix systems, prompt_unix.go also restores the terminal when
// the prompt is interrupted.)
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
