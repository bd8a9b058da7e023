// Command openclaw-gateway is the whole OpenClaw program: the gateway and
// every CLI command. Users run it through the openclaw launcher, which answers
// the quick commands itself and execs this binary, with the same arguments,
// for the rest; it also works when called directly.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/openclaw/openclaw-go/internal/cli"
	"github.com/openclaw/openclaw-go/internal/cli/core"
	"github.com/openclaw/openclaw-go/internal/version"
)

func main() {
	checkLauncher()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cli.Run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(cli.ExitCode(err))
}

// checkLauncher warns when the launcher that started this binary is another
// build: an old openclaw-gateway left on the PATH would otherwise answer
// with behaviour nobody expects from the version `openclaw --version` shows.
func checkLauncher() {
	lv, ok := os.LookupEnv(core.LauncherEnv)
	if !ok {
		return
	}
	os.Unsetenv(core.LauncherEnv) // not for the processes this one starts
	if lv != version.String() {
		exe, _ := os.Executable()
		fmt.Fprintf(os.Stderr, "warning: the openclaw launcher is %s but %s is %s; install both from one build (make install)\n", lv, exe, version.String())
	}
}
