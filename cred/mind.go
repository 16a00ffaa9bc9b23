package cred

import "net/netip"

// Mind is what a protocol knows about the connection a login arrives on,
// passed to checkers and realms so throttling, audit and per-protocol policy
// need no knowledge of wire formats. (Twisted calls this object the mind.)
type Mind struct {
	// Protocol names the protocol: "http", "ftp", ...
	Protocol string
	// RemoteAddr is the client's address; the zero value when unknown.
	RemoteAddr netip.AddrPort
	// TLS reports whether the connection is protected by TLS.
	TLS bool
}
