package msteams

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/openclaw/openclaw-go/internal/agent"
	"github.com/openclaw/openclaw-go/internal/channel/msteams/mstest"
	"github.com/openclaw/openclaw-go/internal/config"
)

// fakeClock is an injectable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Now()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testAgent stands in for *agent.Runtime (not available to this package's
// tests yet): it records turns and answers with fixed text.
type testAgent struct {
	mu    sync.Mutex
	reply string
	err   error
	delay time.Duration
	turns []agent.TurnRequest
}

func (a *testAgent) ResolveAgent(id string) (string, error) {
	switch id {
	case "", "main":
		return "main", nil
	}
	return "", errors.New("unknown agent " + id)
}

func (a *testAgent) Run(ctx context.Context, req *agent.TurnRequest) (*agent.Result, error) {
	a.mu.Lock()
	a.turns = append(a.turns, *req)
	reply, err, delay := a.reply, a.err, a.delay
	a.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if err != nil {
		return nil, err
	}
	return &agent.Result{AgentID: req.AgentID, Model: "test/echo", Text: reply, FinishReason: "stop"}, nil
}

func (a *testAgent) Turns() []agent.TurnRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]agent.TurnRequest(nil), a.turns...)
}

// harness is a channel wired to a fake Microsoft, served by httptest.
type harness struct {
	ms      *mstest.Microsoft
	ch      *Channel
	agent   *testAgent
	clock   *fakeClock
	srv     *httptest.Server
	url     string // webhook URL
	state   string
	waits   []time.Duration
	waitsMu sync.Mutex
}

func baseConfig(ms *mstest.Microsoft) *config.MSTeams {
	return &config.MSTeams{
		AppID: ms.AppID, AppPassword: config.Secret(ms.AppPassword), TenantID: ms.TenantID,
		DMPolicy: "allowlist", AllowFrom: []string{"aad-alice"},
		Microsoft: config.MicrosoftEndpoints{
			OpenIDMetadataURL: ms.OpenIDMetadataURL(), TenantOpenIDMetadataURL: ms.TenantOpenIDMetadataURL(),
			TokenURL: ms.TokenURL(),
		},
	}
}

func newHarness(t *testing.T, mutate func(*config.MSTeams)) *harness {
	t.Helper()
	return newHarnessWith(t, nil, mutate)
}

// newHarnessWith uses ag as the agent (nil: a testAgent in h.agent).
func newHarnessWith(t *testing.T, ag Agent, mutate func(*config.MSTeams)) *harness {
	t.Helper()
	ms := mstest.New(t)
	cfg := baseConfig(ms)
	if mutate != nil {
		mutate(cfg)
	}
	h := &harness{ms: ms, agent: &testAgent{reply: "Hello from the agent."}, clock: newClock(), state: t.TempDir()}
	if ag == nil {
		ag = h.agent
	}
	ch, err := New(Options{
		Config: cfg, StateDir: h.state, ListenHost: "127.0.0.1", GatewayPort: 18789, Agent: ag,
		Now: h.clock.Now, Getenv: func(string) string { return "" },
	})
	if err != nil {
		t.Fatal(err)
	}
	ch.conn.sleep = func(ctx context.Context, d time.Duration) error {
		h.waitsMu.Lock()
		h.waits = append(h.waits, d)
		h.waitsMu.Unlock()
		return ctx.Err()
	}
	h.ch = ch
	h.srv = httptest.NewServer(ch.Handler())
	t.Cleanup(h.srv.Close)
	t.Cleanup(func() { _ = ch.Close(context.Background()) })
	h.url = h.srv.URL + DefaultPath
	return h
}

// drain waits for every in-flight turn by closing the channel.
func (h *harness) drain(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.ch.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

func (h *harness) deliver(t *testing.T, act map[string]any) *http.Response {
	t.Helper()
	resp := h.ms.Deliver(t, h.url, act)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("webhook answered %d: %s", resp.StatusCode, readBody(resp))
	}
	return resp
}

func readBody(resp *http.Response) string {
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

type errBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Hint    string `json:"hint"`
	} `json:"error"`
}

func decodeErr(t *testing.T, resp *http.Response) (errBody, string) {
	t.Helper()
	raw := readBody(resp)
	var e errBody
	if err := json.Unmarshal([]byte(raw), &e); err != nil {
		t.Fatalf("error body is not JSON: %q", raw)
	}
	return e, raw
}
