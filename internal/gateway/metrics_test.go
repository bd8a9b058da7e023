package gateway

import (
	"strings"
	"testing"
	"time"
)

func TestMetricsTextFormat(t *testing.T) {
	m := newMetrics()
	m.observe("/v1/chat/completions", 200, 3*time.Millisecond)
	m.observe("/v1/chat/completions", 200, time.Millisecond)
	m.TurnDone("main", `odd"model\name`, nil, false)
	m.authFailure("gateway_token_mismatch")
	m.Recorded("main", 80*time.Microsecond, nil)
	m.Recorded("main", 3*time.Millisecond, nil)
	var b strings.Builder
	m.write(&b)
	out := b.String()
	for _, want := range []string{
		`openclaw_http_requests_total{code="200",route="/v1/chat/completions",surface="gateway"} 2`,
		`openclaw_http_request_duration_seconds_bucket{route="/v1/chat/completions",le="0.001"} 1`,
		`openclaw_http_request_duration_seconds_bucket{route="/v1/chat/completions",le="0.005"} 2`,
		`openclaw_http_request_duration_seconds_count{route="/v1/chat/completions"} 2`,
		`openclaw_agent_turns_total{agent="main",result="complete"} 1`,
		`openclaw_auth_failures_total{reason="gateway_token_mismatch"} 1`,
		`openclaw_session_append_duration_seconds_bucket{agent="main",result="ok",le="0.0001"} 1`,
		`openclaw_session_append_duration_seconds_bucket{agent="main",result="ok",le="0.001"} 1`,
		`openclaw_session_append_duration_seconds_bucket{agent="main",result="ok",le="0.005"} 2`,
		"go_goroutines ",
		"go_memstats_heap_inuse_bytes ",
		"process_resident_memory_bytes ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in:\n%s", want, out)
		}
	}
	if strings.Contains(out, `odd"model`) {
		t.Errorf("label value not escaped:\n%s", out)
	}
}

func BenchmarkMetricsObserve(b *testing.B) {
	m := newMetrics()
	b.ReportAllocs()
	for b.Loop() {
		g := m.inflight.with("/v1/chat/completions")
		g.Inc()
		m.observe("/v1/chat/completions", 200, time.Millisecond)
		g.Dec()
	}
}
