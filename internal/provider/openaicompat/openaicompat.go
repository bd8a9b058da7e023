// Package openaicompat is the provider adapter for the `openai-completions`
// API kind: OpenAI's Chat Completions wire format, which OpenAI, Ollama,
// vLLM, llama.cpp server, LM Studio, OpenRouter, Groq and many others speak.
// It translates neutral provider.Requests to POST {baseUrl}/chat/completions
// (streamed unless Request.NoStream) and the SSE reply, or the whole
// chat.completion, back to neutral provider.Deltas, and
// POST {baseUrl}/embeddings to vectors. It does not know agents, sessions or
// the gateway's own OpenAI surface (that is internal/openai).
//
// Why not the official openai-go SDK: the gateway relays every streamed chunk
// of every concurrent completion, so this path must add microseconds and at
// most two allocations per relayed SSE chunk. A lean client on net/http and
// encoding/json lets us reuse one SSE line buffer and one JSON decoder per
// stream, decode chunks into a small fixed struct instead of a general
// object model, and control connection pooling, timeouts and cancellation
// exactly (connect, first-byte and idle timeouts each cancel the upstream
// request). The SDK's general-purpose decoding and retry layers would cost
// allocations per chunk and hide the errors we need to classify for failover.
package openaicompat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/openclaw/openclaw-go/internal/provider"
	"github.com/openclaw/openclaw-go/internal/provider/internal/upstream"
)

// Token-cap field names (models.providers.<id>.maxTokensField).
const (
	MaxCompletionTokens = "max_completion_tokens"
	MaxTokens           = "max_tokens"
)

// DefaultBaseURL is OpenAI's API base.
const DefaultBaseURL = "https://api.openai.com/v1"

// Options configures one OpenAI-compatible provider.
type Options struct {
	// ID is the provider id ("openai", "ollama", a models.providers key).
	ID string
	// BaseURL is the API base including the version path, e.g.
	// https://api.openai.com/v1 or http://127.0.0.1:11434/v1.
	BaseURL string
	// APIKey is sent as "Authorization: Bearer"; empty sends no
	// Authorization header (Ollama, llama.cpp).
	APIKey string
	// Headers are extra request headers; they override the defaults.
	Headers map[string]string
	// MaxTokensField is MaxCompletionTokens (default) or MaxTokens.
	MaxTokensField string
	// Timeouts bound each call; zero fields take the defaults.
	Timeouts provider.Timeouts
	// Client sends the requests. Nil builds one on provider.NewTransport();
	// pass a shared client so many providers share one connection pool.
	Client *http.Client
	// AuthHint is the Hint given with a 401/403 from the provider, e.g.
	// "check OPENAI_API_KEY or models.providers.openai.apiKey".
	AuthHint string
}

type client struct {
	opts       Options
	chatURL    string
	embedURL   string
	maxTokKey  string
	authHeader []string    // Authorization value, nil without an API key
	headers    http.Header // Options.Headers, canonical
}

// New returns a Provider speaking the Chat Completions API.
func New(o Options) provider.Provider {
	if o.BaseURL == "" {
		o.BaseURL = DefaultBaseURL
	}
	if o.Client == nil {
		o.Client = &http.Client{Transport: provider.NewTransport()}
	}
	base := strings.TrimRight(o.BaseURL, "/")
	c := &client{opts: o, chatURL: base + "/chat/completions", embedURL: base + "/embeddings", maxTokKey: o.MaxTokensField}
	if c.maxTokKey != MaxTokens {
		c.maxTokKey = MaxCompletionTokens
	}
	if o.APIKey != "" {
		c.authHeader = []string{"Bearer " + o.APIKey}
	}
	if len(o.Headers) > 0 {
		c.headers = make(http.Header, len(o.Headers))
		for k, v := range o.Headers {
			c.headers.Set(k, v)
		}
	}
	return c
}

func (c *client) ID() string { return c.opts.ID }

// newRequest builds a POST of body. stream asks for an event stream;
// identity turns off the transport's transparent gzip (compressing proxies
// buffer SSE, and a small completion is cheaper to relay uncompressed).
func (c *client) newRequest(ctx context.Context, url string, body []byte, stream, identity bool) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, &provider.Error{Provider: c.opts.ID, Kind: provider.KindConfig, Message: "invalid baseUrl: " + err.Error(), Err: err,
			Hint: fmt.Sprintf("check models.providers.%s.baseUrl", c.opts.ID)}
	}
	// The value slices are shared between requests (nothing in net/http
	// modifies a request's header values): one allocation fewer per header.
	h := req.Header
	h["Content-Type"] = hdrJSON
	if stream {
		h["Accept"] = hdrEventStream
	} else {
		h["Accept"] = hdrJSON
	}
	if identity {
		h["Accept-Encoding"] = hdrIdentity
	}
	if c.authHeader != nil {
		h["Authorization"] = c.authHeader
	}
	for k, v := range c.headers {
		h[k] = v
	}
	return req, nil
}

var (
	hdrJSON        = []string{"application/json"}
	hdrEventStream = []string{"text/event-stream"}
	hdrIdentity    = []string{"identity"}
)

func (c *client) target(model string) upstream.Target {
	return upstream.Target{Provider: c.opts.ID, Model: model, AuthHint: c.opts.AuthHint}
}

// Stream implements provider.Provider.
func (c *client) Stream(ctx context.Context, req *provider.Request) (provider.Stream, error) {
	body := c.appendRequest(make([]byte, 0, requestSize(req)), req)
	hreq, err := c.newRequest(ctx, c.chatURL, body, !req.NoStream, true)
	if err != nil {
		return nil, err
	}
	timeouts := c.opts.Timeouts
	if req.NoStream {
		timeouts = timeouts.NonStreamed()
	}
	call, err := upstream.Start(ctx, c.opts.Client, hreq, timeouts, c.target(req.Model), parseError)
	if err != nil {
		return nil, err
	}
	if wholeBody(call.Resp.Header.Get("Content-Type"), req.NoStream) {
		return newWholeStream(call, call, c.opts.ID, req.Model), nil
	}
	return newStream(call, call, c.opts.ID, req.Model), nil
}

// wholeBody tells from the response Content-Type whether the body is one
// completion rather than an event stream: JSON always is (a server that
// ignored stream:true), and an answer to a non-stream request is unless it
// is an event stream (a server that streams regardless).
func wholeBody(contentType string, noStream bool) bool {
	if strings.HasPrefix(contentType, "application/json") {
		return true
	}
	return noStream && !strings.HasPrefix(contentType, "text/event-stream")
}

// Embed implements provider.Provider.
func (c *client) Embed(ctx context.Context, req *provider.EmbedRequest) (*provider.EmbedResponse, error) {
	input := req.Input
	if input == nil {
		input = []string{}
	}
	body, err := json.Marshal(embedRequest{Model: req.Model, Input: input, EncodingFormat: "float"})
	if err != nil {
		return nil, &provider.Error{Provider: c.opts.ID, Model: req.Model, Kind: provider.KindConfig, Message: "encode request: " + err.Error(), Err: err}
	}
	hreq, err := c.newRequest(ctx, c.embedURL, body, false, false)
	if err != nil {
		return nil, err
	}
	call, err := upstream.Start(ctx, c.opts.Client, hreq, c.opts.Timeouts, c.target(req.Model), parseError)
	if err != nil {
		return nil, err
	}
	defer call.Close()
	var resp embedResponse
	if err := json.NewDecoder(call).Decode(&resp); err != nil {
		if _, ok := provider.AsError(err); ok || err == upstream.ErrClosed {
			return nil, err
		}
		return nil, &provider.Error{Provider: c.opts.ID, Model: req.Model, Kind: provider.KindProtocol, Message: "invalid embeddings response: " + err.Error(), Err: err}
	}
	call.Done()
	if len(resp.Data) != len(req.Input) {
		return nil, &provider.Error{Provider: c.opts.ID, Model: req.Model, Kind: provider.KindProtocol,
			Message: fmt.Sprintf("embeddings response has %d vectors for %d inputs", len(resp.Data), len(req.Input))}
	}
	sort.SliceStable(resp.Data, func(i, j int) bool { return resp.Data[i].Index < resp.Data[j].Index })
	out := &provider.EmbedResponse{Vectors: make([][]float64, len(resp.Data))}
	for i, d := range resp.Data {
		if d.Index != i {
			return nil, &provider.Error{Provider: c.opts.ID, Model: req.Model, Kind: provider.KindProtocol,
				Message: fmt.Sprintf("embeddings response has no vector for input %d", i)}
		}
		out.Vectors[i] = d.Embedding
	}
	if resp.Usage != nil {
		out.Usage = resp.Usage.neutral()
	}
	return out, nil
}

// parseError reads OpenAI's {"error":{"message","type","code"}} body. Some
// compatible servers send {"error":"text"} or {"message":…}; accept those.
func parseError(body []byte) (string, string, bool) {
	var e struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  string          `json:"detail"`
	}
	if json.Unmarshal(body, &e) != nil {
		return "", "", false
	}
	if len(e.Error) > 0 {
		var obj wireError
		if json.Unmarshal(e.Error, &obj) == nil && (obj.Message != "" || obj.Type != "") {
			return obj.Message, obj.Type, true
		}
		var s string
		if json.Unmarshal(e.Error, &s) == nil && s != "" {
			return s, "", true
		}
	}
	if e.Message != "" {
		return e.Message, "", true
	}
	if e.Detail != "" {
		return e.Detail, "", true
	}
	return "", "", false
}

// ensure the call's reader satisfies the stream's source.
var _ io.Reader = (*upstream.Call)(nil)
