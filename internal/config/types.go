package config

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
)

// Config is the typed form of openclaw.json. Past the loader nothing in the
// program looks at the raw JSON5 tree: every key the gateway understands has
// a field here, with the same name as in the original OpenClaw config.
//
// Sections that the original defines but this gateway does not use yet are
// kept verbatim (json.RawMessage) so that a config written for the original
// loads unchanged and survives a `config set` round trip.
type Config struct {
	Gateway  Gateway  `json:"gateway,omitzero"`
	Agents   Agents   `json:"agents,omitzero"`
	Models   Models   `json:"models,omitzero"`
	Channels Channels `json:"channels,omitzero"`
	Storage  Storage  `json:"storage,omitzero"`

	// Sections of the original config that are accepted and preserved but not
	// interpreted by this gateway.
	Meta        json.RawMessage `json:"meta,omitempty"`
	Wizard      json.RawMessage `json:"wizard,omitempty"`
	Env         json.RawMessage `json:"env,omitempty"`
	Auth        json.RawMessage `json:"auth,omitempty"`
	Logging     json.RawMessage `json:"logging,omitempty"`
	Diagnostics json.RawMessage `json:"diagnostics,omitempty"`
	Update      json.RawMessage `json:"update,omitempty"`
	Browser     json.RawMessage `json:"browser,omitempty"`
	UI          json.RawMessage `json:"ui,omitempty"`
	Skills      json.RawMessage `json:"skills,omitempty"`
	Plugins     json.RawMessage `json:"plugins,omitempty"`
	Tools       json.RawMessage `json:"tools,omitempty"`
	Messages    json.RawMessage `json:"messages,omitempty"`
	Commands    json.RawMessage `json:"commands,omitempty"`
	Session     json.RawMessage `json:"session,omitempty"`
	Cron        json.RawMessage `json:"cron,omitempty"`
	Hooks       json.RawMessage `json:"hooks,omitempty"`
	Web         json.RawMessage `json:"web,omitempty"`
	Discovery   json.RawMessage `json:"discovery,omitempty"`
	Talk        json.RawMessage `json:"talk,omitempty"`
	Bindings    json.RawMessage `json:"bindings,omitempty"`
	Secrets     json.RawMessage `json:"secrets,omitempty"`
}

// Gateway is the `gateway` section: process, listener and HTTP auth.
type Gateway struct {
	Mode                string   `json:"mode,omitempty" enum:"local,remote"`
	Port                int      `json:"port,omitempty" min:"1" max:"65535"`
	Bind                string   `json:"bind,omitempty" enum:"loopback,lan,tailnet,auto,custom"`
	CustomBindHost      string   `json:"customBindHost,omitempty" validate:"ipv4"`
	TrustedProxies      []string `json:"trustedProxies,omitempty" validate:"ip-or-cidr"`
	AllowRealIPFallback bool     `json:"allowRealIpFallback,omitempty"`
	Auth                Auth     `json:"auth,omitzero"`
	HTTP                HTTP     `json:"http,omitzero"`

	// Preserved sections of the original that this gateway does not use.
	ControlUI json.RawMessage `json:"controlUi,omitempty"`
	Remote    json.RawMessage `json:"remote,omitempty"`
	Reload    json.RawMessage `json:"reload,omitempty"`
	TLS       json.RawMessage `json:"tls,omitempty"`
	Tailscale json.RawMessage `json:"tailscale,omitempty"`
	Nodes     json.RawMessage `json:"nodes,omitempty"`
}

// Auth is `gateway.auth`.
type Auth struct {
	Mode           string              `json:"mode,omitempty" enum:"token,password,trusted-proxy,none"`
	Token          Secret              `json:"token,omitempty"`
	Password       Secret              `json:"password,omitempty"`
	RateLimit      RateLimit           `json:"rateLimit,omitzero"`
	TrustedProxy   TrustedProxy        `json:"trustedProxy,omitzero"`
	IdentityScopes map[string][]string `json:"identityScopes,omitempty"`
}

// RateLimit is `gateway.auth.rateLimit`: the failed-auth limiter.
type RateLimit struct {
	MaxAttempts    int   `json:"maxAttempts,omitempty" min:"1"`
	WindowMs       int64 `json:"windowMs,omitempty" min:"1"`
	LockoutMs      int64 `json:"lockoutMs,omitempty" min:"1"`
	ExemptLoopback *bool `json:"exemptLoopback,omitempty"`
}

// TrustedProxy is `gateway.auth.trustedProxy`.
type TrustedProxy struct {
	UserHeader      string   `json:"userHeader,omitempty" validate:"header"`
	RequiredHeaders []string `json:"requiredHeaders,omitempty" validate:"header"`
	AllowUsers      []string `json:"allowUsers,omitempty"`
	AllowLoopback   bool     `json:"allowLoopback,omitempty"`
}

// HTTP is `gateway.http`.
type HTTP struct {
	Endpoints Endpoints `json:"endpoints,omitzero"`
}

// Endpoints is `gateway.http.endpoints`.
type Endpoints struct {
	ChatCompletions ChatCompletionsEndpoint `json:"chatCompletions,omitzero"`
	Responses       Toggle                  `json:"responses,omitzero"`
}

// Toggle is an endpoint switch.
type Toggle struct {
	Enabled bool `json:"enabled,omitempty"`
}

// ChatCompletionsEndpoint is `gateway.http.endpoints.chatCompletions`; it
// also gates /v1/models and /v1/embeddings.
type ChatCompletionsEndpoint struct {
	Enabled bool   `json:"enabled,omitempty"`
	Images  Images `json:"images,omitzero"`
}

// Images controls image inputs on chat completions.
type Images struct {
	AllowURL bool `json:"allowUrl,omitempty"`
}

// Agents is the `agents` section. Both shapes of the original are accepted:
// `list` (an array) and `entries` (a map keyed by agent id).
type Agents struct {
	Defaults AgentDefaults    `json:"defaults,omitzero"`
	List     []Agent          `json:"list,omitempty"`
	Entries  map[string]Agent `json:"entries,omitempty"`
}

// AgentDefaults is `agents.defaults`.
type AgentDefaults struct {
	Model     ModelSelection `json:"model,omitzero"`
	Workspace string         `json:"workspace,omitempty"`
	Embedding Embedding      `json:"embedding,omitzero"`
	TimeoutMs int64          `json:"timeoutMs,omitempty" min:"1"`
}

// Embedding names the backend embedding model (`provider/model`).
type Embedding struct {
	Model string `json:"model,omitempty" validate:"modelref"`
}

// Agent is one entry of `agents.list` or `agents.entries`.
type Agent struct {
	ID        string         `json:"id,omitempty" validate:"agentid"`
	Default   bool           `json:"default,omitempty"`
	Name      string         `json:"name,omitempty"`
	Model     ModelSelection `json:"model,omitzero"`
	Workspace string         `json:"workspace,omitempty"`
	Embedding Embedding      `json:"embedding,omitzero"`
}

// ModelSelection is an agent's model: either a plain "provider/model" string
// or {primary, fallbacks}. It marshals back in the shape it was read in.
type ModelSelection struct {
	Primary   string   `json:"primary,omitempty" validate:"modelref"`
	Fallbacks []string `json:"fallbacks,omitempty" validate:"modelref"`
	// short is true when the value was written as a plain string.
	short bool
}

// IsZero reports whether no model is set.
func (m ModelSelection) IsZero() bool { return m.Primary == "" && len(m.Fallbacks) == 0 }

// Refs returns the primary followed by the fallbacks.
func (m ModelSelection) Refs() []string {
	if m.Primary == "" {
		return m.Fallbacks
	}
	return append([]string{m.Primary}, m.Fallbacks...)
}

// UnmarshalJSON accepts a string or an object.
func (m *ModelSelection) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*m = ModelSelection{Primary: s, short: true}
		return nil
	}
	type plain ModelSelection
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return fmt.Errorf("expected a \"provider/model\" string or {primary, fallbacks}")
	}
	*m = ModelSelection(p)
	return nil
}

// MarshalJSON writes the shape the value was read in.
func (m ModelSelection) MarshalJSON() ([]byte, error) {
	if m.short && len(m.Fallbacks) == 0 {
		return json.Marshal(m.Primary)
	}
	type plain ModelSelection
	return json.Marshal(plain(m))
}

// Models is the `models` section.
type Models struct {
	Mode      string              `json:"mode,omitempty" enum:"merge,replace"`
	Providers map[string]Provider `json:"providers,omitempty"`
}

// Provider is `models.providers.<id>`.
type Provider struct {
	BaseURL string            `json:"baseUrl,omitempty" validate:"url"`
	API     string            `json:"api,omitempty" enum:"openai-completions,anthropic-messages,openai-responses,google-generative-ai"`
	APIKey  Secret            `json:"apiKey,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	// MaxTokensField is "max_completion_tokens" (default) or "max_tokens",
	// for OpenAI-compatible servers that only know the older name.
	MaxTokensField string      `json:"maxTokensField,omitempty" enum:"max_completion_tokens,max_tokens"`
	TimeoutMs      int64       `json:"timeoutMs,omitempty" min:"1"`
	Models         []ModelSpec `json:"models,omitempty"`
}

// ModelSpec is one model a provider offers.
type ModelSpec struct {
	ID            string          `json:"id"`
	Name          string          `json:"name,omitempty"`
	ContextWindow int             `json:"contextWindow,omitempty" min:"1"`
	MaxTokens     int             `json:"maxTokens,omitempty" min:"1"`
	Reasoning     bool            `json:"reasoning,omitempty"`
	Input         []string        `json:"input,omitempty"`
	Cost          json.RawMessage `json:"cost,omitempty"`
}

// Channels is the `channels` section.
type Channels struct {
	MSTeams *MSTeams `json:"msteams,omitempty"`
	// Other channels of the original (whatsapp, telegram, …) are preserved.
	WhatsApp json.RawMessage `json:"whatsapp,omitempty"`
	Telegram json.RawMessage `json:"telegram,omitempty"`
	Discord  json.RawMessage `json:"discord,omitempty"`
	Slack    json.RawMessage `json:"slack,omitempty"`
	Signal   json.RawMessage `json:"signal,omitempty"`
	IMessage json.RawMessage `json:"imessage,omitempty"`
}

// MSTeams is `channels.msteams`.
type MSTeams struct {
	Enabled        *bool                `json:"enabled,omitempty"`
	AppID          string               `json:"appId,omitempty"`
	AppPassword    Secret               `json:"appPassword,omitempty"`
	TenantID       string               `json:"tenantId,omitempty"`
	Webhook        Webhook              `json:"webhook,omitzero"`
	DMPolicy       string               `json:"dmPolicy,omitempty" enum:"pairing,allowlist,open,disabled"`
	AllowFrom      []string             `json:"allowFrom,omitempty"`
	GroupPolicy    string               `json:"groupPolicy,omitempty" enum:"allowlist,open,disabled"`
	GroupAllowFrom []string             `json:"groupAllowFrom,omitempty"`
	RequireMention *bool                `json:"requireMention,omitempty"`
	Teams          map[string]TeamsTeam `json:"teams,omitempty"`
	Agent          string               `json:"agent,omitempty" validate:"agentid"`
	Microsoft      MicrosoftEndpoints   `json:"microsoft,omitzero"`
}

// TeamsTeam is one entry of `channels.msteams.teams`.
type TeamsTeam struct {
	RequireMention *bool                   `json:"requireMention,omitempty"`
	Channels       map[string]TeamsChannel `json:"channels,omitempty"`
}

// TeamsChannel is one channel of a team.
type TeamsChannel struct {
	RequireMention *bool `json:"requireMention,omitempty"`
}

// MicrosoftEndpoints are the Microsoft URLs the Teams channel talks to;
// configurable so that tests can point them at local servers.
type MicrosoftEndpoints struct {
	OpenIDMetadataURL       string `json:"openIdMetadataUrl,omitempty" validate:"url"`
	TenantOpenIDMetadataURL string `json:"tenantOpenIdMetadataUrl,omitempty" validate:"url"`
	TokenURL                string `json:"tokenUrl,omitempty" validate:"url"`
}

// Webhook is `channels.msteams.webhook`.
type Webhook struct {
	Port WebhookPort `json:"port,omitzero"`
	Path string      `json:"path,omitempty" validate:"abspath"`
}

// WebhookPort is a port number or the word "gateway" (mount on the main port).
type WebhookPort struct {
	Number  int
	Gateway bool
}

// IsZero reports whether the port is unset.
func (p WebhookPort) IsZero() bool { return p.Number == 0 && !p.Gateway }

// UnmarshalJSON accepts a number or "gateway".
func (p *WebhookPort) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		if s == "gateway" {
			*p = WebhookPort{Gateway: true}
			return nil
		}
		if n, err := strconv.Atoi(s); err == nil && n > 0 && n < 65536 {
			*p = WebhookPort{Number: n}
			return nil
		}
		return fmt.Errorf("expected a port number or \"gateway\", found %q", s)
	}
	var n int
	if err := json.Unmarshal(b, &n); err != nil || n <= 0 || n > 65535 {
		return fmt.Errorf("expected a port number 1-65535 or \"gateway\"")
	}
	*p = WebhookPort{Number: n}
	return nil
}

// MarshalJSON writes a number or "gateway".
func (p WebhookPort) MarshalJSON() ([]byte, error) {
	if p.Gateway {
		return []byte(`"gateway"`), nil
	}
	return strconv.AppendInt(nil, int64(p.Number), 10), nil
}

// Storage selects the session store and shared ephemeral state.
type Storage struct {
	Sessions StorageDriver `json:"sessions,omitzero"`
	Shared   StorageDriver `json:"shared,omitzero"`
}

// StorageDriver names a driver and its connection URL.
type StorageDriver struct {
	Driver string `json:"driver,omitempty" enum:"jsonl,sqlite,postgres,redis,memory"`
	URL    Secret `json:"url,omitempty"`
}

// Secret is a string that never prints itself: String, GoString, LogValue
// and text marshalling all redact. Use Reveal to get the value, and
// MarshalJSON (used only when writing the config file) keeps it.
type Secret string

// Redacted is what a set secret prints as.
const Redacted = "__OPENCLAW_REDACTED__"

// Reveal returns the secret value.
func (s Secret) Reveal() string { return string(s) }

// IsSet reports whether the secret is non-empty.
func (s Secret) IsSet() bool { return s != "" }

// String redacts.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return Redacted
}

// GoString redacts.
func (s Secret) GoString() string { return s.String() }

// LogValue redacts in slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }
