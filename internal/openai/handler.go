package openai

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/openclaw/openclaw-go/internal/imagefetch"
	"github.com/openclaw/openclaw-go/internal/jsonenc"

	"github.com/openclaw/openclaw-go/internal/agent"
	"github.com/openclaw/openclaw-go/internal/apierr"
	"github.com/openclaw/openclaw-go/internal/config"
)

// Options are the handler's dependencies.
type Options struct {
	// Runtime runs the agent turns. Required.
	Runtime *agent.Runtime
	// Endpoints returns the live endpoint toggles (read on every request,
	// so a config reload takes effect at once). Nil means every endpoint is
	// enabled and URL images are rejected.
	Endpoints func() config.Endpoints
	// CanOverrideModel reports whether the caller may send x-openclaw-model
	// (the gateway's auth decides: shared-secret callers may, identity-bearing
	// callers need operator.admin). Nil denies every override, so a gateway
	// that forgets to wire it fails closed.
	CanOverrideModel func(r *http.Request) bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger; nil means slog.Default().
	Logger *slog.Logger
	// Images fetches http(s) image URLs when images.allowUrl is on; nil
	// means a fetcher that dials public addresses only.
	Images *imagefetch.Fetcher
	// ResponseChains caps how many response ids /v1/responses remembers for
	// previous_response_id (default 10 000), and ResponseChainTTL how long
	// (default 24 h). The map lives in memory only: it does not survive a
	// restart, after which previous_response_id answers 400
	// previous_response_not_found (the session transcript itself persists).
	ResponseChains   int
	ResponseChainTTL time.Duration
}

// Config keys named in endpoint_disabled hints.
const (
	keyChatEnabled      = "gateway.http.endpoints.chatCompletions.enabled"
	keyResponsesEnabled = "gateway.http.endpoints.responses.enabled"
	keyAllowURLImages   = "gateway.http.endpoints.chatCompletions.images.allowUrl"
)

// Request headers of the OpenClaw extensions.
const (
	headerAgentID    = "X-Openclaw-Agent-Id"
	headerModel      = "X-Openclaw-Model"
	headerSessionKey = "X-Openclaw-Session-Key"
	headerChannel    = "X-Openclaw-Message-Channel"
)

// defaultChannel is the channel name passed to the agent when the request
// names none.
const defaultChannel = "openai-http"

// maxSessionKeyLen bounds x-openclaw-session-key and user-derived keys.
const maxSessionKeyLen = 512

type handler struct {
	rt          *agent.Runtime
	endpoints   func() config.Endpoints
	canOverride func(*http.Request) bool
	now         func() time.Time
	log         *slog.Logger
	created     int64 // "created" of the /v1/models entries: when the handler was built
	chains      *chainStore
	images      *imagefetch.Fetcher
}

// apiFunc is a handler that returns its error instead of writing it; errors
// are rendered by apierr.Write. A streaming handler that already sent its
// headers reports later failures in the stream and returns nil.
type apiFunc func(w http.ResponseWriter, r *http.Request) *apierr.Error

// NewHandler returns the handler for /v1/models, /v1/models/{id},
// /v1/chat/completions, /v1/embeddings and /v1/responses. It routes those
// paths itself; anything else under it answers 404 in the OpenAI error
// shape, a wrong method 405 with Allow.
func NewHandler(opts Options) http.Handler {
	h := &handler{
		rt:          opts.Runtime,
		endpoints:   opts.Endpoints,
		canOverride: opts.CanOverrideModel,
		now:         opts.Now,
		log:         opts.Logger,
	}
	if h.endpoints == nil {
		h.endpoints = func() config.Endpoints {
			return config.Endpoints{
				ChatCompletions: config.ChatCompletionsEndpoint{Enabled: true},
				Responses:       config.Toggle{Enabled: true},
			}
		}
	}
	if h.canOverride == nil {
		h.canOverride = func(*http.Request) bool { return false }
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.images = opts.Images; h.images == nil {
		h.images = imagefetch.New(false)
	}
	h.created = h.now().Unix()
	size, ttl := opts.ResponseChains, opts.ResponseChainTTL
	if size <= 0 {
		size = 10000
	}
	if ttl <= 0 {
		ttl = 24 * time.Hour
	}
	h.chains = newChainStore(size, ttl, h.now)
	return h.routes()
}

// routes lists the whole surface. Method-less patterns catch the other
// methods of a path so that they get a JSON 405 instead of ServeMux's text
// one.
func (h *handler) routes() http.Handler {
	mux := http.NewServeMux()
	chat := func(e config.Endpoints) bool { return e.ChatCompletions.Enabled }
	resp := func(e config.Endpoints) bool { return e.Responses.Enabled }

	mux.Handle("GET /v1/models", h.api(chat, keyChatEnabled, h.listModels))
	mux.Handle("/v1/models", h.api(chat, keyChatEnabled, methodNotAllowed("GET, HEAD")))
	mux.Handle("GET /v1/models/{id...}", h.api(chat, keyChatEnabled, h.getModel))
	mux.Handle("/v1/models/{id...}", h.api(chat, keyChatEnabled, methodNotAllowed("GET, HEAD")))
	mux.Handle("POST /v1/chat/completions", h.api(chat, keyChatEnabled, h.chatCompletions))
	mux.Handle("/v1/chat/completions", h.api(chat, keyChatEnabled, methodNotAllowed("POST")))
	mux.Handle("POST /v1/embeddings", h.api(chat, keyChatEnabled, h.embeddings))
	mux.Handle("/v1/embeddings", h.api(chat, keyChatEnabled, methodNotAllowed("POST")))
	mux.Handle("POST /v1/responses", h.api(resp, keyResponsesEnabled, h.responses))
	mux.Handle("/v1/responses", h.api(resp, keyResponsesEnabled, methodNotAllowed("POST")))
	mux.Handle("/", h.api(nil, "", notFound))
	return mux
}

// api adapts an apiFunc: it checks the endpoint toggle first (a disabled
// endpoint is 404 whatever the method), then renders a returned error.
func (h *handler) api(enabled func(config.Endpoints) bool, key string, f apiFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if enabled != nil && !enabled(h.endpoints()) {
			apierr.Write(w, apierr.New(http.StatusNotFound, "endpoint_disabled",
				"The endpoint "+r.URL.Path+" is disabled on this gateway.",
				"enable it with `openclaw config set "+key+" true` ("+key+" in openclaw.json)"))
			return
		}
		if e := f(w, r); e != nil {
			if e.Status >= 500 {
				h.log.LogAttrs(r.Context(), slog.LevelWarn, "openai request failed",
					slog.String("path", r.URL.Path), slog.Int("status", e.Status),
					slog.String("code", e.Code), slog.String("error", e.Message))
			}
			apierr.Write(w, e)
		}
	})
}

func methodNotAllowed(allow string) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) *apierr.Error {
		return apierr.New(http.StatusMethodNotAllowed, "method_not_allowed",
			"Method "+r.Method+" is not allowed on "+r.URL.Path+"; use "+allow+".", "").
			WithHeader("Allow", allow)
	}
}

func notFound(w http.ResponseWriter, r *http.Request) *apierr.Error {
	return apierr.New(http.StatusNotFound, "route_not_found",
		"No route "+r.Method+" "+r.URL.Path+".",
		"the OpenAI-compatible routes are /v1/models, /v1/chat/completions, /v1/embeddings and /v1/responses")
}

// reservedSessionPrefixes are session namespaces the gateway owns
// (gateway.md §6).
var reservedSessionPrefixes = []string{"subagent:", "cron:", "acp:"}

// sessionKey resolves the session of a turn: x-openclaw-session-key when
// sent, else one derived from user, else "" (stateless).
func sessionKey(r *http.Request, agentID, user string) (string, *apierr.Error) {
	if k := strings.TrimSpace(r.Header.Get(headerSessionKey)); k != "" {
		lower := strings.ToLower(k)
		for _, p := range reservedSessionPrefixes {
			if strings.HasPrefix(lower, p) {
				return "", &apierr.Error{Status: http.StatusBadRequest, Type: apierr.TypeInvalidRequest,
					Code:    "reserved_session_key",
					Message: "x-openclaw-session-key uses the reserved namespace \"" + p + "\".",
					Hint:    "the namespaces subagent:, cron: and acp: belong to the gateway; choose another key"}
			}
		}
		if len(k) > maxSessionKeyLen {
			return "", &apierr.Error{Status: http.StatusBadRequest, Type: apierr.TypeInvalidRequest,
				Code: "invalid_session_key", Message: "x-openclaw-session-key is longer than 512 bytes."}
		}
		return k, nil
	}
	if user != "" {
		if len(user) > maxSessionKeyLen {
			return "", apierr.Invalid("user", "invalid_value", "user must be at most 512 bytes.")
		}
		return "agent:" + agentID + ":openai-user:" + user, nil
	}
	return "", nil
}

// channel is the synthetic channel name of the request.
func channel(r *http.Request) string {
	if c := strings.TrimSpace(r.Header.Get(headerChannel)); c != "" {
		return c
	}
	return defaultChannel
}

// modelOverride returns x-openclaw-model if the caller may use it.
func (h *handler) modelOverride(r *http.Request) (string, *apierr.Error) {
	m := strings.TrimSpace(r.Header.Get(headerModel))
	if m == "" {
		return "", nil
	}
	if !h.canOverride(r) {
		return "", apierr.New(http.StatusForbidden, "missing_scope", "missing scope: operator.admin",
			"x-openclaw-model overrides the agent's backend model and needs the operator.admin scope; drop the header to use the agent's model")
	}
	return m, nil
}

// resolveModel maps a request's model id to an agent id (openai-http.md,
// "Model ids are agent targets").
func (h *handler) resolveModel(r *http.Request, model string) (string, *apierr.Error) {
	if model == "" {
		return "", apierr.Invalid("model", "missing_required_parameter", "model is required.").
			WithHint("use \"openclaw\" for the default agent or \"openclaw/<agentId>\"; GET /v1/models lists them")
	}
	var target string
	switch {
	case model == "openclaw":
		if id := strings.TrimSpace(r.Header.Get(headerAgentID)); id != "" {
			got, err := h.rt.ResolveAgent(id)
			if err != nil {
				return "", h.unknownModel("The agent "+quote(id)+" named by x-openclaw-agent-id is not configured.", err)
			}
			return got, nil
		}
		return h.rt.DefaultAgent(), nil
	case strings.HasPrefix(model, "openclaw/"):
		target = model[len("openclaw/"):]
	case strings.HasPrefix(model, "openclaw:"):
		target = model[len("openclaw:"):]
	case strings.HasPrefix(model, "agent:"):
		target = model[len("agent:"):]
	default:
		return "", h.unknownModel("The model "+quote(model)+" does not exist: model ids on this gateway are agent targets.", nil)
	}
	if target == "" {
		return "", h.unknownModel("The model "+quote(model)+" does not name an agent.", nil)
	}
	got, err := h.rt.ResolveAgent(target)
	if err != nil {
		return "", h.unknownModel("The model "+quote(model)+" does not exist: no agent "+quote(target)+" is configured.", err)
	}
	return got, nil
}

func (h *handler) unknownModel(msg string, cause error) *apierr.Error {
	if cause != nil && !errors.Is(cause, agent.ErrUnknownAgent) {
		return agent.APIError(cause)
	}
	e := apierr.New(http.StatusNotFound, "model_not_found", msg,
		"valid model ids: "+strings.Join(h.modelIDs(), ", ")+" (GET /v1/models lists them)")
	e.Param = "model"
	return e
}

// quote renders s for an error message.
func quote(s string) string {
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return string(jsonenc.String(nil, s))
}
