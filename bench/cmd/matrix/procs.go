package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

// harness owns the binaries and the processes of one invocation.
type harness struct {
	opt     *options
	work    string
	log     io.Writer
	token   string
	pinned  bool
	pinNote string

	bins            binaries
	gatewayBuildErr string

	mu    sync.Mutex
	procs []*proc

	mock, relay, gateway *proc
}

type binaries struct{ mock, relay, loadgen, gateway string }

// proc is a child process; url is its base URL once it is ready.
type proc struct {
	name string
	cmd  *exec.Cmd
	pid  int
	url  string
	out  string // stdout file
	errf string // stderr file
	done chan struct{}
}

// build compiles the harness commands and the gateway. A gateway that does
// not build is recorded, not fatal: the direct and relay rows still run.
func (h *harness) build(ctx context.Context) error {
	h.bins = binaries{
		mock:    filepath.Join(h.work, "mockupstream"),
		relay:   filepath.Join(h.work, "relay"),
		loadgen: filepath.Join(h.work, "loadgen"),
	}
	for pkg, out := range map[string]string{
		"./bench/cmd/mockupstream": h.bins.mock, "./bench/cmd/relay": h.bins.relay, "./bench/cmd/loadgen": h.bins.loadgen,
	} {
		if err := h.goBuild(ctx, pkg, out); err != nil {
			return err
		}
	}
	if h.opt.gatewayBin != "" {
		h.bins.gateway = h.opt.gatewayBin
		return nil
	}
	// The launcher and the engine side by side, as `make install` puts
	// them; the gateway runs as users start it, `openclaw gateway run`.
	// Stripped as `make build` does; without -trimpath, which would rebuild
	// every dependency (sqlite takes minutes) instead of using the cache.
	gw := filepath.Join(h.work, "openclaw")
	for pkg, out := range map[string]string{"./cmd/openclaw-gateway": filepath.Join(h.work, "openclaw-gateway"), "./cmd/openclaw": gw} {
		if err := h.goBuild(ctx, pkg, out, "-ldflags", "-s -w"); err != nil {
			h.gatewayBuildErr = err.Error()
			fmt.Fprintln(h.log, "matrix: the gateway does not build; continuing without it:", err)
			return nil
		}
	}
	h.bins.gateway = gw
	return nil
}

func (h *harness) goBuild(ctx context.Context, pkg, out string, flags ...string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	args := append(append([]string{"build"}, flags...), "-o", out, pkg)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = h.opt.root
	// Static, like `make build`: no dynamic loader at start-up.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, bytesTail(b, 2000))
	}
	return nil
}

// decidePinning applies -pin: with two or more CPUs and taskset present, the
// mock and the load generator run on -load-cpus and the process under test
// on -server-cpus, so that they do not steal each other's CPU time.
func decidePinning(o *options) (bool, string) {
	n := runtime.NumCPU()
	_, err := exec.LookPath("taskset")
	switch {
	case o.pin == "off":
		return false, "not pinned (-pin off)"
	case err != nil:
		return false, "not pinned: taskset not found (Debian: apt-get install util-linux)"
	case n < 2 && o.pin == "auto":
		return false, fmt.Sprintf("not pinned: nproc is %d", n)
	}
	return true, fmt.Sprintf("pinned with taskset: mock upstream and load generator on CPU %s, relay and gateway on CPU %s (nproc %d)",
		o.loadCPUs, o.serverCPUs, n)
}

// childEnv is the environment of every child: the driver's, without
// OpenClaw settings that could point the gateway at another config and
// without Go runtime tuning, so that the figures are for the defaults.
func childEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "OPENCLAW_"), k == "GOMAXPROCS", k == "GOGC", k == "GOMEMLIMIT", k == "GODEBUG", k == "HOME":
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// start runs bin (under taskset when pinned and cpus is set) with stdout
// and stderr in files of the work directory.
func (h *harness) start(ctx context.Context, name, cpus string, env []string, bin string, args ...string) (*proc, error) {
	if h.pinned && cpus != "" {
		args = append([]string{"-c", cpus, bin}, args...)
		bin = "taskset"
	}
	p := &proc{name: name, out: filepath.Join(h.work, name+".out"), errf: filepath.Join(h.work, name+".log"), done: make(chan struct{})}
	outF, err := os.Create(p.out)
	if err != nil {
		return nil, err
	}
	defer outF.Close()
	errF, err := os.Create(p.errf)
	if err != nil {
		return nil, err
	}
	defer errF.Close()
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout, p.cmd.Stderr, p.cmd.Env = outF, errF, env
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p.pid = p.cmd.Process.Pid // taskset execs the command: the pid stays
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	h.mu.Lock()
	h.procs = append(h.procs, p)
	h.mu.Unlock()
	return p, nil
}

// firstLine waits for the base URL the mock and the relay print first.
func (p *proc) firstLine(ctx context.Context) (string, error) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		select {
		case <-p.done:
			return "", fmt.Errorf("%s exited: %s", p.name, p.logTail())
		default:
		}
		if f, err := os.Open(p.out); err == nil {
			line, err := bufio.NewReader(f).ReadString('\n')
			f.Close()
			if err == nil {
				return strings.TrimSpace(line), nil
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return "", fmt.Errorf("%s printed no address within 10s: %s", p.name, p.logTail())
}

func (p *proc) logTail() string {
	b, _ := os.ReadFile(p.errf)
	return string(bytesTail(b, 1500))
}

// stop sends SIGTERM, then SIGKILL after 3 s.
func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(3 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

func (h *harness) stopAll() {
	h.mu.Lock()
	ps := h.procs
	h.procs = nil
	h.mu.Unlock()
	for i := len(ps) - 1; i >= 0; i-- { // reverse start order
		ps[i].stop()
	}
}

// startMock starts a mock upstream on the load CPUs and returns it with its
// base URL (ending in /v1).
func (h *harness) startMock(ctx context.Context, name string, args ...string) (*proc, error) {
	p, err := h.start(ctx, name, h.opt.loadCPUs, childEnv(), h.bins.mock, append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	if err != nil {
		return nil, err
	}
	if p.url, err = p.firstLine(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// gatewayConfig writes the state directory of a gateway that serves the
// OpenAI endpoints on port, with token auth, backed by the mock upstream.
func (h *harness) gatewayConfig(dir string, port int, upstream string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	cfg := fmt.Sprintf(`{
  gateway: { mode: "local", port: %d, bind: "loopback", auth: { mode: "token", token: %q },
             http: { endpoints: { chatCompletions: { enabled: true } } } },
  agents: { defaults: { model: "mock/mock-model" } },
  models: { providers: { mock: { baseUrl: %q, api: "openai-completions", models: [{ id: "mock-model" }] } } },
}
`, port, h.token, upstream)
	return os.WriteFile(filepath.Join(dir, "openclaw.json"), []byte(cfg), 0o600)
}

// gatewayEnv is the environment of a gateway whose state is in dir.
func (h *harness) gatewayEnv(dir string) []string {
	return childEnv(append([]string{"OPENCLAW_STATE_DIR=" + dir, "HOME=" + dir}, h.opt.gatewayEnv...)...)
}

// startGateway starts `openclaw gateway` on the server CPUs with its own
// state directory and waits for /readyz.
func (h *harness) startGateway(ctx context.Context, name, upstream string) (*proc, error) {
	dir := filepath.Join(h.work, name)
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	if err := h.gatewayConfig(dir, port, upstream); err != nil {
		return nil, err
	}
	p, err := h.start(ctx, name, h.opt.serverCPUs, h.gatewayEnv(dir), h.bins.gateway, "gateway")
	if err != nil {
		return nil, err
	}
	p.url = fmt.Sprintf("http://127.0.0.1:%d", port)
	if _, err := waitReady(ctx, p.url+"/readyz", 15*time.Second, 10*time.Millisecond, p.done); err != nil {
		return nil, fmt.Errorf("%s: %w: %s", name, err, p.logTail())
	}
	return p, nil
}

// waitReady polls url every interval until it answers 200, and returns the
// time that took.
func waitReady(ctx context.Context, url string, timeout, interval time.Duration, exited <-chan struct{}) (time.Duration, error) {
	start := time.Now()
	c := &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}, Timeout: 2 * time.Second}
	defer c.CloseIdleConnections()
	for time.Since(start) < timeout && ctx.Err() == nil {
		if resp, err := c.Get(url); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(start), nil
			}
		}
		select {
		case <-exited:
			return 0, errors.New("exited before it was ready")
		case <-time.After(interval):
		}
	}
	return 0, fmt.Errorf("not ready within %s", timeout)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func randomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return "bench-" + hex.EncodeToString(b)
}

// findRoot walks up from the working directory to go.mod.
func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for range 64 {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return "", errors.New("no go.mod above the working directory; run from the repository or pass -root")
}

// raiseNofile lifts the soft open-file limit to the hard one; the children
// inherit it. 2 000 streams through the gateway need about 6 000 descriptors
// across the processes (client, gateway in and out, mock).
func raiseNofile(log io.Writer) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			fmt.Fprintln(log, "matrix: cannot raise RLIMIT_NOFILE:", err)
		}
	}
}

func bytesTail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
