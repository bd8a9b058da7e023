package gateway

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/openclaw/openclaw-go/internal/provider"
)

// metrics are the gateway's Prometheus series. Label values are bounded:
// routes are mapped to a fixed set of names.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	authFail *prometheus.CounterVec
	reloads  *prometheus.CounterVec
	inflight *prometheus.GaugeVec

	attempts *prometheus.CounterVec
	ttfb     *prometheus.HistogramVec
	tokens   *prometheus.CounterVec
	turns    *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "openclaw_http_requests_total", Help: "HTTP requests by route, status code and surface.",
	}, []string{"route", "code", "surface"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "openclaw_http_request_duration_seconds", Help: "HTTP request duration by route (streams: until the last byte).",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120},
	}, []string{"route"})
	m.authFail = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "openclaw_auth_failures_total", Help: "Rejected requests by reason code.",
	}, []string{"reason"})
	m.reloads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "openclaw_config_reloads_total", Help: "Config reloads by result.",
	}, []string{"result"})
	m.inflight = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "openclaw_http_inflight_requests", Help: "Requests being served by route; on the chat and responses routes this counts open streams.",
	}, []string{"route"})
	m.attempts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "openclaw_upstream_attempts_total", Help: "Provider calls by provider, model and result (ok, or the failure class).",
	}, []string{"provider", "model", "result"})
	m.ttfb = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "openclaw_upstream_first_delta_seconds", Help: "Time from the provider request to its first streamed delta.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
	}, []string{"provider"})
	m.tokens = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "openclaw_tokens_total", Help: "Tokens reported by providers, by model and kind (prompt, completion).",
	}, []string{"model", "kind"})
	m.turns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "openclaw_agent_turns_total", Help: "Agent turns by agent and result (complete, interrupted).",
	}, []string{"agent", "result"})
	m.reg.MustRegister(m.requests, m.latency, m.authFail, m.reloads, m.inflight, m.attempts, m.ttfb, m.tokens, m.turns,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

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

func (m *metrics) observe(route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status), Surface).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}

// handler serves the registry in the Prometheus text format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
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
				result = strconv.Itoa(pe.Status)
			}
		}
	} else {
		m.ttfb.WithLabelValues(providerID).Observe(ttfb.Seconds())
	}
	m.attempts.WithLabelValues(providerID, model, result).Inc()
}

// TurnDone implements agent.Observer.
func (m *metrics) TurnDone(agentID, model string, usage *provider.Usage, interrupted bool) {
	result := "complete"
	if interrupted {
		result = "interrupted"
	}
	m.turns.WithLabelValues(agentID, result).Inc()
	if usage != nil {
		m.tokens.WithLabelValues(model, "prompt").Add(float64(usage.PromptTokens))
		m.tokens.WithLabelValues(model, "completion").Add(float64(usage.CompletionTokens))
	}
}

func (m *metrics) authFailure(reason string) { m.authFail.WithLabelValues(reason).Inc() }

func (m *metrics) reload(ok bool) {
	if ok {
		m.reloads.WithLabelValues("ok").Inc()
	} else {
		m.reloads.WithLabelValues("rejected").Inc()
	}
}
