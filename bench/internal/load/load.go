// Package load is the load generator of the benchmark harness: a fixed
// number of keep-alive clients send OpenAI chat completion requests to a
// loopback target for a fixed time and report the latency distribution,
// throughput, errors, stream time-to-first-content and the CPU time and
// resident set of the processes under test (read from /proc).
//
// It is not a general HTTP load tool: targets are loopback only, and
// concurrency and duration are bounded.
package load

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"sync"
	"time"
)

// Bounds of a run.
const (
	MaxConcurrency = 4096
	MaxDuration    = 2 * time.Minute
	MaxWarmup      = 30 * time.Second
	MaxTimeout     = 2 * time.Minute
)

// Config describes one run.
type Config struct {
	URL          string         // POST target, e.g. http://127.0.0.1:18789/v1/chat/completions
	Token        string         // sent as Authorization: Bearer <Token> when set
	Concurrency  int            // clients, each with one request in flight
	Duration     time.Duration  // measured phase
	Warmup       time.Duration  // unmeasured phase before it, on the same connections
	Stream       bool           // "stream": true, read SSE
	User         string         // session mode: send "user": "<User>-w<worker>-s<n>"; empty for stateless
	SessionTurns int            // turns per session before a worker starts a new one (session mode)
	Timeout      time.Duration  // per request
	PIDs         map[string]int // processes whose CPU time and RSS to report, by name
}

var userRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// Validate checks the bounds and the loopback-only rule.
func (c *Config) Validate() error {
	if err := CheckLoopback(c.URL); err != nil {
		return err
	}
	switch {
	case c.Concurrency < 1 || c.Concurrency > MaxConcurrency:
		return fmt.Errorf("concurrency %d: want 1..%d", c.Concurrency, MaxConcurrency)
	case c.Duration <= 0 || c.Duration > MaxDuration:
		return fmt.Errorf("duration %s: want (0, %s]", c.Duration, MaxDuration)
	case c.Warmup < 0 || c.Warmup > MaxWarmup:
		return fmt.Errorf("warmup %s: want [0, %s]", c.Warmup, MaxWarmup)
	case c.Timeout <= 0 || c.Timeout > MaxTimeout:
		return fmt.Errorf("timeout %s: want (0, %s]", c.Timeout, MaxTimeout)
	case c.User != "" && !userRE.MatchString(c.User):
		return fmt.Errorf("user %q: want 1-64 of [A-Za-z0-9._-]", c.User)
	case c.User != "" && c.SessionTurns < 1:
		return fmt.Errorf("session turns %d: want >= 1", c.SessionTurns)
	}
	return nil
}

// ProcUsage is what one process spent during the measured phase.
type ProcUsage struct {
	PID             int     `json:"pid"`
	CPUSeconds      float64 `json:"cpu_seconds"`
	CPUPerRequestUS float64 `json:"cpu_per_request_us"`
	RSSKB           int64   `json:"rss_kb"`      // VmRSS after the phase
	PeakRSSKB       int64   `json:"peak_rss_kb"` // VmHWM after the phase (process lifetime peak)
	Err             string  `json:"error,omitempty"`
}

// Result is the outcome of one run. Latency is the whole request (to the
// last byte); TTFB, for streams, is the time to the first data event with
// text content.
type Result struct {
	URL          string               `json:"url"`
	Mode         string               `json:"mode"` // "nonstream" or "stream"
	Concurrency  int                  `json:"concurrency"`
	Session      bool                 `json:"session"`
	ElapsedS     float64              `json:"elapsed_s"`
	Requests     int                  `json:"requests"` // successful
	Errors       int                  `json:"errors"`
	ErrorSamples []string             `json:"error_samples,omitempty"`
	RPS          float64              `json:"rps"`
	Latency      Summary              `json:"latency"`
	TTFB         *Summary             `json:"ttfb,omitempty"`
	Procs        map[string]ProcUsage `json:"procs,omitempty"`
}

// Run runs the warm-up and then the measured phase.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	tr := &http.Transport{
		Proxy:               nil, // loopback only: never a proxy from the environment
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        2 * cfg.Concurrency,
		MaxIdleConnsPerHost: 2 * cfg.Concurrency,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ReadBufferSize:      16 << 10,
		WriteBufferSize:     4 << 10,
	}
	defer tr.CloseIdleConnections()
	g := &gen{cfg: cfg, client: &http.Client{Transport: tr}, auth: []string{"Bearer " + cfg.Token}}
	if cfg.Warmup > 0 {
		g.phase(ctx, cfg.Warmup, "warm")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	before := sample(cfg.PIDs)
	ph := g.phase(ctx, cfg.Duration, "run")
	after := sample(cfg.PIDs)

	res := &Result{
		URL: cfg.URL, Mode: "nonstream", Concurrency: cfg.Concurrency, Session: cfg.User != "",
		ElapsedS: ph.elapsed.Seconds(), Requests: len(ph.lat), Errors: ph.errs, ErrorSamples: ph.samples,
		Latency: Summarize(ph.lat),
	}
	if cfg.Stream {
		res.Mode = "stream"
		t := Summarize(ph.ttfb)
		res.TTFB = &t
	}
	if ph.elapsed > 0 {
		res.RPS = float64(len(ph.lat)) / ph.elapsed.Seconds()
	}
	if len(cfg.PIDs) > 0 {
		res.Procs = map[string]ProcUsage{}
		for name, pid := range cfg.PIDs {
			u := ProcUsage{PID: pid}
			b, errB := before[name].s, before[name].err
			a, errA := after[name].s, after[name].err
			if err := errors.Join(errB, errA); err != nil {
				u.Err = err.Error()
			} else {
				u.CPUSeconds = a.CPUSeconds - b.CPUSeconds
				u.RSSKB, u.PeakRSSKB = a.RSSKB, a.PeakRSSKB
				if n := len(ph.lat) + ph.errs; n > 0 {
					u.CPUPerRequestUS = u.CPUSeconds / float64(n) * 1e6
				}
			}
			res.Procs[name] = u
		}
	}
	return res, nil
}

type procReading struct {
	s   ProcSample
	err error
}

func sample(pids map[string]int) map[string]procReading {
	m := make(map[string]procReading, len(pids))
	for name, pid := range pids {
		s, err := ReadProc(pid)
		m[name] = procReading{s, err}
	}
	return m
}

type gen struct {
	cfg    Config
	client *http.Client
	auth   []string
}

type phaseOut struct {
	lat, ttfb []time.Duration
	errs      int
	samples   []string
	elapsed   time.Duration
}

const maxErrSamples = 5

// phase runs every worker until d has passed; requests in flight at the
// deadline finish and count.
func (g *gen) phase(ctx context.Context, d time.Duration, tag string) phaseOut {
	start := time.Now()
	deadline := start.Add(d)
	outs := make([]phaseOut, g.cfg.Concurrency)
	var wg sync.WaitGroup
	for i := range outs {
		wg.Go(func() { g.worker(ctx, i, tag, deadline, &outs[i]) })
	}
	wg.Wait()
	var all phaseOut
	all.elapsed = time.Since(start)
	for _, o := range outs {
		all.lat = append(all.lat, o.lat...)
		all.ttfb = append(all.ttfb, o.ttfb...)
		all.errs += o.errs
		for _, s := range o.samples {
			if len(all.samples) < maxErrSamples && !contains(all.samples, s) {
				all.samples = append(all.samples, s)
			}
		}
	}
	return all
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func (g *gen) worker(ctx context.Context, id int, tag string, deadline time.Time, out *phaseOut) {
	out.lat = make([]time.Duration, 0, 1024)
	br := bufio.NewReaderSize(nil, 64<<10)
	var body, buf bytes.Buffer
	for n := 0; time.Now().Before(deadline) && ctx.Err() == nil; n++ {
		g.body(&body, tag, id, n)
		start := time.Now()
		ttfb, err := g.do(ctx, body.Bytes(), br, &buf, start)
		d := time.Since(start)
		if err != nil {
			out.errs++
			if len(out.samples) < maxErrSamples && !contains(out.samples, err.Error()) {
				out.samples = append(out.samples, err.Error())
			}
			// Do not spin on a refusing target; the deadline still bounds the loop.
			time.Sleep(time.Millisecond)
			continue
		}
		out.lat = append(out.lat, d)
		if g.cfg.Stream {
			out.ttfb = append(out.ttfb, ttfb)
		}
	}
}

// body writes the request body of request n of worker id.
func (g *gen) body(b *bytes.Buffer, tag string, id, n int) {
	b.Reset()
	b.WriteString(`{"model":"openclaw/default","messages":[{"role":"user","content":"hi"}]`)
	if g.cfg.Stream {
		b.WriteString(`,"stream":true`)
	}
	if g.cfg.User != "" {
		b.WriteString(`,"user":"`)
		b.WriteString(g.cfg.User)
		b.WriteString("-" + tag + "-w" + strconv.Itoa(id) + "-s" + strconv.Itoa(n/g.cfg.SessionTurns))
		b.WriteByte('"')
	}
	b.WriteByte('}')
}

var (
	dataPrefix = []byte("data:")
	doneMarker = []byte("[DONE]")
	choicesKey = []byte(`"choices"`)
)

// do sends one request and reads the whole response. For streams it returns
// the time from start to the first data event with text content.
func (g *gen) do(ctx context.Context, body []byte, br *bufio.Reader, buf *bytes.Buffer, start time.Time) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, g.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header["Content-Type"] = []string{"application/json"}
	if g.cfg.Token != "" {
		req.Header["Authorization"] = g.auth
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return 0, shortErr(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return 0, fmt.Errorf("status %d: %s", resp.StatusCode, bytes.TrimSpace(b))
	}
	if !g.cfg.Stream {
		buf.Reset()
		if _, err := buf.ReadFrom(resp.Body); err != nil {
			return 0, shortErr(err)
		}
		if !bytes.Contains(buf.Bytes(), choicesKey) {
			return 0, errors.New("response without choices")
		}
		return 0, nil
	}
	br.Reset(resp.Body)
	var ttfb time.Duration
	done := false
	for {
		line, err := br.ReadSlice('\n')
		if p, ok := bytes.CutPrefix(line, dataPrefix); ok {
			p = bytes.TrimSpace(p)
			if bytes.Equal(p, doneMarker) {
				done = true
			} else if ttfb == 0 && HasContent(p) {
				ttfb = time.Since(start)
			}
		}
		if err == bufio.ErrBufferFull {
			return 0, errors.New("SSE line longer than 64 KiB")
		}
		if err != nil {
			if err != io.EOF {
				return 0, shortErr(err)
			}
			break
		}
	}
	switch {
	case !done:
		return 0, errors.New("stream ended without [DONE]")
	case ttfb == 0:
		return 0, errors.New("stream without text content")
	}
	return ttfb, nil
}

// shortErr drops the request URL from transport errors so that equal
// causes are counted as one sample.
func shortErr(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}

// SelfPID is the process id of the load generator, for reporting its own
// CPU time next to the processes under test.
func SelfPID() int { return os.Getpid() }
