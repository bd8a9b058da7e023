package sessiontest

import (
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/openclaw/openclaw-go/internal/session"
)

// The benchmarks below are shared by the store packages so that their
// figures compare: same turns, same session spread, same reporting.

// BenchTurn is a typical turn: a user message and an assistant reply with
// model and usage.
func BenchTurn(i int) session.Turn {
	return session.Turn{ID: fmt.Sprintf("turn-%d", i), Entries: []session.Entry{
		{Role: session.RoleUser, Content: "What is the capital of Norway, and why is it there?"},
		{
			Role:    session.RoleAssistant,
			Content: "Oslo. It sits at the head of the Oslofjord, a sheltered harbour that made it a natural trading and administrative centre.",
			Model:   "openai/gpt-4.1-mini",
			Usage:   json.RawMessage(`{"prompt_tokens":31,"completion_tokens":28,"total_tokens":59}`),
		},
	}}
}

// BenchAppend appends 2-entry turns spread over 100 sessions of one agent
// and reports wall and thread-CPU percentiles next to ns/op.
func BenchAppend(b *testing.B, s session.Store) {
	ctx := b.Context()
	turns := make([]session.Turn, 100)
	keys := make([]string, 100)
	for i := range turns {
		turns[i], keys[i] = BenchTurn(i), fmt.Sprintf("k%d", i)
	}
	var m latencies
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m.start()
		if err := s.Append(ctx, "main", keys[i%100], turns[i%100]); err != nil {
			b.Fatal(err)
		}
		m.stop()
		i++
	}
	m.report(b)
}

// BenchAppendParallel appends from many goroutines, as under concurrent
// requests; writes to one store serialise to some degree, so this shows the
// queueing cost.
func BenchAppendParallel(b *testing.B, s session.Store) {
	turn := BenchTurn(0)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if err := s.Append(b.Context(), "main", fmt.Sprintf("k%d", i%100), turn); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

// BenchLoad loads a 100-entry session from a store holding 100 such
// sessions.
func BenchLoad(b *testing.B, s session.Store) {
	ctx := b.Context()
	for k := range 100 {
		for i := range 50 {
			if err := s.Append(ctx, "main", fmt.Sprintf("k%d", k), BenchTurn(i)); err != nil {
				b.Fatal(err)
			}
		}
	}
	var m latencies
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m.start()
		got, err := s.Load(ctx, "main", fmt.Sprintf("k%d", i%100))
		if err != nil || len(got) != 100 {
			b.Fatalf("Load = %d entries, %v", len(got), err)
		}
		m.stop()
		i++
	}
	m.report(b)
}

// latencies records per-operation wall time and, where the platform can
// measure it, the CPU time of the benchmark's (locked) OS thread. On a
// machine shared with other work the wall-clock tail mostly measures waiting
// for a CPU; the CPU-time tail is what the operation itself costs.
type latencies struct {
	locked     bool
	t0         time.Time
	c0         time.Duration
	wall, cpus []time.Duration
}

func (m *latencies) start() {
	if !m.locked {
		runtime.LockOSThread() // released when the benchmark goroutine exits
		m.locked = true
	}
	m.c0, _ = threadCPUTime()
	m.t0 = time.Now()
}

func (m *latencies) stop() {
	m.wall = append(m.wall, time.Since(m.t0))
	if c, ok := threadCPUTime(); ok {
		m.cpus = append(m.cpus, c-m.c0)
	}
}

func (m *latencies) report(b *testing.B) {
	pct := func(d []time.Duration, p float64) float64 {
		return float64(d[int(p*float64(len(d)-1))].Nanoseconds()) / 1e3
	}
	if len(m.wall) > 0 {
		slices.Sort(m.wall)
		b.ReportMetric(pct(m.wall, 0.50), "p50-µs")
		b.ReportMetric(pct(m.wall, 0.99), "p99-µs")
	}
	if len(m.cpus) > 0 {
		slices.Sort(m.cpus)
		b.ReportMetric(pct(m.cpus, 0.50), "cpu-p50-µs")
		b.ReportMetric(pct(m.cpus, 0.99), "cpu-p99-µs")
	}
}
