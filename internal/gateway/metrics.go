package gateway

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the gateway's Prometheus series. Label values are bounded:
// routes are mapped to a fixed set of names.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	authFail *prometheus.CounterVec
	reloads  *prometheus.CounterVec
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
	m.reg.MustRegister(m.requests, m.latency, m.authFail, m.reloads,
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

func (m *metrics) observe(r *http.Request, status int, d time.Duration) {
	route := routeLabel(r.URL.Path)
	m.requests.WithLabelValues(route, strconv.Itoa(status), Surface).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}

// handler serves the registry in the Prometheus text format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

func (m *metrics) authFailure(reason string) { m.authFail.WithLabelValues(reason).Inc() }

func (m *metrics) reload(ok bool) {
	if ok {
		m.reloads.WithLabelValues("ok").Inc()
	} else {
		m.reloads.WithLabelValues("rejected").Inc()
	}
}
