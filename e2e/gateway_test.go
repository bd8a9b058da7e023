package e2e

import (
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const testToken = "e2e-token-0123456789abcdef0123456789abcdef"

func tokenConfig(extra string) string {
	return `{
  // JSON5: comments and trailing commas are fine
  gateway: {
    mode: "local",
    auth: { mode: "token", token: "` + testToken + `", },
    http: { endpoints: { chatCompletions: { enabled: true } } },
  },
  ` + extra + `
}`
}

func TestVersionFlag(t *testing.T) {
	code, out, _ := runCLI(t, baseEnv(t.TempDir()), "--version")
	if code != 0 || !strings.HasPrefix(out, "openclaw ") || !strings.Contains(out, "(") {
		t.Fatalf("--version: code %d, out %q", code, out)
	}
}

func TestFirstRunWritesConfigWithToken(t *testing.T) {
	dir := stateDir(t, "")
	g := startGateway(t, dir, baseEnv(dir))
	path := filepath.Join(dir, "openclaw.json")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("first run did not write %s: %v", path, err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("config mode %v, want 0600", fi.Mode().Perm())
	}
	var cfg struct {
		Gateway struct {
			Mode string
			Bind string
			Auth struct{ Mode, Token string }
		}
	}
	b, _ := os.ReadFile(path)
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Gateway.Mode != "local" || cfg.Gateway.Auth.Mode != "token" || len(cfg.Gateway.Auth.Token) != 64 {
		t.Fatalf("initial config: %+v", cfg.Gateway)
	}
	out := g.Output()
	if !strings.Contains(out, path) || !strings.Contains(out, "auth-token --show") {
		t.Fatalf("first-run notice missing path or how to read the token:\n%s", out)
	}
	if strings.Contains(out, cfg.Gateway.Auth.Token) {
		t.Fatal("the token was printed")
	}
	status, _, _ := do(t, "GET", g.url("/v1/models"), cfg.Gateway.Auth.Token, "")
	if status != 200 {
		t.Fatalf("GET /v1/models with the generated token: %d", status)
	}
}

func TestStartupRefusals(t *testing.T) {
	cases := []struct {
		name     string
		config   string
		args     []string
		wantCode int
		want     []string // substrings of the output
	}{
		{"lan bind without auth is refused", `{gateway:{mode:"local",bind:"lan",auth:{mode:"none"}}}`, nil, 1,
			[]string{"gateway.auth.mode"}},
		{"lan bind with token mode but no token is refused", `{gateway:{mode:"local",bind:"lan",auth:{mode:"token"}}}`, nil, 1,
			[]string{"gateway.auth.token"}},
		{"trusted-proxy together with a token is refused", `{gateway:{mode:"local",trustedProxies:["10.0.0.1"],auth:{mode:"trusted-proxy",token:"x",trustedProxy:{userHeader:"x-forwarded-user"}}}}`, nil, 1,
			[]string{"gateway.auth.token"}},
		{"trusted-proxy without trustedProxies is refused", `{gateway:{mode:"local",auth:{mode:"trusted-proxy",trustedProxy:{userHeader:"x-forwarded-user"}}}}`, nil, 1,
			[]string{"gateway.trustedProxies"}},
		{"trusted-proxy without userHeader is refused", `{gateway:{mode:"local",trustedProxies:["10.0.0.1"],auth:{mode:"trusted-proxy"}}}`, nil, 1,
			[]string{"userHeader"}},
		{"invalid config lists every error with its path", `{gateway:{mode:"local",port:"abc",bind:"moon",bogus:1}}`, nil, 1,
			[]string{"gateway.port", "gateway.bind", "gateway.bogus"}},
		{"config without gateway.mode is refused", `{gateway:{auth:{token:"abc"}}}`, nil, 1,
			[]string{"gateway.mode", "--allow-unconfigured"}},
		{"unset env var in config names key and variable", `{gateway:{mode:"local",auth:{token:"${OPENCLAW_E2E_UNSET_VAR}"}}}`, nil, 1,
			[]string{"gateway.auth.token", "OPENCLAW_E2E_UNSET_VAR"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := stateDir(t, tc.config)
			g := launch(t, dir, baseEnv(dir), tc.args...)
			select {
			case <-g.exited:
			case <-time.After(15 * time.Second):
				t.Fatalf("gateway did not refuse to start:\n%s", g.Output())
			}
			ee, _ := g.err.(interface{ ExitCode() int })
			if ee == nil || ee.ExitCode() != tc.wantCode {
				t.Fatalf("exit: %v, want code %d\n%s", g.err, tc.wantCode, g.Output())
			}
			for _, w := range tc.want {
				if !strings.Contains(g.Output(), w) {
					t.Errorf("output does not mention %q:\n%s", w, g.Output())
				}
			}
		})
	}
}

func TestAllowUnconfiguredStarts(t *testing.T) {
	dir := stateDir(t, `{gateway:{auth:{token:"`+testToken+`"}}}`)
	startGateway(t, dir, baseEnv(dir), "--allow-unconfigured")
}

func TestPortInUseNamesTheHolder(t *testing.T) {
	dir := stateDir(t, tokenConfig(""))
	first := startGateway(t, dir, baseEnv(dir))
	dir2 := stateDir(t, tokenConfig(""))
	cmdArgs := []string{"gateway", "--port", strconv.Itoa(first.port)}
	code, out, errOut := runCLI(t, baseEnv(dir2), cmdArgs...)
	all := out + errOut
	if code != 1 || !strings.Contains(all, "already in use") || !strings.Contains(all, "OpenClaw gateway") {
		t.Fatalf("code %d, output:\n%s", code, all)
	}
}

func TestAuthOverHTTP(t *testing.T) {
	dir := stateDir(t, tokenConfig(""))
	g := startGateway(t, dir, baseEnv(dir))

	t.Run("every response says which surface answered", func(t *testing.T) {
		for _, p := range []string{"/healthz", "/v1/models", "/nope"} {
			_, h, _ := do(t, "GET", g.url(p), "", "")
			if h.Get("X-OpenClaw-Surface") != "gateway" || h.Get("X-OpenClaw-Version") == "" || h.Get("X-Request-Id") == "" {
				t.Errorf("%s: headers %v", p, h)
			}
		}
	})
	t.Run("missing token is 401 with WWW-Authenticate", func(t *testing.T) {
		st, h, b := do(t, "GET", g.url("/v1/models"), "", "")
		e := decodeError(t, b)
		if st != 401 || e.Error.Type != "authentication_error" || !strings.Contains(h.Get("WWW-Authenticate"), `realm="openclaw"`) {
			t.Fatalf("%d %v %s", st, h, b)
		}
	})
	t.Run("wrong token is 401 gateway_token_mismatch", func(t *testing.T) {
		st, _, b := do(t, "GET", g.url("/v1/models"), "wrong", "")
		if e := decodeError(t, b); st != 401 || code(e) != "gateway_token_mismatch" || e.Error.Hint == "" {
			t.Fatalf("%d %s", st, b)
		}
		if strings.Contains(string(b), "wrong") {
			t.Fatal("presented secret echoed")
		}
	})
	t.Run("a JWT-looking bearer gets the opaque-token hint", func(t *testing.T) {
		jwt := "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
		st, _, b := do(t, "GET", g.url("/v1/models"), jwt, "")
		e := decodeError(t, b)
		if st != 401 || !strings.Contains(e.Error.Hint, "not a JWT") {
			t.Fatalf("%d %s", st, b)
		}
	})
	t.Run("right token lists the agent models", func(t *testing.T) {
		st, _, b := do(t, "GET", g.url("/v1/models"), testToken, "")
		if st != 200 || !strings.Contains(string(b), `"openclaw/default"`) {
			t.Fatalf("%d %s", st, b)
		}
	})
	t.Run("unknown routes answer JSON 404, never HTML", func(t *testing.T) {
		st, h, b := do(t, "GET", g.url("/v2/whatever"), testToken, "")
		if st != 404 || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
			t.Fatalf("%d %v %s", st, h, b)
		}
		decodeError(t, b)
	})
	t.Run("health endpoints", func(t *testing.T) {
		for p, want := range map[string]string{"/health": `"live"`, "/healthz": `"live"`, "/startupz": `"started"`, "/readyz": `"ready"`} {
			st, _, b := do(t, "GET", g.url(p), "", "")
			if st != 200 || !strings.Contains(string(b), want) {
				t.Errorf("%s: %d %s", p, st, b)
			}
		}
	})
	t.Run("the token never appears in the log", func(t *testing.T) {
		if strings.Contains(g.Output(), testToken) {
			t.Fatal("token in gateway output")
		}
	})
}

func TestDisabledEndpointNamesTheKey(t *testing.T) {
	dir := stateDir(t, `{gateway:{mode:"local",auth:{token:"`+testToken+`"}}}`)
	g := startGateway(t, dir, baseEnv(dir))
	st, _, b := do(t, "GET", g.url("/v1/models"), testToken, "")
	e := decodeError(t, b)
	if st != 404 || !strings.Contains(e.Error.Message+e.Error.Hint, "gateway.http.endpoints.chatCompletions.enabled") {
		t.Fatalf("%d %s", st, b)
	}
}

func TestTokenRotationByEditingConfig(t *testing.T) {
	dir := stateDir(t, tokenConfig(""))
	g := startGateway(t, dir, baseEnv(dir))
	if st, _, _ := do(t, "GET", g.url("/v1/models"), testToken, ""); st != 200 {
		t.Fatal("old token rejected before rotation")
	}
	newTok := "rotated-token-abcdefabcdefabcdefabcdefabcdef"
	cfg := strings.Replace(tokenConfig(""), testToken, newTok, 1)
	if err := os.WriteFile(filepath.Join(dir, "openclaw.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, _, _ := do(t, "GET", g.url("/v1/models"), newTok, "")
		if st == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("new token not accepted after edit:\n%s", g.Output())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if st, _, _ := do(t, "GET", g.url("/v1/models"), testToken, ""); st != 401 {
		t.Fatalf("old token still accepted: %d", st)
	}
	// An invalid edit is rejected and the current token keeps working.
	if err := os.WriteFile(filepath.Join(dir, "openclaw.json"), []byte(`{gateway:{port:"x"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if st, _, _ := do(t, "GET", g.url("/v1/models"), newTok, ""); st != 200 {
		t.Fatalf("invalid edit replaced the working config: %d", st)
	}
	if !strings.Contains(g.Output(), "reload rejected") || !strings.Contains(g.Output(), "gateway.port") {
		t.Fatalf("no log line naming the reload errors:\n%s", g.Output())
	}
}

func TestGracefulShutdownLetsRequestsFinish(t *testing.T) {
	dir := stateDir(t, tokenConfig(""))
	g := startGateway(t, dir, baseEnv(dir))
	// Hold a keep-alive connection open with a request in flight: a slow body.
	conn, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(g.port))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"model":"openclaw","messages":[]}`
	_, _ = conn.Write([]byte("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + testToken +
		"\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body[:10]))
	time.Sleep(100 * time.Millisecond)
	_ = g.cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(200 * time.Millisecond)
	select {
	case <-g.exited:
		t.Fatal("gateway exited with a request in flight")
	default:
	}
	_, _ = conn.Write([]byte(body[10:]))
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	n, _ := conn.Read(buf)
	if !strings.HasPrefix(string(buf[:n]), "HTTP/1.1 400") {
		t.Fatalf("in-flight request did not complete with our 400: %q", buf[:n])
	}
	select {
	case <-g.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("gateway did not exit after draining")
	}
	if g.err != nil {
		t.Fatalf("exit after SIGTERM: %v", g.err)
	}
}

func TestAuthTokenShowOnlyToAPerson(t *testing.T) {
	dir := stateDir(t, tokenConfig(""))
	env := baseEnv(dir)
	code, out, errOut := runCLI(t, env, "gateway", "auth-token", "--show")
	if code != 1 || strings.Contains(out, testToken) || !strings.Contains(errOut, "terminal") {
		t.Fatalf("non-interactive: code %d out %q err %q", code, out, errOut)
	}
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("util-linux `script` not installed: cannot give the command a terminal")
	}
	// Typed at a prompt as $(...): stdin and stderr are the terminal, stdout
	// is the pipe of the command substitution.
	cmd := exec.Command(script, "-qec", "echo TOKEN=$("+binPath+" gateway auth-token --show)", "/dev/null")
	cmd.Env = env
	b, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(b), "TOKEN="+testToken) {
		t.Fatalf("in a terminal: %v\n%s", err, b)
	}
}
