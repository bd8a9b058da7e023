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

// runMatrix runs every cell runs times. A cell's measured time is cut
// into -slices slices, and the targets take turns slice by slice (the order
// rotating each round), so that drift of a shared machine's load, which
// moves over seconds to minutes, reaches every target alike instead of
// whichever happened to run during a busy spell.
func (h *harness) runMatrix(ctx context.Context, rep *report) error {
	total := h.opt.runs * len(h.opt.modes) * len(h.opt.concs) * len(allTargets)
	i := 0
	for run := 1; run <= h.opt.runs; run++ {
		for _, mode := range h.opt.modes {
			for _, c := range h.opt.concs {
				targets := make([]string, 0, len(allTargets))
				for _, t := range allTargets {
					if (t == tGateway || t == tGatewayUser) && h.gateway == nil {
						continue
					}
					targets = append(targets, t)
				}
				slices := make(map[string][]*load.Result, len(targets))
				errs := map[string]string{}
				for sl := 0; sl < h.opt.slices; sl++ {
					for k := range targets {
						t := targets[(k+sl)%len(targets)]
						if err := ctx.Err(); err != nil {
							return err
						}
						if errs[t] != "" {
							continue
						}
						warm := h.opt.warmup
						if sl > 0 {
							warm = min(warm, sliceWarmup)
						}
						res, err := h.loadgen(ctx, run, sl, mode, c, t, h.opt.duration/time.Duration(h.opt.slices), warm)
						if err != nil {
							errs[t] = err.Error()
							continue
						}
						slices[t] = append(slices[t], res)
					}
				}
				for _, t := range allTargets {
					i++
					ce := cell{Run: run, Mode: mode, Concurrency: c, Target: t}
					switch {
					case errs[t] != "":
						ce.Err = errs[t]
						fmt.Fprintf(h.log, "[%d/%d] run %d %-9s c=%-3d %-12s error: %v\n", i, total, run, mode, c, t, ce.Err)
					case len(slices[t]) > 0:
						ce.Result = mergeSlices(slices[t])
						fmt.Fprintf(h.log, "[%d/%d] run %d %-9s c=%-3d %-12s %s\n", i, total, run, mode, c, t, brief(ce.Result))
					default:
						continue // no gateway
					}
					rep.Cells = append(rep.Cells, ce)
				}
			}
		}
	}
	return nil
}

// sliceWarmup is the warm-up of every slice after a target's first: a new
// load generator opens new connections, nothing else is cold.
const sliceWarmup = 200 * time.Millisecond

// mergeSlices combines the slices of one target in one cell: counts, time
// and CPU add up (so CPU per request is over all of them), latency
// percentiles are the median of the slices' (robust to one disturbed
// slice), the maximum is the maximum.
func mergeSlices(rs []*load.Result) *load.Result {
	if len(rs) == 1 {
		return rs[0]
	}
	out := *rs[0]
	out.ElapsedS, out.Requests, out.Errors, out.ErrorSamples = 0, 0, 0, nil
	out.Procs = map[string]load.ProcUsage{}
	var lat, ttfb []load.Summary
	for _, r := range rs {
		out.ElapsedS += r.ElapsedS
		out.Requests += r.Requests
		out.Errors += r.Errors
		if len(out.ErrorSamples) < 5 {
			out.ErrorSamples = append(out.ErrorSamples, r.ErrorSamples...)
		}
		lat = append(lat, r.Latency)
		if r.TTFB != nil {
			ttfb = append(ttfb, *r.TTFB)
		}
		for name, u := range r.Procs {
			m := out.Procs[name]
			m.PID = u.PID
			m.CPUSeconds += u.CPUSeconds
			m.RSSKB = u.RSSKB
			m.PeakRSSKB = max(m.PeakRSSKB, u.PeakRSSKB)
			if u.Err != "" {
				m.Err = u.Err
			}
			out.Procs[name] = m
		}
	}
	for name, m := range out.Procs {
		if out.Requests > 0 {
			m.CPUPerRequestUS = m.CPUSeconds / float64(out.Requests) * 1e6
		}
		out.Procs[name] = m
	}
	if out.ElapsedS > 0 {
		out.RPS = float64(out.Requests) / out.ElapsedS
	}
	out.Latency = mergeSummaries(lat)
	if len(ttfb) > 0 {
		t := mergeSummaries(ttfb)
		out.TTFB = &t
	}
	return &out
}

func mergeSummaries(ss []load.Summary) load.Summary {
	var out load.Summary
	var p50, p90, p99 []float64
	var sum float64
	for _, s := range ss {
		out.N += s.N
		sum += s.Mean * float64(s.N)
		out.Max = max(out.Max, s.Max)
		p50, p90, p99 = append(p50, s.P50), append(p90, s.P90), append(p99, s.P99)
	}
	if out.N > 0 {
		out.Mean = sum / float64(out.N)
	}
	out.P50, out.P90, out.P99 = load.Median(p50), load.Median(p90), load.Median(p99)
	return out
}

func brief(r *load.Result) string {
	s := fmt.Sprintf("p50 %7.0fµs p99 %7.0fµs %7.0f req/s errors %d", r.Latency.P50, r.Latency.P99, r.RPS, r.Errors)
	if r.TTFB != nil {
		s += fmt.Sprintf(" ttfb p50 %6.0fµs", r.TTFB.P50)
	}
	return s
}

// loadgen runs bench/cmd/loadgen for one cell, on the load CPUs.
func (h *harness) loadgen(ctx context.Context, run, slice int, mode string, c int, target string, d, warm time.Duration) (*load.Result, error) {
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
		"-d", d.String(), "-warmup", warm.String(), "-timeout", "30s", "-pids", strings.Join(ps, ",")}
	if mode == "stream" {
		args = append(args, "-stream")
	}
	if target == tGatewayUser {
		// A fresh set of sessions per cell and run; each client rotates to a
		// new session after -session-turns turns, so transcripts stay short.
		args = append(args, "-user", fmt.Sprintf("bench-r%d-s%d-%s-c%d", run, slice, mode, c), "-session-turns", strconv.Itoa(h.opt.sessionTurns))
	}
	bin := h.bins.loadgen
	if h.pinned {
		args = append([]string{"-c", h.opt.loadCPUs, bin}, args...)
		bin = "taskset"
	}
	cctx, cancel := context.WithTimeout(ctx, d+warm+time.Minute)
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
