package diag

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/openclaw/openclaw-go/internal/config"
)

func checkByID(rep DoctorReport, id string) (Check, bool) {
	i := slices.IndexFunc(rep.Checks, func(c Check) bool { return c.ID == id })
	if i < 0 {
		return Check{}, false
	}
	return rep.Checks[i], true
}

func perm(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func TestDoctorFixRepairsWhatIsSafe(t *testing.T) {
	// No gateway.mode, no token, loose permissions.
	e := newEnv(t, `{gateway: {auth: {mode: "token"}}, agents: {defaults: {model: "ollama/llama3.2"}}}`)
	chmod(t, e.dir, 0o755)
	chmod(t, e.configPath(), 0o644)

	before := Doctor(context.Background(), DoctorOptions{Getenv: e.getenv})
	if before.OK {
		t.Fatalf("doctor without --fix passed: %+v", before.Checks)
	}
	for _, id := range []string{"config.mode", "fs.config_world_readable"} {
		if c, _ := checkByID(before, id); c.Status != StatusFail {
			t.Errorf("before the fix %s: %+v", id, c)
		}
	}

	rep := Doctor(context.Background(), DoctorOptions{Getenv: e.getenv, Fix: true})
	if !rep.OK {
		t.Fatalf("doctor --fix still fails: %+v", rep.Checks)
	}
	changes := strings.Join(rep.Changes, "\n")
	for _, want := range []string{"chmod 700 " + e.dir, "chmod 600 " + e.configPath(), `gateway.mode to "local"`, "generated a missing gateway token", "hot reload"} {
		if !strings.Contains(changes, want) {
			t.Errorf("changes do not mention %q:\n%s", want, changes)
		}
	}
	if p := perm(t, e.dir); p != 0o700 {
		t.Errorf("state dir %04o", p)
	}
	if p := perm(t, e.configPath()); p != 0o600 {
		t.Errorf("config %04o", p)
	}
	cfg, err := config.Load(e.configPath(), e.getenv)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Gateway.Mode != "local" || len(cfg.Gateway.Auth.Token.Reveal()) != 64 || weakSecret(cfg.Gateway.Auth.Token.Reveal(), MinTokenLen) != "" {
		t.Errorf("repaired config: mode %q, token length %d", cfg.Gateway.Mode, len(cfg.Gateway.Auth.Token.Reveal()))
	}
	if _, err := os.Stat(e.configPath() + ".bak"); err != nil {
		t.Errorf("no backup of the previous config: %v", err)
	}

	// A second run changes nothing.
	again := Doctor(context.Background(), DoctorOptions{Getenv: e.getenv, Fix: true})
	if len(again.Changes) != 0 || !again.OK {
		t.Errorf("second --fix: changes %v ok %v", again.Changes, again.OK)
	}
}

func TestDoctorFixLeavesAWeakTokenToTheUser(t *testing.T) {
	e := newEnv(t, `{gateway: {mode: "local", bind: "lan", auth: {token: "changeme"}}, agents: {defaults: {model: "ollama/llama3.2"}}}`)
	rep := Doctor(context.Background(), DoctorOptions{Getenv: e.getenv, Fix: true})
	c, _ := checkByID(rep, "gateway.token_weak")
	if rep.OK || c.Status != StatusFail || !strings.Contains(c.Fix, "--generate-gateway-token") {
		t.Errorf("weak token: ok %v check %+v", rep.OK, c)
	}
	if len(rep.Changes) != 0 {
		t.Errorf("--fix replaced a configured token: %v", rep.Changes)
	}
}

func TestDoctorGenerateGatewayToken(t *testing.T) {
	t.Run("replaces the token and says running gateways reload it", func(t *testing.T) {
		e := newEnv(t, `{gateway: {mode: "local", auth: {token: "`+strongToken+`"}}, agents: {defaults: {model: "ollama/llama3.2"}}}`)
		rep := Doctor(context.Background(), DoctorOptions{Getenv: e.getenv, GenerateToken: true})
		cfg, err := config.Load(e.configPath(), e.getenv)
		if err != nil {
			t.Fatal(err)
		}
		tok := cfg.Gateway.Auth.Token.Reveal()
		if tok == strongToken || len(tok) != 64 {
			t.Errorf("token not replaced: %d chars", len(tok))
		}
		all := strings.Join(rep.Changes, "\n")
		if !strings.Contains(all, "hot reload") || strings.Contains(all, tok) {
			t.Errorf("changes: %s", all)
		}
		if !rep.OK {
			t.Errorf("checks: %+v", rep.Checks)
		}
	})
	t.Run("refuses in trusted-proxy mode", func(t *testing.T) {
		e := newEnv(t, `{gateway: {mode: "local", trustedProxies: ["10.0.0.1"], auth: {mode: "trusted-proxy", trustedProxy: {userHeader: "x-user", allowUsers: ["a"]}}}}`)
		rep := Doctor(context.Background(), DoctorOptions{Getenv: e.getenv, GenerateToken: true})
		c, ok := checkByID(rep, "doctor.repair")
		if !ok || c.Status != StatusFail || !strings.Contains(c.Message, "trusted-proxy") || rep.OK {
			t.Errorf("repair check %+v ok %v", c, rep.OK)
		}
		b, _ := os.ReadFile(e.configPath())
		if strings.Contains(string(b), `"token"`) {
			t.Errorf("a token was written: %s", b)
		}
	})
	t.Run("refuses without a config file", func(t *testing.T) {
		e := newEnv(t, "")
		rep := Doctor(context.Background(), DoctorOptions{Getenv: e.getenv, GenerateToken: true})
		if c, _ := checkByID(rep, "doctor.repair"); c.Status != StatusFail || !strings.Contains(c.Message, "openclaw gateway") {
			t.Errorf("repair check %+v", c)
		}
	})
}

func TestDoctorProviders(t *testing.T) {
	cfg := `{gateway: {mode: "local", auth: {token: "` + strongToken + `"}},
	  agents: {defaults: {model: {primary: "openai/gpt-4o-mini", fallbacks: ["anthropic/claude-haiku-4-5", "local/llama3.2", "remote/m", "ollama/llama3.2", "nowhere/x"]}}},
	  models: {providers: {
	    local: {baseUrl: "http://127.0.0.1:11434/v1", api: "openai-completions", models: [{id: "llama3.2"}]},
	    remote: {baseUrl: "https://llm.example.com/v1", api: "openai-completions", models: [{id: "m"}]},
	  }}}`
	e := newEnv(t, cfg, "OPENAI_API_KEY", "sk-test")
	rep := Doctor(context.Background(), DoctorOptions{Getenv: e.getenv})
	want := map[string]string{
		"providers.openai":    StatusOK,
		"providers.anthropic": StatusFail,
		"providers.local":     StatusOK,
		"providers.remote":    StatusFail,
		"providers.ollama":    StatusOK,
		"providers.nowhere":   StatusFail,
	}
	for id, st := range want {
		if c, ok := checkByID(rep, id); !ok || c.Status != st {
			t.Errorf("%s: %+v, want %s", id, c, st)
		}
	}
	if c, _ := checkByID(rep, "providers.anthropic"); !strings.Contains(c.Message, "ANTHROPIC_API_KEY") {
		t.Errorf("anthropic check does not name the variable: %+v", c)
	}
}

func TestDoctorPort(t *testing.T) {
	listen := func(t *testing.T, h http.Handler) int {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		_, p, _ := net.SplitHostPort(srv.Listener.Addr().String())
		n, _ := strconv.Atoi(p)
		return n
	}
	cfg := `{gateway: {mode: "local", auth: {token: "` + strongToken + `"}}, agents: {defaults: {model: "ollama/llama3.2"}}}`
	t.Run("a free port is fine", func(t *testing.T) {
		rep := Doctor(context.Background(), DoctorOptions{Getenv: newEnv(t, cfg).getenv})
		if c, _ := checkByID(rep, "gateway.port"); c.Status != StatusOK || !strings.Contains(c.Message, "free") {
			t.Errorf("%+v", c)
		}
	})
	t.Run("something else on the port fails the check", func(t *testing.T) {
		port := listen(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(404) }))
		e := newEnv(t, cfg, "OPENCLAW_GATEWAY_PORT", strconv.Itoa(port))
		rep := Doctor(context.Background(), DoctorOptions{Getenv: e.getenv})
		c, _ := checkByID(rep, "gateway.port")
		if c.Status != StatusFail || !strings.Contains(c.Message, "not an OpenClaw gateway") || rep.OK {
			t.Errorf("%+v", c)
		}
	})
	t.Run("a running gateway is recognised and its Teams webhook checked", func(t *testing.T) {
		port := listen(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-OpenClaw-Version", "9.9.9")
			if r.URL.Path == "/api/messages" {
				w.Header().Set("X-OpenClaw-Surface", "msteams-webhook")
				w.WriteHeader(405)
				return
			}
			w.Header().Set("X-OpenClaw-Surface", "gateway")
			_, _ = w.Write([]byte(`{"ok":true}`))
		}))
		teams := `{gateway: {mode: "local", auth: {token: "` + strongToken + `"}}, agents: {defaults: {model: "ollama/llama3.2"}},
		  channels: {msteams: {appId: "app", appPassword: "pw", tenantId: "t", webhook: {port: "gateway"}}}}`
		e := newEnv(t, teams, "OPENCLAW_GATEWAY_PORT", strconv.Itoa(port))
		rep := Doctor(context.Background(), DoctorOptions{Getenv: e.getenv})
		if c, _ := checkByID(rep, "gateway.port"); c.Status != StatusOK || !strings.Contains(c.Message, "9.9.9") {
			t.Errorf("port: %+v", c)
		}
		if c, _ := checkByID(rep, "channels.msteams.webhook"); c.Status != StatusOK {
			t.Errorf("webhook: %+v", c)
		}
		if !rep.OK {
			t.Errorf("checks: %+v", rep.Checks)
		}
	})
	t.Run("Teams without credentials fails", func(t *testing.T) {
		teams := `{gateway: {mode: "local", auth: {token: "` + strongToken + `"}}, agents: {defaults: {model: "ollama/llama3.2"}}, channels: {msteams: {tenantId: "t"}}}`
		rep := Doctor(context.Background(), DoctorOptions{Getenv: newEnv(t, teams).getenv})
		if c, _ := checkByID(rep, "channels.msteams.credentials"); c.Status != StatusFail || !strings.Contains(c.Message, "appId") {
			t.Errorf("%+v", c)
		}
		if c, _ := checkByID(rep, "channels.msteams.webhook"); c.Status != StatusSkip {
			t.Errorf("webhook without a gateway: %+v", c)
		}
	})
}

func TestDoctorReportJSONKeys(t *testing.T) {
	rep := Doctor(context.Background(), DoctorOptions{Getenv: newEnv(t, `{gateway: {mode: "local"}}`).getenv})
	b, _ := json.Marshal(rep)
	var generic any
	_ = json.Unmarshal(b, &generic)
	got := keyPaths("", generic)
	want := []string{"changes", "checks", "checks[].fix", "checks[].id", "checks[].message", "checks[].status", "config", "ok"}
	if !slices.Equal(got, want) {
		t.Errorf("doctor JSON keys %q, want %q", got, want)
	}
	var buf bytes.Buffer
	WriteDoctor(&buf, rep)
	if !strings.Contains(buf.String(), "fix:") {
		t.Errorf("human output has no fix line:\n%s", buf.String())
	}
}
