package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/openclaw/openclaw-go/internal/gateway"
)

const diagToken = "3f9c2a7e5b1d4c8f9a0e6b2d7c4f1a8e3b5d9c0f2e7a4b6d8c1f3e5a7b9d0c2e"

// fakeGateway answers like a gateway: surface headers, bearer check, the
// probe's routes, status and health.
func fakeGateway(t *testing.T) (port int) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-OpenClaw-Surface", "gateway")
		w.Header().Set("X-OpenClaw-Version", "1.2.3")
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/healthz":
			_, _ = w.Write([]byte(`{"ok":true,"status":"live"}`))
			return
		case "/readyz":
			_, _ = w.Write([]byte(`{"ok":true,"status":"ready","checks":{"sessionStore":"ok"}}`))
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+diagToken {
			w.WriteHeader(401)
			_, _ = w.Write([]byte(`{"error":{"message":"missing gateway token","type":"authentication_error","code":"gateway_token_missing","param":null}}`))
			return
		}
		switch r.URL.Path {
		case "/v1/models":
			_, _ = w.Write([]byte(`{"object":"list","data":[{"id":"openclaw"},{"id":"openclaw/default"}]}`))
		case "/v1/chat/completions":
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"error":{"message":"messages must be a non-empty array.","type":"invalid_request_error","code":"missing_required_parameter","param":"messages"}}`))
		case "/v1/openclaw/status":
			_ = json.NewEncoder(w).Encode(gateway.Status{Service: "openclaw-gateway", Version: "1.2.3", Commit: "abc1234", PID: 42,
				StartedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), UptimeSeconds: 3725, Phase: "ready", Ready: true,
				Bind: "loopback", Port: 18789, Listen: []string{"127.0.0.1:18789"}, AuthMode: "token",
				Endpoints: map[string]bool{"chatCompletions": true, "responses": false}, Agents: []string{"main", "ops"}, DefaultAgent: "main",
				Channels: map[string]any{}})
		default:
			w.WriteHeader(404)
		}
	}))
	t.Cleanup(srv.Close)
	_, p, _ := net.SplitHostPort(srv.Listener.Addr().String())
	port, _ = strconv.Atoi(p)
	return port
}

// diagEnv writes a config with the test token and returns a getenv whose
// gateway port is port.
func diagEnv(t *testing.T, port int, cfg string) func(string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if cfg == "" {
		cfg = `{gateway: {mode: "local", auth: {mode: "token", token: "` + diagToken + `"}}, agents: {defaults: {model: "ollama/llama3.2"}}}`
	}
	if err := os.WriteFile(filepath.Join(dir, "openclaw.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"HOME": dir, "OPENCLAW_STATE_DIR": dir, "OPENCLAW_GATEWAY_PORT": strconv.Itoa(port)}
	return func(k string) string { return vars[k] }
}

func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// runCmd runs cmd with args in-process and returns the exit code and output.
func runCmd(t *testing.T, getenv func(string) string, build func(a *App) *cobra.Command, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	a := &App{Ctx: context.Background(), Getenv: getenv, Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr}
	cmd := build(a)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.SetArgs(args)
	cmd.SetOut(&stdout)
	cmd.SetErr(&stderr)
	err := cmd.ExecuteContext(a.Ctx)
	code := ExitCode(err)
	var ee *ExitError
	if err != nil && !errors.As(err, &ee) {
		code = 2 // cobra's own errors are usage errors (see Run)
	}
	if err != nil {
		stderr.WriteString(err.Error())
	}
	return code, stdout.String(), stderr.String()
}

func gatewayParent(a *App) *cobra.Command {
	g := &cobra.Command{Use: "gateway"}
	g.AddCommand(gatewayDiagCommands(a)...)
	return g
}

func TestProbeCommand(t *testing.T) {
	port := fakeGateway(t)
	getenv := diagEnv(t, port, "")

	t.Run("a healthy local gateway exits 0", func(t *testing.T) {
		code, out, errOut := runCmd(t, getenv, gatewayParent, "probe")
		if code != 0 || !strings.Contains(out, "healthy") || !strings.Contains(out, "version 1.2.3") {
			t.Fatalf("code %d\n%s\n%s", code, out, errOut)
		}
	})
	t.Run("a Teams JWT check behind --url exits 1 and is named in JSON", func(t *testing.T) {
		teams := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(401)
			_, _ = w.Write([]byte(`{"jwt-auth-error":"invalid token"}`))
		}))
		defer teams.Close()
		code, out, _ := runCmd(t, getenv, gatewayParent, "probe", "--url", teams.URL, "--json")
		var rep struct {
			OK      bool `json:"ok"`
			Targets []struct {
				Name      string              `json:"name"`
				OK        bool                `json:"ok"`
				Diagnosis struct{ ID string } `json:"diagnosis"`
			} `json:"targets"`
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		if code != 1 || rep.OK || len(rep.Targets) != 2 || !rep.Targets[0].OK || rep.Targets[1].Diagnosis.ID != "teams_jwt_misroute" {
			t.Fatalf("code %d report %+v", code, rep)
		}
	})
	t.Run("--token overrides the configured token", func(t *testing.T) {
		code, out, _ := runCmd(t, getenv, gatewayParent, "probe", "--token", "wrong", "--json")
		if code != 1 || !strings.Contains(out, `"credential": "token"`) {
			t.Fatalf("code %d\n%s", code, out)
		}
	})
	t.Run("bad usage exits 2", func(t *testing.T) {
		for _, args := range [][]string{
			{"probe", "--token", "a", "--password", "b"},
			{"probe", "--url", "example.com/v1"},
			{"probe", "--timeout", "0s"},
		} {
			if code, out, errOut := runCmd(t, getenv, gatewayParent, args...); code != 2 {
				t.Errorf("%v: code %d\n%s%s", args, code, out, errOut)
			}
		}
	})
	t.Run("no gateway running exits 1 and says connection refused", func(t *testing.T) {
		code, out, _ := runCmd(t, diagEnv(t, freeLoopbackPort(t), ""), gatewayParent, "probe")
		if code != 1 || !strings.Contains(out, "connection_refused") || !strings.Contains(out, "openclaw gateway") {
			t.Fatalf("code %d\n%s", code, out)
		}
	})
}

func TestGatewayStatusCommand(t *testing.T) {
	port := fakeGateway(t)
	code, out, errOut := runCmd(t, diagEnv(t, port, ""), gatewayParent, "status")
	for _, want := range []string{"running", "1.2.3 (abc1234)", "1h2m5s", "loopback", "token", "chatCompletions on", "responses off", "main (default), ops"} {
		if !strings.Contains(out, want) {
			t.Errorf("status output lacks %q", want)
		}
	}
	if code != 0 {
		t.Errorf("code %d\n%s\n%s", code, out, errOut)
	}

	code, out, _ = runCmd(t, diagEnv(t, port, ""), gatewayParent, "status", "--json")
	var st struct {
		Running bool           `json:"running"`
		Status  gateway.Status `json:"status"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil || code != 0 || !st.Running || st.Status.PID != 42 {
		t.Errorf("--json: code %d err %v\n%s", code, err, out)
	}

	code, out, _ = runCmd(t, diagEnv(t, freeLoopbackPort(t), ""), gatewayParent, "status")
	if code != 1 || !strings.Contains(out, "not running") {
		t.Errorf("not running: code %d\n%s", code, out)
	}
}

func TestGatewayHealthCommand(t *testing.T) {
	port := fakeGateway(t)
	code, out, _ := runCmd(t, diagEnv(t, port, ""), gatewayParent, "health")
	if code != 0 || !strings.Contains(out, "✓ ready") || !strings.Contains(out, "sessionStore: ok") {
		t.Errorf("code %d\n%s", code, out)
	}
	code, out, _ = runCmd(t, diagEnv(t, freeLoopbackPort(t), ""), gatewayParent, "health", "--json")
	if code != 1 || !strings.Contains(out, `"running": false`) {
		t.Errorf("not running: code %d\n%s", code, out)
	}
}

func TestDoctorAndAuditCommands(t *testing.T) {
	safe := diagEnv(t, freeLoopbackPort(t), "")
	if code, out, _ := runCmd(t, safe, newDoctorCmd); code != 0 || !strings.Contains(out, "all checks passed") {
		t.Errorf("doctor on a safe config: code %d\n%s", code, out)
	}
	if code, out, _ := runCmd(t, safe, newSecurityCmd, "audit"); code != 0 {
		t.Errorf("audit on a safe config: code %d\n%s", code, out)
	}
	unsafe := diagEnv(t, freeLoopbackPort(t), `{gateway: {mode: "local", bind: "lan", auth: {mode: "none"}}}`)
	if code, out, _ := runCmd(t, unsafe, newDoctorCmd, "--json"); code != 1 || !strings.Contains(out, `"gateway.bind_no_auth"`) {
		t.Errorf("doctor on lan+none: code %d\n%s", code, out)
	}
	code, out, _ := runCmd(t, unsafe, newSecurityCmd, "audit", "--json")
	var rep struct {
		OK       bool `json:"ok"`
		Findings []struct{ ID, Severity string }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 1 || rep.OK {
		t.Errorf("audit on lan+none: code %d err %v\n%s", code, err, out)
	}
}
