package auth

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// parsePeer returns the socket peer of r as an unmapped, zone-less address
// (IPv4-mapped IPv6 peers become IPv4; a zone would keep a link-local peer
// from matching any prefix). It is invalid when RemoteAddr is not ip:port.
func parsePeer(remoteAddr string) netip.Addr {
	ap, err := netip.ParseAddrPort(remoteAddr)
	if err != nil {
		// Some servers and tests set a bare IP.
		a, err := netip.ParseAddr(remoteAddr)
		if err != nil {
			return netip.Addr{}
		}
		return normalizeAddr(a)
	}
	return normalizeAddr(ap.Addr())
}

func normalizeAddr(a netip.Addr) netip.Addr { return a.Unmap().WithZone("") }

// inPrefixes reports whether a is in any of ps.
func inPrefixes(a netip.Addr, ps []netip.Prefix) bool {
	if !a.IsValid() {
		return false
	}
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// loopbackTrusted reports whether ps lists a loopback address or range.
func loopbackTrusted(ps []netip.Prefix) bool {
	return inPrefixes(netip.AddrFrom4([4]byte{127, 0, 0, 1}), ps) || inPrefixes(netip.IPv6Loopback(), ps)
}

// hasForwardingHeaders reports whether r carries any header a proxy adds to
// say who the client is: Forwarded, X-Forwarded-* or X-Real-IP.
func hasForwardingHeaders(h http.Header) bool {
	const xf = "x-forwarded-"
	for k := range h {
		switch {
		case len(k) >= len(xf) && strings.EqualFold(k[:len(xf)], xf),
			strings.EqualFold(k, "Forwarded"),
			strings.EqualFold(k, "X-Real-Ip"):
			return true
		}
	}
	return false
}

// ClientAddr attributes a request to a client address (spec §4). When peer
// is not a trusted proxy, the client is the peer and the headers are ignored
// (anyone can send them). When it is, the client is the right-most
// X-Forwarded-For entry that is not itself a trusted proxy: entries to its
// left were written by the client and may be spoofed. If every entry is a
// trusted proxy the left-most one is the client; if the walk meets an entry
// that is not an address, the nearest address to its right is used.
// X-Real-IP is used only with allowRealIP and no X-Forwarded-For.
func ClientAddr(peer netip.Addr, trusted []netip.Prefix, xff []string, realIP string, allowRealIP bool) netip.Addr {
	if !inPrefixes(peer, trusted) {
		return peer
	}
	if len(xff) == 0 {
		if allowRealIP {
			if a, ok := parseForwardedAddr(realIP); ok {
				return a
			}
		}
		return peer
	}
	client := peer
	for i := len(xff) - 1; i >= 0; i-- {
		v := xff[i]
		for {
			var part string
			if j := strings.LastIndexByte(v, ','); j >= 0 {
				part, v = v[j+1:], v[:j]
			} else {
				part, v = v, ""
			}
			part = trimBlank(part)
			if part != "" {
				a, ok := parseForwardedAddr(part)
				if !ok {
					return client
				}
				client = a
				if !inPrefixes(a, trusted) {
					return a
				}
			}
			if v == "" {
				break
			}
		}
	}
	return client
}

// parseForwardedAddr parses one X-Forwarded-For / X-Real-IP entry: an IP,
// optionally with a port ("1.2.3.4:80", "[::1]:80") or brackets ("[::1]").
func parseForwardedAddr(s string) (netip.Addr, bool) {
	s = trimBlank(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return normalizeAddr(a), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return normalizeAddr(ap.Addr()), true
	}
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil {
			return normalizeAddr(a), true
		}
	}
	return netip.Addr{}, false
}

// InterfaceAddrs returns the host's own non-loopback interface addresses,
// for Settings.LocalAddrs (trusted-proxy rule 3). Errors yield none.
func InterfaceAddrs() []netip.Addr {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []netip.Addr
	for _, a := range addrs {
		var ip net.IP
		switch v := a.(type) {
		case *net.IPNet:
			ip = v.IP
		case *net.IPAddr:
			ip = v.IP
		default:
			continue
		}
		na, ok := netip.AddrFromSlice(ip)
		if !ok {
			continue
		}
		na = normalizeAddr(na)
		if na.IsLoopback() || na.IsUnspecified() {
			continue
		}
		out = append(out, na)
	}
	return out
}
