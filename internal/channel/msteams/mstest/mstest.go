// Package mstest is a local stand-in for the Microsoft services the Teams
// channel talks to: the Bot Framework OpenID metadata and JWKS (with
// endorsements), a tenant (Entra ID) metadata document, the client-credentials
// token endpoint and the Bot Connector REST API. Everything runs on one
// httptest server with locally generated RSA keys, so tests never reach
// Microsoft. It is for tests only.
package mstest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Issuer is the issuer of Bot Framework channel tokens.
const Issuer = "https://api.botframework.com"

// DefaultKID is the key id of the key Sign uses.
const DefaultKID = "mstest-key-1"

// Post is one request the fake connector received.
type Post struct {
	Path          string
	Authorization string
	Body          []byte
	// Activity is Body decoded.
	Activity map[string]any
	// Status is what the connector answered.
	Status int
}

// Type returns the posted activity's type ("message", "typing").
func (p Post) Type() string { s, _ := p.Activity["type"].(string); return s }

// Text returns the posted activity's text.
func (p Post) Text() string { s, _ := p.Activity["text"].(string); return s }

// Response is a scripted connector answer.
type Response struct {
	Status     int
	RetryAfter string // Retry-After header value, if any
}

type publishedKey struct {
	kid          string
	pub          *rsa.PublicKey
	endorsements []string
}

// Microsoft is the fake. Create it with New; the test's cleanup closes it.
type Microsoft struct {
	Server      *httptest.Server
	AppID       string
	AppPassword string
	TenantID    string
	// Key signs tokens made by Sign (kid DefaultKID, endorsed for msteams).
	Key *rsa.PrivateKey

	mu            sync.Mutex
	keys          []publishedKey
	tenantKeys    []publishedKey
	jwksFetches   int
	tokenRequests int
	tokenTTL      time.Duration
	tokenDelay    time.Duration
	tokens        map[string]bool // issued and still accepted
	tokenSeq      int
	posts         []Post
	script        []Response
	postNotify    chan struct{}
}

// New starts the fake Microsoft. Keys are 2048-bit RSA.
func New(t testing.TB) *Microsoft {
	t.Helper()
	m := &Microsoft{
		AppID:       "00000000-0000-0000-0000-00000000a99d",
		AppPassword: "mstest-client-secret",
		TenantID:    "11111111-2222-3333-4444-555555555555",
		tokenTTL:    time.Hour,
		tokens:      map[string]bool{},
		postNotify:  make(chan struct{}, 1),
	}
	m.Key = GenerateKey(t)
	m.keys = []publishedKey{{kid: DefaultKID, pub: &m.Key.PublicKey, endorsements: []string{"msteams", "skype"}}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /botframework/v1/.well-known/openidconfiguration", m.metadata("/botframework/v1/.well-known/keys", Issuer))
	mux.HandleFunc("GET /botframework/v1/.well-known/keys", m.jwks(false))
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		t := r.PathValue("tenant")
		m.metadata("/"+t+"/discovery/v2.0/keys", "https://login.microsoftonline.com/"+t+"/v2.0")(w, r)
	})
	mux.HandleFunc("GET /{tenant}/discovery/v2.0/keys", m.jwks(true))
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", m.token)
	mux.HandleFunc("POST /connector/v3/conversations/{rest...}", m.connector)
	m.Server = httptest.NewServer(mux)
	t.Cleanup(m.Server.Close)
	return m
}

// GenerateKey returns a fresh 2048-bit RSA key.
func GenerateKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// OpenIDMetadataURL is the Bot Framework metadata URL
// (channels.msteams.microsoft.openIdMetadataUrl).
func (m *Microsoft) OpenIDMetadataURL() string {
	return m.Server.URL + "/botframework/v1/.well-known/openidconfiguration"
}

// TenantOpenIDMetadataURL is the tenant metadata URL template
// (channels.msteams.microsoft.tenantOpenIdMetadataUrl).
func (m *Microsoft) TenantOpenIDMetadataURL() string {
	return m.Server.URL + "/{tenantId}/v2.0/.well-known/openid-configuration"
}

// TokenURL is the token endpoint template (channels.msteams.microsoft.tokenUrl).
func (m *Microsoft) TokenURL() string { return m.Server.URL + "/{tenantId}/oauth2/v2.0/token" }

// ServiceURL is the serviceUrl that activities from this fake carry.
func (m *Microsoft) ServiceURL() string { return m.Server.URL + "/connector/" }

// BotID is the bot's channel account id ("28:<appId>").
func (m *Microsoft) BotID() string { return "28:" + m.AppID }

// PublishKey adds key to the Bot Framework JWKS under kid with the given
// endorsements (nil: none).
func (m *Microsoft) PublishKey(kid string, key *rsa.PublicKey, endorsements []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keys = append(m.keys, publishedKey{kid: kid, pub: key, endorsements: endorsements})
}

// PublishTenantKey adds key to the tenant JWKS (no endorsements, as Entra ID).
func (m *Microsoft) PublishTenantKey(kid string, key *rsa.PublicKey) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tenantKeys = append(m.tenantKeys, publishedKey{kid: kid, pub: key})
}

// JWKSFetches counts GETs of either JWKS.
func (m *Microsoft) JWKSFetches() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.jwksFetches
}

// TokenRequests counts successful and failed token endpoint calls.
func (m *Microsoft) TokenRequests() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tokenRequests
}

// SetTokenTTL sets expires_in for tokens issued from now on.
func (m *Microsoft) SetTokenTTL(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tokenTTL = d
}

// SetTokenDelay makes the token endpoint wait before answering.
func (m *Microsoft) SetTokenDelay(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tokenDelay = d
}

// RevokeTokens makes the connector answer 401 to every token issued so far.
func (m *Microsoft) RevokeTokens() {
	m.mu.Lock()
	defer m.mu.Unlock()
	clear(m.tokens)
}

// Script queues answers for the next connector POSTs of message activities
// (typing indicators are always accepted); when the queue is empty the
// connector answers 200.
func (m *Microsoft) Script(rs ...Response) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.script = append(m.script, rs...)
}

// Posts returns every connector POST so far.
func (m *Microsoft) Posts() []Post {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Post(nil), m.posts...)
}

// Messages returns the connector POSTs of type "message" that were accepted
// (2xx).
func (m *Microsoft) Messages() []Post {
	var out []Post
	for _, p := range m.Posts() {
		if p.Type() == "message" && p.Status < 300 {
			out = append(out, p)
		}
	}
	return out
}

// WaitMessages waits until at least n accepted message POSTs arrived and
// returns them; it fails the test after timeout.
func (m *Microsoft) WaitMessages(t testing.TB, n int, timeout time.Duration) []Post {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		if got := m.Messages(); len(got) >= n {
			return got
		}
		select {
		case <-m.postNotify:
		case <-deadline.C:
			t.Fatalf("waited %s for %d connector messages, have %d: %v", timeout, n, len(m.Messages()), m.Posts())
			return nil
		}
	}
}

func (m *Microsoft) metadata(jwksPath, issuer string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{
			"issuer":                                issuer,
			"authorization_endpoint":                m.Server.URL + "/authorize",
			"jwks_uri":                              m.Server.URL + jwksPath,
			"id_token_signing_alg_values_supported": []string{"RS256"},
			"token_endpoint_auth_methods_supported": []string{"private_key_jwt"},
		})
	}
}

func (m *Microsoft) jwks(tenant bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		m.jwksFetches++
		src := m.keys
		if tenant {
			src = m.tenantKeys
		}
		keys := make([]map[string]any, 0, len(src))
		for _, k := range src {
			e := map[string]any{
				"kty": "RSA", "use": "sig", "kid": k.kid,
				"n": base64.RawURLEncoding.EncodeToString(k.pub.N.Bytes()),
				"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.pub.E)).Bytes()),
			}
			if k.endorsements != nil {
				e["endorsements"] = k.endorsements
			}
			keys = append(keys, e)
		}
		m.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"keys": keys})
	}
}

func (m *Microsoft) token(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	m.tokenRequests++
	delay, ttl := m.tokenDelay, m.tokenTTL
	m.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	if tenant := r.PathValue("tenant"); tenant != m.TenantID && tenant != "botframework.com" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_tenant"})
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_request", "error_description": "form body required"})
		return
	}
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_request"})
		return
	}
	switch {
	case r.PostForm.Get("grant_type") != "client_credentials":
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "unsupported_grant_type"})
		return
	case r.PostForm.Get("scope") != "https://api.botframework.com/.default":
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_scope"})
		return
	case r.PostForm.Get("client_id") != m.AppID || r.PostForm.Get("client_secret") != m.AppPassword:
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "invalid_client"})
		return
	}
	m.mu.Lock()
	m.tokenSeq++
	tok := "mstest-access-token-" + strconv.Itoa(m.tokenSeq)
	m.tokens[tok] = true
	m.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type": "Bearer", "expires_in": int(ttl / time.Second), "ext_expires_in": int(ttl / time.Second),
		"access_token": tok,
	})
}

func (m *Microsoft) connector(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	p := Post{Path: r.URL.Path, Authorization: r.Header.Get("Authorization"), Body: body}
	_ = json.Unmarshal(body, &p.Activity)

	m.mu.Lock()
	tok, _ := strings.CutPrefix(p.Authorization, "Bearer ")
	resp := Response{Status: http.StatusOK}
	switch {
	case !m.tokens[tok]:
		resp = Response{Status: http.StatusUnauthorized}
	case len(m.script) > 0 && p.Type() == "message":
		resp = m.script[0]
		m.script = m.script[1:]
	}
	p.Status = resp.Status
	m.posts = append(m.posts, p)
	m.mu.Unlock()
	select {
	case m.postNotify <- struct{}{}:
	default:
	}

	if resp.RetryAfter != "" {
		w.Header().Set("Retry-After", resp.RetryAfter)
	}
	if resp.Status >= 300 {
		writeJSON(w, resp.Status, map[string]any{"error": map[string]any{"code": http.StatusText(resp.Status)}})
		return
	}
	writeJSON(w, resp.Status, map[string]any{"id": fmt.Sprintf("reply-%d", len(m.Posts()))})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Claims returns valid Bot Framework channel-token claims for serviceURL.
func (m *Microsoft) Claims(serviceURL string) jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{
		"iss":        Issuer,
		"aud":        m.AppID,
		"exp":        now.Add(time.Hour).Unix(),
		"nbf":        now.Add(-time.Minute).Unix(),
		"serviceurl": serviceURL,
	}
}

// Sign signs claims with the default key (RS256, kid DefaultKID).
func (m *Microsoft) Sign(t testing.TB, claims jwt.MapClaims) string {
	t.Helper()
	return SignWith(t, m.Key, DefaultKID, jwt.SigningMethodRS256, claims)
}

// SignWith signs claims with key under kid using method.
func SignWith(t testing.TB, key any, kid string, method jwt.SigningMethod, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Account is a Teams channel account.
type Account struct {
	ID          string `json:"id"`
	Name        string `json:"name,omitempty"`
	AADObjectID string `json:"aadObjectId,omitempty"`
}

// User returns a user account for an AAD object id.
func User(aad string) Account {
	return Account{ID: "29:" + aad, Name: "User " + aad, AADObjectID: aad}
}

// DM builds a personal-chat message activity from user.
func (m *Microsoft) DM(id string, user Account, text string) map[string]any {
	return map[string]any{
		"type": "message", "id": id, "timestamp": time.Now().UTC().Format(time.RFC3339Nano),
		"serviceUrl": m.ServiceURL(), "channelId": "msteams",
		"from":      user,
		"recipient": Account{ID: m.BotID(), Name: "Claw"},
		"conversation": map[string]any{
			"id": "a:dm-" + user.AADObjectID, "conversationType": "personal", "tenantId": m.TenantID,
		},
		"text":        text,
		"channelData": map[string]any{"tenant": map[string]any{"id": m.TenantID}},
	}
}

// ChannelMessage builds a message activity posted in a team channel; when
// mention is true the text starts with the bot's <at> mention.
func (m *Microsoft) ChannelMessage(id, teamID, channelID string, user Account, text string, mention bool) map[string]any {
	a := map[string]any{
		"type": "message", "id": id, "timestamp": time.Now().UTC().Format(time.RFC3339Nano),
		"serviceUrl": m.ServiceURL(), "channelId": "msteams",
		"from":      user,
		"recipient": Account{ID: m.BotID(), Name: "Claw"},
		"conversation": map[string]any{
			"id": channelID + ";messageid=" + id, "conversationType": "channel", "isGroup": true, "tenantId": m.TenantID,
		},
		"text": text,
		"channelData": map[string]any{
			"tenant":  map[string]any{"id": m.TenantID},
			"team":    map[string]any{"id": teamID},
			"channel": map[string]any{"id": channelID},
		},
	}
	if mention {
		a["text"] = "<at>Claw</at> " + text
		a["entities"] = []any{map[string]any{
			"type": "mention", "text": "<at>Claw</at>",
			"mentioned": map[string]any{"id": m.BotID(), "name": "Claw"},
		}}
	}
	return a
}

// Deliver signs a channel token for the activity's serviceUrl and POSTs the
// activity to url, the way Bot Framework does.
func (m *Microsoft) Deliver(t testing.TB, url string, activity map[string]any) *http.Response {
	t.Helper()
	su, _ := activity["serviceUrl"].(string)
	return PostActivity(t, url, "Bearer "+m.Sign(t, m.Claims(su)), activity)
}

// PostActivity POSTs activity as JSON with the given Authorization header
// ("" for none). The body is read and closed; the returned response's Body
// is replaced by a reader over it.
func PostActivity(t testing.TB, url, authorization string, activity any) *http.Response {
	t.Helper()
	b, err := json.Marshal(activity)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(strings.NewReader(string(body)))
	return resp
}
