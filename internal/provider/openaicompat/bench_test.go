package openaicompat

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/openclaw/openclaw-go/internal/provider"
)

// eightChunkBody is a whole streamed reply as the load harness's mock sends
// it: a role chunk, 8 text chunks, the finish chunk, usage and [DONE].
var eightChunkBody = func() string {
	const pre = `data: {"id":"chatcmpl-AbCdEf123","object":"chat.completion.chunk","created":1731000000,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":`
	var b strings.Builder
	b.WriteString(pre + `{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]}` + "\n\n")
	for range 8 {
		b.WriteString(pre + `{"content":" token"},"logprobs":null,"finish_reason":null}]}` + "\n\n")
	}
	b.WriteString(pre + `{},"logprobs":null,"finish_reason":"stop"}]}` + "\n\n")
	b.WriteString(`data: {"id":"chatcmpl-AbCdEf123","object":"chat.completion.chunk","created":1731000000,"model":"gpt-4o-mini-2024-07-18","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":8,"total_tokens":20,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}` + "\n\n")
	b.WriteString("data: [DONE]\n\n")
	return b.String()
}()

const wholeCompletion = `{"id":"chatcmpl-AbCdEf123","object":"chat.completion","created":1731000000,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":" token token token token token token token token","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":8,"total_tokens":20},"system_fingerprint":"fp_0ba0d124f1"}`

// drain reads s to its end and closes it.
func drain(b *testing.B, s provider.Stream) {
	defer s.Close()
	for {
		if _, err := s.Next(); err != nil {
			if err != io.EOF {
				b.Fatal(err)
			}
			return
		}
	}
}

// BenchmarkStreamLifecycle measures one whole streamed reply through the
// parser, from newStream to Close: the per-stream setup (buffers, decoder)
// plus 11 events. One op is one stream.
func BenchmarkStreamLifecycle(b *testing.B) {
	b.ReportAllocs()
	src := strings.NewReader(eightChunkBody)
	for b.Loop() {
		src.Reset(eightChunkBody)
		drain(b, newStream(src, nil, "bench", "m"))
	}
}

// BenchmarkRoundTrip measures one completion over HTTP against a local
// server with a canned answer, on the shared transport: what one relayed
// request costs the gateway's client side.
func BenchmarkRoundTrip(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(string(body), `"stream":false`) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, wholeCompletion)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, eightChunkBody)
	}))
	defer srv.Close()
	p := New(Options{ID: "bench", BaseURL: srv.URL, Client: &http.Client{Transport: provider.NewTransport()}})
	req := &provider.Request{Model: "m", Messages: []provider.Message{{Role: "user", Content: "hi"}}}
	b.Run("stream", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s, err := p.Stream(b.Context(), req)
			if err != nil {
				b.Fatal(err)
			}
			drain(b, s)
		}
	})
	b.Run("nostream", func(b *testing.B) {
		req := *req
		req.NoStream = true
		b.ReportAllocs()
		for b.Loop() {
			s, err := p.Stream(b.Context(), &req)
			if err != nil {
				b.Fatal(err)
			}
			drain(b, s)
		}
	})
}
