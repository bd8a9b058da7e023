package gateway

import (
	"encoding/json"
	"net/http"
	"path"
	"strings"

	"github.com/openclaw/openclaw-go/internal/apierr"
	"github.com/openclaw/openclaw-go/internal/auth"
)

// routes lists every route of the main listener in one place.
//
//	GET/HEAD /health, /healthz      liveness, no auth
//	GET/HEAD /startup, /startupz    503 starting/draining, else 200
//	GET/HEAD /ready, /readyz        503 while starting, draining or a channel fails
//	/v1/models, /v1/models/{id}     gateway auth; enabled with chatCompletions
//	POST /v1/chat/completions       gateway auth
//	POST /v1/embeddings             gateway auth; enabled with chatCompletions
//	POST /v1/responses              gateway auth; endpoints.responses
//	GET /v1/openclaw/status         gateway auth; process and channel status
//	GET /metrics                    gateway auth; Prometheus metrics
//	<msteams webhook path>          Bot Framework JWT (when webhook.port is "gateway")
//	anything else                   404 JSON naming the routes that exist
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	for _, p := range []string{"/health", "/healthz"} {
		mux.HandleFunc(p, s.handleHealth)
	}
	for _, p := range []string{"/startup", "/startupz"} {
		mux.HandleFunc(p, s.handleStartup)
	}
	for _, p := range []string{"/ready", "/readyz"} {
		mux.HandleFunc(p, s.handleReady)
	}
	api := s.authenticated(s.api)
	mux.Handle("/v1/", api)
	mux.Handle("/v1/openclaw/status", s.authenticated(http.HandlerFunc(s.handleStatus)))
	mux.Handle("/metrics", s.authenticated(s.metrics.handler()))
	mux.Handle("/", http.HandlerFunc(s.handleRoot))
	return s.common(canonicalPath(mux))
}

// canonicalPath answers a path that is not in canonical form (double
// slashes, dot segments, or /v1 without its slash) with a JSON 404 naming
// the canonical path. ServeMux would redirect it with an HTML body, and an
// API is never answered with HTML; a redirect would also turn a proxy's
// path bug into a silent extra round trip (or a dropped POST body).
func canonicalPath(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if c := cleanPath(p); c != p || p == "/v1" {
			if p == "/v1" {
				c = "/v1/models"
			}
			apierr.Write(w, apierr.New(http.StatusNotFound, "route_not_found",
				"No route "+r.Method+" "+p+" on the OpenClaw gateway: the path is not in canonical form.",
				"send the request to "+c+" (no double slashes or dot segments); if a reverse proxy builds the path, fix its rewrite"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// cleanPath is ServeMux's canonical form of p: path.Clean, keeping a
// trailing slash.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if p[len(p)-1] == '/' && np != "/" {
		np += "/"
	}
	return np
}

// authenticated runs the live authenticator before next and puts the
// principal in the request context.
func (s *Server) authenticated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, aerr := s.live.Load().auth.Authenticate(r)
		if aerr != nil {
			s.metrics.authFailure(aerr.Code)
			apierr.Write(w, aerr)
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
	})
}

// handleRoot serves the Teams webhook when it is mounted on this port, and a
// JSON 404 for everything else (never an HTML page).
func (s *Server) handleRoot(w http.ResponseWriter, r *http.Request) {
	if h := s.mountedWebhook(r.URL.Path); h != nil {
		h.ServeHTTP(w, r)
		return
	}
	if r.URL.Path == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		writeJSON(w, http.StatusOK, map[string]any{
			"service": "openclaw-gateway",
			"surface": Surface,
			"api":     "/v1",
			"health":  "/healthz",
			"ready":   "/readyz",
		})
		return
	}
	hint := "the OpenAI-compatible API is under /v1 (e.g. GET /v1/models, POST /v1/chat/completions); health checks are /healthz and /readyz"
	if !strings.HasPrefix(r.URL.Path, "/v1/") && strings.Contains(r.URL.Path, "/v1/") {
		hint = "the path has a prefix before /v1/; if a reverse proxy adds it, strip the prefix before forwarding to the gateway"
	}
	apierr.Write(w, apierr.New(http.StatusNotFound, "route_not_found",
		"No route "+r.Method+" "+r.URL.Path+" on the OpenClaw gateway.", hint))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func methodGetHead(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	apierr.Write(w, apierr.New(http.StatusMethodNotAllowed, "method_not_allowed",
		"Method "+r.Method+" is not allowed on "+r.URL.Path+".", "use GET or HEAD").WithHeader("Allow", "GET, HEAD"))
	return false
}
