// Package core is the part of the CLI that links nothing but cobra and the
// config package: the process plumbing (App, exit codes, error printing), the
// root command and `openclaw config`.
//
// It is separate so that the launcher binary (cmd/openclaw) can answer
// `--version` and `config ...` itself. A Go binary runs the init of every
// package it links before main, and the gateway's dependencies (HTTP, TLS,
// SQLite, PostgreSQL, Redis, metrics) made every command take about 25 ms on
// the benchmark VM; the launcher starts in about 10 ms and hands every other
// command to openclaw-gateway, which links everything (those commands pay the
// launcher's start on top of the engine's).
package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/openclaw/openclaw-go/internal/version"
)

// App carries the process environment into every command, so that tests can
// run commands in-process with their own env and buffers.
type App struct {
	Ctx    context.Context
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// ExitError carries a process exit code. Code 1 is a failed check or
// operation, 2 is bad usage.
type ExitError struct {
	Code int
	Err  error
	// Silent means the message was already printed.
	Silent bool
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// Usage returns an exit-2 error.
func Usage(format string, args ...any) error {
	return &ExitError{Code: 2, Err: fmt.Errorf(format, args...)}
}

// Fail returns an exit-1 error.
func Fail(format string, args ...any) error {
	return &ExitError{Code: 1, Err: fmt.Errorf(format, args...)}
}

// ExitCode maps Run's error to a process exit code.
func ExitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return 1
}

// IsVersion reports whether args (args[0] is the program name) only ask for
// the version.
func IsVersion(args []string) bool {
	return len(args) == 2 && (args[1] == "--version" || args[1] == "-V" || args[1] == "version")
}

// Run executes the CLI with args (args[0] is the program name) on the command
// tree that commands returns. Errors are printed to stderr as one line; the
// returned error carries the exit code.
func Run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer, commands func(*App) []*cobra.Command) error {
	if getenv == nil {
		getenv = os.Getenv
	}
	a := &App{Ctx: ctx, Getenv: getenv, Stdin: stdin, Stdout: stdout, Stderr: stderr}
	// Fast path: `openclaw --version` must not pay for building the tree.
	if IsVersion(args) {
		fmt.Fprintln(stdout, version.String())
		return nil
	}
	root := NewRoot(a, commands(a))
	if len(args) > 0 {
		root.SetArgs(args[1:])
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return nil
	}
	var ee *ExitError
	if !errors.As(err, &ee) {
		// Errors from cobra itself (unknown command or flag, bad args) are
		// usage errors.
		ee = &ExitError{Code: 2, Err: err}
		if cmd != nil {
			msg := strings.TrimSpace(err.Error())
			fmt.Fprintf(stderr, "error: %s\nrun '%s --help' for usage\n", msg, cmd.CommandPath())
			ee.Silent = true
		}
	}
	if !ee.Silent && ee.Err != nil {
		fmt.Fprintf(stderr, "error: %s\n", ee.Err)
	}
	return ee
}

// NewRoot builds the root command with these subcommands.
func NewRoot(a *App, commands []*cobra.Command) *cobra.Command {
	root := &cobra.Command{
		Use:   "openclaw",
		Short: "OpenClaw gateway: a self-hosted AI-agent gateway with an OpenAI-compatible API",
		Long: `openclaw runs the OpenClaw gateway and manages its configuration.

The gateway serves an OpenAI-compatible API (/v1/models, /v1/chat/completions,
/v1/embeddings, /v1/responses) where each request is one turn of a configured
agent, and connects chat channels such as Microsoft Teams.

Config: ~/.openclaw/openclaw.json (JSON5), or $OPENCLAW_CONFIG_PATH,
or $OPENCLAW_STATE_DIR/openclaw.json.`,
		Example: `  openclaw gateway                      # run the gateway on 127.0.0.1:18789
  openclaw config get gateway.auth.mode
  openclaw --version`,
		Version:       version.String(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.CompletionOptions.HiddenDefaultCmd = true
	root.PersistentFlags().Bool("no-color", false, "disable colored output (also NO_COLOR)")
	for _, c := range commands {
		root.AddCommand(c)
	}
	return root
}

// EngineName is the binary that links the whole program; the launcher execs
// it for every command it does not answer itself.
const EngineName = "openclaw-gateway"

// LauncherEnv carries the launcher's version to the engine, which warns when
// the two binaries come from different builds.
const LauncherEnv = "OPENCLAW_LAUNCHER_VERSION"

// Local reports whether the launcher answers args (args[0] is the program
// name) itself: the version, and `config` with its subcommands.
func Local(args []string) bool {
	if IsVersion(args) {
		return true
	}
	rest := args[min(1, len(args)):]
	for len(rest) > 0 && (rest[0] == "--no-color" || rest[0] == "--no-color=true" || rest[0] == "--no-color=false") {
		rest = rest[1:]
	}
	return len(rest) > 0 && rest[0] == "config"
}
