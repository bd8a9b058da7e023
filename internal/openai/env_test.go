package openai

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openclaw/openclaw-go/internal/agent"
	"github.com/openclaw/openclaw-go/internal/config"
	"github.com/openclaw/openclaw-go/internal/provider/registry"
	"github.com/openclaw/openclaw-go/internal/session"
)

// fixedNow is the clock of every test handler.
var fixedNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// upstreamReply scripts one answer of the fake OpenAI upstream.
type upstreamReply struct {
	status     int      // non-200: an error body
	chunks     []string // chat.completion.chunk JSON bodies
	resetAfter int      // >0: drop the connection after this many chunks
	block      bool     // after the chunks, wait for the client to go away
}

// fakeUpstream is an httptest.Server speaking the OpenAI Chat Completions
// (streaming) and Embeddings protocols. It records every request body.
type fakeUpstream struct {
	*httptest.Server
	mu       sync.Mutex
	chats    []map[string]any
	replies  []upstreamReply // consumed in order; the last one repeats
	canceled chan struct{}   // closed when a blocked reply sees the client go away
}

func newFakeUpstream(t *testing.T) *fakeUpstream {
	f := &fakeUpstream{canceled: make(chan struct{})}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// script sets the replies of the next chat requests.
func (f *fakeUpstream) script(r ...upstreamReply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.replies = r
}

// requests returns the recorded chat request bodies.
func (f *fakeUpstream) requests() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), f.chats...)
}

func (f *fakeUpstream) last(t *testing.T) map[string]any {
	t.Helper()
	reqs := f.requests()
	if len(reqs) == 0 {
		t.Fatal("no upstream request")
	}
	return reqs[len(reqs)-1]
}

func (f *fakeUpstream) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	switch r.URL.Path {
	case "/v1/embeddings":
		f.embed(w, m)
		return
	case "/v1/chat/completions":
	default:
		http.Error(w, `{"error":{"message":"no route"}}`, http.StatusNotFound)
		return
	}
	f.mu.Lock()
	f.chats = append(f.chats, m)
	rep := upstreamReply{chunks: textChunks("ok")}
	if len(f.replies) > 0 {
		rep = f.replies[0]
		if len(f.replies) > 1 {
			f.replies = f.replies[1:]
		}
	}
	f.mu.Unlock()
	if rep.status != 0 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rep.status)
		fmt.Fprintf(w, `{"error":{"message":"scripted failure","type":"server_error"}}`)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	fl := w.(http.Flusher)
	for i, c := range rep.chunks {
		if rep.resetAfter > 0 && i == rep.resetAfter {
			panic(http.ErrAbortHandler) // drops the connection mid-stream
		}
		fmt.Fprintf(w, "data: %s\n\n", c)
		fl.Flush()
	}
	if rep.block {
		<-r.Context().Done()
		close(f.canceled)
		return
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
}

func (f *fakeUpstream) embed(w http.ResponseWriter, m map[string]any) {
	in, _ := m["input"].([]any)
	type item struct {
		Object    string    `json:"object"`
		Index     int       `json:"index"`
		Embedding []float64 `json:"embedding"`
	}
	out := struct {
		Object string         `json:"object"`
		Data   []item         `json:"data"`
		Model  any            `json:"model"`
		Usage  map[string]int `json:"usage"`
	}{Object: "list", Model: m["model"], Usage: map[string]int{"prompt_tokens": 3 * len(in), "total_tokens": 3 * len(in)}}
	for i := range in {
		out.Data = append(out.Data, item{Object: "embedding", Index: i, Embedding: []float64{float64(i), 0.5, -1}})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// chunk renders one upstream chat.completion.chunk.
func chunk(delta string, finish string, usage string) string {
	fr := "null"
	if finish != "" {
		fr = `"` + finish + `"`
	}
	s := `{"id":"up","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":` + delta + `,"finish_reason":` + fr + `}]`
	if usage != "" {
		s += `,"usage":` + usage
	}
	return s + "}"
}

const upstreamUsage = `{"prompt_tokens":11,"completion_tokens":7,"total_tokens":18}`

// textChunks is a text reply in fragments, then finish and usage.
func textChunks(parts ...string) []string {
	out := []string{chunk(`{"role":"assistant","content":""}`, "", "")}
	for _, p := range parts {
		b, _ := json.Marshal(p)
		out = append(out, chunk(`{"content":`+string(b)+`}`, "", ""))
	}
	out = append(out, chunk(`{}`, "stop", ""))
	return append(out, `{"id":"up","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":`+upstreamUsage+`}`)
}

// toolChunks is a reply calling name with args in fragments.
func toolChunks(callID, name string, args ...string) []string {
	out := []string{chunk(`{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"`+callID+
		`","type":"function","function":{"name":"`+name+`","arguments":""}}]}`, "", "")}
	for _, a := range args {
		b, _ := json.Marshal(a)
		out = append(out, chunk(`{"tool_calls":[{"index":0,"function":{"arguments":`+string(b)+`}}]}`, "", ""))
	}
	out = append(out, chunk(`{}`, "tool_calls", ""))
	return append(out, `{"id":"up","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":`+upstreamUsage+`}`)
}

// memStore is an in-memory session.Store for tests.
type memStore struct {
	mu sync.Mutex
	m  map[string][]session.Entry
}

func newMemStore() *memStore { return &memStore{m: map[string][]session.Entry{}} }

func (s *memStore) Load(_ context.Context, agentID, key string) ([]session.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]session.Entry(nil), s.m[agentID+"\x00"+key]...), nil
}

func (s *memStore) Append(_ context.Context, agentID, key string, turn session.Turn) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := agentID + "\x00" + key
	s.m[k] = append(s.m[k], turn.Entries...)
	return nil
}

func (s *memStore) List(context.Context, string) ([]session.Info, error) { return nil, nil }
func (s *memStore) Ping(context.Context) error                           { return nil }
func (s *memStore) Close() error                                         { return nil }

func (s *memStore) keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.m {
		out = append(out, strings.ReplaceAll(k, "\x00", " "))
	}
	return out
}

// env is a handler backed by a real runtime whose only provider ("fake")
// is a fakeUpstream.
type env struct {
	up        *fakeUpstream
	srv       *httptest.Server
	store     *memStore
	endpoints atomic.Pointer[config.Endpoints]
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{up: newFakeUpstream(t), store: newMemStore()}
	ep := config.Endpoints{
		ChatCompletions: config.ChatCompletionsEndpoint{Enabled: true},
		Responses:       config.Toggle{Enabled: true},
	}
	e.endpoints.Store(&ep)
	cfg := &config.Config{
		Agents: config.Agents{
			Defaults: config.AgentDefaults{
				Model:     config.ModelSelection{Primary: "fake/m1"},
				Workspace: t.TempDir(),
			},
			List: []config.Agent{
				{ID: "main", Default: true, Name: "Main", Embedding: config.Embedding{Model: "fake/emb-1"}},
				{ID: "coder", Name: "Coder", Model: config.ModelSelection{Primary: "fake/m-coder"}},
			},
		},
		Models: config.Models{Mode: "replace", Providers: map[string]config.Provider{
			"fake": {BaseURL: e.up.URL + "/v1", API: "openai-completions", APIKey: "test-key"},
		}},
	}
	reg, err := registry.New(cfg.Models, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	rt, err := agent.New(cfg, agent.Options{Providers: reg, Store: e.store, StateDir: t.TempDir(),
		Now: func() time.Time { return fixedNow }, RetryBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	h := NewHandler(Options{
		Runtime:          rt,
		Endpoints:        func() config.Endpoints { return *e.endpoints.Load() },
		CanOverrideModel: func(r *http.Request) bool { return r.Header.Get("X-Test-Admin") == "1" },
		Now:              func() time.Time { return fixedNow },
	})
	// The gateway's body limit, smaller here to keep the test fast.
	e.srv = httptest.NewServer(http.MaxBytesHandler(h, 1<<20))
	t.Cleanup(e.srv.Close)
	return e
}

// do sends a request; headers alternate name, value.
func (e *env) do(t *testing.T, method, path, body string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func (e *env) post(t *testing.T, path, body string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	return e.do(t, http.MethodPost, path, body, headers...)
}

// apiError is the decoded OpenAI error body.
type apiError struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Code    *string `json:"code"`
		Param   *string `json:"param"`
		Hint    string  `json:"hint"`
	} `json:"error"`
}

func decodeError(t *testing.T, b []byte) apiError {
	t.Helper()
	var e apiError
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("error body is not JSON: %v: %s", err, b)
	}
	return e
}

func str(p *string) string {
	if p == nil {
		return "<null>"
	}
	return *p
}

func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}
