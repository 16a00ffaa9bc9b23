//go:build linux || darwin || freebsd || netbsd || openbsd || illumos

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
// (Ctrl-Z) is off while prompting; a SIGTSTP sent by kill restores the
// terminal before the program stops, and a continue (fg, after that or
// after a SIGSTOP, which cannot be caught) turns echo off again and shows
// the prompt anew: the shell's fg would otherwise show what is typed
// next. Ctrl-D on an empty line aborts. Whatever is left of a line too
// long is read and dropped, so the shell never gets it.
func promptTwice(f *os.File, stderr io.Writer) (first, second []byte, err error) {
	fd := int(f.Fd())
	saved, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return nil, nil, err
	}
	quiet := *saved
	quiet.Lflag &^= unix.ECHO
	quiet.Lflag |= unix.ICANON | unix.ISIG
	quiet.Iflag |= unix.ICRNL
	disableSuspend(&quiet) // no suspend character while prompting

	var (
		mu        sync.Mutex
		prompting bool   // echo is off for the prompts (under mu)
		prompt    string // the prompt shown last (under mu)
	)
	sigs := make(chan os.Signal, 1)
	// SIGPIPE too: a prompt written to a closed pipe (2>&1 | head) would
	// otherwise end the program at once, with echo off. SIGABRT and the
	// others after it, sent by kill, would have the runtime dump its
	// stacks and exit, with echo off.
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGPIPE,
		syscall.SIGABRT, syscall.SIGTRAP, syscall.SIGILL, syscall.SIGBUS, syscall.SIGFPE, syscall.SIGSEGV, syscall.SIGSYS)
	jobs := make(chan os.Signal, 1)
	signal.Notify(jobs, syscall.SIGTSTP, syscall.SIGCONT)
	done := make(chan struct{})
	defer func() {
		signal.Stop(sigs)
		signal.Stop(jobs)
		close(done)
	}()
	go func() {
		for {
			select {
			case s := <-sigs:
				mu.Lock() // never unlocked: echo stays on
				unix.IoctlSetTermios(fd, ioctlSetTermiosFlush, saved)
				fmt.Fprintln(stderr)
				os.Exit(128 + int(s.(syscall.Signal)))
			case s := <-jobs:
				mu.Lock()
				again := ""
				switch {
				case s == syscall.SIGTSTP:
					// Stop as the default action would (the continue
					// comes here next), or not, as it would not.
					if !mayStop() {
						break
					}
					if prompting {
						unix.IoctlSetTermios(fd, ioctlSetTermios, saved)
					}
					syscall.Kill(os.Getpid(), syscall.SIGSTOP)
				case prompting: // SIGCONT: a shell's fg turned echo on
					// (In the background, the system stops the program
					// here, until the fg.)
					unix.IoctlSetTermios(fd, ioctlSetTermios, &quiet)
					again = prompt
				}
				mu.Unlock()
				if again != "" {
					fmt.Fprint(stderr, "\r"+again)
				}
			case <-done:
				return
			}
		}
	}()

	mu.Lock()
	err = unix.IoctlSetTermios(fd, ioctlSetTermios, &quiet)
	prompting = err == nil
	mu.Unlock()
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		mu.Lock()
		prompting = false
		// The flushing set drops anything typed ahead of the shell.
		unix.IoctlSetTermios(fd, ioctlSetTermiosFlush, saved)
		mu.Unlock()
	}()
	ask := func(p string) ([]byte, error) {
		mu.Lock()
		prompt = p
		mu.Unlock()
		fmt.Fprint(stderr, p)
		line, err := readTerminalLine(f)
		fmt.Fprintln(stderr)
		return line, err
	}
	if first, err = ask("Password: "); err != nil {
		return nil, nil, err
	}
	if second, err = ask("Again: "); err != nil {
		return nil, nil, err
	}
	return first, second, nil
}

// mayStop reports whether a SIGTSTP would stop the program: not if its
// process group is orphaned (no parent outside the group, in the session,
// to continue it), where the system discards the signal. The parent is
// asked; another member of the group could keep it from being orphaned,
// but then not stopping is the safe mistake.
func mayStop() bool {
	parent := unix.Getppid()
	group, err := unix.Getpgid(0)
	if err != nil {
		return false
	}
	if parentGroup, err := unix.Getpgid(parent); err != nil || parentGroup == group {
		return false
	}
	session, err := unix.Getsid(0)
	if err != nil {
		return false
	}
	parentSession, err := unix.Getsid(parent)
	return err == nil && parentSession == session
}

// readTerminalLine reads one line in canonical mode (each read returns at
// most a line), without its newline. A line longer than a password can be
// is read to its end and dropped. A newline typed as a literal (Ctrl-V
// Ctrl-J) does not end the line: it stays in it, to be refused with the
// other control characters ("abc", Ctrl-V Ctrl-J, "def" was taken for
// "abc", and the rest of the line dropped).
func readTerminalLine(f *os.File) ([]byte, error) {
	var line []byte
	// More than a terminal holds of a line (4096 bytes on Linux), so that
	// a read ending in a newline ends at the line's end.
	buf := make([]byte, 1<<16)
	tooLong := false
	for {
		n, err := f.Read(buf)
		chunk := buf[:n]
		end := n > 0 && chunk[n-1] == '\n'
		if end {
			chunk = chunk[:n-1]
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
