package openai

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	"github.com/openclaw/openclaw-go/internal/agent"
	"github.com/openclaw/openclaw-go/internal/apierr"
	"github.com/openclaw/openclaw-go/internal/jsonenc"
	"github.com/openclaw/openclaw-go/internal/provider"
)

// Response is the reply of /v1/responses and the "response" of its
// lifecycle events.
type Response struct {
	ID                 string             `json:"id"`
	Object             string             `json:"object"` // "response"
	CreatedAt          int64              `json:"created_at"`
	Status             string             `json:"status"` // in_progress, completed, incomplete, failed
	Error              *ResponseError     `json:"error"`
	IncompleteDetails  *IncompleteDetails `json:"incomplete_details"`
	Model              string             `json:"model"`  // the requested model id
	Output             []any              `json:"output"` // *MessageItem, *FunctionCallItem
	PreviousResponseID *string            `json:"previous_response_id"`
	Usage              *ResponseUsage     `json:"usage"` // null until the response ends
}

// ResponseError is the error of a failed response.
type ResponseError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// IncompleteDetails says why a response is incomplete.
type IncompleteDetails struct {
	Reason string `json:"reason"` // max_output_tokens, content_filter
}

// ResponseUsage is the usage of a response, from the provider only (zeros
// when it reported none).
type ResponseUsage struct {
	InputTokens  int `json:"input_tokens"`
	OutputTokens int `json:"output_tokens"`
	TotalTokens  int `json:"total_tokens"`
}

// MessageItem is an assistant message output item.
type MessageItem struct {
	Type    string       `json:"type"` // "message"
	ID      string       `json:"id"`
	Status  string       `json:"status"`
	Role    string       `json:"role"` // "assistant"
	Content []OutputText `json:"content"`
}

// OutputText is the output_text content part of a message item.
type OutputText struct {
	Type        string     `json:"type"` // "output_text"
	Text        string     `json:"text"`
	Annotations []struct{} `json:"annotations"` // always []
}

// FunctionCallItem is a function_call output item.
type FunctionCallItem struct {
	Type      string `json:"type"` // "function_call"
	ID        string `json:"id"`
	CallID    string `json:"call_id"`
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
	Status    string `json:"status"`
}

func outputText(s string) OutputText {
	return OutputText{Type: "output_text", Text: s, Annotations: []struct{}{}}
}

// responseTurn decodes and validates a request and resolves its agent and
// session. The chain to remember on success is returned with it.
func (h *handler) responseTurn(r *http.Request, respID string) (*ResponseRequest, *agent.TurnRequest, *chain, *apierr.Error) {
	req, e := decode[ResponseRequest](r)
	if e != nil {
		return nil, nil, nil, e
	}
	if e := checkURLImages(req.urlImage, h.endpoints().ChatCompletions.Images.AllowURL); e != nil {
		return nil, nil, nil, e
	}
	override, e := h.modelOverride(r)
	if e != nil {
		return nil, nil, nil, e
	}
	agentID, e := h.resolveModel(r, req.Model)
	if e != nil {
		return nil, nil, nil, e
	}
	key, e := sessionKey(r, agentID, req.User)
	if e != nil {
		return nil, nil, nil, e
	}
	store := req.Store == nil || *req.Store
	if prev := req.PreviousResponseID; prev != "" {
		c, ok := h.chains.get(prev)
		// A caller other than the chain's gets the same answer as an
		// unknown id, so ids cannot be probed across users.
		if !ok || c.caller != req.User {
			return nil, nil, nil, apierr.Invalid("previous_response_id", "previous_response_not_found",
				"Previous response "+quote(prev)+" was not found.").
				WithHint("response ids are kept in memory for 24 hours (10 000 at most) and are lost on a gateway restart; start a new response without previous_response_id")
		}
		if c.agentID != agentID {
			return nil, nil, nil, apierr.Invalid("previous_response_id", "previous_response_agent_mismatch",
				"Previous response "+quote(prev)+" belongs to agent "+quote(c.agentID)+", not "+quote(agentID)+".").
				WithHint("send model \"openclaw/" + c.agentID + "\" to continue it")
		}
		if key != "" && key != c.sessionKey {
			return nil, nil, nil, apierr.Invalid("previous_response_id", "previous_response_session_mismatch",
				"Previous response "+quote(prev)+" belongs to another session than x-openclaw-session-key names.")
		}
		key = c.sessionKey
	} else if key == "" && store {
		// A fresh chain gets its own session, so that a follow-up finds the
		// history in the session store.
		key = "agent:" + agentID + ":openresponses:" + respID
	}
	t := req.turn()
	if req.urlImage != "" {
		if e := h.inlineURLImages(r.Context(), t); e != nil {
			return nil, nil, nil, e
		}
	}
	t.AgentID, t.SessionKey, t.Channel, t.ModelOverride = agentID, key, channel(r), override
	var ch *chain
	if store && key != "" {
		ch = &chain{agentID: agentID, sessionKey: key, caller: req.User}
	}
	return req, t, ch, nil
}

func (h *handler) responses(w http.ResponseWriter, r *http.Request) *apierr.Error {
	respID := newID("resp_")
	req, t, ch, e := h.responseTurn(r, respID)
	if e != nil {
		return e
	}
	base := Response{ID: respID, Object: "response", CreatedAt: h.now().Unix(), Model: req.Model, Output: []any{}}
	if req.PreviousResponseID != "" {
		base.PreviousResponseID = &req.PreviousResponseID
	}
	if req.Stream {
		return h.streamResponse(w, r, t, ch, &base)
	}
	res, err := h.rt.Run(r.Context(), t)
	if err != nil {
		return agent.APIError(err)
	}
	if e := toolRequirement(t.ToolChoice, res.ToolCalls); e != nil {
		return e
	}
	out := base
	if res.Text != "" || len(res.ToolCalls) == 0 {
		out.Output = append(out.Output, &MessageItem{Type: "message", ID: newID("msg_"), Status: "completed",
			Role: "assistant", Content: []OutputText{outputText(res.Text)}})
	}
	for _, c := range res.ToolCalls {
		if c.ID == "" {
			c.ID = newID("call_")
		}
		out.Output = append(out.Output, &FunctionCallItem{Type: "function_call", ID: newID("fc_"), CallID: c.ID,
			Name: c.Name, Arguments: c.Arguments, Status: "completed"})
	}
	finishResponse(&out, res.FinishReason, res.Usage)
	if ch != nil {
		h.chains.put(respID, *ch)
	}
	writeJSON(w, &out)
	return nil
}

// finishResponse sets the terminal status and usage.
func finishResponse(out *Response, finish string, u *provider.Usage) {
	out.Status = "completed"
	switch finish {
	case "length":
		out.Status, out.IncompleteDetails = "incomplete", &IncompleteDetails{Reason: "max_output_tokens"}
	case "content_filter":
		out.Status, out.IncompleteDetails = "incomplete", &IncompleteDetails{Reason: "content_filter"}
	}
	out.Usage = &ResponseUsage{}
	if u != nil {
		*out.Usage = ResponseUsage{InputTokens: u.PromptTokens, OutputTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
	}
}

// respStream writes the named events of a streamed response. Each event is
// "event: <type>\ndata: {"type":<type>,"sequence_number":n,…}\n\n".
type respStream struct {
	*sseWriter
	seq int
	buf []byte

	resp *Response
	// The open text item, if any; function calls by provider index.
	text  *textItem
	calls []*callItem
	items []any // output items by output_index, filled as they finish
}

type textItem struct {
	id    string
	index int
	text  []byte
}

type callItem struct {
	item  FunctionCallItem
	index int
	args  []byte
	done  bool
}

// event writes one event whose payload v marshals to a JSON object; type
// and sequence_number are spliced in front of its fields.
func (s *respStream) event(typ string, v any) {
	payload, err := json.Marshal(v)
	if err != nil || len(payload) < 2 {
		payload = []byte("{}")
	}
	b := s.begin(typ)
	if len(payload) > 2 {
		b = append(b, ',')
		b = append(b, payload[1:]...)
	} else {
		b = append(b, '}')
	}
	s.end(b)
}

func (s *respStream) begin(typ string) []byte {
	b := append(s.buf[:0], "event: "...)
	b = append(b, typ...)
	b = append(b, "\ndata: {\"type\":"...)
	b = jsonenc.String(b, typ)
	b = append(b, `,"sequence_number":`...)
	b = strconv.AppendInt(b, int64(s.seq), 10)
	s.seq++
	return b
}

func (s *respStream) end(b []byte) {
	b = append(b, "\n\n"...)
	s.buf = b
	s.write(b)
}

type responseEvent struct {
	Response *Response `json:"response"`
}

type itemEvent struct {
	OutputIndex int `json:"output_index"`
	Item        any `json:"item"`
}

type partEvent struct {
	ItemID       string     `json:"item_id"`
	OutputIndex  int        `json:"output_index"`
	ContentIndex int        `json:"content_index"`
	Part         OutputText `json:"part"`
}

type textDoneEvent struct {
	ItemID       string `json:"item_id"`
	OutputIndex  int    `json:"output_index"`
	ContentIndex int    `json:"content_index"`
	Text         string `json:"text"`
}

type argsEvent struct {
	ItemID      string `json:"item_id"`
	OutputIndex int    `json:"output_index"`
	Delta       string `json:"delta,omitempty"`
	Arguments   string `json:"arguments,omitempty"`
}

// textDelta appends to the open message item, opening one first if needed.
// The delta event is hand-encoded: it is the hot path.
func (s *respStream) textDelta(delta string) {
	if s.text == nil {
		s.openText()
	}
	s.text.text = append(s.text.text, delta...)
	b := s.begin("response.output_text.delta")
	b = append(b, `,"item_id":`...)
	b = jsonenc.String(b, s.text.id)
	b = append(b, `,"output_index":`...)
	b = strconv.AppendInt(b, int64(s.text.index), 10)
	b = append(b, `,"content_index":0,"delta":`...)
	b = jsonenc.String(b, delta)
	b = append(b, '}')
	s.end(b)
}

// closeText finishes the open message item.
func (s *respStream) closeText() {
	t := s.text
	if t == nil {
		return
	}
	s.text = nil
	text := string(t.text)
	s.event("response.output_text.done", textDoneEvent{ItemID: t.id, OutputIndex: t.index, Text: text})
	s.event("response.content_part.done", partEvent{ItemID: t.id, OutputIndex: t.index, Part: outputText(text)})
	item := &MessageItem{Type: "message", ID: t.id, Status: "completed", Role: "assistant", Content: []OutputText{outputText(text)}}
	s.items[t.index] = item
	s.event("response.output_item.done", itemEvent{OutputIndex: t.index, Item: item})
}

// toolDelta handles one tool-call fragment: a new call closes the open
// text item and adds a function_call item; arguments stream as deltas.
func (s *respStream) toolDelta(d *provider.ToolCallDelta) {
	for len(s.calls) <= d.Index {
		s.calls = append(s.calls, nil)
	}
	c := s.calls[d.Index]
	if c == nil {
		s.closeText()
		callID := d.ID
		if callID == "" {
			callID = newID("call_")
		}
		c = &callItem{index: len(s.items), item: FunctionCallItem{Type: "function_call", ID: newID("fc_"),
			CallID: callID, Name: d.Name, Status: "in_progress"}}
		s.calls[d.Index] = c
		s.items = append(s.items, nil)
		added := c.item
		s.event("response.output_item.added", itemEvent{OutputIndex: c.index, Item: &added})
	}
	if d.Arguments != "" {
		c.args = append(c.args, d.Arguments...)
		s.event("response.function_call_arguments.delta", argsEvent{ItemID: c.item.ID, OutputIndex: c.index, Delta: d.Arguments})
	}
}

// closeAll finishes every open item, in output order.
func (s *respStream) closeAll() {
	s.closeText()
	for _, c := range s.calls {
		if c == nil || c.done {
			continue
		}
		c.done = true
		c.item.Arguments, c.item.Status = string(c.args), "completed"
		s.event("response.function_call_arguments.done", argsEvent{ItemID: c.item.ID, OutputIndex: c.index, Arguments: c.item.Arguments})
		item := c.item
		s.items[c.index] = &item
		s.event("response.output_item.done", itemEvent{OutputIndex: c.index, Item: &item})
	}
}

// output returns the finished items in order.
func (s *respStream) output() []any {
	out := make([]any, 0, len(s.items))
	for _, it := range s.items {
		if it != nil {
			out = append(out, it)
		}
	}
	return out
}

func (s *respStream) toolCalls() []provider.ToolCall {
	var calls []provider.ToolCall
	for _, c := range s.calls {
		if c != nil {
			calls = append(calls, provider.ToolCall{ID: c.item.CallID, Name: c.item.Name})
		}
	}
	return calls
}

// failed ends the stream with response.failed.
func (s *respStream) failed(e *apierr.Error) {
	r := *s.resp
	r.Status, r.Output = "failed", s.output()
	r.Error = &ResponseError{Code: e.Code, Message: e.Message}
	s.event("response.failed", responseEvent{Response: &r})
}

// streamResponse relays a turn as OpenResponses events: response.created,
// response.in_progress, the output item events, then response.completed
// (response.incomplete when the token cap cut the reply, response.failed
// on an error).
func (h *handler) streamResponse(w http.ResponseWriter, r *http.Request, t *agent.TurnRequest, ch *chain, base *Response) *apierr.Error {
	ctx := r.Context()
	turn, err := h.rt.Start(ctx, t)
	if err != nil {
		return agent.APIError(err)
	}
	defer turn.Close()

	s := &respStream{sseWriter: newSSEWriter(w), buf: make([]byte, 0, 512), resp: base}
	s.start()
	base.Status = "in_progress"
	s.event("response.created", responseEvent{Response: base})
	s.event("response.in_progress", responseEvent{Response: base})
	s.flushUnlessBuffered(turn) // the headers and first events now if the first token is not here yet

	var (
		usage  *provider.Usage
		finish string
	)
	for s.err == nil {
		d, err := turn.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			h.streamFailed(ctx, turn, err)
			if ctx.Err() == nil {
				s.failed(agent.APIError(err))
				s.flush()
			}
			return nil
		}
		if d.Text != "" {
			s.textDelta(d.Text)
		}
		if d.ToolCall != nil && d.ToolCall.Index >= 0 {
			s.toolDelta(d.ToolCall)
		}
		if d.Usage != nil {
			usage = d.Usage
		}
		if d.FinishReason != "" {
			finish = d.FinishReason
		}
		s.relayed(d.Text != "" || d.ToolCall != nil, turn)
	}
	if s.err != nil {
		return nil
	}
	if s.text == nil && len(s.items) == 0 {
		// An empty reply still has its (empty) message item.
		s.openText()
	}
	s.closeAll()
	// Record the turn before the terminal event: a client that follows up
	// at once must find it in the session. Writing to a store may take a
	// while, so what the client has not got yet goes out first.
	if t.SessionKey != "" {
		s.flush()
	}
	h.closeTurn(ctx, turn)
	if e := toolRequirement(t.ToolChoice, s.toolCalls()); e != nil {
		s.failed(e)
		return nil // net/http sends it with the end of the body
	}
	final := *base
	final.Output = s.output()
	finishResponse(&final, finish, usage)
	if ch != nil {
		h.chains.put(final.ID, *ch)
	}
	typ := "response.completed"
	if final.Status == "incomplete" {
		typ = "response.incomplete"
	}
	s.event(typ, responseEvent{Response: &final})
	return nil // net/http sends it with the end of the body
}

// openText opens a message item and its output_text part.
func (s *respStream) openText() {
	s.text = &textItem{id: newID("msg_"), index: len(s.items)}
	s.items = append(s.items, nil)
	s.event("response.output_item.added", itemEvent{OutputIndex: s.text.index,
		Item: &MessageItem{Type: "message", ID: s.text.id, Status: "in_progress", Role: "assistant", Content: []OutputText{}}})
	s.event("response.content_part.added", partEvent{ItemID: s.text.id, OutputIndex: s.text.index, Part: outputText("")})
}
