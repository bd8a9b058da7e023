// Package e2e tests the real openclaw binary: it is built once, started on a
// free loopback port with its own state dir, and driven over real HTTP.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
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

var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "openclaw-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Both binaries, side by side as `make install` puts them: the tests run
	// the launcher, which execs openclaw-gateway for most commands.
	binPath = filepath.Join(dir, "openclaw")
	build := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "../cmd/openclaw", "../cmd/openclaw-gateway")
	build.Env = append(os.Environ(), "CGO_ENABLED=0") // as `make build` ships it
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build openclaw:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// stateDir makes a state dir holding config (a JSON string) as openclaw.json.
func stateDir(t *testing.T, config string) string {
	t.Helper()
	dir := t.TempDir()
	if config != "" {
		if err := os.WriteFile(filepath.Join(dir, "openclaw.json"), []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// baseEnv is a minimal environment: no provider keys leak in from the host.
func baseEnv(dir string, extra ...string) []string {
	env := []string{
		"HOME=" + dir,
		"PATH=" + os.Getenv("PATH"),
		"OPENCLAW_STATE_DIR=" + dir,
	}
	return append(env, extra...)
}

// gw is a running gateway process.
type gw struct {
	t      *testing.T
	cmd    *exec.Cmd
	port   int
	dir    string
	mu     sync.Mutex
	out    bytes.Buffer // stdout+stderr
	exited chan struct{}
	err    error
}

func (g *gw) url(path string) string { return "http://127.0.0.1:" + strconv.Itoa(g.port) + path }

// Output returns everything the process printed so far.
func (g *gw) Output() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.out.String()
}

type lockedWriter struct{ g *gw }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.g.mu.Lock()
	defer w.g.mu.Unlock()
	return w.g.out.Write(p)
}

// startGateway starts `openclaw gateway --port P args...` and waits until
// /readyz answers 200.
func startGateway(t *testing.T, dir string, env []string, args ...string) *gw {
	t.Helper()
	g := launch(t, dir, env, args...)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-g.exited:
			t.Fatalf("gateway exited early: %v\n%s", g.err, g.Output())
		default:
		}
		resp, err := http.Get(g.url("/readyz"))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return g
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("gateway not ready in time:\n%s", g.Output())
	return nil
}

// launch starts the process without waiting for readiness.
func launch(t *testing.T, dir string, env []string, args ...string) *gw {
	t.Helper()
	g := &gw{t: t, port: freePort(t), dir: dir, exited: make(chan struct{})}
	full := append([]string{"gateway", "--port", strconv.Itoa(g.port)}, args...)
	g.cmd = exec.Command(binPath, full...)
	g.cmd.Env = env
	g.cmd.Stdout = lockedWriter{g}
	g.cmd.Stderr = lockedWriter{g}
	if err := g.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		g.err = g.cmd.Wait()
		close(g.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-g.exited:
		default:
			_ = g.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-g.exited:
			case <-time.After(10 * time.Second):
				_ = g.cmd.Process.Kill()
				<-g.exited
			}
		}
		if t.Failed() {
			t.Logf("gateway output:\n%s", g.Output())
		}
	})
	return g
}

// stop sends SIGTERM and waits for the exit.
func (g *gw) stop(t *testing.T) {
	t.Helper()
	_ = g.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-g.exited:
	case <-time.After(20 * time.Second):
		t.Fatal("gateway did not exit after SIGTERM")
	}
}

// runCLI runs the openclaw launcher to completion and returns its exit code
// and output.
func runCLI(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	return runBin(t, binPath, env, args...)
}

// runBin runs the binary at path to completion and returns its exit code and
// output.
func runBin(t *testing.T, path string, env []string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return code, stdout.String(), stderr.String()
}

// do sends a request and returns status, headers and body.
func do(t *testing.T, method, url, token, body string, hdr ...string) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// apiError decodes an OpenAI error body.
type apiError struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Code    *string `json:"code"`
		Param   *string `json:"param"`
		Hint    string  `json:"hint"`
	} `json:"error"`
}

func decodeError(t *testing.T, b []byte) apiError {
	t.Helper()
	var e apiError
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("not an OpenAI error body: %v: %s", err, b)
	}
	return e
}

func code(e apiError) string {
	if e.Error.Code == nil {
		return ""
	}
	return *e.Error.Code
}

// sseEvents reads `data:` payloads of an SSE body until [DONE] or EOF.
func sseEvents(t *testing.T, r io.Reader) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "data: "); ok {
			out = append(out, v)
			if v == "[DONE]" {
				break
			}
		}
	}
	return out
}
