package msteams

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openclaw/openclaw-go/internal/agent"
	"github.com/openclaw/openclaw-go/internal/channel/msteams/mstest"
	"github.com/openclaw/openclaw-go/internal/config"
	"github.com/openclaw/openclaw-go/internal/provider/providertest"
	"github.com/openclaw/openclaw-go/internal/provider/registry"
	"github.com/openclaw/openclaw-go/internal/session/jsonl"
)

// TestDMWithRealRuntime runs the whole path: a signed activity → the real
// agent runtime → a fake OpenAI upstream → the reply on the fake connector,
// with the turn stored under agent:<id>:msteams:<conversation id>.
func TestDMWithRealRuntime(t *testing.T) {
	t.Parallel()
	up := providertest.NewOpenAI(t, providertest.Replies(
		providertest.Reply{Text: "It is tea time."},
		providertest.Reply{Text: "Still tea time."},
	))
	cfg := &config.Config{
		Agents: config.Agents{
			Defaults: config.AgentDefaults{Model: config.ModelSelection{Primary: "fake/m1"}, Workspace: t.TempDir()},
			List:     []config.Agent{{ID: "main", Default: true}},
		},
		Models: config.Models{Mode: "replace", Providers: map[string]config.Provider{
			"fake": {BaseURL: up.BaseURL(), API: "openai-completions", APIKey: "test-key"},
		}},
	}
	reg, err := registry.New(cfg.Models, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	store, err := jsonl.Open(filepath.Join(t.TempDir(), "agents"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	rt, err := agent.New(cfg, agent.Options{Providers: reg, Store: store, StateDir: t.TempDir(), RetryBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}

	h := newHarnessWith(t, rt, nil)
	alice := mstest.User("aad-alice")
	h.deliver(t, h.ms.DM("rt-1", alice, "What time is it?"))
	h.ms.WaitMessages(t, 1, 10*time.Second)
	h.deliver(t, h.ms.DM("rt-2", alice, "And now?"))
	h.drain(t)

	msgs := h.ms.Messages()
	if len(msgs) != 2 || msgs[0].Text() != "It is tea time." || msgs[1].Text() != "Still tea time." {
		t.Fatalf("connector messages = %+v", msgs)
	}
	reqs := up.Requests()
	if len(reqs) != 2 {
		t.Fatalf("upstream requests = %d", len(reqs))
	}
	// The second turn carries the first as history: same session.
	second := string(reqs[1].Body)
	for _, want := range []string{"What time is it?", "It is tea time.", "And now?"} {
		if !strings.Contains(second, want) {
			t.Errorf("second upstream request lacks %q: %s", want, second)
		}
	}
	entries, err := store.Load(context.Background(), "main", "agent:main:msteams:a:dm-aad-alice")
	if err != nil || len(entries) < 4 {
		t.Fatalf("session entries = %d, %v", len(entries), err)
	}
}
