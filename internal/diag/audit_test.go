package diag

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/openclaw/openclaw-go/internal/auth"
)

const strongToken = "3f9c2a7e5b1d4c8f9a0e6b2d7c4f1a8e3b5d9c0f2e7a4b6d8c1f3e5a7b9d0c2e"

// env is a test environment: a state dir holding config (if non-empty)
// and a port nothing listens on.
type env struct {
	dir  string
	vars map[string]string
}

func newEnv(t *testing.T, cfg string, vars ...string) *env {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "state")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if cfg != "" {
		if err := os.WriteFile(filepath.Join(dir, "openclaw.json"), []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	e := &env{dir: dir, vars: map[string]string{
		"HOME":                  dir,
		"OPENCLAW_STATE_DIR":    dir,
		"OPENCLAW_GATEWAY_PORT": strconv.Itoa(closedPort(t)),
	}}
	for i := 0; i+1 < len(vars); i += 2 {
		e.vars[vars[i]] = vars[i+1]
	}
	return e
}

func (e *env) getenv(k string) string { return e.vars[k] }

func (e *env) configPath() string { return filepath.Join(e.dir, "openclaw.json") }

func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func ids(fs []Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.ID
	}
	return out
}

func severityOf(fs []Finding, id string) Severity {
	for _, f := range fs {
		if f.ID == id {
			return f.Severity
		}
	}
	return ""
}

// unsafeConfigs are the configurations gateway.md §3 refuses to start
// with (plus an invalid config); doctor and audit must both catch each one.
var unsafeConfigs = []struct {
	name   string
	config string
	env    []string
	// wantID is the critical audit finding (and the failing doctor check).
	wantID string
}{
	{"lan bind with auth none", `{gateway: {mode: "local", bind: "lan", auth: {mode: "none"}}}`, nil, "gateway.bind_no_auth"},
	{"tailnet bind with auth none", `{gateway: {mode: "local", bind: "tailnet", auth: {mode: "none"}}}`, nil, "gateway.bind_no_auth"},
	{"auto bind with auth none", `{gateway: {mode: "local", bind: "auto", auth: {mode: "none"}}}`, nil, "gateway.bind_no_auth"},
	{"custom non-loopback bind with auth none", `{gateway: {mode: "local", bind: "custom", customBindHost: "10.0.0.5", auth: {mode: "none"}}}`, nil, "gateway.bind_no_auth"},
	{"lan bind in token mode without a token", `{gateway: {mode: "local", bind: "lan", auth: {mode: "token"}}}`, nil, "gateway.token_missing"},
	{"lan bind in password mode without a password", `{gateway: {mode: "local", bind: "lan", auth: {mode: "password"}}}`, nil, "gateway.password_missing"},
	{"trusted-proxy with a token in the config", `{gateway: {mode: "local", trustedProxies: ["10.0.0.1"], auth: {mode: "trusted-proxy", token: "` + strongToken + `", trustedProxy: {userHeader: "x-forwarded-user", allowUsers: ["a@example.com"]}}}}`, nil, "gateway.trusted_proxy_mixed_token"},
	{"trusted-proxy with a token from the environment", `{gateway: {mode: "local", trustedProxies: ["10.0.0.1"], auth: {mode: "trusted-proxy", trustedProxy: {userHeader: "x-forwarded-user", allowUsers: ["a@example.com"]}}}}`, []string{"OPENCLAW_GATEWAY_TOKEN", strongToken}, "gateway.trusted_proxy_mixed_token"},
	{"trusted-proxy without trusted proxies", `{gateway: {mode: "local", auth: {mode: "trusted-proxy", trustedProxy: {userHeader: "x-forwarded-user", allowUsers: ["a@example.com"]}}}}`, nil, "gateway.trusted_proxy_no_proxies"},
	{"trusted-proxy without a user header", `{gateway: {mode: "local", trustedProxies: ["10.0.0.1"], auth: {mode: "trusted-proxy", trustedProxy: {allowUsers: ["a@example.com"]}}}}`, nil, "gateway.trusted_proxy_no_user_header"},
	{"an invalid config", `{gateway: {mode: "local", port: "high", bogus: 1}}`, nil, "config.invalid"},
}

func TestUnsafeConfigsAreCaughtByDoctorAndAudit(t *testing.T) {
	for _, tc := range unsafeConfigs {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.config, tc.env...)
			l := LoadLocal(e.getenv)

			a := Audit(l)
			if a.OK || severityOf(a.Findings, tc.wantID) != Critical {
				t.Errorf("audit: want critical %s, got %v (ok %v)", tc.wantID, a.Findings, a.OK)
			}

			d := Doctor(context.Background(), DoctorOptions{Getenv: e.getenv})
			i := slices.IndexFunc(d.Checks, func(c Check) bool {
				return c.ID == tc.wantID || (tc.wantID == "config.invalid" && c.ID == "config.valid")
			})
			if d.OK || i < 0 || d.Checks[i].Status != StatusFail || d.Checks[i].Fix == "" {
				t.Errorf("doctor: want failed check for %s with a fix, got ok %v checks %+v", tc.wantID, d.OK, d.Checks)
			}

			// The gateway refuses these too: audit and startup agree.
			if l.Config != nil {
				s, err := auth.SettingsFromConfig(&l.Config.Gateway)
				exposed, _ := exposure(l.Config.Gateway)
				if err == nil {
					err = s.CheckStartup(exposed)
				}
				if err == nil {
					t.Errorf("auth.CheckStartup accepts a config the audit calls critical")
				}
			}
		})
	}
}

func TestSafeConfigHasNoCriticalFinding(t *testing.T) {
	cases := []struct{ name, config string }{
		{"loopback with a strong token", `{gateway: {mode: "local", auth: {mode: "token", token: "` + strongToken + `"}}}`},
		{"loopback with auth none", `{gateway: {mode: "local", auth: {mode: "none"}}}`},
		{"lan with a strong token", `{gateway: {mode: "local", bind: "lan", auth: {token: "` + strongToken + `"}}}`},
		{"custom loopback host with auth none", `{gateway: {mode: "local", bind: "custom", customBindHost: "127.0.0.1", auth: {mode: "none"}}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.config)
			a := Audit(LoadLocal(e.getenv))
			if !a.OK || a.Summary.Critical != 0 {
				t.Errorf("critical findings: %+v", a.Findings)
			}
		})
	}
}

func TestAuditFindings(t *testing.T) {
	tp := func(extra string) string {
		return `{gateway: {mode: "local", trustedProxies: ["10.0.0.1"], auth: {mode: "trusted-proxy", trustedProxy: {userHeader: "x-forwarded-user"` + extra + `}}}}`
	}
	cases := []struct {
		name    string
		config  string
		want    map[string]Severity
		notWant []string
	}{
		{"a short token on loopback is a warning", `{gateway: {mode: "local", auth: {token: "short-token"}}}`,
			map[string]Severity{"gateway.token_weak": Warn}, nil},
		{"a common token on the LAN is critical", `{gateway: {mode: "local", bind: "lan", auth: {token: "changeme"}}}`,
			map[string]Severity{"gateway.token_weak": Critical, "gateway.lan_bind": Warn}, nil},
		{"a long but repetitive token is weak", `{gateway: {mode: "local", auth: {token: "` + strings.Repeat("ab", 20) + `"}}}`,
			map[string]Severity{"gateway.token_weak": Warn}, nil},
		{"a strong token gives no token finding", `{gateway: {mode: "local", auth: {token: "` + strongToken + `"}}}`,
			nil, []string{"gateway.token_weak", "gateway.token_missing"}},
		{"token mode without a token on loopback is a warning", `{gateway: {mode: "local"}}`,
			map[string]Severity{"gateway.token_missing": Warn}, nil},
		{"a weak password on the LAN is critical", `{gateway: {mode: "local", bind: "lan", auth: {mode: "password", password: "hunter2"}}}`,
			map[string]Severity{"gateway.password_weak": Critical}, nil},
		{"trusted-proxy mode is reported as trusting headers", tp(`, allowUsers: ["a@example.com"]`),
			map[string]Severity{"gateway.trusted_proxy_auth": Info}, []string{"gateway.trusted_proxy_no_allowlist"}},
		{"trusted-proxy without allowUsers accepts everyone", tp(""),
			map[string]Severity{"gateway.trusted_proxy_no_allowlist": Warn}, nil},
		{"trusted-proxy allowing loopback is a warning", tp(`, allowUsers: ["a"], allowLoopback: true`),
			map[string]Severity{"gateway.trusted_proxy_allow_loopback": Warn}, nil},
		{"trusting the whole internet as a proxy in trusted-proxy mode is critical",
			`{gateway: {mode: "local", trustedProxies: ["0.0.0.0/0"], auth: {mode: "trusted-proxy", trustedProxy: {userHeader: "x-forwarded-user", allowUsers: ["a"]}}}}`,
			map[string]Severity{"gateway.trusted_proxies_too_broad": Critical}, nil},
		{"the X-Real-IP fallback is a warning", `{gateway: {mode: "local", allowRealIpFallback: true, auth: {token: "` + strongToken + `"}}}`,
			map[string]Severity{"gateway.real_ip_fallback": Warn}, nil},
		{"open Teams DMs without a tenant are critical, open groups a warning",
			`{gateway: {mode: "local", auth: {token: "` + strongToken + `"}}, channels: {msteams: {appId: "a", appPassword: "p", dmPolicy: "open", groupPolicy: "open"}}}`,
			map[string]Severity{"channels.msteams.dm_open": Critical, "channels.msteams.group_open": Warn}, []string{"channels.msteams.missing_credentials"}},
		{"open Teams DMs in a single tenant are a warning",
			`{gateway: {mode: "local", auth: {token: "` + strongToken + `"}}, channels: {msteams: {appId: "a", appPassword: "p", tenantId: "t", dmPolicy: "open"}}}`,
			map[string]Severity{"channels.msteams.dm_open": Warn}, nil},
		{"an enabled Teams channel without credentials", `{gateway: {mode: "local", auth: {token: "` + strongToken + `"}}, channels: {msteams: {}}}`,
			map[string]Severity{"channels.msteams.missing_credentials": Warn}, nil},
		{"a disabled Teams channel is not audited", `{gateway: {mode: "local", auth: {token: "` + strongToken + `"}}, channels: {msteams: {enabled: false, dmPolicy: "open"}}}`,
			nil, []string{"channels.msteams.dm_open", "channels.msteams.missing_credentials"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := Audit(LoadLocal(newEnv(t, tc.config).getenv))
			for id, sev := range tc.want {
				if got := severityOf(a.Findings, id); got != sev {
					t.Errorf("%s: severity %q, want %q (findings %v)", id, got, sev, ids(a.Findings))
				}
			}
			for _, id := range tc.notWant {
				if severityOf(a.Findings, id) != "" {
					t.Errorf("unexpected finding %s", id)
				}
			}
			for _, f := range a.Findings {
				if f.Title == "" || f.Detail == "" || f.Fix == "" {
					t.Errorf("finding %s lacks title, detail or fix: %+v", f.ID, f)
				}
			}
		})
	}
}

func TestAuditFilePermissions(t *testing.T) {
	cfg := `{gateway: {mode: "local", auth: {token: "` + strongToken + `"}}}`
	cases := []struct {
		name            string
		dirMode, cfgMod os.FileMode
		want            map[string]Severity
	}{
		{"private files give no finding", 0o700, 0o600, map[string]Severity{}},
		{"a world-readable config is critical", 0o700, 0o644, map[string]Severity{"fs.config_world_readable": Critical}},
		{"a group-readable config is a warning", 0o700, 0o640, map[string]Severity{"fs.config_group_readable": Warn}},
		{"a group-readable state dir is a warning", 0o750, 0o600, map[string]Severity{"fs.state_dir_permissions": Warn}},
		{"a world-writable state dir is critical", 0o777, 0o600, map[string]Severity{"fs.state_dir_permissions": Critical}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, cfg)
			chmod(t, e.dir, tc.dirMode)
			chmod(t, e.configPath(), tc.cfgMod)
			a := Audit(LoadLocal(e.getenv))
			var fsIDs []string
			for _, f := range a.Findings {
				if strings.HasPrefix(f.ID, "fs.") {
					fsIDs = append(fsIDs, f.ID)
				}
			}
			if len(fsIDs) != len(tc.want) {
				t.Errorf("fs findings %v, want %v", fsIDs, tc.want)
			}
			for id, sev := range tc.want {
				if got := severityOf(a.Findings, id); got != sev {
					t.Errorf("%s: %q, want %q", id, got, sev)
				}
			}
		})
	}
}

func TestWeakSecret(t *testing.T) {
	for _, s := range []string{"changeme", "Password123", "openclaw", "short", strings.Repeat("a", 40), strings.Repeat("abc", 12), "your-token-here"} {
		if weakSecret(s, MinTokenLen) == "" {
			t.Errorf("%q passes as a token", s)
		}
	}
	for _, s := range []string{strongToken, auth.NewToken(), "e2e-token-0123456789abcdef0123456789abcdef"} {
		if why := weakSecret(s, MinTokenLen); why != "" {
			t.Errorf("%q rejected: %s", s, why)
		}
	}
}

func chmod(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
}
