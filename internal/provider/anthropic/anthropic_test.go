package anthropic

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/openclaw/openclaw-go/internal/provider"
	"github.com/openclaw/openclaw-go/internal/provider/providertest"
)

func newClient(srv *providertest.Server, mod func(*Options)) provider.Provider {
	o := Options{ID: "anthropic", BaseURL: srv.BaseURL(), APIKey: "sk-ant-test", AuthHint: "check ANTHROPIC_API_KEY"}
	if mod != nil {
		mod(&o)
	}
	return New(o)
}

func streamAll(t *testing.T, p provider.Provider, req *provider.Request) providertest.Collected {
	t.Helper()
	if req == nil {
		req = &provider.Request{Model: "claude-test", Messages: []provider.Message{{Role: "user", Content: "hi"}}}
	}
	s, err := p.Stream(t.Context(), req)
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	return providertest.Collect(t, s)
}

func TestStreamText(t *testing.T) {
	t.Parallel()
	srv := providertest.NewAnthropic(t, providertest.Replies(providertest.Reply{
		Text: "Hello from Claude", Usage: &provider.Usage{PromptTokens: 12, CompletionTokens: 5},
	}))
	got := streamAll(t, newClient(srv, nil), nil)
	if got.Err != nil {
		t.Fatal(got.Err)
	}
	if got.Text != "Hello from Claude" || got.Texts != 3 || got.Finish != "stop" {
		t.Errorf("text %q (%d deltas), finish %q", got.Text, got.Texts, got.Finish)
	}
	want := &provider.Usage{PromptTokens: 12, CompletionTokens: 5, TotalTokens: 17}
	if !reflect.DeepEqual(got.Usage, want) || got.Usages != 1 || got.Last.Usage == nil {
		t.Errorf("usage %+v (%d times, last delta %+v), want %+v once at the end", got.Usage, got.Usages, got.Last, want)
	}
}

func TestStreamToolCalls(t *testing.T) {
	t.Parallel()
	calls := []provider.ToolCall{
		{ID: "toolu_1", Name: "get_weather", Arguments: `{"city":"Oslo"}`},
		{ID: "toolu_2", Name: "get_time", Arguments: `{"tz":"Europe/Oslo","fmt":"24h"}`},
	}
	for _, interleave := range []bool{false, true} {
		srv := providertest.NewAnthropic(t, providertest.Replies(providertest.Reply{
			Text: "Checking.", ToolCalls: calls, ArgChunks: 3, InterleaveToolCalls: interleave,
		}))
		got := streamAll(t, newClient(srv, nil), nil)
		if got.Err != nil {
			t.Fatal(got.Err)
		}
		if got.Text != "Checking." || got.Finish != "tool_calls" {
			t.Errorf("text %q finish %q", got.Text, got.Finish)
		}
		for i, want := range calls {
			if g := got.Calls[i]; g == nil || *g != want {
				t.Errorf("interleave=%v call %d = %+v, want %+v", interleave, i, g, want)
			}
		}
	}
}

func TestToolCallWithoutArgumentsGetsEmptyObject(t *testing.T) {
	t.Parallel()
	srv := providertest.NewAnthropic(t, providertest.Replies(providertest.Reply{ToolCalls: []provider.ToolCall{{Name: "noop"}}}))
	got := streamAll(t, newClient(srv, nil), nil)
	if got.Err != nil || got.Calls[0] == nil || got.Calls[0].Arguments != "{}" || got.Calls[0].ID == "" {
		t.Fatalf("%+v %v", got.Calls[0], got.Err)
	}
}

func TestStopReasonMapping(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length", "tool_use": "tool_calls", "refusal": "content_filter"} {
		if got := finishReason(in); got != want {
			t.Errorf("%s → %s, want %s", in, got, want)
		}
	}
}

func TestRequestTranslation(t *testing.T) {
	t.Parallel()
	temp := 1.5
	req := &provider.Request{
		Model:  "claude-test",
		System: "Be brief.",
		Messages: []provider.Message{
			{Role: "system", Content: "Extra rule."},
			{Role: "user", Content: "first"},
			{Role: "user", Parts: []provider.Part{{Type: "text", Text: "see"}, {Type: "image", ImageURL: "data:image/png;base64,iVBORw0K"}}},
			{Role: "assistant", Content: "Looking.", ToolCalls: []provider.ToolCall{
				{ID: "toolu_1", Name: "look", Arguments: `{"q":"cat"}`},
				{ID: "toolu_2", Name: "look", Arguments: `not json`},
			}},
			{Role: "tool", ToolCallID: "toolu_1", Content: "a cat"},
			{Role: "tool", ToolCallID: "toolu_2", Content: "error"},
			{Role: "user", Content: "and?"},
		},
		Tools:       []provider.Tool{{Name: "look", Description: "look up", Parameters: json.RawMessage(`{"type":"object","properties":{"q":{"type":"string"}}}`)}, {Name: "bare"}},
		ToolChoice:  &provider.ToolChoice{Mode: provider.ToolChoiceRequired},
		Temperature: &temp,
		Stop:        []string{"END"},
		User:        "u-1",
	}
	srv := providertest.NewAnthropic(t, nil)
	p := newClient(srv, func(o *Options) {
		o.ModelMaxTokens = map[string]int{"claude-test": 8192}
		o.Headers = map[string]string{"anthropic-beta": "x"}
	})
	if got := streamAll(t, p, req); got.Err != nil {
		t.Fatal(got.Err)
	}
	r := srv.Last(t)
	if r.Path != "/v1/messages" || r.Header.Get("x-api-key") != "sk-ant-test" || r.Header.Get("anthropic-version") != "2023-06-01" ||
		r.Header.Get("anthropic-beta") != "x" || r.Header.Get("Authorization") != "" {
		t.Errorf("path %s headers %v", r.Path, r.Header)
	}
	want := `{
	  "model": "claude-test",
	  "system": "Be brief.\n\nExtra rule.",
	  "max_tokens": 8192,
	  "messages": [
	    {"role": "user", "content": [
	      {"type": "text", "text": "first"},
	      {"type": "text", "text": "see"},
	      {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0K"}}]},
	    {"role": "assistant", "content": [
	      {"type": "text", "text": "Looking."},
	      {"type": "tool_use", "id": "toolu_1", "name": "look", "input": {"q": "cat"}},
	      {"type": "tool_use", "id": "toolu_2", "name": "look", "input": {}}]},
	    {"role": "user", "content": [
	      {"type": "tool_result", "tool_use_id": "toolu_1", "content": "a cat"},
	      {"type": "tool_result", "tool_use_id": "toolu_2", "content": "error"},
	      {"type": "text", "text": "and?"}]}
	  ],
	  "tools": [
	    {"name": "look", "description": "look up", "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}}},
	    {"name": "bare", "input_schema": {"type": "object", "properties": {}}}],
	  "tool_choice": {"type": "any"},
	  "stop_sequences": ["END"],
	  "temperature": 1,
	  "metadata": {"user_id": "u-1"},
	  "stream": true
	}`
	assertJSON(t, r.Body, want)
}

func TestToolChoiceAndMaxTokens(t *testing.T) {
	t.Parallel()
	tools := []provider.Tool{{Name: "f"}}
	for _, tc := range []struct {
		name      string
		choice    *provider.ToolChoice
		maxTokens int
		want      any
		wantMax   float64
	}{
		{"auto", &provider.ToolChoice{Mode: "auto"}, 0, map[string]any{"type": "auto"}, DefaultMaxTokens},
		{"function", &provider.ToolChoice{Mode: "function", Name: "f"}, 0, map[string]any{"type": "tool", "name": "f"}, DefaultMaxTokens},
		{"none", &provider.ToolChoice{Mode: "none"}, 50, map[string]any{"type": "none"}, 50},
		{"unset", nil, 0, nil, DefaultMaxTokens},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := providertest.NewAnthropic(t, nil)
			streamAll(t, newClient(srv, nil), &provider.Request{Model: "m", Tools: tools, ToolChoice: tc.choice, MaxTokens: tc.maxTokens,
				Messages: []provider.Message{{Role: "user", Content: "x"}}})
			r := srv.Last(t)
			if !reflect.DeepEqual(r.JSON["tool_choice"], tc.want) || r.JSON["max_tokens"] != tc.wantMax {
				t.Errorf("tool_choice %v max_tokens %v", r.JSON["tool_choice"], r.JSON["max_tokens"])
			}
		})
	}
}

func assertJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("body is not JSON: %v", err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want is not JSON: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		gb, _ := json.MarshalIndent(g, "", "  ")
		wb, _ := json.MarshalIndent(w, "", "  ")
		t.Errorf("wire body mismatch\ngot:  %s\nwant: %s", gb, wb)
	}
}

func wantKind(t *testing.T, err error, kind provider.ErrorKind) *provider.Error {
	t.Helper()
	pe, ok := provider.AsError(err)
	if !ok || pe.Kind != kind {
		t.Fatalf("err = %v (%T), want *provider.Error of kind %d", err, err, kind)
	}
	return pe
}

func TestErrorResponses(t *testing.T) {
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
		{"400 invalid request", providertest.Reply{Status: 400, ErrorMessage: "max_tokens: too large"}, 400, "max_tokens: too large", 0, false, ""},
		{"404 unknown model", providertest.Reply{Status: 404, ErrorMessage: "model: claude-test"}, 404, "model: claude-test", 0, false, "claude-test"},
		{"429 with Retry-After", providertest.Reply{Status: 429, ErrorMessage: "rate limited", RetryAfter: "20"}, 429, "rate limited", 20 * time.Second, true, ""},
		{"500 api_error", providertest.Reply{Status: 500, ErrorMessage: "internal"}, 500, "internal", 0, true, ""},
		{"529 overloaded is retryable", providertest.Reply{Status: 529, ErrorMessage: "Overloaded"}, 529, "Overloaded", 0, true, ""},
		{"503 from a proxy with a text body", providertest.Reply{Status: 503, Body: "no healthy upstream"}, 503, "no healthy upstream", 0, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := providertest.NewAnthropic(t, providertest.Replies(tc.reply))
			_, err := newClient(srv, nil).Stream(t.Context(), &provider.Request{Model: "claude-test"})
			pe := wantKind(t, err, provider.KindUpstream)
			if pe.Status != tc.status || pe.Message != tc.msg || pe.RetryAfter != tc.retryAfter || pe.Retryable() != tc.retryable || !strings.Contains(pe.Hint, tc.hint) {
				t.Errorf("got status %d msg %q retryAfter %v retryable %v hint %q", pe.Status, pe.Message, pe.RetryAfter, pe.Retryable(), pe.Hint)
			}
			if strings.Contains(pe.Error(), "sk-ant-test") {
				t.Error("error leaks the key")
			}
		})
	}
}

func TestOverloadedEventMidStream(t *testing.T) {
	t.Parallel()
	srv := providertest.NewAnthropic(t, providertest.Replies(providertest.Reply{Text: "part", StreamError: "overloaded_error"}))
	got := streamAll(t, newClient(srv, nil), nil)
	pe := wantKind(t, got.Err, provider.KindUpstream)
	if got.Text != "part" || pe.Status != 529 || !pe.Retryable() || !strings.Contains(pe.Message, "overloaded_error") {
		t.Errorf("text %q, error %+v", got.Text, pe)
	}
}

func TestNetworkFailures(t *testing.T) {
	t.Parallel()
	t.Run("connection refused", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		_, err = New(Options{ID: "a", BaseURL: "http://" + addr}).Stream(t.Context(), &provider.Request{Model: "m"})
		wantKind(t, err, provider.KindUnreachable)
	})
	t.Run("reset mid-stream", func(t *testing.T) {
		t.Parallel()
		srv := providertest.NewAnthropic(t, providertest.Replies(providertest.Reply{Text: "a b c d", Fault: providertest.ResetMidStream, FaultAfter: 2}))
		got := streamAll(t, newClient(srv, nil), nil)
		if got.Text != "a b " || got.Err == nil || errors.Is(got.Err, io.EOF) {
			t.Fatalf("text %q err %v", got.Text, got.Err)
		}
	})
	t.Run("truncated without message_stop", func(t *testing.T) {
		t.Parallel()
		srv := providertest.NewAnthropic(t, providertest.Replies(providertest.Reply{Text: "a b", Fault: providertest.Truncate, FaultAfter: 1}))
		got := streamAll(t, newClient(srv, nil), nil)
		wantKind(t, got.Err, provider.KindProtocol)
	})
	t.Run("first-byte timeout", func(t *testing.T) {
		t.Parallel()
		srv := providertest.NewAnthropic(t, providertest.Replies(providertest.Reply{FirstByteDelay: time.Minute}))
		p := newClient(srv, func(o *Options) { o.Timeouts.FirstByte = 100 * time.Millisecond })
		_, err := p.Stream(t.Context(), &provider.Request{Model: "m"})
		wantKind(t, err, provider.KindTimeout)
		waitCanceled(t, srv)
	})
	t.Run("idle timeout", func(t *testing.T) {
		t.Parallel()
		srv := providertest.NewAnthropic(t, providertest.Replies(providertest.Reply{Text: "a b c", Fault: providertest.StallMidStream, FaultAfter: 1}))
		p := newClient(srv, func(o *Options) { o.Timeouts.Idle = 100 * time.Millisecond })
		got := streamAll(t, p, nil)
		wantKind(t, got.Err, provider.KindTimeout)
		waitCanceled(t, srv)
	})
	t.Run("close cancels the upstream request", func(t *testing.T) {
		t.Parallel()
		srv := providertest.NewAnthropic(t, providertest.Replies(providertest.Reply{Text: "a b c", Fault: providertest.StallMidStream, FaultAfter: 1}))
		s, err := newClient(srv, nil).Stream(t.Context(), &provider.Request{Model: "m"})
		if err != nil {
			t.Fatal(err)
		}
		if d, err := s.Next(); err != nil || d.Text != "a " {
			t.Fatalf("%+v %v", d, err)
		}
		s.Close()
		waitCanceled(t, srv)
		if _, err := s.Next(); err == nil || err == io.EOF {
			t.Errorf("Next after Close = %v", err)
		}
	})
}

func waitCanceled(t *testing.T, srv *providertest.Server) {
	t.Helper()
	select {
	case <-srv.Canceled():
	case <-time.After(5 * time.Second):
		t.Fatal("the fake upstream never saw the request canceled")
	}
}

func TestEmbedIsAConfigError(t *testing.T) {
	t.Parallel()
	_, err := New(Options{ID: "anthropic"}).Embed(t.Context(), &provider.EmbedRequest{Model: "m", Input: []string{"x"}})
	pe := wantKind(t, err, provider.KindConfig)
	if pe.Message != "anthropic has no embeddings API" || !strings.Contains(pe.Hint, "agents.defaults.embedding.model") {
		t.Errorf("%+v", pe)
	}
}

const textEvent = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" token\"}}\n\n"

// BenchmarkStreamChunk measures one text_delta event through the parser.
func BenchmarkStreamChunk(b *testing.B) {
	const perBody = 1000
	head := "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}\n\n" +
		"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
	body := head + strings.Repeat(textEvent, perBody)
	b.ReportAllocs()
	b.SetBytes(int64(len(textEvent)))
	src := strings.NewReader(body)
	s := newStream(src, nil, "bench", "m")
	n := 0
	for b.Loop() {
		d, err := s.Next()
		if err != nil || d.Text != " token" {
			b.Fatalf("delta %+v err %v", d, err)
		}
		if n++; n == perBody {
			b.StopTimer()
			n = 0
			src.Reset(body)
			s = newStream(src, nil, "bench", "m")
			b.StartTimer()
		}
	}
}

func FuzzStream(f *testing.F) {
	f.Add([]byte(textEvent))
	f.Add([]byte("event: content_block_start\ndata: {\"index\":2,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"n\"}}\n\nevent: message_stop\ndata: {}\n\n"))
	f.Add([]byte("data: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\"}}\n\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		s := newStream(strings.NewReader(string(body)), nil, "f", "m")
		for i := 0; i < 100000; i++ {
			if _, err := s.Next(); err != nil {
				return
			}
		}
		t.Fatal("stream never ended")
	})
}
