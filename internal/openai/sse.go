package openai

import (
	"net/http"
	"strconv"

	"github.com/openclaw/openclaw-go/internal/apierr"
	"github.com/openclaw/openclaw-go/internal/jsonenc"
	"github.com/openclaw/openclaw-go/internal/provider"
)

// sseWriter writes server-sent events. Callers flush when they are about to
// wait (see provider.Buffered), so that events that arrive together leave
// together. After a write fails (the client went away) it drops everything
// and remembers the error.
type sseWriter struct {
	w          http.ResponseWriter
	rc         *http.ResponseController
	err        error
	sentOutput bool // the first output event has been flushed
}

// upstream is what the flush policy needs to know of a turn: whether its
// next delta is already buffered (see provider.Buffered).
type upstream interface{ Buffered() bool }

// flushUnlessBuffered flushes unless the next delta is already here.
func (s *sseWriter) flushUnlessBuffered(u upstream) {
	if !u.Buffered() {
		s.flush()
	}
}

// relayed applies the flush policy after the events of one upstream delta
// are written: the first output (text or a tool call) goes out at once,
// since time to first token is what a user waits on; after it, flush only
// before waiting for the upstream, so that a burst leaves in one write.
func (s *sseWriter) relayed(output bool, u upstream) {
	if output && !s.sentOutput {
		s.sentOutput = true
		s.flush()
		return
	}
	s.flushUnlessBuffered(u)
}

func newSSEWriter(w http.ResponseWriter) *sseWriter {
	return &sseWriter{w: w, rc: http.NewResponseController(w)}
}

// start sends the event-stream headers.
func (s *sseWriter) start() {
	h := s.w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	s.w.WriteHeader(http.StatusOK)
}

// write buffers one complete event.
func (s *sseWriter) write(ev []byte) {
	if s.err != nil {
		return
	}
	if _, err := s.w.Write(ev); err != nil {
		s.err = err
	}
}

// flush sends what is buffered to the client.
func (s *sseWriter) flush() {
	if s.err != nil {
		return
	}
	if err := s.rc.Flush(); err != nil {
		s.err = err
	}
}

// chatStream encodes chat.completion.chunk events. Every chunk shares the
// prefix {"id":…,"object":…,"created":…,"model":…,"choices":[ which is
// rendered once; a content chunk is that prefix, the escaped text and a
// constant suffix, appended into one reused buffer (no reflection, no
// allocation once the buffer has grown to the largest chunk).
type chatStream struct {
	*sseWriter
	head []byte // `data: {"id":…,"choices":[`
	buf  []byte
}

func newChatStream(w http.ResponseWriter, id string, created int64, model string) *chatStream {
	head := make([]byte, 0, 128+len(id)+len(model))
	head = append(head, `data: {"id":`...)
	head = jsonenc.String(head, id)
	head = append(head, `,"object":"chat.completion.chunk","created":`...)
	head = strconv.AppendInt(head, created, 10)
	head = append(head, `,"model":`...)
	head = jsonenc.String(head, model)
	head = append(head, `,"choices":[`...)
	return &chatStream{sseWriter: newSSEWriter(w), head: head, buf: make([]byte, 0, 512)}
}

const (
	choiceOpen   = `{"index":0,"delta":`
	choiceClose  = `,"logprobs":null,"finish_reason":null}]}` + "\n\n"
	roleDelta    = `{"role":"assistant","content":""}`
	contentDelta = `{"content":`
)

// role sends the first chunk: {"role":"assistant","content":""}.
func (c *chatStream) role() {
	b := append(c.buf[:0], c.head...)
	b = append(b, choiceOpen+roleDelta+choiceClose...)
	c.buf = b
	c.write(b)
}

// content sends one content delta.
func (c *chatStream) content(text string) {
	b := append(c.buf[:0], c.head...)
	b = append(b, choiceOpen+contentDelta...)
	b = jsonenc.String(b, text)
	b = append(b, '}')
	b = append(b, choiceClose...)
	c.buf = b
	c.write(b)
}

// toolCall sends one tool-call fragment at output index idx. The first
// fragment of a call carries id, type and name.
func (c *chatStream) toolCall(idx int, first bool, id, name, args string) {
	b := append(c.buf[:0], c.head...)
	b = append(b, choiceOpen+`{"tool_calls":[{"index":`...)
	b = strconv.AppendInt(b, int64(idx), 10)
	if first {
		b = append(b, `,"id":`...)
		b = jsonenc.String(b, id)
		b = append(b, `,"type":"function","function":{"name":`...)
		b = jsonenc.String(b, name)
		b = append(b, `,"arguments":`...)
	} else {
		b = append(b, `,"function":{"arguments":`...)
	}
	b = jsonenc.String(b, args)
	b = append(b, `}}]}`...)
	b = append(b, choiceClose...)
	c.buf = b
	c.write(b)
}

// finish sends the chunk with an empty delta and the finish reason.
func (c *chatStream) finish(reason string) {
	b := append(c.buf[:0], c.head...)
	b = append(b, choiceOpen+`{},"logprobs":null,"finish_reason":`...)
	b = jsonenc.String(b, reason)
	b = append(b, "}]}\n\n"...)
	c.buf = b
	c.write(b)
}

// usage sends the include_usage chunk: empty choices and the usage.
func (c *chatStream) usage(u provider.Usage) {
	b := append(c.buf[:0], c.head...)
	b = append(b, `],"usage":`...)
	b = u.AppendJSON(b)
	b = append(b, "}\n\n"...)
	c.buf = b
	c.write(b)
}

// fail sends the final chunk of a failed stream: empty choices and an
// error object in the OpenAI error shape (rendered by apierr).
func (c *chatStream) fail(e *apierr.Error) {
	body := e.Body() // {"error":{…}}
	b := append(c.buf[:0], c.head...)
	b = append(b, `],`...)
	b = append(b, body[1:]...)
	b = append(b, "\n\n"...)
	c.buf = b
	c.write(b)
}

// done writes the terminating [DONE] event. The handler returns right
// after it, and net/http then sends what is buffered together with the end
// of the chunked body, in one write instead of two.
func (c *chatStream) done() {
	c.write([]byte("data: [DONE]\n\n"))
}
