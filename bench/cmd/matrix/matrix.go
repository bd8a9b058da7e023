package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/openclaw/openclaw-go/bench/internal/load"
)

// cell is one load run of the matrix.
type cell struct {
	Run         int          `json:"run"`
	Mode        string       `json:"mode"`
	Concurrency int          `json:"concurrency"`
	Target      string       `json:"target"`
	Result      *load.Result `json:"result,omitempty"`
	Err         string       `json:"error,omitempty"`
}

// startServers starts the mock upstream, the relay and the gateway, and
// reads the gateway's idle resident set.
func (h *harness) startServers(ctx context.Context, rep *report) error {
	var err error
	if h.mock, err = h.startMock(ctx, "mock", "-chunks", strconv.Itoa(h.opt.chunks)); err != nil {
		return err
	}
	conns := 256
	for _, c := range h.opt.concs {
		conns = max(conns, 2*c)
	}
	h.relay, err = h.start(ctx, "relay", h.opt.serverCPUs, childEnv(), h.bins.relay,
		"-addr", "127.0.0.1:0", "-upstream", h.mock.url, "-token", h.token, "-conns", strconv.Itoa(conns))
	if err != nil {
		return err
	}
	if h.relay.url, err = h.relay.firstLine(ctx); err != nil {
		return err
	}
	if h.bins.gateway == "" {
		return nil
	}
	if h.gateway, err = h.startGateway(ctx, "gateway", h.mock.url); err != nil {
		rep.GatewayStartErr = err.Error()
		fmt.Fprintln(h.log, "matrix: the gateway did not start; continuing without it:", err)
		h.gateway = nil
		return nil
	}
	// Idle: ready, no request served yet, one second to settle.
	time.Sleep(time.Second)
	if s, err := load.ReadProc(h.gateway.pid); err == nil {
		rep.IdleRSSKB = s.RSSKB
	} else {
		rep.IdleErr = err.Error()
	}
	return nil
}

// runMatrix runs every cell runs times. Within a run the targets of a
// cell follow each other, so that slow drift of the machine affects them
// alike.
func (h *harness) runMatrix(ctx context.Context, rep *report) error {
	total := h.opt.runs * len(h.opt.modes) * len(h.opt.concs) * len(allTargets)
	i := 0
	for run := 1; run <= h.opt.runs; run++ {
		for _, mode := range h.opt.modes {
			for _, c := range h.opt.concs {
				for _, t := range allTargets {
					i++
					if err := ctx.Err(); err != nil {
						return err
					}
					if (t == tGateway || t == tGatewayUser) && h.gateway == nil {
						continue
					}
					res, err := h.loadgen(ctx, run, mode, c, t)
					ce := cell{Run: run, Mode: mode, Concurrency: c, Target: t, Result: res}
					if err != nil {
						ce.Err = err.Error()
						fmt.Fprintf(h.log, "[%d/%d] run %d %-9s c=%-3d %-12s error: %v\n", i, total, run, mode, c, t, err)
					} else {
						fmt.Fprintf(h.log, "[%d/%d] run %d %-9s c=%-3d %-12s %s\n", i, total, run, mode, c, t, brief(res))
					}
					rep.Cells = append(rep.Cells, ce)
				}
			}
		}
	}
	return nil
}

func brief(r *load.Result) string {
	s := fmt.Sprintf("p50 %7.0fµs p99 %7.0fµs %7.0f req/s errors %d", r.Latency.P50, r.Latency.P99, r.RPS, r.Errors)
	if r.TTFB != nil {
		s += fmt.Sprintf(" ttfb p50 %6.0fµs", r.TTFB.P50)
	}
	return s
}

// loadgen runs bench/cmd/loadgen for one cell, on the load CPUs.
func (h *harness) loadgen(ctx context.Context, run int, mode string, c int, target string) (*load.Result, error) {
	pids := map[string]int{"mock": h.mock.pid}
	var url string
	switch target {
	case tDirect:
		url = h.mock.url + "/chat/completions"
	case tRelay:
		url = h.relay.url + "/v1/chat/completions"
		pids["relay"] = h.relay.pid
	default:
		url = h.gateway.url + "/v1/chat/completions"
		pids["gateway"] = h.gateway.pid
	}
	var ps []string
	for name, pid := range pids {
		ps = append(ps, name+"="+strconv.Itoa(pid))
	}
	args := []string{"-url", url, "-token", h.token, "-c", strconv.Itoa(c),
		"-d", h.opt.duration.String(), "-warmup", h.opt.warmup.String(), "-timeout", "30s", "-pids", strings.Join(ps, ",")}
	if mode == "stream" {
		args = append(args, "-stream")
	}
	if target == tGatewayUser {
		// A fresh set of sessions per cell and run; each client rotates to a
		// new session after -session-turns turns, so transcripts stay short.
		args = append(args, "-user", fmt.Sprintf("bench-r%d-%s-c%d", run, mode, c), "-session-turns", strconv.Itoa(h.opt.sessionTurns))
	}
	bin := h.bins.loadgen
	if h.pinned {
		args = append([]string{"-c", h.opt.loadCPUs, bin}, args...)
		bin = "taskset"
	}
	cctx, cancel := context.WithTimeout(ctx, h.opt.duration+h.opt.warmup+time.Minute)
	defer cancel()
	cmd := exec.CommandContext(cctx, bin, args...)
	cmd.Env = childEnv()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("loadgen: %v: %s", err, bytes.TrimSpace(errb.Bytes()))
	}
	var res load.Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		return nil, fmt.Errorf("loadgen output: %w", err)
	}
	return &res, nil
}

// readPeaks records each server's peak resident set after the matrix.
func (h *harness) readPeaks(rep *report) {
	rep.Peaks = map[string]load.ProcSample{}
	for _, p := range []*proc{h.mock, h.relay, h.gateway} {
		if p == nil {
			continue
		}
		if s, err := load.ReadProc(p.pid); err == nil {
			rep.Peaks[p.name] = s
		}
	}
}
