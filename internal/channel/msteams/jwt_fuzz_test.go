package msteams

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/openclaw/openclaw-go/internal/channel/msteams/mstest"
)

// FuzzInboundJWT drives the webhook's token path (bearer, activity parse,
// validate) with arbitrary Authorization values and bodies. It must never
// panic, and it must never accept a token other than one we signed: the
// seeds include valid tokens, and any accepted input must carry exactly the
// signed header.payload of a seed with a signature that decodes to the same
// bytes (so no mutation of claims, header or signature gets through).
func FuzzInboundJWT(f *testing.F) {
	key := mstest.GenerateKey(f)
	other := mstest.GenerateKey(f)
	now := time.Now()
	const appID, tenant, su = "app-fuzz", "tenant-fuzz", "https://smba.example/amer/"
	claims := jwt.MapClaims{"iss": botFrameworkIssuer, "aud": appID, "exp": now.Add(time.Hour).Unix(),
		"nbf": now.Add(-time.Minute).Unix(), "serviceurl": su}
	signed := map[string][]byte{} // header.payload -> signature bytes
	sign := func(k *rsa.PrivateKey, kid string, m jwt.SigningMethod, c jwt.MapClaims) string {
		s := mstest.SignWith(f, k, kid, m, c)
		if k == key && kid == "k1" {
			i := strings.LastIndexByte(s, '.')
			sig, _ := base64.RawURLEncoding.DecodeString(s[i+1:])
			signed[s[:i]] = sig
		}
		return s
	}
	act := `{"type":"message","id":"a1","channelId":"msteams","serviceUrl":"` + su + `","from":{"id":"29:x","aadObjectId":"u"},"conversation":{"id":"c1"},"recipient":{"id":"28:` + appID + `"},"text":"hi"}`
	f.Add("Bearer "+sign(key, "k1", jwt.SigningMethodRS256, claims), act)
	f.Add("Bearer "+sign(key, "k1", jwt.SigningMethodRS512, claims), act)
	f.Add("Bearer "+sign(other, "k1", jwt.SigningMethodRS256, claims), act)
	f.Add("Bearer "+sign(key, "k2", jwt.SigningMethodRS256, claims), act)
	f.Add("Bearer "+mstest.SignWith(f, []byte("k"), "k1", jwt.SigningMethodHS256, claims), act)
	f.Add("Bearer eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.", `{"type":"message"}`)
	f.Add("bearer  eyJ.eyJ.x", "{}")
	f.Add("", "")

	ks := &keySource{name: "botframework", now: time.Now, loadedAt: now, lastForced: now,
		keys: map[string]*signingKey{"k1": {kid: "k1", pub: &key.PublicKey, endorsements: []string{"msteams"}, source: "botframework"}}}
	v := newValidator(appID, tenant, &keyring{sources: []*keySource{ks}}, time.Now)

	f.Fuzz(func(t *testing.T, authorization, body string) {
		_ = looksLikeOpenAI([]byte(body))
		token, hdr, aerr := bearer(authorization)
		if aerr != nil {
			if aerr.Reason == "" || strings.Contains(aerr.Message, token) && token != "" {
				t.Fatalf("bad rejection %+v", aerr)
			}
			return
		}
		a, err := ParseActivity([]byte(body))
		if err != nil {
			return
		}
		c, verr := v.validate(context.Background(), token, hdr, a.ChannelID, a.ServiceURL)
		if verr != nil {
			if verr.Reason == "" {
				t.Fatalf("rejection without a reason: %+v", verr)
			}
			return
		}
		i := strings.LastIndexByte(token, '.')
		want, ok := signed[token[:i]]
		sig, derr := base64.RawURLEncoding.DecodeString(strings.TrimRight(token[i+1:], "="))
		if !ok || derr != nil || string(sig) != string(want) {
			t.Fatalf("accepted a token we did not sign: %q (claims %+v)", token, c)
		}
		if !strings.EqualFold(a.ChannelID, "msteams") || (c.ServiceURL != "" && !sameServiceURL(c.ServiceURL, a.ServiceURL)) {
			t.Fatalf("accepted for channel %q / serviceUrl %q", a.ChannelID, a.ServiceURL)
		}
	})
}
