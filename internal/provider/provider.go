// Package provider defines the neutral request and streaming-delta types that
// every LLM backend adapter speaks, and the Provider interface they implement.
// It knows nothing about HTTP handlers, agents or sessions; the wire formats of
// real providers live in the subpackages (openaicompat, anthropic).
package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Provider is one configured LLM backend (e.g. "openai", "anthropic", a custom
// entry of models.providers).
type Provider interface {
	// ID is the provider id as configured ("openai", "local", …).
	ID() string
	// Stream starts one completion. It returns once the upstream answered with
	// a success status (so that errors before the first byte can be retried or
	// failed over) or with an *Error. The caller must Close the stream.
	// Stream must not keep req, or anything req points to, after it returns:
	// the caller reuses the message list.
	Stream(ctx context.Context, req *Request) (Stream, error)
	// Embed returns one vector per input.
	Embed(ctx context.Context, req *EmbedRequest) (*EmbedResponse, error)
}

// Stream yields neutral deltas. Next returns io.EOF after the last delta.
// An error after some deltas means the upstream failed mid-stream.
type Stream interface {
	Next() (Delta, error)
	Close() error
}

// Buffered is implemented by streams that can tell whether their next
// delta is available without waiting for the upstream. A relay uses it to
// flush its client only before it would wait, so that a burst of upstream
// events costs one write to the client instead of one each.
type Buffered interface {
	Buffered() bool
}

// Role values used in Message.Role.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
	RoleTool      = "tool"
)

// Message is one conversation message in neutral form.
type Message struct {
	Role       string     `json:"role"`
	Content    string     `json:"content,omitempty"`
	Parts      []Part     `json:"parts,omitempty"` // multimodal content; when set, Content is ignored
	ToolCalls  []ToolCall `json:"tool_calls,omitempty"`
	ToolCallID string     `json:"tool_call_id,omitempty"`
	Name       string     `json:"name,omitempty"`
}

// Part is one piece of multimodal content.
type Part struct {
	Type     string `json:"type"` // "text" or "image"
	Text     string `json:"text,omitempty"`
	ImageURL string `json:"image_url,omitempty"` // data: URL or https URL
}

// ToolCall is a complete tool call made by the assistant.
type ToolCall struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Arguments string `json:"arguments"` // JSON text
}

// Tool is a client-supplied function the model may call.
type Tool struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"` // JSON Schema
}

// ToolChoice modes.
const (
	ToolChoiceAuto     = "auto"
	ToolChoiceNone     = "none"
	ToolChoiceRequired = "required"
	ToolChoiceFunction = "function"
)

// ToolChoice constrains tool use. Name is set when Mode is ToolChoiceFunction.
type ToolChoice struct {
	Mode string
	Name string
}

// Request is one completion request in neutral form.
type Request struct {
	Model            string // backend model id (without the provider prefix)
	System           string // full system prompt
	Messages         []Message
	Tools            []Tool
	ToolChoice       *ToolChoice
	MaxTokens        int // 0: provider default
	Temperature      *float64
	TopP             *float64
	FrequencyPenalty *float64
	PresencePenalty  *float64
	Seed             *int64
	Stop             []string
	User             string
	// NoStream asks the upstream for one whole (non-streamed) completion
	// instead of an event stream, for callers that collect the reply
	// anyway: one JSON body costs less to produce and parse than a stream of
	// small events. The returned Stream yields the same kinds of deltas
	// (text, tool calls, finish reason, usage last), only fewer and larger.
	// Errors, status mapping and Retry-After are as for a stream; the wait
	// for the answer is bounded by Timeouts.NonStreamed.
	NoStream bool
}

// Delta is one streamed increment. Exactly one of the fields is normally set.
type Delta struct {
	Text         string
	ToolCall     *ToolCallDelta
	Usage        *Usage
	FinishReason string // "stop", "length", "tool_calls", "content_filter"
}

// ToolCallDelta is a fragment of a tool call. The first fragment of a call
// carries ID and Name; later ones append to Arguments.
type ToolCallDelta struct {
	Index     int
	ID        string
	Name      string
	Arguments string
}

// Usage is token usage as reported by the provider. Never invented.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// AppendJSON appends u as json.Marshal writes it, without reflection (SSE
// usage chunks and transcript lines write it on every turn).
func (u Usage) AppendJSON(b []byte) []byte {
	b = append(b, `{"prompt_tokens":`...)
	b = strconv.AppendInt(b, int64(u.PromptTokens), 10)
	b = append(b, `,"completion_tokens":`...)
	b = strconv.AppendInt(b, int64(u.CompletionTokens), 10)
	b = append(b, `,"total_tokens":`...)
	b = strconv.AppendInt(b, int64(u.TotalTokens), 10)
	return append(b, '}')
}

// EmbedRequest asks for embeddings.
type EmbedRequest struct {
	Model string
	Input []string
}

// EmbedResponse holds one vector per input, in input order.
type EmbedResponse struct {
	Vectors [][]float64
	Usage   *Usage
}

// ErrorKind classifies provider failures for retry and status mapping.
type ErrorKind int

const (
	// KindUpstream: the provider answered with an error status.
	KindUpstream ErrorKind = iota
	// KindUnreachable: connection refused, DNS failure, reset before a reply.
	KindUnreachable
	// KindTimeout: connect, first-byte or idle timeout.
	KindTimeout
	// KindConfig: missing API key or similar; fix the config, do not retry.
	KindConfig
	// KindProtocol: the provider's reply could not be parsed.
	KindProtocol
)

// Error is a failed provider call. It never contains the API key.
type Error struct {
	Provider   string
	Model      string
	Kind       ErrorKind
	Status     int           // upstream HTTP status, 0 if none
	Message    string        // upstream message or local cause
	RetryAfter time.Duration // from the upstream Retry-After header, 0 if none
	Hint       string        // next step for the user, e.g. "set OPENAI_API_KEY"
	Err        error
}

func (e *Error) Error() string {
	var s string
	switch {
	case e.Status != 0:
		s = fmt.Sprintf("provider %s: upstream status %d", e.Provider, e.Status)
	default:
		s = "provider " + e.Provider
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil && e.Message == "" {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether the same request may succeed on a retry against
// the same provider: network failures, timeouts, 408, 409, 429 and 5xx.
func (e *Error) Retryable() bool {
	switch e.Kind {
	case KindUnreachable, KindTimeout:
		return true
	case KindUpstream:
		return e.Status == 408 || e.Status == 409 || e.Status == 429 || e.Status >= 500
	}
	return false
}

// AsError returns err as *Error if it is one.
func AsError(err error) (*Error, bool) {
	var pe *Error
	ok := errors.As(err, &pe)
	return pe, ok
}
