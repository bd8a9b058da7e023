package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openclaw/openclaw-go/internal/channel/msteams/mstest"
	"github.com/openclaw/openclaw-go/internal/provider/providertest"
)

// teamsConfig runs the default agent on up and the Teams channel against the
// fake Microsoft ms, with the webhook on webhookPort (a number or "gateway").
func teamsConfig(up *providertest.Server, ms *mstest.Microsoft, webhookPort string, allow string) string {
	return tokenConfig(`
  agents: { defaults: { model: "fake/m1" } },
  models: { providers: { fake: { baseUrl: "` + up.BaseURL() + `", api: "openai-completions", models: [{ id: "m1" }] } } },
  channels: { msteams: {
    appId: "` + ms.AppID + `", appPassword: "${TEAMS_SECRET}", tenantId: "` + ms.TenantID + `",
    webhook: { port: ` + webhookPort + ` },
    dmPolicy: "allowlist", allowFrom: ["` + allow + `"],
    microsoft: { openIdMetadataUrl: "` + ms.OpenIDMetadataURL() + `",
                 tenantOpenIdMetadataUrl: "` + ms.TenantOpenIDMetadataURL() + `",
                 tokenUrl: "` + ms.TokenURL() + `" },
  } },`)
}

func TestTeamsDMThroughTheBinary(t *testing.T) {
	ms := mstest.New(t)
	up := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{Text: "Hello from the agent"}))
	hookPort := freePort(t)
	dir := stateDir(t, teamsConfig(up, ms, strconv.Itoa(hookPort), "alice-aad"))
	env := baseEnv(dir, "TEAMS_SECRET="+ms.AppPassword)
	g := startGateway(t, dir, env)
	hook := "http://127.0.0.1:" + strconv.Itoa(hookPort) + "/api/messages"

	// /readyz waits for the channel's keys; the gateway reports it ready.
	st, _, b := do(t, "GET", g.url("/readyz"), "", "")
	if st != 200 || !strings.Contains(string(b), `"msteams":"ok"`) {
		t.Fatalf("readyz: %d %s", st, b)
	}

	dm := ms.DM("act-1", mstest.User("alice-aad"), "hi bot")
	resp := ms.Deliver(t, hook, dm)
	if resp.StatusCode != 200 || resp.Header.Get("X-OpenClaw-Surface") != "msteams-webhook" {
		t.Fatalf("webhook answered %d %v", resp.StatusCode, resp.Header)
	}
	msgs := ms.WaitMessages(t, 1, 10*time.Second)
	if len(msgs) != 1 || msgs[0].Text() != "Hello from the agent" {
		t.Fatalf("connector messages: %+v", msgs)
	}
	// A redelivery of the same activity produces no second reply.
	ms.Deliver(t, hook, dm)
	time.Sleep(500 * time.Millisecond)
	if n := len(ms.Messages()); n != 1 {
		t.Fatalf("duplicate delivery answered: %d messages", n)
	}
	// A stranger under the allowlist policy gets nothing and reaches no agent.
	calls := len(up.Requests())
	ms.Deliver(t, hook, ms.DM("act-2", mstest.User("mallory-aad"), "hi"))
	time.Sleep(300 * time.Millisecond)
	if len(up.Requests()) != calls || len(ms.Messages()) != 1 {
		t.Fatal("a sender outside allowFrom reached the agent")
	}

	// The status endpoint and `openclaw channels status` show the channel.
	code, out, errOut := runCLI(t, append(env, "OPENCLAW_GATEWAY_TOKEN="+testToken, "OPENCLAW_GATEWAY_PORT="+strconv.Itoa(g.port)), "channels", "status", "--json")
	if code != 0 || !strings.Contains(out, strconv.Itoa(hookPort)) {
		t.Fatalf("channels status: %d %s %s", code, out, errOut)
	}
	if strings.Contains(out+g.Output(), ms.AppPassword) {
		t.Fatal("the Teams app password leaked into output")
	}
}

func TestOpenAICallOnTheTeamsWebhookIsExplained(t *testing.T) {
	ms := mstest.New(t)
	up := providertest.NewOpenAI(t, nil)
	hookPort := freePort(t)
	dir := stateDir(t, teamsConfig(up, ms, strconv.Itoa(hookPort), "alice-aad"))
	g := startGateway(t, dir, baseEnv(dir, "TEAMS_SECRET="+ms.AppPassword))
	base := "http://127.0.0.1:" + strconv.Itoa(hookPort)
	body := `{"model":"openclaw/default","messages":[{"role":"user","content":"hi"}]}`
	for _, path := range []string{"/api/messages", "/v1/chat/completions"} {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.Header.Get("X-OpenClaw-Surface") != "msteams-webhook" || (resp.StatusCode != 401 && resp.StatusCode != 404) {
			t.Fatalf("%s: %d %v", path, resp.StatusCode, resp.Header)
		}
		var e apiError
		_ = json.Unmarshal(b, &e)
		text := e.Error.Message + " " + e.Error.Hint
		if !strings.Contains(text, "Teams webhook") || !strings.Contains(text, "/v1") || !strings.Contains(text, "JWT") ||
			!strings.Contains(text, strconv.Itoa(g.port)) {
			t.Fatalf("%s: misroute answer does not explain itself: %s", path, b)
		}
		if strings.Contains(string(b), testToken) {
			t.Fatal("token echoed")
		}
	}
	if len(up.Requests()) != 0 {
		t.Fatal("a misrouted call reached the provider")
	}
}

func TestTeamsWebhookMountedOnTheGatewayPort(t *testing.T) {
	ms := mstest.New(t)
	up := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{Text: "one port"}))
	dir := stateDir(t, teamsConfig(up, ms, `"gateway"`, "bob-aad"))
	g := startGateway(t, dir, baseEnv(dir, "TEAMS_SECRET="+ms.AppPassword))
	resp := ms.Deliver(t, g.url("/api/messages"), ms.DM("act-9", mstest.User("bob-aad"), "hello"))
	if resp.StatusCode != 200 || resp.Header.Get("X-OpenClaw-Surface") != "msteams-webhook" {
		t.Fatalf("mounted webhook: %d %v", resp.StatusCode, resp.Header)
	}
	if msgs := ms.WaitMessages(t, 1, 10*time.Second); msgs[0].Text() != "one port" {
		t.Fatalf("reply %+v", msgs)
	}
	// The API on the same port still answers as the gateway.
	if st, h, _ := do(t, "GET", g.url("/v1/models"), testToken, ""); st != 200 || h.Get("X-OpenClaw-Surface") != "gateway" {
		t.Fatalf("/v1/models on the shared port: %d", st)
	}
}
