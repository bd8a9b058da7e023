package openai

import (
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// randomIDs matches the random part of generated ids.
var randomIDs = regexp.MustCompile(`(chatcmpl-|resp_|msg_|fc_|call_)[A-Z2-7]{26}`)

// normalise replaces random ids so transcripts compare byte for byte.
func normalise(b []byte) []byte { return randomIDs.ReplaceAll(b, []byte("${1}ID")) }

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	got = normalise(got)
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// sseData splits an event stream into its data payloads.
func sseData(t *testing.T, body []byte) []string {
	t.Helper()
	s := string(body)
	if !strings.HasSuffix(s, "\n\n") {
		t.Fatalf("stream does not end with a blank line: %q", s)
	}
	var out []string
	for _, ev := range strings.Split(strings.TrimSuffix(s, "\n\n"), "\n\n") {
		if !strings.HasPrefix(ev, "data: ") || strings.Contains(ev, "\n") {
			t.Fatalf("bad event %q", ev)
		}
		out = append(out, strings.TrimPrefix(ev, "data: "))
	}
	return out
}

type chatChunk struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	Model   string `json:"model"`
	Choices []struct {
		Delta struct {
			Role      *string `json:"role"`
			Content   *string `json:"content"`
			ToolCalls []struct {
				Index    int    `json:"index"`
				ID       string `json:"id"`
				Type     string `json:"type"`
				Function struct {
					Name      string `json:"name"`
					Arguments string `json:"arguments"`
				} `json:"function"`
			} `json:"tool_calls"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
		TotalTokens      int `json:"total_tokens"`
	} `json:"usage"`
	Error *struct {
		Message string `json:"message"`
		Type    string `json:"type"`
		Code    string `json:"code"`
	} `json:"error"`
}

func chunks(t *testing.T, body []byte) []chatChunk {
	t.Helper()
	data := sseData(t, body)
	if data[len(data)-1] != "[DONE]" {
		t.Fatalf("stream does not end with [DONE]: %s", body)
	}
	var out []chatChunk
	for _, d := range data[:len(data)-1] {
		var c chatChunk
		mustJSON(t, []byte(d), &c)
		out = append(out, c)
	}
	for _, c := range out {
		if c.ID != out[0].ID || c.Created != out[0].Created || c.Object != "chat.completion.chunk" {
			t.Fatalf("chunk header differs: %+v vs %+v", c, out[0])
		}
	}
	return out
}

func TestChatNonStream(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.up.script(upstreamReply{chunks: textChunks("Hel", "lo!")})
	resp, b := e.post(t, "/v1/chat/completions", `{"model":"openclaw/default","messages":[
		{"role":"system","content":"Be terse."},{"role":"developer","content":[{"type":"text","text":"No emoji."}]},
		{"role":"user","content":"hi"}],"temperature":0.5,"max_tokens":50,"max_completion_tokens":40,"stop":"END",
		"logprobs":false,"parallel_tool_calls":true,"response_format":{"type":"text"},"n":1}`)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	var got ChatCompletion
	mustJSON(t, b, &got)
	if !strings.HasPrefix(got.ID, "chatcmpl-") || got.Object != "chat.completion" || got.Model != "openclaw/default" ||
		got.Created != fixedNow.Unix() {
		t.Errorf("envelope: %s", b)
	}
	c := got.Choices[0]
	if c.Message.Role != "assistant" || c.Message.Content == nil || *c.Message.Content != "Hello!" || c.FinishReason != "stop" {
		t.Errorf("choice: %s", b)
	}
	if got.Usage.PromptTokens != 11 || got.Usage.CompletionTokens != 7 || got.Usage.TotalTokens != 18 {
		t.Errorf("usage: %+v", got.Usage)
	}
	// What crossed the wire to the provider.
	up := e.up.last(t)
	if up["model"] != "m1" || up["temperature"] != 0.5 || up["max_completion_tokens"] != float64(40) {
		t.Errorf("upstream request: %v", up)
	}
	msgs := up["messages"].([]any)
	sys := msgs[0].(map[string]any)["content"].(string)
	if !strings.Contains(sys, "Be terse.") || !strings.Contains(sys, "No emoji.") || !strings.Contains(sys, "openai-http") {
		t.Errorf("system prompt lacks request system texts or channel: %q", sys)
	}
	if len(msgs) != 2 || msgs[1].(map[string]any)["content"] != "hi" {
		t.Errorf("messages: %v", msgs)
	}
	if len(e.store.keys()) != 0 {
		t.Errorf("a call without user or session key must be stateless, stored %v", e.store.keys())
	}
}

func TestChatStreamGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, extra string }{
		{"chat_stream", ``},
		{"chat_stream_usage", `,"stream_options":{"include_usage":true}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.up.script(upstreamReply{chunks: textChunks("Hel", "lo \"wörld\"\n")})
			resp, b := e.post(t, "/v1/chat/completions", `{"model":"openclaw","stream":true,"messages":[`+userHi+`]`+tc.extra+`}`)
			if resp.StatusCode != 200 {
				t.Fatalf("%d %s", resp.StatusCode, b)
			}
			for k, v := range map[string]string{"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"} {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			cs := chunks(t, b)
			hasUsage := cs[len(cs)-1].Usage != nil
			if hasUsage != (tc.extra != "") {
				t.Errorf("usage chunk present=%v, include_usage=%v", hasUsage, tc.extra != "")
			}
			golden(t, tc.name, b)
		})
	}
}

func TestChatUserDerivesSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.up.script(upstreamReply{chunks: textChunks("first answer")}, upstreamReply{chunks: textChunks("second")})
	body := `{"model":"openclaw/coder","user":"alice","messages":[{"role":"user","content":"one"}]}`
	if resp, b := e.post(t, "/v1/chat/completions", body); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	body = `{"model":"openclaw/coder","user":"alice","stream":true,"messages":[{"role":"user","content":"two"}]}`
	if resp, b := e.post(t, "/v1/chat/completions", body); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	keys := e.store.keys()
	if len(keys) != 1 || keys[0] != "coder agent:coder:openai-user:alice" {
		t.Fatalf("session keys %v", keys)
	}
	up := e.up.last(t)
	if up["model"] != "m-coder" {
		t.Errorf("model %v", up["model"])
	}
	// The second call sees the first exchange as history.
	raw, _ := json.Marshal(up["messages"])
	if !strings.Contains(string(raw), `"one"`) || !strings.Contains(string(raw), "first answer") {
		t.Errorf("history missing from the second call: %s", raw)
	}
}

func TestChatHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp, b := e.post(t, "/v1/chat/completions", chatBody(""),
		"X-Openclaw-Agent-Id", "coder", "X-Openclaw-Session-Key", "team:42",
		"X-Openclaw-Message-Channel", "slack-bridge", "X-Openclaw-Model", "fake/m-override", "X-Test-Admin", "1")
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	var got ChatCompletion
	mustJSON(t, b, &got)
	if got.Model != "openclaw" {
		t.Errorf("model must echo the request: %q", got.Model)
	}
	up := e.up.last(t)
	sys := up["messages"].([]any)[0].(map[string]any)["content"].(string)
	if up["model"] != "m-override" || !strings.Contains(sys, "Coder") || !strings.Contains(sys, "slack-bridge") {
		t.Errorf("upstream model %v, system %q", up["model"], sys)
	}
	if keys := e.store.keys(); len(keys) != 1 || keys[0] != "coder team:42" {
		t.Errorf("session keys %v", keys)
	}
}

func TestChatToolsRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tools := `"tools":[{"type":"function","function":{"name":"get_weather","description":"d","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]`
	e.up.script(upstreamReply{chunks: toolChunks("call_up1", "get_weather", `{"city":`, `"Paris"}`)},
		upstreamReply{chunks: textChunks("It is sunny.")})
	resp, b := e.post(t, "/v1/chat/completions", chatBody(tools+`,"tool_choice":"required"`))
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	var got ChatCompletion
	mustJSON(t, b, &got)
	c := got.Choices[0]
	if c.FinishReason != "tool_calls" || c.Message.Content != nil || len(c.Message.ToolCalls) != 1 {
		t.Fatalf("choice: %s", b)
	}
	tc := c.Message.ToolCalls[0]
	if tc.ID != "call_up1" || tc.Type != "function" || tc.Function.Name != "get_weather" || tc.Function.Arguments != `{"city":"Paris"}` {
		t.Errorf("tool call %+v", tc)
	}
	up := e.up.last(t)
	if up["tool_choice"] != "required" || len(up["tools"].([]any)) != 1 {
		t.Errorf("tools not forwarded: %v", up)
	}
	// The client runs the tool and follows up.
	follow := `{"model":"openclaw","` + tools[1:] + `,"messages":[` + userHi + `,
		{"role":"assistant","content":null,"tool_calls":[{"id":"call_up1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
		{"role":"tool","tool_call_id":"call_up1","content":"sunny, 24C"}]}`
	resp, b = e.post(t, "/v1/chat/completions", follow)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	mustJSON(t, b, &got)
	if *got.Choices[0].Message.Content != "It is sunny." || got.Choices[0].FinishReason != "stop" {
		t.Errorf("follow-up: %s", b)
	}
	msgs := e.up.last(t)["messages"].([]any)
	asst, tool := msgs[2].(map[string]any), msgs[3].(map[string]any)
	if asst["role"] != "assistant" || asst["tool_calls"] == nil || tool["role"] != "tool" || tool["tool_call_id"] != "call_up1" || tool["content"] != "sunny, 24C" {
		t.Errorf("follow-up upstream messages: %v", msgs)
	}
}

func TestChatStreamToolCall(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.up.script(upstreamReply{chunks: toolChunks("call_up1", "get_weather", `{"city":`, `"Paris"}`)})
	resp, b := e.post(t, "/v1/chat/completions", chatBody(`"stream":true,"tools":[{"type":"function","function":{"name":"get_weather"}}],"tool_choice":{"type":"function","function":{"name":"get_weather"}}`))
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	golden(t, "chat_stream_tool", b)
	cs := chunks(t, b)
	first := cs[1].Choices[0].Delta.ToolCalls[0]
	if first.ID != "call_up1" || first.Type != "function" || first.Function.Name != "get_weather" {
		t.Errorf("first tool fragment %+v", first)
	}
	if fr := cs[len(cs)-1].Choices[0].FinishReason; fr == nil || *fr != "tool_calls" {
		t.Errorf("finish %v", fr)
	}
}

func TestChatToolChoiceRequiredWithoutCall(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.up.script(upstreamReply{chunks: textChunks("I'd rather chat.")})
	tools := `"tools":[{"type":"function","function":{"name":"f"}}]`
	for _, choice := range []string{`"required"`, `{"type":"function","function":{"name":"f"}}`} {
		resp, b := e.post(t, "/v1/chat/completions", chatBody(tools+`,"tool_choice":`+choice))
		ae := decodeError(t, b)
		if resp.StatusCode != 502 || ae.Error.Type != "api_error" || str(ae.Error.Code) != "tool_call_required" {
			t.Errorf("non-stream %s: %d %s", choice, resp.StatusCode, b)
		}
		resp, b = e.post(t, "/v1/chat/completions", chatBody(tools+`,"stream":true,"tool_choice":`+choice))
		cs := chunks(t, b)
		last := cs[len(cs)-1]
		if resp.StatusCode != 200 || last.Error == nil || last.Error.Code != "tool_call_required" || len(last.Choices) != 0 {
			t.Errorf("stream %s: %s", choice, b)
		}
	}
}

func TestChatMidStreamReset(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rep := upstreamReply{chunks: textChunks("Hel", "lo", "never"), resetAfter: 3}
	e.up.script(rep)
	resp, b := e.post(t, "/v1/chat/completions", chatBody(`"stream":true,"user":"bob"`))
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	// No golden here: the error text is the provider adapter's wording.
	cs := chunks(t, b)
	last := cs[len(cs)-1]
	if last.Error == nil || last.Error.Type != "api_error" || len(last.Choices) != 0 {
		t.Fatalf("last chunk %+v", last)
	}
	if strings.Contains(string(b), "never") {
		t.Error("content after the reset")
	}
	// Non-stream: the same failure is a 502 naming the provider.
	e.up.script(rep)
	resp, b = e.post(t, "/v1/chat/completions", chatBody(""))
	if resp.StatusCode < 500 || !strings.Contains(decodeError(t, b).Error.Message, "fake") {
		t.Errorf("non-stream: %d %s", resp.StatusCode, b)
	}
}

func TestChatUpstreamFailsBeforeFirstByte(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.up.script(upstreamReply{status: 500})
	for _, stream := range []string{"false", "true"} {
		resp, b := e.post(t, "/v1/chat/completions", chatBody(`"stream":`+stream))
		ae := decodeError(t, b) // a JSON error even when streaming was asked
		if resp.StatusCode != 502 || ae.Error.Type != "api_error" || !strings.Contains(ae.Error.Message, "fake") {
			t.Errorf("stream=%s: %d %s", stream, resp.StatusCode, b)
		}
	}
}

func TestChatClientDisconnectCancelsUpstream(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.up.script(upstreamReply{chunks: textChunks("Hel")[:2], block: true})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", e.srv.URL+"/v1/chat/completions", strings.NewReader(chatBody(`"stream":true`)))
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	if _, err := resp.Body.Read(buf); err != nil { // the role chunk arrives before the reply ends
		t.Fatal(err)
	}
	cancel()
	resp.Body.Close()
	select {
	case <-e.up.canceled:
	case <-time.After(5 * time.Second):
		t.Fatal("upstream request not canceled after the client left")
	}
}

func TestModels(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp, b := e.do(t, "GET", "/v1/models", "")
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	var list ModelList
	mustJSON(t, b, &list)
	var ids []string
	for _, m := range list.Data {
		ids = append(ids, m.ID)
		if m.Object != "model" || m.OwnedBy != "openclaw" || m.Created != fixedNow.Unix() {
			t.Errorf("entry %+v", m)
		}
	}
	if list.Object != "list" || strings.Join(ids, " ") != "openclaw openclaw/default openclaw/main openclaw/coder" {
		t.Errorf("ids %v", ids)
	}
	for path, want := range map[string]int{
		"/v1/models/openclaw%2Fdefault": 200,
		"/v1/models/openclaw%2Fcoder":   200,
		"/v1/models/openclaw/coder":     200,
		"/v1/models/openclaw":           200,
		"/v1/models/agent:main":         200,
		"/v1/models/openclaw%2Fnope":    404,
		"/v1/models/gpt-4o":             404,
	} {
		resp, b := e.do(t, "GET", path, "")
		if resp.StatusCode != want {
			t.Errorf("%s: %d %s", path, resp.StatusCode, b)
			continue
		}
		if want == 404 {
			if str(decodeError(t, b).Error.Code) != "model_not_found" {
				t.Errorf("%s: %s", path, b)
			}
			continue
		}
		var m Model
		mustJSON(t, b, &m)
		if wantID := strings.ReplaceAll(strings.TrimPrefix(path, "/v1/models/"), "%2F", "/"); m.ID != wantID {
			t.Errorf("%s: id %q", path, m.ID)
		}
	}
}

func TestEmbeddings(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp, b := e.post(t, "/v1/embeddings", `{"model":"openclaw/default","input":["a","b"]}`)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	var got struct {
		Object string `json:"object"`
		Model  string `json:"model"`
		Data   []struct {
			Object    string    `json:"object"`
			Index     int       `json:"index"`
			Embedding []float64 `json:"embedding"`
		} `json:"data"`
		Usage EmbeddingUsage `json:"usage"`
	}
	mustJSON(t, b, &got)
	if got.Object != "list" || got.Model != "openclaw/default" || len(got.Data) != 2 || got.Data[1].Index != 1 ||
		got.Data[1].Embedding[0] != 1 || got.Data[0].Object != "embedding" || got.Usage.PromptTokens != 6 || got.Usage.TotalTokens != 6 {
		t.Errorf("reply %s", b)
	}
	// base64 (the SDKs' default): little-endian float32s.
	resp, b = e.post(t, "/v1/embeddings", `{"model":"openclaw","input":"a","encoding_format":"base64"}`)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"embedding":"AAAAAAAAAD8AAIC/"`) {
		t.Errorf("base64: %d %s", resp.StatusCode, b)
	}
	// x-openclaw-model overrides the backend model for permitted callers.
	resp, b = e.post(t, "/v1/embeddings", `{"model":"openclaw/coder","input":"a"}`, "X-Openclaw-Model", "fake/emb-2", "X-Test-Admin", "1")
	if resp.StatusCode != 200 {
		t.Errorf("override: %d %s", resp.StatusCode, b)
	}
}
