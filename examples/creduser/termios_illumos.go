package main

import "golang.org/x/sys/unix"

const (
	ioctlGetTermios      = unix.TCGETS
	ioctlSetTermios      = unix.TCSETS
	ioctlSetTermiosFlush = unix.TCSETSF // after output drains, input dropped
)

// disableSuspend turns off the suspend characters: Ctrl-Z and the delayed
// suspend Ctrl-Y. _POSIX_VDISABLE is 0 here.
func disableSuspend(t *unix.Termios) {
	t.Cc[unix.VSUSP] = 0
	t.Cc[unix.VDSUSP] = 0
}
