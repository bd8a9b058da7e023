package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/openclaw/openclaw-go/bench/internal/load"
)

// Targets of issue #6. Sizes are decimal (1 KB = 1 000 bytes, 1 MB =
// 1 000 000 bytes): the strict reading.
const (
	maxOverheadRatio = 1.2   // gateway overhead / relay overhead
	maxCPURatio      = 1.5   // gateway CPU per request / relay's
	maxHeapPerStream = 40e3  // bytes
	maxAppendP99     = 1e-3  // seconds
	maxIdleRSS       = 25e6  // bytes
	maxCLIms         = 20.0  // openclaw --version, config get
	maxColdStartMS   = 100.0 // spawn → /readyz 200
)

// defaultCommand is the command line of `make bench` (see the Makefile).
const defaultCommand = "go run ./bench/cmd/matrix -out bench/results"

// report is everything one invocation measured; it is written as markdown
// and as JSON.
type report struct {
	Started         time.Time                  `json:"started"`
	Finished        time.Time                  `json:"finished"`
	Machine         map[string]string          `json:"machine"`
	Options         *options                   `json:"-"`
	Command         string                     `json:"command"`
	PinNote         string                     `json:"pinning"`
	Pinned          bool                       `json:"pinned"`
	GatewayBuildErr string                     `json:"gateway_build_error,omitempty"`
	GatewayStartErr string                     `json:"gateway_start_error,omitempty"`
	Cells           []cell                     `json:"cells"`
	Peaks           map[string]load.ProcSample `json:"peaks,omitempty"`
	IdleRSSKB       int64                      `json:"idle_rss_kb,omitempty"`
	IdleErr         string                     `json:"idle_error,omitempty"`
	ColdStartMS     []float64                  `json:"cold_start_ms,omitempty"`
	ColdErr         string                     `json:"cold_start_error,omitempty"`
	VersionMS       []float64                  `json:"version_ms,omitempty"`
	ConfigGetMS     []float64                  `json:"config_get_ms,omitempty"`
	ConfigGetOut    string                     `json:"config_get_output,omitempty"`
	CLIErr          string                     `json:"cli_error,omitempty"`
	Heap            *heapResult                `json:"heap,omitempty"`
	Appends         *appendResult              `json:"session_appends,omitempty"`
	Busy            bool                       `json:"busy"`
	SlowCreate      bool                       `json:"slow_file_creation,omitempty"`
}

// write writes <out>/<date>.md and <out>/<date>.json.
func (r *report) write(out string) (string, string, error) {
	r.Command = "go run ./bench/cmd/matrix " + strings.Join(r.Options.args, " ")
	r.Command = strings.TrimSpace(r.Command)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", "", err
	}
	// One file per run: a second run the same day takes its start time into
	// the name rather than overwriting the first's raw results.
	date := r.Started.Format("2006-01-02")
	name := date
	if _, err := os.Stat(filepath.Join(out, name+".md")); err == nil {
		name = r.Started.Format("2006-01-02-1504")
	}
	md := filepath.Join(out, name+".md")
	js := filepath.Join(out, name+".json")
	// The markdown first: a run takes minutes, and a failure to encode the
	// raw numbers must not lose the table too.
	if err := os.WriteFile(md, []byte(r.markdown(date, name)), 0o644); err != nil {
		return "", "", err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return md, "", fmt.Errorf("%s written; the raw results were not: %w", md, err)
	}
	return md, js, os.WriteFile(js, append(b, '\n'), 0o644)
}

// agg indexes the cells: mode → concurrency → target → run → result.
type agg map[string]map[int]map[string]map[int]*load.Result

func (r *report) index() agg {
	a := agg{}
	for _, c := range r.Cells {
		if c.Result == nil {
			continue
		}
		if a[c.Mode] == nil {
			a[c.Mode] = map[int]map[string]map[int]*load.Result{}
		}
		if a[c.Mode][c.Concurrency] == nil {
			a[c.Mode][c.Concurrency] = map[string]map[int]*load.Result{}
		}
		if a[c.Mode][c.Concurrency][c.Target] == nil {
			a[c.Mode][c.Concurrency][c.Target] = map[int]*load.Result{}
		}
		a[c.Mode][c.Concurrency][c.Target][c.Run] = c.Result
	}
	return a
}

// med is the median over runs of f for one target; NaN when absent.
func (a agg) med(mode string, c int, target string, f func(*load.Result) float64) float64 {
	var xs []float64
	for _, res := range a[mode][c][target] {
		if v := f(res); !math.IsNaN(v) {
			xs = append(xs, v)
		}
	}
	return load.Median(xs)
}

// overhead is the median over runs of f(target) − f(direct), each run
// against its own direct measurement.
func (a agg) overhead(mode string, c int, target string, f func(*load.Result) float64) float64 {
	var xs []float64
	for run, res := range a[mode][c][target] {
		if d, ok := a[mode][c][tDirect][run]; ok {
			xs = append(xs, f(res)-f(d))
		}
	}
	return load.Median(xs)
}

func p50(r *load.Result) float64 { return r.Latency.P50 }
func p99(r *load.Result) float64 { return r.Latency.P99 }
func ttfb50(r *load.Result) float64 {
	if r.TTFB == nil {
		return math.NaN()
	}
	return r.TTFB.P50
}
func ttfb99(r *load.Result) float64 {
	if r.TTFB == nil {
		return math.NaN()
	}
	return r.TTFB.P99
}

// busyOf is how busy the named processes kept their CPU: their CPU-seconds
// per second of the measured phase.
func busyOf(names ...string) func(*load.Result) float64 {
	return func(r *load.Result) float64 {
		if r.ElapsedS <= 0 {
			return math.NaN()
		}
		var sum float64
		for _, name := range names {
			u, ok := r.Procs[name]
			if !ok || u.Err != "" {
				return math.NaN()
			}
			sum += u.CPUSeconds
		}
		return sum / r.ElapsedS
	}
}

// writeBusy tells which side of a pinned run was the bottleneck of each
// cell: a side that uses about all its CPUs limits the throughput, and the
// latency of the requests queued behind it then grows with the CPU per
// request of what runs there, an effect the overhead ratios magnify (the
// overhead is the difference of two such latencies).
func (r *report) writeBusy(p func(string, ...any), a agg) {
	o := r.Options
	p("\n### How busy each CPU was\n\nCPU-seconds per second of the measured phase, median over runs: the load side (mock upstream and load generator, CPU %s: at most %s) "+
		"and the server under test (CPU %s: at most %s). A side near its most is the bottleneck: requests queue behind it, and latency follows the CPU per request of what runs there.\n\n",
		o.loadCPUs, cpuCapacity(o.loadCPUs), o.serverCPUs, cpuCapacity(o.serverCPUs))
	p("| mode | c | direct: load | relay: load / server | gateway: load / server | gateway+user: load / server |\n|---|---|---|---|---|---|\n")
	loadSide := busyOf("loadgen", "mock")
	two := func(mode string, c int, target, server string) string {
		return fmt.Sprintf("%s / %s", busyStr(a.med(mode, c, target, loadSide)), busyStr(a.med(mode, c, target, busyOf(server))))
	}
	for _, mode := range o.modes {
		for _, c := range o.concs {
			p("| %s | %d | %s | %s | %s | %s |\n", mode, c, busyStr(a.med(mode, c, tDirect, loadSide)),
				two(mode, c, tRelay, "relay"), two(mode, c, tGateway, "gateway"), two(mode, c, tGatewayUser, "gateway"))
		}
	}
}

// cpuCapacity is the number of CPUs in a taskset list such as "0" or
// "0-3,6", written as the most CPU-seconds per second they give; "?" when
// the list does not parse.
func cpuCapacity(list string) string {
	n := 0
	for _, part := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return "?"
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return "?"
			}
		}
		n += b - a + 1
	}
	return fmt.Sprintf("%d.00", n)
}

func busyStr(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.2f", v)
}

func cpuOf(name string) func(*load.Result) float64 {
	return func(r *load.Result) float64 {
		if u, ok := r.Procs[name]; ok && u.Err == "" {
			return u.CPUPerRequestUS
		}
		return math.NaN()
	}
}

// overheadCheck: gateway overhead within maxOverheadRatio of the relay's.
// A relay overhead at or below zero (noise) leaves the ratio undefined;
// then only a gateway overhead at or below zero passes.
func overheadCheck(relay, gw float64) (string, bool) {
	if math.IsNaN(relay) || math.IsNaN(gw) {
		return "–", false
	}
	ok := gw <= maxOverheadRatio*relay
	if relay <= 0 {
		return "n/a", gw <= 0
	}
	return fmt.Sprintf("%.2f×", gw/relay), ok
}

func passFail(ok bool) string {
	if ok {
		return "PASS"
	}
	return "**FAIL**"
}

// sus formats a signed overhead in µs.
func sus(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%+.0f", v)
}

func us(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.0f", v)
}

type check struct {
	name, threshold, measured string
	ok                        bool
}

// markdown renders the report; name is the results files' name without
// extension.
func (r *report) markdown(date, name string) string {
	o := r.Options
	a := r.index()
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	p("# Load harness results, %s\n\n", date)
	p("Issue #6. Mock upstream, bare relay and gateway measured in the same run; every figure is the median over %d run(s). Latencies are in microseconds (µs).\n\n", o.runs)
	p("## Machine\n\n| | |\n|---|---|\n")
	for _, k := range []string{"cpu model", "nproc", "memory", "kernel", "os/arch", "go", "started at", "load average at start", "load average at end", "cpu steal during the run", "file creation in the state dir"} {
		if v, ok := r.Machine[k]; ok {
			p("| %s | %s |\n", k, v)
		}
	}
	if r.Busy {
		p("\n> **The machine was busy with other work during this run** (1-minute load average above nproc before the harness started, or more than 5%% of CPU time stolen by the hypervisor): " +
			"latencies and overheads below are inflated and noisy; rerun on a quiet machine before drawing conclusions.\n")
	}
	if r.SlowCreate {
		p("\n> **Creating a file was slow on the state directory's file system** (%s, usually about 20 µs; on ext4 without a journal the kernel skips inodes freed in the last minutes, e.g. by an earlier run's clean-up): "+
			"the gateway+user figures, which create a session file every %d turns, are inflated. Wait a few minutes (or a longer -settle), or set TMPDIR to another file system, and rerun.\n",
			r.Machine["file creation in the state dir"], r.Options.sessionTurns)
	}
	if len(o.gatewayEnv) > 0 {
		p("\n> **Not the gateway's default configuration:** every gateway of this run was started with `%s` in its environment.\n", strings.Join(o.gatewayEnv, " "))
	}
	if r.Pinned {
		p("\n**Pinning:** %s. Go derives GOMAXPROCS from the affinity mask, so a process pinned to one CPU runs with GOMAXPROCS 1. Cold start and CLI timings are not pinned.\n\n", r.PinNote)
	} else {
		p("\n**Pinning:** %s: the load and the servers under test share the machine's CPUs.\n\n", r.PinNote)
	}
	makeBench := ""
	if r.Command == defaultCommand {
		makeBench = "; `make bench`"
	}
	p("**Reproduce:** `%s` (from the repository root%s). Raw numbers: `%s.json`.\n\n", r.Command, makeBench, name)
	p("**Settings:** %s measured per cell and target, in %d slices: the targets take turns slice by slice, the order rotating each round, "+
		"so that drift of the machine's load reaches them alike (each slice is a new load generator: %s warm-up before the first, %s before the others); "+
		"a cell's latency percentiles are the median over its slices, its CPU per request is over all of them. "+
		"Mock reply of %d text chunks, no delay; request `{\"model\":\"openclaw/default\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}`; "+
		"`gateway+user` adds `\"user\"`, each client starting a new session every %d turns. Took %s.\n\n",
		o.duration, o.slices, o.warmup, min(o.warmup, sliceWarmup), o.chunks, o.sessionTurns, r.Finished.Sub(r.Started).Round(time.Second))
	if r.GatewayBuildErr != "" {
		p("> The gateway did not build, so its rows are empty:\n>\n> ```\n%s\n> ```\n\n", quote(r.GatewayBuildErr))
	}
	if r.GatewayStartErr != "" {
		p("> The gateway did not start, so its rows are empty: `%s`\n\n", oneLine(r.GatewayStartErr))
	}

	// Checks against the targets.
	var checks []check
	modeName := map[string]string{"nonstream": "non-stream p50 latency", "stream": "stream TTFB p50"}
	modeMetric := map[string]func(*load.Result) float64{"nonstream": p50, "stream": ttfb50}
	for _, mode := range o.modes {
		for _, gw := range []string{tGateway, tGatewayUser} {
			for _, c := range o.concs {
				rel := a.overhead(mode, c, tRelay, modeMetric[mode])
				g := a.overhead(mode, c, gw, modeMetric[mode])
				ratio, ok := overheadCheck(rel, g)
				checks = append(checks, check{
					name:      fmt.Sprintf("%s overhead, %s, c=%d", modeName[mode], gw, c),
					threshold: fmt.Sprintf("≤ %.1f× relay", maxOverheadRatio),
					measured:  fmt.Sprintf("%s (gateway %s µs, relay %s µs)", ratio, sus(g), sus(rel)), ok: ok,
				})
			}
		}
	}
	for _, mode := range o.modes {
		for _, gw := range []string{tGateway, tGatewayUser} {
			for _, c := range o.concs {
				rel := a.med(mode, c, tRelay, cpuOf("relay"))
				g := a.med(mode, c, gw, cpuOf("gateway"))
				ok := !math.IsNaN(rel) && !math.IsNaN(g) && g <= maxCPURatio*rel
				checks = append(checks, check{
					name:      fmt.Sprintf("CPU per request, %s, %s, c=%d", mode, gw, c),
					threshold: fmt.Sprintf("≤ %.1f× relay", maxCPURatio),
					measured:  fmt.Sprintf("%s (%s vs %s µs)", ratio(g, rel), us(g), us(rel)), ok: ok,
				})
			}
		}
	}
	if ar := r.Appends; ar != nil {
		checks = append(checks, check{"session append p99, under the gateway+user load", "≤ 1 ms",
			ar.describe(), ar.Err == "" && ar.Errors == 0 && ar.P99 <= maxAppendP99})
	}
	if hr := r.Heap; hr != nil {
		v, how := hr.HeapPerStream, "heap in use (/metrics), single reading"
		if hr.SettledPerStream != 0 {
			v, how = hr.SettledPerStream, "heap in use (/metrics) after GC"
		}
		if !hr.Metrics {
			v, how = hr.RSSPerStream, "RSS delta (no /metrics)"
		}
		checks = append(checks, check{"heap per open stream", "≤ 40 KB",
			fmt.Sprintf("%.1f KB, %s, %d streams", v/1e3, how, hr.Opened), hr.Err == "" && hr.Opened > 0 && v <= maxHeapPerStream})
	}
	if r.IdleRSSKB > 0 {
		v := float64(r.IdleRSSKB) * 1024
		checks = append(checks, check{"idle RSS", "≤ 25 MB", fmt.Sprintf("%.1f MB", v/1e6), v <= maxIdleRSS})
	}
	if len(r.VersionMS) > 0 {
		v := load.Median(r.VersionMS)
		checks = append(checks, check{"`openclaw --version` wall", "≤ 20 ms", fmt.Sprintf("%.1f ms", v), v <= maxCLIms})
	}
	if len(r.ConfigGetMS) > 0 {
		v := load.Median(r.ConfigGetMS)
		checks = append(checks, check{"`openclaw config get gateway.port` wall", "≤ 20 ms", fmt.Sprintf("%.1f ms", v), v <= maxCLIms})
	}
	if len(r.ColdStartMS) > 0 {
		v := load.Median(r.ColdStartMS)
		checks = append(checks, check{"cold start to /readyz 200", "≤ 100 ms", fmt.Sprintf("%.1f ms", v), v <= maxColdStartMS})
	}
	pass := 0
	for _, c := range checks {
		if c.ok {
			pass++
		}
	}
	p("## Targets: %d of %d pass\n\n| target | threshold | measured | |\n|---|---|---|---|\n", pass, len(checks))
	for _, c := range checks {
		p("| %s | %s | %s | %s |\n", c.name, c.threshold, c.measured, passFail(c.ok))
	}
	p("\nOverhead = target − direct, per run, then the median over runs; ratio = gateway overhead / relay overhead.\n\n")

	for _, mode := range o.modes {
		title := map[string]string{"nonstream": "Non-stream", "stream": "Stream"}[mode]
		p("## %s: latency per target\n\n", title)
		if mode == "stream" {
			p("TTFB is the time to the first `data:` event with text content; latency is to the last byte.\n\n")
			p("| c | target | TTFB p50 | TTFB p99 | p50 | p90 | p99 | max | req/s | errors |\n|---|---|---|---|---|---|---|---|---|---|\n")
		} else {
			p("| c | target | p50 | p90 | p99 | max | req/s | errors |\n|---|---|---|---|---|---|---|---|\n")
		}
		for _, c := range o.concs {
			for _, t := range allTargets {
				if len(a[mode][c][t]) == 0 {
					continue
				}
				m := func(f func(*load.Result) float64) string { return us(a.med(mode, c, t, f)) }
				errs := a.med(mode, c, t, func(r *load.Result) float64 { return float64(r.Errors) })
				rps := a.med(mode, c, t, func(r *load.Result) float64 { return r.RPS })
				lat := fmt.Sprintf("%s | %s | %s | %s", m(p50), m(func(r *load.Result) float64 { return r.Latency.P90 }), m(p99), m(func(r *load.Result) float64 { return r.Latency.Max }))
				if mode == "stream" {
					p("| %d | %s | %s | %s | %s | %.0f | %.0f |\n", c, t, m(ttfb50), m(ttfb99), lat, rps, errs)
				} else {
					p("| %d | %s | %s | %.0f | %.0f |\n", c, t, lat, rps, errs)
				}
			}
		}
		metric, label := p50, "p50"
		if mode == "stream" {
			metric, label = ttfb50, "TTFB p50"
		}
		for _, f := range []struct {
			label string
			fn    func(*load.Result) float64
		}{{label, metric}, {strings.Replace(label, "50", "99", 1), map[bool]func(*load.Result) float64{true: ttfb99, false: p99}[mode == "stream"]}} {
			p("\n**%s overheads, %s** (µs)\n\n| c | relay − direct | gateway − direct | gateway / relay | gateway+user − direct | gateway+user / relay |\n|---|---|---|---|---|---|\n", title, f.label)
			for _, c := range o.concs {
				rel := a.overhead(mode, c, tRelay, f.fn)
				g := a.overhead(mode, c, tGateway, f.fn)
				gu := a.overhead(mode, c, tGatewayUser, f.fn)
				r1, _ := overheadCheck(rel, g)
				r2, _ := overheadCheck(rel, gu)
				p("| %d | %s | %s | %s | %s | %s |\n", c, sus(rel), sus(g), r1, sus(gu), r2)
			}
		}
		p("\n")
	}

	p("## CPU per request\n\nCPU-seconds (utime+stime from /proc/<pid>/stat) over the measured phase divided by the requests in it, in µs.\n\n")
	p("| mode | c | relay | gateway | gateway / relay | gateway+user | gateway+user / relay | mock (direct) |\n|---|---|---|---|---|---|---|---|\n")
	for _, mode := range o.modes {
		for _, c := range o.concs {
			rel := a.med(mode, c, tRelay, cpuOf("relay"))
			g := a.med(mode, c, tGateway, cpuOf("gateway"))
			gu := a.med(mode, c, tGatewayUser, cpuOf("gateway"))
			mk := a.med(mode, c, tDirect, cpuOf("mock"))
			p("| %s | %d | %s | %s | %s | %s | %s | %s |\n", mode, c, us(rel), us(g), ratio(g, rel), us(gu), ratio(gu, rel), us(mk))
		}
	}

	if r.Pinned {
		r.writeBusy(p, a)
	}

	p("\n## Memory\n\n| process | peak RSS (VmHWM) after the matrix | RSS now |\n|---|---|---|\n")
	for _, name := range []string{"mock", "relay", "gateway"} {
		if s, ok := r.Peaks[name]; ok {
			p("| %s | %.1f MB | %.1f MB |\n", name, float64(s.PeakRSSKB)*1024/1e6, float64(s.RSSKB)*1024/1e6)
		}
	}
	if r.IdleRSSKB > 0 {
		p("\nIdle RSS of the gateway (VmRSS one second after its first /readyz 200, before any request): **%.1f MB**.\n", float64(r.IdleRSSKB)*1024/1e6)
	} else if r.IdleErr != "" {
		p("\nIdle RSS: not measured: %s\n", r.IdleErr)
	}
	if hr := r.Heap; hr != nil {
		p("\n### Heap per open stream\n\n")
		p("%d streams requested through a separate gateway whose mock upstream sends the first text chunk and then holds the stream for %s; "+
			"a stream counts as open once the client has its first text chunk. %d opened in %.1f s.\n\n", hr.Streams, o.hold, hr.Opened, hr.OpenSeconds)
		if hr.Metrics {
			p("- heap in use (`go_memstats_heap_inuse_bytes`, /metrics): %.1f MB before, %.1f MB while open → **%.1f KB per stream** (includes garbage not yet collected: an upper bound)\n",
				hr.HeapBefore/1e6, hr.HeapDuring/1e6, hr.HeapPerStream/1e3)
			if hr.SettledPerStream != 0 {
				p("- heap in use after a garbage collection (lowest reading after GC while 2 clients send non-stream requests, until two collections passed): %.1f MB before, %.1f MB while open → **%.1f KB per stream**; this is the figure checked\n",
					hr.SettledBefore/1e6, hr.SettledDuring/1e6, hr.SettledPerStream/1e3)
			}
			p("- goroutines: %.0f before, %.0f while open (%.1f per stream)\n", hr.GoroutinesBefore, hr.GoroutinesDuring, (hr.GoroutinesDuring-hr.GoroutinesBefore)/float64(max(hr.Opened, 1)))
		} else {
			p("- the gateway does not serve `/metrics` yet, so heap in use could not be read; the check uses the **RSS delta** instead (heap, goroutine stacks and runtime overhead together: an upper bound on heap)\n")
		}
		p("- RSS: %.1f MB before, %.1f MB while open → %.1f KB per stream\n", float64(hr.RSSBeforeKB)*1024/1e6, float64(hr.RSSDuringKB)*1024/1e6, hr.RSSPerStream/1e3)
		if hr.Err != "" {
			p("- error: `%s`\n", oneLine(hr.Err))
		}
		for _, e := range hr.Errors {
			p("- stream error: `%s`\n", oneLine(e))
		}
	}

	if ar := r.Appends; ar != nil && ar.Err == "" {
		p("\n## Session appends\n\n")
		p("Time of each append of a turn to its session file (lock, write, unlock), from the gateway's `%s` histogram, over every gateway+user cell: "+
			"%.0f appends, %.0f failed. Share of the appends at or under each bound:\n\n| ≤ | share |\n|---|---|\n", appendMetric, ar.Count, ar.Errors)
		for _, b := range ar.Buckets {
			p("| %s | %.2f%% |\n", leString(b.LE), 100*b.Count/ar.Count)
			if b.Count == ar.Count {
				break
			}
		}
		if n := len(ar.Buckets); n == 0 || ar.Buckets[n-1].Count < ar.Count {
			p("| +Inf | 100%% |\n")
		}
	}

	p("\n## Start-up and CLI\n\n")
	if len(r.ColdStartMS) > 0 {
		p("- cold start, spawn of `openclaw gateway` → first 200 from /readyz (polled every 1 ms), after one untimed start that creates the state files: median **%.1f ms** of %s ms\n", load.Median(r.ColdStartMS), list(r.ColdStartMS))
	}
	if r.ColdErr != "" {
		p("- cold start error: `%s`\n", oneLine(r.ColdErr))
	}
	if len(r.VersionMS) > 0 {
		p("- `openclaw --version`: median **%.1f ms** of %d (min %.1f, max %.1f)\n", load.Median(r.VersionMS), len(r.VersionMS), slices.Min(r.VersionMS), slices.Max(r.VersionMS))
	}
	if len(r.ConfigGetMS) > 0 {
		p("- `openclaw config get gateway.port` (printed `%s`): median **%.1f ms** of %d (min %.1f, max %.1f)\n", oneLine(r.ConfigGetOut), load.Median(r.ConfigGetMS), len(r.ConfigGetMS), slices.Min(r.ConfigGetMS), slices.Max(r.ConfigGetMS))
	}
	if r.CLIErr != "" {
		p("- CLI error: `%s`\n", oneLine(r.CLIErr))
	}

	var errs []string
	for _, c := range r.Cells {
		if c.Err != "" {
			errs = append(errs, fmt.Sprintf("run %d %s c=%d %s: %s", c.Run, c.Mode, c.Concurrency, c.Target, oneLine(c.Err)))
		} else if c.Result != nil && len(c.Result.ErrorSamples) > 0 {
			errs = append(errs, fmt.Sprintf("run %d %s c=%d %s: %d errors, e.g. %s", c.Run, c.Mode, c.Concurrency, c.Target, c.Result.Errors, oneLine(c.Result.ErrorSamples[0])))
		}
	}
	if len(errs) > 0 {
		p("\n## Errors\n\n")
		for _, e := range errs {
			p("- `%s`\n", e)
		}
	}
	return b.String()
}

func ratio(a, b float64) string {
	if math.IsNaN(a) || math.IsNaN(b) || b <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

func list(xs []float64) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprintf("%.1f", x)
	}
	return strings.Join(s, ", ")
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.ReplaceAll(s, "`", "'")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

func quote(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = "> " + l
	}
	return strings.Join(lines, "\n")
}
