package gateway

import (
	"context"
	"net/http"
	"net/netip"
	"os"
	"time"

	"github.com/openclaw/openclaw-go/internal/version"
)

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	if !methodGetHead(w, r) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "status": "live"})
}

func (s *Server) handleStartup(w http.ResponseWriter, r *http.Request) {
	if !methodGetHead(w, r) {
		return
	}
	switch s.phase.Load() {
	case phaseStarting:
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"ok": false, "status": "starting"})
	case phaseDraining:
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"ok": false, "status": "draining"})
	default:
		writeJSON(w, http.StatusOK, map[string]any{"ok": true, "status": "started"})
	}
}

// readiness runs the checks behind /readyz: the process phase, the session
// store and each configured channel.
func (s *Server) readiness(ctx context.Context) (ready bool, status string, checks map[string]string) {
	checks = map[string]string{}
	ready = true
	switch s.phase.Load() {
	case phaseStarting:
		ready, status = false, "starting"
	case phaseDraining:
		ready, status = false, "draining"
	default:
		status = "ready"
	}
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := s.store.Ping(pctx); err != nil {
		checks["sessionStore"] = "failing: " + err.Error()
		ready = false
		if status == "ready" {
			status = "degraded"
		}
	} else {
		checks["sessionStore"] = "ok (" + s.driver + ")"
	}
	// Shared state (Redis) down is degraded, not unready: the replica
	// serves on local limits (docs/deployment.md).
	check, degraded := s.shared.readiness(pctx)
	checks["sharedState"] = check
	if degraded && status == "ready" {
		status = "degraded"
	}
	if name, err, ok := s.teamsReady(); ok {
		if err != nil {
			checks[name] = "failing: " + err.Error()
			ready = false
			if status == "ready" {
				status = "degraded"
			}
		} else {
			checks[name] = "ok"
		}
	}
	return ready, status, checks
}

func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	if !methodGetHead(w, r) {
		return
	}
	ready, status, checks := s.readiness(r.Context())
	body := map[string]any{"ok": ready, "status": status}
	// Details only for loopback or authenticated callers.
	if isLoopbackPeer(r) || s.authenticatedQuietly(r) {
		body["checks"] = checks
	}
	code := http.StatusOK
	if !ready {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, body)
}

// authenticatedQuietly reports whether r carries valid gateway credentials,
// without rendering an error.
func (s *Server) authenticatedQuietly(r *http.Request) bool {
	if r.Header.Get("Authorization") == "" {
		return false
	}
	_, err := s.live.Load().auth.Authenticate(r)
	return err == nil
}

func isLoopbackPeer(r *http.Request) bool {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	return err == nil && ap.Addr().Unmap().IsLoopback() &&
		r.Header.Get("X-Forwarded-For") == "" && r.Header.Get("Forwarded") == ""
}

// Status is the body of GET /v1/openclaw/status. Field names are stable:
// `openclaw gateway status --json` and `openclaw channels status` read them.
type Status struct {
	Service       string            `json:"service"`
	Version       string            `json:"version"`
	Commit        string            `json:"commit"`
	PID           int               `json:"pid"`
	StartedAt     time.Time         `json:"startedAt"`
	UptimeSeconds float64           `json:"uptimeSeconds"`
	Phase         string            `json:"phase"`
	Ready         bool              `json:"ready"`
	Checks        map[string]string `json:"checks"`
	Bind          string            `json:"bind"`
	Port          int               `json:"port"`
	Listen        []string          `json:"listen"`
	AuthMode      string            `json:"authMode"`
	Endpoints     map[string]bool   `json:"endpoints"`
	Agents        []string          `json:"agents"`
	DefaultAgent  string            `json:"defaultAgent"`
	Channels      map[string]any    `json:"channels"`
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	if !methodGetHead(w, r) {
		return
	}
	writeJSON(w, http.StatusOK, s.Status(r.Context()))
}

// Status snapshots the running gateway.
func (s *Server) Status(ctx context.Context) Status {
	cfg := s.live.Load().cfg
	ready, phase, checks := s.readiness(ctx)
	st := Status{
		Service: "openclaw-gateway", Version: version.Version(), Commit: version.Commit(),
		PID: os.Getpid(), StartedAt: s.started.UTC(), UptimeSeconds: time.Since(s.started).Seconds(),
		Phase: phase, Ready: ready, Checks: checks,
		Bind: cfg.Gateway.Bind, Port: cfg.Gateway.Port, AuthMode: cfg.Gateway.Auth.Mode,
		Endpoints: map[string]bool{
			"chatCompletions": cfg.Gateway.HTTP.Endpoints.ChatCompletions.Enabled,
			"responses":       cfg.Gateway.HTTP.Endpoints.Responses.Enabled,
		},
		DefaultAgent: s.runtime.DefaultAgent(),
		Channels:     map[string]any{},
	}
	s.listenMu.Lock()
	st.Listen = append([]string(nil), s.listen...)
	s.listenMu.Unlock()
	for _, a := range s.runtime.Agents() {
		st.Agents = append(st.Agents, a.ID)
	}
	if name, v, ok := s.teamsStatus(); ok {
		st.Channels[name] = v
	}
	return st
}
