package auth

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzAuthenticate runs the whole authenticator (token and password modes,
// a trusted proxy in front) over arbitrary peers and header values. It must
// never panic, and never admit a caller whose single Authorization header
// is not exactly "Bearer <secret>" up to scheme case and blanks.
func FuzzAuthenticate(f *testing.F) {
	f.Add("127.0.0.1:1", "Bearer "+testToken, "", "", false)
	f.Add("10.0.0.1:1", "bearer\t"+testToken+" ", "1.2.3.4, 10.0.0.2", "", true)
	f.Add("[::1]:9", "Bearer "+testPassword, "", "for=1.2.3.4", false)
	f.Add("10.0.0.1:1", "Bearer "+testToken+"\nBearer x", "", "", false)
	f.Add("garbage", "Basic "+testToken, "::1", "", false)
	s := tokenSettings()
	s.TrustedProxies = prefixes(f, "10.0.0.0/8")
	p := s
	p.Mode = ModePassword
	authns := []*Authenticator{New(s, nil, nil), New(p, nil, nil)}
	secrets := []string{testToken, testPassword}
	f.Fuzz(func(t *testing.T, remote, authz, xff, forwarded string, twice bool) {
		r, _ := http.NewRequest("GET", "http://127.0.0.1/v1/models", nil)
		r.RemoteAddr = remote
		for _, line := range strings.Split(authz, "\n") {
			r.Header.Add("Authorization", line)
			if !twice {
				break
			}
		}
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		if forwarded != "" {
			r.Header.Set("Forwarded", forwarded)
		}
		for i, a := range authns {
			pr, e := a.Authenticate(r)
			if e != nil {
				if e.Status < 400 || e.Code == "" || strings.Contains(e.Message+e.Hint, secrets[i]) {
					t.Fatalf("bad rejection %+v", e)
				}
				continue
			}
			vals := r.Header.Values("Authorization")
			tok, ok := ParseBearer(vals[0])
			if len(vals) != 1 || !ok || tok != secrets[i] || pr.Kind != SharedSecret {
				t.Fatalf("mode %s admitted %q (peer %q)", a.Mode(), vals, remote)
			}
		}
	})
}
