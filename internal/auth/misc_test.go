package auth

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestParseBearer(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, h, token string
		ok             bool
	}{
		{"a bearer token is returned", "Bearer abc", "abc", true},
		{"the scheme is case-insensitive", "bEaReR abc", "abc", true},
		{"surrounding blanks and tabs are trimmed", " \tBearer \t abc \t", "abc", true},
		{"the scheme alone has an empty token", "Bearer", "", true},
		{"the scheme with blanks has an empty token", "Bearer    ", "", true},
		{"an empty header is not Bearer", "", "", false},
		{"Basic is not Bearer", "Basic abc", "", false},
		{"a word that starts with Bearer is another scheme", "Bearerabc", "", false},
		{"a bare secret is not Bearer", "abc", "", false},
		{"inner spaces are kept (and will not match)", "Bearer a b", "a b", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tok, ok := ParseBearer(tc.h)
			if tok != tc.token || ok != tc.ok {
				t.Errorf("ParseBearer(%q) = %q, %v; want %q, %v", tc.h, tok, ok, tc.token, tc.ok)
			}
		})
	}
}

func TestSecretEqual(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, a, b string
		want       bool
	}{
		{"equal secrets match", "abc", "abc", true},
		{"an empty configured secret never matches", "", "", false},
		{"different lengths do not match", "abc", "abcd", false},
		{"one differing byte does not match", "abd", "abc", false},
	}
	for _, tc := range cases {
		if got := secretEqual(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: secretEqual(%q, %q) = %v", tc.name, tc.a, tc.b, got)
		}
	}
}

func TestLooksLikeJWT(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig": true,
		"eyJhbGciOiJIUzI1NiJ9.payload":             false,
		"abc.def.ghi":                              false,
		testToken:                                  false,
	} {
		if got := looksLikeJWT(s); got != want {
			t.Errorf("looksLikeJWT(%q) = %v", s, got)
		}
	}
}

func TestScopes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		scopes Scopes
		has    map[string]bool
	}{
		{"admin includes write and read", fullScopes, map[string]bool{ScopeRead: true, ScopeWrite: true, ScopeAdmin: true}},
		{"the identity default is read and write without admin", defaultIdentityScopes, map[string]bool{ScopeRead: true, ScopeWrite: true, ScopeAdmin: false}},
		{"a header naming write caps at write and read", fullScopes & parseScopeHeader([]string{"operator.write"}), map[string]bool{ScopeRead: true, ScopeWrite: true, ScopeAdmin: false}},
		{"a header naming read caps at read", fullScopes & parseScopeHeader([]string{" operator.read , bogus"}), map[string]bool{ScopeRead: true, ScopeWrite: false, ScopeAdmin: false}},
		{"an empty header removes every scope", fullScopes & parseScopeHeader([]string{""}), map[string]bool{ScopeRead: false, ScopeWrite: false, ScopeAdmin: false}},
		{"several header lines combine", defaultIdentityScopes & parseScopeHeader([]string{"operator.read", "operator.write"}), map[string]bool{ScopeRead: true, ScopeWrite: true}},
		{"unknown scope names are never held", fullScopes, map[string]bool{"operator.root": false, "": false}},
	}
	for _, tc := range cases {
		for name, want := range tc.has {
			p := Principal{scopes: tc.scopes}
			if p.HasScope(name) != want {
				t.Errorf("%s: HasScope(%q) = %v", tc.name, name, !want)
			}
		}
	}
}

func TestPrincipalContext(t *testing.T) {
	t.Parallel()
	if _, ok := PrincipalFrom(context.Background()); ok {
		t.Fatal("an empty context has no principal")
	}
	p := Principal{Kind: Identity, User: "alice", Client: netip.MustParseAddr("198.51.100.1"), scopes: scopeRead}
	got, ok := PrincipalFrom(WithPrincipal(context.Background(), p))
	if !ok || got != p {
		t.Fatalf("PrincipalFrom = %+v, %v", got, ok)
	}
	if !got.IdentityBearing() || got.Kind.String() != "identity" {
		t.Errorf("kind %v", got.Kind)
	}
}

func TestScopeError(t *testing.T) {
	t.Parallel()
	e := ScopeError(ScopeAdmin)
	if e.Status != 403 || e.Code != "missing_scope" || e.Message != "missing scope: operator.admin" || e.Type != "permission_error" {
		t.Fatalf("%+v", e)
	}
	if !strings.Contains(e.Hint, "gateway.auth.identityScopes") {
		t.Errorf("hint %q", e.Hint)
	}
}

func TestMemoryLimiter(t *testing.T) {
	t.Parallel()
	k := func(s string) Key { return Key{Addr: netip.MustParseAddr(s), Class: ClassToken} }

	t.Run("an unknown key is not locked and Reset is harmless", func(t *testing.T) {
		l := NewMemoryLimiter(2, time.Minute, time.Minute)
		if _, locked := l.Locked(k("192.0.2.1"), t0); locked {
			t.Fatal("locked")
		}
		l.Reset(k("192.0.2.1"))
	})
	t.Run("the maxAttempts-th failure starts the lockout and reports it", func(t *testing.T) {
		l := NewMemoryLimiter(2, time.Minute, time.Minute)
		if d, locked := l.Fail(k("192.0.2.1"), t0); locked || d != 0 {
			t.Fatal("first failure locked")
		}
		if d, locked := l.Fail(k("192.0.2.1"), t0.Add(time.Second)); !locked || d != time.Minute {
			t.Fatalf("second failure: %v %v", d, locked)
		}
		if d, locked := l.Locked(k("192.0.2.1"), t0.Add(31*time.Second)); !locked || d != 30*time.Second {
			t.Fatalf("Locked: %v %v", d, locked)
		}
		if _, locked := l.Locked(k("192.0.2.1"), t0.Add(61*time.Second)); locked {
			t.Fatal("still locked after the lockout")
		}
		if l.Len() != 0 {
			t.Fatalf("an expired lockout is forgotten, Len = %d", l.Len())
		}
	})
	t.Run("classes are counted separately", func(t *testing.T) {
		l := NewMemoryLimiter(1, time.Minute, time.Minute)
		l.Fail(k("192.0.2.1"), t0)
		if _, locked := l.Locked(Key{Addr: netip.MustParseAddr("192.0.2.1"), Class: ClassPassword}, t0); locked {
			t.Fatal("password class locked by token failures")
		}
	})
	t.Run("memory is bounded and running lockouts are evicted last", func(t *testing.T) {
		l := NewMemoryLimiter(1, time.Minute, time.Hour)
		l.maxEntries = 4
		locked := k("192.0.2.200")
		l.Fail(locked, t0)
		for i := range 20 {
			l.SetLimits(100, time.Minute, time.Hour) // later keys only count
			l.Fail(Key{Addr: netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}), Class: ClassToken}, t0.Add(time.Second))
		}
		if l.Len() > 4 {
			t.Fatalf("Len = %d, cap 4", l.Len())
		}
		if _, isLocked := l.Locked(locked, t0.Add(2*time.Second)); !isLocked {
			t.Fatal("a running lockout was evicted before counting-only entries")
		}
	})
	t.Run("expired entries are swept", func(t *testing.T) {
		l := NewMemoryLimiter(5, time.Minute, time.Minute)
		for i := range 10 {
			l.Fail(Key{Addr: netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}), Class: ClassToken}, t0)
		}
		l.Fail(k("192.0.2.1"), t0.Add(2*time.Minute))
		if l.Len() != 1 {
			t.Fatalf("Len = %d after the window passed; want 1", l.Len())
		}
	})
	t.Run("Key renders for string stores", func(t *testing.T) {
		if got := k("192.0.2.1").String(); got != "token|192.0.2.1" {
			t.Fatal(got)
		}
	})
}

func TestInterfaceAddrsExcludesLoopback(t *testing.T) {
	t.Parallel()
	for _, a := range InterfaceAddrs() {
		if a.IsLoopback() || a.Is4In6() || a.Zone() != "" {
			t.Errorf("InterfaceAddrs returned %v", a)
		}
	}
}

func TestSuccessPathDoesNotAllocate(t *testing.T) {
	s := tokenSettings()
	s.TrustedProxies = prefixes(t, "10.0.0.0/8")
	lim := NewMemoryLimiter(10, time.Minute, time.Minute)
	// A failure from another client, so the limiter is not empty.
	lim.Fail(Key{Addr: netip.MustParseAddr("192.0.2.99"), Class: ClassToken}, time.Now())
	a := New(s, lim, nil)
	for _, r := range []struct{ name, remote, xff string }{
		{"direct client", "203.0.113.5:4000", ""},
		{"IPv6 client", "[2001:db8::1]:4000", ""},
		{"behind a trusted proxy", "10.0.0.1:4000", "198.51.100.1, 10.0.0.2"},
	} {
		hdr := bearer(testToken)
		if r.xff != "" {
			hdr = append(hdr, "X-Forwarded-For", r.xff)
		}
		req := request(r.remote, hdr...)
		n := testing.AllocsPerRun(100, func() {
			if _, err := a.Authenticate(req); err != nil {
				t.Fatal(err)
			}
		})
		if n != 0 {
			t.Errorf("%s: %v allocs per authenticated request; want 0", r.name, n)
		}
	}
}
