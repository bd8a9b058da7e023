package openai

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/openclaw/openclaw-go/internal/agent"
	"github.com/openclaw/openclaw-go/internal/config"
	"github.com/openclaw/openclaw-go/internal/provider"
	"github.com/openclaw/openclaw-go/internal/provider/providertest"
	"github.com/openclaw/openclaw-go/internal/provider/registry"
)

// newProviderEnv serves the handler over a runtime whose default agent uses
// the given providertest fake (OpenAI or Anthropic protocol).
func newProviderEnv(t *testing.T, api string, script providertest.Script) (*env, *providertest.Server) {
	t.Helper()
	var up *providertest.Server
	if api == registry.APIAnthropicMessages {
		up = providertest.NewAnthropic(t, script)
	} else {
		up = providertest.NewOpenAI(t, script)
	}
	cfg := &config.Config{
		Agents: config.Agents{
			Defaults: config.AgentDefaults{Model: config.ModelSelection{Primary: "up/model-a"}, Workspace: t.TempDir()},
			List:     []config.Agent{{ID: "main", Default: true}},
		},
		Models: config.Models{Mode: "replace", Providers: map[string]config.Provider{
			"up": {BaseURL: up.BaseURL(), API: api, APIKey: "test-key", Models: []config.ModelSpec{{ID: "model-a", MaxTokens: 512}}},
		}},
	}
	reg, err := registry.New(cfg.Models, nil)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := agent.New(cfg, agent.Options{Providers: reg, StateDir: t.TempDir(), RetryBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{store: newMemStore()}
	h := NewHandler(Options{Runtime: rt, Now: func() time.Time { return fixedNow }})
	e.srv = httptest.NewServer(http.MaxBytesHandler(h, 1<<20))
	t.Cleanup(e.srv.Close)
	return e, up
}

// TestAcrossProviders runs the same client-visible contract over both
// provider protocols: the OpenAI surface must not depend on the backend.
func TestAcrossProviders(t *testing.T) {
	t.Parallel()
	usage := &provider.Usage{PromptTokens: 5, CompletionTokens: 3, TotalTokens: 8}
	for _, api := range []string{registry.APIOpenAICompletions, registry.APIAnthropicMessages} {
		t.Run(api, func(t *testing.T) {
			t.Parallel()
			t.Run("non-stream text", func(t *testing.T) {
				t.Parallel()
				e, _ := newProviderEnv(t, api, providertest.Replies(providertest.Reply{Text: "Hello there friend", Usage: usage}))
				resp, b := e.post(t, "/v1/chat/completions", chatBody(""))
				var got ChatCompletion
				mustJSON(t, b, &got)
				if resp.StatusCode != 200 || *got.Choices[0].Message.Content != "Hello there friend" || got.Usage.TotalTokens != 8 {
					t.Errorf("%d %s", resp.StatusCode, b)
				}
			})
			t.Run("stream text", func(t *testing.T) {
				t.Parallel()
				e, _ := newProviderEnv(t, api, providertest.Replies(providertest.Reply{Text: "one two three", Usage: usage}))
				_, b := e.post(t, "/v1/chat/completions", chatBody(`"stream":true,"stream_options":{"include_usage":true}`))
				cs := chunks(t, b)
				var text strings.Builder
				for _, c := range cs[1 : len(cs)-2] {
					text.WriteString(*c.Choices[0].Delta.Content)
				}
				fin := cs[len(cs)-2].Choices[0].FinishReason
				if *cs[0].Choices[0].Delta.Role != "assistant" || text.String() != "one two three" || fin == nil || *fin != "stop" ||
					cs[len(cs)-1].Usage == nil || cs[len(cs)-1].Usage.TotalTokens != 8 {
					t.Errorf("stream %s", b)
				}
			})
			t.Run("stream tool call", func(t *testing.T) {
				t.Parallel()
				e, _ := newProviderEnv(t, api, providertest.Replies(providertest.Reply{
					ToolCalls: []provider.ToolCall{{ID: "call_1", Name: "get_weather", Arguments: `{"city":"Oslo"}`}}, ArgChunks: 3}))
				_, b := e.post(t, "/v1/chat/completions", chatBody(`"stream":true,"tools":[{"type":"function","function":{"name":"get_weather"}}]`))
				cs := chunks(t, b)
				var args strings.Builder
				var name, id string
				for _, c := range cs {
					for _, d := range c.Choices {
						for _, tc := range d.Delta.ToolCalls {
							args.WriteString(tc.Function.Arguments)
							if tc.ID != "" {
								id, name = tc.ID, tc.Function.Name
							}
						}
					}
				}
				fin := cs[len(cs)-1].Choices[0].FinishReason
				if id != "call_1" || name != "get_weather" || args.String() != `{"city":"Oslo"}` || fin == nil || *fin != "tool_calls" {
					t.Errorf("id %q name %q args %q: %s", id, name, args.String(), b)
				}
			})
			t.Run("mid-stream reset", func(t *testing.T) {
				t.Parallel()
				e, _ := newProviderEnv(t, api, providertest.Replies(providertest.Reply{Text: "a b c d e f", Fault: providertest.ResetMidStream, FaultAfter: 2}))
				_, b := e.post(t, "/v1/chat/completions", chatBody(`"stream":true`))
				cs := chunks(t, b)
				if last := cs[len(cs)-1]; last.Error == nil || len(last.Choices) != 0 {
					t.Errorf("no error chunk: %s", b)
				}
			})
			t.Run("responses", func(t *testing.T) {
				t.Parallel()
				e, _ := newProviderEnv(t, api, providertest.Replies(providertest.Reply{Text: "Fine thanks", Usage: usage}))
				resp, b := e.post(t, "/v1/responses", `{"model":"openclaw","input":"how are you?"}`)
				var got respOut
				mustJSON(t, b, &got)
				if resp.StatusCode != 200 || got.Output[0].Content[0].Text != "Fine thanks" || got.Usage.TotalTokens != 8 {
					t.Errorf("%d %s", resp.StatusCode, b)
				}
			})
		})
	}
}
