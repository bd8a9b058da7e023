package e2e

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openclaw/openclaw-go/bench/mock"
	"github.com/openclaw/openclaw-go/internal/channel/msteams/mstest"
)

// secretScan collects everything the gateway shows the outside (logs, CLI
// output, response headers and bodies, /metrics) and looks for each
// configured secret in it.
type secretScan struct {
	secrets map[string]string // name -> value
	texts   []string
	sources int
}

func (s *secretScan) add(what ...string) {
	s.texts = append(s.texts, what...)
	s.sources += len(what)
}

func (s *secretScan) addResponse(st int, h http.Header, b []byte) {
	var hb strings.Builder
	for k, vs := range h {
		hb.WriteString(k + ": " + strings.Join(vs, ",") + "\n")
	}
	s.add(strconv.Itoa(st)+"\n"+hb.String(), string(b))
}

// hits returns "name in source" for every secret found.
func (s *secretScan) hits() []string {
	var out []string
	for name, v := range s.secrets {
		for i, txt := range s.texts {
			if strings.Contains(txt, v) {
				out = append(out, name+" in text #"+strconv.Itoa(i)+": "+excerpt(txt, v))
			}
		}
	}
	return out
}

func excerpt(txt, v string) string {
	i := strings.Index(txt, v)
	lo, hi := max(0, i-80), min(len(txt), i+len(v)+40)
	return strings.ReplaceAll(txt[lo:hi], v, "<SECRET>")
}

// TestSecretsNeverShown configures a secret of every kind and drives the
// gateway through its surfaces, successes and failures; no secret value may
// appear in any log line, CLI output, response or metric.
func TestSecretsNeverShown(t *testing.T) {
	ms := mstest.New(t)
	const (
		gwToken    = "gwtok-SECRET-5d1e0c7b9a8f6e4d3c2b1a09f8e7d6c5"
		gwPassword = "gwpass-SECRET-0a9b8c7d6e5f4a3b2c1d"
		envKey     = "sk-env-SECRET-11aa22bb33cc44dd55ee"
		fileKey    = "sk-file-SECRET-66ff77aa88bb99cc00dd"
		redisPass  = "redis-SECRET-pw-4242"
	)
	// An upstream that fails with the presented key echoed in full, as a
	// careless (or hostile) provider might.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":{"message":"Incorrect API key provided: ` + strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ") + `","type":"invalid_request_error","code":"invalid_api_key"}}`))
	}))
	defer echo.Close()
	good := httptest.NewServer(mock.New(mock.Options{}))
	defer good.Close()

	hookPort := freePort(t)
	cfg := `{
  gateway: { mode: "local",
    auth: { mode: "token", token: "${GW_TOKEN}", password: "` + gwPassword + `" },
    http: { endpoints: { chatCompletions: { enabled: true }, responses: { enabled: true } } },
  },
  agents: { defaults: { model: { primary: "leaky/m1", fallbacks: ["good/m2"] } },
            list: [{ id: "main", default: true }, { id: "leakonly", model: "leaky/m1" }] },
  models: { providers: {
    leaky: { baseUrl: "` + echo.URL + `/v1", api: "openai-completions", apiKey: "${ENV_KEY}", models: [{ id: "m1" }] },
    good: { baseUrl: "` + good.URL + `/v1", api: "openai-completions", apiKey: "` + fileKey + `", models: [{ id: "m2" }] },
  } },
  storage: { shared: { driver: "redis", url: "redis://:` + redisPass + `@127.0.0.1:1/0" } },
  channels: { msteams: {
    appId: "` + ms.AppID + `", appPassword: "${TEAMS_SECRET}", tenantId: "` + ms.TenantID + `",
    webhook: { port: ` + strconv.Itoa(hookPort) + ` }, dmPolicy: "open",
    microsoft: { openIdMetadataUrl: "` + ms.OpenIDMetadataURL() + `", tenantOpenIdMetadataUrl: "` + ms.TenantOpenIDMetadataURL() + `",
                 tokenUrl: "` + ms.TokenURL() + `" },
  } },
}`
	dir := stateDir(t, cfg)
	env := baseEnv(dir, "GW_TOKEN="+gwToken, "ENV_KEY="+envKey, "TEAMS_SECRET="+ms.AppPassword)
	scan := &secretScan{secrets: map[string]string{
		"gateway token": gwToken, "gateway password": gwPassword, "provider key (env)": envKey,
		"provider key (file)": fileKey, "redis password": redisPass, "teams app password": ms.AppPassword,
	}}
	g := startGateway(t, dir, env, "--verbose")

	type req struct {
		method, path, token, body string
		hdr                       []string
	}
	chat := `{"model":"openclaw/default","messages":[{"role":"user","content":"hi"}]}`
	reqs := []req{
		{"GET", "/v1/models", gwToken, "", nil},
		{"GET", "/v1/models", gwPassword, "", nil},               // the password in token mode
		{"GET", "/v1/models", gwToken[:len(gwToken)-1], "", nil}, // one character short
		{"GET", "/v1/models", gwToken + "x", "", nil},            // one too long
		{"GET", "/v1/models", "", "", []string{"Authorization", "Basic " + gwToken}},
		{"GET", "/v1/models", "", "", []string{"Authorization", "Bearer " + gwToken, "X-Forwarded-For", "1.2.3.4"}},
		{"POST", "/v1/chat/completions", gwToken, chat, nil}, // leaky fails, good answers
		{"POST", "/v1/chat/completions", gwToken, `{"model":"openclaw/leakonly","messages":[{"role":"user","content":"hi"}]}`, nil},
		{"POST", "/v1/chat/completions", gwToken, `{"model":"openclaw/leakonly","stream":true,"messages":[{"role":"user","content":"hi"}]}`, nil},
		{"POST", "/v1/responses", gwToken, `{"model":"openclaw/leakonly","input":"hi"}`, nil},
		{"POST", "/v1/embeddings", gwToken, `{"model":"openclaw/default","input":"x"}`, []string{"X-Openclaw-Model", "leaky/m1"}},
		{"POST", "/v1/chat/completions", gwToken, `{"model":`, nil},
		{"GET", "/v1/openclaw/status", gwToken, "", nil},
		{"GET", "/readyz", gwToken, "", nil},
		{"GET", "/metrics", gwToken, "", nil},
	}
	for _, r := range reqs {
		st, h, b := do(t, r.method, g.url(r.path), r.token, r.body, r.hdr...)
		scan.addResponse(st, h, b)
	}
	// The Teams webhook with forged, misrouted and real-looking tokens.
	hook := "http://127.0.0.1:" + strconv.Itoa(hookPort) + "/api/messages"
	for _, auth := range []string{"Bearer " + gwToken, "Bearer " + ms.AppPassword, ""} {
		st, h, b := do(t, "POST", hook, "", chat, "Authorization", auth)
		scan.addResponse(st, h, b)
	}
	resp := ms.Deliver(t, hook, ms.DM("sec-1", mstest.User("alice-aad"), "hello"))
	resp.Body.Close()
	ms.WaitMessages(t, 1, 10*time.Second)

	// The CLI against the same state dir and the running gateway.
	cliEnv := append(env, "OPENCLAW_GATEWAY_PORT="+strconv.Itoa(g.port))
	for _, args := range [][]string{
		{"config", "get", "gateway"}, {"config", "get", "gateway", "--json"}, {"config", "get", "gateway.auth.token"},
		{"config", "get", "gateway.auth.password", "--json"}, {"config", "get", "models"}, {"config", "get", "models", "--json"},
		{"config", "get", "channels"}, {"config", "get", "storage", "--json"}, {"config", "get", "storage.shared.url"},
		{"config", "file", "--json"}, {"config", "validate", "--json"}, {"config", "set", "gateway.port", "18800", "--dry-run"},
		{"doctor"}, {"security", "audit", "--json"}, {"gateway", "status", "--json"}, {"gateway", "health"},
		{"gateway", "probe", "--json"}, {"models", "list"}, {"models", "status"}, {"status"}, {"channels", "status", "--json"},
		{"gateway", "auth-token", "--show"}, // not a terminal: must refuse
	} {
		_, out, errOut := runCLI(t, cliEnv, args...)
		scan.add(out, errOut)
	}
	st, h, b := do(t, "GET", g.url("/metrics"), gwToken, "")
	scan.addResponse(st, h, b)
	g.stop(t)
	scan.add(g.Output())

	// The "leaky" upstream echoes the provider key in its error message,
	// as OpenAI does; the provider registry cuts the key out of every
	// provider error, so it reaches neither error bodies nor logs.
	hits := scan.hits()
	suiteReport(t, "secrets", "secrets", len(scan.secrets), "texts_scanned", scan.sources, "hits", len(hits))
	for _, h := range hits {
		t.Errorf("secret shown: %s", h)
	}
}
