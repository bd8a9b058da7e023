package anthropic

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/openclaw/openclaw-go/internal/provider"
	"github.com/openclaw/openclaw-go/internal/provider/providertest"
)

func noStreamReq() *provider.Request {
	return &provider.Request{Model: "claude-test", Messages: []provider.Message{{Role: "user", Content: "hi"}}, NoStream: true}
}

func deltasOf(t *testing.T, p provider.Provider, req *provider.Request) ([]provider.Delta, error) {
	t.Helper()
	s, err := p.Stream(t.Context(), req)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	var ds []provider.Delta
	for {
		d, err := s.Next()
		if err == io.EOF {
			return ds, nil
		}
		if err != nil {
			return ds, err
		}
		ds = append(ds, d)
	}
}

func fmtDeltas(ds []provider.Delta) string {
	var b strings.Builder
	for _, d := range ds {
		switch {
		case d.ToolCall != nil:
			fmt.Fprintf(&b, "tool %+v\n", *d.ToolCall)
		case d.Usage != nil:
			fmt.Fprintf(&b, "usage %+v\n", *d.Usage)
		default:
			fmt.Fprintf(&b, "%+v\n", d)
		}
	}
	return b.String()
}

func TestNoStreamText(t *testing.T) {
	t.Parallel()
	srv := providertest.NewAnthropic(t, providertest.Replies(providertest.Reply{
		Text: "Hello from Claude", Usage: &provider.Usage{PromptTokens: 12, CompletionTokens: 5},
	}))
	got, err := deltasOf(t, newClient(srv, nil), noStreamReq())
	if err != nil {
		t.Fatal(err)
	}
	want := []provider.Delta{{Text: "Hello from Claude"}, {FinishReason: "stop"},
		{Usage: &provider.Usage{PromptTokens: 12, CompletionTokens: 5, TotalTokens: 17}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("deltas\n%swant\n%s", fmtDeltas(got), fmtDeltas(want))
	}
	r := srv.Last(t)
	if r.Stream() {
		t.Errorf("request body %s: want stream false", r.Body)
	}
	if a, e := r.Header.Get("Accept"), r.Header.Get("Accept-Encoding"); a != "application/json" || e != "identity" {
		t.Errorf("Accept %q, Accept-Encoding %q", a, e)
	}
}

func TestNoStreamToolCalls(t *testing.T) {
	t.Parallel()
	srv := providertest.NewAnthropic(t, providertest.Replies(providertest.Reply{
		Text: "Checking.",
		ToolCalls: []provider.ToolCall{
			{ID: "toolu_1", Name: "get_weather", Arguments: `{"city":"Oslo"}`},
			{ID: "toolu_2", Name: "noop"},
		},
		Usage: &provider.Usage{PromptTokens: 3, CompletionTokens: 4},
	}))
	got, err := deltasOf(t, newClient(srv, nil), noStreamReq())
	if err != nil {
		t.Fatal(err)
	}
	want := []provider.Delta{
		{Text: "Checking."},
		{ToolCall: &provider.ToolCallDelta{Index: 0, ID: "toolu_1", Name: "get_weather", Arguments: `{"city":"Oslo"}`}},
		{ToolCall: &provider.ToolCallDelta{Index: 1, ID: "toolu_2", Name: "noop", Arguments: `{}`}},
		{FinishReason: "tool_calls"},
		{Usage: &provider.Usage{PromptTokens: 3, CompletionTokens: 4, TotalTokens: 7}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("deltas\n%swant\n%s", fmtDeltas(got), fmtDeltas(want))
	}
}

// A real response: cache usage counts as prompt tokens, thinking blocks are
// not relayed, stop reasons map as in a stream.
func TestNoStreamMessageDetails(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"msg_1","type":"message","role":"assistant","model":"claude-test","content":[
			{"type":"thinking","thinking":"hmm","signature":"sig"},
			{"type":"text","text":"one"},{"type":"text","text":""},{"type":"text","text":"two"},
			{"type":"tool_use","id":"toolu_9","name":"f","input":{ "a" : [1, 2] }}],
			"stop_reason":"max_tokens","stop_sequence":null,
			"usage":{"input_tokens":10,"cache_creation_input_tokens":2,"cache_read_input_tokens":3,"output_tokens":7}}`)
	}))
	defer srv.Close()
	got, err := deltasOf(t, New(Options{ID: "a", BaseURL: srv.URL}), noStreamReq())
	if err != nil {
		t.Fatal(err)
	}
	want := []provider.Delta{
		{Text: "one"}, {Text: "two"},
		{ToolCall: &provider.ToolCallDelta{Index: 0, ID: "toolu_9", Name: "f", Arguments: `{ "a" : [1, 2] }`}},
		{FinishReason: "length"},
		{Usage: &provider.Usage{PromptTokens: 15, CompletionTokens: 7, TotalTokens: 22}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("deltas\n%swant\n%s", fmtDeltas(got), fmtDeltas(want))
	}
}

func TestNoStreamErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		reply      providertest.Reply
		status     int
		msg        string
		retryAfter time.Duration
		retryable  bool
		hint       string
	}{
		{"401 invalid key", providertest.Reply{Status: 401, ErrorMessage: "invalid x-api-key"}, 401, "invalid x-api-key", 0, false, "ANTHROPIC_API_KEY"},
		{"429 with Retry-After", providertest.Reply{Status: 429, ErrorMessage: "rate limited", RetryAfter: "20"}, 429, "rate limited", 20 * time.Second, true, ""},
		{"529 overloaded is retryable", providertest.Reply{Status: 529, ErrorMessage: "Overloaded"}, 529, "Overloaded", 0, true, ""},
		{"503 from a proxy with a text body", providertest.Reply{Status: 503, Body: "no healthy upstream"}, 503, "no healthy upstream", 0, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := providertest.NewAnthropic(t, providertest.Replies(tc.reply))
			_, err := newClient(srv, nil).Stream(t.Context(), noStreamReq())
			pe := wantKind(t, err, provider.KindUpstream)
			if pe.Status != tc.status || pe.Message != tc.msg || pe.RetryAfter != tc.retryAfter || pe.Retryable() != tc.retryable || !strings.Contains(pe.Hint, tc.hint) {
				t.Errorf("got status %d msg %q retryAfter %v retryable %v hint %q", pe.Status, pe.Message, pe.RetryAfter, pe.Retryable(), pe.Hint)
			}
		})
	}
}

func TestNoStreamBadBodies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		body string
		kind provider.ErrorKind
	}{
		{"error object with 200", `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`, provider.KindUpstream},
		{"not JSON", `<html>`, provider.KindProtocol},
		{"not a message", `{"hello":1}`, provider.KindProtocol},
		{"cut short", `{"id":"msg_1","type":"mess`, provider.KindProtocol},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			_, err := deltasOf(t, New(Options{ID: "a", BaseURL: srv.URL}), noStreamReq())
			pe := wantKind(t, err, tc.kind)
			if tc.kind == provider.KindUpstream && (pe.Status != 529 || !pe.Retryable()) {
				t.Errorf("%+v", pe)
			}
		})
	}
}

func TestNoStreamNetworkFailures(t *testing.T) {
	t.Parallel()
	t.Run("reset mid-body", func(t *testing.T) {
		t.Parallel()
		srv := providertest.NewAnthropic(t, providertest.Replies(providertest.Reply{Text: "x", Fault: providertest.ResetMidStream}))
		_, err := deltasOf(t, newClient(srv, nil), noStreamReq())
		wantKind(t, err, provider.KindUnreachable)
	})
	t.Run("idle timeout", func(t *testing.T) {
		t.Parallel()
		srv := providertest.NewAnthropic(t, providertest.Replies(providertest.Reply{Text: "x", Fault: providertest.StallMidStream}))
		p := newClient(srv, func(o *Options) { o.Timeouts.Idle = 100 * time.Millisecond })
		_, err := deltasOf(t, p, noStreamReq())
		wantKind(t, err, provider.KindTimeout)
		waitCanceled(t, srv)
	})
	t.Run("response timeout", func(t *testing.T) {
		t.Parallel()
		srv := providertest.NewAnthropic(t, providertest.Replies(providertest.Reply{Fault: providertest.StallBeforeHeaders}))
		p := newClient(srv, func(o *Options) {
			o.Timeouts = provider.Timeouts{FirstByte: 50 * time.Millisecond, Response: 150 * time.Millisecond}
		})
		start := time.Now()
		_, err := deltasOf(t, p, noStreamReq())
		wantKind(t, err, provider.KindTimeout)
		if d := time.Since(start); d < 100*time.Millisecond {
			t.Errorf("timed out after %v, before the response timeout", d)
		}
		waitCanceled(t, srv)
	})
}

// A proxy that streams although asked not to is still understood, and a
// JSON answer to a stream request too.
func TestContentTypeDecidesTheParser(t *testing.T) {
	t.Parallel()
	srv := providertest.NewAnthropic(t, providertest.Replies(providertest.Reply{Text: "a b"}))
	streamed := newClient(srv, nil)
	sseBody := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "event: content_block_start\ndata: {\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"+
			"event: content_block_delta\ndata: {\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"streamed\"}}\n\n"+
			"event: message_delta\ndata: {\"delta\":{\"stop_reason\":\"end_turn\"}}\n\nevent: message_stop\ndata: {}\n\n")
	}
	jsonBody := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		io.WriteString(w, `{"type":"message","content":[{"type":"text","text":"whole"}],"stop_reason":"end_turn"}`)
	}
	for _, tc := range []struct {
		h        http.HandlerFunc
		noStream bool
		want     string
	}{{sseBody, true, "streamed"}, {jsonBody, false, "whole"}, {jsonBody, true, "whole"}} {
		s := httptest.NewServer(tc.h)
		req := noStreamReq()
		req.NoStream = tc.noStream
		got := streamAll(t, New(Options{ID: "a", BaseURL: s.URL}), req)
		s.Close()
		if got.Err != nil || got.Text != tc.want || got.Finish != "stop" {
			t.Errorf("noStream %v: %+v", tc.noStream, got)
		}
	}
	if got := streamAll(t, streamed, nil); got.Err != nil || got.Text != "a b" {
		t.Errorf("%+v", got)
	}
}
