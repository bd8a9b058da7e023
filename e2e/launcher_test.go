package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The launcher answers --version and config itself and execs
// openclaw-gateway for the rest; both routes must print what the engine
// prints when called directly.
func TestLauncherAnswersLikeTheEngine(t *testing.T) {
	dir := stateDir(t, tokenConfig(""))
	env := baseEnv(dir)
	engine := filepath.Join(filepath.Dir(binPath), "openclaw-gateway")
	for _, args := range [][]string{
		{"--version"},
		{"config", "get", "gateway.auth.mode"},
		{"--no-color", "config", "get", "gateway.port"},
		{"config", "get", "gateway.auth.token"}, // redacted by both
		{"config", "get", "no.such.key"},        // exit 1 from both
		{"config", "validate"},
		{"gateway", "auth-token"}, // forwarded
		{"nosuch"},                // forwarded: usage error, exit 2
	} {
		lc, lout, lerr := runCLI(t, env, args...)
		ec, eout, eerr := runBin(t, engine, env, args...)
		if lc != ec || lout != eout || lerr != eerr {
			t.Errorf("%v: launcher (%d, %q, %q) != engine (%d, %q, %q)", args, lc, lout, lerr, ec, eout, eerr)
		}
	}
	if code, out, _ := runCLI(t, env, "config", "get", "gateway.auth.token"); code != 0 || strings.Contains(out, testToken) {
		t.Fatalf("config get printed the token or failed: %d %q", code, out)
	}
}

// A forwarded command keeps its exit code.
func TestLauncherForwardsExitCodes(t *testing.T) {
	env := baseEnv(t.TempDir())
	if code, _, stderr := runCLI(t, env, "gateway", "--no-such-flag"); code != 2 || !strings.Contains(stderr, "unknown flag") {
		t.Fatalf("forwarded usage error: exit %d, stderr %q", code, stderr)
	}
}

// Without openclaw-gateway beside it or on the PATH, the launcher still
// answers its own commands and says what is missing for the rest.
func TestLauncherWithoutEngine(t *testing.T) {
	alone := filepath.Join(t.TempDir(), "openclaw")
	b, err := os.ReadFile(binPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(alone, b, 0o755); err != nil {
		t.Fatal(err)
	}
	env := append(baseEnv(t.TempDir()), "PATH=/nonexistent")
	code, out, _ := runBin(t, alone, env, "--version")
	if code != 0 || !strings.HasPrefix(out, "openclaw ") {
		t.Fatalf("--version without the engine: %d %q", code, out)
	}
	code, _, stderr := runBin(t, alone, env, "gateway")
	dir, err := filepath.EvalSymlinks(filepath.Dir(alone)) // as the launcher reports it
	if err != nil {
		t.Fatal(err)
	}
	if code != 1 || !strings.Contains(stderr, "openclaw-gateway not found in "+dir) || !strings.Contains(stderr, "make install") {
		t.Fatalf("gateway without the engine: exit %d, stderr %q", code, stderr)
	}
}

// An engine started by a launcher of another build says so.
func TestEngineWarnsOfAnotherLaunchersVersion(t *testing.T) {
	engine := filepath.Join(filepath.Dir(binPath), "openclaw-gateway")
	env := append(baseEnv(t.TempDir()), "OPENCLAW_LAUNCHER_VERSION=openclaw 0.0.1 (old)")
	code, _, stderr := runBin(t, engine, env, "gateway", "auth-token")
	if !strings.Contains(stderr, "warning: the openclaw launcher is openclaw 0.0.1 (old)") || !strings.Contains(stderr, "make install") {
		t.Fatalf("no version warning (exit %d): %q", code, stderr)
	}
	_, _, stderr = runCLI(t, baseEnv(t.TempDir()), "gateway", "auth-token")
	if strings.Contains(stderr, "warning: the openclaw launcher") {
		t.Fatalf("warning for a matching pair: %q", stderr)
	}
}

// A failed forwarded command keeps its exit code 1 as well.
func TestLauncherForwardsFailures(t *testing.T) {
	env := baseEnv(t.TempDir())
	if code, _, stderr := runCLI(t, env, "gateway", "--bind", "nonsense"); code != 1 || !strings.Contains(stderr, `gateway.bind "nonsense"`) {
		t.Fatalf("forwarded failure: exit %d, stderr %q", code, stderr)
	}
}

// The launcher execs the engine in its place: the process started as
// `openclaw gateway` is openclaw-gateway, so signals sent to it (the
// graceful-shutdown tests send SIGTERM to that pid) reach the gateway.
func TestLauncherExecsTheEngine(t *testing.T) {
	dir := stateDir(t, tokenConfig(""))
	g := startGateway(t, dir, baseEnv(dir))
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", g.cmd.Process.Pid))
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	if filepath.Base(exe) != "openclaw-gateway" {
		t.Fatalf("the gateway process runs %s, want openclaw-gateway", exe)
	}
}
