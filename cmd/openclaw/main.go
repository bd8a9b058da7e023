// Command openclaw is the OpenClaw CLI's launcher. It answers `--version` and
// `config ...` itself, linking only cobra and the config package so that it
// starts in a few milliseconds, and execs openclaw-gateway (the whole
// program, installed next to it) with the same arguments for everything else:
// `openclaw gateway`, `openclaw sessions`, `openclaw --help` and so on.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/openclaw/openclaw-go/internal/cli/core"
	"github.com/openclaw/openclaw-go/internal/version"
)

func main() {
	if core.Local(os.Args) {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := core.Run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr, func(a *core.App) []*cobra.Command {
			return []*cobra.Command{core.NewConfigCmd(a)}
		})
		stop()
		os.Exit(core.ExitCode(err))
	}
	engine, err := findEngine()
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
	env := launcherEnv(os.Environ(), version.String())
	code, err := run(engine, os.Args, env)
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: cannot start %s: %v\n", engine, err)
		os.Exit(1)
	}
	os.Exit(code)
}

// launcherEnv is environ with LauncherEnv set to v (replacing a value
// inherited from an outer launcher).
func launcherEnv(environ []string, v string) []string {
	env := make([]string, 0, len(environ)+1)
	for _, kv := range environ {
		if !strings.HasPrefix(kv, core.LauncherEnv+"=") {
			env = append(env, kv)
		}
	}
	return append(env, core.LauncherEnv+"="+v)
}

// findEngine looks for openclaw-gateway next to this executable (symlinks
// resolved), then on the PATH.
func findEngine() (string, error) {
	name := core.EngineName
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	exe, err := os.Executable()
	if err == nil {
		if r, err := filepath.EvalSymlinks(exe); err == nil {
			exe = r
		}
		p := filepath.Join(filepath.Dir(exe), name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	if p, err := exec.LookPath(core.EngineName); err == nil {
		return p, nil
	} else if !errors.Is(err, exec.ErrNotFound) {
		return "", fmt.Errorf("%s on the PATH: %v", core.EngineName, err)
	}
	where := "on the PATH"
	if exe != "" {
		where = "in " + filepath.Dir(exe) + " or on the PATH"
	}
	return "", fmt.Errorf("%s not found %s: openclaw runs it for every command but --version and config; install both binaries from one build (make install, or go install github.com/openclaw/openclaw-go/cmd/...@latest)", core.EngineName, where)
}
