// Command matrix is the load harness's driver (`make bench`). It builds and
// starts the mock upstream, the bare relay and the gateway, runs the
// standard matrix {non-stream, stream} × {1, 8, 64 clients} × {direct,
// relay, gateway, gateway with a user session} with bench/cmd/loadgen,
// repeats it and takes medians, measures idle RSS, cold start, CLI wall
// time and heap per open stream, and writes bench/results/<date>.md (and
// the raw numbers as <date>.json). See bench/README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
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
		fmt.Fprintln(os.Stderr, "matrix:", err)
		os.Exit(1)
	}
}

// Targets of the matrix.
const (
	tDirect      = "direct"
	tRelay       = "relay"
	tGateway     = "gateway"
	tGatewayUser = "gateway+user"
)

var allTargets = []string{tDirect, tRelay, tGateway, tGatewayUser}

type options struct {
	out, root, gatewayBin string
	duration, warmup      time.Duration
	runs, slices          int
	concs                 []int
	modes                 []string
	pin                   string
	loadCPUs, serverCPUs  string
	chunks, sessionTurns  int
	streams               int
	hold                  time.Duration
	settle                time.Duration // longest wait for file creation to be fast again
	extras                bool
	gatewayEnv            []string // NAME=value added to every gateway's environment
	args                  []string
}

// Bounds: one invocation must finish in well under half an hour.
const (
	maxCellDuration = time.Minute
	maxRuns         = 10
	maxStreams      = 10000
	maxMatrixTime   = 20 * time.Minute
)

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{args: args[1:]}
	fs := flag.NewFlagSet("matrix", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.out, "out", "bench/results", "directory for <date>.md and <date>.json")
	fs.StringVar(&o.root, "root", "", "module root (default: found from the working directory)")
	fs.StringVar(&o.gatewayBin, "gateway-bin", "", "use this openclaw launcher (with openclaw-gateway beside it) instead of building ./cmd/openclaw and ./cmd/openclaw-gateway")
	fs.Func("gateway-env", "NAME=value to add to every gateway's environment, e.g. GODEBUG=schedtrace=2147483647 (repeatable; the results say so: not the default configuration)", func(v string) error {
		name, _, ok := strings.Cut(v, "=")
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return fmt.Errorf("%q: want NAME=value", v)
		}
		if name == "OPENCLAW_STATE_DIR" || name == "HOME" {
			return fmt.Errorf("%s is set by the harness (each gateway has its own state directory)", name)
		}
		o.gatewayEnv = append(o.gatewayEnv, v)
		return nil
	})
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "measured time per cell (at most 1m)")
	fs.DurationVar(&o.warmup, "warmup", 500*time.Millisecond, "warm-up per cell, not measured")
	fs.IntVar(&o.runs, "runs", 3, "repetitions of the matrix; tables show medians")
	fs.IntVar(&o.slices, "slices", 5, "slices each cell's measured time is cut into, the targets taking turns slice by slice")
	concs := fs.String("concurrency", "1,8,64", "client counts")
	modes := fs.String("modes", "nonstream,stream", "request modes")
	fs.StringVar(&o.pin, "pin", "auto", "CPU pinning with taskset: auto (when nproc >= 2), on, off")
	fs.StringVar(&o.loadCPUs, "load-cpus", "0", "CPUs (taskset list) of the mock upstream and the load generator")
	fs.StringVar(&o.serverCPUs, "server-cpus", "1", "CPUs (taskset list) of the relay and the gateway under test")
	fs.IntVar(&o.chunks, "chunks", 8, "text chunks per mock reply")
	fs.IntVar(&o.sessionTurns, "session-turns", 16, "turns per session before a client starts a new one (gateway+user)")
	fs.IntVar(&o.streams, "streams", 2000, "concurrent slow streams for the heap-per-stream measurement (0 skips it)")
	fs.DurationVar(&o.hold, "hold", time.Minute, "how long the mock holds each slow stream open")
	fs.DurationVar(&o.settle, "settle", 6*time.Minute, "when creating a file in the state directory is slow (ext4 after mass deletions, e.g. an earlier run's clean-up), wait up to this long for it to recover before measuring (0: do not wait)")
	fs.BoolVar(&o.extras, "extras", true, "measure idle RSS, cold start, CLI wall time and heap per stream")
	if err := fs.Parse(args[1:]); err != nil {
		return nil, err
	}
	for _, s := range strings.Split(*concs, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || c < 1 || c > load.MaxConcurrency {
			return nil, fmt.Errorf("-concurrency %q: want a list of 1..%d", *concs, load.MaxConcurrency)
		}
		o.concs = append(o.concs, c)
	}
	for _, m := range strings.Split(*modes, ",") {
		if m = strings.TrimSpace(m); m != "nonstream" && m != "stream" {
			return nil, fmt.Errorf("-modes %q: want nonstream and/or stream", *modes)
		}
		o.modes = append(o.modes, strings.TrimSpace(m))
	}
	switch {
	case o.duration <= 0 || o.duration > maxCellDuration:
		return nil, fmt.Errorf("-duration %s: want (0, %s]", o.duration, maxCellDuration)
	case o.warmup < 0 || o.warmup > load.MaxWarmup:
		return nil, fmt.Errorf("-warmup %s: want [0, %s]", o.warmup, load.MaxWarmup)
	case o.runs < 1 || o.runs > maxRuns:
		return nil, fmt.Errorf("-runs %d: want 1..%d", o.runs, maxRuns)
	case o.slices < 1 || o.slices > 20 || o.duration/time.Duration(max(o.slices, 1)) < 500*time.Millisecond:
		return nil, fmt.Errorf("-slices %d: want 1..20, each slice at least 500ms of -duration", o.slices)
	case o.streams < 0 || o.streams > maxStreams:
		return nil, fmt.Errorf("-streams %d: want 0..%d", o.streams, maxStreams)
	case o.hold <= 0 || o.hold > 5*time.Minute:
		return nil, fmt.Errorf("-hold %s: want (0, 5m]", o.hold)
	case o.pin != "auto" && o.pin != "on" && o.pin != "off":
		return nil, fmt.Errorf("-pin %q: want auto, on or off", o.pin)
	case o.chunks < 1 || o.chunks > 1000:
		return nil, fmt.Errorf("-chunks %d: want 1..1000", o.chunks)
	case o.sessionTurns < 1:
		return nil, fmt.Errorf("-session-turns %d: want >= 1", o.sessionTurns)
	case o.settle < 0 || o.settle > 15*time.Minute:
		return nil, fmt.Errorf("-settle %s: want [0, 15m]", o.settle)
	}
	if est := o.matrixTime(); est > maxMatrixTime {
		return nil, fmt.Errorf("the matrix would take about %s; the bound is %s (lower -runs or -duration)", est.Round(time.Second), maxMatrixTime)
	}
	return o, nil
}

// matrixTime estimates the wall time of the load cells.
func (o *options) matrixTime() time.Duration {
	cells := o.runs * len(o.modes) * len(o.concs) * len(allTargets)
	perCell := o.duration + o.warmup + 100*time.Millisecond
	if o.slices > 1 {
		perCell += time.Duration(o.slices-1) * (min(o.warmup, sliceWarmup) + 100*time.Millisecond)
	}
	return time.Duration(cells) * perCell
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	// Everything is bounded by its own timeout; this bounds the whole.
	ctx, cancel := context.WithTimeout(ctx, o.matrixTime()+o.settle+10*time.Minute)
	defer cancel()
	if o.root == "" {
		if o.root, err = findRoot(); err != nil {
			return err
		}
	}
	raiseNofile(stderr)
	work, err := os.MkdirTemp("", "openclaw-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	h := &harness{opt: o, work: work, log: stderr, token: randomToken()}
	defer h.stopAll()
	h.pinned, h.pinNote = decidePinning(o)
	fmt.Fprintf(stderr, "matrix: %s; building into %s\n", h.pinNote, work)
	if err := h.build(ctx); err != nil {
		return err
	}
	probe := filepath.Join(work, "create-probe")
	d, err := settleFS(ctx, func(round int) (time.Duration, error) { return fileCreateCost(probe, round) }, slowCreate, o.settle, 30*time.Second, stderr)
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("interrupted: %w", err)
	}
	// After the wait: the start time and load average are the measurement's.
	rep := &report{Started: time.Now(), Machine: machineInfo(), Options: o, PinNote: h.pinNote, Pinned: h.pinned, GatewayBuildErr: h.gatewayBuildErr}
	if err == nil {
		rep.Machine["file creation in the state dir"] = fmt.Sprintf("%.0f µs", float64(d)/1e3)
		rep.SlowCreate = d > slowCreate
	}
	startCPU := readCPUStat()
	if err := h.startServers(ctx, rep); err != nil {
		return err
	}
	if err := h.runMatrix(ctx, rep); err != nil {
		return err
	}
	h.readPeaks(rep)
	if h.gateway != nil { // every gateway+user cell appended to sessions
		rep.Appends = h.readAppends(ctx)
	}
	if o.extras && h.bins.gateway != "" {
		h.stopAll() // the measurements below get the machine to themselves
		h.extras(ctx, rep)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("interrupted: %w", err)
	}
	rep.Finished = time.Now()
	rep.Machine["load average at end"] = loadAvg()
	// The load average at the end counts the harness's own processes (the
	// mock, the load generator and the server keep three CPUs' worth of
	// work runnable), so it says little about other work. The start does,
	// and so does steal time: what the hypervisor gave to other guests.
	steal, stealOK := stealShare(startCPU, readCPUStat())
	if stealOK {
		rep.Machine["cpu steal during the run"] = fmt.Sprintf("%.1f%%", 100*steal)
	}
	rep.Busy = busy(rep.Machine["load average at start"]) || (stealOK && steal > 0.05)
	md, js, err := rep.write(o.out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\n%s\n", md, js)
	if rep.GatewayBuildErr != "" {
		return errors.New("the gateway did not build; its rows are empty (see the results file)")
	}
	return nil
}

func machineInfo() map[string]string {
	m := map[string]string{
		"nproc":                 strconv.Itoa(runtime.NumCPU()),
		"go":                    runtime.Version(),
		"os/arch":               runtime.GOOS + "/" + runtime.GOARCH,
		"cpu model":             "unknown",
		"kernel":                "unknown",
		"memory":                "unknown",
		"started at":            time.Now().UTC().Format(time.RFC3339),
		"load average at start": loadAvg(),
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m["cpu model"] = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m["kernel"] = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				m["memory"] = strings.TrimSpace(v)
			}
		}
	}
	return m
}

// slowCreate is the file creation time above which the matrix waits (see
// settleFS) and the report warns that the gateway+user figures (a new
// session file every -session-turns turns) are inflated by the file system.
// Creating a file usually takes about 20 µs.
const slowCreate = 50 * time.Microsecond

// settleFS measures file creation (measure, which creates new files each
// round) and, while it takes longer than limit, waits for it to recover,
// measuring again every step, for at most wait, saying so on log. On ext4
// without a journal, inodes freed in the last one to six minutes are skipped
// one by one when a file is created, so after mass deletions (an earlier
// run's clean-up of its session files, a test suite) creation is slow for a
// few minutes and then recovers. It returns the last measurement.
func settleFS(ctx context.Context, measure func(round int) (time.Duration, error), limit, wait, step time.Duration, log io.Writer) (time.Duration, error) {
	d, err := measure(0)
	if err != nil || d <= limit || wait <= 0 {
		return d, err
	}
	fmt.Fprintf(log, "matrix: creating a file in the state directory takes %s (usually about 20 µs): inodes freed in the last minutes "+
		"(an earlier run's clean-up?) are slow to reuse; waiting up to %s for it to recover (-settle 0 skips this)\n", d.Round(time.Microsecond), wait)
	start := time.Now()
	for round := 1; ; round++ {
		left := wait - time.Since(start)
		if left <= 0 {
			fmt.Fprintf(log, "matrix: file creation still takes %s after %s; measuring anyway (the report says so)\n", d.Round(time.Microsecond), wait)
			return d, nil
		}
		t := time.NewTimer(min(step, left))
		select {
		case <-ctx.Done():
			t.Stop()
			return d, ctx.Err()
		case <-t.C:
		}
		if d, err = measure(round); err != nil {
			return d, err
		}
		if d <= limit {
			fmt.Fprintf(log, "matrix: file creation takes %s after %s: starting\n", d.Round(time.Microsecond), time.Since(start).Round(time.Second))
			return d, nil
		}
		fmt.Fprintf(log, "matrix: file creation %s after %s\n", d.Round(time.Microsecond), time.Since(start).Round(time.Second))
	}
}

// fileCreateCost creates files in dir, as the gateway creates session
// files, and returns the median time of one creation. Creating a file
// usually takes some 20 µs; on an ext4 file system without a journal the
// kernel skips the inodes freed in the last minutes one by one, so after
// mass deletions (an earlier run's clean-up) it can take 100–600 µs. The
// files stay until the work directory goes: deleting them now would slow
// the gateway's creations the same way. Each round creates new files.
func fileCreateCost(dir string, round int) (time.Duration, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, err
	}
	const n = 101
	times := make([]time.Duration, 0, n)
	for i := range n {
		start := time.Now()
		f, err := os.OpenFile(filepath.Join(dir, fmt.Sprintf("agent%%3Amain%%3Aopenai-user%%3Aprobe-%d-%d.jsonl", round, i)), os.O_WRONLY|os.O_CREATE|os.O_APPEND|os.O_EXCL, 0o600)
		if err != nil {
			return 0, err
		}
		_, err = f.WriteString("{}\n")
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return 0, err
		}
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	return times[n/2], nil
}

// cpuStat is the aggregate "cpu" line of /proc/stat, in clock ticks.
type cpuStat struct{ total, steal uint64 }

func readCPUStat() cpuStat {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuStat{}
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return cpuStat{}
	}
	var st cpuStat
	for i, v := range f[1:] {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return cpuStat{}
		}
		if i < 8 { // user nice system idle iowait irq softirq steal (guest time is inside user)
			st.total += n
		}
		if i == 7 {
			st.steal = n
		}
	}
	return st
}

// stealShare is the share of CPU time stolen by the hypervisor between two
// readings.
func stealShare(a, b cpuStat) (float64, bool) {
	if a.total == 0 || b.total <= a.total {
		return 0, false
	}
	return float64(b.steal-a.steal) / float64(b.total-a.total), true
}

// loadAvg is the 1, 5 and 15 minute load averages.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// busy reports whether a 1-minute load average exceeds the CPU count.
func busy(avg string) bool {
	f := strings.Fields(avg)
	if len(f) == 0 {
		return false
	}
	v, err := strconv.ParseFloat(f[0], 64)
	return err == nil && v > float64(runtime.NumCPU())
}
