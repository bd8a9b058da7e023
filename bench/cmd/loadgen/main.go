// Command loadgen sends OpenAI chat completion requests to a loopback
// target with fixed concurrency for a fixed time and prints one JSON
// result: latency p50/p90/p99/max, requests/s, errors, stream
// time-to-first-content, and the CPU seconds and resident set of the
// processes named with -pids (read from /proc). See bench/README.md.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/openclaw/openclaw-go/bench/internal/load"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg load.Config
	fs.StringVar(&cfg.URL, "url", "", "target URL of POST /v1/chat/completions (loopback only)")
	fs.StringVar(&cfg.Token, "token", "", "bearer token")
	fs.IntVar(&cfg.Concurrency, "c", 1, "concurrent clients (1-4096)")
	fs.DurationVar(&cfg.Duration, "d", 5*time.Second, "measured duration (at most 2m)")
	fs.DurationVar(&cfg.Warmup, "warmup", 500*time.Millisecond, "unmeasured warm-up before it (at most 30s)")
	fs.BoolVar(&cfg.Stream, "stream", false, "stream (SSE) requests")
	fs.StringVar(&cfg.User, "user", "", "session mode: prefix of the \"user\" field (empty: stateless)")
	fs.IntVar(&cfg.SessionTurns, "session-turns", 16, "turns per session before a client starts a new one")
	fs.DurationVar(&cfg.Timeout, "timeout", 30*time.Second, "per-request timeout")
	pids := fs.String("pids", "", "processes to measure: name=pid,name=pid")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	var err error
	if cfg.PIDs, err = parsePIDs(*pids); err != nil {
		return err
	}
	cfg.PIDs["loadgen"] = load.SelfPID()
	res, err := load.Run(ctx, cfg)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}

func parsePIDs(s string) (map[string]int, error) {
	m := map[string]int{}
	if s == "" {
		return m, nil
	}
	for _, kv := range strings.Split(s, ",") {
		name, v, ok := strings.Cut(kv, "=")
		pid, err := strconv.Atoi(v)
		if !ok || name == "" || err != nil || pid <= 0 {
			return nil, errors.New("-pids: want name=pid,name=pid, got " + strconv.Quote(s))
		}
		m[name] = pid
	}
	return m, nil
}
