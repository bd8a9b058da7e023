package openaicompat

import (
	"encoding/json"
	"errors"
	"io"

	"github.com/openclaw/openclaw-go/internal/chunkjson"
	"github.com/openclaw/openclaw-go/internal/provider"
	"github.com/openclaw/openclaw-go/internal/provider/internal/pump"
	"github.com/openclaw/openclaw-go/internal/provider/internal/upstream"
	"github.com/openclaw/openclaw-go/internal/provider/sse"
)

// chunk is the part of a chat.completion.chunk the adapter reads; every
// other field is skipped by the decoder without allocating. Choices is an
// array, not a slice: we never ask for n > 1, and a fixed array decodes
// without allocating.
//
// fast.go decodes the common shapes of this struct without encoding/json;
// a field added here must be added there too (FuzzChunkFastPath checks that
// both agree).
type chunk struct {
	Choices [1]chunkChoice `json:"choices"`
	Usage   *wireUsage     `json:"usage"`
	Error   *wireError     `json:"error"`
}

type chunkChoice struct {
	Delta        chunkDelta `json:"delta"`
	FinishReason string     `json:"finish_reason"`
}

type chunkDelta struct {
	Content   string          `json:"content"`
	ToolCalls []toolCallChunk `json:"tool_calls"`
}

type toolCallChunk struct {
	Index    int          `json:"index"`
	ID       string       `json:"id"`
	Function wireFunction `json:"function"`
}

// toolSlot maps an upstream tool-call index to ours. Servers that omit
// "index" send every call as index 0; a new id at a known index then starts
// a new call instead of appending to the previous one.
type toolSlot struct {
	upstream int
	id       string
	ours     int
}

// stream turns an SSE body, or a whole chat.completion body, into neutral
// deltas.
type stream struct {
	pump.Pump
	provider string
	model    string
	src      io.Reader
	scan     chunkjson.Scanner // fast path (fast.go)
	dec      chunkjson.Decoder // slow path
	c        chunk

	finished bool // a finish_reason was seen
	usage    *provider.Usage
	tools    []toolSlot
}

func newStream(src io.Reader, call *upstream.Call, providerID, model string) *stream {
	s := &stream{provider: providerID, model: model, src: src}
	s.InitStream(src, call)
	return s
}

// newWholeStream returns a stream over a non-streamed chat.completion body.
func newWholeStream(src io.Reader, call *upstream.Call, providerID, model string) *stream {
	s := &stream{provider: providerID, model: model, src: src}
	s.InitWhole(call)
	return s
}

// Next implements provider.Stream; Buffered and Close come from the Pump.
func (s *stream) Next() (provider.Delta, error) { return s.Pump.Next(s) }

// Whole implements pump.Source.
func (s *stream) Whole() { s.fromCompletion() }

// Event implements pump.Source.
func (s *stream) Event(ev sse.Event) {
	if isDone(ev.Data) {
		s.end()
		return
	}
	if err := s.handle(ev.Data); err != nil {
		s.Fail(err)
	}
}

func isDone(data []byte) bool { return string(data) == "[DONE]" }

// end queues the usage (reported once, after the finish reason) and io.EOF.
func (s *stream) end() {
	if s.usage != nil {
		s.Push(provider.Delta{Usage: s.usage})
		s.usage = nil
	}
	s.End()
}

// ReadFailed implements pump.Source.
func (s *stream) ReadFailed(err error) {
	switch {
	case err == io.EOF && s.finished:
		// Some servers end the body after the finish chunk without [DONE].
		s.end()
	case err == io.EOF:
		s.Fail(s.protocolErr("stream ended before [DONE] and without a finish_reason (truncated)", nil))
	case errors.Is(err, io.ErrUnexpectedEOF):
		s.Fail(s.protocolErr("stream ended in the middle of an event (truncated)", err))
	case errors.Is(err, sse.ErrTooLong):
		s.Fail(s.protocolErr(err.Error(), err))
	default:
		// Already classified by upstream.Call (timeouts, resets, Close).
		s.Fail(err)
	}
}

func (s *stream) protocolErr(msg string, err error) error {
	return &provider.Error{Provider: s.provider, Model: s.model, Kind: provider.KindProtocol, Message: msg, Err: err}
}

// handle decodes one chunk and queues its deltas: text, tool-call fragments,
// then the finish reason. Usage is kept for the end.
func (s *stream) handle(data []byte) error {
	c := &s.c
	*c = chunk{}
	if !decodeFast(&s.scan, data, c) {
		*c = chunk{}
		if err := s.dec.Decode(data, c); err != nil {
			return s.protocolErr("invalid stream chunk: "+err.Error(), err)
		}
	}
	if c.Error != nil {
		return &provider.Error{Provider: s.provider, Model: s.model, Kind: provider.KindUpstream, Status: c.Error.status(),
			Message: "error in stream: " + c.Error.Message}
	}
	ch := &c.Choices[0]
	if ch.Delta.Content != "" {
		s.Push(provider.Delta{Text: ch.Delta.Content})
	}
	for i := range ch.Delta.ToolCalls {
		s.Push(provider.Delta{ToolCall: s.toolDelta(&ch.Delta.ToolCalls[i])})
	}
	if fr := ch.FinishReason; fr != "" {
		s.finished = true
		s.Push(provider.Delta{FinishReason: s.finishReason(fr)})
	}
	if c.Usage != nil {
		s.usage = c.Usage.neutral()
	}
	return nil
}

func (s *stream) toolDelta(tc *toolCallChunk) *provider.ToolCallDelta {
	ours := -1
	for i := len(s.tools) - 1; i >= 0; i-- {
		t := &s.tools[i]
		if t.upstream != tc.Index {
			continue
		}
		if tc.ID == "" || t.id == "" || t.id == tc.ID {
			ours = t.ours
			if t.id == "" {
				t.id = tc.ID
			}
		}
		break
	}
	if ours < 0 {
		ours = 0
		if n := len(s.tools); n > 0 {
			ours = s.tools[n-1].ours + 1
		}
		s.tools = append(s.tools, toolSlot{upstream: tc.Index, id: tc.ID, ours: ours})
	}
	return &provider.ToolCallDelta{Index: ours, ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments}
}

func (s *stream) finishReason(fr string) string {
	switch fr {
	case "function_call":
		return "tool_calls" // legacy name
	case "stop", "eos":
		// Some servers (older Ollama) report "stop" after calling tools.
		if len(s.tools) > 0 {
			return "tool_calls"
		}
		return "stop"
	}
	return fr
}

// completion is a non-streamed chat.completion: the answer to a NoStream
// request, or to a server that ignores stream:true.
type completion struct {
	Choices []completionChoice `json:"choices"`
	Usage   *wireUsage         `json:"usage"`
	Error   *wireError         `json:"error"`
}

type completionChoice struct {
	Message      completionMessage `json:"message"`
	FinishReason string            `json:"finish_reason"`
}

type completionMessage struct {
	Content   string         `json:"content"`
	ToolCalls []wireToolCall `json:"tool_calls"`
}

// maxCompletionBody bounds a non-streamed reply.
const maxCompletionBody = 32 << 20

// fromCompletion reads a whole non-streamed reply and queues its deltas:
// the text, one complete fragment per tool call, the finish reason, then
// the usage, as a stream would deliver them.
func (s *stream) fromCompletion() {
	buf, err := upstream.ReadBody(s.src, s.Call, maxCompletionBody)
	defer upstream.PutBody(buf)
	if err != nil {
		s.Fail(err)
		return
	}
	var c completion
	if !decodeCompletionFast(&s.scan, buf.Bytes(), &c) {
		c = completion{}
		if err := json.Unmarshal(buf.Bytes(), &c); err != nil {
			s.Fail(s.protocolErr("invalid completion body: "+err.Error(), err))
			return
		}
	}
	if c.Error != nil {
		s.Fail(&provider.Error{Provider: s.provider, Model: s.model, Kind: provider.KindUpstream, Status: c.Error.status(), Message: c.Error.Message})
		return
	}
	if len(c.Choices) > 0 {
		ch := c.Choices[0]
		if ch.Message.Content != "" {
			s.Push(provider.Delta{Text: ch.Message.Content})
		}
		for i, tc := range ch.Message.ToolCalls {
			s.tools = append(s.tools, toolSlot{upstream: i, id: tc.ID, ours: i})
			s.Push(provider.Delta{ToolCall: &provider.ToolCallDelta{Index: i, ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments}})
		}
		if ch.FinishReason != "" {
			s.Push(provider.Delta{FinishReason: s.finishReason(ch.FinishReason)})
		}
	}
	if c.Usage != nil {
		s.usage = c.Usage.neutral()
	}
	s.end()
}
