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
// echo. Echo is turned off, and back on, under a lock that a signal
// (Ctrl-C, Ctrl-\, a kill or a hang-up) takes for good before it restores
// the terminal and exits, so no prompt in progress can turn echo off again
// after that. Ctrl-Z is ignored while prompting: a stopped prompt would
// leave echo off, and the shell's fg would show what is typed next.
// Ctrl-D on an empty line aborts.
func promptTwice(f *os.File, stderr io.Writer) (first, second []byte, err error) {
	fd := int(f.Fd())
	saved, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return nil, nil, err
	}
	var mu sync.Mutex
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	signal.Ignore(syscall.SIGTSTP)
	done := make(chan struct{})
	defer func() {
		signal.Stop(sigs)
		signal.Reset(syscall.SIGTSTP)
		close(done)
	}()
	go func() {
		select {
		case s := <-sigs:
			mu.Lock() // never unlocked: echo stays on
			unix.IoctlSetTermios(fd, unix.TCSETS, saved)
			fmt.Fprintln(stderr)
			os.Exit(128 + int(s.(syscall.Signal)))
		case <-done:
		}
	}()
	read := func(prompt string) ([]byte, error) {
		mu.Lock()
		fmt.Fprint(stderr, prompt)
		quiet := *saved
		quiet.Lflag &^= unix.ECHO
		quiet.Lflag |= unix.ICANON | unix.ISIG
		quiet.Iflag |= unix.ICRNL
		err := unix.IoctlSetTermios(fd, unix.TCSETS, &quiet)
		mu.Unlock()
		if err != nil {
			return nil, err
		}
		line, err := readTerminalLine(f)
		mu.Lock()
		unix.IoctlSetTermios(fd, unix.TCSETS, saved)
		fmt.Fprintln(stderr)
		mu.Unlock()
		return line, err
	}
	if first, err = read("Password: "); err != nil {
		return nil, nil, err
	}
	if second, err = read("Again: "); err != nil {
		return nil, nil, err
	}
	return first, second, nil
}

// readTerminalLine reads one line in canonical mode (each read returns at
// most a line), without its newline.
func readTerminalLine(f *os.File) ([]byte, error) {
	var line []byte
	buf := make([]byte, 256)
	for {
		n, err := f.Read(buf)
		line = append(line, buf[:n]...)
		if i := indexNewline(line); i >= 0 {
			return line[:i], nil
		}
		if len(line) > checkers.MaxPasswordBytes {
			return nil, fmt.Errorf("the password is longer than %d bytes", checkers.MaxPasswordBytes)
		}
		if n == 0 || err != nil {
			if len(line) == 0 {
				return nil, errors.New("aborted (end of input at the prompt)")
			}
			return line, nil
		}
	}
}

func indexNewline(b []byte) int {
	for i, c := range b {
		if c == '\n' {
			return i
		}
	}
	return -1
}
