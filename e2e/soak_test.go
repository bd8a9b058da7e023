package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openclaw/openclaw-go/bench/mock"
	"github.com/openclaw/openclaw-go/internal/session"
	"github.com/openclaw/openclaw-go/internal/session/jsonl"
)

// The soak runs 64 clients against the real binary in front of a chaos
// upstream. Its length is -soak=5m, else $OPENCLAW_SOAK_DURATION, else 15 s
// (make test sets 60 s; make soak sets longer).
var (
	soakFlag    = flag.Duration("soak", 0, "soak duration (default $OPENCLAW_SOAK_DURATION, else 15s)")
	soakClients = flag.Int("soak-clients", 64, "concurrent soak clients")
)

func soakDuration(t *testing.T) time.Duration {
	if *soakFlag > 0 {
		return *soakFlag
	}
	if v := os.Getenv("OPENCLAW_SOAK_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			t.Fatalf("OPENCLAW_SOAK_DURATION=%q: want a duration such as 60s", v)
		}
		return d
	}
	if testing.Short() {
		return 5 * time.Second
	}
	return 15 * time.Second
}

// suiteReport appends one line of figures to $OPENCLAW_SUITE_REPORT (when
// set), which scripts/test.sh prints at the end of make test, and logs it.
var reportMu sync.Mutex

func suiteReport(t *testing.T, section string, kv ...any) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "%-8s", section)
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(&b, " %v=%v", kv[i], kv[i+1])
	}
	line := b.String()
	t.Log("suite report: " + line)
	path := os.Getenv("OPENCLAW_SUITE_REPORT")
	if path == "" {
		return
	}
	reportMu.Lock()
	defer reportMu.Unlock()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Errorf("suite report: %v", err)
		return
	}
	defer f.Close()
	fmt.Fprintln(f, line)
}

// soakReply is the mock's complete answer with its default 8 chunks.
const soakReply = "word0 word1 word2 word3 word4 word5 word6 word7 "

// outcome of one soak request as the client saw it.
type outcome int

const (
	outComplete outcome = iota // 200 with the whole answer
	outError                   // a well-formed error (JSON error, or error chunk then [DONE])
	outBroken                  // anything else: a bypass of the contract
)

type soakTurn struct {
	content string // the user message sent
	out     outcome
}

type soakStats struct {
	requests, complete, errs, broken atomic.Int64
	streamErrs                       atomic.Int64
	mu                               sync.Mutex
	brokenSamples                    []string
	sessions                         map[string][]soakTurn // user -> turns in order
}

func (s *soakStats) broke(format string, args ...any) {
	s.broken.Add(1)
	s.mu.Lock()
	if len(s.brokenSamples) < 10 {
		s.brokenSamples = append(s.brokenSamples, fmt.Sprintf(format, args...))
	}
	s.mu.Unlock()
}

type procSample struct {
	goroutines float64
	heapInuse  float64
}

// TestSoakWithUpstreamFaults: 64 clients for the soak duration, 10% upstream
// failures before output and 5% mid-stream resets. No crash, no goroutine or
// heap growth, every answer complete or a well-formed error, and every
// session transcript consistent with what the clients saw.
func TestSoakWithUpstreamFaults(t *testing.T) {
	dur := soakDuration(t)
	clients := *soakClients
	chaos := &mock.Chaos{Fail: 0.10, Reset: 0.05, Stall: 0.005, StallFor: time.Second, Seed: 8}
	up := httptest.NewServer(mock.New(mock.Options{Chaos: chaos}))
	defer up.Close()

	const upstreamKey = "sk-soak-upstream-secret-7f3a9c1e"
	cfg := tokenConfig(`
  agents: { defaults: { model: { primary: "chaos/m1", fallbacks: ["chaos2/m2"] } } },
  models: { providers: {
    chaos: { baseUrl: "` + up.URL + `/v1", api: "openai-completions", apiKey: "${SOAK_UPSTREAM_KEY}", models: [{ id: "m1" }] },
    chaos2: { baseUrl: "` + up.URL + `/v1", api: "openai-completions", apiKey: "${SOAK_UPSTREAM_KEY}", models: [{ id: "m2" }] },
  } },`)
	dir := stateDir(t, cfg)
	pprofAddr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	g := startGateway(t, dir, baseEnv(dir, "SOAK_UPSTREAM_KEY="+upstreamKey), "--pprof-addr", pprofAddr)

	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: 0}
	hc := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	sample := func(gc bool) procSample {
		if gc {
			// The heap profile endpoint runs a GC first, so the heap
			// figure below is live memory, not garbage.
			resp, err := hc.Get("http://" + pprofAddr + "/debug/pprof/heap?gc=1")
			if err != nil {
				t.Fatalf("pprof: %v", err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		st, _, b := doClient(t, hc, "GET", g.url("/metrics"), testToken, "")
		if st != 200 {
			t.Fatalf("/metrics: %d", st)
		}
		return procSample{goroutines: metricValue(string(b), "go_goroutines"), heapInuse: metricValue(string(b), "go_memstats_heap_inuse_bytes")}
	}
	// settle closes every idle connection on both sides of the gateway,
	// waits for the goroutines to wind down and samples.
	settle := func() procSample {
		tr.CloseIdleConnections()
		up.CloseClientConnections()
		var s procSample
		for i := 0; i < 20; i++ {
			time.Sleep(250 * time.Millisecond)
			s = sample(true)
			tr.CloseIdleConnections()
			if i >= 3 && s.goroutines <= sample(false).goroutines {
				break
			}
		}
		return s
	}

	st := &soakStats{sessions: map[string][]soakTurn{}}
	run := func(d time.Duration, phase string, every time.Duration, onTick func()) {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		var wg sync.WaitGroup
		for c := 0; c < clients; c++ {
			wg.Add(1)
			go func(c int) {
				defer wg.Done()
				soakClient(ctx, t, hc, g, st, phase, c)
			}(c)
		}
		if onTick != nil {
			tick := time.NewTicker(every)
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
		loop:
			for {
				select {
				case <-tick.C:
					onTick()
				case <-done:
					break loop
				}
			}
			tick.Stop()
		}
		wg.Wait()
	}

	// Warm up (pools, caches, first sessions), then take the baseline.
	run(min(5*time.Second, dur/3), "w", 0, nil)
	base := settle()
	var during []procSample
	var dmu sync.Mutex
	start := time.Now()
	run(dur, "s", max(dur/6, time.Second), func() {
		s := sample(false)
		dmu.Lock()
		during = append(during, s)
		dmu.Unlock()
	})
	elapsed := time.Since(start)
	end := settle()

	select {
	case <-g.exited:
		t.Fatalf("the gateway exited during the soak: %v", g.err)
	default:
	}
	crashes := 0
	if strings.Contains(g.Output(), "panic") {
		crashes++
		t.Errorf("the gateway logged a panic:\n%s", g.Output())
	}
	g.stop(t)

	// Transcripts: every turn a client saw complete is present and
	// complete; nothing partial is marked complete; turns in client order.
	store, err := jsonl.Open(filepath.Join(dir, "agents"))
	if err != nil {
		t.Fatalf("open the session store after the soak: %v", err)
	}
	defer store.Close()
	lost, partialComplete, interrupted := 0, 0, 0
	users := make([]string, 0, len(st.sessions))
	for u := range st.sessions {
		users = append(users, u)
	}
	sort.Strings(users)
	for _, u := range users {
		turns := st.sessions[u]
		entries, err := store.Load(context.Background(), "main", "agent:main:openai-user:"+u)
		if err != nil {
			t.Fatalf("load %s: %v", u, err)
		}
		rec, problems := groupTurns(entries)
		for _, p := range problems {
			t.Errorf("session %s: %s", u, p)
		}
		// Walk the client's turns and the recorded ones together.
		j := 0
		for _, ct := range turns {
			if j < len(rec) && rec[j].user == ct.content {
				r := rec[j]
				j++
				if r.interrupted {
					interrupted++
					if ct.out == outComplete {
						t.Errorf("session %s: %q completed for the client but is recorded as interrupted", u, ct.content)
					}
					continue
				}
				if r.reply != soakReply {
					partialComplete++
					t.Errorf("session %s: %q recorded as complete with a partial reply %q", u, ct.content, r.reply)
				}
				if ct.out != outComplete {
					t.Errorf("session %s: %q recorded complete but the client saw outcome %d", u, ct.content, ct.out)
				}
				continue
			}
			if ct.out == outComplete {
				lost++
				t.Errorf("session %s: completed turn %q is missing from the transcript", u, ct.content)
			}
		}
		if j != len(rec) {
			t.Errorf("session %s: %d recorded turns the clients never sent (or out of order)", u, len(rec)-j)
		}
	}

	cs := chaos.Stats()
	goroutineGrowth := end.goroutines - base.goroutines
	heapGrowthMB := (end.heapInuse - base.heapInuse) / (1 << 20)
	var peakG float64
	for _, s := range during {
		peakG = max(peakG, s.goroutines)
	}
	t.Logf("soak %v × %d clients: %d requests (%.0f/s), %d complete, %d errors (%d in-stream), %d broken; upstream %d calls, faults %v",
		elapsed.Round(time.Second), clients, st.requests.Load(), float64(st.requests.Load())/elapsed.Seconds(),
		st.complete.Load(), st.errs.Load(), st.streamErrs.Load(), st.broken.Load(), cs.Requests, cs.Faults)
	t.Logf("goroutines: baseline %.0f, peak under load %.0f, after %.0f; heap in use after GC: baseline %.1f MiB, after %.1f MiB",
		base.goroutines, peakG, end.goroutines, base.heapInuse/(1<<20), end.heapInuse/(1<<20))
	suiteReport(t, "soak", "duration", elapsed.Round(time.Second), "clients", clients, "requests", st.requests.Load(),
		"complete", st.complete.Load(), "errors", st.errs.Load(), "broken", st.broken.Load(),
		"upstream_calls", cs.Requests, "faults_injected", cs.Injected, "stalls", cs.Faults["stall"],
		"crashes", crashes, "lost_turns", lost, "partial_as_complete", partialComplete, "interrupted_recorded", interrupted,
		"goroutines", fmt.Sprintf("%.0f->%.0f", base.goroutines, end.goroutines),
		"heap_mib", fmt.Sprintf("%.1f->%.1f", base.heapInuse/(1<<20), end.heapInuse/(1<<20)))

	if n := st.broken.Load(); n > 0 {
		t.Errorf("%d answers were neither complete nor a well-formed error; first ones:\n%s", n, strings.Join(st.brokenSamples, "\n"))
	}
	if cs.Injected == 0 || st.errs.Load() == 0 {
		t.Errorf("no faults reached the clients (injected %d, errors %d): the soak tested nothing", cs.Injected, st.errs.Load())
	}
	// A leak of even one goroutine per request would be thousands here;
	// the slack covers timers and pool connections that come and go.
	if goroutineGrowth > 16 {
		t.Errorf("goroutines grew from %.0f to %.0f across the soak", base.goroutines, end.goroutines)
	}
	// The transcript cache (bounded at 64 MiB) legitimately fills with new
	// sessions; anything beyond it is growth.
	if heapGrowthMB > 64+16 {
		t.Errorf("heap in use grew by %.1f MiB across the soak", heapGrowthMB)
	}
}

// soakClient sends requests until ctx ends. Every 6 turns it starts a new
// session, so transcripts stay short however long the soak runs.
func soakClient(ctx context.Context, t *testing.T, hc *http.Client, g *gw, st *soakStats, phase string, c int) {
	for n := 0; ctx.Err() == nil; n++ {
		user := fmt.Sprintf("soak-%s-%d-%d", phase, c, n/6)
		content := fmt.Sprintf("%s c%d t%d", phase, c, n)
		stream := n%2 == 0
		body := chatBody(user, content, stream)
		// Each request gets its own deadline, independent of the soak's:
		// a request in flight at the end is finished, not abandoned, so
		// the transcript check sees what the client saw.
		rctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		out := soakRequest(rctx, hc, g, st, body, stream)
		cancel()
		st.requests.Add(1)
		switch out {
		case outComplete:
			st.complete.Add(1)
		case outError:
			st.errs.Add(1)
		}
		st.mu.Lock()
		st.sessions[user] = append(st.sessions[user], soakTurn{content: content, out: out})
		st.mu.Unlock()
	}
}

func soakRequest(ctx context.Context, hc *http.Client, g *gw, st *soakStats, body string, stream bool) outcome {
	req, _ := http.NewRequestWithContext(ctx, "POST", g.url("/v1/chat/completions"), strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		st.broke("transport error: %v", err)
		return outBroken
	}
	defer resp.Body.Close()
	if resp.Header.Get("X-OpenClaw-Surface") != "gateway" {
		st.broke("status %d without X-OpenClaw-Surface", resp.StatusCode)
		return outBroken
	}
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		var e apiError
		if json.Unmarshal(b, &e) != nil || e.Error.Message == "" || e.Error.Type == "" || e.Error.Code == nil || resp.StatusCode < 400 {
			st.broke("status %d with a malformed error body %q", resp.StatusCode, b)
			return outBroken
		}
		return outError
	}
	if !stream {
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			st.broke("reading a 200 body: %v", err)
			return outBroken
		}
		var c completion
		if json.Unmarshal(b, &c) != nil || len(c.Choices) != 1 || c.Choices[0].Message.Content != soakReply || c.Choices[0].FinishReason != "stop" {
			st.broke("incomplete 200 answer %q", b)
			return outBroken
		}
		return outComplete
	}
	// A stream: chunks, then either finish_reason and [DONE] with the whole
	// text, or one error chunk and [DONE].
	var text strings.Builder
	finished, failed, done := false, false, false
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			continue
		}
		if done || failed && data != "[DONE]" {
			st.broke("event after the end of the stream: %q", data)
			return outBroken
		}
		if data == "[DONE]" {
			done = true
			continue
		}
		var ch struct {
			Choices []struct {
				Delta struct {
					Content string `json:"content"`
				} `json:"delta"`
				FinishReason *string `json:"finish_reason"`
			} `json:"choices"`
			Error *struct {
				Message string  `json:"message"`
				Type    string  `json:"type"`
				Code    *string `json:"code"`
			} `json:"error"`
		}
		if err := json.Unmarshal([]byte(data), &ch); err != nil {
			st.broke("chunk is not JSON: %q", data)
			return outBroken
		}
		if ch.Error != nil {
			if ch.Error.Message == "" || ch.Error.Type == "" || ch.Error.Code == nil {
				st.broke("malformed error chunk %q", data)
				return outBroken
			}
			failed = true
			continue
		}
		for _, c := range ch.Choices {
			text.WriteString(c.Delta.Content)
			if c.FinishReason != nil {
				finished = true
			}
		}
	}
	if err := sc.Err(); err != nil && !errors.Is(err, io.EOF) {
		st.broke("stream read error: %v (after %q)", err, text.String())
		return outBroken
	}
	switch {
	case !done:
		st.broke("stream ended without [DONE] (text %q, failed %v)", text.String(), failed)
		return outBroken
	case failed:
		st.streamErrs.Add(1)
		return outError
	case !finished || text.String() != soakReply:
		st.broke("stream finished with partial text %q (finish %v)", text.String(), finished)
		return outBroken
	}
	return outComplete
}

// recTurn is one recorded turn: its user message and assistant reply.
type recTurn struct {
	user, reply string
	interrupted bool
}

// groupTurns splits a transcript into turns and reports structural
// problems: every turn is exactly one user entry then one assistant entry,
// and seq is contiguous.
func groupTurns(es []session.Entry) ([]recTurn, []string) {
	var out []recTurn
	var problems []string
	for i := 0; i < len(es); i++ {
		if es[i].Seq != int64(i+1) {
			problems = append(problems, fmt.Sprintf("seq %d at position %d", es[i].Seq, i+1))
		}
	}
	for i := 0; i < len(es); {
		j := i
		for j < len(es) && es[j].TurnID == es[i].TurnID {
			j++
		}
		turn := es[i:j]
		if len(turn) != 2 || turn[0].Role != session.RoleUser || turn[1].Role != session.RoleAssistant {
			roles := make([]string, len(turn))
			for k, e := range turn {
				roles[k] = e.Role
			}
			problems = append(problems, fmt.Sprintf("turn %s has entries %v, want [user assistant]", es[i].TurnID, roles))
		} else {
			out = append(out, recTurn{user: turn[0].Content, reply: turn[1].Content, interrupted: turn[1].Interrupted})
		}
		i = j
	}
	return out, problems
}

// doClient is do with a given client and no test failure on transport
// errors other than Fatal.
func doClient(t *testing.T, hc *http.Client, method, url, token, body string) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, url, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// metricValue returns the value of an unlabelled Prometheus series.
func metricValue(body, name string) float64 {
	for line := range strings.SplitSeq(body, "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return f
		}
	}
	return -1
}
