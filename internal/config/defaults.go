package config

import (
	"maps"
	"path/filepath"
	"slices"
)

// Defaults of spec §2 and msteams.md.
const (
	DefaultPort           = 18789
	DefaultBind           = "loopback"
	MainAgentID           = "main"
	DefaultMaxAttempts    = 10
	DefaultWindowMs       = 60_000
	DefaultLockoutMs      = 300_000
	DefaultMSTeamsPort    = 3978
	DefaultMSTeamsPath    = "/api/messages"
	DefaultMSTeamsDM      = "pairing"
	DefaultMSTeamsGroup   = "allowlist"
	DefaultModelsMode     = "merge"
	DefaultOpenIDMetadata = "https://login.botframework.com/v1/.well-known/openidconfiguration"
	// The tenant URLs keep the literal "{tenantId}" placeholder; the Teams
	// channel substitutes the configured tenant (or "botframework.com").
	DefaultTenantOpenIDMetadata = "https://login.microsoftonline.com/{tenantId}/v2.0/.well-known/openid-configuration"
	DefaultTokenURL             = "https://login.microsoftonline.com/{tenantId}/oauth2/v2.0/token"
)

// ApplyDefaults fills unset values. stateDir locates the default agent
// workspace (<stateDir>/workspace); with an empty stateDir it stays unset.
// gateway.auth.mode, when unset, is inferred by EffectiveMode, so call
// ApplyEnv first if environment secrets should count. trustedProxy.userHeader
// is deliberately left empty: trusted-proxy mode refuses to start without it.
// ApplyDefaults is idempotent.
func (c *Config) ApplyDefaults(stateDir string) {
	g := &c.Gateway
	if g.Port == 0 {
		g.Port = DefaultPort
	}
	if g.Bind == "" {
		g.Bind = DefaultBind
	}
	g.Auth.Mode = g.Auth.EffectiveMode()
	rl := &g.Auth.RateLimit
	if rl.MaxAttempts == 0 {
		rl.MaxAttempts = DefaultMaxAttempts
	}
	if rl.WindowMs == 0 {
		rl.WindowMs = DefaultWindowMs
	}
	if rl.LockoutMs == 0 {
		rl.LockoutMs = DefaultLockoutMs
	}
	if rl.ExemptLoopback == nil {
		rl.ExemptLoopback = ptr(true)
	}

	if c.Agents.Defaults.Workspace == "" && stateDir != "" {
		c.Agents.Defaults.Workspace = filepath.Join(stateDir, "workspace")
	}
	if c.Models.Mode == "" {
		c.Models.Mode = DefaultModelsMode
	}

	if t := c.Channels.MSTeams; t != nil {
		if t.Enabled == nil {
			t.Enabled = ptr(true) // a configured channel runs unless disabled
		}
		if t.Webhook.Port.IsZero() {
			t.Webhook.Port = WebhookPort{Number: DefaultMSTeamsPort}
		}
		if t.Webhook.Path == "" {
			t.Webhook.Path = DefaultMSTeamsPath
		}
		if t.DMPolicy == "" {
			t.DMPolicy = DefaultMSTeamsDM
		}
		if t.GroupPolicy == "" {
			t.GroupPolicy = DefaultMSTeamsGroup
		}
		if t.RequireMention == nil {
			t.RequireMention = ptr(true)
		}
		m := &t.Microsoft
		if m.OpenIDMetadataURL == "" {
			m.OpenIDMetadataURL = DefaultOpenIDMetadata
		}
		if m.TenantOpenIDMetadataURL == "" {
			m.TenantOpenIDMetadataURL = DefaultTenantOpenIDMetadata
		}
		if m.TokenURL == "" {
			m.TokenURL = DefaultTokenURL
		}
	}
}

// EffectiveMode is gateway.auth.mode, or when unset the inferred mode:
// "password" when only a password is set, else "token".
func (a Auth) EffectiveMode() string {
	switch {
	case a.Mode != "":
		return a.Mode
	case a.Password.IsSet() && !a.Token.IsSet():
		return "password"
	default:
		return "token"
	}
}

// AgentList returns every configured agent: agents.list in declared order,
// then agents.entries sorted by key (the key is the id). Exactly one has
// Default set: the one marked default, else the first. With no agents
// configured it is a single agent "main". Unset model, embedding and
// workspace are filled from agents.defaults; an agent other than the default
// without a workspace gets "<defaults.workspace>-<id>".
func (c *Config) AgentList() []Agent {
	list := slices.Clone(c.Agents.List)
	for _, k := range slices.Sorted(maps.Keys(c.Agents.Entries)) {
		a := c.Agents.Entries[k]
		a.ID = k
		list = append(list, a)
	}
	if len(list) == 0 {
		list = []Agent{{ID: MainAgentID}}
	}
	def := slices.IndexFunc(list, func(a Agent) bool { return a.Default })
	if def < 0 {
		def = 0
	}
	d := c.Agents.Defaults
	for i := range list {
		a := &list[i]
		a.Default = i == def
		if a.Model.IsZero() {
			a.Model = d.Model
		}
		if a.Embedding.Model == "" {
			a.Embedding = d.Embedding
		}
		if a.Workspace == "" && d.Workspace != "" {
			a.Workspace = d.Workspace
			if !a.Default {
				a.Workspace = filepath.Clean(d.Workspace) + "-" + a.ID
			}
		}
	}
	return list
}

// DefaultAgentID returns the id of the default agent.
func (c *Config) DefaultAgentID() string {
	for _, a := range c.AgentList() {
		if a.Default {
			return a.ID
		}
	}
	return MainAgentID
}

// Agent returns the agent with the given id, with defaults filled as in
// AgentList.
func (c *Config) Agent(id string) (Agent, bool) {
	for _, a := range c.AgentList() {
		if a.ID == id {
			return a, true
		}
	}
	return Agent{}, false
}

func ptr[T any](v T) *T { return &v }
