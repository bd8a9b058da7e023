package anthropic

import (
	"errors"
	"fmt"
	"io"

	"github.com/openclaw/openclaw-go/internal/chunkjson"
	"github.com/openclaw/openclaw-go/internal/provider"
	"github.com/openclaw/openclaw-go/internal/provider/internal/pump"
	"github.com/openclaw/openclaw-go/internal/provider/internal/upstream"
	"github.com/openclaw/openclaw-go/internal/provider/sse"
)

// event holds the fields of every stream event the adapter reads. The event
// kind comes from the SSE "event:" line, so no "type" string is decoded
// (and allocated) per event. fast.go decodes the common events without
// encoding/json; a field added here must be added there too
// (FuzzEventFastPath checks that both agree).
type event struct {
	Message struct {
		Usage *wireUsage `json:"usage"`
	} `json:"message"` // message_start
	Index        int `json:"index"`
	ContentBlock struct {
		Type string `json:"type"`
		ID   string `json:"id"`
		Name string `json:"name"`
		Text string `json:"text"`
	} `json:"content_block"` // content_block_start
	Delta struct {
		Text        string `json:"text"`         // text_delta
		PartialJSON string `json:"partial_json"` // input_json_delta
		StopReason  string `json:"stop_reason"`  // message_delta
	} `json:"delta"`
	Usage *wireUsage `json:"usage"` // message_delta
	Error *struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

type wireUsage struct {
	InputTokens              int `json:"input_tokens"`
	OutputTokens             int `json:"output_tokens"`
	CacheCreationInputTokens int `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int `json:"cache_read_input_tokens"`
}

// typeOnly reads the "type" of an event sent without an "event:" line.
type typeOnly struct {
	Type string `json:"type"`
}

// Content block kinds, by the index the stream gives them.
const (
	blockOther = iota // thinking, server tools…: not relayed
	blockText
	blockTool
)

type blockState struct {
	kind    int
	tool    int  // our tool-call index for blockTool
	hasArgs bool // a non-empty input_json_delta was relayed
}

// maxBlocks bounds content-block indexes, so a hostile stream cannot make
// the adapter allocate without limit.
const maxBlocks = 4096

type stream struct {
	pump.Pump
	provider string
	model    string
	src      io.Reader
	scan     chunkjson.Scanner // fast path (fast.go)
	dec      chunkjson.Decoder // slow path
	ev       event

	blocks   []blockState
	tools    int // tool calls seen so far
	usage    wireUsage
	hasUsage bool
	finished bool // message_delta carried a stop_reason
}

func newStream(src io.Reader, call *upstream.Call, providerID, model string) *stream {
	s := &stream{provider: providerID, model: model, src: src}
	s.InitStream(src, call)
	return s
}

// newWholeStream returns a stream over a non-streamed message body.
func newWholeStream(src io.Reader, call *upstream.Call, providerID, model string) *stream {
	s := &stream{provider: providerID, model: model, src: src}
	s.InitWhole(call)
	return s
}

// Next implements provider.Stream; Buffered and Close come from the Pump.
func (s *stream) Next() (provider.Delta, error) { return s.Pump.Next(s) }

// Whole implements pump.Source.
func (s *stream) Whole() { s.fromMessage() }

// Event implements pump.Source.
func (s *stream) Event(ev sse.Event) {
	if err := s.handle(ev.Name, ev.Data); err != nil {
		s.Fail(err)
	}
}

func (s *stream) protocolErr(msg string, err error) error {
	return &provider.Error{Provider: s.provider, Model: s.model, Kind: provider.KindProtocol, Message: msg, Err: err}
}

// ReadFailed implements pump.Source.
func (s *stream) ReadFailed(err error) {
	switch {
	case err == io.EOF && s.finished:
		s.end() // lenient: stop_reason seen, message_stop missing
	case err == io.EOF:
		s.Fail(s.protocolErr("stream ended before message_stop (truncated)", nil))
	case errors.Is(err, io.ErrUnexpectedEOF):
		s.Fail(s.protocolErr("stream ended in the middle of an event (truncated)", err))
	case errors.Is(err, sse.ErrTooLong):
		s.Fail(s.protocolErr(err.Error(), err))
	default:
		s.Fail(err) // classified by upstream.Call
	}
}

// end queues the usage, reported once at the end, then io.EOF.
func (s *stream) end() {
	if s.hasUsage {
		u := s.usage
		prompt := u.InputTokens + u.CacheCreationInputTokens + u.CacheReadInputTokens
		s.Push(provider.Delta{Usage: &provider.Usage{
			PromptTokens:     prompt,
			CompletionTokens: u.OutputTokens,
			TotalTokens:      prompt + u.OutputTokens,
		}})
		s.hasUsage = false
	}
	s.End()
}

func (s *stream) handle(name, data []byte) error {
	if len(name) == 0 {
		// Not sent by Anthropic, but a proxy may drop "event:" lines: the
		// type is also in the data.
		var t typeOnly
		if err := s.dec.Decode(data, &t); err != nil {
			return s.protocolErr("invalid stream event: "+err.Error(), err)
		}
		name = []byte(t.Type)
	}
	switch string(name) {
	case "ping":
		return nil
	case "content_block_delta", "content_block_start", "content_block_stop",
		"message_start", "message_delta", "message_stop", "error":
	default:
		return nil // unknown events are skipped (forward compatibility)
	}
	e := &s.ev
	*e = event{}
	if !decodeFast(&s.scan, data, e) {
		*e = event{}
		if err := s.dec.Decode(data, e); err != nil {
			return s.protocolErr("invalid stream event: "+err.Error(), err)
		}
	}
	switch string(name) {
	case "content_block_delta":
		b := s.block(e.Index)
		if b == nil {
			return s.badIndex(e.Index)
		}
		switch b.kind {
		case blockText:
			if e.Delta.Text != "" {
				s.Push(provider.Delta{Text: e.Delta.Text})
			}
		case blockTool:
			if e.Delta.PartialJSON != "" {
				b.hasArgs = true
				s.Push(provider.Delta{ToolCall: &provider.ToolCallDelta{Index: b.tool, Arguments: e.Delta.PartialJSON}})
			}
		}
	case "content_block_start":
		b := s.block(e.Index)
		if b == nil {
			return s.badIndex(e.Index)
		}
		switch e.ContentBlock.Type {
		case "text":
			b.kind = blockText
			if e.ContentBlock.Text != "" {
				s.Push(provider.Delta{Text: e.ContentBlock.Text})
			}
		case "tool_use":
			*b = blockState{kind: blockTool, tool: s.tools}
			s.tools++
			s.Push(provider.Delta{ToolCall: &provider.ToolCallDelta{Index: b.tool, ID: e.ContentBlock.ID, Name: e.ContentBlock.Name}})
		default:
			b.kind = blockOther
		}
	case "content_block_stop":
		// A tool called without arguments may get no (or only empty)
		// input_json_delta; give consumers valid JSON.
		if b := s.block(e.Index); b != nil && b.kind == blockTool && !b.hasArgs {
			b.hasArgs = true
			s.Push(provider.Delta{ToolCall: &provider.ToolCallDelta{Index: b.tool, Arguments: "{}"}})
		}
	case "message_start":
		if u := e.Message.Usage; u != nil {
			s.usage = *u
			s.hasUsage = true
		}
	case "message_delta":
		if u := e.Usage; u != nil {
			// message_delta usage is cumulative; input fields appear only in
			// newer API versions.
			s.usage.OutputTokens = u.OutputTokens
			if u.InputTokens > 0 {
				s.usage.InputTokens = u.InputTokens
			}
			if u.CacheCreationInputTokens > 0 {
				s.usage.CacheCreationInputTokens = u.CacheCreationInputTokens
			}
			if u.CacheReadInputTokens > 0 {
				s.usage.CacheReadInputTokens = u.CacheReadInputTokens
			}
			s.hasUsage = true
		}
		if r := e.Delta.StopReason; r != "" {
			s.finished = true
			s.Push(provider.Delta{FinishReason: finishReason(r)})
		}
	case "message_stop":
		s.end()
	case "error":
		typ, msg := "api_error", "error event without details"
		if e.Error != nil {
			typ, msg = e.Error.Type, e.Error.Message
		}
		return &provider.Error{Provider: s.provider, Model: s.model, Kind: provider.KindUpstream, Status: statusOf(typ),
			Message: typ + ": " + msg}
	}
	return nil
}

// block returns the state of content block i, growing the table as needed;
// nil for an index out of bounds.
func (s *stream) block(i int) *blockState {
	if i < 0 || i >= maxBlocks {
		return nil
	}
	for len(s.blocks) <= i {
		s.blocks = append(s.blocks, blockState{})
	}
	return &s.blocks[i]
}

func (s *stream) badIndex(i int) error {
	return s.protocolErr(fmt.Sprintf("content block index %d out of range", i), nil)
}

// finishReason maps Anthropic's stop_reason to the neutral finish reason.
func finishReason(r string) string {
	switch r {
	case "end_turn", "stop_sequence", "pause_turn":
		return "stop"
	case "max_tokens", "model_context_window_exceeded":
		return "length"
	case "tool_use":
		return "tool_calls"
	case "refusal":
		return "content_filter"
	}
	return "stop"
}
