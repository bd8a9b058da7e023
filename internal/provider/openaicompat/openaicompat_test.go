package openaicompat

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/openclaw/openclaw-go/internal/provider"
	"github.com/openclaw/openclaw-go/internal/provider/providertest"
)

func newClient(srv *providertest.Server, mod func(*Options)) provider.Provider {
	o := Options{ID: "test", BaseURL: srv.BaseURL(), APIKey: "sk-test", AuthHint: "check TEST_KEY"}
	if mod != nil {
		mod(&o)
	}
	return New(o)
}

func streamAll(t *testing.T, p provider.Provider, req *provider.Request) providertest.Collected {
	t.Helper()
	if req == nil {
		req = &provider.Request{Model: "gpt-test", Messages: []provider.Message{{Role: "user", Content: "hi"}}}
	}
	s, err := p.Stream(t.Context(), req)
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	return providertest.Collect(t, s)
}

func TestStreamText(t *testing.T) {
	t.Parallel()
	usage := &provider.Usage{PromptTokens: 11, CompletionTokens: 4, TotalTokens: 15}
	srv := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{Text: "Hello brave new world", Usage: usage}))
	got := streamAll(t, newClient(srv, nil), nil)
	if got.Err != nil {
		t.Fatal(got.Err)
	}
	if got.Text != "Hello brave new world" || got.Texts != 4 {
		t.Errorf("text %q in %d deltas, want 4 deltas", got.Text, got.Texts)
	}
	if got.Finish != "stop" {
		t.Errorf("finish = %q", got.Finish)
	}
	if !reflect.DeepEqual(got.Usage, usage) {
		t.Errorf("usage = %+v, want %+v", got.Usage, usage)
	}
	if got.UsageAt != got.Deltas-1 || got.FinishAt > got.UsageAt {
		t.Errorf("usage must be the last delta, after finish: usage at %d, finish at %d of %d", got.UsageAt, got.FinishAt, got.Deltas)
	}
}

func TestStreamWithoutUsageInventsNone(t *testing.T) {
	t.Parallel()
	srv := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{Text: "x"}))
	got := streamAll(t, newClient(srv, nil), nil)
	if got.Err != nil || got.Usage != nil {
		t.Fatalf("err %v, usage %+v; want no usage", got.Err, got.Usage)
	}
}

func TestStreamToolCalls(t *testing.T) {
	t.Parallel()
	calls := []provider.ToolCall{
		{ID: "call_a", Name: "get_weather", Arguments: `{"city":"Paris","unit":"celsius"}`},
		{ID: "call_b", Name: "get_time", Arguments: `{"tz":"Europe/Paris"}`},
		{ID: "call_c", Name: "noop", Arguments: ""},
	}
	for _, interleave := range []bool{false, true} {
		srv := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{
			Text: "Let me check.", ToolCalls: calls, ArgChunks: 4, InterleaveToolCalls: interleave,
		}))
		got := streamAll(t, newClient(srv, nil), nil)
		if got.Err != nil {
			t.Fatal(got.Err)
		}
		if got.Text != "Let me check." || got.Finish != "tool_calls" {
			t.Errorf("interleave=%v: text %q finish %q", interleave, got.Text, got.Finish)
		}
		for i, want := range calls {
			g := got.Calls[i]
			if g == nil || *g != want {
				t.Errorf("interleave=%v: call %d = %+v, want %+v", interleave, i, g, want)
			}
		}
	}
}

func TestStreamToolCallsWithoutIndex(t *testing.T) {
	t.Parallel()
	// Some servers send complete calls, each as index 0.
	body := `data: {"choices":[{"delta":{"tool_calls":[{"id":"c1","type":"function","function":{"name":"a","arguments":"{}"}}]}}]}` + "\n\n" +
		`data: {"choices":[{"delta":{"tool_calls":[{"id":"c2","type":"function","function":{"name":"b","arguments":"{\"x\":1}"}}]}}]}` + "\n\n" +
		`data: {"choices":[{"delta":{},"finish_reason":"stop"}]}` + "\n\ndata: [DONE]\n\n"
	got := providertest.Collect(t, newStream(strings.NewReader(body), nil, "p", "m"))
	if got.Err != nil {
		t.Fatal(got.Err)
	}
	if len(got.Calls) != 2 || got.Calls[0].Name != "a" || got.Calls[1].Arguments != `{"x":1}` {
		t.Fatalf("calls = %+v %+v", got.Calls[0], got.Calls[1])
	}
	if got.Finish != "tool_calls" {
		t.Errorf("finish after tool calls = %q, want tool_calls", got.Finish)
	}
}

func TestRequestTranslation(t *testing.T) {
	t.Parallel()
	temp, topP, seed := 0.7, 0.9, int64(42)
	req := &provider.Request{
		Model:  "gpt-test",
		System: "You are terse.",
		Messages: []provider.Message{
			{Role: "user", Parts: []provider.Part{{Type: "text", Text: "what is this?"}, {Type: "image", ImageURL: "data:image/png;base64,AAAA"}}},
			{Role: "assistant", ToolCalls: []provider.ToolCall{{ID: "call_1", Name: "look", Arguments: `{"q":"x"}`}}},
			{Role: "tool", ToolCallID: "call_1", Content: "a cat"},
			{Role: "user", Content: "thanks", Name: "bob"},
		},
		Tools:       []provider.Tool{{Name: "look", Description: "look things up", Parameters: json.RawMessage(`{"type":"object"}`)}},
		ToolChoice:  &provider.ToolChoice{Mode: provider.ToolChoiceFunction, Name: "look"},
		MaxTokens:   256,
		Temperature: &temp,
		TopP:        &topP,
		Seed:        &seed,
		Stop:        []string{"END"},
		User:        "u-1",
	}
	srv := providertest.NewOpenAI(t, nil)
	p := newClient(srv, func(o *Options) { o.Headers = map[string]string{"X-Extra": "1"} })
	if got := streamAll(t, p, req); got.Err != nil {
		t.Fatal(got.Err)
	}
	r := srv.Last(t)
	if r.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer sk-test" || r.Header.Get("X-Extra") != "1" {
		t.Errorf("path %s, headers %v", r.Path, r.Header)
	}
	want := `{
	  "model": "gpt-test",
	  "messages": [
	    {"role": "system", "content": "You are terse."},
	    {"role": "user", "content": [{"type": "text", "text": "what is this?"}, {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]},
	    {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "look", "arguments": "{\"q\":\"x\"}"}}]},
	    {"role": "tool", "content": "a cat", "tool_call_id": "call_1"},
	    {"role": "user", "content": "thanks", "name": "bob"}
	  ],
	  "tools": [{"type": "function", "function": {"name": "look", "description": "look things up", "parameters": {"type": "object"}}}],
	  "tool_choice": {"type": "function", "function": {"name": "look"}},
	  "max_completion_tokens": 256,
	  "temperature": 0.7, "top_p": 0.9, "seed": 42, "stop": ["END"], "user": "u-1",
	  "stream": true, "stream_options": {"include_usage": true}
	}`
	assertJSON(t, r.Body, want)
}

func TestRequestOptions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		mod    func(*Options)
		choice *provider.ToolChoice
		check  func(t *testing.T, r providertest.Request)
	}{
		{"max_tokens field for servers that only know it", func(o *Options) { o.MaxTokensField = MaxTokens }, nil, func(t *testing.T, r providertest.Request) {
			if r.JSON["max_tokens"] != 100.0 || r.JSON["max_completion_tokens"] != nil {
				t.Errorf("token cap fields: %s", r.Body)
			}
		}},
		{"no key sends no Authorization", func(o *Options) { o.APIKey = "" }, nil, func(t *testing.T, r providertest.Request) {
			if _, ok := r.Header["Authorization"]; ok {
				t.Errorf("Authorization sent without a key")
			}
		}},
		{"tool_choice required", nil, &provider.ToolChoice{Mode: "required"}, func(t *testing.T, r providertest.Request) {
			if r.JSON["tool_choice"] != "required" {
				t.Errorf("tool_choice = %v", r.JSON["tool_choice"])
			}
		}},
		{"tool_choice none", nil, &provider.ToolChoice{Mode: "none"}, func(t *testing.T, r providertest.Request) {
			if r.JSON["tool_choice"] != "none" {
				t.Errorf("tool_choice = %v", r.JSON["tool_choice"])
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := providertest.NewOpenAI(t, nil)
			req := &provider.Request{Model: "m", MaxTokens: 100, ToolChoice: tc.choice, Messages: []provider.Message{{Role: "user", Content: "x"}}}
			if got := streamAll(t, newClient(srv, tc.mod), req); got.Err != nil {
				t.Fatal(got.Err)
			}
			tc.check(t, srv.Last(t))
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

func TestErrorResponses(t *testing.T) {
	t.Parallel()
	date := time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name       string
		reply      providertest.Reply
		status     int
		msg        string
		retryAfter time.Duration // lower bound
		retryable  bool
		hint       string
	}{
		{"401 carries the key hint", providertest.Reply{Status: 401, ErrorMessage: "Incorrect API key provided"}, 401, "Incorrect API key provided", 0, false, "check TEST_KEY"},
		{"400 is not retryable", providertest.Reply{Status: 400, ErrorMessage: "bad temperature"}, 400, "bad temperature", 0, false, ""},
		{"404 names the model", providertest.Reply{Status: 404, ErrorMessage: "The model `gpt-test` does not exist"}, 404, "The model `gpt-test` does not exist", 0, false, `check that model "gpt-test" exists`},
		{"429 with Retry-After seconds", providertest.Reply{Status: 429, ErrorMessage: "slow down", RetryAfter: "7"}, 429, "slow down", 7 * time.Second, true, ""},
		{"429 with Retry-After date", providertest.Reply{Status: 429, RetryAfter: date}, 429, "Too Many Requests", 25 * time.Second, true, ""},
		{"429 with retry-after-ms", providertest.Reply{Status: 429, Headers: map[string]string{"retry-after-ms": "1500"}}, 429, "Too Many Requests", 1500 * time.Millisecond, true, ""},
		{"500 is retryable", providertest.Reply{Status: 500, ErrorMessage: "boom"}, 500, "boom", 0, true, ""},
		{"503 non-JSON body quoted", providertest.Reply{Status: 503, Body: "<html>" + strings.Repeat("upstream down ", 100) + "</html>"}, 503, "<html>upstream down", 0, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := providertest.NewOpenAI(t, providertest.Replies(tc.reply))
			_, err := newClient(srv, nil).Stream(t.Context(), &provider.Request{Model: "gpt-test"})
			pe, ok := provider.AsError(err)
			if !ok {
				t.Fatalf("err = %v, want *provider.Error", err)
			}
			if pe.Kind != provider.KindUpstream || pe.Status != tc.status || !strings.HasPrefix(pe.Message, tc.msg) {
				t.Errorf("got kind %d status %d message %q", pe.Kind, pe.Status, pe.Message)
			}
			if len(pe.Message) > 512 {
				t.Errorf("message not bounded: %d bytes", len(pe.Message))
			}
			if pe.RetryAfter < tc.retryAfter || (tc.retryAfter == 0 && pe.RetryAfter != 0) || pe.RetryAfter > tc.retryAfter+10*time.Second {
				t.Errorf("RetryAfter = %v, want ≈ %v", pe.RetryAfter, tc.retryAfter)
			}
			if pe.Retryable() != tc.retryable {
				t.Errorf("Retryable = %v", pe.Retryable())
			}
			if !strings.Contains(pe.Hint, tc.hint) {
				t.Errorf("Hint = %q, want it to contain %q", pe.Hint, tc.hint)
			}
			if pe.Provider != "test" || pe.Model != "gpt-test" || strings.Contains(pe.Error(), "sk-test") {
				t.Errorf("error %q must name provider and model, never the key", pe.Error())
			}
		})
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

func TestConnectionRefused(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := New(Options{ID: "local", BaseURL: "http://" + addr + "/v1"})
	_, err = p.Stream(t.Context(), &provider.Request{Model: "m"})
	pe := wantKind(t, err, provider.KindUnreachable)
	if !pe.Retryable() || !strings.Contains(pe.Message, "connection refused") {
		t.Errorf("message %q, retryable %v", pe.Message, pe.Retryable())
	}
}

func TestResetBeforeHeaders(t *testing.T) {
	t.Parallel()
	srv := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{Fault: providertest.ResetBeforeHeaders}))
	_, err := newClient(srv, nil).Stream(t.Context(), &provider.Request{Model: "m"})
	wantKind(t, err, provider.KindUnreachable)
}

func TestResetMidStream(t *testing.T) {
	t.Parallel()
	srv := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{Text: "one two three four", Fault: providertest.ResetMidStream, FaultAfter: 2}))
	got := streamAll(t, newClient(srv, nil), nil)
	if got.Text != "one two " {
		t.Errorf("text before the reset = %q", got.Text)
	}
	if got.Err == nil || errors.Is(got.Err, io.EOF) {
		t.Fatalf("err = %v, want a non-EOF error", got.Err)
	}
	wantKind(t, got.Err, provider.KindUnreachable)
}

func TestTruncatedStream(t *testing.T) {
	t.Parallel()
	srv := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{Text: "one two", Fault: providertest.Truncate, FaultAfter: 1}))
	got := streamAll(t, newClient(srv, nil), nil)
	wantKind(t, got.Err, provider.KindProtocol)
}

func TestInStreamError(t *testing.T) {
	t.Parallel()
	srv := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{Text: "partial", StreamError: "server_error"}))
	got := streamAll(t, newClient(srv, nil), nil)
	if got.Text != "partial" {
		t.Errorf("text = %q", got.Text)
	}
	wantKind(t, got.Err, provider.KindUpstream)
}

func TestFirstByteTimeout(t *testing.T) {
	t.Parallel()
	srv := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{Fault: providertest.StallBeforeHeaders}))
	p := newClient(srv, func(o *Options) { o.Timeouts = provider.Timeouts{FirstByte: 100 * time.Millisecond} })
	start := time.Now()
	_, err := p.Stream(t.Context(), &provider.Request{Model: "m"})
	pe := wantKind(t, err, provider.KindTimeout)
	if !pe.Retryable() || time.Since(start) > 5*time.Second {
		t.Errorf("retryable %v after %v", pe.Retryable(), time.Since(start))
	}
	waitCanceled(t, srv)
}

func TestIdleTimeout(t *testing.T) {
	t.Parallel()
	srv := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{Text: "a b c", Fault: providertest.StallMidStream, FaultAfter: 2}))
	p := newClient(srv, func(o *Options) { o.Timeouts = provider.Timeouts{Idle: 100 * time.Millisecond} })
	got := streamAll(t, p, nil)
	if got.Text != "a b " {
		t.Errorf("text = %q", got.Text)
	}
	wantKind(t, got.Err, provider.KindTimeout)
	waitCanceled(t, srv)
}

func TestCloseCancelsUpstream(t *testing.T) {
	t.Parallel()
	srv := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{Text: "a b c", Fault: providertest.StallMidStream, FaultAfter: 1}))
	s, err := newClient(srv, nil).Stream(t.Context(), &provider.Request{Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	if d, err := s.Next(); err != nil || d.Text != "a " {
		t.Fatalf("first delta %+v %v", d, err)
	}
	done := make(chan struct{})
	go func() {
		_, err := s.Next() // blocked on the stalled upstream
		if err == nil || err == io.EOF {
			t.Errorf("Next after Close = %v, want an error", err)
		}
		close(done)
	}()
	time.Sleep(20 * time.Millisecond)
	start := time.Now()
	s.Close()
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %v", d)
	}
	waitCanceled(t, srv)
	<-done
}

func TestContextCancelIsNotAProviderError(t *testing.T) {
	t.Parallel()
	srv := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{Fault: providertest.StallBeforeHeaders}))
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := newClient(srv, nil).Stream(ctx, &provider.Request{Model: "m"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if _, ok := provider.AsError(err); ok {
		t.Errorf("a client disconnect must not look like a provider failure")
	}
}

func waitCanceled(t *testing.T, srv *providertest.Server) {
	t.Helper()
	select {
	case <-srv.Canceled():
	case <-time.After(5 * time.Second):
		t.Fatal("the fake upstream never saw the request canceled")
	}
}

func TestConnectionReusedAfterCompleteStream(t *testing.T) {
	t.Parallel()
	srv := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{Text: "hi there"}))
	p := newClient(srv, func(o *Options) { o.Client = &http.Client{Transport: provider.NewTransport()} })
	var reused []bool
	ctx := httptrace.WithClientTrace(t.Context(), &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { reused = append(reused, i.Reused) }})
	for range 3 {
		s, err := p.Stream(ctx, &provider.Request{Model: "m"})
		if err != nil {
			t.Fatal(err)
		}
		if got := providertest.Collect(t, s); got.Err != nil {
			t.Fatal(got.Err)
		}
	}
	if !reflect.DeepEqual(reused, []bool{false, true, true}) {
		t.Errorf("connection reuse = %v, want [false true true]", reused)
	}
}

func TestNonStreamedReplyAccepted(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"choices":[{"message":{"content":"whole"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1}}`)
	}))
	defer srv.Close()
	got := streamAll(t, New(Options{ID: "x", BaseURL: srv.URL}), nil)
	if got.Err != nil || got.Text != "whole" || got.Finish != "stop" || got.Usage == nil || got.Usage.TotalTokens != 2 {
		t.Fatalf("%+v", got)
	}
}

func TestEmbed(t *testing.T) {
	t.Parallel()
	srv := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{
		Embeddings: [][]float64{{0.1, 0.2}, {0.3, 0.4}, {0.5, 0.6}},
		Usage:      &provider.Usage{PromptTokens: 6, TotalTokens: 6},
	}))
	res, err := newClient(srv, nil).Embed(t.Context(), &provider.EmbedRequest{Model: "text-embedding-3-small", Input: []string{"a", "b", "c"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]float64{{0.1, 0.2}, {0.3, 0.4}, {0.5, 0.6}}; !reflect.DeepEqual(res.Vectors, want) {
		t.Errorf("vectors = %v, want %v (input order)", res.Vectors, want)
	}
	if res.Usage == nil || res.Usage.PromptTokens != 6 {
		t.Errorf("usage = %+v", res.Usage)
	}
	r := srv.Last(t)
	assertJSON(t, r.Body, `{"model":"text-embedding-3-small","input":["a","b","c"],"encoding_format":"float"}`)
	if r.Path != "/v1/embeddings" {
		t.Errorf("path = %s", r.Path)
	}
}

func TestEmbedError(t *testing.T) {
	t.Parallel()
	srv := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{Status: 400, ErrorMessage: "input too long"}))
	_, err := newClient(srv, nil).Embed(t.Context(), &provider.EmbedRequest{Model: "e", Input: []string{"a"}})
	pe := wantKind(t, err, provider.KindUpstream)
	if pe.Status != 400 || pe.Message != "input too long" {
		t.Errorf("%+v", pe)
	}
}

// textChunk is a realistic OpenAI text chunk.
const textChunk = `data: {"id":"chatcmpl-AbCdEf123","object":"chat.completion.chunk","created":1731000000,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{"content":" token"},"logprobs":null,"finish_reason":null}]}` + "\n\n"

// BenchmarkStreamChunk measures the per-chunk cost of the stream parser:
// SSE framing, JSON decoding and delta construction for text chunks. One
// op is one chunk.
func BenchmarkStreamChunk(b *testing.B) {
	const perBody = 1000
	body := strings.Repeat(textChunk, perBody) + "data: [DONE]\n\n"
	b.ReportAllocs()
	b.SetBytes(int64(len(textChunk)))
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
	f.Add([]byte(textChunk + "data: [DONE]\n\n"))
	f.Add([]byte(`data: {"choices":[{"delta":{"tool_calls":[{"index":3,"id":"x","function":{"name":"n","arguments":"{"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":1}}` + "\n\n"))
	f.Add([]byte(`data: {"error":{"message":"m","code":500}}` + "\n\n"))
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
