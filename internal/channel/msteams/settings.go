package msteams

import (
	"errors"
	"fmt"
	"strings"

	"github.com/openclaw/openclaw-go/internal/config"
)

// Defaults of channels.msteams.
const (
	DefaultPort = 3978
	DefaultPath = "/api/messages"

	DefaultOpenIDMetadataURL       = "https://login.botframework.com/v1/.well-known/openidconfiguration"
	DefaultTenantOpenIDMetadataURL = "https://login.microsoftonline.com/{tenantId}/v2.0/.well-known/openid-configuration"
	DefaultTokenURL                = "https://login.microsoftonline.com/{tenantId}/oauth2/v2.0/token"
)

// Environment variables that supply the credentials when the config does not.
const (
	EnvAppID       = "MSTEAMS_APP_ID"
	EnvAppPassword = "MSTEAMS_APP_PASSWORD"
	EnvTenantID    = "MSTEAMS_TENANT_ID"
)

// ErrDisabled is returned by New when channels.msteams is absent or has
// enabled: false.
var ErrDisabled = errors.New("channels.msteams is not enabled")

// Enabled reports whether cfg turns the channel on: the section is present
// and enabled is not false.
func Enabled(cfg *config.MSTeams) bool {
	return cfg != nil && (cfg.Enabled == nil || *cfg.Enabled)
}

// settings is channels.msteams with defaults applied and env resolved.
type settings struct {
	appID, appPassword, tenantID string

	port       int  // own listener port when !onGateway
	onGateway  bool // webhook.port: "gateway"
	path       string
	dmPolicy   string
	allowFrom  []string
	group      string
	groupAllow []string
	requireMen bool
	teams      map[string]config.TeamsTeam
	agent      string

	openIDURL       string
	tenantOpenIDURL string // "" when no tenant is configured
	tokenURL        string
}

func resolveSettings(cfg *config.MSTeams, getenv func(string) string) (*settings, error) {
	if !Enabled(cfg) {
		return nil, ErrDisabled
	}
	s := &settings{
		appID:       firstNonEmpty(cfg.AppID, getenv(EnvAppID)),
		appPassword: firstNonEmpty(cfg.AppPassword.Reveal(), getenv(EnvAppPassword)),
		tenantID:    firstNonEmpty(cfg.TenantID, getenv(EnvTenantID)),
		port:        cfg.Webhook.Port.Number,
		onGateway:   cfg.Webhook.Port.Gateway,
		path:        firstNonEmpty(cfg.Webhook.Path, DefaultPath),
		dmPolicy:    firstNonEmpty(cfg.DMPolicy, "pairing"),
		allowFrom:   cfg.AllowFrom,
		group:       firstNonEmpty(cfg.GroupPolicy, "allowlist"),
		groupAllow:  cfg.GroupAllowFrom,
		requireMen:  cfg.RequireMention == nil || *cfg.RequireMention,
		teams:       cfg.Teams,
		agent:       cfg.Agent,
		openIDURL:   firstNonEmpty(cfg.Microsoft.OpenIDMetadataURL, DefaultOpenIDMetadataURL),
	}
	if s.appID == "" {
		return nil, fmt.Errorf("channels.msteams.appId is required (or set %s): the bot's Entra app (client) id", EnvAppID)
	}
	if s.appPassword == "" {
		return nil, fmt.Errorf("channels.msteams.appPassword is required (or set %s): the bot's client secret", EnvAppPassword)
	}
	if s.port == 0 && !s.onGateway {
		s.port = DefaultPort
	}
	if !strings.HasPrefix(s.path, "/") || strings.ContainsAny(s.path, "?#{} ") {
		return nil, fmt.Errorf("channels.msteams.webhook.path %q must be a plain absolute path such as %q", s.path, DefaultPath)
	}
	if s.path == "/v1" || strings.HasPrefix(s.path, "/v1/") {
		return nil, fmt.Errorf("channels.msteams.webhook.path %q collides with the OpenAI-compatible API under /v1; use %q", s.path, DefaultPath)
	}
	switch s.dmPolicy {
	case "pairing", "allowlist", "open", "disabled":
	default:
		return nil, fmt.Errorf("channels.msteams.dmPolicy %q: expected pairing, allowlist, open or disabled", s.dmPolicy)
	}
	switch s.group {
	case "allowlist", "open", "disabled":
	default:
		return nil, fmt.Errorf("channels.msteams.groupPolicy %q: expected allowlist, open or disabled", s.group)
	}
	if s.tenantID != "" {
		s.tenantOpenIDURL = strings.ReplaceAll(
			firstNonEmpty(cfg.Microsoft.TenantOpenIDMetadataURL, DefaultTenantOpenIDMetadataURL), "{tenantId}", s.tenantID)
	}
	tokenTenant := firstNonEmpty(s.tenantID, "botframework.com")
	s.tokenURL = strings.ReplaceAll(firstNonEmpty(cfg.Microsoft.TokenURL, DefaultTokenURL), "{tenantId}", tokenTenant)
	for _, u := range []struct{ key, v string }{
		{"openIdMetadataUrl", s.openIDURL}, {"tenantOpenIdMetadataUrl", s.tenantOpenIDURL}, {"tokenUrl", s.tokenURL},
	} {
		if u.v != "" && !strings.HasPrefix(u.v, "https://") && !strings.HasPrefix(u.v, "http://") {
			return nil, fmt.Errorf("channels.msteams.microsoft.%s %q must be an http(s) URL", u.key, u.v)
		}
	}
	return s, nil
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
