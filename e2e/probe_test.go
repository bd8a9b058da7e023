package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestProbeThroughNginx puts a real nginx in front of a real gateway and
// checks that `openclaw gateway probe --url` names each broken hop:
//
//	/a/  correct proxy to the gateway                → ok, exit 0
//	/b/  /v1/ routed to a Teams-SDK-like webhook     → teams_jwt_misroute
//	/c/  a JWT-validating proxy refusing the bearer  → proxy_jwt_validation
//	/d/  a proxy stripping Authorization             → auth_header_stripped
//	/e/  a wrong upstream port                       → proxy_bad_gateway
//	/f/  the prefix not stripped before the gateway  → path_prefix_not_stripped
//	/g/  no route at the proxy                       → path_rewrite
func TestProbeThroughNginx(t *testing.T) {
	nginxBin := ensureNginx(t)

	// The original's Teams plugin answers an opaque bearer like this
	// (Microsoft's SDK JWT middleware).
	teams := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"jwt-auth-error":"invalid token"}`))
	}))
	defer teams.Close()
	teamsPort := teams.Listener.Addr().String()

	// nginx on loopback forwards X-Forwarded-For, so the gateway must list
	// it as a trusted proxy (else 403 proxy_attribution_required).
	cfg := strings.Replace(tokenConfig(""), `mode: "local",`, `mode: "local", trustedProxies: ["127.0.0.1"],`, 1)
	dir := stateDir(t, cfg)
	env := baseEnv(dir)
	g := startGateway(t, dir, env)
	// The CLI finds the local gateway through the config's port.
	env = append(env, "OPENCLAW_GATEWAY_PORT="+strconv.Itoa(g.port))

	deadPort := freePort(t)
	nginxPort := freePort(t)
	gw := "127.0.0.1:" + strconv.Itoa(g.port)
	locations := fmt.Sprintf(`
    location /a/ {
      proxy_pass http://%[1]s/;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
    location /b/ {
      proxy_pass http://%[2]s/;
    }
    location /c/ {
      add_header WWW-Authenticate 'Bearer error="invalid_token", error_description="The access token is malformed"' always;
      return 401;
    }
    location /d/ {
      proxy_pass http://%[1]s/;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header Authorization "";
    }
    location /e/ {
      proxy_pass http://127.0.0.1:%[3]d/;
    }
    location /f/ {
      proxy_pass http://%[1]s;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }`, gw, teamsPort, deadPort)
	startNginx(t, nginxBin, nginxPort, locations)

	cases := []struct {
		path, wantID string
		wantCode     int
	}{
		{"a", "ok", 0},
		{"b", "teams_jwt_misroute", 1},
		{"c", "proxy_jwt_validation", 1},
		{"d", "auth_header_stripped", 1},
		{"e", "proxy_bad_gateway", 1},
		{"f", "path_prefix_not_stripped", 1},
		{"g", "path_rewrite", 1},
	}
	for _, tc := range cases {
		t.Run(tc.path+"_"+tc.wantID, func(t *testing.T) {
			url := fmt.Sprintf("http://127.0.0.1:%d/%s/v1", nginxPort, tc.path)
			code, out, errOut := runCLI(t, env, "gateway", "probe", "--url", url, "--json", "--timeout", "5s")
			var rep probeReport
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("probe --json is not JSON: %v\nstdout:\n%s\nstderr:\n%s", err, out, errOut)
			}
			if len(rep.Targets) != 2 {
				t.Fatalf("want local and url targets, got %+v", rep.Targets)
			}
			local, remote := rep.Targets[0], rep.Targets[1]
			if !local.OK || local.Surface != "gateway" {
				t.Errorf("local target not healthy: %+v", local)
			}
			if remote.Diagnosis.ID != tc.wantID || code != tc.wantCode || rep.OK != (tc.wantCode == 0) {
				t.Errorf("url %s: diagnosis %q (want %q), exit %d (want %d)\ncause: %s\nfull output:\n%s",
					url, remote.Diagnosis.ID, tc.wantID, code, tc.wantCode, remote.Diagnosis.Cause, out)
			}
			if tc.wantCode != 0 && (remote.Diagnosis.Cause == "" || remote.Diagnosis.Fix == "") {
				t.Errorf("no cause or fix: %+v", remote.Diagnosis)
			}
		})
	}

	t.Run("human output names the Teams misroute and quotes its body", func(t *testing.T) {
		url := fmt.Sprintf("http://127.0.0.1:%d/b/v1", nginxPort)
		code, out, _ := runCLI(t, env, "gateway", "probe", "--url", url)
		for _, want := range []string{"✗ answered by something else", `{"jwt-auth-error":"invalid token"}`, "Server: nginx", "cause:", "fix:", "teams_jwt_misroute"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		if code != 1 {
			t.Errorf("exit %d", code)
		}
	})
}

// TestGatewayStatusAndHealthCLI runs status and health against a real
// gateway, and against none.
func TestGatewayStatusAndHealthCLI(t *testing.T) {
	dir := stateDir(t, tokenConfig(""))
	g := startGateway(t, dir, baseEnv(dir))
	env := append(baseEnv(dir), "OPENCLAW_GATEWAY_PORT="+strconv.Itoa(g.port))

	code, out, errOut := runCLI(t, env, "gateway", "status", "--json")
	var st struct {
		Running bool `json:"running"`
		Status  struct {
			Version  string `json:"version"`
			AuthMode string `json:"authMode"`
			Port     int    `json:"port"`
		} `json:"status"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil || code != 0 || !st.Running || st.Status.AuthMode != "token" || st.Status.Port != g.port {
		t.Errorf("status --json: exit %d, err %v\n%s\n%s", code, err, out, errOut)
	}
	code, out, _ = runCLI(t, env, "gateway", "health")
	if code != 0 || !strings.Contains(out, "✓ ready") {
		t.Errorf("health: exit %d\n%s", code, out)
	}

	down := append(baseEnv(dir), "OPENCLAW_GATEWAY_PORT="+strconv.Itoa(freePort(t)))
	if code, out, _ := runCLI(t, down, "gateway", "status"); code != 1 || !strings.Contains(out, "not running") {
		t.Errorf("status without a gateway: exit %d\n%s", code, out)
	}
	if code, _, _ := runCLI(t, down, "gateway", "health"); code != 1 {
		t.Errorf("health without a gateway: exit %d", code)
	}
}

type probeReport struct {
	OK      bool `json:"ok"`
	Targets []struct {
		Name      string `json:"name"`
		OK        bool   `json:"ok"`
		Surface   string `json:"surface"`
		Diagnosis struct {
			ID    string `json:"id"`
			Cause string `json:"cause"`
			Fix   string `json:"fix"`
		} `json:"diagnosis"`
	} `json:"targets"`
}

var installNginx sync.Once

// ensureNginx returns the nginx binary, installing Debian's package when
// it is missing (the test machines run as root with apt reachable).
func ensureNginx(t *testing.T) string {
	t.Helper()
	const bin = "/usr/sbin/nginx"
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	var log strings.Builder
	installNginx.Do(func() {
		if _, err := exec.LookPath("apt-get"); err != nil {
			log.WriteString("apt-get not found")
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		run := func(args ...string) error {
			cmd := exec.CommandContext(ctx, "apt-get", args...)
			cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
			out, err := cmd.CombinedOutput()
			fmt.Fprintf(&log, "$ apt-get %s\n%s\n", strings.Join(args, " "), lastLines(string(out), 15))
			return err
		}
		if err := run("update"); err != nil {
			return
		}
		if run("install", "-y", "--no-install-recommends", "nginx-light") != nil {
			_ = run("install", "-y", "--no-install-recommends", "nginx")
		}
	})
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("nginx is not installed and could not be installed (need root and a reachable Debian mirror): %v\n%s", err, log.String())
	}
	return bin
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// startNginx runs nginx in the foreground with a config of its own in a
// temp dir (pid, logs and temp paths included), listening on loopback port.
func startNginx(t *testing.T, bin string, port int, locations string) {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"logs", "client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	conf := fmt.Sprintf(`
daemon off;
master_process off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/logs/error.log warn;
events { worker_connections 64; }
http {
  access_log %[1]s/logs/access.log;
  client_body_temp_path %[1]s/client_body;
  proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
  server {
    listen 127.0.0.1:%[2]d;
    server_name localhost;
    location = /nginx-ready { return 204; }
%[3]s
  }
}
`, dir, port, locations)
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "-t", "-p", dir, "-c", confPath).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t: %v\n%s\n%s", err, out, conf)
	}
	cmd := exec.Command(bin, "-p", dir, "-c", confPath)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "logs", "error.log"))
			t.Logf("nginx error log:\n%s", b)
		}
	})
	ready := fmt.Sprintf("http://127.0.0.1:%d/nginx-ready", port)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case <-exited:
			b, _ := os.ReadFile(filepath.Join(dir, "logs", "error.log"))
			t.Fatalf("nginx exited early:\n%s", b)
		default:
		}
		if resp, err := http.Get(ready); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusNoContent {
				return
			}
		}
	}
	t.Fatal("nginx did not come up in time")
}
