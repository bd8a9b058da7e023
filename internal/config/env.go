package config

import (
	"fmt"
	"strconv"
	"strings"
)

// substituter replaces `${VAR}` in every string of a tree (spec §1). Only
// upper-case names ([A-Z_][A-Z0-9_]*) are references, as in the original;
// `$${VAR}` is an escape for the literal text `${VAR}`. An unset or empty
// variable is an error naming the key path and the variable, never a silent
// empty string.
type substituter struct {
	getenv func(string) string
	// lenient leaves references to unset variables in place instead of
	// reporting them, for editing a config on a machine that does not have
	// the gateway's environment.
	lenient bool
	errs    []FieldError
	// fromEnv marks paths whose value came (partly) from the environment;
	// error messages do not quote them.
	fromEnv map[string]bool
	// unresolved marks paths still holding a reference (lenient mode); format
	// checks skip them.
	unresolved map[string]bool
}

func newSubstituter(getenv func(string) string, lenient bool) *substituter {
	return &substituter{getenv: orEmptyEnv(getenv), lenient: lenient, fromEnv: map[string]bool{}, unresolved: map[string]bool{}}
}

// tree returns a substituted copy of v; v is not modified.
func (s *substituter) tree(path string, v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = s.tree(joinKey(path, k), e)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = s.tree(joinIndex(path, i), e)
		}
		return out
	case string:
		out, used, missing := expand(x, s.getenv)
		if used {
			s.fromEnv[path] = true
		}
		for _, name := range missing {
			if s.lenient {
				s.unresolved[path] = true
				continue
			}
			s.errs = append(s.errs, FieldError{Path: path, Message: fmt.Sprintf("environment variable %s is not set (referenced as ${%s})", name, name)})
		}
		return out
	default:
		return v
	}
}

// expand substitutes references in str. Missing variables are left as
// their `${NAME}` text and listed in missing.
func expand(str string, getenv func(string) string) (out string, used bool, missing []string) {
	if !strings.Contains(str, "${") {
		return str, false, nil
	}
	var b strings.Builder
	for i := 0; i < len(str); {
		if strings.HasPrefix(str[i:], "$${") {
			if n := refLen(str[i+1:]); n > 0 {
				b.WriteString(str[i+1 : i+1+n])
				i += 1 + n
				continue
			}
		}
		if n := refLen(str[i:]); n > 0 {
			name := str[i+2 : i+n-1]
			if val := getenv(name); val != "" {
				b.WriteString(val)
				used = true
			} else {
				b.WriteString(str[i : i+n])
				missing = append(missing, name)
			}
			i += n
			continue
		}
		b.WriteByte(str[i])
		i++
	}
	return b.String(), used, missing
}

// refLen returns the length of a `${NAME}` reference at the start of s, or 0.
func refLen(s string) int {
	if !strings.HasPrefix(s, "${") {
		return 0
	}
	for j := 2; j < len(s); j++ {
		c := s[j]
		switch {
		case c == '}':
			if j == 2 {
				return 0
			}
			return j + 1
		case c == '_' || c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && j > 2:
		default:
			return 0
		}
	}
	return 0
}

// isEnvRef reports whether s is exactly one `${NAME}` reference; such values
// reveal nothing and are printed as they are.
func isEnvRef(s string) bool { return len(s) > 0 && refLen(s) == len(s) }

// Environment variables that override config values (ApplyEnv).
const (
	EnvGatewayPort     = "OPENCLAW_GATEWAY_PORT"
	EnvGatewayToken    = "OPENCLAW_GATEWAY_TOKEN"
	EnvGatewayPassword = "OPENCLAW_GATEWAY_PASSWORD"
	EnvMSTeamsAppID    = "MSTEAMS_APP_ID"
	EnvMSTeamsPassword = "MSTEAMS_APP_PASSWORD"
	EnvMSTeamsTenantID = "MSTEAMS_TENANT_ID"
)

// ApplyEnv applies the environment overrides of spec §2 and msteams.md:
// OPENCLAW_GATEWAY_PORT replaces gateway.port; OPENCLAW_GATEWAY_TOKEN and
// OPENCLAW_GATEWAY_PASSWORD fill gateway.auth.token/password only when the
// config leaves them empty; MSTEAMS_APP_ID, MSTEAMS_APP_PASSWORD and
// MSTEAMS_TENANT_ID fill channels.msteams.* only when that section exists and
// the value is empty. Call it before ApplyDefaults so that the inferred auth
// mode sees secrets from the environment (Load does).
func ApplyEnv(c *Config, getenv func(string) string) error {
	getenv = orEmptyEnv(getenv)
	if v := strings.TrimSpace(getenv(EnvGatewayPort)); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 65535 {
			return &ValidationError{Errors: []FieldError{{
				Path:     "$" + EnvGatewayPort,
				Expected: "a port number 1-65535",
				Found:    strconv.Quote(v),
				Message:  "environment override for gateway.port",
			}}}
		}
		c.Gateway.Port = n
	}
	if v := getenv(EnvGatewayToken); v != "" && !c.Gateway.Auth.Token.IsSet() {
		c.Gateway.Auth.Token = Secret(v)
	}
	if v := getenv(EnvGatewayPassword); v != "" && !c.Gateway.Auth.Password.IsSet() {
		c.Gateway.Auth.Password = Secret(v)
	}
	if t := c.Channels.MSTeams; t != nil {
		if v := getenv(EnvMSTeamsAppID); v != "" && t.AppID == "" {
			t.AppID = v
		}
		if v := getenv(EnvMSTeamsPassword); v != "" && !t.AppPassword.IsSet() {
			t.AppPassword = Secret(v)
		}
		if v := getenv(EnvMSTeamsTenantID); v != "" && t.TenantID == "" {
			t.TenantID = v
		}
	}
	return nil
}
