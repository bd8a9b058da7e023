package diag

import (
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"strings"

	"github.com/openclaw/openclaw-go/internal/config"
)

// Severity ranks a finding.
type Severity string

// Severities, worst first. A critical finding makes `security audit` exit 1.
const (
	Critical Severity = "critical"
	Warn     Severity = "warn"
	Info     Severity = "info"
)

// Finding is one result of the security audit. IDs are stable.
type Finding struct {
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	Title    string   `json:"title"`
	Detail   string   `json:"detail"`
	Fix      string   `json:"fix"`
}

// AuditReport is the result of `openclaw security audit`, printed as is
// with --json.
type AuditReport struct {
	Config   string    `json:"config"`
	Findings []Finding `json:"findings"`
	Summary  Summary   `json:"summary"`
	// OK is true when there is no critical finding.
	OK bool `json:"ok"`
}

// Summary counts findings by severity.
type Summary struct {
	Critical int `json:"critical"`
	Warn     int `json:"warn"`
	Info     int `json:"info"`
}

// Minimum lengths of shared secrets.
const (
	MinTokenLen    = 32
	MinPasswordLen = 12
)

// Audit inspects the config and the files of l. It reads, never writes.
func Audit(l Local) AuditReport {
	rep := AuditReport{Config: l.Paths.ConfigPath, Findings: []Finding{}}
	rep.Findings = append(rep.Findings, configFindings(l)...)
	if l.Config != nil && l.LoadErr == nil {
		rep.Findings = append(rep.Findings, gatewayFindings(l.Config, l.exists())...)
		rep.Findings = append(rep.Findings, teamsFindings(l.Config)...)
	}
	rep.Findings = append(rep.Findings, fileFindings(l.Paths)...)
	for _, f := range rep.Findings {
		switch f.Severity {
		case Critical:
			rep.Summary.Critical++
		case Warn:
			rep.Summary.Warn++
		default:
			rep.Summary.Info++
		}
	}
	rep.OK = rep.Summary.Critical == 0
	return rep
}

func (l Local) exists() bool {
	_, err := os.Stat(l.Paths.ConfigPath)
	return err == nil
}

func configFindings(l Local) []Finding {
	if l.LoadErr != nil {
		return []Finding{{ID: "config.invalid", Severity: Critical,
			Title:  "the config does not load",
			Detail: l.LoadErr.Error(),
			Fix:    "fix the keys named above (`openclaw config validate` lists every error); the gateway refuses to start with this config"}}
	}
	if !l.exists() {
		return []Finding{{ID: "config.missing", Severity: Info,
			Title:  "no config file yet",
			Detail: "there is no " + l.Paths.ConfigPath,
			Fix:    "run `openclaw gateway` once: the first run writes a config (0600) with a fresh random token"}}
	}
	return nil
}

// exposure says whether the gateway listens beyond loopback (spec §3). A
// bind of "auto" counts as exposed: it takes the Tailscale address as soon
// as there is one.
func exposure(g config.Gateway) (exposed bool, where string) {
	switch g.Bind {
	case "", "loopback":
		return false, "loopback only"
	case "lan":
		return true, "every interface (bind \"lan\", 0.0.0.0)"
	case "tailnet":
		return true, "the Tailscale address (bind \"tailnet\")"
	case "auto":
		return true, "the Tailscale address when there is one (bind \"auto\")"
	case "custom":
		if ip, err := netip.ParseAddr(g.CustomBindHost); err == nil && ip.IsLoopback() {
			return false, "loopback only (custom " + g.CustomBindHost + ")"
		}
		if g.CustomBindHost == "0.0.0.0" {
			return true, "every interface (custom 0.0.0.0)"
		}
		return true, "custom address " + g.CustomBindHost
	}
	return true, "bind " + g.Bind
}

func gatewayFindings(c *config.Config, fileExists bool) []Finding {
	var out []Finding
	add := func(id string, sev Severity, title, detail, fix string) {
		out = append(out, Finding{ID: id, Severity: sev, Title: title, Detail: detail, Fix: fix})
	}
	g := c.Gateway
	a := g.Auth
	mode := a.EffectiveMode()
	exposed, where := exposure(g)
	// Secrets that are weak or missing matter most when the network can
	// reach the gateway.
	sev := Warn
	if exposed {
		sev = Critical
	}
	genToken := "run `openclaw doctor --generate-gateway-token` (a running gateway picks the new token up by hot reload)"

	switch mode {
	case "none":
		if exposed {
			add("gateway.bind_no_auth", Critical, "the gateway is reachable from the network without authentication",
				fmt.Sprintf("gateway.auth.mode is \"none\" and the gateway listens on %s: anyone who can reach it can run agent turns on your provider keys; the gateway refuses to start like this", where),
				"set gateway.auth.mode to \"token\" and "+genToken+", or set gateway.bind to \"loopback\"")
		} else {
			add("gateway.auth_none", Info, "authentication is off (loopback only)",
				"gateway.auth.mode is \"none\": every local user and process on this host can use the gateway",
				"on a shared host set gateway.auth.mode to \"token\" and "+genToken)
		}
	case "token":
		tok := a.Token.Reveal()
		switch {
		case tok == "" && fileExists:
			add("gateway.token_missing", sev, "token auth without a token",
				fmt.Sprintf("gateway.auth.mode is \"token\" but neither gateway.auth.token nor OPENCLAW_GATEWAY_TOKEN is set; the gateway listens on %s and refuses every API call (gateway_token_not_configured)%s", where, refusesIf(exposed)),
				genToken)
		case tok != "":
			if why := weakSecret(tok, MinTokenLen); why != "" {
				add("gateway.token_weak", sev, "the gateway token is weak",
					fmt.Sprintf("gateway.auth.token %s; the gateway listens on %s", why, where),
					genToken)
			}
		}
	case "password":
		pw := a.Password.Reveal()
		switch {
		case pw == "":
			add("gateway.password_missing", sev, "password auth without a password",
				fmt.Sprintf("gateway.auth.mode is \"password\" but neither gateway.auth.password nor OPENCLAW_GATEWAY_PASSWORD is set; the gateway listens on %s%s", where, refusesIf(exposed)),
				"set gateway.auth.password (at least 12 characters, e.g. from a password manager), or use token auth: "+genToken)
		default:
			if why := weakSecret(pw, MinPasswordLen); why != "" {
				add("gateway.password_weak", sev, "the gateway password is weak",
					fmt.Sprintf("gateway.auth.password %s; the gateway listens on %s", why, where),
					"set a longer random gateway.auth.password, or use token auth: "+genToken)
			}
		}
	case "trusted-proxy":
		tp := a.TrustedProxy
		add("gateway.trusted_proxy_auth", Info, "trusted-proxy auth: the gateway trusts the proxy's headers",
			fmt.Sprintf("requests from %s are authenticated by the user header %q that the proxy sets; anything that can connect from those addresses can claim any user",
				orText(strings.Join(g.TrustedProxies, ", "), "(no trusted proxies)"), orText(tp.UserHeader, "(unset)")),
			"make sure only the proxy can reach the gateway port (firewall, gateway.bind) and that the proxy overwrites the user header")
		if a.Token.IsSet() {
			add("gateway.trusted_proxy_mixed_token", Critical, "a token is configured together with trusted-proxy auth",
				"gateway.auth.token (or OPENCLAW_GATEWAY_TOKEN) is set while gateway.auth.mode is \"trusted-proxy\"; the two are mutually exclusive and the gateway refuses to start",
				"remove gateway.auth.token and unset OPENCLAW_GATEWAY_TOKEN, or set gateway.auth.mode to \"token\"")
		}
		if len(g.TrustedProxies) == 0 {
			add("gateway.trusted_proxy_no_proxies", Critical, "trusted-proxy auth without trusted proxies",
				"gateway.trustedProxies is empty, so no request can be attributed to the proxy; the gateway refuses to start",
				"add the reverse proxy's IP or CIDR to gateway.trustedProxies (e.g. [\"10.0.0.1\"])")
		}
		if strings.TrimSpace(tp.UserHeader) == "" {
			add("gateway.trusted_proxy_no_user_header", Critical, "trusted-proxy auth without a user header",
				"gateway.auth.trustedProxy.userHeader is not set; the gateway refuses to start",
				"set gateway.auth.trustedProxy.userHeader to the header in which the proxy passes the authenticated user (e.g. \"x-forwarded-user\")")
		}
		if len(tp.AllowUsers) == 0 {
			add("gateway.trusted_proxy_no_allowlist", Warn, "every user the proxy authenticates may use the gateway",
				"gateway.auth.trustedProxy.allowUsers is empty: any identity the proxy vouches for is accepted",
				"list the users who may use the gateway in gateway.auth.trustedProxy.allowUsers")
		}
		if tp.AllowLoopback {
			detail := "gateway.auth.trustedProxy.allowLoopback is true: any process on this host that connects over loopback and sets the user header is trusted as the proxy"
			if !listsLoopback(g.TrustedProxies) {
				detail += " (it has no effect until loopback is also in gateway.trustedProxies)"
			}
			add("gateway.trusted_proxy_allow_loopback", Warn, "loopback connections are trusted as the proxy", detail,
				"set allowLoopback to false unless the proxy runs on this host; then make sure no untrusted local user can reach the gateway port")
		}
		if pw := a.Password.Reveal(); pw != "" {
			if why := weakSecret(pw, MinPasswordLen); why != "" {
				add("gateway.password_weak", Warn, "the gateway password (same-host fallback) is weak",
					"gateway.auth.password "+why+"; in trusted-proxy mode it lets callers on this host bypass the proxy",
					"set a longer random gateway.auth.password, or remove it")
			}
		}
	}

	if g.Bind == "lan" || (g.Bind == "custom" && g.CustomBindHost == "0.0.0.0") {
		add("gateway.lan_bind", Warn, "the gateway listens on every network interface",
			"gateway.bind is \""+g.Bind+"\": the gateway is reachable from every network this host is on, not only through the reverse proxy",
			"if a reverse proxy on this host fronts the gateway, set gateway.bind to \"loopback\"; otherwise restrict the port with a firewall or use bind \"custom\" with the one address that needs it")
	}
	if g.AllowRealIPFallback {
		add("gateway.real_ip_fallback", Warn, "X-Real-IP is believed when X-Forwarded-For is absent",
			"gateway.allowRealIpFallback is true: if the proxy does not overwrite X-Real-IP, a client can choose the address the gateway attributes it to (and so dodge the failed-auth lockout)",
			"set gateway.allowRealIpFallback to false, or make sure every trusted proxy sets X-Real-IP itself")
	}
	for _, e := range g.TrustedProxies {
		p, err := netip.ParsePrefix(strings.TrimSpace(e))
		if err != nil || (p.Addr().Is4() && p.Bits() >= 8) || (p.Addr().Is6() && p.Bits() >= 32) {
			continue
		}
		sev := Warn
		if mode == "trusted-proxy" {
			sev = Critical
		}
		add("gateway.trusted_proxies_too_broad", sev, "gateway.trustedProxies covers a huge address range",
			fmt.Sprintf("%q trusts forwarding headers (and, in trusted-proxy mode, user identities) from a large part of the network", e),
			"list only the reverse proxy's own address or subnet")
	}
	return out
}

func refusesIf(exposed bool) string {
	if exposed {
		return "; the gateway refuses to start like this on a non-loopback bind"
	}
	return ""
}

func listsLoopback(entries []string) bool {
	for _, e := range entries {
		e = strings.TrimSpace(e)
		if p, err := netip.ParsePrefix(e); err == nil && (p.Contains(netip.MustParseAddr("127.0.0.1")) || p.Contains(netip.IPv6Loopback())) {
			return true
		}
		if a, err := netip.ParseAddr(e); err == nil && a.Unmap().IsLoopback() {
			return true
		}
	}
	return false
}

func teamsFindings(c *config.Config) []Finding {
	t := c.Channels.MSTeams
	if t == nil || (t.Enabled != nil && !*t.Enabled) {
		return nil
	}
	var out []Finding
	who := "anyone in your Microsoft Entra tenant"
	sev := Warn
	if t.TenantID == "" {
		who = "anyone in any Microsoft 365 tenant who can find the bot"
		sev = Critical
	}
	if t.DMPolicy == "open" {
		out = append(out, Finding{ID: "channels.msteams.dm_open", Severity: sev,
			Title:  "Teams direct messages are open",
			Detail: "channels.msteams.dmPolicy is \"open\": " + who + " can message the bot and run agent turns on your provider keys",
			Fix:    "set channels.msteams.dmPolicy to \"pairing\" (the default) or \"allowlist\" with channels.msteams.allowFrom"})
	}
	if t.GroupPolicy == "open" {
		out = append(out, Finding{ID: "channels.msteams.group_open", Severity: Warn,
			Title:  "Teams group chats and channels are open",
			Detail: "channels.msteams.groupPolicy is \"open\": the bot answers in any group chat or team it is added to",
			Fix:    "set channels.msteams.groupPolicy to \"allowlist\" with channels.msteams.groupAllowFrom"})
	}
	var missing []string
	if t.AppID == "" {
		missing = append(missing, "appId (MSTEAMS_APP_ID)")
	}
	if !t.AppPassword.IsSet() {
		missing = append(missing, "appPassword (MSTEAMS_APP_PASSWORD)")
	}
	if len(missing) > 0 {
		out = append(out, Finding{ID: "channels.msteams.missing_credentials", Severity: Warn,
			Title:  "the Teams channel has no bot credentials",
			Detail: "channels.msteams is enabled but " + strings.Join(missing, " and ") + " is not set: inbound tokens cannot be checked against the bot's app id and replies cannot be sent",
			Fix:    "set channels.msteams.appId and channels.msteams.appPassword from the Entra app registration, or set channels.msteams.enabled to false"})
	}
	return out
}

// fileFindings checks the permissions of the state dir and the config
// file (and its .bak), which hold secrets.
func fileFindings(p config.Paths) []Finding {
	var out []Finding
	var worldFiles, groupFiles []string
	for _, f := range []string{p.ConfigPath, p.ConfigPath + ".bak"} {
		fi, err := os.Stat(f)
		if err != nil {
			continue
		}
		switch perm := fi.Mode().Perm(); {
		case perm&0o006 != 0:
			worldFiles = append(worldFiles, fmt.Sprintf("%s (%04o)", f, perm))
		case perm&0o060 != 0:
			groupFiles = append(groupFiles, fmt.Sprintf("%s (%04o)", f, perm))
		}
	}
	if len(worldFiles) > 0 {
		out = append(out, Finding{ID: "fs.config_world_readable", Severity: Critical,
			Title:  "the config file is readable by every user",
			Detail: strings.Join(worldFiles, ", ") + " holds the gateway token and provider keys and is open to other users",
			Fix:    "run `openclaw doctor --fix` (chmod 600), then rotate the token: `openclaw doctor --generate-gateway-token`"})
	}
	if len(groupFiles) > 0 {
		out = append(out, Finding{ID: "fs.config_group_readable", Severity: Warn,
			Title:  "the config file is readable by its group",
			Detail: strings.Join(groupFiles, ", ") + " holds secrets and is open to the file's group",
			Fix:    "run `openclaw doctor --fix` (chmod 600)"})
	}
	if fi, err := os.Stat(p.StateDir); err == nil && fi.IsDir() {
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			sev := Warn
			if perm&0o002 != 0 {
				sev = Critical
			}
			out = append(out, Finding{ID: "fs.state_dir_permissions", Severity: sev,
				Title:  "the state directory is open to other users",
				Detail: fmt.Sprintf("%s has mode %04o (want 0700): it holds the config, sessions and transcripts", p.StateDir, perm),
				Fix:    "run `openclaw doctor --fix` (chmod 700)"})
		}
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		out = append(out, Finding{ID: "fs.state_dir_permissions", Severity: Warn,
			Title: "the state directory cannot be inspected", Detail: err.Error(), Fix: "check the path and its permissions"})
	}
	return out
}

// commonSecrets are values people type when asked for a secret.
var commonSecrets = []string{
	"changeme", "change-me", "changeit", "password", "passw0rd", "secret", "token", "admin", "administrator",
	"openclaw", "gateway", "test", "testing", "default", "letmein", "qwerty", "example", "welcome",
	"your-token-here", "your_token_here", "yourtoken", "mytoken", "mysecret", "mypassword",
	"123456", "12345678", "123456789", "1234567890",
}

// weakSecret says why s is a weak secret, or "" when it is acceptable.
func weakSecret(s string, minLen int) string {
	low := strings.ToLower(strings.TrimSpace(s))
	for _, c := range commonSecrets {
		if low == c || strings.Trim(low, "0123456789!._-") == c {
			return fmt.Sprintf("is a common value (%q-like)", c)
		}
	}
	if n := len([]rune(s)); n < minLen {
		return fmt.Sprintf("has only %d characters (want at least %d)", n, minLen)
	}
	distinct := map[rune]bool{}
	for _, r := range s {
		distinct[r] = true
	}
	if len(distinct) < 8 {
		return fmt.Sprintf("uses only %d distinct characters", len(distinct))
	}
	for unit := 1; unit <= 8; unit++ {
		if len(s)%unit == 0 && strings.Repeat(s[:unit], len(s)/unit) == s {
			return "is one short sequence repeated"
		}
	}
	return ""
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
