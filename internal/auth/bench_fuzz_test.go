package auth

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

func BenchmarkAuthenticateToken(b *testing.B) {
	lim := NewMemoryLimiter(10, time.Minute, 5*time.Minute)
	a := New(tokenSettings(), lim, nil)
	r := request("203.0.113.5:41000", bearer(testToken)...)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Authenticate(r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAuthenticateTokenBehindProxy(b *testing.B) {
	s := tokenSettings()
	s.TrustedProxies = prefixes(b, "10.0.0.0/8")
	lim := NewMemoryLimiter(10, time.Minute, 5*time.Minute)
	lim.Fail(Key{Addr: netip.MustParseAddr("192.0.2.99"), Class: ClassToken}, time.Now())
	a := New(s, lim, nil)
	r := request("10.0.0.1:41000", append(bearer(testToken), "X-Forwarded-For", "198.51.100.1, 10.0.0.2")...)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Authenticate(r); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzBearer(f *testing.F) {
	for _, s := range []string{"", "Bearer", "Bearer abc", "bearer\tabc ", "Basic x", "Bearerx", " Bearer  eyJ.a.b", "Bearer \x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		tok, ok := ParseBearer(h)
		if !ok && tok != "" {
			t.Fatalf("token %q without the Bearer scheme", tok)
		}
		if !strings.Contains(h, tok) {
			t.Fatalf("token %q is not part of %q", tok, h)
		}
		if tok != trimBlank(tok) {
			t.Fatalf("token %q has surrounding blanks", tok)
		}
		_ = looksLikeJWT(tok)
		_ = secretEqual(tok, testToken)
	})
}

func FuzzClientAddr(f *testing.F) {
	f.Add("10.0.0.1", "10.0.0.0/8", "1.2.3.4, 198.51.100.9, 10.0.0.7", "198.51.100.1", true)
	f.Add("::1", "::1", "[2001:db8::1]:80,unknown,", "", false)
	f.Add("::ffff:10.0.0.1", "::ffff:10.0.0.0/104", ",,, ,", "[::1]", true)
	f.Fuzz(func(t *testing.T, peerS, trustedS, xff, realIP string, allowRealIP bool) {
		peer := parsePeer(peerS)
		var trusted []netip.Prefix
		for e := range strings.SplitSeq(trustedS, ";") {
			if p, err := ParseTrustedProxy(e); err == nil {
				trusted = append(trusted, p)
			}
		}
		var lines []string
		if xff != "" {
			lines = strings.Split(xff, "\n")
		}
		got := ClientAddr(peer, trusted, lines, realIP, allowRealIP)
		if !inPrefixes(peer, trusted) && got != peer {
			t.Fatalf("an untrusted peer's headers were believed: %v -> %v", peer, got)
		}
		if got.IsValid() && (got.Is4In6() || got.Zone() != "") {
			t.Fatalf("client %v is not normalized", got)
		}
		if got != peer {
			// The client must be one of the addresses the headers carried.
			seen := map[netip.Addr]bool{}
			for _, l := range lines {
				for e := range strings.SplitSeq(l, ",") {
					if a, ok := parseForwardedAddr(e); ok {
						seen[a] = true
					}
				}
			}
			if a, ok := parseForwardedAddr(realIP); ok && allowRealIP {
				seen[a] = true
			}
			if !seen[got] {
				t.Fatalf("client %v came from nowhere (peer %v, xff %q, real ip %q)", got, peer, xff, realIP)
			}
		}
	})
}
