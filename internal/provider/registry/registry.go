// Package registry builds the set of configured LLM providers from the
// `models` config section and the environment, and resolves model refs
// ("provider/model" or a bare alias) to a provider and a backend model id
// (gateway.md §2). A Registry is immutable: on a config reload the runtime
// builds a new one, passing the same shared transport so warm upstream
// connections survive the swap.
//
// It lives in its own package, not in package provider, because it
// constructs the adapters (openaicompat, anthropic), which import provider.
package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/openclaw/openclaw-go/internal/config"
	"github.com/openclaw/openclaw-go/internal/provider"
	"github.com/openclaw/openclaw-go/internal/provider/anthropic"
	"github.com/openclaw/openclaw-go/internal/provider/openaicompat"
)

// API kinds of models.providers.<id>.api that this gateway implements.
const (
	APIOpenAICompletions = "openai-completions"
	APIAnthropicMessages = "anthropic-messages"
)

// Errors that callers branch on (e.g. to answer 404). Returned wrapped, with
// the candidates in the message.
var (
	ErrUnknownProvider = errors.New("unknown provider")
	ErrUnknownModel    = errors.New("unknown model")
	ErrAmbiguousModel  = errors.New("ambiguous model")
)

// builtin is a provider that needs only environment variables.
type builtin struct {
	id, api, baseURL string
	keyEnv           string // conventional API key variable; "" for none
	baseEnv          string // variable overriding the base URL
}

var builtins = []builtin{
	{id: "openai", api: APIOpenAICompletions, baseURL: openaicompat.DefaultBaseURL, keyEnv: "OPENAI_API_KEY", baseEnv: "OPENAI_BASE_URL"},
	{id: "anthropic", api: APIAnthropicMessages, baseURL: anthropic.DefaultBaseURL, keyEnv: "ANTHROPIC_API_KEY", baseEnv: "ANTHROPIC_BASE_URL"},
	{id: "ollama", api: APIOpenAICompletions, baseURL: "http://127.0.0.1:11434/v1", baseEnv: "OLLAMA_BASE_URL"},
}

// Option configures New.
type Option func(*settings)

type settings struct {
	transport http.RoundTripper
	timeouts  provider.Timeouts
}

// WithTransport makes every provider of the registry send through rt. Pass
// one transport (e.g. provider.NewTransport()) to every registry the process
// builds, so that a config reload keeps the connection pool.
func WithTransport(rt http.RoundTripper) Option { return func(s *settings) { s.transport = rt } }

// WithTimeouts sets the default timeouts; models.providers.<id>.timeoutMs
// still overrides the first-byte timeout per provider.
func WithTimeouts(t provider.Timeouts) Option { return func(s *settings) { s.timeouts = t } }

// Registry is an immutable set of providers and their configured models.
type Registry struct {
	providers map[string]provider.Provider
	ids       []string                      // sorted
	specs     map[string][]config.ModelSpec // configured models per provider
}

// New builds the providers: the built-ins (openai, anthropic, ollama) unless
// models.mode is "replace", then every models.providers entry, an entry with
// a built-in's id extending and overriding that built-in. getenv supplies
// the conventional variables (OPENAI_API_KEY, ANTHROPIC_API_KEY,
// OPENAI_BASE_URL, ANTHROPIC_BASE_URL, OLLAMA_BASE_URL).
//
// A provider that requires an API key but has none is still registered; its
// Stream and Embed fail at once with a KindConfig error naming the variable
// and the config key to set, so no request is ever sent without the key.
func New(models config.Models, getenv func(string) string, opts ...Option) (*Registry, error) {
	var set settings
	for _, o := range opts {
		o(&set)
	}
	if set.transport == nil {
		set.transport = provider.NewTransport()
	}
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	httpClient := &http.Client{Transport: set.transport}
	r := &Registry{providers: map[string]provider.Provider{}, specs: map[string][]config.ModelSpec{}}

	var errs []error
	seen := map[string]bool{}
	if models.Mode != "replace" {
		for _, b := range builtins {
			cfg := models.Providers[b.id]
			p, err := build(b.id, &b, cfg, getenv, httpClient, set.timeouts)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			r.add(b.id, p, cfg.Models)
			seen[b.id] = true
		}
	}
	ids := make([]string, 0, len(models.Providers))
	for id := range models.Providers {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if seen[id] {
			continue
		}
		cfg := models.Providers[id]
		var b *builtin
		if i := slices.IndexFunc(builtins, func(b builtin) bool { return b.id == id }); i >= 0 {
			b = &builtins[i] // models.mode "replace" keeps a listed built-in's defaults
		}
		p, err := build(id, b, cfg, getenv, httpClient, set.timeouts)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		r.add(id, p, cfg.Models)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	sort.Strings(r.ids)
	return r, nil
}

func (r *Registry) add(id string, p provider.Provider, specs []config.ModelSpec) {
	r.providers[id] = p
	r.ids = append(r.ids, id)
	if len(specs) > 0 {
		r.specs[id] = specs
	}
}

// build constructs one provider from its built-in defaults (b may be nil)
// and its config entry (zero when absent).
func build(id string, b *builtin, cfg config.Provider, getenv func(string) string, hc *http.Client, base provider.Timeouts) (provider.Provider, error) {
	key := "models.providers." + id
	api := cfg.API
	baseURL := cfg.BaseURL
	apiKey := cfg.APIKey.Reveal()
	var keyEnv string
	if b != nil {
		if api == "" {
			api = b.api
		}
		if baseURL == "" && b.baseEnv != "" {
			baseURL = getenv(b.baseEnv)
		}
		if baseURL == "" {
			baseURL = b.baseURL
		}
		keyEnv = b.keyEnv
		if apiKey == "" && keyEnv != "" {
			apiKey = getenv(keyEnv)
		}
	}
	if api == "" {
		api = APIOpenAICompletions
	}
	if api != APIOpenAICompletions && api != APIAnthropicMessages {
		return nil, fmt.Errorf("%s.api: %q is not supported yet; use %q or %q", key, api, APIOpenAICompletions, APIAnthropicMessages)
	}
	if baseURL == "" {
		return nil, fmt.Errorf("%s.baseUrl: required for a custom provider (e.g. \"http://127.0.0.1:11434/v1\")", key)
	}

	timeouts := base
	if cfg.TimeoutMs > 0 {
		timeouts.FirstByte = time.Duration(cfg.TimeoutMs) * time.Millisecond
	}
	authHint := "check " + key + ".apiKey"
	if keyEnv != "" {
		authHint = "check " + keyEnv + " or " + key + ".apiKey"
	}

	var p provider.Provider
	switch api {
	case APIOpenAICompletions:
		p = openaicompat.New(openaicompat.Options{
			ID: id, BaseURL: baseURL, APIKey: apiKey, Headers: cfg.Headers,
			MaxTokensField: cfg.MaxTokensField, Timeouts: timeouts, Client: hc, AuthHint: authHint,
		})
	case APIAnthropicMessages:
		maxTok := map[string]int{}
		for _, m := range cfg.Models {
			if m.MaxTokens > 0 {
				maxTok[m.ID] = m.MaxTokens
			}
		}
		p = anthropic.New(anthropic.Options{
			ID: id, BaseURL: baseURL, APIKey: apiKey, Headers: cfg.Headers,
			ModelMaxTokens: maxTok, Timeouts: timeouts, Client: hc, AuthHint: authHint,
		})
	}
	// Built-ins with a conventional key variable require a key: a request
	// without one would only earn an unexplained 401.
	if keyEnv != "" && apiKey == "" {
		return &missingKey{id: id, err: provider.Error{
			Provider: id,
			Kind:     provider.KindConfig,
			Message:  "no API key for provider " + id,
			Hint:     "set " + keyEnv + " or " + key + ".apiKey",
		}}, nil
	}
	if apiKey != "" {
		p = redacting(p, apiKey)
	}
	return p, nil
}

// missingKey stands in for a provider whose required API key is not set.
type missingKey struct {
	id  string
	err provider.Error
}

func (m *missingKey) ID() string { return m.id }

func (m *missingKey) fail(model string) *provider.Error {
	e := m.err
	e.Model = model
	return &e
}

func (m *missingKey) Stream(_ context.Context, req *provider.Request) (provider.Stream, error) {
	return nil, m.fail(req.Model)
}

func (m *missingKey) Embed(_ context.Context, req *provider.EmbedRequest) (*provider.EmbedResponse, error) {
	return nil, m.fail(req.Model)
}

// IDs returns the provider ids, sorted.
func (r *Registry) IDs() []string { return slices.Clone(r.ids) }

// Get returns the provider with the given id.
func (r *Registry) Get(id string) (provider.Provider, error) {
	if p, ok := r.providers[id]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("%w %q; known providers: %s (add it under models.providers)", ErrUnknownProvider, id, strings.Join(r.ids, ", "))
}

// Models returns the models configured for a provider (models.providers.<id>.models).
func (r *Registry) Models(providerID string) []config.ModelSpec {
	return slices.Clone(r.specs[providerID])
}

// ModelSpec returns the configured spec of a model, e.g. for its maxTokens.
func (r *Registry) ModelSpec(providerID, modelID string) (config.ModelSpec, bool) {
	for _, m := range r.specs[providerID] {
		if m.ID == modelID {
			return m, true
		}
	}
	return config.ModelSpec{}, false
}

// Resolve turns a model ref into a provider id and a backend model id.
// "provider/model" splits at the first "/" (so "openrouter/meta/llama-3" is
// provider "openrouter", model "meta/llama-3"); the provider must exist, the
// model need not be listed in the config. A bare id is tried as an alias (a
// configured model's name, case-insensitively), then as a configured model
// id that only one provider offers.
func (r *Registry) Resolve(ref string) (providerID, modelID string, err error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return "", "", fmt.Errorf("%w: empty model ref; use \"provider/model\"", ErrUnknownModel)
	}
	if p, m, ok := strings.Cut(ref, "/"); ok {
		if _, known := r.providers[p]; !known {
			return "", "", fmt.Errorf("%w %q in model ref %q; known providers: %s", ErrUnknownProvider, p, ref, strings.Join(r.ids, ", "))
		}
		if m == "" {
			return "", "", fmt.Errorf("%w: model ref %q names no model; use \"%s/<model>\"", ErrUnknownModel, ref, p)
		}
		return p, m, nil
	}
	type cand struct{ p, m string }
	var byName, byID []cand
	for _, p := range r.ids {
		for _, m := range r.specs[p] {
			if m.Name != "" && strings.EqualFold(m.Name, ref) {
				byName = append(byName, cand{p, m.ID})
			}
			if m.ID == ref {
				byID = append(byID, cand{p, m.ID})
			}
		}
	}
	refs := func(cs []cand) string {
		out := make([]string, len(cs))
		for i, c := range cs {
			out[i] = c.p + "/" + c.m
		}
		return strings.Join(out, ", ")
	}
	for _, cs := range [][]cand{byName, byID} {
		switch len(cs) {
		case 0:
			continue
		case 1:
			return cs[0].p, cs[0].m, nil
		default:
			return "", "", fmt.Errorf("%w %q: matches %s; write it as \"provider/model\"", ErrAmbiguousModel, ref, refs(cs))
		}
	}
	var all []cand
	for _, p := range r.ids {
		for _, m := range r.specs[p] {
			all = append(all, cand{p, m.ID})
		}
	}
	if len(all) == 0 {
		return "", "", fmt.Errorf("%w %q: write it as \"provider/model\" (e.g. \"openai/%s\"); providers: %s", ErrUnknownModel, ref, ref, strings.Join(r.ids, ", "))
	}
	if len(all) > 20 {
		all = all[:20]
	}
	return "", "", fmt.Errorf("%w %q: not a configured model name or id; write it as \"provider/model\"; configured: %s", ErrUnknownModel, ref, refs(all))
}
