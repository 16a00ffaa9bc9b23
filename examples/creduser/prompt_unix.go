//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/gocred/gocred/checkers"
)

// promptTwice asks for the password twice on the terminal f, without
// echo. Echo is turned off once, before the first prompt, and back on
// once, after the second (so nothing typed ahead is shown between them),
// under a lock that a signal (Ctrl-C, Ctrl-\, a kill or a hang-up) takes
// for good before it restores the terminal and exits: no prompt in
// progress can turn echo off again after that. The suspend character
// (Ctrl-Z) is off while prompting: a stopped prompt would leave echo off,
// and the shell's fg would show what is typed next. Ctrl-D on an empty
// line aborts. Whatever is left of a line too long is read and dropped,
// so the shell never gets it.
func promptTwice(f *os.File, stderr io.Writer) (first, second []byte, err error) {
	fd := int(f.Fd())
	saved, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return nil, nil, err
	}
	var mu sync.Mutex
	sigs := make(chan os.Signal, 1)
	// SIGPIPE too: a prompt written to a closed pipe (2>&1 | head) would
	// otherwise end the program at once, with echo off.
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGPIPE)
	done := make(chan struct{})
	defer func() {
		signal.Stop(sigs)
		close(done)
	}()
	go func() {
		select {
		case s := <-sigs:
			mu.Lock() // never unlocked: echo stays on
			unix.IoctlSetTermios(fd, ioctlSetTermiosFlush, saved)
			fmt.Fprintln(stderr)
			os.Exit(128 + int(s.(syscall.Signal)))
		case <-done:
		}
	}()

	mu.Lock()
	quiet := *saved
	quiet.Lflag &^= unix.ECHO
	quiet.Lflag |= unix.ICANON | unix.ISIG
	quiet.Iflag |= unix.ICRNL
	disableSuspend(&quiet) // no suspend character while prompting
	err = unix.IoctlSetTermios(fd, ioctlSetTermios, &quiet)
	mu.Unlock()
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		mu.Lock()
		// The flushing set drops anything typed ahead of the shell.
		unix.IoctlSetTermios(fd, ioctlSetTermiosFlush, saved)
		mu.Unlock()
	}()
	fmt.Fprint(stderr, "Password: ")
	first, err = readTerminalLine(f)
	fmt.Fprintln(stderr)
	if err != nil {
		return nil, nil, err
	}
	fmt.Fprint(stderr, "Again: ")
	second, err = readTerminalLine(f)
	fmt.Fprintln(stderr)
	if err != nil {
		return nil, nil, err
	}
	return first, second, nil
}

// readTerminalLine reads one line in canonical mode (each read returns at
// most a line), without its newline. A line longer than a password can be
// is read to its end and dropped.
func readTerminalLine(f *os.File) ([]byte, error) {
	var line []byte
	buf := make([]byte, 256)
	tooLong := false
	for {
		n, err := f.Read(buf)
		chunk := buf[:n]
		end := false
		for i, c := range chunk {
			if c == '\n' {
				chunk, end = chunk[:i], true
				break
			}
		}
		if !tooLong {
			line = append(line, chunk...)
			if len(line) > checkers.MaxPasswordBytes {
				tooLong, line = true, nil
			}
		}
		switch {
		case end && tooLong:
			return nil, fmt.Errorf("the password is longer than %d bytes", checkers.MaxPasswordBytes)
		case end:
			return line, nil
		case n == 0 || err != nil:
			if len(line) == 0 && !tooLong {
				return nil, errors.New("aborted (end of input at the prompt)")
			}
			if tooLong {
				return nil, fmt.Errorf("the password is longer than %d bytes", checkers.MaxPasswordBytes)
			}
			return line, nil
		}
	}
}
