package auth

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"
)

const (
	testToken    = "tok-6f1c2a9e5b7d4c3a8e0f1b2c3d4e5f60718293a4b5c6d7e8" // longer than 32 bytes on purpose
	testPassword = "correct-horse-battery-staple"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// clock is an injectable clock; tests advance it instead of sleeping.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func prefixes(t testing.TB, entries ...string) []netip.Prefix {
	t.Helper()
	var out []netip.Prefix
	for _, e := range entries {
		p, err := ParseTrustedProxy(e)
		if err != nil {
			t.Fatalf("ParseTrustedProxy(%q): %v", e, err)
		}
		out = append(out, p)
	}
	return out
}

func addrs(ss ...string) []netip.Addr {
	var out []netip.Addr
	for _, s := range ss {
		out = append(out, netip.MustParseAddr(s))
	}
	return out
}

// request builds a GET with the given peer and header pairs (a header name
// may repeat to send several lines).
func request(remote string, hdr ...string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/v1/models", nil)
	r.RemoteAddr = remote
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Add(hdr[i], hdr[i+1])
	}
	return r
}

func bearer(s string) []string { return []string{"Authorization", "Bearer " + s} }

func tokenSettings() Settings {
	return Settings{
		Mode:      ModeToken,
		Token:     testToken,
		Password:  testPassword,
		RateLimit: RateLimitSettings{MaxAttempts: 10, Window: time.Minute, Lockout: 5 * time.Minute, ExemptLoopback: true},
	}
}
