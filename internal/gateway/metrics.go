package gateway

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	vm "github.com/VictoriaMetrics/metrics"

	"github.com/openclaw/openclaw-go/internal/provider"
)

// metrics are the gateway's Prometheus series, kept in a VictoriaMetrics
// Set: that library costs a fraction of client_golang's start-up time (it
// does not pull in protobuf), which matters because every CLI command pays
// the init cost of everything the binary links.
//
// Label values are bounded: routes map to a fixed set of names, the rest
// come from the config (agents, providers, models) or fixed result codes.
// Series are created on first use and then found through a read-locked map
// keyed by the label values, so the hot path does not allocate.
type metrics struct {
	set *vm.Set

	requests series[*vm.Counter]
	latency  series[*vm.PrometheusHistogram]
	authFail series[*vm.Counter]
	reloads  series[*vm.Counter]
	inflight series[*vm.Gauge]
	attempts series[*vm.Counter]
	ttfb     series[*vm.PrometheusHistogram]
	tokens   series[*vm.Counter]
	turns    series[*vm.Counter]
	appends  series[*vm.PrometheusHistogram]
}

var (
	latencyBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120}
	ttfbBuckets    = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}
	// A session append takes tens of microseconds on a local disk; the
	// buckets resolve that and the 1 ms budget of issue #6, up to the
	// store's timeout.
	appendBuckets = []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
)

func newMetrics() *metrics {
	s := vm.NewSet()
	counter := func(name string) *vm.Counter { return s.NewCounter(name) }
	return &metrics{
		set: s,
		// Label names are listed in alphabetical order, as client_golang
		// writes them, so scrapers and dashboards see the same series.
		requests: newSeries("openclaw_http_requests_total", []string{"code", "route", "surface"}, counter),
		latency: newSeries("openclaw_http_request_duration_seconds", []string{"route"}, func(n string) *vm.PrometheusHistogram {
			return s.NewPrometheusHistogramExt(n, latencyBuckets)
		}),
		authFail: newSeries("openclaw_auth_failures_total", []string{"reason"}, counter),
		reloads:  newSeries("openclaw_config_reloads_total", []string{"result"}, counter),
		inflight: newSeries("openclaw_http_inflight_requests", []string{"route"}, func(n string) *vm.Gauge { return s.NewGauge(n, nil) }),
		attempts: newSeries("openclaw_upstream_attempts_total", []string{"model", "provider", "result"}, counter),
		ttfb: newSeries("openclaw_upstream_first_delta_seconds", []string{"provider"}, func(n string) *vm.PrometheusHistogram {
			return s.NewPrometheusHistogramExt(n, ttfbBuckets)
		}),
		tokens: newSeries("openclaw_tokens_total", []string{"kind", "model"}, counter),
		turns:  newSeries("openclaw_agent_turns_total", []string{"agent", "result"}, counter),
		appends: newSeries("openclaw_session_append_duration_seconds", []string{"agent", "result"}, func(n string) *vm.PrometheusHistogram {
			return s.NewPrometheusHistogramExt(n, appendBuckets)
		}),
	}
}

// series is one metric family: a metric per distinct tuple of label values.
type series[M any] struct {
	name   string
	labels []string
	create func(name string) M

	mu sync.RWMutex
	m  map[[3]string]M
}

func newSeries[M any](name string, labels []string, create func(string) M) series[M] {
	return series[M]{name: name, labels: labels, create: create, m: map[[3]string]M{}}
}

// with returns the metric for these label values, in the order of the
// family's label names, creating it on first use.
func (f *series[M]) with(values ...string) M {
	var key [3]string
	copy(key[:], values)
	f.mu.RLock()
	m, ok := f.m[key]
	f.mu.RUnlock()
	if ok {
		return m
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if m, ok = f.m[key]; !ok {
		m = f.create(seriesName(f.name, f.labels, values))
		f.m[key] = m
	}
	return m
}

// seriesName renders name{label="value",...} with the values escaped as
// the Prometheus text format requires.
func seriesName(name string, labels, values []string) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('{')
	for i, l := range labels {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(l)
		b.WriteString(`="`)
		b.WriteString(labelEscaper.Replace(values[i]))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// routeLabel maps a path to one of a fixed set of route names.
func routeLabel(p string) string {
	switch {
	case p == "/v1/chat/completions", p == "/v1/embeddings", p == "/v1/responses", p == "/v1/models",
		p == "/v1/openclaw/status", p == "/metrics":
		return p
	case strings.HasPrefix(p, "/v1/models/"):
		return "/v1/models/{id}"
	case p == "/health", p == "/healthz", p == "/ready", p == "/readyz", p == "/startup", p == "/startupz":
		return "health"
	}
	return "other"
}

// statusText holds the code label of the common statuses so that the hot
// path does not format one.
var statusText = func() map[int]string {
	m := map[int]string{}
	for _, c := range []int{200, 400, 401, 403, 404, 405, 408, 413, 429, 499, 500, 502, 503, 504} {
		m[c] = strconv.Itoa(c)
	}
	return m
}()

func codeLabel(status int) string {
	if s, ok := statusText[status]; ok {
		return s
	}
	return strconv.Itoa(status)
}

func (m *metrics) observe(route string, status int, d time.Duration) {
	m.requests.with(codeLabel(status), route, Surface).Inc()
	m.latency.with(route).Update(d.Seconds())
}

// handler serves the series, then the Go runtime and process metrics, in
// the Prometheus text format.
func (m *metrics) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		m.write(w)
	})
}

func (m *metrics) write(w io.Writer) {
	m.set.WritePrometheus(w)
	vm.WriteProcessMetrics(w)
}

// Attempt implements agent.Observer.
func (m *metrics) Attempt(providerID, model string, ttfb time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "error"
		if pe, ok := provider.AsError(err); ok {
			switch {
			case pe.Kind == provider.KindTimeout:
				result = "timeout"
			case pe.Kind == provider.KindUnreachable:
				result = "unreachable"
			case pe.Kind == provider.KindConfig:
				result = "not_configured"
			case pe.Status != 0:
				result = codeLabel(pe.Status)
			}
		}
	} else {
		m.ttfb.with(providerID).Update(ttfb.Seconds())
	}
	m.attempts.with(model, providerID, result).Inc()
}

// TurnDone implements agent.Observer.
func (m *metrics) TurnDone(agentID, model string, usage *provider.Usage, interrupted bool) {
	result := "complete"
	if interrupted {
		result = "interrupted"
	}
	m.turns.with(agentID, result).Inc()
	if usage != nil {
		m.tokens.with("prompt", model).Add(usage.PromptTokens)
		m.tokens.with("completion", model).Add(usage.CompletionTokens)
	}
}

// Recorded implements agent.Observer.
func (m *metrics) Recorded(agentID string, took time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.appends.with(agentID, result).Update(took.Seconds())
}

func (m *metrics) authFailure(reason string) { m.authFail.with(reason).Inc() }

func (m *metrics) reload(ok bool) {
	if ok {
		m.reloads.with("ok").Inc()
	} else {
		m.reloads.with("rejected").Inc()
	}
}
