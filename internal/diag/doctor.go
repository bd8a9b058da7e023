package diag

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/openclaw/openclaw-go/internal/auth"
	"github.com/openclaw/openclaw-go/internal/config"
	"github.com/openclaw/openclaw-go/internal/procnet"
)

// Check statuses.
const (
	StatusOK   = "ok"
	StatusWarn = "warn"
	StatusFail = "fail"
	StatusSkip = "skip"
)

// Check is one line of the doctor's report. IDs are stable; checks that
// mirror an audit finding use the finding's id.
type Check struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Message string `json:"message"`
	// Fix is the next step when Status is warn or fail.
	Fix string `json:"fix"`
}

// DoctorReport is the result of `openclaw doctor`, printed as is with
// --json.
type DoctorReport struct {
	Config string `json:"config"`
	// Changes lists what --fix or --generate-gateway-token changed.
	Changes []string `json:"changes"`
	Checks  []Check  `json:"checks"`
	// OK is true when no check failed (after the fixes).
	OK bool `json:"ok"`
}

// DoctorOptions configure Doctor.
type DoctorOptions struct {
	Getenv func(string) string
	// Fix repairs what is safe to repair: permissions, a missing token, a
	// missing gateway.mode.
	Fix bool
	// GenerateToken writes a fresh random gateway token.
	GenerateToken bool
	// Timeout bounds each HTTP request to the local gateway (default 2s).
	Timeout time.Duration
}

// Doctor applies the requested repairs, then checks the setup. Errors of
// the repairs themselves are reported as failed checks.
func Doctor(ctx context.Context, o DoctorOptions) DoctorReport {
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Second
	}
	rep := DoctorReport{Changes: []string{}, Checks: []Check{}}
	add := func(c Check) { rep.Checks = append(rep.Checks, c) }

	l := LoadLocal(o.Getenv)
	rep.Config = l.Paths.ConfigPath
	if o.Fix || o.GenerateToken {
		changes, err := repair(l, o)
		rep.Changes = append(rep.Changes, changes...)
		if err != nil {
			add(Check{ID: "doctor.repair", Status: StatusFail, Message: err.Error(), Fix: "repair it by hand as described"})
		}
		l = LoadLocal(o.Getenv)
	}

	exists := l.exists()
	audit := Audit(l)
	switch {
	case l.Paths.StateDir == "":
		add(Check{ID: "config.valid", Status: StatusFail, Message: l.LoadErr.Error(), Fix: "set HOME or OPENCLAW_STATE_DIR"})
	case l.LoadErr != nil:
		add(Check{ID: "config.valid", Status: StatusFail, Message: "the config does not load: " + l.LoadErr.Error(),
			Fix: "fix the keys named above (`openclaw config validate` lists every error)"})
	case !exists:
		add(Check{ID: "config.valid", Status: StatusWarn, Message: "no config file at " + l.Paths.ConfigPath,
			Fix: "run `openclaw gateway` once: the first run writes one with a fresh random token"})
	default:
		add(Check{ID: "config.valid", Status: StatusOK, Message: "config is valid (" + l.Paths.ConfigPath + ")"})
	}
	cfg := l.Config
	if cfg != nil && l.LoadErr == nil && exists {
		switch cfg.Gateway.Mode {
		case "local":
			add(Check{ID: "config.mode", Status: StatusOK, Message: "gateway.mode is \"local\""})
		case "":
			add(Check{ID: "config.mode", Status: StatusFail, Message: "gateway.mode is not set: the gateway refuses to start",
				Fix: "run `openclaw doctor --fix` (sets it to \"local\") or `openclaw config set gateway.mode local`"})
		default:
			add(Check{ID: "config.mode", Status: StatusWarn, Message: fmt.Sprintf("gateway.mode is %q: this machine is set up as a client of a remote gateway", cfg.Gateway.Mode),
				Fix: "to run a gateway here, `openclaw config set gateway.mode local`"})
		}
	}
	rep.Checks = append(rep.Checks, fileChecks(l.Paths, audit)...)
	if cfg != nil && l.LoadErr == nil {
		rep.Checks = append(rep.Checks, securityChecks(cfg, audit)...)
		rep.Checks = append(rep.Checks, providerChecks(cfg, o.Getenv)...)
	}
	running, portCheck := portCheck(ctx, l, o.Timeout)
	add(portCheck)
	if cfg != nil && l.LoadErr == nil {
		rep.Checks = append(rep.Checks, teamsChecks(ctx, cfg, running, o.Timeout)...)
	}
	rep.OK = !slices.ContainsFunc(rep.Checks, func(c Check) bool { return c.Status == StatusFail })
	return rep
}

// findingStatus maps audit severities onto check statuses.
func findingStatus(s Severity) string {
	switch s {
	case Critical:
		return StatusFail
	case Warn:
		return StatusWarn
	}
	return StatusOK
}

func fileChecks(p config.Paths, audit AuditReport) []Check {
	var out []Check
	byID := func(id string) *Finding {
		for i := range audit.Findings {
			if audit.Findings[i].ID == id {
				return &audit.Findings[i]
			}
		}
		return nil
	}
	if f := byID("fs.state_dir_permissions"); f != nil {
		out = append(out, Check{ID: f.ID, Status: findingStatus(f.Severity), Message: f.Detail, Fix: f.Fix})
	} else if _, err := os.Stat(p.StateDir); err == nil {
		out = append(out, Check{ID: "fs.state_dir_permissions", Status: StatusOK, Message: "state directory " + p.StateDir + " is private (0700)"})
	}
	found := false
	for _, id := range []string{"fs.config_world_readable", "fs.config_group_readable"} {
		if f := byID(id); f != nil {
			found = true
			out = append(out, Check{ID: f.ID, Status: findingStatus(f.Severity), Message: f.Detail, Fix: f.Fix})
		}
	}
	if _, err := os.Stat(p.ConfigPath); err == nil && !found {
		out = append(out, Check{ID: "fs.config_permissions", Status: StatusOK, Message: "config file is private (0600)"})
	}
	return out
}

// securityChecks turns the gateway and Teams-policy findings of the audit
// into checks, or says that auth is sound.
func securityChecks(c *config.Config, audit AuditReport) []Check {
	var out []Check
	for _, f := range audit.Findings {
		if f.Severity == Info || !(strings.HasPrefix(f.ID, "gateway.") || f.ID == "channels.msteams.dm_open" || f.ID == "channels.msteams.group_open") {
			continue
		}
		out = append(out, Check{ID: f.ID, Status: findingStatus(f.Severity), Message: f.Title + ": " + f.Detail, Fix: f.Fix})
	}
	if !slices.ContainsFunc(out, func(c Check) bool { return strings.HasPrefix(c.ID, "gateway.") }) {
		_, where := exposure(c.Gateway)
		a := c.Gateway.Auth
		msg := fmt.Sprintf("auth mode %q, listening on %s", a.EffectiveMode(), where)
		switch a.EffectiveMode() {
		case "token":
			if a.Token.IsSet() {
				msg += fmt.Sprintf(", token strong (%d characters)", len(a.Token.Reveal()))
			}
		case "password":
			msg += ", password set"
		}
		out = append(out, Check{ID: "gateway.auth", Status: StatusOK, Message: msg})
	}
	return out
}

// builtinKeys are the built-in providers and the environment variable each
// needs (gateway.md §2); "" means no key.
var builtinKeys = map[string]string{
	"openai":    "OPENAI_API_KEY",
	"anthropic": "ANTHROPIC_API_KEY",
	"ollama":    "",
}

// providerChecks checks that every configured model ref has a provider
// with a key.
func providerChecks(c *config.Config, getenv func(string) string) []Check {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	// ref → where it is used (first place).
	refs := map[string]string{}
	note := func(where string, refsList []string) {
		for _, r := range refsList {
			if _, ok := refs[r]; !ok && r != "" {
				refs[r] = where
			}
		}
	}
	note("agents.defaults.model", c.Agents.Defaults.Model.Refs())
	note("agents.defaults.embedding.model", []string{c.Agents.Defaults.Embedding.Model})
	for _, a := range c.AgentList() {
		note("agent "+a.ID, a.Model.Refs())
		note("agent "+a.ID+" embedding", []string{a.Embedding.Model})
	}
	if len(refs) == 0 {
		return []Check{{ID: "providers", Status: StatusWarn, Message: "no model is configured (agents.defaults.model)",
			Fix: "set agents.defaults.model.primary, e.g. `openclaw config set agents.defaults.model.primary openai/gpt-4o-mini`"}}
	}
	// provider → refs using it
	byProvider := map[string][]string{}
	var out []Check
	for _, ref := range slices.Sorted(maps.Keys(refs)) {
		prov, _, ok := strings.Cut(ref, "/")
		if !ok {
			prov = resolveBare(c, ref)
			if prov == "" {
				out = append(out, Check{ID: "providers." + ref, Status: StatusFail,
					Message: fmt.Sprintf("model %q (%s) names no provider and matches no configured model", ref, refs[ref]),
					Fix:     "write it as provider/model, e.g. \"openai/gpt-4o-mini\""})
				continue
			}
		}
		byProvider[prov] = append(byProvider[prov], ref)
	}
	for _, prov := range slices.Sorted(maps.Keys(byProvider)) {
		used := strings.Join(byProvider[prov], ", ")
		id := "providers." + prov
		if p, ok := c.Models.Providers[prov]; ok {
			switch {
			case p.APIKey.IsSet():
				out = append(out, Check{ID: id, Status: StatusOK, Message: fmt.Sprintf("%s: apiKey set (used by %s)", prov, used)})
			case isLoopbackURL(p.BaseURL):
				out = append(out, Check{ID: id, Status: StatusOK, Message: fmt.Sprintf("%s: local server %s needs no key (used by %s)", prov, p.BaseURL, used)})
			case p.BaseURL == "" && builtinKeys[prov] != "" && getenv(builtinKeys[prov]) != "":
				out = append(out, Check{ID: id, Status: StatusOK, Message: fmt.Sprintf("%s: %s set (used by %s)", prov, builtinKeys[prov], used)})
			default:
				out = append(out, Check{ID: id, Status: StatusFail,
					Message: fmt.Sprintf("%s: models.providers.%s.apiKey is not set and %s is not on loopback (used by %s)", prov, prov, orText(p.BaseURL, "its baseUrl"), used),
					Fix:     fmt.Sprintf("set models.providers.%s.apiKey (e.g. \"${%s_API_KEY}\")", prov, strings.ToUpper(strings.ReplaceAll(prov, "-", "_")))})
			}
			continue
		}
		env, builtin := builtinKeys[prov]
		switch {
		case !builtin:
			out = append(out, Check{ID: id, Status: StatusFail,
				Message: fmt.Sprintf("%s: unknown provider (used by %s): not built in and not under models.providers", prov, used),
				Fix:     fmt.Sprintf("add models.providers.%s with baseUrl, api and apiKey, or use openai/…, anthropic/… or ollama/…", prov)})
		case env == "":
			out = append(out, Check{ID: id, Status: StatusOK, Message: fmt.Sprintf("%s: local, needs no key (used by %s)", prov, used)})
		case getenv(env) != "":
			out = append(out, Check{ID: id, Status: StatusOK, Message: fmt.Sprintf("%s: %s set (used by %s)", prov, env, used)})
		default:
			out = append(out, Check{ID: id, Status: StatusFail,
				Message: fmt.Sprintf("%s: %s is not set in this environment (used by %s)", prov, env, used),
				Fix:     fmt.Sprintf("export %s in the gateway's environment (this check sees only the environment doctor runs in)", env)})
		}
	}
	return out
}

// resolveBare finds the provider of a bare model id that is unique among
// configured providers, or "".
func resolveBare(c *config.Config, id string) string {
	found := ""
	for name, p := range c.Models.Providers {
		for _, m := range p.Models {
			if m.ID == id {
				if found != "" {
					return ""
				}
				found = name
			}
		}
	}
	return found
}

func isLoopbackURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(h)
	return err == nil && a.Unmap().IsLoopback()
}

// portCheck finds out what listens on gateway.port on loopback: nothing,
// an OpenClaw gateway, or something else (spec §3: say which process).
func portCheck(ctx context.Context, l Local, timeout time.Duration) (gatewayRunning bool, c Check) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(l.Port))
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false, Check{ID: "gateway.port", Status: StatusOK,
			Message: fmt.Sprintf("port %d is free (no gateway running on loopback)", l.Port)}
	}
	_ = conn.Close()
	st, h, err := getJSON(ctx, l.BaseURL+"/healthz", "", timeout, nil)
	if err == nil {
		if surface := h.Get(SurfaceHeader); surface == SurfaceGateway {
			return true, Check{ID: "gateway.port", Status: StatusOK,
				Message: fmt.Sprintf("an OpenClaw gateway (version %s) is running on port %d", orDash(h.Get(VersionHeader)), l.Port)}
		} else if surface != "" {
			return false, Check{ID: "gateway.port", Status: StatusFail,
				Message: fmt.Sprintf("port %d is held by an OpenClaw %s listener, not the gateway", l.Port, surface),
				Fix:     "give gateway.port and channels.msteams.webhook.port different values"}
		}
	}
	who := "something"
	if name, pid := procnet.PortOwner(l.Port); pid != 0 {
		who = fmt.Sprintf("%s (pid %d)", name, pid)
	}
	what := "does not answer HTTP"
	if err == nil {
		what = fmt.Sprintf("answers HTTP %d to /healthz without X-OpenClaw-Surface", st)
	}
	return false, Check{ID: "gateway.port", Status: StatusFail,
		Message: fmt.Sprintf("port %d is in use by %s that is not an OpenClaw gateway (it %s)", l.Port, who, what),
		Fix:     "stop that process, or choose another port: `openclaw config set gateway.port <port>`"}
}

// teamsChecks checks the Teams credentials and, when a gateway runs, that
// the webhook answers on loopback.
func teamsChecks(ctx context.Context, c *config.Config, running bool, timeout time.Duration) []Check {
	t := c.Channels.MSTeams
	if t == nil || (t.Enabled != nil && !*t.Enabled) {
		return nil
	}
	var out []Check
	var missing []string
	if t.AppID == "" {
		missing = append(missing, "channels.msteams.appId (MSTEAMS_APP_ID)")
	}
	if !t.AppPassword.IsSet() {
		missing = append(missing, "channels.msteams.appPassword (MSTEAMS_APP_PASSWORD)")
	}
	if len(missing) > 0 {
		out = append(out, Check{ID: "channels.msteams.credentials", Status: StatusFail,
			Message: "the Teams channel is enabled but " + strings.Join(missing, " and ") + " is not set",
			Fix:     "copy the app (client) id and a client secret from the bot's Entra app registration into the config, or set channels.msteams.enabled to false"})
	} else {
		out = append(out, Check{ID: "channels.msteams.credentials", Status: StatusOK, Message: "Teams appId and appPassword are set"})
	}
	port := c.Gateway.Port
	if !t.Webhook.Port.Gateway {
		port = t.Webhook.Port.Number
	}
	u := "http://127.0.0.1:" + strconv.Itoa(port) + t.Webhook.Path
	if !running {
		out = append(out, Check{ID: "channels.msteams.webhook", Status: StatusSkip,
			Message: "webhook not checked: no gateway is running on loopback (" + u + ")"})
		return out
	}
	_, h, err := getJSON(ctx, u, "", timeout, nil)
	switch {
	case err != nil:
		out = append(out, Check{ID: "channels.msteams.webhook", Status: StatusFail,
			Message: fmt.Sprintf("the Teams webhook %s does not answer: %v", u, err),
			Fix:     "check the gateway log for the Teams channel, and channels.msteams.webhook.port/path"})
	case h.Get(SurfaceHeader) != SurfaceTeams:
		out = append(out, Check{ID: "channels.msteams.webhook", Status: StatusFail,
			Message: fmt.Sprintf("%s answered without X-OpenClaw-Surface: msteams-webhook (surface %q): something else holds the webhook port or path", u, h.Get(SurfaceHeader)),
			Fix:     "check channels.msteams.webhook.port/path and what else listens there"})
	default:
		out = append(out, Check{ID: "channels.msteams.webhook", Status: StatusOK, Message: "the Teams webhook answers on " + u})
	}
	return out
}

// repair applies the safe repairs and returns what it changed.
func repair(l Local, o DoctorOptions) ([]string, error) {
	var changes []string
	var errs []error
	if o.Fix {
		if fi, err := os.Stat(l.Paths.StateDir); err == nil && fi.IsDir() && fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(l.Paths.StateDir, 0o700); err != nil {
				errs = append(errs, fmt.Errorf("chmod 700 %s: %w", l.Paths.StateDir, err))
			} else {
				changes = append(changes, fmt.Sprintf("chmod 700 %s (was %04o)", l.Paths.StateDir, fi.Mode().Perm()))
			}
		}
		for _, f := range []string{l.Paths.ConfigPath, l.Paths.ConfigPath + ".bak"} {
			if fi, err := os.Stat(f); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o077 != 0 {
				if err := os.Chmod(f, 0o600); err != nil {
					errs = append(errs, fmt.Errorf("chmod 600 %s: %w", f, err))
				} else {
					changes = append(changes, fmt.Sprintf("chmod 600 %s (was %04o)", f, fi.Mode().Perm()))
				}
			}
		}
	}
	edits, err := repairConfig(l, o)
	changes = append(changes, edits...)
	if err != nil {
		errs = append(errs, err)
	}
	return changes, errors.Join(errs...)
}

// repairConfig edits the config file: gateway.mode and the token.
func repairConfig(l Local, o DoctorOptions) ([]string, error) {
	doc, exists, err := config.ReadDocument(l.Paths.ConfigPath)
	if err != nil {
		return nil, fmt.Errorf("cannot repair the config: %w", err)
	}
	if !exists {
		if o.GenerateToken {
			return nil, fmt.Errorf("no config file at %s: run `openclaw gateway` once (the first run writes one with a fresh token)", l.Paths.ConfigPath)
		}
		return nil, nil
	}
	if l.LoadErr != nil {
		if o.GenerateToken {
			return nil, fmt.Errorf("not writing a token into a config that does not load; fix it first (`openclaw config validate`)")
		}
		return nil, nil
	}
	var changes, notes []string
	cfg := l.Config
	if o.Fix && cfg.Gateway.Mode == "" {
		if err := doc.Set("gateway.mode", "local", config.Replace); err != nil {
			return nil, err
		}
		changes = append(changes, "set gateway.mode to \"local\"")
	}
	mode := cfg.Gateway.Auth.EffectiveMode()
	wantToken := o.GenerateToken || (o.Fix && mode == "token" && !cfg.Gateway.Auth.Token.IsSet())
	if wantToken && mode == "trusted-proxy" {
		return changes, errors.New(`not generating a token: gateway.auth.mode is "trusted-proxy", and a token cannot be combined with it`)
	}
	if wantToken {
		if old, err := doc.Get("gateway.auth.token"); err == nil {
			if s, ok := old.(string); ok && strings.HasPrefix(s, "${") {
				notes = append(notes, "the previous value "+s+" (an environment reference) was replaced")
			}
		}
		if err := doc.Set("gateway.auth.token", auth.NewToken(), config.Replace); err != nil {
			return nil, err
		}
		what := "generated a new 32-byte random gateway token in gateway.auth.token"
		if !cfg.Gateway.Auth.Token.IsSet() {
			what = "generated a missing gateway token (32 random bytes) in gateway.auth.token"
		}
		if mode == "password" {
			notes = append(notes, "auth mode is \"password\", so the token is not used until gateway.auth.mode is \"token\"")
		}
		if o.Getenv != nil && o.Getenv(config.EnvGatewayToken) != "" {
			notes = append(notes, config.EnvGatewayToken+" is set here; the config value now takes precedence over it")
		}
		notes = append(notes, "a running gateway picks it up by hot reload (no restart); clients must send the new token (read it with `openclaw gateway auth-token --show`)")
		changes = append(changes, what+"; "+strings.Join(notes, "; "))
	}
	if len(changes) == 0 {
		return nil, nil
	}
	if err := doc.Validate(config.Options{Getenv: o.Getenv, AllowUnsetEnv: true}); err != nil {
		return nil, fmt.Errorf("the repaired config would not validate, nothing written: %w", err)
	}
	data, err := doc.Marshal()
	if err != nil {
		return nil, err
	}
	if err := config.WriteFile(l.Paths.ConfigPath, data); err != nil {
		return nil, err
	}
	return append(changes, "wrote "+l.Paths.ConfigPath+" (previous version in "+filepath.Base(l.Paths.ConfigPath)+".bak; comments are not kept)"), nil
}

// getJSON GETs u with an optional bearer; when v is non-nil and the body is
// JSON it is decoded into v.
func getJSON(ctx context.Context, u, bearer string, timeout time.Duration, v any) (int, http.Header, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, err
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := localClient().Do(req)
	if err != nil {
		return 0, nil, unwrapURLError(err)
	}
	defer resp.Body.Close()
	if v != nil {
		if err := decodeJSON(resp.Body, v); err != nil {
			return resp.StatusCode, resp.Header, fmt.Errorf("%s answered HTTP %d with a body that is not the expected JSON: %w", u, resp.StatusCode, err)
		}
	}
	return resp.StatusCode, resp.Header, nil
}
