// Package cli builds the openclaw command tree. Commands parse flags, call
// into the packages that do the work and print; nothing here is imported by
// other packages. The plumbing and `openclaw config` live in cli/core, which
// the launcher (cmd/openclaw) links without the rest.
package cli

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	"github.com/openclaw/openclaw-go/internal/cli/core"
)

// App and ExitError are defined in core, which the launcher shares.
type (
	App       = core.App
	ExitError = core.ExitError
)

// Usage returns an exit-2 error.
func Usage(format string, args ...any) error { return core.Usage(format, args...) }

// Fail returns an exit-1 error.
func Fail(format string, args ...any) error { return core.Fail(format, args...) }

// ExitCode maps Run's error to a process exit code.
func ExitCode(err error) int { return core.ExitCode(err) }

// Run executes the whole CLI with args (args[0] is the program name). Errors
// are printed to stderr as one line; the returned error carries the exit code.
func Run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	return core.Run(ctx, args, getenv, stdin, stdout, stderr, commands)
}

func newRootCmd(a *App) *cobra.Command { return core.NewRoot(a, commands(a)) }
