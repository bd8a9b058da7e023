package auth

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openclaw/openclaw-go/internal/apierr"
	"github.com/openclaw/openclaw-go/internal/config"
)

type authCase struct {
	name   string
	s      Settings
	remote string
	hdr    []string

	// On success:
	kind   Kind
	user   string
	client string
	scopes []string // exactly these
	// On failure:
	status       int
	code         string
	hintContains string
}

func runAuthCases(t *testing.T, cases []authCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := New(tc.s, NewMemoryLimiter(10, time.Minute, 5*time.Minute), newClock().Now)
			r := request(tc.remote, tc.hdr...)
			p, err := a.Authenticate(r)
			if tc.code != "" {
				if err == nil {
					t.Fatalf("accepted as %+v; want %d %s", p, tc.status, tc.code)
				}
				if err.Status != tc.status || err.Code != tc.code {
					t.Fatalf("got %d %s (%s; hint %q); want %d %s", err.Status, err.Code, err.Message, err.Hint, tc.status, tc.code)
				}
				if tc.hintContains != "" && !strings.Contains(err.Hint, tc.hintContains) {
					t.Errorf("hint %q does not contain %q", err.Hint, tc.hintContains)
				}
				if err.Message == "" || err.Hint == "" {
					t.Errorf("error needs a message and a hint with the next step: %+v", err)
				}
				assertNoSecretEcho(t, err.Message+err.Hint, tc.hdr)
				if err.Status == http.StatusUnauthorized && !strings.HasPrefix(err.Header.Get("WWW-Authenticate"), `Bearer realm="openclaw"`) {
					t.Errorf("401 without WWW-Authenticate challenge: %v", err.Header)
				}
				return
			}
			if err != nil {
				t.Fatalf("rejected: %d %s: %s (hint %q)", err.Status, err.Code, err.Message, err.Hint)
			}
			if p.Kind != tc.kind || p.User != tc.user {
				t.Errorf("principal %v/%q; want %v/%q", p.Kind, p.User, tc.kind, tc.user)
			}
			if tc.client != "" && p.Client != netip.MustParseAddr(tc.client) {
				t.Errorf("client %v; want %s", p.Client, tc.client)
			}
			if tc.scopes != nil && !slices.Equal(p.Scopes().Names(), tc.scopes) {
				t.Errorf("scopes %v; want %v", p.Scopes().Names(), tc.scopes)
			}
		})
	}
}

// assertNoSecretEcho fails if a presented credential shows up in an error.
func assertNoSecretEcho(t *testing.T, text string, hdr []string) {
	t.Helper()
	for i := 0; i+1 < len(hdr); i += 2 {
		if !strings.EqualFold(hdr[i], "Authorization") {
			continue
		}
		v := hdr[i+1]
		if tok, ok := ParseBearer(v); ok {
			v = tok
		}
		if len(v) >= 6 && strings.Contains(text, v) {
			t.Errorf("error echoes the presented credential: %q", text)
		}
	}
}

var all = []string{ScopeRead, ScopeWrite, ScopeAdmin}
var readWrite = []string{ScopeRead, ScopeWrite}

func TestTokenMode(t *testing.T) {
	t.Parallel()
	s := tokenSettings()
	noPassword := tokenSettings()
	noPassword.Password = ""
	noToken := tokenSettings()
	noToken.Token = ""
	const remote = "203.0.113.5:41000"
	runAuthCases(t, []authCase{
		{name: "the configured token is accepted as a shared-secret caller with full scope", s: s, remote: remote,
			hdr: bearer(testToken), kind: SharedSecret, client: "203.0.113.5", scopes: all},
		{name: "the Bearer scheme is case-insensitive", s: s, remote: remote,
			hdr: []string{"Authorization", "bearer  " + testToken + " "}, kind: SharedSecret, scopes: all},
		{name: "no Authorization header is 401 gateway_token_missing", s: s, remote: remote,
			status: 401, code: "gateway_token_missing", hintContains: "openclaw gateway auth-token --show"},
		{name: "an empty bearer counts as missing", s: s, remote: remote,
			hdr: []string{"Authorization", "Bearer   "}, status: 401, code: "gateway_token_missing"},
		{name: "a blank Authorization header counts as missing", s: s, remote: remote,
			hdr: []string{"Authorization", " "}, status: 401, code: "gateway_token_missing"},
		{name: "the Basic scheme is auth_scheme_unsupported", s: s, remote: remote,
			hdr: []string{"Authorization", "Basic dXNlcjpwYXNz"}, status: 401, code: "auth_scheme_unsupported", hintContains: "Bearer"},
		{name: "a bare secret without a scheme is auth_scheme_unsupported and not echoed", s: s, remote: remote,
			hdr: []string{"Authorization", testToken}, status: 401, code: "auth_scheme_unsupported"},
		{name: "a scheme that merely starts with Bearer is unsupported", s: s, remote: remote,
			hdr: []string{"Authorization", "Bearerx " + testToken}, status: 401, code: "auth_scheme_unsupported"},
		{name: "a wrong token is 401 gateway_token_mismatch", s: s, remote: remote,
			hdr: bearer("not-the-token-at-all"), status: 401, code: "gateway_token_mismatch", hintContains: "openclaw gateway auth-token --show"},
		{name: "a prefix of the token is a mismatch", s: s, remote: remote,
			hdr: bearer(testToken[:20]), status: 401, code: "gateway_token_mismatch"},
		{name: "the password in token mode is auth_mode_token", s: s, remote: remote,
			hdr: bearer(testPassword), status: 401, code: "auth_mode_token", hintContains: "gateway.auth.mode"},
		{name: "without a configured password a wrong bearer is a plain mismatch", s: noPassword, remote: remote,
			hdr: bearer(testPassword), status: 401, code: "gateway_token_mismatch"},
		{name: "a JWT-looking bearer gets the opaque-secret hint", s: s, remote: remote,
			hdr: bearer("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJib3QifQ.c2lnbmF0dXJl"), status: 401, code: "gateway_token_mismatch",
			hintContains: "not a JWT; if you are calling through a proxy that validates JWTs"},
		{name: "two Authorization headers are refused", s: s, remote: remote,
			hdr: append(bearer(testToken), bearer("other")...), status: 401, code: "auth_header_multiple"},
		{name: "token mode without a configured token accepts nothing, not even an empty bearer", s: noToken, remote: remote,
			hdr: []string{"Authorization", "Bearer "}, status: 401, code: "gateway_token_not_configured"},
		{name: "an IPv6 peer is attributed by its own address", s: s, remote: "[2001:db8::7]:443",
			hdr: bearer(testToken), kind: SharedSecret, client: "2001:db8::7"},
		{name: "an IPv4-mapped IPv6 peer is unmapped", s: s, remote: "[::ffff:198.51.100.4]:443",
			hdr: bearer(testToken), kind: SharedSecret, client: "198.51.100.4"},
		{name: "x-openclaw-scopes is ignored for shared-secret callers", s: s, remote: remote,
			hdr: append(bearer(testToken), ScopesHeader, ScopeRead), kind: SharedSecret, scopes: all},
	})
}

func TestPasswordMode(t *testing.T) {
	t.Parallel()
	s := tokenSettings()
	s.Mode = ModePassword
	const remote = "203.0.113.5:41000"
	runAuthCases(t, []authCase{
		{name: "the configured password is accepted", s: s, remote: remote,
			hdr: bearer(testPassword), kind: SharedSecret, scopes: all},
		{name: "no Authorization header is 401 gateway_password_missing", s: s, remote: remote,
			status: 401, code: "gateway_password_missing", hintContains: "gateway.auth.password"},
		{name: "a wrong password is 401 gateway_password_mismatch", s: s, remote: remote,
			hdr: bearer("hunter2-wrong"), status: 401, code: "gateway_password_mismatch"},
		{name: "the token in password mode is auth_mode_password", s: s, remote: remote,
			hdr: bearer(testToken), status: 401, code: "auth_mode_password", hintContains: "gateway.auth.mode"},
		{name: "a non-Bearer scheme is auth_scheme_unsupported", s: s, remote: remote,
			hdr: []string{"Authorization", "Digest x"}, status: 401, code: "auth_scheme_unsupported"},
	})
}

func TestNoneMode(t *testing.T) {
	t.Parallel()
	s := Settings{Mode: ModeNone}
	behindLoopbackProxy := Settings{Mode: ModeNone, TrustedProxies: prefixes(t, "127.0.0.1")}
	runAuthCases(t, []authCase{
		{name: "a loopback caller is an anonymous identity-bearing caller with read and write", s: s, remote: "127.0.0.1:5000",
			kind: Anonymous, client: "127.0.0.1", scopes: readWrite},
		{name: "an IPv6 loopback caller is accepted", s: s, remote: "[::1]:5000", kind: Anonymous},
		{name: "credentials are not needed and a bearer is ignored", s: s, remote: "127.0.0.1:5000",
			hdr: bearer("anything"), kind: Anonymous},
		{name: "anonymous scopes are narrowed by x-openclaw-scopes", s: s, remote: "127.0.0.1:5000",
			hdr: []string{ScopesHeader, ScopeRead}, kind: Anonymous, scopes: []string{ScopeRead}},
		{name: "a remote caller is refused even if a listener slipped through", s: s, remote: "198.51.100.2:5000",
			status: 403, code: "auth_none_not_local"},
		{name: "a client behind a trusted loopback proxy is attributed by X-Forwarded-For", s: behindLoopbackProxy, remote: "127.0.0.1:5000",
			hdr: []string{"X-Forwarded-For", "198.51.100.2"}, kind: Anonymous, client: "198.51.100.2"},
		{name: "a loopback proxy not in trustedProxies is proxy_attribution_required", s: s, remote: "127.0.0.1:5000",
			hdr: []string{"X-Forwarded-For", "198.51.100.2"}, status: 403, code: "proxy_attribution_required"},
	})
}

func TestProxyAttribution(t *testing.T) {
	t.Parallel()
	s := tokenSettings()
	loopbackTrusted := tokenSettings()
	loopbackTrusted.TrustedProxies = prefixes(t, "127.0.0.1", "::1")
	viaLAN := tokenSettings()
	viaLAN.TrustedProxies = prefixes(t, "10.0.0.0/8")
	realIP := tokenSettings()
	realIP.TrustedProxies = prefixes(t, "10.0.0.0/8")
	realIP.AllowRealIPFallback = true
	v6 := tokenSettings()
	v6.TrustedProxies = prefixes(t, "2001:db8:1::/48")
	mapped := tokenSettings()
	mapped.TrustedProxies = prefixes(t, "::ffff:10.0.0.0/104")

	var cases []authCase
	for _, h := range []string{"X-Forwarded-For", "Forwarded", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-IP"} {
		cases = append(cases, authCase{
			name: "a loopback peer with " + h + " and loopback not trusted is refused before the credential check",
			s:    s, remote: "127.0.0.1:6000", hdr: append(bearer(testToken), h, "198.51.100.9"),
			status: 403, code: "proxy_attribution_required", hintContains: "gateway.trustedProxies",
		})
	}
	cases = append(cases, []authCase{
		{name: "an IPv6 loopback peer with forwarding headers is refused too", s: s, remote: "[::1]:6000",
			hdr: append(bearer(testToken), "X-Forwarded-For", "198.51.100.9"), status: 403, code: "proxy_attribution_required"},
		{name: "forwarding headers are checked even without credentials", s: s, remote: "127.0.0.1:6000",
			hdr: []string{"X-Forwarded-For", "198.51.100.9"}, status: 403, code: "proxy_attribution_required"},
		{name: "a loopback peer without forwarding headers is a local client", s: s, remote: "127.0.0.1:6000",
			hdr: bearer(testToken), kind: SharedSecret, client: "127.0.0.1"},
		{name: "a trusted loopback proxy attributes the client from X-Forwarded-For", s: loopbackTrusted, remote: "127.0.0.1:6000",
			hdr: append(bearer(testToken), "X-Forwarded-For", "198.51.100.9"), kind: SharedSecret, client: "198.51.100.9"},
		{name: "an untrusted non-loopback peer's X-Forwarded-For is ignored", s: s, remote: "203.0.113.5:6000",
			hdr: append(bearer(testToken), "X-Forwarded-For", "127.0.0.1"), kind: SharedSecret, client: "203.0.113.5"},
		{name: "spoofed left-most X-Forwarded-For entries are ignored", s: viaLAN, remote: "10.0.0.1:6000",
			hdr: append(bearer(testToken), "X-Forwarded-For", "127.0.0.1, 1.2.3.4, 198.51.100.9, 10.0.0.7"), kind: SharedSecret, client: "198.51.100.9"},
		{name: "X-Forwarded-For across several header lines is read right to left", s: viaLAN, remote: "10.0.0.1:6000",
			hdr: append(bearer(testToken), "X-Forwarded-For", "1.2.3.4", "X-Forwarded-For", "198.51.100.9, 10.0.0.7"), kind: SharedSecret, client: "198.51.100.9"},
		{name: "when every X-Forwarded-For entry is a trusted proxy the left-most is the client", s: viaLAN, remote: "10.0.0.1:6000",
			hdr: append(bearer(testToken), "X-Forwarded-For", "10.1.1.1, 10.0.0.7"), kind: SharedSecret, client: "10.1.1.1"},
		{name: "X-Forwarded-For entries with ports are accepted", s: viaLAN, remote: "10.0.0.1:6000",
			hdr: append(bearer(testToken), "X-Forwarded-For", "[2001:db8::9]:443, 198.51.100.9:1234"), kind: SharedSecret, client: "198.51.100.9"},
		{name: "garbage in X-Forwarded-For stops the walk at the nearest address", s: viaLAN, remote: "10.0.0.1:6000",
			hdr: append(bearer(testToken), "X-Forwarded-For", "198.51.100.1, unknown, 10.0.0.7"), kind: SharedSecret, client: "10.0.0.7"},
		{name: "X-Real-IP is ignored without allowRealIpFallback", s: viaLAN, remote: "10.0.0.1:6000",
			hdr: append(bearer(testToken), "X-Real-IP", "198.51.100.9"), kind: SharedSecret, client: "10.0.0.1"},
		{name: "X-Real-IP is used with allowRealIpFallback and no X-Forwarded-For", s: realIP, remote: "10.0.0.1:6000",
			hdr: append(bearer(testToken), "X-Real-IP", "198.51.100.9"), kind: SharedSecret, client: "198.51.100.9"},
		{name: "X-Forwarded-For wins over X-Real-IP", s: realIP, remote: "10.0.0.1:6000",
			hdr: append(bearer(testToken), "X-Real-IP", "198.51.100.8", "X-Forwarded-For", "198.51.100.9"), kind: SharedSecret, client: "198.51.100.9"},
		{name: "an IPv6 proxy in an IPv6 CIDR is trusted", s: v6, remote: "[2001:db8:1::10]:443",
			hdr: append(bearer(testToken), "X-Forwarded-For", "2001:db8:9::1"), kind: SharedSecret, client: "2001:db8:9::1"},
		{name: "an IPv6 peer outside the IPv6 CIDR is not trusted", s: v6, remote: "[2001:db8:2::10]:443",
			hdr: append(bearer(testToken), "X-Forwarded-For", "2001:db8:9::1"), kind: SharedSecret, client: "2001:db8:2::10"},
		{name: "an IPv4-mapped IPv6 peer matches an IPv4-mapped CIDR written in config", s: mapped, remote: "[::ffff:10.0.0.1]:443",
			hdr: append(bearer(testToken), "X-Forwarded-For", "::ffff:198.51.100.9"), kind: SharedSecret, client: "198.51.100.9"},
	}...)
	runAuthCases(t, cases)
}

func trustedProxySettings(t testing.TB) Settings {
	return Settings{
		Mode:           ModeTrustedProxy,
		Password:       testPassword,
		TrustedProxies: prefixes(t, "10.0.0.1", "2001:db8::/64"),
		TrustedProxy:   TrustedProxySettings{UserHeader: "x-forwarded-user"},
		IdentityScopes: map[string][]string{"Admin@Example.com": {ScopeAdmin}, "viewer": {ScopeRead}},
		LocalAddrs:     addrs("192.168.1.10", "fe80::1"),
		RateLimit:      RateLimitSettings{ExemptLoopback: true},
	}
}

func TestTrustedProxyMode(t *testing.T) {
	t.Parallel()
	s := trustedProxySettings(t)
	with := func(f func(*Settings)) Settings {
		c := trustedProxySettings(t)
		f(&c)
		return c
	}
	loopListed := with(func(s *Settings) { s.TrustedProxies = prefixes(t, "127.0.0.1", "::1") })
	loopAllowed := with(func(s *Settings) {
		s.TrustedProxies = prefixes(t, "127.0.0.0/8", "::1")
		s.TrustedProxy.AllowLoopback = true
	})
	allowOnly := with(func(s *Settings) { s.TrustedProxy.AllowLoopback = true })
	localListed := with(func(s *Settings) { s.TrustedProxies = prefixes(t, "192.168.1.0/24") })
	required := with(func(s *Settings) { s.TrustedProxy.RequiredHeaders = []string{"X-Auth-Request-Email"} })
	allowList := with(func(s *Settings) { s.TrustedProxy.AllowUsers = []string{"Alice@Example.com", "bob"} })
	noPassword := with(func(s *Settings) { s.Password = "" })
	user := func(u string) []string { return []string{"X-Forwarded-User", u} }
	proxied := func(extra ...string) []string {
		return append([]string{"X-Forwarded-For", "198.51.100.7", "X-Forwarded-User", "alice@example.com"}, extra...)
	}
	runAuthCases(t, []authCase{
		{name: "a trusted proxy vouching for a user makes an identity caller with read and write", s: s, remote: "10.0.0.1:7000",
			hdr: proxied(), kind: Identity, user: "alice@example.com", client: "198.51.100.7", scopes: readWrite},
		{name: "rule 1: a peer not in trustedProxies is trusted_proxy_untrusted_source", s: s, remote: "198.51.100.9:7000",
			hdr: proxied(), status: 403, code: "trusted_proxy_untrusted_source", hintContains: "gateway.trustedProxies"},
		{name: "rule 1: a loopback peer not in trustedProxies without forwarding headers is untrusted", s: s, remote: "127.0.0.1:7000",
			status: 403, code: "trusted_proxy_untrusted_source", hintContains: "allowLoopback"},
		{name: "a loopback peer not in trustedProxies with the user header needs proxy attribution first", s: s, remote: "127.0.0.1:7000",
			hdr: user("alice@example.com"), status: 403, code: "proxy_attribution_required", hintContains: "allowLoopback"},
		{name: "rule 2: a loopback peer listed in trustedProxies without allowLoopback is trusted_proxy_loopback_source", s: loopListed, remote: "127.0.0.1:7000",
			hdr: proxied(), status: 403, code: "trusted_proxy_loopback_source", hintContains: "allowLoopback"},
		{name: "rule 2: an IPv6 loopback peer listed without allowLoopback is refused", s: loopListed, remote: "[::1]:7000",
			hdr: proxied(), status: 403, code: "trusted_proxy_loopback_source"},
		{name: "rule 2: a loopback peer with allowLoopback and loopback listed is accepted", s: loopAllowed, remote: "127.0.0.1:7000",
			hdr: proxied(), kind: Identity, user: "alice@example.com", client: "198.51.100.7"},
		{name: "rule 2: allowLoopback without loopback in trustedProxies is not enough", s: allowOnly, remote: "127.0.0.1:7000",
			hdr: user("alice@example.com"), status: 403, code: "proxy_attribution_required"},
		{name: "rule 2: allowLoopback without loopback listed and no forwarding headers is untrusted", s: allowOnly, remote: "127.0.0.1:7000",
			hdr: []string{"X-User", "x"}, status: 403, code: "trusted_proxy_untrusted_source"},
		{name: "rule 3: a peer using this host's own interface address is trusted_proxy_local_interface_source", s: localListed, remote: "192.168.1.10:7000",
			hdr: proxied(), status: 403, code: "trusted_proxy_local_interface_source"},
		{name: "rule 3: another address of the listed range is accepted", s: localListed, remote: "192.168.1.11:7000",
			hdr: proxied(), kind: Identity, user: "alice@example.com"},
		{name: "rule 4: a missing required header is trusted_proxy_missing_header_<name>", s: required, remote: "10.0.0.1:7000",
			hdr: proxied(), status: 403, code: "trusted_proxy_missing_header_x-auth-request-email"},
		{name: "rule 4: a blank required header counts as missing", s: required, remote: "10.0.0.1:7000",
			hdr: proxied("X-Auth-Request-Email", "  "), status: 403, code: "trusted_proxy_missing_header_x-auth-request-email"},
		{name: "rule 4: a present required header passes", s: required, remote: "10.0.0.1:7000",
			hdr: proxied("X-Auth-Request-Email", "alice@example.com"), kind: Identity, user: "alice@example.com"},
		{name: "rule 4: a missing user header is trusted_proxy_user_missing", s: s, remote: "10.0.0.1:7000",
			hdr: []string{"X-Forwarded-For", "198.51.100.7"}, status: 403, code: "trusted_proxy_user_missing", hintContains: "X-Forwarded-User"},
		{name: "rule 4: a blank user header is trusted_proxy_user_missing", s: s, remote: "10.0.0.1:7000",
			hdr: user(" "), status: 403, code: "trusted_proxy_user_missing"},
		{name: "rule 4: a user header sent twice is trusted_proxy_user_multiple (an appending proxy must not let the client's value win)", s: allowList, remote: "10.0.0.1:7000",
			hdr: append(user("alice@example.com"), "X-Forwarded-User", "mallory@example.com"), status: 403, code: "trusted_proxy_user_multiple"},
		{name: "rule 5: a user outside allowUsers is trusted_proxy_user_not_allowed", s: allowList, remote: "10.0.0.1:7000",
			hdr: user("mallory@example.com"), status: 403, code: "trusted_proxy_user_not_allowed"},
		{name: "rule 5: emails in allowUsers compare case-insensitively", s: allowList, remote: "10.0.0.1:7000",
			hdr: user("ALICE@example.COM"), kind: Identity, user: "ALICE@example.COM"},
		{name: "rule 5: plain user names compare exactly", s: allowList, remote: "10.0.0.1:7000",
			hdr: user("Bob"), status: 403, code: "trusted_proxy_user_not_allowed"},
		{name: "an IPv6 proxy inside an IPv6 CIDR is trusted", s: s, remote: "[2001:db8::42]:7000",
			hdr: proxied(), kind: Identity, user: "alice@example.com", client: "198.51.100.7"},
		{name: "an IPv6 peer outside the IPv6 CIDR is untrusted", s: s, remote: "[2001:db8:0:1::42]:7000",
			hdr: proxied(), status: 403, code: "trusted_proxy_untrusted_source"},
		{name: "an IPv4-mapped IPv6 peer matches its IPv4 entry", s: s, remote: "[::ffff:10.0.0.1]:7000",
			hdr: proxied(), kind: Identity, user: "alice@example.com"},
		{name: "a bearer from a remote proxy is not a credential", s: s, remote: "10.0.0.1:7000",
			hdr: append(proxied(), bearer(testPassword)...), kind: Identity, user: "alice@example.com", scopes: readWrite},
		{name: "identityScopes grant admin, looked up case-insensitively for emails", s: s, remote: "10.0.0.1:7000",
			hdr: user("admin@example.com"), kind: Identity, user: "admin@example.com", scopes: all},
		{name: "identityScopes can grant less than the default", s: s, remote: "10.0.0.1:7000",
			hdr: user("viewer"), kind: Identity, user: "viewer", scopes: []string{ScopeRead}},
		{name: "x-openclaw-scopes narrows an identity's scopes", s: s, remote: "10.0.0.1:7000",
			hdr: append(user("admin@example.com"), ScopesHeader, "operator.write"), kind: Identity, user: "admin@example.com", scopes: readWrite},
		{name: "x-openclaw-scopes never widens an identity's scopes", s: s, remote: "10.0.0.1:7000",
			hdr: append(user("alice@example.com"), ScopesHeader, "operator.admin, operator.read"), kind: Identity, user: "alice@example.com", scopes: readWrite},
		{name: "unknown names in x-openclaw-scopes grant nothing", s: s, remote: "10.0.0.1:7000",
			hdr: append(user("alice@example.com"), ScopesHeader, "operator.root"), kind: Identity, user: "alice@example.com", scopes: []string{}},

		// Same-host password fallback.
		{name: "fallback: a loopback caller without forwarding headers may use the password", s: s, remote: "127.0.0.1:7000",
			hdr: bearer(testPassword), kind: SharedSecret, client: "127.0.0.1", scopes: all},
		{name: "fallback: a caller on this host's interface address may use the password", s: s, remote: "192.168.1.10:7000",
			hdr: bearer(testPassword), kind: SharedSecret, scopes: all},
		{name: "fallback: a link-local interface address with a zone counts as this host", s: s, remote: "[fe80::1%eth0]:7000",
			hdr: bearer(testPassword), kind: SharedSecret},
		{name: "fallback: a wrong password is gateway_password_mismatch", s: s, remote: "127.0.0.1:7000",
			hdr: bearer("guess"), status: 401, code: "gateway_password_mismatch", hintContains: "a token is not accepted"},
		{name: "fallback: a non-Bearer scheme is auth_scheme_unsupported", s: s, remote: "127.0.0.1:7000",
			hdr: []string{"Authorization", "Basic Zm9v"}, status: 401, code: "auth_scheme_unsupported"},
		{name: "fallback: a loopback caller with X-Forwarded-For gets no fallback", s: s, remote: "127.0.0.1:7000",
			hdr: append(bearer(testPassword), "X-Forwarded-For", "198.51.100.7"), status: 403, code: "proxy_attribution_required"},
		{name: "fallback: a trusted loopback proxy's forwarded request gets no fallback", s: loopAllowed, remote: "127.0.0.1:7000",
			hdr: append(bearer(testPassword), "X-Forwarded-For", "198.51.100.7"), status: 403, code: "trusted_proxy_user_missing"},
		{name: "fallback: an interface-address caller with X-Real-IP gets no fallback", s: s, remote: "192.168.1.10:7000",
			hdr: append(bearer(testPassword), "X-Real-IP", "198.51.100.7"), status: 403, code: "trusted_proxy_untrusted_source"},
		{name: "fallback: a remote caller may not use the password", s: s, remote: "198.51.100.7:7000",
			hdr: bearer(testPassword), status: 403, code: "trusted_proxy_untrusted_source"},
		{name: "fallback: without a configured password the proxy rules apply", s: noPassword, remote: "127.0.0.1:7000",
			hdr: bearer(testPassword), status: 403, code: "trusted_proxy_untrusted_source", hintContains: "set gateway.auth.password"},
	})
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	const remote = "198.51.100.7:8000"
	type step struct {
		advance time.Duration
		remote  string
		hdr     []string
		status  int // 0 = accepted
		code    string
		retry   time.Duration
	}
	wrong := bearer("wrong-token")
	right := bearer(testToken)
	limits := func(exempt bool) Settings {
		s := tokenSettings()
		s.RateLimit = RateLimitSettings{MaxAttempts: 3, Window: time.Minute, Lockout: 5 * time.Minute, ExemptLoopback: exempt}
		s.TrustedProxies = prefixes(t, "10.0.0.1")
		return s
	}
	cases := []struct {
		name  string
		s     Settings
		steps []step
	}{
		{"maxAttempts wrong tokens lock the client out with 429 and Retry-After, even for the right token", limits(true), []step{
			{remote: remote, hdr: wrong, status: 401, code: "gateway_token_mismatch"},
			{remote: remote, hdr: wrong, status: 401, code: "gateway_token_mismatch"},
			{remote: remote, hdr: wrong, status: 401, code: "gateway_token_mismatch"},
			{remote: remote, hdr: right, status: 429, code: "auth_rate_limited", retry: 5 * time.Minute},
			{advance: 100 * time.Second, remote: remote, hdr: right, status: 429, code: "auth_rate_limited", retry: 200 * time.Second},
			{advance: 200 * time.Second, remote: remote, hdr: right},
			{remote: remote, hdr: wrong, status: 401, code: "gateway_token_mismatch"},
			{remote: remote, hdr: right},
		}},
		{"a lockout is per client address", limits(true), []step{
			{remote: remote, hdr: wrong, status: 401}, {remote: remote, hdr: wrong, status: 401}, {remote: remote, hdr: wrong, status: 401},
			{remote: remote, hdr: right, status: 429, code: "auth_rate_limited"},
			{remote: "198.51.100.8:1", hdr: right},
		}},
		{"behind a trusted proxy failures count per forwarded client, not per proxy", limits(true), []step{
			{remote: "10.0.0.1:1", hdr: append(wrong, "X-Forwarded-For", "198.51.100.7"), status: 401},
			{remote: "10.0.0.1:1", hdr: append(wrong, "X-Forwarded-For", "198.51.100.7"), status: 401},
			{remote: "10.0.0.1:1", hdr: append(wrong, "X-Forwarded-For", "198.51.100.7"), status: 401},
			{remote: "10.0.0.1:1", hdr: append(right, "X-Forwarded-For", "198.51.100.7"), status: 429, code: "auth_rate_limited"},
			{remote: "10.0.0.1:1", hdr: append(right, "X-Forwarded-For", "198.51.100.99")},
			{remote: remote, hdr: right, status: 429, code: "auth_rate_limited"},
		}},
		{"IPv6 clients are counted per /64", limits(true), []step{
			{remote: "[2001:db8::1]:1", hdr: wrong, status: 401},
			{remote: "[2001:db8::2]:1", hdr: wrong, status: 401},
			{remote: "[2001:db8::3]:1", hdr: wrong, status: 401},
			{remote: "[2001:db8::4]:1", hdr: right, status: 429, code: "auth_rate_limited"},
			{remote: "[2001:db8:0:1::4]:1", hdr: right},
		}},
		{"a success resets the counter", limits(true), []step{
			{remote: remote, hdr: wrong, status: 401}, {remote: remote, hdr: wrong, status: 401},
			{remote: remote, hdr: right},
			{remote: remote, hdr: wrong, status: 401}, {remote: remote, hdr: wrong, status: 401},
			{remote: remote, hdr: right},
		}},
		{"failures older than the window are forgotten", limits(true), []step{
			{remote: remote, hdr: wrong, status: 401}, {remote: remote, hdr: wrong, status: 401},
			{advance: 61 * time.Second, remote: remote, hdr: wrong, status: 401},
			{remote: remote, hdr: wrong, status: 401},
			{remote: remote, hdr: right},
		}},
		{"missing credentials are not counted", limits(true), []step{
			{remote: remote, status: 401, code: "gateway_token_missing"}, {remote: remote, status: 401}, {remote: remote, status: 401},
			{remote: remote, hdr: []string{"Authorization", "Bearer "}, status: 401, code: "gateway_token_missing"},
			{remote: remote, hdr: right},
		}},
		{"loopback clients are exempt when exemptLoopback is true", limits(true), []step{
			{remote: "127.0.0.1:1", hdr: wrong, status: 401}, {remote: "127.0.0.1:1", hdr: wrong, status: 401},
			{remote: "127.0.0.1:1", hdr: wrong, status: 401}, {remote: "127.0.0.1:1", hdr: wrong, status: 401},
			{remote: "127.0.0.1:1", hdr: right},
		}},
		{"loopback clients are limited when exemptLoopback is false", limits(false), []step{
			{remote: "127.0.0.1:1", hdr: wrong, status: 401}, {remote: "127.0.0.1:1", hdr: wrong, status: 401},
			{remote: "127.0.0.1:1", hdr: wrong, status: 401},
			{remote: "127.0.0.1:1", hdr: right, status: 429, code: "auth_rate_limited"},
		}},
		{"the password presented in token mode counts as a failure", limits(true), []step{
			{remote: remote, hdr: bearer(testPassword), status: 401, code: "auth_mode_token"},
			{remote: remote, hdr: bearer(testPassword), status: 401, code: "auth_mode_token"},
			{remote: remote, hdr: bearer(testPassword), status: 401, code: "auth_mode_token"},
			{remote: remote, hdr: right, status: 429},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clk := newClock()
			lim := tc.s.RateLimit.NewLimiter()
			a := New(tc.s, lim, clk.Now)
			for i, st := range tc.steps {
				clk.Advance(st.advance)
				_, err := a.Authenticate(request(st.remote, st.hdr...))
				switch {
				case st.status == 0 && err != nil:
					t.Fatalf("step %d: rejected %d %s; want accepted", i, err.Status, err.Code)
				case st.status == 0:
					continue
				case err == nil:
					t.Fatalf("step %d: accepted; want %d %s", i, st.status, st.code)
				case err.Status != st.status || (st.code != "" && err.Code != st.code):
					t.Fatalf("step %d: got %d %s; want %d %s", i, err.Status, err.Code, st.status, st.code)
				}
				if err.Status == http.StatusTooManyRequests {
					if err.RetryAfter <= 0 {
						t.Fatalf("step %d: 429 without RetryAfter", i)
					}
					if st.retry != 0 {
						if err.RetryAfter != st.retry {
							t.Errorf("step %d: RetryAfter %v; want %v", i, err.RetryAfter, st.retry)
						}
						secs := int(st.retry / time.Second)
						if !strings.Contains(err.Message, "retry in "+strconv.Itoa(secs)+" seconds") {
							t.Errorf("step %d: message %q does not say when to retry", i, err.Message)
						}
					}
				}
			}
		})
	}
}

func TestLockoutRendersRetryAfterSeconds(t *testing.T) {
	t.Parallel()
	s := tokenSettings()
	s.RateLimit = RateLimitSettings{MaxAttempts: 1, Window: time.Minute, Lockout: 90*time.Second + 300*time.Millisecond}
	a := New(s, s.RateLimit.NewLimiter(), newClock().Now)
	_, err := a.Authenticate(request("198.51.100.7:1", bearer("wrong")...))
	if err == nil || err.Status != 401 || !strings.Contains(err.Hint, "locked out for 91 seconds") {
		t.Fatalf("the failure that starts a lockout should say so: %+v", err)
	}
	_, err = a.Authenticate(request("198.51.100.7:1", bearer(testToken)...))
	if err == nil || err.Status != 429 {
		t.Fatalf("want 429, got %+v", err)
	}
	w := httptest.NewRecorder()
	apierr.Write(w, err)
	if got := w.Header().Get("Retry-After"); got != "91" {
		t.Errorf("Retry-After %q; want 91 (rounded up)", got)
	}
	if !strings.Contains(w.Body.String(), `"code":"auth_rate_limited"`) || !strings.Contains(w.Body.String(), "retry in 91 seconds") {
		t.Errorf("body %s", w.Body)
	}
}

func TestPasswordFallbackIsRateLimitedAsPassword(t *testing.T) {
	t.Parallel()
	s := trustedProxySettings(t)
	s.LocalAddrs = addrs("192.168.1.10")
	s.RateLimit = RateLimitSettings{MaxAttempts: 2, Window: time.Minute, Lockout: time.Minute}
	lim := s.RateLimit.NewLimiter()
	a := New(s, lim, newClock().Now)
	for range 2 {
		if _, err := a.Authenticate(request("192.168.1.10:1", bearer("guess")...)); err == nil || err.Status != 401 {
			t.Fatalf("want 401, got %+v", err)
		}
	}
	if _, locked := lim.Locked(Key{Addr: netip.MustParseAddr("192.168.1.10"), Class: ClassPassword}, t0); !locked {
		t.Fatal("fallback failures should lock the password class")
	}
	if _, err := a.Authenticate(request("192.168.1.10:1", bearer(testPassword)...)); err == nil || err.Status != 429 {
		t.Fatalf("want 429, got %+v", err)
	}
}

func TestAuthenticatorsShareALimiterAcrossReload(t *testing.T) {
	t.Parallel()
	s := tokenSettings()
	s.RateLimit = RateLimitSettings{MaxAttempts: 2, Window: time.Minute, Lockout: time.Minute}
	lim := s.RateLimit.NewLimiter()
	clk := newClock()
	a := New(s, lim, clk.Now)
	_, _ = a.Authenticate(request("198.51.100.7:1", bearer("wrong")...))
	// Reload: limits raised, a new Authenticator, the same limiter.
	lim.SetLimits(5, time.Minute, time.Minute)
	b := New(s, lim, clk.Now)
	for range 3 {
		if _, err := b.Authenticate(request("198.51.100.7:1", bearer("wrong")...)); err == nil || err.Status != 401 {
			t.Fatalf("want 401, got %+v", err)
		}
	}
	if _, err := b.Authenticate(request("198.51.100.7:1", bearer("wrong")...)); err == nil || err.Status != 401 || !strings.Contains(err.Hint, "locked out") {
		t.Fatalf("the fifth failure across the reload should start the lockout: %+v", err)
	}
	if _, err := b.Authenticate(request("198.51.100.7:1", bearer(testToken)...)); err == nil || err.Status != 429 {
		t.Fatalf("want 429, got %+v", err)
	}
}

func TestClientExposesAttribution(t *testing.T) {
	t.Parallel()
	s := tokenSettings()
	s.TrustedProxies = prefixes(t, "127.0.0.1")
	a := New(s, nil, nil)
	c, err := a.Client(request("127.0.0.1:1", "X-Forwarded-For", "198.51.100.7"))
	if err != nil || c != netip.MustParseAddr("198.51.100.7") {
		t.Fatalf("Client = %v, %v", c, err)
	}
	b := New(tokenSettings(), nil, nil)
	if _, err := b.Client(request("127.0.0.1:1", "X-Forwarded-For", "198.51.100.7")); err == nil || err.Code != "proxy_attribution_required" {
		t.Fatalf("want proxy_attribution_required, got %v", err)
	}
}

func TestNonIPPeer(t *testing.T) {
	t.Parallel()
	a := New(tokenSettings(), NewMemoryLimiter(1, time.Minute, time.Minute), nil)
	p, err := a.Authenticate(request("@", bearer(testToken)...))
	if err != nil || p.Client.IsValid() {
		t.Fatalf("a non-IP peer with the right token is accepted with no client address: %+v %v", p, err)
	}
	tp := New(trustedProxySettings(t), nil, nil)
	if _, err := tp.Authenticate(request("", "X-Forwarded-User", "alice")); err == nil || err.Code != "trusted_proxy_untrusted_source" {
		t.Fatalf("a non-IP peer is never a trusted proxy: %v", err)
	}
}

func TestSettingsFromConfig(t *testing.T) {
	t.Parallel()
	no := false
	g := &config.Gateway{
		TrustedProxies: []string{"10.0.0.1", "172.17.0.0/16", "2001:db8::/32", "::ffff:10.1.0.0/112"},
		Auth: config.Auth{
			Mode:         "trusted-proxy",
			Password:     "pw",
			RateLimit:    config.RateLimit{MaxAttempts: 4, WindowMs: 1000, ExemptLoopback: &no},
			TrustedProxy: config.TrustedProxy{UserHeader: "x-forwarded-user"},
		},
	}
	s, err := SettingsFromConfig(g)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.1/32", "172.17.0.0/16", "2001:db8::/32", "10.1.0.0/16"}
	var got []string
	for _, p := range s.TrustedProxies {
		got = append(got, p.String())
	}
	if !slices.Equal(got, want) {
		t.Errorf("trustedProxies %v; want %v", got, want)
	}
	if s.RateLimit != (RateLimitSettings{MaxAttempts: 4, Window: time.Second, Lockout: DefaultLockout, ExemptLoopback: false}) {
		t.Errorf("rate limit %+v", s.RateLimit)
	}
	if err := s.CheckStartup(true); err != nil {
		t.Errorf("a complete trusted-proxy config passes: %v", err)
	}

	cases := []struct {
		name string
		g    config.Gateway
		mode string
		keys []string
	}{
		{"an empty mode means token", config.Gateway{}, ModeToken, nil},
		{"an empty mode with only a password means password", config.Gateway{Auth: config.Auth{Password: "pw"}}, ModePassword, nil},
		{"defaults: exemptLoopback is true unless set", config.Gateway{}, ModeToken, nil},
		{"a bad trustedProxies entry names its index", config.Gateway{TrustedProxies: []string{"10.0.0.1", "proxy.local", "10.0.0.0/33"}},
			ModeToken, []string{"gateway.trustedProxies[1]", "gateway.trustedProxies[2]"}},
		{"an unknown mode is refused", config.Gateway{Auth: config.Auth{Mode: "oauth"}}, "", []string{"gateway.auth.mode"}},
		{"an unknown scope in identityScopes is refused", config.Gateway{Auth: config.Auth{IdentityScopes: map[string][]string{"a@b.c": {"operator.root"}}}},
			ModeToken, []string{`gateway.auth.identityScopes["a@b.c"][0]`}},
		{"an invalid header name is refused", config.Gateway{Auth: config.Auth{TrustedProxy: config.TrustedProxy{UserHeader: "x user", RequiredHeaders: []string{"ok", "bad:"}}}},
			ModeToken, []string{"gateway.auth.trustedProxy.userHeader", "gateway.auth.trustedProxy.requiredHeaders[1]"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := SettingsFromConfig(&tc.g)
			if s.Mode != tc.mode {
				t.Errorf("mode %q; want %q", s.Mode, tc.mode)
			}
			if tc.keys == nil {
				if err != nil {
					t.Fatal(err)
				}
				if s.RateLimit != (RateLimitSettings{DefaultMaxAttempts, DefaultWindow, DefaultLockout, true}) {
					t.Errorf("default rate limit %+v", s.RateLimit)
				}
				return
			}
			assertProblemKeys(t, err, tc.keys)
		})
	}
}

func assertProblemKeys(t *testing.T, err error, keys []string) {
	t.Helper()
	var ps Problems
	if err != nil {
		ps = err.(Problems)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.Key)
		if !strings.Contains(err.Error(), p.Key+": ") {
			t.Errorf("error text does not name %s: %s", p.Key, err)
		}
	}
	if !slices.Equal(got, keys) {
		t.Errorf("problems %v; want %v\n%v", got, keys, err)
	}
}

func TestCheckStartup(t *testing.T) {
	t.Parallel()
	tp := func(f func(*Settings)) Settings {
		s := Settings{Mode: ModeTrustedProxy, TrustedProxies: prefixes(t, "10.0.0.1"), TrustedProxy: TrustedProxySettings{UserHeader: "x-forwarded-user"}}
		if f != nil {
			f(&s)
		}
		return s
	}
	cases := []struct {
		name        string
		s           Settings
		nonLoopback bool
		keys        []string
		mention     string
	}{
		{"mode none on loopback starts", Settings{Mode: ModeNone}, false, nil, ""},
		{"mode none on a non-loopback bind is refused", Settings{Mode: ModeNone}, true, []string{"gateway.auth.mode"}, `gateway.bind to "loopback"`},
		{"token mode without a token on a non-loopback bind is refused", Settings{Mode: ModeToken}, true, []string{"gateway.auth.token"}, "OPENCLAW_GATEWAY_TOKEN"},
		{"token mode without a token on loopback starts (a token is generated on first run)", Settings{Mode: ModeToken}, false, nil, ""},
		{"token mode with a token on a non-loopback bind starts", Settings{Mode: ModeToken, Token: "t"}, true, nil, ""},
		{"password mode without a password on a non-loopback bind is refused", Settings{Mode: ModePassword, Token: "t"}, true, []string{"gateway.auth.password"}, "OPENCLAW_GATEWAY_PASSWORD"},
		{"a complete trusted-proxy config starts", tp(nil), true, nil, ""},
		{"trusted-proxy with a token is refused (mutually exclusive)", tp(func(s *Settings) { s.Token = "t" }), false, []string{"gateway.auth.token"}, "mutually exclusive"},
		{"trusted-proxy with empty trustedProxies is refused", tp(func(s *Settings) { s.TrustedProxies = nil }), false, []string{"gateway.trustedProxies"}, "add its IP"},
		{"trusted-proxy without userHeader is refused", tp(func(s *Settings) { s.TrustedProxy.UserHeader = "" }), false, []string{"gateway.auth.trustedProxy.userHeader"}, "x-forwarded-user"},
		{"every trusted-proxy problem is reported at once", tp(func(s *Settings) {
			s.Token = "t"
			s.TrustedProxies = nil
			s.TrustedProxy.UserHeader = ""
		}), true, []string{"gateway.auth.token", "gateway.trustedProxies", "gateway.auth.trustedProxy.userHeader"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.s.CheckStartup(tc.nonLoopback)
			if tc.keys == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			assertProblemKeys(t, err, tc.keys)
			if err != nil && !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("error %q does not mention %q", err, tc.mention)
			}
		})
	}
}

func TestSettingsDoNotPrintSecrets(t *testing.T) {
	t.Parallel()
	s := tokenSettings()
	for _, out := range []string{fmt.Sprintf("%v", s), fmt.Sprintf("%+v", s)} {
		if strings.Contains(out, testToken) || strings.Contains(out, testPassword) {
			t.Fatalf("secret printed: %s", out)
		}
	}
}
