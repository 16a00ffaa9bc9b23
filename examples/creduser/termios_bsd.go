//go:build darwin || freebsd || netbsd || openbsd

package main

import "golang.org/x/sys/unix"

const (
	ioctlGetTermios      = unix.TIOCGETA
	ioctlSetTermios      = unix.TIOCSETA
	ioctlSetTermiosFlush = unix.TIOCSETAF // after output drains, input dropped
)

// disableSuspend turns off the suspend characters: Ctrl-Z and the delayed
// suspend Ctrl-Y. _POSIX_VDISABLE is 0xff here (0 is Ctrl-@).
func disableSuspend(t *unix.Termios) {
	t.Cc[unix.VSUSP] = 0xff
	t.Cc[unix.VDSUSP] = 0xff
}
