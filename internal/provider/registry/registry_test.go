package registry

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/openclaw/openclaw-go/internal/config"
	"github.com/openclaw/openclaw-go/internal/provider"
	"github.com/openclaw/openclaw-go/internal/provider/providertest"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func mustNew(t *testing.T, models config.Models, getenv func(string) string) *Registry {
	t.Helper()
	r, err := New(models, getenv, WithTransport(provider.NewTransport()))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestBuiltinsWithoutKeysFailWithoutSending(t *testing.T) {
	t.Parallel()
	openaiSrv := providertest.NewOpenAI(t, nil)
	anthropicSrv := providertest.NewAnthropic(t, nil)
	r := mustNew(t, config.Models{}, env("OPENAI_BASE_URL", openaiSrv.BaseURL(), "ANTHROPIC_BASE_URL", anthropicSrv.BaseURL()))
	if got := strings.Join(r.IDs(), ","); got != "anthropic,ollama,openai" {
		t.Fatalf("ids = %s", got)
	}
	for id, envVar := range map[string]string{"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"} {
		p, err := r.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Stream(t.Context(), &provider.Request{Model: "m"})
		pe, ok := provider.AsError(err)
		if !ok || pe.Kind != provider.KindConfig || pe.Hint != "set "+envVar+" or models.providers."+id+".apiKey" || pe.Retryable() {
			t.Errorf("%s: err %v hint %q", id, err, pe.Hint)
		}
		if _, err := p.Embed(t.Context(), &provider.EmbedRequest{Model: "m"}); err == nil {
			t.Errorf("%s: Embed without a key succeeded", id)
		}
	}
	if n := len(openaiSrv.Requests()) + len(anthropicSrv.Requests()); n != 0 {
		t.Errorf("%d requests sent without a key", n)
	}
}

func TestBuiltinsFromEnv(t *testing.T) {
	t.Parallel()
	openaiSrv := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{Text: "hi"}))
	anthropicSrv := providertest.NewAnthropic(t, providertest.Replies(providertest.Reply{Text: "hi"}))
	ollamaSrv := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{Text: "hi"}))
	r := mustNew(t, config.Models{}, env(
		"OPENAI_API_KEY", "sk-o", "OPENAI_BASE_URL", openaiSrv.BaseURL(),
		"ANTHROPIC_API_KEY", "sk-a", "ANTHROPIC_BASE_URL", anthropicSrv.BaseURL(),
		"OLLAMA_BASE_URL", ollamaSrv.BaseURL(),
	))
	for _, id := range []string{"openai", "anthropic", "ollama"} {
		p, _ := r.Get(id)
		if got := drain(t, p); got != "hi" {
			t.Errorf("%s: %q", id, got)
		}
	}
	if h := openaiSrv.Last(t).Header.Get("Authorization"); h != "Bearer sk-o" {
		t.Errorf("openai auth %q", h)
	}
	if h := anthropicSrv.Last(t).Header.Get("x-api-key"); h != "sk-a" {
		t.Errorf("anthropic key %q", h)
	}
	if _, ok := ollamaSrv.Last(t).Header["Authorization"]; ok {
		t.Error("ollama got an Authorization header")
	}
}

func drain(t *testing.T, p provider.Provider, model ...string) string {
	t.Helper()
	req := &provider.Request{Model: "m"}
	if len(model) > 0 {
		req.Model = model[0]
	}
	s, err := p.Stream(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var text string
	for {
		d, err := s.Next()
		if err == io.EOF {
			return text
		}
		if err != nil {
			t.Fatal(err)
		}
		text += d.Text
	}
}

func TestCustomProviders(t *testing.T) {
	t.Parallel()
	local := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{Text: "local"}))
	proxy := providertest.NewAnthropic(t, providertest.Replies(providertest.Reply{Text: "proxy"}))
	models := config.Models{Providers: map[string]config.Provider{
		"local": {BaseURL: local.BaseURL(), API: APIOpenAICompletions, MaxTokensField: "max_tokens",
			Models: []config.ModelSpec{{ID: "llama3.2", Name: "Llama 3.2", MaxTokens: 8192}}},
		"claude-proxy": {BaseURL: proxy.BaseURL(), API: APIAnthropicMessages, APIKey: "k",
			Models: []config.ModelSpec{{ID: "claude-x", MaxTokens: 1234}}},
		// A built-in id extends the built-in: base URL and models from config, key from env.
		"openai": {BaseURL: local.BaseURL(), Models: []config.ModelSpec{{ID: "gpt-4o-mini"}}},
	}}
	r := mustNew(t, models, env("OPENAI_API_KEY", "sk-env"))

	p, _ := r.Get("local")
	s, err := p.Stream(t.Context(), &provider.Request{Model: "llama3.2", MaxTokens: 10})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if req := local.Last(t); req.JSON["max_tokens"] != 10.0 || req.Header.Get("Authorization") != "" {
		t.Errorf("local request %s %v", req.Body, req.Header)
	}

	p, _ = r.Get("claude-proxy")
	if got := drain(t, p, "claude-x"); got != "proxy" {
		t.Errorf("proxy: %q", got)
	}
	if req := proxy.Last(t); req.JSON["max_tokens"] != 1234.0 {
		t.Errorf("anthropic max_tokens from the model spec: %s", req.Body)
	}

	p, _ = r.Get("openai")
	if got := drain(t, p); got != "local" || local.Last(t).Header.Get("Authorization") != "Bearer sk-env" {
		t.Errorf("openai override: %q", got)
	}

	if spec, ok := r.ModelSpec("local", "llama3.2"); !ok || spec.MaxTokens != 8192 {
		t.Errorf("ModelSpec = %+v %v", spec, ok)
	}
	if _, ok := r.ModelSpec("local", "nope"); ok {
		t.Error("ModelSpec of an unknown model")
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		p    config.Provider
		want string
	}{
		{"unsupported api names the key", config.Provider{BaseURL: "http://x", API: "google-generative-ai"}, "models.providers.bad.api"},
		{"custom provider needs a baseUrl", config.Provider{API: APIOpenAICompletions}, "models.providers.bad.baseUrl"},
	} {
		_, err := New(config.Models{Providers: map[string]config.Provider{"bad": tc.p}}, env())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v", tc.name, err)
		}
	}
}

func TestReplaceModeDropsBuiltins(t *testing.T) {
	t.Parallel()
	r := mustNew(t, config.Models{Mode: "replace", Providers: map[string]config.Provider{"local": {BaseURL: "http://127.0.0.1:1/v1"}}}, env())
	if got := strings.Join(r.IDs(), ","); got != "local" {
		t.Errorf("ids = %s", got)
	}
}

func TestGetUnknown(t *testing.T) {
	t.Parallel()
	r := mustNew(t, config.Models{}, env())
	_, err := r.Get("mistral")
	if !errors.Is(err, ErrUnknownProvider) || !strings.Contains(err.Error(), "anthropic, ollama, openai") {
		t.Errorf("err = %v", err)
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	r := mustNew(t, config.Models{Providers: map[string]config.Provider{
		"local":      {BaseURL: "http://127.0.0.1:1/v1", Models: []config.ModelSpec{{ID: "llama3.2", Name: "Llama 3.2"}, {ID: "qwen3"}}},
		"openrouter": {BaseURL: "http://127.0.0.1:2/v1", Models: []config.ModelSpec{{ID: "meta/llama-3"}, {ID: "qwen3"}}},
	}}, env())
	tests := []struct {
		name, ref, provider, model string
		err                        error
		errHas                     string
	}{
		{"provider/model", "openai/gpt-4o-mini", "openai", "gpt-4o-mini", nil, ""},
		{"split at the first slash", "openrouter/meta/llama-3", "openrouter", "meta/llama-3", nil, ""},
		{"unlisted model of a known provider", "local/anything", "local", "anything", nil, ""},
		{"alias by name, case-insensitive", "llama 3.2", "local", "llama3.2", nil, ""},
		{"bare id unique among providers", "llama3.2", "local", "llama3.2", nil, ""},
		{"bare id offered twice is ambiguous", "qwen3", "", "", ErrAmbiguousModel, "local/qwen3, openrouter/qwen3"},
		{"unknown bare id lists candidates", "gpt-5", "", "", ErrUnknownModel, "local/llama3.2"},
		{"unknown provider lists known ones", "mistral/large", "", "", ErrUnknownProvider, "anthropic, local, ollama, openai, openrouter"},
		{"provider without model", "openai/", "", "", ErrUnknownModel, ""},
		{"empty", " ", "", "", ErrUnknownModel, ""},
	}
	for _, tc := range tests {
		p, m, err := r.Resolve(tc.ref)
		if tc.err != nil {
			if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.errHas) {
				t.Errorf("%s: err = %v, want %v containing %q", tc.name, err, tc.err, tc.errHas)
			}
			continue
		}
		if err != nil || p != tc.provider || m != tc.model {
			t.Errorf("%s: Resolve(%q) = %q, %q, %v", tc.name, tc.ref, p, m, err)
		}
	}
}
