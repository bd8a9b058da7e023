package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openclaw/openclaw-go/internal/provider"
	"github.com/openclaw/openclaw-go/internal/provider/providertest"
)

// apiConfig points the default agent at primary (fallback: backup).
func apiConfig(primary, backup string) string {
	return tokenConfig(`
  agents: { defaults: { model: { primary: "primary/m1", fallbacks: ["backup/m2"] } } },
  models: { providers: {
    primary: { baseUrl: "` + primary + `", api: "openai-completions", models: [{ id: "m1" }] },
    backup: { baseUrl: "` + backup + `", api: "openai-completions", models: [{ id: "m2" }] },
  } },`)
}

func chatBody(user, content string, stream bool) string {
	b, _ := json.Marshal(map[string]any{
		"model": "openclaw/default", "user": user, "stream": stream,
		"messages": []map[string]string{{"role": "user", "content": content}},
	})
	return string(b)
}

type completion struct {
	ID      string `json:"id"`
	Model   string `json:"model"`
	Choices []struct {
		Message struct {
			Content string `json:"content"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage provider.Usage `json:"usage"`
}

func TestSessionContinuesAcrossRestart(t *testing.T) {
	up := providertest.NewOpenAI(t, providertest.Replies(
		providertest.Reply{Text: "first reply"}, providertest.Reply{Text: "second reply"}))
	backup := providertest.NewOpenAI(t, nil)
	dir := stateDir(t, apiConfig(up.BaseURL(), backup.BaseURL()))
	g := startGateway(t, dir, baseEnv(dir))
	st, _, b := do(t, "POST", g.url("/v1/chat/completions"), testToken, chatBody("alice", "remember 42", false))
	if st != 200 {
		t.Fatalf("%d %s", st, b)
	}
	g.stop(t)

	g2 := startGateway(t, dir, baseEnv(dir))
	st, _, b = do(t, "POST", g2.url("/v1/chat/completions"), testToken, chatBody("alice", "what number?", false))
	if st != 200 {
		t.Fatalf("%d %s", st, b)
	}
	var msgs []map[string]any
	for _, m := range up.Last(t).JSON["messages"].([]any) {
		msgs = append(msgs, m.(map[string]any))
	}
	if len(msgs) != 4 || msgs[1]["content"] != "remember 42" || msgs[2]["content"] != "first reply" || msgs[3]["content"] != "what number?" {
		t.Fatalf("history not carried across the restart: %v", msgs)
	}
	code, out, errOut := runCLI(t, baseEnv(dir), "sessions", "show", "agent:main:openai-user:alice")
	if code != 0 || !strings.Contains(out, "second reply") || !strings.Contains(out, "remember 42") {
		t.Fatalf("sessions show: %d %s %s", code, out, errOut)
	}
}

func TestFailoverToFallbackOn503(t *testing.T) {
	up := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{Status: 503, ErrorMessage: "overloaded"}))
	backup := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{Text: "from the fallback",
		Usage: &provider.Usage{PromptTokens: 5, CompletionTokens: 3, TotalTokens: 8}}))
	dir := stateDir(t, apiConfig(up.BaseURL(), backup.BaseURL()))
	g := startGateway(t, dir, baseEnv(dir))
	st, _, b := do(t, "POST", g.url("/v1/chat/completions"), testToken, chatBody("", "hi", false))
	var c completion
	_ = json.Unmarshal(b, &c)
	if st != 200 || c.Choices[0].Message.Content != "from the fallback" || c.Model != "openclaw/default" || c.Usage.TotalTokens != 8 {
		t.Fatalf("%d %s", st, b)
	}
}

func TestNoFailoverOnceStreamed(t *testing.T) {
	up := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{
		Text: "alpha beta gamma delta", Chunks: 4, Fault: providertest.ResetMidStream, FaultAfter: 2}))
	backup := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{Text: "fallback"}))
	dir := stateDir(t, apiConfig(up.BaseURL(), backup.BaseURL()))
	g := startGateway(t, dir, baseEnv(dir))
	req, _ := http.NewRequest("POST", g.url("/v1/chat/completions"), strings.NewReader(chatBody("", "hi", true)))
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events := sseEvents(t, resp.Body)
	if len(events) < 3 || events[len(events)-1] != "[DONE]" || !strings.Contains(events[len(events)-2], `"error"`) {
		t.Fatalf("want content, an error chunk, then [DONE]; got %q", events)
	}
	if !strings.Contains(strings.Join(events, ""), "alpha") {
		t.Fatalf("partial content missing: %q", events)
	}
	if n := len(backup.Requests()); n != 0 {
		t.Fatalf("fell over after streaming: %d backup calls", n)
	}
}

func TestStreamFramingOverTheBinary(t *testing.T) {
	up := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{Text: "one two",
		Usage: &provider.Usage{PromptTokens: 1, CompletionTokens: 2, TotalTokens: 3}}))
	dir := stateDir(t, apiConfig(up.BaseURL(), up.BaseURL()))
	g := startGateway(t, dir, baseEnv(dir))
	for _, includeUsage := range []bool{false, true} {
		body := `{"model":"openclaw/default","stream":true,"messages":[{"role":"user","content":"hi"}]}`
		if includeUsage {
			body = `{"model":"openclaw/default","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}`
		}
		req, _ := http.NewRequest("POST", g.url("/v1/chat/completions"), strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Header.Get("Content-Type") != "text/event-stream" || resp.Header.Get("X-OpenClaw-Surface") != "gateway" {
			t.Fatalf("headers %v", resp.Header)
		}
		events := sseEvents(t, resp.Body)
		resp.Body.Close()
		var ids = map[string]bool{}
		usageChunks := 0
		for _, e := range events[:len(events)-1] {
			var c struct {
				ID      string          `json:"id"`
				Choices []any           `json:"choices"`
				Usage   *provider.Usage `json:"usage"`
			}
			if err := json.Unmarshal([]byte(e), &c); err != nil {
				t.Fatalf("bad chunk %q", e)
			}
			ids[c.ID] = true
			if c.Usage != nil {
				usageChunks++
			}
		}
		if len(ids) != 1 || events[len(events)-1] != "[DONE]" {
			t.Fatalf("ids %v events %q", ids, events)
		}
		if (usageChunks == 1) != includeUsage {
			t.Fatalf("include_usage=%v but %d usage chunks", includeUsage, usageChunks)
		}
	}
}

func TestMetricsNeedAuthAndCountTurns(t *testing.T) {
	up := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{Text: "hi",
		Usage: &provider.Usage{PromptTokens: 4, CompletionTokens: 1, TotalTokens: 5}}))
	dir := stateDir(t, apiConfig(up.BaseURL(), up.BaseURL()))
	g := startGateway(t, dir, baseEnv(dir))
	if st, _, _ := do(t, "GET", g.url("/metrics"), "", ""); st != 401 {
		t.Fatalf("/metrics without a token: %d", st)
	}
	do(t, "POST", g.url("/v1/chat/completions"), testToken, chatBody("", "hi", false))
	do(t, "POST", g.url("/v1/chat/completions"), testToken, chatBody("alice", "hi", false)) // appends to a session
	do(t, "GET", g.url("/v1/models"), "wrong-token", "")
	st, _, b := do(t, "GET", g.url("/metrics"), testToken, "")
	body := string(b)
	for _, want := range []string{
		`openclaw_http_requests_total{code="200",route="/v1/chat/completions",surface="gateway"} 2`,
		`openclaw_auth_failures_total{reason="gateway_token_mismatch"} 1`,
		`openclaw_upstream_attempts_total{model="m1",provider="primary",result="ok"} 2`,
		`openclaw_tokens_total{kind="prompt",model="primary/m1"} 8`,
		`openclaw_agent_turns_total{agent="main",result="complete"} 2`,
		`openclaw_session_append_duration_seconds_count{agent="main",result="ok"} 1`,
		`openclaw_session_append_duration_seconds_bucket{agent="main",result="ok",le="10"} 1`,
	} {
		if st != 200 || !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, testToken) {
		t.Fatal("token in /metrics")
	}
}

func TestLogLinesCarryTheRequestID(t *testing.T) {
	up := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{Status: 500, ErrorMessage: "boom"}))
	dir := stateDir(t, apiConfig(up.BaseURL(), up.BaseURL()))
	g := startGateway(t, dir, baseEnv(dir))
	st, h, _ := do(t, "POST", g.url("/v1/chat/completions"), testToken, chatBody("", "hi", false))
	id := h.Get("X-Request-Id")
	if st != 502 || id == "" {
		t.Fatalf("status %d, request id %q", st, id)
	}
	var lines []string
	for _, l := range strings.Split(g.Output(), "\n") {
		if strings.Contains(l, "request_id="+id) {
			lines = append(lines, l)
		}
	}
	// The provider attempts (agent package) and the access line (gateway)
	// both carry the id returned to the client.
	if len(lines) < 2 || !strings.Contains(strings.Join(lines, "\n"), "provider attempt failed") {
		t.Fatalf("log lines for %s:\n%s\nfull output:\n%s", id, strings.Join(lines, "\n"), g.Output())
	}
}

func TestTokenRotationKeepsOpenStreams(t *testing.T) {
	up := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{
		Text: "one two three four five six", Chunks: 6, ChunkDelay: 150 * time.Millisecond}))
	cfg := apiConfig(up.BaseURL(), up.BaseURL())
	dir := stateDir(t, cfg)
	g := startGateway(t, dir, baseEnv(dir))
	req, _ := http.NewRequest("POST", g.url("/v1/chat/completions"), strings.NewReader(chatBody("", "hi", true)))
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// Rotate while the stream is open.
	newTok := "rotated-mid-stream-0123456789abcdef0123"
	if err := os.WriteFile(filepath.Join(dir, "openclaw.json"), []byte(strings.Replace(cfg, testToken, newTok, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	events := sseEvents(t, resp.Body)
	if len(events) == 0 || events[len(events)-1] != "[DONE]" || !strings.Contains(strings.Join(events, ""), "six") {
		t.Fatalf("open stream was disturbed by the reload: %q", events)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if st, _, _ := do(t, "GET", g.url("/v1/models"), newTok, ""); st == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("rotated token not accepted")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestAgentCommandRunsATurnAndSavesTheSession(t *testing.T) {
	up := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{Text: "hello from the CLI turn"}))
	dir := stateDir(t, apiConfig(up.BaseURL(), up.BaseURL()))
	env := baseEnv(dir)
	code, out, errOut := runCLI(t, env, "agent", "--message", "hi there", "--session", "cli-notes")
	if code != 0 || !strings.Contains(out, "hello from the CLI turn") {
		t.Fatalf("agent: %d %q %q", code, out, errOut)
	}
	code, out, _ = runCLI(t, env, "sessions", "show", "cli-notes", "--agent", "main")
	if code != 0 || !strings.Contains(out, "hi there") || !strings.Contains(out, "hello from the CLI turn") {
		t.Fatalf("sessions show: %d %s", code, out)
	}
	// A bad input is one line with the cause and the fix, exit 2.
	code, _, errOut = runCLI(t, env, "agent")
	if code != 2 || !strings.Contains(errOut, "--message is required") {
		t.Fatalf("agent without --message: %d %q", code, errOut)
	}
	// An unknown agent names the valid ones.
	code, _, errOut = runCLI(t, env, "agent", "--agent", "ghost", "--message", "hi")
	if code != 1 || !strings.Contains(errOut, "openclaw/main") {
		t.Fatalf("unknown agent: %d %q", code, errOut)
	}
}
