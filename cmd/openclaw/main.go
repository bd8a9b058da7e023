// Command openclaw is the OpenClaw gateway and its CLI.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/openclaw/openclaw-go/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cli.Run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(cli.ExitCode(err))
}
