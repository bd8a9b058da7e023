package agent_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openclaw/openclaw-go/internal/agent"
	"github.com/openclaw/openclaw-go/internal/config"
	"github.com/openclaw/openclaw-go/internal/provider"
	"github.com/openclaw/openclaw-go/internal/provider/providertest"
	"github.com/openclaw/openclaw-go/internal/provider/registry"
	"github.com/openclaw/openclaw-go/internal/session/jsonl"
)

// setup builds a runtime whose agent "main" uses primary/m1 with fallback
// backup/m2, each a fake OpenAI upstream.
type setup struct {
	rt      *agent.Runtime
	primary *providertest.Server
	backup  *providertest.Server
	store   *jsonl.Store
	dir     string
}

func newSetup(t testing.TB, primary, backup providertest.Script, opts ...func(*agent.Options)) *setup {
	t.Helper()
	s := &setup{dir: t.TempDir()}
	s.primary = providertest.NewOpenAI(t, primary)
	s.backup = providertest.NewOpenAI(t, backup)
	cfgText := `{
	  gateway: { mode: "local" },
	  agents: {
	    defaults: { model: { primary: "primary/m1", fallbacks: ["backup/m2"] } },
	    list: [ { id: "main", default: true, name: "Main" }, { id: "other", model: "backup/m2" } ],
	  },
	  models: { providers: {
	    primary: { baseUrl: "` + s.primary.BaseURL() + `", api: "openai-completions", models: [{ id: "m1", maxTokens: 77 }] },
	    backup: { baseUrl: "` + s.backup.BaseURL() + `", api: "openai-completions", models: [{ id: "m2" }] },
	  } },
	}`
	getenv := func(k string) string {
		if k == "OPENCLAW_STATE_DIR" || k == "HOME" {
			return s.dir
		}
		return ""
	}
	cfg, err := config.Parse([]byte(cfgText), getenv)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := registry.New(cfg.Models, getenv)
	if err != nil {
		t.Fatal(err)
	}
	s.store, err = jsonl.Open(filepath.Join(s.dir, "agents"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.store.Close() })
	o := agent.Options{Providers: reg, Store: s.store, StateDir: s.dir, RetryBackoff: time.Millisecond}
	for _, f := range opts {
		f(&o)
	}
	s.rt, err = agent.New(cfg, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func userMsg(text string) []provider.Message {
	return []provider.Message{{Role: provider.RoleUser, Content: text}}
}

func TestRunAnswersFromPrimaryWithUsage(t *testing.T) {
	s := newSetup(t, providertest.Replies(providertest.Reply{Text: "hello there",
		Usage: &provider.Usage{PromptTokens: 3, CompletionTokens: 2, TotalTokens: 5}}), nil)
	res, err := s.rt.Run(context.Background(), &agent.TurnRequest{Messages: userMsg("hi")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != "hello there" || res.Model != "primary/m1" || res.Usage == nil || res.Usage.TotalTokens != 5 || res.FinishReason != "stop" {
		t.Fatalf("result %+v", res)
	}
	if n := len(s.backup.Requests()); n != 0 {
		t.Fatalf("backup called %d times", n)
	}
	// The model's maxTokens is the default token cap.
	req := s.primary.Last(t)
	if req.JSON["max_completion_tokens"] != float64(77) {
		t.Fatalf("token cap not taken from the model spec: %v", req.JSON)
	}
}

func TestFailoverToFallbackWhenPrimaryReturns503(t *testing.T) {
	s := newSetup(t,
		providertest.Replies(providertest.Reply{Status: 503, ErrorMessage: "overloaded"}),
		providertest.Replies(providertest.Reply{Text: "from backup"}))
	res, err := s.rt.Run(context.Background(), &agent.TurnRequest{Messages: userMsg("hi")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != "from backup" || res.Model != "backup/m2" {
		t.Fatalf("result %+v", res)
	}
	// 503 is retryable: the primary is tried twice before failing over.
	if n := len(s.primary.Requests()); n != 2 {
		t.Fatalf("primary tried %d times, want 2", n)
	}
}

func TestRetrySameModelHonoursRetryAfter(t *testing.T) {
	s := newSetup(t,
		providertest.Replies(providertest.Reply{Status: 429, RetryAfter: "0"}, providertest.Reply{Text: "second try"}), nil)
	res, err := s.rt.Run(context.Background(), &agent.TurnRequest{Messages: userMsg("hi")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != "second try" || res.Model != "primary/m1" || len(s.backup.Requests()) != 0 {
		t.Fatalf("result %+v, backup calls %d", res, len(s.backup.Requests()))
	}
}

func TestAuthFailureIsNotRetriedButFailsOver(t *testing.T) {
	s := newSetup(t,
		providertest.Replies(providertest.Reply{Status: 401, ErrorMessage: "bad key"}),
		providertest.Replies(providertest.Reply{Text: "ok"}))
	res, err := s.rt.Run(context.Background(), &agent.TurnRequest{Messages: userMsg("hi")})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.primary.Requests()) != 1 || res.Model != "backup/m2" {
		t.Fatalf("primary calls %d, model %s", len(s.primary.Requests()), res.Model)
	}
}

func TestAllModelsFailingNamesEveryAttempt(t *testing.T) {
	s := newSetup(t,
		providertest.Replies(providertest.Reply{Status: 500}),
		providertest.Replies(providertest.Reply{Status: 503, RetryAfter: "30"}))
	_, err := s.rt.Run(context.Background(), &agent.TurnRequest{Messages: userMsg("hi")})
	var fe *agent.FailoverError
	if !errors.As(err, &fe) {
		t.Fatalf("err %v, want FailoverError", err)
	}
	ae := agent.APIError(err)
	if ae.Status != 503 || ae.Code != "upstream_unavailable" || !strings.Contains(ae.Message, "primary/m1") ||
		!strings.Contains(ae.Message, "backup/m2") || ae.RetryAfter != 30*time.Second {
		t.Fatalf("api error %+v", ae)
	}
	if !strings.Contains(ae.Message, "primary/m1 → HTTP 500 (2 tries); backup/m2 → HTTP 503.") {
		t.Fatalf("attempts not summarised: %s", ae.Message)
	}
	// A Retry-After longer than the inline wait is not slept on.
	if n := len(s.backup.Requests()); n != 1 {
		t.Fatalf("backup tried %d times, want 1", n)
	}
}

func TestNoFailoverOnceOutputStreamed(t *testing.T) {
	s := newSetup(t,
		providertest.Replies(providertest.Reply{Text: "one two three four", Chunks: 4, Fault: providertest.ResetMidStream, FaultAfter: 2}),
		providertest.Replies(providertest.Reply{Text: "backup"}))
	turn, err := s.rt.Start(context.Background(), &agent.TurnRequest{Messages: userMsg("hi"), SessionKey: "k1"})
	if err != nil {
		t.Fatal(err)
	}
	var text string
	var streamErr error
	for {
		d, err := turn.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			streamErr = err
			break
		}
		text += d.Text
	}
	_ = turn.Close()
	if streamErr == nil || text == "" {
		t.Fatalf("want partial text then an error; text %q err %v", text, streamErr)
	}
	if n := len(s.backup.Requests()); n != 0 {
		t.Fatalf("failed over after output: backup called %d times", n)
	}
	// The partial reply is recorded as interrupted, never as complete.
	entries, err := s.store.Load(context.Background(), "main", "k1")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || !entries[1].Interrupted || entries[0].Role != "user" {
		t.Fatalf("transcript %+v", entries)
	}
}

func TestFailureBeforeFirstDeltaFailsOver(t *testing.T) {
	s := newSetup(t,
		providertest.Replies(providertest.Reply{Text: "x", Fault: providertest.ResetMidStream, FaultAfter: 0}),
		providertest.Replies(providertest.Reply{Text: "backup"}))
	res, err := s.rt.Run(context.Background(), &agent.TurnRequest{Messages: userMsg("hi")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != "backup" {
		t.Fatalf("result %+v", res)
	}
}

func TestSessionHistoryIsSentAndAppended(t *testing.T) {
	s := newSetup(t, providertest.Replies(providertest.Reply{Text: "first answer"}, providertest.Reply{Text: "second answer"}), nil)
	ctx := context.Background()
	if _, err := s.rt.Run(ctx, &agent.TurnRequest{SessionKey: "agent:main:openai-user:bob", Messages: userMsg("q1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.rt.Run(ctx, &agent.TurnRequest{SessionKey: "agent:main:openai-user:bob", Messages: userMsg("q2")}); err != nil {
		t.Fatal(err)
	}
	msgs, _ := s.primary.Last(t).JSON["messages"].([]any)
	var roles, contents []string
	for _, m := range msgs {
		mm := m.(map[string]any)
		roles = append(roles, mm["role"].(string))
		c, _ := mm["content"].(string)
		contents = append(contents, c)
	}
	if strings.Join(roles, ",") != "system,user,assistant,user" || contents[1] != "q1" || contents[2] != "first answer" || contents[3] != "q2" {
		t.Fatalf("second call messages: roles %v contents %q", roles, contents)
	}
	entries, _ := s.store.Load(ctx, "main", "agent:main:openai-user:bob")
	if len(entries) != 4 || entries[3].Content != "second answer" || entries[3].Model != "primary/m1" {
		t.Fatalf("transcript %+v", entries)
	}
}

func TestStatelessTurnIsNotStored(t *testing.T) {
	s := newSetup(t, providertest.Replies(providertest.Reply{Text: "x"}), nil)
	if _, err := s.rt.Run(context.Background(), &agent.TurnRequest{Messages: userMsg("hi")}); err != nil {
		t.Fatal(err)
	}
	infos, _ := s.store.List(context.Background(), "")
	if len(infos) != 0 {
		t.Fatalf("stateless turn stored: %+v", infos)
	}
}

func TestSystemPromptFromWorkspaceAndRequest(t *testing.T) {
	s := newSetup(t, providertest.Replies(providertest.Reply{Text: "x"}), nil)
	ws := filepath.Join(s.dir, "workspace")
	if err := os.MkdirAll(ws, 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(ws, "AGENTS.md"), []byte("Be terse."), 0o600)
	os.WriteFile(filepath.Join(ws, "SOUL.md"), []byte("You love Go."), 0o600)
	if _, err := s.rt.Run(context.Background(), &agent.TurnRequest{Channel: "test-channel",
		System: []string{"Answer in French."}, Messages: userMsg("hi")}); err != nil {
		t.Fatal(err)
	}
	msgs := s.primary.Last(t).JSON["messages"].([]any)
	sys := msgs[0].(map[string]any)["content"].(string)
	iAgents, iSoul, iReq := strings.Index(sys, "Be terse."), strings.Index(sys, "You love Go."), strings.Index(sys, "Answer in French.")
	if iAgents < 0 || iSoul < iAgents || iReq < iSoul || !strings.Contains(sys, "Main") || !strings.Contains(sys, "test-channel") {
		t.Fatalf("system prompt:\n%s", sys)
	}
}

func TestUnknownAgentAndModelOverride(t *testing.T) {
	s := newSetup(t, providertest.Replies(providertest.Reply{Text: "x"}), providertest.Replies(providertest.Reply{Text: "from override"}))
	_, err := s.rt.Run(context.Background(), &agent.TurnRequest{AgentID: "ghost", Messages: userMsg("hi")})
	if !errors.Is(err, agent.ErrUnknownAgent) {
		t.Fatalf("err %v", err)
	}
	if ae := agent.APIError(err); ae.Status != 404 || ae.Code != "model_not_found" || !strings.Contains(ae.Hint, "openclaw/main") {
		t.Fatalf("api error %+v", ae)
	}
	res, err := s.rt.Run(context.Background(), &agent.TurnRequest{ModelOverride: "backup/m2", Messages: userMsg("hi")})
	if err != nil || res.Model != "backup/m2" {
		t.Fatalf("override: %+v %v", res, err)
	}
	if len(s.primary.Requests()) != 0 {
		t.Fatal("override still called the primary")
	}
}

func TestClientCancelStopsUpstream(t *testing.T) {
	s := newSetup(t, providertest.Replies(providertest.Reply{Text: "a b c d e f", Chunks: 6, ChunkDelay: 200 * time.Millisecond}), nil)
	ctx, cancel := context.WithCancel(context.Background())
	turn, err := s.rt.Start(ctx, &agent.TurnRequest{Messages: userMsg("hi")})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	_ = turn.Close()
	select {
	case <-s.primary.Canceled():
	case <-time.After(5 * time.Second):
		t.Fatal("upstream request not canceled")
	}
}

func TestCachedTranscriptMatchesStoreAndRecoversFromOtherWriters(t *testing.T) {
	s := newSetup(t, providertest.Replies(providertest.Reply{Text: "r"}), nil)
	// A second runtime with the transcript cache on, over the same store.
	cfg, _ := config.Parse([]byte(`{agents:{defaults:{model:"primary/m1"}},models:{providers:{primary:{baseUrl:"`+
		s.primary.BaseURL()+`",api:"openai-completions",models:[{id:"m1"}]}}}}`), func(string) string { return "" })
	reg, _ := registry.New(cfg.Models, func(string) string { return "" })
	cachedRT, err := agent.New(cfg, agent.Options{Providers: reg, Store: s.store, StateDir: s.dir, TranscriptCacheBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	turn := func(rt *agent.Runtime, text string) []any {
		t.Helper()
		if _, err := rt.Run(ctx, &agent.TurnRequest{SessionKey: "sk", Messages: userMsg(text)}); err != nil {
			t.Fatal(err)
		}
		return s.primary.Last(t).JSON["messages"].([]any)
	}
	turn(cachedRT, "one")
	if msgs := turn(cachedRT, "two"); len(msgs) != 4 { // system, one, r, two
		t.Fatalf("cached history: %d messages", len(msgs))
	}
	turn(s.rt, "other writer") // not seen by the cache
	turn(cachedRT, "three")    // may use the stale copy, but its append reveals the gap
	if msgs := turn(cachedRT, "four"); len(msgs) != 1+2*4+1 {
		t.Fatalf("after another writer, history has %d messages, want %d", len(msgs), 1+2*4+1)
	}
}

func TestUnknownModelOverrideIsTheCallersError(t *testing.T) {
	s := newSetup(t, providertest.Replies(providertest.Reply{Text: "x"}), nil)
	_, err := s.rt.Run(context.Background(), &agent.TurnRequest{ModelOverride: "nope/none", Messages: userMsg("hi")})
	ae := agent.APIError(err)
	if ae.Status != 400 || ae.Code != "unknown_model_override" || !strings.Contains(ae.Message, "nope/none") {
		t.Fatalf("api error %+v", ae)
	}
	if len(s.primary.Requests()) != 0 {
		t.Fatal("an unknown override reached a provider")
	}
}

// The system prompt is built once per day, channel and workspace text, and
// follows each of them when it changes.
func TestSystemPromptFollowsDayWorkspaceAndChannel(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 11, 26, 23, 59, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := newSetup(t, providertest.Replies(providertest.Reply{Text: "x"}), nil, func(o *agent.Options) { o.Now = clock })
	prompt := func(channel string, system ...string) string {
		t.Helper()
		if _, err := s.rt.Run(context.Background(), &agent.TurnRequest{Channel: channel, System: system, Messages: userMsg("hi")}); err != nil {
			t.Fatal(err)
		}
		return s.primary.Last(t).JSON["messages"].([]any)[0].(map[string]any)["content"].(string)
	}
	first := prompt("api")
	if !strings.Contains(first, "Thursday, 2026-11-26") || prompt("api") != first {
		t.Fatalf("first day:\n%s", first)
	}
	if p := prompt("api", "Answer in French."); !strings.HasPrefix(p, first) || !strings.HasSuffix(p, "\nAnswer in French.\n") {
		t.Fatalf("with a request system text:\n%s", p)
	}
	if p := prompt("msteams"); !strings.Contains(p, "Channel: msteams.") {
		t.Fatalf("other channel:\n%s", p)
	}
	if prompt("api") != first {
		t.Fatal("the api prompt changed after another channel's turn")
	}

	mu.Lock()
	now = now.Add(2 * time.Minute) // the next day, and past the workspace cache's TTL
	mu.Unlock()
	if p := prompt("api"); !strings.Contains(p, "Friday, 2026-11-27") {
		t.Fatalf("next day:\n%s", p)
	}
	if err := os.WriteFile(filepath.Join(s.dir, "workspace", "AGENTS.md"), []byte("Be terse."), 0o600); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	if p := prompt("api"); !strings.Contains(p, "## AGENTS.md\nBe terse.") {
		t.Fatalf("after a workspace edit:\n%s", p)
	}
}
