package main

import "golang.org/x/sys/unix"

const (
	ioctlGetTermios      = unix.TCGETS
	ioctlSetTermios      = unix.TCSETS
	ioctlSetTermiosFlush = unix.TCSETSF // after output drains, input dropped
)

// disableSuspend turns off the suspend character (Ctrl-Z).
func disableSuspend(t *unix.Termios) { t.Cc[unix.VSUSP] = 0 } // _POSIX_VDISABLE is 0 on Linux
