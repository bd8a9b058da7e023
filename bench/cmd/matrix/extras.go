package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/openclaw/openclaw-go/bench/internal/load"
)

const (
	coldStartTrials = 5
	cliTrials       = 10
)

// extras runs the measurements outside the matrix, on an otherwise idle
// machine: cold start, CLI wall time, heap per open stream.
func (h *harness) extras(ctx context.Context, rep *report) {
	mock, err := h.startMock(ctx, "mock-extras", "-chunks", strconv.Itoa(h.opt.chunks))
	if err != nil {
		rep.ColdErr = err.Error()
		return
	}
	dir := filepath.Join(h.work, "cold")
	rep.ColdStartMS, rep.ColdErr = h.coldStart(ctx, dir, mock.url)
	rep.VersionMS, _, rep.CLIErr = h.cliWall(ctx, dir, "--version")
	var e2 string
	rep.ConfigGetMS, rep.ConfigGetOut, e2 = h.cliWall(ctx, dir, "config", "get", "gateway.port")
	rep.CLIErr = strings.TrimSpace(rep.CLIErr + " " + e2)
	mock.stop()
	if h.opt.streams > 0 {
		rep.Heap = h.heapPerStream(ctx)
	}
}

// coldStart times spawn → first 200 from /readyz, polling every
// millisecond, for coldStartTrials starts after one untimed start that
// creates the state directory's files. Not pinned: a user's start is not.
func (h *harness) coldStart(ctx context.Context, dir, upstream string) ([]float64, string) {
	var ms []float64
	for i := 0; i <= coldStartTrials && ctx.Err() == nil; i++ {
		port, err := freePort()
		if err != nil {
			return ms, err.Error()
		}
		if err := h.gatewayConfig(dir, port, upstream); err != nil {
			return ms, err.Error()
		}
		cmd := exec.Command(h.bins.gateway, "gateway")
		cmd.Env = h.gatewayEnv(dir)
		var logb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logb, &logb
		start := time.Now()
		if err := cmd.Start(); err != nil {
			return ms, err.Error()
		}
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		_, err = waitReady(ctx, fmt.Sprintf("http://127.0.0.1:%d/readyz", port), 10*time.Second, time.Millisecond, done)
		elapsed := time.Since(start)
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if err != nil {
			return ms, fmt.Sprintf("start %d: %v: %s", i, err, bytesTail(logb.Bytes(), 800))
		}
		if i > 0 {
			ms = append(ms, float64(elapsed)/float64(time.Millisecond))
		}
	}
	return ms, ""
}

// cliWall times the gateway binary with args, cliTrials times after one
// untimed run, with the state directory of dir.
func (h *harness) cliWall(ctx context.Context, dir string, args ...string) ([]float64, string, string) {
	var ms []float64
	var out string
	for i := 0; i <= cliTrials && ctx.Err() == nil; i++ {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		cmd := exec.CommandContext(cctx, h.bins.gateway, args...)
		cmd.Env = h.gatewayEnv(dir)
		var o bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &o
		start := time.Now()
		err := cmd.Run()
		elapsed := time.Since(start)
		cancel()
		if err != nil {
			return ms, "", fmt.Sprintf("openclaw %s: %v: %s", strings.Join(args, " "), err, bytesTail(o.Bytes(), 300))
		}
		out = strings.TrimSpace(o.String())
		if i > 0 {
			ms = append(ms, float64(elapsed)/float64(time.Millisecond))
		}
	}
	return ms, out, ""
}

// heapResult is the heap-per-open-stream measurement.
type heapResult struct {
	Streams          int     `json:"streams"`
	Opened           int     `json:"opened"`
	OpenSeconds      float64 `json:"open_seconds"`
	Metrics          bool    `json:"metrics"` // heap read from /metrics; else only RSS
	HeapBefore       float64 `json:"heap_inuse_before_bytes,omitempty"`
	HeapDuring       float64 `json:"heap_inuse_during_bytes,omitempty"`
	GoroutinesBefore float64 `json:"goroutines_before,omitempty"`
	GoroutinesDuring float64 `json:"goroutines_during,omitempty"`
	RSSBeforeKB      int64   `json:"rss_before_kb"`
	RSSDuringKB      int64   `json:"rss_during_kb"`
	HeapPerStream    float64 `json:"heap_per_stream_bytes,omitempty"`
	// Settled: the lowest heap in use seen after a garbage collection,
	// while light non-stream traffic drives the collector (see settledHeap).
	SettledBefore    float64  `json:"heap_inuse_settled_before_bytes,omitempty"`
	SettledDuring    float64  `json:"heap_inuse_settled_during_bytes,omitempty"`
	SettledPerStream float64  `json:"heap_settled_per_stream_bytes,omitempty"`
	RSSPerStream     float64  `json:"rss_per_stream_bytes"`
	Errors           []string `json:"errors,omitempty"`
	Err              string   `json:"error,omitempty"`
}

// heapPerStream opens h.opt.streams concurrent streams through a gateway
// whose upstream holds every stream open after its first text chunk, and
// compares the gateway's heap in use (from its /metrics) and resident set
// before and while they are open.
func (h *harness) heapPerStream(ctx context.Context) *heapResult {
	hr := &heapResult{Streams: h.opt.streams}
	mock, err := h.startMock(ctx, "mock-slow", "-chunks", "2", "-hold", h.opt.hold.String())
	if err != nil {
		hr.Err = err.Error()
		return hr
	}
	defer mock.stop()
	gw, err := h.startGateway(ctx, "gateway-heap", mock.url)
	if err != nil {
		hr.Err = err.Error()
		return hr
	}
	defer gw.stop()
	url := gw.url + "/v1/chat/completions"
	// Warm the gateway up (pools, code paths) with a few short requests.
	if _, err := load.Run(ctx, load.Config{URL: url, Token: h.token, Concurrency: 4, Duration: 300 * time.Millisecond, Timeout: 5 * time.Second}); err != nil {
		hr.Err = err.Error()
		return hr
	}
	time.Sleep(time.Second)
	before := h.gatewayMem(ctx, gw)
	hr.Metrics = before.metrics
	hr.HeapBefore, hr.GoroutinesBefore, hr.RSSBeforeKB = before.heap, before.goroutines, before.rssKB
	settledBefore, okBefore := h.settledHeap(ctx, gw, url)

	holdCtx, release := context.WithCancel(ctx)
	start := time.Now()
	opened, errs, wait := holdStreams(holdCtx, url, h.token, h.opt.streams, min(h.opt.hold/2, 60*time.Second))
	hr.OpenSeconds = time.Since(start).Seconds()
	hr.Opened, hr.Errors = opened, errs
	time.Sleep(500 * time.Millisecond)
	during := h.gatewayMem(ctx, gw)
	settledDuring, okDuring := h.settledHeap(ctx, gw, url)
	release()
	wait()
	hr.HeapDuring, hr.GoroutinesDuring, hr.RSSDuringKB = during.heap, during.goroutines, during.rssKB
	hr.Metrics = hr.Metrics && during.metrics
	if opened > 0 {
		if hr.Metrics {
			hr.HeapPerStream = (hr.HeapDuring - hr.HeapBefore) / float64(opened)
		}
		if okBefore && okDuring {
			hr.SettledBefore, hr.SettledDuring = settledBefore, settledDuring
			hr.SettledPerStream = (settledDuring - settledBefore) / float64(opened)
		}
		hr.RSSPerStream = float64(hr.RSSDuringKB-hr.RSSBeforeKB) * 1024 / float64(opened)
	}
	return hr
}

type memSample struct {
	metrics               bool
	heap, goroutines, gcs float64
	rssKB                 int64
}

// settledHeap drives the gateway's garbage collector with light non-stream
// traffic (2 clients) and returns the lowest heap in use seen after a
// collection, once two collections have passed or 10 s. A single reading
// of heap in use lands anywhere between the live heap and twice it
// (GOGC=100); this one is close to the live heap.
func (h *harness) settledHeap(ctx context.Context, gw *proc, url string) (float64, bool) {
	first := h.gatewayMem(ctx, gw)
	if !first.metrics {
		return 0, false
	}
	tctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		_, _ = load.Run(tctx, load.Config{URL: url, Token: h.token, Concurrency: 2, Duration: 10 * time.Second, Timeout: 5 * time.Second})
	})
	defer wg.Wait()
	defer stop()
	low, seen := math.Inf(1), false
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
		m := h.gatewayMem(ctx, gw)
		if !m.metrics {
			return 0, false
		}
		if m.gcs > first.gcs {
			low, seen = min(low, m.heap), true
		}
		if m.gcs >= first.gcs+2 {
			break
		}
	}
	return low, seen
}

// gatewayMem reads go_memstats_heap_inuse_bytes and go_goroutines from the
// gateway's /metrics (when it serves them) and VmRSS from /proc.
func (h *harness) gatewayMem(ctx context.Context, gw *proc) memSample {
	var m memSample
	if s, err := load.ReadProc(gw.pid); err == nil {
		m.rssKB = s.RSSKB
	}
	_ = h.scrape(ctx, gw, func(body io.Reader) {
		vals, ok1 := metricValue(body, "go_memstats_heap_inuse_bytes", "go_goroutines", "go_gc_duration_seconds_count")
		if v, ok := vals["go_memstats_heap_inuse_bytes"]; ok && ok1 {
			m.metrics, m.heap, m.goroutines, m.gcs = true, v, vals["go_goroutines"], vals["go_gc_duration_seconds_count"]
		}
	})
	return m
}

// scrape GETs gw's /metrics (with the token) and hands read the body.
func (h *harness) scrape(ctx context.Context, gw *proc, read func(io.Reader)) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, gw.url+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+h.token)
	c := &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}, Timeout: 5 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	read(resp.Body)
	return nil
}

// metricValue reads the values of unlabelled series from a Prometheus text
// exposition.
func metricValue(r io.Reader, names ...string) (map[string]float64, bool) {
	out := map[string]float64{}
	sc := bufio.NewScanner(io.LimitReader(r, 8<<20))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		for _, n := range names {
			if v, ok := strings.CutPrefix(line, n+" "); ok {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					out[n] = f
				}
			}
		}
	}
	return out, sc.Err() == nil && len(out) > 0
}

// holdStreams opens n streams (at most 128 connecting at a time) and
// returns once each has delivered its first text chunk, failed, or timeout
// passed. The streams stay open until ctx is cancelled; wait waits for
// them to end.
func holdStreams(ctx context.Context, url, token string, n int, timeout time.Duration) (opened int, errs []string, wait func()) {
	if err := load.CheckLoopback(url); err != nil {
		return 0, []string{err.Error()}, func() {}
	}
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost: n,
		DisableCompression:  true,
	}
	c := &http.Client{Transport: tr}
	body := []byte(`{"model":"openclaw/default","messages":[{"role":"user","content":"hi"}],"stream":true}`)
	var (
		nOpen, nFail atomic.Int64
		mu           sync.Mutex
		wg           sync.WaitGroup
		sem          = make(chan struct{}, 128)
		progress     = make(chan struct{}, 2*n)
	)
	fail := func(err error) {
		mu.Lock()
		if len(errs) < 5 {
			errs = append(errs, err.Error())
		}
		mu.Unlock()
	}
	for range n {
		wg.Go(func() {
			released := false // also: the stream opened
			defer func() {
				if !released {
					nFail.Add(1)
					progress <- struct{}{}
				}
			}()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() {
				if !released {
					<-sem
				}
			}()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := c.Do(req)
			if err != nil {
				fail(err)
				return
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				fail(fmt.Errorf("status %d", resp.StatusCode))
				return
			}
			br := bufio.NewReader(resp.Body)
			for {
				line, err := br.ReadSlice('\n')
				if p, ok := bytes.CutPrefix(line, []byte("data:")); ok && load.HasContent(p) {
					nOpen.Add(1)
					<-sem
					released = true
					progress <- struct{}{}
					_, _ = io.Copy(io.Discard, br) // hold until the stream ends or ctx is cancelled
					return
				}
				if err != nil {
					if ctx.Err() == nil {
						fail(errors.New("stream ended before its first text chunk"))
					}
					return
				}
			}
		})
	}
	deadline := time.After(timeout)
wait:
	for nOpen.Load()+nFail.Load() < int64(n) {
		select {
		case <-progress:
		case <-deadline:
			fail(fmt.Errorf("only %d of %d streams open after %s", nOpen.Load(), n, timeout))
			break wait
		case <-ctx.Done():
			break wait
		}
	}
	return int(nOpen.Load()), errs, func() {
		wg.Wait()
		tr.CloseIdleConnections()
	}
}
