package httpauth

import (
	"net/http"
	"net/netip"
	"strings"
)

// maxForwardedHops bounds how many X-Forwarded-For entries ForwardedFor
// reads, from the right, before it gives up on finding the client.
const maxForwardedHops = 32

// ForwardedFor returns a Middleware.ClientAddr for a server behind reverse
// proxies or load balancers at the addresses in trusted: a request from a
// trusted proxy comes from the address that proxy put in X-Forwarded-For,
// any other request from its connection's peer. The entries are read from
// the right, where each proxy appends the address it got the request
// from; the first one that is not a trusted proxy is the client. What a
// client writes into the header itself is further left and never
// reached, so it cannot choose the address its failed logins are counted
// against. A trusted proxy that sent no header, or a malformed entry (or
// more than 32 trusted hops) before the client's, leaves the request at
// the last trusted proxy's address. Entries are addresses, optionally with
// a port ("192.0.2.7", "192.0.2.7:51234", "[2001:db8::7]:443"); several
// header lines are read as one list, as RFC 9110 says.
//
// Give exactly the proxies' addresses: a trusted prefix holding clients
// (0.0.0.0/0, say) lets them name any address they like.
func ForwardedFor(trusted ...netip.Prefix) func(*http.Request) netip.AddrPort {
	prefixes := make([]netip.Prefix, 0, len(trusted))
	for _, p := range trusted {
		if p.IsValid() {
			prefixes = append(prefixes, netip.PrefixFrom(p.Addr().Unmap(), unmappedBits(p)).Masked())
		}
	}
	isTrusted := func(a netip.Addr) bool {
		a = a.Unmap()
		for _, p := range prefixes {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	return func(r *http.Request) netip.AddrPort {
		peer, err := netip.ParseAddrPort(r.RemoteAddr)
		if err != nil || !isTrusted(peer.Addr()) {
			return peer // the zero AddrPort if unparsable, as without ClientAddr
		}
		last := peer
		lines := r.Header["X-Forwarded-For"]
		hops := 0
		for i := len(lines) - 1; i >= 0; i-- {
			line := lines[i]
			for line != "" {
				var entry string
				if j := strings.LastIndexByte(line, ','); j >= 0 {
					line, entry = line[:j], line[j+1:]
				} else {
					line, entry = "", line
				}
				entry = strings.Trim(entry, " \t")
				if entry == "" {
					continue // empty list elements are allowed (RFC 9110, 5.6.1)
				}
				if hops++; hops > maxForwardedHops {
					return last
				}
				addr, ok := parseForwardedEntry(entry)
				if !ok {
					return last
				}
				if !isTrusted(addr.Addr()) {
					return addr
				}
				last = addr
			}
		}
		return last
	}
}

// unmappedBits returns p's prefix length for its address unmapped: an
// IPv4-mapped IPv6 prefix (::ffff:10.0.0.0/104) is the IPv4 one (/8).
func unmappedBits(p netip.Prefix) int {
	if a := p.Addr(); a.Is4In6() {
		return max(p.Bits()-96, 0)
	}
	return p.Bits()
}

// parseForwardedEntry parses one X-Forwarded-For entry: an IP address,
// with a port or not, IPv6 in brackets when it has a port.
func parseForwardedEntry(s string) (netip.AddrPort, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return netip.AddrPortFrom(ap.Addr().Unmap().WithZone(""), ap.Port()), true
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		s = s[1 : len(s)-1]
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(a.Unmap().WithZone(""), 0), true
}
