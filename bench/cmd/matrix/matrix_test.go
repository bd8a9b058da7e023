package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openclaw/openclaw-go/bench/internal/load"
)

func TestOverheadCheck(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		relay, gw  float64
		wantRatio  string
		wantPassed bool
	}{
		{"gateway at 1.2× the relay passes", 100, 120, "1.20×", true},
		{"gateway above 1.2× the relay fails", 100, 121, "1.21×", false},
		{"gateway cheaper than the relay passes", 100, 50, "0.50×", true},
		{"relay overhead lost in noise: a positive gateway overhead fails", -5, 10, "n/a", false},
		{"relay overhead lost in noise: a non-positive gateway overhead passes", 0, -1, "n/a", true},
	} {
		ratio, ok := overheadCheck(tc.relay, tc.gw)
		if ratio != tc.wantRatio || ok != tc.wantPassed {
			t.Errorf("%s: overheadCheck(%v, %v) = %q, %v", tc.name, tc.relay, tc.gw, ratio, ok)
		}
	}
}

func TestMetricValueReadsUnlabelledSeries(t *testing.T) {
	t.Parallel()
	text := `# HELP go_goroutines Number of goroutines.
go_goroutines 16
go_gc_duration_seconds{quantile="0.5"} 0.0001
go_gc_duration_seconds_count 7
go_memstats_heap_inuse_bytes 1.826816e+06
go_memstats_heap_inuse_bytes_other 5
`
	v, ok := metricValue(strings.NewReader(text), "go_memstats_heap_inuse_bytes", "go_goroutines", "go_gc_duration_seconds_count")
	if !ok || v["go_memstats_heap_inuse_bytes"] != 1826816 || v["go_goroutines"] != 16 || v["go_gc_duration_seconds_count"] != 7 {
		t.Fatalf("metricValue = %v, %v", v, ok)
	}
}

func TestParseFlagsBoundsTheRun(t *testing.T) {
	t.Parallel()
	o, err := parseFlags([]string{"matrix"}, io.Discard)
	if err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if est := o.matrixTime(); est > 10*time.Minute {
		t.Errorf("the default matrix takes %s, want well under 10 minutes", est)
	}
	for _, args := range [][]string{
		{"-duration", "2m"},
		{"-runs", "0"},
		{"-runs", "11"},
		{"-concurrency", "1,0"},
		{"-concurrency", "5000"},
		{"-modes", "websocket"},
		{"-streams", "20000"},
		{"-pin", "maybe"},
		{"-runs", "10", "-duration", "1m"}, // bounded in total, not only per cell
		{"-gateway-env", "GODEBUG"},
		{"-gateway-env", "=1"},
		{"-gateway-env", "OPENCLAW_STATE_DIR=/tmp/x"},
		{"-settle", "-1s"},
		{"-settle", "1h"},
	} {
		if _, err := parseFlags(append([]string{"matrix"}, args...), io.Discard); err == nil {
			t.Errorf("parseFlags(%v) accepted", args)
		}
	}
}

func TestStealShare(t *testing.T) {
	if got, ok := stealShare(cpuStat{total: 1000, steal: 10}, cpuStat{total: 2000, steal: 110}); !ok || got != 0.1 {
		t.Errorf("stealShare = %v, %v; want 0.1", got, ok)
	}
	if _, ok := stealShare(cpuStat{}, cpuStat{total: 5}); ok {
		t.Error("stealShare without a first reading reported a value")
	}
	if st := readCPUStat(); st.total == 0 {
		t.Skip("no /proc/stat")
	}
}

func TestMergeSlices(t *testing.T) {
	a := &load.Result{ElapsedS: 1, Requests: 100, Latency: load.Summary{N: 100, Mean: 10, P50: 9, P90: 12, P99: 20, Max: 30},
		Procs: map[string]load.ProcUsage{"gateway": {PID: 7, CPUSeconds: 0.01, PeakRSSKB: 5}}}
	b := &load.Result{ElapsedS: 1, Requests: 300, Latency: load.Summary{N: 300, Mean: 20, P50: 19, P90: 22, P99: 40, Max: 90},
		Procs: map[string]load.ProcUsage{"gateway": {PID: 7, CPUSeconds: 0.02, PeakRSSKB: 9}}}
	c := &load.Result{ElapsedS: 1, Requests: 200, Latency: load.Summary{N: 200, Mean: 15, P50: 14, P90: 16, P99: 30, Max: 50},
		Procs: map[string]load.ProcUsage{"gateway": {PID: 7, CPUSeconds: 0.03, PeakRSSKB: 7}}}
	m := mergeSlices([]*load.Result{a, b, c})
	if m.Requests != 600 || m.ElapsedS != 3 || m.RPS != 200 {
		t.Errorf("counts: %+v", m)
	}
	if m.Latency.P50 != 14 || m.Latency.P99 != 30 || m.Latency.Max != 90 || m.Latency.N != 600 {
		t.Errorf("latency: %+v", m.Latency)
	}
	g := m.Procs["gateway"]
	if g.CPUPerRequestUS < 99.9 || g.CPUPerRequestUS > 100.1 || g.PeakRSSKB != 9 {
		t.Errorf("gateway: %+v (want 100 µs per request, peak 9)", g)
	}
	if a.Requests != 100 {
		t.Error("mergeSlices modified its input")
	}
}

func TestParseAppends(t *testing.T) {
	t.Parallel()
	text := `# HELP x
openclaw_session_append_duration_seconds_bucket{agent="main",result="ok",le="5e-05"} 10
openclaw_session_append_duration_seconds_bucket{agent="main",result="ok",le="0.0001"} 900
openclaw_session_append_duration_seconds_bucket{agent="main",result="ok",le="0.001"} 995
openclaw_session_append_duration_seconds_bucket{agent="main",result="ok",le="+Inf"} 1000
openclaw_session_append_duration_seconds_sum{agent="main",result="ok"} 0.2
openclaw_session_append_duration_seconds_count{agent="main",result="ok"} 1000
openclaw_session_append_duration_seconds_bucket{agent="ops",result="ok",le="5e-05"} 0
openclaw_session_append_duration_seconds_bucket{agent="ops",result="ok",le="0.0001"} 0
openclaw_session_append_duration_seconds_bucket{agent="ops",result="ok",le="0.001"} 0
openclaw_session_append_duration_seconds_bucket{agent="ops",result="ok",le="+Inf"} 10
openclaw_session_append_duration_seconds_count{agent="ops",result="ok"} 10
openclaw_session_append_duration_seconds_count{agent="main",result="error"} 2
openclaw_tokens_total{kind="prompt",model="m"} 4
`
	a := parseAppends(strings.NewReader(text))
	if a.Err != "" || a.Count != 1010 || a.Errors != 2 {
		t.Fatalf("%+v", a)
	}
	// 1010 appends: half are under 100 µs; 99 % (999.9) only under +Inf,
	// since 1 ms holds 995.
	if a.P50 != 1e-4 || !math.IsInf(a.P99, 1) {
		t.Fatalf("p50 %g p99 %g", a.P50, a.P99)
	}
	if d := a.describe(); !strings.Contains(d, "p99 ≤ +Inf") || !strings.Contains(d, "p50 ≤ 100 µs") || !strings.Contains(d, "2 failed") {
		t.Fatalf("describe: %s", d)
	}
	// The report is written as JSON too: no +Inf in it.
	if _, err := json.Marshal(&report{Appends: a}); err != nil {
		t.Fatalf("JSON: %v", err)
	}
	if md := (&report{Appends: a, Options: &options{}}).markdown("2026-01-01", "2026-01-01"); !strings.Contains(md, "| +Inf | 100% |") {
		t.Fatalf("markdown lacks the +Inf row:\n%s", md)
	}
	if a := parseAppends(strings.NewReader("go_goroutines 3\n")); a.Err == "" {
		t.Fatal("no histogram: want an error")
	}
}

// TestWriteKeepsEarlierRuns: a second run the same day does not overwrite
// the first's files.
func TestWriteKeepsEarlierRuns(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r := &report{Started: start, Finished: start, Options: &options{}, Machine: map[string]string{}}
	md1, js1, err := r.write(out)
	if err != nil {
		t.Fatal(err)
	}
	md2, js2, err := r.write(out)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(md1) != "2026-01-02.md" || filepath.Base(js1) != "2026-01-02.json" ||
		filepath.Base(md2) != "2026-01-02-0304.md" || filepath.Base(js2) != "2026-01-02-0304.json" {
		t.Fatalf("files %s %s %s %s", md1, js1, md2, js2)
	}
	if b, _ := os.ReadFile(md2); !strings.Contains(string(b), "Raw numbers: `2026-01-02-0304.json`") {
		t.Fatalf("second report names the wrong raw file:\n%s", b)
	}
}

// TestGatewayEnv: -gateway-env reaches every gateway's environment after
// the harness's own settings, and the report says the configuration is not
// the default.
func TestGatewayEnv(t *testing.T) {
	t.Parallel()
	o, err := parseFlags([]string{"matrix", "-gateway-env", "GODEBUG=schedtrace=2147483647", "-gateway-env", "GOGC=200"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	env := (&harness{opt: o}).gatewayEnv("/state")
	if got := strings.Join(env[len(env)-4:], " "); got != "OPENCLAW_STATE_DIR=/state HOME=/state GODEBUG=schedtrace=2147483647 GOGC=200" {
		t.Fatalf("environment ends with %q", got)
	}
	md := (&report{Options: o, Machine: map[string]string{}}).markdown("2026-01-01", "2026-01-01")
	if !strings.Contains(md, "Not the gateway's default configuration") || !strings.Contains(md, "`GODEBUG=schedtrace=2147483647 GOGC=200`") {
		t.Fatalf("report does not say how the gateway was started:\n%.600s", md)
	}
}

// TestBusyTable: a pinned report says how busy each side's CPU was, as
// CPU-seconds per second of the measured phase, median over runs.
func TestBusyTable(t *testing.T) {
	t.Parallel()
	o, err := parseFlags([]string{"matrix", "-runs", "1", "-concurrency", "8", "-extras=false"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	res := func(elapsed float64, cpu map[string]float64) *load.Result {
		r := &load.Result{ElapsedS: elapsed, Requests: 1000, Procs: map[string]load.ProcUsage{}}
		for name, s := range cpu {
			r.Procs[name] = load.ProcUsage{CPUSeconds: s}
		}
		return r
	}
	var cells []cell
	for _, mode := range o.modes {
		cells = append(cells,
			cell{Run: 1, Mode: mode, Concurrency: 8, Target: tDirect, Result: res(2, map[string]float64{"loadgen": 1.2, "mock": 0.8})},
			cell{Run: 1, Mode: mode, Concurrency: 8, Target: tRelay, Result: res(2, map[string]float64{"loadgen": 1, "mock": 0.7, "relay": 1.8})},
			cell{Run: 1, Mode: mode, Concurrency: 8, Target: tGateway, Result: res(4, map[string]float64{"loadgen": 2, "mock": 1.2, "gateway": 3.88})},
		)
	}
	r := &report{Options: o, Machine: map[string]string{}, Cells: cells, Pinned: true}
	md := r.markdown("2026-01-01", "2026-01-01")
	if !strings.Contains(md, "| nonstream | 8 | 1.00 | 0.85 / 0.90 | 0.80 / 0.97 | – / – |") || !strings.Contains(md, "CPU 0: at most 1.00") {
		t.Fatalf("busy table missing or wrong:\n%s", md[strings.Index(md, "### How busy"):])
	}
	r.Pinned = false
	if strings.Contains(r.markdown("2026-01-01", "2026-01-01"), "How busy") {
		t.Fatal("an unpinned report has a busy table: its processes share the CPUs")
	}
}

// TestReproduceLine: the report names `make bench` only for its command
// line, and describes an unpinned run as one.
func TestReproduceLine(t *testing.T) {
	t.Parallel()
	o, err := parseFlags([]string{"matrix"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	pinned := &report{Options: o, Machine: map[string]string{}, Command: defaultCommand, Pinned: true, PinNote: "pinned with taskset"}
	md := pinned.markdown("2026-01-01", "2026-01-01")
	if !strings.Contains(md, "`"+defaultCommand+"` (from the repository root; `make bench`)") || !strings.Contains(md, "GOMAXPROCS 1") {
		t.Fatalf("pinned default run:\n%.1500s", md)
	}
	unpinned := &report{Options: o, Machine: map[string]string{}, Command: "go run ./bench/cmd/matrix -pin off", PinNote: "not pinned (-pin off)"}
	md = unpinned.markdown("2026-01-01", "2026-01-01")
	if strings.Contains(md, "make bench") || strings.Contains(md, "GOMAXPROCS 1") || !strings.Contains(md, "share the machine's CPUs") {
		t.Fatalf("unpinned run:\n%.1500s", md)
	}
}

func TestCPUCapacity(t *testing.T) {
	t.Parallel()
	for list, want := range map[string]string{"0": "1.00", "1": "1.00", "0-3": "4.00", "0-3,6": "5.00", "2,4-5": "3.00", "x": "?", "3-1": "?", "": "?"} {
		if got := cpuCapacity(list); got != want {
			t.Errorf("cpuCapacity(%q) = %q, want %q", list, got, want)
		}
	}
}

// TestFileCreateCost times real creations, new files each round.
func TestFileCreateCost(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for round := range 2 {
		d, err := fileCreateCost(dir, round)
		if err != nil || d <= 0 {
			t.Fatalf("round %d: %v, %v", round, d, err)
		}
	}
	if ents, err := os.ReadDir(dir); err != nil || len(ents) != 2*101 {
		t.Fatalf("%d files, %v: want 101 new ones per round", len(ents), err)
	}
}

// TestSettleFS: with creation fast the matrix starts at once and says
// nothing; while it is slow it measures again each step and says so, and it
// starts when creation recovers, when the wait is up, or stops when the run
// is interrupted.
func TestSettleFS(t *testing.T) {
	t.Parallel()
	// measure reports the given times, round by round (the last one after).
	measure := func(rounds *[]int, times ...time.Duration) func(int) (time.Duration, error) {
		return func(round int) (time.Duration, error) {
			*rounds = append(*rounds, round)
			return times[min(round, len(times)-1)], nil
		}
	}
	const limit = 50 * time.Microsecond
	var log bytes.Buffer
	var rounds []int

	d, err := settleFS(context.Background(), measure(&rounds, 20*time.Microsecond), limit, time.Minute, time.Millisecond, &log)
	if err != nil || d != 20*time.Microsecond || log.Len() != 0 || len(rounds) != 1 {
		t.Fatalf("fast: %v, %v, rounds %v, log %q", d, err, rounds, log.String())
	}

	rounds = nil
	d, err = settleFS(context.Background(), measure(&rounds, 300*time.Microsecond, 120*time.Microsecond, 30*time.Microsecond), limit, time.Minute, time.Millisecond, &log)
	if err != nil || d != 30*time.Microsecond || !slices.Equal(rounds, []int{0, 1, 2}) {
		t.Fatalf("recovering: %v, %v, rounds %v", d, err, rounds)
	}
	out := log.String()
	for _, want := range []string{"takes 300µs", "waiting up to 1m0s", "-settle 0", "file creation 120µs after", "takes 30µs after", "starting"} {
		if !strings.Contains(out, want) {
			t.Errorf("progress lacks %q:\n%s", want, out)
		}
	}

	log.Reset()
	rounds = nil
	start := time.Now()
	d, err = settleFS(context.Background(), measure(&rounds, time.Millisecond), limit, 30*time.Millisecond, 10*time.Millisecond, &log)
	if err != nil || d != time.Millisecond || len(rounds) < 2 || time.Since(start) < 30*time.Millisecond ||
		!strings.Contains(log.String(), "still takes 1ms after 30ms") {
		t.Fatalf("never recovering: %v, %v, rounds %v, after %s, log %q", d, err, rounds, time.Since(start), log.String())
	}

	rounds = nil
	if d, err := settleFS(context.Background(), measure(&rounds, time.Millisecond), limit, 0, time.Millisecond, io.Discard); err != nil || d != time.Millisecond || len(rounds) != 1 {
		t.Fatalf("-settle 0: %v, %v, rounds %v", d, err, rounds)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := settleFS(ctx, measure(&rounds, time.Millisecond), limit, time.Minute, time.Minute, io.Discard); err == nil {
		t.Error("an interrupted wait returned no error")
	}
}
