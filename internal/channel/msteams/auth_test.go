package msteams

import (
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/openclaw/openclaw-go/internal/channel/msteams/mstest"
)

// TestInboundJWT is spec "validating the JWT" as a table: what is accepted,
// and every rejection with its reason code.
func TestInboundJWT(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	ms := h.ms
	su := ms.ServiceURL()
	now := time.Now()

	otherKey := mstest.GenerateKey(t)
	skypeKey := mstest.GenerateKey(t)
	ms.PublishKey("skype-only", &skypeKey.PublicKey, []string{"skype"})
	bareKey := mstest.GenerateKey(t)
	ms.PublishKey("no-endorsements", &bareKey.PublicKey, nil)
	tenantKey := mstest.GenerateKey(t)
	ms.PublishTenantKey("tenant-key", &tenantKey.PublicKey)

	pubDER, err := x509.MarshalPKIXPublicKey(&ms.Key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})

	with := func(f func(jwt.MapClaims)) jwt.MapClaims {
		c := ms.Claims(su)
		f(c)
		return c
	}
	sign := func(c jwt.MapClaims) string { return "Bearer " + ms.Sign(t, c) }

	cases := []struct {
		name   string
		auth   string
		reason string // "" means accepted
	}{
		{"a valid Bot Framework channel token is accepted", sign(ms.Claims(su)), ""},
		{"RS384 is accepted", "Bearer " + mstest.SignWith(t, ms.Key, mstest.DefaultKID, jwt.SigningMethodRS384, ms.Claims(su)), ""},
		{"a token without serviceurl claim is accepted", sign(with(func(c jwt.MapClaims) { delete(c, "serviceurl") })), ""},
		{"expired within the 5 minute skew is accepted", sign(with(func(c jwt.MapClaims) { c["exp"] = now.Add(-4 * time.Minute).Unix() })), ""},
		{"nbf within the 5 minute skew is accepted", sign(with(func(c jwt.MapClaims) { c["nbf"] = now.Add(4 * time.Minute).Unix() })), ""},
		{"an Entra token of the configured tenant with api:// audience is accepted",
			"Bearer " + mstest.SignWith(t, tenantKey, "tenant-key", jwt.SigningMethodRS256, with(func(c jwt.MapClaims) {
				c["iss"] = "https://login.microsoftonline.com/" + ms.TenantID + "/v2.0"
				c["aud"] = "api://" + ms.AppID
			})), ""},

		{"no Authorization header is rejected", "", ReasonMissingAuthorization},
		{"a non-Bearer scheme is rejected", "Basic dXNlcjpwYXNz", ReasonUnsupportedScheme},
		{"an opaque bearer is not a JWT", "Bearer sk-openclaw-gateway-token-0123456789", ReasonNotAJWT},
		{"a malformed JWT is rejected", "Bearer eyJhbGciOi.eyJpc3Mi.c2ln", ReasonMalformedJWT},
		{"alg none is rejected", "Bearer " + mstest.SignWith(t, jwt.UnsafeAllowNoneSignatureType, mstest.DefaultKID, jwt.SigningMethodNone, ms.Claims(su)), ReasonUnsupportedAlg},
		{"HS256 keyed with the public key bytes is rejected", "Bearer " + mstest.SignWith(t, pubPEM, mstest.DefaultKID, jwt.SigningMethodHS256, ms.Claims(su)), ReasonUnsupportedAlg},
		{"an unknown kid is rejected", "Bearer " + mstest.SignWith(t, otherKey, "never-published", jwt.SigningMethodRS256, ms.Claims(su)), ReasonUnknownKID},
		{"a key endorsed only for skype is rejected", "Bearer " + mstest.SignWith(t, skypeKey, "skype-only", jwt.SigningMethodRS256, ms.Claims(su)), ReasonNotEndorsed},
		{"a Bot Framework key without endorsements is rejected", "Bearer " + mstest.SignWith(t, bareKey, "no-endorsements", jwt.SigningMethodRS256, ms.Claims(su)), ReasonNotEndorsed},
		{"a signature by another key under a known kid is rejected", "Bearer " + mstest.SignWith(t, otherKey, mstest.DefaultKID, jwt.SigningMethodRS256, ms.Claims(su)), ReasonBadSignature},
		{"a wrong issuer is rejected", sign(with(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" })), ReasonBadIssuer},
		{"another tenant's issuer is rejected", sign(with(func(c jwt.MapClaims) { c["iss"] = "https://sts.windows.net/99999999-0000-0000-0000-000000000000/" })), ReasonBadIssuer},
		{"a wrong audience is rejected", sign(with(func(c jwt.MapClaims) { c["aud"] = "someone-else" })), ReasonBadAudience},
		{"expired beyond the skew is rejected", sign(with(func(c jwt.MapClaims) { c["exp"] = now.Add(-6 * time.Minute).Unix() })), ReasonExpired},
		{"nbf beyond the skew is rejected", sign(with(func(c jwt.MapClaims) { c["nbf"] = now.Add(6 * time.Minute).Unix() })), ReasonNotYetValid},
		{"a token without exp is rejected", sign(with(func(c jwt.MapClaims) { delete(c, "exp") })), ReasonMissingClaim},
		{"a serviceurl claim different from the activity's is rejected", sign(with(func(c jwt.MapClaims) { c["serviceurl"] = "https://smba.evil.example/" })), ReasonServiceURLMismatch},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			act := map[string]any{
				"type": "conversationUpdate", "id": "cu-1", "serviceUrl": su, "channelId": "msteams",
				"from": mstest.User("aad-alice"), "recipient": mstest.Account{ID: ms.BotID()},
				"conversation": map[string]any{"id": "a:conv-1", "conversationType": "personal"},
			}
			resp := mstest.PostActivity(t, h.url, tc.auth, act)
			if got := resp.Header.Get("X-OpenClaw-Surface"); got != Surface {
				t.Errorf("X-OpenClaw-Surface = %q", got)
			}
			if resp.Header.Get("X-OpenClaw-Version") == "" {
				t.Error("no X-OpenClaw-Version")
			}
			if tc.reason == "" {
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status %d, want 200: %s", resp.StatusCode, readBody(resp))
				}
				return
			}
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401: %s", resp.StatusCode, readBody(resp))
			}
			e, raw := decodeErr(t, resp)
			if e.Error.Code != tc.reason {
				t.Errorf("code = %q, want %q (%s)", e.Error.Code, tc.reason, raw)
			}
			if e.Error.Message == "" || e.Error.Hint == "" {
				t.Errorf("message and hint must be set: %s", raw)
			}
			if tok, ok := strings.CutPrefix(tc.auth, "Bearer "); ok && len(tok) > 8 && strings.Contains(raw, tok) {
				t.Errorf("the token is echoed: %s", raw)
			}
			if tc.reason == ReasonNotAJWT && (!strings.Contains(raw, "http://127.0.0.1:18789/v1") || !strings.Contains(e.Error.Hint, "not a JWT")) {
				t.Errorf("an opaque bearer must get the misroute hint: %s", raw)
			}
		})
	}
	if st := h.ch.Status(); st.LastActivityAt == nil || st.Counters.Rejected == 0 {
		t.Errorf("status does not reflect the traffic: %+v", st)
	}
}

// TestUnknownKIDRefreshIsRateLimited: an unknown kid triggers one key refresh;
// another unknown kid within 5 minutes does not; after 5 minutes a rotated
// key is found.
func TestUnknownKIDRefreshIsRateLimited(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	ms := h.ms
	su := ms.ServiceURL()
	act := ms.DM("m-1", mstest.User("aad-nobody"), "hi")

	post := func(key any, kid string) (int, string) {
		resp := mstest.PostActivity(t, h.url, "Bearer "+mstest.SignWith(t, key, kid, jwt.SigningMethodRS256, ms.Claims(su)), act)
		if resp.StatusCode == http.StatusOK {
			return 200, ""
		}
		e, _ := decodeErr(t, resp)
		return resp.StatusCode, e.Error.Code
	}
	// Load the keys with a valid token first.
	if code, reason := post(ms.Key, mstest.DefaultKID); code != 200 {
		t.Fatalf("valid token: %d %s", code, reason)
	}
	base := ms.JWKSFetches()

	rotated := mstest.GenerateKey(t)
	if _, reason := post(rotated, "rotated-1"); reason != ReasonUnknownKID {
		t.Fatalf("reason %q", reason)
	}
	afterFirst := ms.JWKSFetches()
	if afterFirst == base {
		t.Fatal("an unknown kid did not refresh the keys")
	}
	ms.PublishKey("rotated-1", &rotated.PublicKey, []string{"msteams"})
	h.clock.Advance(4 * time.Minute)
	if _, reason := post(rotated, "rotated-1"); reason != ReasonUnknownKID {
		t.Fatalf("within 5 minutes the key must still be unknown, got %q", reason)
	}
	if got := ms.JWKSFetches(); got != afterFirst {
		t.Fatalf("a second unknown kid within 5 minutes refetched the JWKS (%d → %d)", afterFirst, got)
	}
	h.clock.Advance(2 * time.Minute)
	if code, reason := post(rotated, "rotated-1"); code != 200 {
		t.Fatalf("after 5 minutes the rotated key must be fetched: %d %s", code, reason)
	}
}

func TestLooksLikeJWT(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"a.b.c":                   true,
		"eyJh.eyJp.":              true, // unsigned shape still looks like a JWT
		"sk-abc":                  false,
		"a.b":                     false,
		"a.b.c.d":                 false,
		"a b.c.d":                 false,
		"..":                      false,
		"opaque.token.with space": false,
	} {
		if got := looksLikeJWT(s); got != want {
			t.Errorf("looksLikeJWT(%q) = %v", s, got)
		}
	}
}
