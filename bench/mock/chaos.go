package mock

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Fault is a failure the chaos mode injects into one chat completion.
type Fault int

// Faults, in the order of Faults(). The first group fails before any output
// (a gateway may retry or fail over); the second fails after content was
// streamed (a gateway must end the stream with an error).
const (
	FaultNone Fault = iota
	// FaultDrop closes the connection with a TCP RST before any answer.
	FaultDrop
	// Fault429 answers 429 with Retry-After: 1.
	Fault429
	// Fault429Bare answers 429 without Retry-After.
	Fault429Bare
	// Fault500 answers 500.
	Fault500
	// Fault503 answers 503 with Retry-After: 1.
	Fault503
	// Fault503Bare answers 503 without Retry-After.
	Fault503Bare
	// FaultMalformed answers 200 with a body that is not valid JSON (a
	// stream: an event whose data is broken JSON, then EOF without [DONE]).
	FaultMalformed
	// FaultStall pauses Chaos.StallFor before the headers, then answers
	// normally: a slow upstream, not a failure.
	FaultStall
	// FaultReset sends the first content chunk (or half a JSON body), then
	// resets the connection.
	FaultReset
	// FaultGarbageMidStream sends the first content chunk, then an event of
	// broken JSON and EOF without [DONE].
	FaultGarbageMidStream
	numFaults
)

var faultNames = [...]string{"none", "drop", "429_retry_after", "429", "500", "503_retry_after", "503", "malformed", "stall", "reset_mid_stream", "garbage_mid_stream"}

func (f Fault) String() string {
	if f >= 0 && f < numFaults {
		return faultNames[f]
	}
	return "fault(" + strconv.Itoa(int(f)) + ")"
}

// failBefore are the faults drawn for Chaos.Fail; midStream for Chaos.Reset.
var (
	failBefore = []Fault{FaultDrop, Fault429, Fault429Bare, Fault500, Fault503, Fault503Bare, FaultMalformed}
	midStream  = []Fault{FaultReset, FaultReset, FaultGarbageMidStream}
)

// Chaos makes the mock an unreliable upstream for fault-injection tests.
// Each chat completion independently draws at most one fault: with
// probability Fail a failure before any output (connection drop, 429 or 503
// with and without Retry-After, 500, malformed body), with probability Reset
// a failure after the first content chunk (TCP reset, or broken SSE), with
// probability Stall a pause of StallFor before the answer. The draws come
// from a PRNG seeded with Seed, so a run with one client is reproducible.
// Embeddings and /models are never faulted.
type Chaos struct {
	Fail     float64
	Reset    float64
	Stall    float64
	StallFor time.Duration // default 1s
	Seed     uint64

	mu  sync.Mutex
	rng *rand.Rand

	requests atomic.Int64
	counts   [numFaults]atomic.Int64
}

// ParseChaos parses a chaos spec such as "fail=0.1,reset=0.05,stall=0.01,
// stall-for=2s,seed=7". An empty spec returns nil (no chaos).
func ParseChaos(spec string) (*Chaos, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, nil
	}
	c := &Chaos{Seed: 1}
	for part := range strings.SplitSeq(spec, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, fmt.Errorf("chaos: %q: want key=value", part)
		}
		var err error
		switch k {
		case "fail":
			c.Fail, err = parseRate(v)
		case "reset":
			c.Reset, err = parseRate(v)
		case "stall":
			c.Stall, err = parseRate(v)
		case "stall-for":
			c.StallFor, err = time.ParseDuration(v)
		case "seed":
			c.Seed, err = strconv.ParseUint(v, 10, 64)
		default:
			return nil, fmt.Errorf("chaos: unknown key %q (fail, reset, stall, stall-for, seed)", k)
		}
		if err != nil {
			return nil, fmt.Errorf("chaos: %s: %v", k, err)
		}
	}
	if c.Fail+c.Reset+c.Stall > 1 {
		return nil, fmt.Errorf("chaos: fail+reset+stall is %.2f, more than 1", c.Fail+c.Reset+c.Stall)
	}
	return c, nil
}

func parseRate(v string) (float64, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f > 1 {
		return 0, fmt.Errorf("%q is not a fraction between 0 and 1", v)
	}
	return f, nil
}

// draw picks the fault of the next chat completion and counts it.
func (c *Chaos) draw() Fault {
	c.mu.Lock()
	if c.rng == nil {
		c.rng = rand.New(rand.NewPCG(c.Seed, c.Seed^0x9e3779b97f4a7c15))
	}
	x := c.rng.Float64()
	f := FaultNone
	switch {
	case x < c.Fail:
		f = failBefore[c.rng.IntN(len(failBefore))]
	case x < c.Fail+c.Reset:
		f = midStream[c.rng.IntN(len(midStream))]
	case x < c.Fail+c.Reset+c.Stall:
		f = FaultStall
	}
	c.mu.Unlock()
	c.requests.Add(1)
	c.counts[f].Add(1)
	return f
}

// ChaosStats are the counts of a chaos run.
type ChaosStats struct {
	Requests int64            `json:"requests"` // chat completions served
	Faults   map[string]int64 `json:"faults"`   // by fault name, "none" excluded
	Injected int64            `json:"injected"` // faults other than stall
}

// Stats returns what was injected so far.
func (c *Chaos) Stats() ChaosStats {
	st := ChaosStats{Requests: c.requests.Load(), Faults: map[string]int64{}}
	for f := FaultNone + 1; f < numFaults; f++ {
		n := c.counts[f].Load()
		if n == 0 {
			continue
		}
		st.Faults[f.String()] = n
		if f != FaultStall {
			st.Injected += n
		}
	}
	return st
}

func (c *Chaos) serveStats(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(c.Stats())
}

// beforeHeaders applies a fault that precedes the answer. It reports false
// when the request has been answered (or the connection dropped).
func (f Fault) beforeHeaders(w http.ResponseWriter, r *http.Request, c *Chaos, stream bool) bool {
	errBody := func(status int, retryAfter bool, typ string) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		if retryAfter {
			h.Set("Retry-After", "1")
		}
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":{"message":"mock chaos: injected %d","type":%q,"code":null}}`, status, typ)
	}
	switch f {
	case FaultDrop:
		resetConn(w)
		return false
	case Fault429, Fault429Bare:
		errBody(http.StatusTooManyRequests, f == Fault429, "rate_limit_error")
		return false
	case Fault500:
		errBody(http.StatusInternalServerError, false, "server_error")
		return false
	case Fault503, Fault503Bare:
		errBody(http.StatusServiceUnavailable, f == Fault503, "server_error")
		return false
	case FaultMalformed:
		if stream {
			w.Header().Set("Content-Type", "text/event-stream")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte("data: {\"id\":\"chatcmpl-broken\",\"choices\":[{\"delta\":{\"content\":\"par\n\n"))
		} else {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte(`{"id":"chatcmpl-broken","choices":[{"message":{"content":"par`))
		}
		return false
	case FaultStall:
		d := c.StallFor
		if d <= 0 {
			d = time.Second
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return false
		}
	}
	return true
}

// resetConn aborts the connection with a TCP RST (no HTTP answer, or a
// stream cut in the middle).
func resetConn(w http.ResponseWriter) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = buf.Flush()
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
