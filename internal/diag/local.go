package diag

import (
	"strconv"
	"strings"

	"github.com/openclaw/openclaw-go/internal/config"
)

// Local is the gateway this machine's config describes: where it listens on
// loopback and which credential a local client would send.
type Local struct {
	Paths config.Paths
	// Config is nil when the file is missing or does not load (LoadErr).
	Config  *config.Config
	LoadErr error
	Port    int
	// BaseURL is http://127.0.0.1:<port> (no /v1).
	BaseURL string
}

// LoadLocal reads the config the way the gateway would (environment
// overrides included). A missing or invalid config still yields a usable
// Local with the default port (or OPENCLAW_GATEWAY_PORT).
func LoadLocal(getenv func(string) string) Local {
	var l Local
	paths, err := config.ResolvePaths(getenv)
	l.Paths = paths
	if err != nil {
		l.LoadErr = err
	} else {
		l.Config, l.LoadErr = config.LoadWith(paths.ConfigPath, config.Options{Getenv: getenv, AllowMissing: true})
	}
	l.Port = config.DefaultPort
	if l.Config != nil {
		l.Port = l.Config.Gateway.Port
	} else if getenv != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(getenv(config.EnvGatewayPort))); err == nil && n > 0 && n < 65536 {
			l.Port = n
		}
	}
	l.BaseURL = "http://127.0.0.1:" + strconv.Itoa(l.Port)
	return l
}

// Credential returns the secret a client of this gateway sends as the
// bearer, and what it is ("token" or "password"); "", "none" when the config
// has none for its auth mode. In trusted-proxy mode a same-host client may
// use the password (gateway.md §4).
func (l Local) Credential() (secret, kind string) {
	if l.Config == nil {
		return "", "none"
	}
	a := l.Config.Gateway.Auth
	switch a.EffectiveMode() {
	case "token":
		if a.Token.IsSet() {
			return a.Token.Reveal(), "token"
		}
	case "password", "trusted-proxy":
		if a.Password.IsSet() {
			return a.Password.Reveal(), "password"
		}
	}
	return "", "none"
}
