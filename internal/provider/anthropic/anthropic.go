// Package anthropic is the provider adapter for the `anthropic-messages` API
// kind: Anthropic's Messages API. It translates neutral provider.Requests to
// POST {baseUrl}/v1/messages (streamed unless Request.NoStream) and the
// named SSE events of the reply, or the whole message, back to neutral
// provider.Deltas. Anthropic has no embeddings
// API; Embed fails with a config error that says what to set instead. It
// does not know agents, sessions or the gateway's HTTP surface.
//
// Why not the official anthropic-sdk-go: the gateway relays every streamed
// event of every concurrent completion, so this path must add microseconds
// and at most two allocations per relayed SSE event. A lean client on
// net/http and encoding/json reuses one SSE line buffer and one JSON decoder
// per stream, dispatches on the SSE event name without decoding a generic
// union type, and controls connection pooling, timeouts and cancellation
// exactly. The SDK's general-purpose event unions and retry layers would cost
// allocations per event and hide the errors we classify for failover.
package anthropic

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/openclaw/openclaw-go/internal/provider"
	"github.com/openclaw/openclaw-go/internal/provider/internal/upstream"
)

// Defaults of the Messages API.
const (
	DefaultBaseURL   = "https://api.anthropic.com"
	DefaultVersion   = "2023-06-01"
	DefaultMaxTokens = 4096
)

// Options configures one Anthropic Messages provider.
type Options struct {
	// ID is the provider id ("anthropic" or a models.providers key).
	ID string
	// BaseURL is the API origin without /v1 (default DefaultBaseURL).
	BaseURL string
	// APIKey is sent as x-api-key; empty sends none (for proxies that
	// authenticate otherwise).
	APIKey string
	// Version is the anthropic-version header (default DefaultVersion).
	Version string
	// Headers are extra request headers (e.g. anthropic-beta); they
	// override the defaults.
	Headers map[string]string
	// DefaultMaxTokens is max_tokens when neither the request nor
	// ModelMaxTokens sets it (default DefaultMaxTokens). The Messages API
	// requires max_tokens.
	DefaultMaxTokens int
	// ModelMaxTokens holds the configured maxTokens per model id.
	ModelMaxTokens map[string]int
	// Timeouts bound each call; zero fields take the defaults.
	Timeouts provider.Timeouts
	// Client sends the requests. Nil builds one on provider.NewTransport().
	Client *http.Client
	// AuthHint is the Hint given with a 401/403 from the provider.
	AuthHint string
}

type client struct {
	opts Options
	url  string
}

// New returns a Provider speaking the Anthropic Messages API.
func New(o Options) provider.Provider {
	if o.BaseURL == "" {
		o.BaseURL = DefaultBaseURL
	}
	if o.Version == "" {
		o.Version = DefaultVersion
	}
	if o.DefaultMaxTokens <= 0 {
		o.DefaultMaxTokens = DefaultMaxTokens
	}
	if o.Client == nil {
		o.Client = &http.Client{Transport: provider.NewTransport()}
	}
	base := strings.TrimRight(o.BaseURL, "/")
	base = strings.TrimSuffix(base, "/v1") // accept a base written with the version path
	return &client{opts: o, url: base + "/v1/messages"}
}

func (c *client) ID() string { return c.opts.ID }

// Stream implements provider.Provider.
func (c *client) Stream(ctx context.Context, req *provider.Request) (provider.Stream, error) {
	w := c.buildRequest(req)
	body := w.appendJSON(make([]byte, 0, w.requestSize()))
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, &provider.Error{Provider: c.opts.ID, Model: req.Model, Kind: provider.KindConfig, Message: "invalid baseUrl: " + err.Error(), Err: err,
			Hint: fmt.Sprintf("check models.providers.%s.baseUrl", c.opts.ID)}
	}
	h := hreq.Header
	h.Set("Content-Type", "application/json")
	if req.NoStream {
		h.Set("Accept", "application/json")
	} else {
		h.Set("Accept", "text/event-stream")
	}
	// No transparent gzip: compressing proxies buffer SSE, and a small
	// message is cheaper to relay uncompressed.
	h.Set("Accept-Encoding", "identity")
	h.Set("anthropic-version", c.opts.Version)
	if c.opts.APIKey != "" {
		h.Set("x-api-key", c.opts.APIKey)
	}
	for k, v := range c.opts.Headers {
		h.Set(k, v)
	}
	target := upstream.Target{Provider: c.opts.ID, Model: req.Model, AuthHint: c.opts.AuthHint}
	timeouts := c.opts.Timeouts
	if req.NoStream {
		timeouts = timeouts.NonStreamed()
	}
	call, err := upstream.Start(ctx, c.opts.Client, hreq, timeouts, target, parseError)
	if err != nil {
		return nil, err
	}
	if wholeBody(call.Resp.Header.Get("Content-Type"), req.NoStream) {
		return newWholeStream(call, call, c.opts.ID, req.Model), nil
	}
	return newStream(call, call, c.opts.ID, req.Model), nil
}

// wholeBody tells from the response Content-Type whether the body is one
// message rather than an event stream: JSON always is, and an answer to a
// non-stream request is unless it is an event stream.
func wholeBody(contentType string, noStream bool) bool {
	if strings.HasPrefix(contentType, "application/json") {
		return true
	}
	return noStream && !strings.HasPrefix(contentType, "text/event-stream")
}

// Embed implements provider.Provider: Anthropic has no embeddings API.
func (c *client) Embed(ctx context.Context, req *provider.EmbedRequest) (*provider.EmbedResponse, error) {
	return nil, &provider.Error{
		Provider: c.opts.ID,
		Model:    req.Model,
		Kind:     provider.KindConfig,
		Message:  "anthropic has no embeddings API",
		Hint:     "set agents.defaults.embedding.model to an OpenAI-compatible provider",
	}
}

// errorBody is Anthropic's error shape, in responses and in "error" events:
// {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}.
type errorBody struct {
	Error *struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

func parseError(body []byte) (string, string, bool) {
	var e errorBody
	if json.Unmarshal(body, &e) != nil || e.Error == nil {
		return "", "", false
	}
	return e.Error.Message, e.Error.Type, true
}

// statusOf maps an error type to the HTTP status Anthropic documents for it,
// so that an error event inside a 200 stream classifies like the response
// it stands for (overloaded_error → 529, retryable).
func statusOf(errType string) int {
	switch errType {
	case "invalid_request_error":
		return http.StatusBadRequest
	case "authentication_error":
		return http.StatusUnauthorized
	case "billing_error":
		return http.StatusPaymentRequired
	case "permission_error":
		return http.StatusForbidden
	case "not_found_error":
		return http.StatusNotFound
	case "request_too_large":
		return http.StatusRequestEntityTooLarge
	case "rate_limit_error":
		return http.StatusTooManyRequests
	case "timeout_error":
		return http.StatusGatewayTimeout
	case "overloaded_error":
		return 529
	}
	return http.StatusInternalServerError // api_error and unknown types
}
