// Package providertest provides fake LLM upstreams for tests: httptest
// servers that speak OpenAI's Chat Completions (and embeddings) and
// Anthropic's Messages wire protocols, streamed and not, record every
// request, and answer each call from a script: text in N chunks, tool calls
// in fragments, usage, error statuses with bodies and Retry-After, and
// faults (connection reset before or mid-stream, stalls, slow first byte,
// truncated streams). It is for tests only and talks to no network.
//
// Typical use:
//
//	srv := providertest.NewOpenAI(t, providertest.Replies(
//		providertest.Reply{Status: 503, RetryAfter: "1"},
//		providertest.Reply{Text: "Hello there", Usage: &provider.Usage{PromptTokens: 3, CompletionTokens: 2, TotalTokens: 5}},
//	))
//	// point a provider at srv.BaseURL(); afterwards inspect srv.Requests().
package providertest

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/openclaw/openclaw-go/internal/provider"
)

// Fault is a failure the fake injects into its answer.
type Fault int

const (
	// NoFault answers normally.
	NoFault Fault = iota
	// ResetBeforeHeaders resets the TCP connection without answering.
	ResetBeforeHeaders
	// StallBeforeHeaders never answers; it waits until the request is canceled.
	StallBeforeHeaders
	// ResetMidStream resets the connection after FaultAfter content chunks.
	ResetMidStream
	// StallMidStream stops sending after FaultAfter content chunks and waits
	// until the request is canceled.
	StallMidStream
	// Truncate ends the body cleanly after FaultAfter content chunks, without
	// finish reason and terminator ([DONE] / message_stop).
	Truncate
)

// Reply scripts the answer to one request. The zero Reply streams an empty
// assistant message that finishes with "stop".
type Reply struct {
	// Text is the assistant text.
	Text string
	// Chunks streams Text in this many pieces; 0 splits it after each word.
	Chunks int
	// ToolCalls are calls the assistant makes after Text. An empty ID gets a
	// generated one.
	ToolCalls []provider.ToolCall
	// ArgChunks streams each call's arguments in this many fragments (default 2).
	ArgChunks int
	// InterleaveToolCalls sends the argument fragments of the calls round-robin
	// instead of one call after the other.
	InterleaveToolCalls bool
	// Usage is the reported token usage; nil reports none (OpenAI) or zeros
	// (Anthropic always reports usage).
	Usage *provider.Usage
	// FinishReason in neutral form; default "tool_calls" with ToolCalls, else
	// "stop". The Anthropic fake maps it to a stop_reason.
	FinishReason string
	// ChunkDelay is a pause before each content chunk.
	ChunkDelay time.Duration
	// Embeddings answers /embeddings; nil derives a small vector per input.
	Embeddings [][]float64

	// Status, when not 2xx, answers with an error: Body verbatim if set, else
	// the provider's error JSON with ErrorType and ErrorMessage.
	Status       int
	ErrorType    string
	ErrorMessage string
	Body         string
	// RetryAfter is sent as the Retry-After header when set.
	RetryAfter string
	// Headers are extra response headers.
	Headers map[string]string
	// StreamError ends a stream after the content with an in-stream error
	// (an error chunk for OpenAI, an "error" event for Anthropic) of this
	// type, e.g. "overloaded_error".
	StreamError string

	// FirstByteDelay delays the response headers.
	FirstByteDelay time.Duration
	// Fault injects a failure; FaultAfter counts content chunks (text pieces
	// and tool-call fragments) sent before a mid-stream fault.
	Fault      Fault
	FaultAfter int
}

// Script chooses the reply to call n (0-based) of the server.
type Script func(n int, req *Request) Reply

// Replies answers call n with rs[n], repeating the last reply.
func Replies(rs ...Reply) Script {
	return func(n int, _ *Request) Reply {
		if len(rs) == 0 {
			return Reply{}
		}
		return rs[min(n, len(rs)-1)]
	}
}

// Request is one request as it crossed the wire.
type Request struct {
	N      int // call number, from 0
	Method string
	Path   string
	Header http.Header
	Body   []byte
	// JSON is Body decoded, nil if it was not a JSON object.
	JSON map[string]any
}

// Stream reports whether the request asked for a streamed answer.
func (r *Request) Stream() bool { b, _ := r.JSON["stream"].(bool); return b }

// Server is a fake upstream. Its fields are read-only; use the methods.
type Server struct {
	*httptest.Server
	anthropic bool
	script    Script
	closing   chan struct{}
	canceled  chan int

	mu   sync.Mutex
	reqs []Request
}

// NewOpenAI starts a fake OpenAI-compatible server (POST /v1/chat/completions,
// POST /v1/embeddings, GET /v1/models), closed when the test ends. A nil
// script answers every call with Reply{}.
func NewOpenAI(t testing.TB, script Script) *Server { return start(t, script, false) }

// NewAnthropic starts a fake Anthropic Messages server (POST /v1/messages),
// closed when the test ends. A nil script answers every call with Reply{}.
func NewAnthropic(t testing.TB, script Script) *Server { return start(t, script, true) }

func start(t testing.TB, script Script, anthropic bool) *Server {
	t.Helper()
	if script == nil {
		script = Replies()
	}
	s := &Server{anthropic: anthropic, script: script, closing: make(chan struct{}), canceled: make(chan int, 64)}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() {
		close(s.closing) // release stalled handlers
		s.Server.CloseClientConnections()
		s.Server.Close()
	})
	return s
}

// BaseURL is the value for a provider's baseUrl: URL+"/v1" for the OpenAI
// fake, URL for the Anthropic fake.
func (s *Server) BaseURL() string {
	if s.anthropic {
		return s.URL
	}
	return s.URL + "/v1"
}

// Requests returns the requests received so far, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// Last returns the most recent request; it fails the test if there is none.
func (s *Server) Last(t testing.TB) Request {
	t.Helper()
	rs := s.Requests()
	if len(rs) == 0 {
		t.Fatal("providertest: no request received")
	}
	return rs[len(rs)-1]
}

// Canceled receives the call number of every request whose context ended
// (the client canceled or disconnected) while the fake was still answering.
func (s *Server) Canceled() <-chan int { return s.canceled }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req := Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body}
	_ = json.Unmarshal(body, &req.JSON)
	s.mu.Lock()
	req.N = len(s.reqs)
	s.reqs = append(s.reqs, req)
	s.mu.Unlock()

	route := r.Method + " " + r.URL.Path
	switch {
	case s.anthropic && route == "POST /v1/messages":
		if r.Header.Get("anthropic-version") == "" {
			s.writeError(w, Reply{Status: 400, ErrorMessage: "anthropic-version: header is required"})
			return
		}
	case !s.anthropic && route == "POST /v1/chat/completions", !s.anthropic && route == "POST /v1/embeddings":
	case !s.anthropic && route == "GET /v1/models":
		writeJSON(w, 200, map[string]any{"object": "list", "data": []any{map[string]any{"id": "fake-model", "object": "model", "created": 0, "owned_by": "providertest"}}})
		return
	default:
		s.writeError(w, Reply{Status: 404, ErrorMessage: "no route " + route + " on the fake " + s.kind()})
		return
	}

	rep := s.script(req.N, &req)
	a := answer{s: s, w: w, r: r, n: req.N, rep: rep}
	if !a.beforeHeaders() {
		return
	}
	for k, v := range rep.Headers {
		w.Header().Set(k, v)
	}
	if rep.RetryAfter != "" {
		w.Header().Set("Retry-After", rep.RetryAfter)
	}
	if rep.Status != 0 && (rep.Status < 200 || rep.Status > 299) {
		s.writeError(w, rep)
		return
	}
	switch {
	case r.URL.Path == "/v1/embeddings":
		a.embeddings(&req)
	case req.Stream():
		a.stream(&req)
	default:
		a.complete(&req)
	}
}

func (s *Server) kind() string {
	if s.anthropic {
		return "Anthropic server"
	}
	return "OpenAI server"
}

func (s *Server) writeError(w http.ResponseWriter, rep Reply) {
	if rep.Body != "" {
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		}
		w.WriteHeader(rep.Status)
		_, _ = io.WriteString(w, rep.Body)
		return
	}
	typ, msg := rep.ErrorType, rep.ErrorMessage
	if msg == "" {
		msg = http.StatusText(rep.Status)
	}
	if s.anthropic {
		if typ == "" {
			typ = anthropicErrorType(rep.Status)
		}
		writeJSON(w, rep.Status, map[string]any{"type": "error", "error": map[string]any{"type": typ, "message": msg}})
		return
	}
	if typ == "" {
		typ = openAIErrorType(rep.Status)
	}
	writeJSON(w, rep.Status, map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": nil}})
}

func openAIErrorType(status int) string {
	switch {
	case status == 429:
		return "rate_limit_exceeded"
	case status >= 500:
		return "server_error"
	}
	return "invalid_request_error"
}

func anthropicErrorType(status int) string {
	switch status {
	case 401:
		return "authentication_error"
	case 403:
		return "permission_error"
	case 404:
		return "not_found_error"
	case 413:
		return "request_too_large"
	case 429:
		return "rate_limit_error"
	case 529:
		return "overloaded_error"
	}
	if status >= 500 {
		return "api_error"
	}
	return "invalid_request_error"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// answer writes one scripted reply.
type answer struct {
	s    *Server
	w    http.ResponseWriter
	r    *http.Request
	n    int
	rep  Reply
	sent int // content chunks sent
}

// wait blocks for d (forever if d < 0) or until the request ends; it
// reports whether the request is still alive.
func (a *answer) wait(d time.Duration) bool {
	var timer <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-timer:
		return true
	case <-a.r.Context().Done():
		a.noteCanceled()
		return false
	case <-a.s.closing:
		return false
	}
}

func (a *answer) noteCanceled() {
	select {
	case a.s.canceled <- a.n:
	default:
	}
}

// beforeHeaders applies faults and delays that precede the headers.
func (a *answer) beforeHeaders() bool {
	switch a.rep.Fault {
	case ResetBeforeHeaders:
		a.reset()
		return false
	case StallBeforeHeaders:
		a.wait(-1)
		return false
	}
	if a.rep.FirstByteDelay > 0 {
		return a.wait(a.rep.FirstByteDelay)
	}
	return true
}

// reset aborts the connection with a TCP RST.
func (a *answer) reset() {
	conn, buf, err := http.NewResponseController(a.w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = buf.Flush()
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// chunk sends one content event, applying mid-stream faults first; it
// reports whether to continue.
func (a *answer) chunk(ev string) bool {
	if a.sent == a.rep.FaultAfter {
		switch a.rep.Fault {
		case ResetMidStream:
			a.reset()
			return false
		case StallMidStream:
			a.wait(-1)
			return false
		case Truncate:
			return false
		}
	}
	if a.rep.ChunkDelay > 0 && !a.wait(a.rep.ChunkDelay) {
		return false
	}
	a.sent++
	return a.send(ev)
}

// send writes and flushes raw SSE text.
func (a *answer) send(ev string) bool {
	if _, err := io.WriteString(a.w, ev); err != nil {
		a.noteCanceled()
		return false
	}
	if err := http.NewResponseController(a.w).Flush(); err != nil {
		a.noteCanceled()
		return false
	}
	return true
}

// faultAtEnd applies a mid-stream fault scheduled after the last content
// chunk; it reports whether to continue.
func (a *answer) faultAtEnd() bool {
	if a.rep.Fault >= ResetMidStream && a.sent <= a.rep.FaultAfter {
		a.sent = a.rep.FaultAfter
		return a.chunk("")
	}
	return true
}

func (a *answer) finishReason() string {
	if a.rep.FinishReason != "" {
		return a.rep.FinishReason
	}
	if len(a.rep.ToolCalls) > 0 {
		return "tool_calls"
	}
	return "stop"
}

func (a *answer) toolID(i int) string {
	if id := a.rep.ToolCalls[i].ID; id != "" {
		return id
	}
	if a.s.anthropic {
		return fmt.Sprintf("toolu_fake_%d_%d", a.n, i)
	}
	return fmt.Sprintf("call_fake_%d_%d", a.n, i)
}

func (a *answer) model(req *Request) string {
	if m, _ := req.JSON["model"].(string); m != "" {
		return m
	}
	return "fake-model"
}

// fragment is one piece of tool-call arguments.
type fragment struct {
	call int
	args string
}

// fragments lists the argument fragments in sending order.
func (a *answer) fragments() []fragment {
	n := a.rep.ArgChunks
	if n <= 0 {
		n = 2
	}
	per := make([][]string, len(a.rep.ToolCalls))
	for i, tc := range a.rep.ToolCalls {
		per[i] = Split(tc.Arguments, n)
	}
	var out []fragment
	if a.rep.InterleaveToolCalls {
		for k := 0; ; k++ {
			more := false
			for i := range per {
				if k < len(per[i]) {
					out = append(out, fragment{i, per[i][k]})
					more = true
				}
			}
			if !more {
				return out
			}
		}
	}
	for i := range per {
		for _, f := range per[i] {
			out = append(out, fragment{i, f})
		}
	}
	return out
}

func (a *answer) textChunks() []string {
	if a.rep.Chunks > 0 {
		return Split(a.rep.Text, a.rep.Chunks)
	}
	return SplitWords(a.rep.Text)
}

func sseData(v any) string {
	b, _ := json.Marshal(v)
	return "data: " + string(b) + "\n\n"
}

func sseEvent(name string, v any) string {
	b, _ := json.Marshal(v)
	return "event: " + name + "\ndata: " + string(b) + "\n\n"
}

func startSSE(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
}

func (a *answer) stream(req *Request) {
	startSSE(a.w)
	if a.s.anthropic {
		a.anthropicStream(req)
	} else {
		a.openAIStream(req)
	}
}

func (a *answer) complete(req *Request) {
	if a.rep.Fault >= ResetMidStream {
		// A non-streamed body cut short.
		a.w.Header().Set("Content-Type", "application/json")
		a.w.WriteHeader(http.StatusOK)
		a.send(`{"id":"cut`)
		if a.rep.Fault == ResetMidStream {
			a.reset()
		} else if a.rep.Fault == StallMidStream {
			a.wait(-1)
		}
		return
	}
	if a.s.anthropic {
		a.anthropicMessage(req)
	} else {
		a.openAICompletion(req)
	}
}

// Split cuts s into n pieces of about equal rune count (fewer if s is
// short); it never splits a UTF-8 sequence.
func Split(s string, n int) []string {
	if s == "" {
		return nil
	}
	runes := utf8.RuneCountInString(s)
	n = max(1, min(n, runes))
	out := make([]string, 0, n)
	per, extra := runes/n, runes%n
	for i := 0; i < n; i++ {
		k := per
		if i < extra {
			k++
		}
		j := 0
		for r := 0; r < k && j < len(s); r++ {
			_, size := utf8.DecodeRuneInString(s[j:])
			j += size
		}
		out = append(out, s[:j])
		s = s[j:]
	}
	return out
}

// SplitWords cuts s after each run of whitespace, like a model's tokens.
func SplitWords(s string) []string {
	var out []string
	start := 0
	inSpace := false
	for i, r := range s {
		sp := unicode.IsSpace(r)
		if inSpace && !sp {
			out = append(out, s[start:i])
			start = i
		}
		inSpace = sp
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

func vectorFor(s string, i int) []float64 {
	return []float64{float64(len(s)), float64(i), float64(strings.Count(s, " ")) / 10}
}
