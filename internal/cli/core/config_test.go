package core

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/openclaw/openclaw-go/internal/config"
)

// configEnv is a temp state dir and the environment that points at it.
type configEnv struct {
	dir  string
	vars map[string]string
}

func newConfigEnv(t *testing.T, content string) *configEnv {
	t.Helper()
	dir := t.TempDir()
	e := &configEnv{dir: dir, vars: map[string]string{"HOME": dir, "OPENCLAW_STATE_DIR": filepath.Join(dir, "state")}}
	if content != "" {
		if err := os.MkdirAll(filepath.Join(dir, "state"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(e.path(), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func (e *configEnv) path() string { return filepath.Join(e.dir, "state", "openclaw.json") }

func (e *configEnv) read(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(e.path())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// run executes `openclaw config <args>` in-process the way Run does (the
// config command is not registered in commands.go by this file) and returns
// stdout, stderr and the exit code.
func (e *configEnv) run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	a := &App{Ctx: t.Context(), Getenv: func(k string) string { return e.vars[k] }, Stdout: &stdout, Stderr: &stderr}
	root := &cobra.Command{Use: "openclaw", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(NewConfigCmd(a))
	root.SetArgs(append([]string{"config"}, args...))
	root.SetOut(&stdout)
	root.SetErr(&stderr)
	_, err := root.ExecuteContextC(t.Context())
	var ee *ExitError
	if err != nil && !errors.As(err, &ee) {
		ee = &ExitError{Code: 2, Err: err}
	}
	if ee != nil && !ee.Silent && ee.Err != nil {
		stderr.WriteString("error: " + ee.Err.Error() + "\n")
	}
	if ee == nil {
		return stdout.String(), stderr.String(), 0
	}
	return stdout.String(), stderr.String(), ee.Code
}

const cliConfig = `{
  // hand-written
  gateway: { port: 18790, auth: { token: "s3cret-token", password: "${GW_PW}" } },
  models: { providers: { local: { baseUrl: "http://127.0.0.1:11434/v1", apiKey: "sk-live" } } },
  agents: { list: [ { id: "main", model: "openai/gpt-4o" } ] },
}`

func TestConfigGet(t *testing.T) {
	t.Parallel()
	e := newConfigEnv(t, cliConfig)
	tests := []struct {
		name           string
		args           []string
		stdout, stderr string
		code           int
	}{
		{"number as JSON", []string{"get", "gateway.port"}, "18790\n", "", 0},
		{"string raw", []string{"get", "agents.list[0].model"}, "openai/gpt-4o\n", "", 0},
		{"dotted index", []string{"get", "agents.list.0.id"}, "main\n", "", 0},
		{"string with --json", []string{"get", "agents.list[0].id", "--json"}, "\"main\"\n", "", 0},
		{"secret redacted", []string{"get", "gateway.auth.token"}, config.Redacted + "\n", "", 0},
		{"reference shown as written", []string{"get", "gateway.auth.password"}, "${GW_PW}\n", "", 0},
		{"parent object redacted", []string{"get", "models.providers.local", "--json"},
			"{\n  \"apiKey\": \"" + config.Redacted + "\",\n  \"baseUrl\": \"http://127.0.0.1:11434/v1\"\n}\n", "", 0},
		{"default for an unset path", []string{"get", "gateway.bind"}, "loopback\n", "", 0},
		{"inferred auth mode", []string{"get", "gateway.auth.mode"}, "token\n", "", 0},
		{"default rate limit", []string{"get", "gateway.auth.rateLimit", "--json"},
			"{\n  \"exemptLoopback\": true,\n  \"lockoutMs\": 300000,\n  \"maxAttempts\": 10,\n  \"windowMs\": 60000\n}\n", "", 0},
		{"missing path", []string{"get", "gateway.customBindHost"}, "", "Config path not found: gateway.customBindHost\n", 1},
		{"missing path --json", []string{"get", "nope.x", "--json"}, "{\n  \"error\": \"Config path not found: nope.x\"\n}\n", "", 1},
		{"bad path is usage", []string{"get", "a..b"}, "", "", 2},
		{"missing argument is usage", []string{"get"}, "", "", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := e.run(t, tc.args...)
			if code != tc.code || stdout != tc.stdout || (tc.stderr != "" && stderr != tc.stderr) {
				t.Errorf("config %v:\n code %d, want %d\n stdout %q\n want   %q\n stderr %q\n want   %q", tc.args, code, tc.code, stdout, tc.stdout, stderr, tc.stderr)
			}
		})
	}
}

func TestConfigGetFreshMachine(t *testing.T) {
	t.Parallel()
	e := newConfigEnv(t, "")
	if stdout, _, code := e.run(t, "get", "gateway.port"); stdout != "18789\n" || code != 0 {
		t.Errorf("gateway.port on a fresh machine: %q, exit %d", stdout, code)
	}
	want := filepath.Join(e.dir, "state", "workspace") + "\n"
	if stdout, _, _ := e.run(t, "get", "agents.defaults.workspace"); stdout != want {
		t.Errorf("workspace = %q, want %q", stdout, want)
	}
	e.vars["OPENCLAW_GATEWAY_PASSWORD"] = "pw"
	if stdout, _, _ := e.run(t, "get", "gateway.auth.mode"); stdout != "password\n" {
		t.Errorf("mode with only a password in the env = %q", stdout)
	}
	if _, err := os.Stat(e.path()); !os.IsNotExist(err) {
		t.Error("config get created the file")
	}
}

func TestConfigSet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   string // substring
		stderr   string // substring
		readBack []string
		want     string // stdout of readBack
		dropsRef bool   // the change removes the ${GW_PW} reference
	}{
		{name: "number", args: []string{"set", "gateway.port", "18800"}, stdout: "Set gateway.port = 18800 in ",
			readBack: []string{"get", "gateway.port"}, want: "18800\n"},
		{name: "bare word is a string", args: []string{"set", "gateway.bind", "lan"},
			readBack: []string{"get", "gateway.bind"}, want: "lan\n"},
		{name: "numeric word for a string field stays a string", args: []string{"set", "gateway.auth.token", "123456"},
			stdout: config.Redacted, readBack: []string{"get", "gateway.auth.token", "--json"}, want: "\"" + config.Redacted + "\"\n"},
		{name: "JSON5 object replaces", args: []string{"set", "gateway.auth", "{mode: 'none'}"},
			readBack: []string{"get", "gateway.auth", "--json"}, want: "{\n  \"mode\": \"none\"\n}\n", dropsRef: true},
		{name: "merge keeps other keys", args: []string{"set", "gateway.auth", "{mode: 'none'}", "--merge"},
			readBack: []string{"get", "gateway.auth", "--json"},
			want:     "{\n  \"mode\": \"none\",\n  \"password\": \"${GW_PW}\",\n  \"token\": \"" + config.Redacted + "\"\n}\n"},
		{name: "new array element", args: []string{"set", "agents.list[1]", "{id: 'helper'}"},
			readBack: []string{"get", "agents.list[1].id"}, want: "helper\n"},
		{name: "invalid value is refused with every error", args: []string{"set", "gateway", "{port: 'x', bind: 'moon'}"}, code: 1,
			stderr: "gateway.bind: expected one of"},
		{name: "unknown key is refused", args: []string{"set", "gateway.prot", "1"}, code: 1, stderr: `gateway.prot: unknown key (did you mean "port"?)`},
		{name: "strict JSON rejects JSON5", args: []string{"set", "gateway.auth", "{mode: 'none'}", "--strict-json"}, code: 2},
		{name: "strict JSON accepts JSON", args: []string{"set", "gateway.port", "1234", "--strict-json"},
			readBack: []string{"get", "gateway.port"}, want: "1234\n"},
		{name: "merge and replace together", args: []string{"set", "a", "1", "--merge", "--replace"}, code: 2},
		{name: "redaction placeholder is refused", args: []string{"set", "gateway.auth.token", config.Redacted}, code: 2},
		{name: "through a scalar fails", args: []string{"set", "gateway.port.x", "1"}, code: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newConfigEnv(t, cliConfig)
			before := e.read(t)
			stdout, stderr, code := e.run(t, tc.args...)
			if code != tc.code || !strings.Contains(stdout, tc.stdout) || !strings.Contains(stderr, tc.stderr) {
				t.Fatalf("config %v: exit %d (want %d)\nstdout %q\nstderr %q", tc.args, code, tc.code, stdout, stderr)
			}
			if strings.Contains(stdout+stderr, "s3cret-token") || strings.Contains(stdout+stderr, "sk-live") {
				t.Errorf("output reveals a secret:\n%s%s", stdout, stderr)
			}
			if code != 0 {
				if e.read(t) != before {
					t.Error("a failed set changed the file")
				}
				return
			}
			if tc.readBack != nil {
				if got, _, _ := e.run(t, tc.readBack...); got != tc.want {
					t.Errorf("read back %v = %q, want %q", tc.readBack, got, tc.want)
				}
			}
			// References survive, the backup holds the old file, mode is 0600.
			if !tc.dropsRef && !strings.Contains(e.read(t), "${GW_PW}") {
				t.Error("${GW_PW} reference was not written back")
			}
			if bak, _ := os.ReadFile(e.path() + ".bak"); string(bak) != before {
				t.Error("backup does not hold the previous file")
			}
			if fi, _ := os.Stat(e.path()); fi.Mode().Perm() != 0o600 {
				t.Errorf("mode %o", fi.Mode().Perm())
			}
		})
	}
}

func TestConfigSetDryRunAndCreate(t *testing.T) {
	t.Parallel()
	e := newConfigEnv(t, "")
	stdout, _, code := e.run(t, "set", "gateway.port", "2000", "--dry-run")
	if code != 0 || !strings.Contains(stdout, "+ gateway.port = 2000") || !strings.Contains(stdout, "not written") {
		t.Errorf("dry run: exit %d, %q", code, stdout)
	}
	if _, err := os.Stat(e.path()); !os.IsNotExist(err) {
		t.Error("dry run wrote the file")
	}
	if _, _, code := e.run(t, "set", "gateway.port", "2000"); code != 0 {
		t.Fatalf("set on a missing file: exit %d", code)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(e.read(t)), &got); err != nil {
		t.Fatalf("written file is not JSON: %v", err)
	}
	if fi, _ := os.Stat(filepath.Dir(e.path())); fi.Mode().Perm() != 0o700 {
		t.Errorf("state dir mode %o", fi.Mode().Perm())
	}
	stdout, _, _ = e.run(t, "set", "gateway.auth.token", "abc-secret", "--dry-run")
	if strings.Contains(stdout, "abc-secret") {
		t.Errorf("dry run reveals the secret: %q", stdout)
	}
}

func TestConfigSetRepairsOneErrorAtATime(t *testing.T) {
	t.Parallel()
	e := newConfigEnv(t, `{gateway: {port: "x", bind: "moon"}}`)
	stdout, stderr, code := e.run(t, "set", "gateway.port", "1234")
	if code != 0 || !strings.Contains(stderr, "still has 1 error") {
		t.Fatalf("fixing one of two errors: exit %d\n%s%s", code, stdout, stderr)
	}
	if _, _, code := e.run(t, "set", "gateway.port", "x"); code != 1 {
		t.Errorf("re-breaking a fixed key: exit %d, want 1", code)
	}
}

func TestConfigUnset(t *testing.T) {
	t.Parallel()
	e := newConfigEnv(t, cliConfig)
	if stdout, _, code := e.run(t, "unset", "gateway.port"); code != 0 || !strings.Contains(stdout, "Removed gateway.port") {
		t.Fatalf("unset: exit %d %q", code, stdout)
	}
	if stdout, _, _ := e.run(t, "get", "gateway.port"); stdout != "18789\n" {
		t.Errorf("after unset gateway.port = %q, want the default", stdout)
	}
	if _, stderr, code := e.run(t, "unset", "gateway.port"); code != 1 || stderr != "Config path not found: gateway.port\n" {
		t.Errorf("unset missing: exit %d, %q", code, stderr)
	}
	if _, _, code := e.run(t, "unset", "agents.list[0]"); code != 0 {
		t.Errorf("unset array element: exit %d", code)
	}
}

func TestConfigFile(t *testing.T) {
	t.Parallel()
	e := newConfigEnv(t, "")
	if stdout, _, _ := e.run(t, "file"); stdout != e.path()+"\n" {
		t.Errorf("file = %q", stdout)
	}
	stdout, _, _ := e.run(t, "file", "--json")
	var got struct {
		Path     string `json:"path"`
		Exists   bool   `json:"exists"`
		StateDir string `json:"stateDir"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil || got.Path != e.path() || got.Exists || got.StateDir != filepath.Dir(e.path()) {
		t.Errorf("file --json = %s (%v)", stdout, err)
	}
	e.vars["OPENCLAW_CONFIG_PATH"] = filepath.Join(e.dir, "other.json")
	if stdout, _, _ := e.run(t, "file"); stdout != filepath.Join(e.dir, "other.json")+"\n" {
		t.Errorf("file with OPENCLAW_CONFIG_PATH = %q", stdout)
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	t.Run("valid", func(t *testing.T) {
		e := newConfigEnv(t, cliConfig)
		e.vars["GW_PW"] = "pw"
		if stdout, _, code := e.run(t, "validate"); code != 0 || stdout != "config valid: "+e.path()+"\n" {
			t.Errorf("exit %d, %q", code, stdout)
		}
	})
	t.Run("unset variable is an error", func(t *testing.T) {
		e := newConfigEnv(t, cliConfig)
		_, stderr, code := e.run(t, "validate")
		if code != 1 || !strings.Contains(stderr, "gateway.auth.password: environment variable GW_PW is not set") {
			t.Errorf("exit %d, %q", code, stderr)
		}
	})
	t.Run("missing file is valid", func(t *testing.T) {
		e := newConfigEnv(t, "")
		if _, _, code := e.run(t, "validate"); code != 0 {
			t.Errorf("exit %d", code)
		}
	})
	t.Run("all errors as JSON", func(t *testing.T) {
		e := newConfigEnv(t, `{gateway: {port: "abc", zzz: 1}}`)
		stdout, _, code := e.run(t, "validate", "--json")
		var got struct {
			Valid  bool                `json:"valid"`
			Path   string              `json:"path"`
			Errors []config.FieldError `json:"errors"`
		}
		if err := json.Unmarshal([]byte(stdout), &got); err != nil {
			t.Fatalf("not JSON: %q", stdout)
		}
		want := []config.FieldError{
			{Path: "gateway.port", Expected: "integer 1-65535", Found: `string "abc"`},
			{Path: "gateway.zzz", Message: "unknown key"},
		}
		if code != 1 || got.Valid || got.Path != e.path() || len(got.Errors) != 2 || got.Errors[0] != want[0] || got.Errors[1] != want[1] {
			t.Errorf("exit %d, %+v", code, got)
		}
	})
	t.Run("syntax error", func(t *testing.T) {
		e := newConfigEnv(t, "{gateway: {port: ,}}")
		_, stderr, code := e.run(t, "validate")
		if code != 1 || !strings.Contains(stderr, "line 1") {
			t.Errorf("exit %d, %q", code, stderr)
		}
	})
	t.Run("invalid env override", func(t *testing.T) {
		e := newConfigEnv(t, "")
		e.vars["OPENCLAW_GATEWAY_PORT"] = "http"
		if _, stderr, code := e.run(t, "validate"); code != 1 || !strings.Contains(stderr, "OPENCLAW_GATEWAY_PORT") {
			t.Errorf("exit %d, %q", code, stderr)
		}
	})
}

func TestConfigSchema(t *testing.T) {
	t.Parallel()
	e := newConfigEnv(t, "")
	stdout, _, code := e.run(t, "schema")
	if code != 0 || !json.Valid([]byte(stdout)) || !strings.Contains(stdout, `"trusted-proxy"`) {
		t.Errorf("schema: exit %d, %d bytes", code, len(stdout))
	}
}

func TestConfigCommandsDocumented(t *testing.T) {
	t.Parallel()
	for _, c := range NewConfigCmd(&App{}).Commands() {
		if c.Short == "" || c.Example == "" {
			t.Errorf("config %s lacks Short or Example", c.Name())
		}
	}
}
