package httpauth

import (
	"fmt"
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
// against. A trusted proxy that sent no header, a malformed entry before
// the client's, or a client's entry not among the last 32 read, leaves the
// request at the last trusted proxy's address. Entries are addresses,
// optionally with a port ("192.0.2.7", "192.0.2.7:51234",
// "[2001:db8::7]:443"); several header lines are read as one list, as RFC
// 9110 says.
//
// Give exactly the proxies' addresses, every one that appends an entry
// (some cloud load balancers append their own after the client's): a
// trusted prefix holding clients (0.0.0.0/0, say) lets them name any
// address they like. Each trusted proxy must append to X-Forwarded-For
// (nginx's $proxy_add_x_forwarded_for, HAProxy's option forwardfor,
// net/http/httputil's ReverseProxy), not pass on a client's header in
// place of its own. An invalid prefix, or an IPv4-mapped one shorter than
// 96 bits (which would cover all of IPv4), panics. A proxy reached over a
// Unix socket has no address to trust (r.RemoteAddr is "@"); give such a
// server a ClientAddr of its own that reads the header from every peer,
// since only the proxy can connect.
func ForwardedFor(trusted ...netip.Prefix) func(*http.Request) netip.AddrPort {
	prefixes := make([]netip.Prefix, 0, len(trusted))
	for i, p := range trusted {
		switch {
		case !p.IsValid():
			// netip.ParsePrefix("10.0.0.5") fails, and its zero Prefix
			// would trust nobody: every client counted as the proxy.
			panic(fmt.Sprintf("httpauth: ForwardedFor: trusted prefix %d is not valid (a parse error ignored? write 10.0.0.5/32)", i))
		case p.Addr().Is4In6() && p.Bits() < 96:
			// ::ffff:10.0.0.5/32 would be 0.0.0.0/0 in IPv4: every
			// client a trusted proxy.
			panic(fmt.Sprintf("httpauth: ForwardedFor: trusted prefix %s is IPv4-mapped with fewer than 96 bits, which covers every IPv4 address; write %s/32 for one proxy", p, p.Addr().Unmap()))
		}
		prefixes = append(prefixes, netip.PrefixFrom(p.Addr().Unmap(), unmappedBits(p)).Masked())
	}
	isTrusted := func(a netip.Addr) bool {
		a = a.Unmap().WithZone("") // Prefix.Contains is false for any zoned address
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
		return p.Bits() - 96
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
