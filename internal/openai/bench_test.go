package openai

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// discardWriter is a ResponseWriter that drops the body and can flush, so
// benchmarks measure encoding, not a recorder's buffer growth.
type discardWriter struct {
	h http.Header
	n int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { d.n += len(b); return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}
func (d *discardWriter) Flush()                      {}

// typicalChat is a request as SDKs send it: system prompt, a short
// conversation, one tool, sampling options, streaming with usage.
const typicalChat = `{"model":"openclaw/default","stream":true,"stream_options":{"include_usage":true},
"temperature":0.7,"top_p":0.95,"max_completion_tokens":1024,"user":"user-1234",
"messages":[
 {"role":"system","content":"You are a helpful assistant. Answer concisely and cite sources when you can."},
 {"role":"user","content":"What's the weather like in Paris today? I am planning a walk along the Seine."},
 {"role":"assistant","content":null,"tool_calls":[{"id":"call_abc123","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\",\"unit\":\"c\"}"}}]},
 {"role":"tool","tool_call_id":"call_abc123","content":"{\"temp\":21,\"sky\":\"clear\",\"wind\":\"light\"}"},
 {"role":"user","content":[{"type":"text","text":"Great, and should I bring a jacket in the evening?"}]}
],
"tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather for a city","parameters":{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["c","f"]}},"required":["city"]}}}],
"tool_choice":"auto"}`

func BenchmarkDecodeValidateChat(b *testing.B) {
	body := []byte(typicalChat)
	r := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", nil)
	r.Header.Set("Content-Type", "application/json")
	rd := bytes.NewReader(body)
	r.Body = io.NopCloser(rd)
	r.ContentLength = int64(len(body))
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		rd.Reset(body)
		if _, e := decode[ChatCompletionRequest](r); e != nil {
			b.Fatal(e)
		}
	}
}

func BenchmarkSSEChunk(b *testing.B) {
	w := &discardWriter{h: http.Header{}}
	s := newChatStream(w, "chatcmpl-QWERTYUIOPASDFGHJKLZXCVBNM", 1767323045, "openclaw/default")
	s.start()
	b.ReportAllocs()
	for b.Loop() {
		s.content("Hello, this is a typical token \"chunk\".")
	}
}

func TestSSEChunkAllocs(t *testing.T) {
	w := &discardWriter{h: http.Header{}}
	s := newChatStream(w, "chatcmpl-X", 1, "openclaw")
	s.start()
	allocs := testing.AllocsPerRun(1000, func() { s.content("héllo \"world\"\n\u2028") })
	if allocs > 2 {
		t.Errorf("%v allocations per content chunk, want ≤ 2", allocs)
	}
}

// FuzzDecodeChat feeds untrusted bodies through decode and validation: no
// input may panic, and every rejection is a 4xx.
func FuzzDecodeChat(f *testing.F) {
	f.Add([]byte(typicalChat))
	f.Add([]byte(`{"model":"x","messages":[{"role":1}]}`))
	f.Add([]byte(`{"messages":[{"role":"user","content":[{"type":"text","text":1}]}]}`))
	f.Add([]byte(`[{"a":[1,{"b":"c"}]}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, v := range []validator{&ChatCompletionRequest{}, &ResponseRequest{}, &EmbeddingRequest{}} {
			e := unmarshal(body, v)
			if e == nil {
				e = v.Validate()
			}
			if e != nil && (e.Status < 400 || e.Status > 499) {
				t.Fatalf("status %d for %q", e.Status, body)
			}
		}
	})
}

func TestPathAt(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"messages":[{"role":"a"},{"role":1}]}`, "messages[1].role"},
		{`{"a":{"b":[[1,2],[3,"x"]]}}`, "a.b[1][1]"},
		{`{"temperature":"hot"}`, "temperature"},
	} {
		var v struct {
			Messages []struct {
				Role string `json:"role"`
			} `json:"messages"`
			A struct {
				B [][]int `json:"b"`
			} `json:"a"`
			Temperature float64 `json:"temperature"`
		}
		err := json.Unmarshal([]byte(tc.in), &v)
		te, ok := err.(*json.UnmarshalTypeError)
		if !ok {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if got := pathAt([]byte(tc.in), te.Offset); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestChatRequestRoundTrip checks that the request types marshal back to
// the wire shape they decode from.
func TestChatRequestRoundTrip(t *testing.T) {
	var a, b ChatCompletionRequest
	mustJSON(t, []byte(typicalChat), &a)
	out, err := json.Marshal(&a)
	if err != nil {
		t.Fatal(err)
	}
	mustJSON(t, out, &b)
	ta, _ := json.Marshal(a.turn())
	tb, _ := json.Marshal(b.turn())
	if !bytes.Equal(ta, tb) {
		t.Errorf("round trip changed the turn:\n%s\n%s\nvia %s", ta, tb, out)
	}
}
