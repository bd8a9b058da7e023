package openai

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"

	"github.com/openclaw/openclaw-go/internal/agent"
	"github.com/openclaw/openclaw-go/internal/apierr"
	"github.com/openclaw/openclaw-go/internal/provider"
)

// ChatCompletion is the non-stream reply of /v1/chat/completions.
type ChatCompletion struct {
	ID      string         `json:"id"`
	Object  string         `json:"object"` // "chat.completion"
	Created int64          `json:"created"`
	Model   string         `json:"model"` // the requested model id
	Choices []ChatChoice   `json:"choices"`
	Usage   provider.Usage `json:"usage"`
}

// ChatChoice is the single choice of a ChatCompletion.
type ChatChoice struct {
	Index        int          `json:"index"`
	Message      ReplyMessage `json:"message"`
	Logprobs     *struct{}    `json:"logprobs"` // always null
	FinishReason string       `json:"finish_reason"`
}

// ReplyMessage is the assistant message of a choice. Content is null when
// the reply is only tool calls.
type ReplyMessage struct {
	Role      string     `json:"role"`
	Content   *string    `json:"content"`
	ToolCalls []ToolCall `json:"tool_calls,omitempty"`
}

// chatTurn decodes, validates and resolves a chat request into a turn.
func (h *handler) chatTurn(r *http.Request) (*ChatCompletionRequest, *agent.TurnRequest, *apierr.Error) {
	req, e := decode[ChatCompletionRequest](r)
	if e != nil {
		return nil, nil, e
	}
	if e := checkURLImages(req.urlImage, h.endpoints().ChatCompletions.Images.AllowURL); e != nil {
		return nil, nil, e
	}
	override, e := h.modelOverride(r)
	if e != nil {
		return nil, nil, e
	}
	agentID, e := h.resolveModel(r, req.Model)
	if e != nil {
		return nil, nil, e
	}
	key, e := sessionKey(r, agentID, req.User)
	if e != nil {
		return nil, nil, e
	}
	t := req.turn()
	if req.urlImage != "" {
		if e := h.inlineURLImages(r.Context(), t); e != nil {
			return nil, nil, e
		}
	}
	t.AgentID, t.SessionKey, t.Channel, t.ModelOverride = agentID, key, channel(r), override
	return req, t, nil
}

func (h *handler) chatCompletions(w http.ResponseWriter, r *http.Request) *apierr.Error {
	req, t, e := h.chatTurn(r)
	if e != nil {
		return e
	}
	id, created := newID("chatcmpl-"), h.now().Unix()
	if req.Stream {
		includeUsage := req.StreamOptions != nil && req.StreamOptions.IncludeUsage
		return h.streamChat(w, r, t, id, created, req.Model, includeUsage)
	}
	res, err := h.rt.Run(r.Context(), t)
	if err != nil {
		return agent.APIError(err)
	}
	if e := toolRequirement(t.ToolChoice, res.ToolCalls); e != nil {
		return e
	}
	out := ChatCompletion{ID: id, Object: "chat.completion", Created: created, Model: req.Model,
		Choices: []ChatChoice{{Message: ReplyMessage{Role: "assistant"},
			FinishReason: finishReason(res.FinishReason, len(res.ToolCalls) > 0)}}}
	msg := &out.Choices[0].Message
	if res.Text != "" || len(res.ToolCalls) == 0 {
		msg.Content = &res.Text
	}
	for _, c := range res.ToolCalls {
		if c.ID == "" {
			c.ID = newID("call_")
		}
		msg.ToolCalls = append(msg.ToolCalls, ToolCall{ID: c.ID, Type: "function",
			Function: FunctionCall{Name: c.Name, Arguments: c.Arguments}})
	}
	// Usage comes only from the provider; when it reported none the
	// fields are zeros (the OpenAI shape has no "unknown").
	if res.Usage != nil {
		out.Usage = *res.Usage
	}
	// About 300 bytes of members around the text: usually one allocation.
	writeJSONBytes(w, out.AppendJSON(make([]byte, 0, 320+len(res.Text))))
	return nil
}

// finishReason normalises the provider's finish reason: "stop" when it
// gave none, "tool_calls" when the reply called tools.
func finishReason(fr string, calls bool) string {
	switch {
	case fr == "" && calls, fr == "stop" && calls:
		return "tool_calls"
	case fr == "":
		return "stop"
	}
	return fr
}

// streamChat relays a turn as chat.completion.chunk events. Errors before
// the provider answered are returned (plain JSON error with a status);
// after the headers are out, a failure is one chunk with an error object,
// then [DONE].
func (h *handler) streamChat(w http.ResponseWriter, r *http.Request, t *agent.TurnRequest,
	id string, created int64, model string, includeUsage bool) *apierr.Error {
	ctx := r.Context()
	turn, err := h.rt.Start(ctx, t)
	if err != nil {
		return agent.APIError(err)
	}
	// Close releases the upstream and records the turn; a client that went
	// away cancels ctx, which ends Next promptly and brings us here.
	defer turn.Close()

	s := newChatStream(w, id, created, model)
	s.start()
	s.role()
	s.flushUnlessBuffered(turn) // the headers and role now if the first token is not here yet

	var (
		usage  provider.Usage
		finish string
		calls  []provider.ToolCall // per provider index: id and name, for the tool_choice check
	)
	for s.err == nil {
		d, err := turn.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			h.streamFailed(ctx, turn, err)
			if ctx.Err() == nil {
				s.fail(agent.APIError(err))
				s.done()
			}
			return nil
		}
		if d.Text != "" {
			s.content(d.Text)
		}
		if tc := d.ToolCall; tc != nil && tc.Index >= 0 {
			for len(calls) <= tc.Index {
				calls = append(calls, provider.ToolCall{})
			}
			c := &calls[tc.Index]
			first := c.ID == ""
			if first {
				c.ID, c.Name = tc.ID, tc.Name
				if c.ID == "" {
					c.ID = newID("call_")
				}
			}
			s.toolCall(tc.Index, first, c.ID, c.Name, tc.Arguments)
		}
		if d.Usage != nil {
			usage = *d.Usage
		}
		if d.FinishReason != "" {
			finish = d.FinishReason
		}
		s.relayed(d.Text != "" || d.ToolCall != nil, turn)
	}
	if s.err != nil {
		return nil // client gone; the deferred Close cancels nothing more
	}
	// Record the turn before the last events: a client that follows up at
	// once must find it in the session. Writing to a store may take a
	// while, so what the client has not got yet goes out first.
	if t.SessionKey != "" {
		s.flush()
	}
	h.closeTurn(ctx, turn)
	if e := toolRequirement(t.ToolChoice, calls); e != nil {
		s.fail(e)
		s.done()
		return nil
	}
	s.finish(finishReason(finish, len(calls) > 0))
	if includeUsage {
		// Zeros when the provider reported no usage (never invented).
		s.usage(usage)
	}
	s.done()
	return nil
}

// streamFailed logs a stream that failed after its headers were sent.
func (h *handler) streamFailed(ctx context.Context, turn *agent.Turn, err error) {
	if ctx.Err() != nil {
		h.log.LogAttrs(ctx, slog.LevelInfo, "client closed the stream",
			slog.String("agent", turn.AgentID()), slog.String("model", turn.Model()))
		return
	}
	h.log.LogAttrs(ctx, slog.LevelWarn, "upstream failed mid-stream",
		slog.String("agent", turn.AgentID()), slog.String("model", turn.Model()), slog.String("error", err.Error()))
}

// closeTurn closes a completed turn, logging a failure to record it (the
// reply has been streamed already, so the client cannot be told).
func (h *handler) closeTurn(ctx context.Context, turn *agent.Turn) {
	if err := turn.Close(); err != nil {
		h.log.LogAttrs(ctx, slog.LevelWarn, "recording the turn failed",
			slog.String("agent", turn.AgentID()), slog.String("error", err.Error()))
	}
}

// writeJSON writes a 200 JSON reply.
func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		apierr.Write(w, apierr.From(err))
		return
	}
	writeJSONBytes(w, b)
}

// writeJSONBytes writes a 200 reply of the JSON value b (one allocation
// fewer when b has room for the newline).
func writeJSONBytes(w http.ResponseWriter, b []byte) {
	w.Header()["Content-Type"] = contentTypeJSON
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(b, '\n'))
}

// contentTypeJSON is shared by every response (net/http copies header
// values before writing them): no allocation per response.
var contentTypeJSON = []string{"application/json"}
