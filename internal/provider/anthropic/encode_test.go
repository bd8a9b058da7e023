package anthropic

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/openclaw/openclaw-go/internal/provider"
)

// checkEncoding encodes the Messages API request of r both ways and fails
// unless they decode to the same JSON value.
func checkEncoding(t *testing.T, c *client, r *provider.Request) {
	t.Helper()
	w := c.buildRequest(r)
	ref, err := json.Marshal(w)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	got := w.appendJSON(nil)
	var a, b any
	if err := json.Unmarshal(got, &a); err != nil {
		t.Fatalf("appendJSON wrote invalid JSON (%v):\n%s", err, got)
	}
	if err := json.Unmarshal(ref, &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("appendJSON disagrees with json.Marshal:\n got %s\nwant %s", got, ref)
	}
}

func encodeClient() *client {
	return New(Options{ID: "a", BaseURL: "http://127.0.0.1:1"}).(*client)
}

func TestAppendJSONMatchesMarshal(t *testing.T) {
	t.Parallel()
	c := encodeClient()
	temp, topP := 0.7, 0.9
	for _, r := range []*provider.Request{
		{Model: "claude-haiku-4-5"},
		{Model: "m", System: "Be terse <b>&</b>", Messages: []provider.Message{{Role: "user", Content: "hi \"there\"\n\u2028"}}, NoStream: true},
		{Model: "m", Temperature: &temp, TopP: &topP, Stop: []string{"END", ""}, User: "u-1", MaxTokens: 99,
			Messages: []provider.Message{
				{Role: "system", Content: "extra system"},
				{Role: "user", Parts: []provider.Part{{Type: "text", Text: "look"}, {Type: "image", ImageURL: "data:image/png;base64,iVBORw0KGgo="}, {Type: "image", ImageURL: "https://example.com/a.png"}, {Type: "image", ImageURL: "data:text/plain,caf%C3%A9"}}},
				{Role: "assistant", Content: "calling", ToolCalls: []provider.ToolCall{{ID: "call_1", Name: "get_weather", Arguments: "{\n \"city\": \"Paris\" }"}, {ID: "call_2", Name: "f", Arguments: "not json"}}},
				{Role: "tool", ToolCallID: "call_1", Content: "{\"temp\":21}"},
				{Role: "tool", ToolCallID: "call_2", Content: "ok"},
				{Role: "user", Content: "and tomorrow?"},
			},
			Tools: []provider.Tool{
				{Name: "get_weather", Description: "Weather", Parameters: json.RawMessage(`{"type": "object", "properties": {"city": {"type": "string"}}}`)},
				{Name: "f"},
				{Name: "g", Parameters: json.RawMessage(`{broken`)},
			},
			ToolChoice: &provider.ToolChoice{Mode: provider.ToolChoiceFunction, Name: "get_weather"},
		},
		{Model: "m", Tools: []provider.Tool{{Name: "f"}}, ToolChoice: &provider.ToolChoice{Mode: provider.ToolChoiceRequired},
			Messages: []provider.Message{{Role: "assistant"}, {Role: "user", Content: "x"}}},
	} {
		checkEncoding(t, c, r)
	}
}

// FuzzAppendJSON builds requests from arbitrary texts and checks the hand
// encoder against json.Marshal.
func FuzzAppendJSON(f *testing.F) {
	f.Add("sys", "hello", "reply", `{"a":1}`, "tool", `{"type":"object"}`, 0.5, "stop", "user", "data:image/png;base64,AAAA")
	f.Add("", "\x00\xff<>&\u2028", "", "", "", "", 1e-9, "", "", "https://x/y.png")
	f.Fuzz(func(t *testing.T, system, user, assistant, args, name, schema string, temp float64, stop, userID, image string) {
		if temp != temp || temp > 1e300 || temp < -1e300 {
			temp = 0 // the API layer admits only finite temperatures
		}
		r := &provider.Request{Model: "m", System: system, Temperature: &temp, User: userID,
			Messages: []provider.Message{
				{Role: "user", Content: user},
				{Role: "user", Parts: []provider.Part{{Type: "text", Text: user}, {Type: "image", ImageURL: image}}},
				{Role: "assistant", Content: assistant, ToolCalls: []provider.ToolCall{{ID: name, Name: name, Arguments: args}}},
				{Role: "tool", ToolCallID: name, Content: assistant},
			},
			Tools: []provider.Tool{{Name: name, Description: system, Parameters: json.RawMessage(schema)}},
		}
		if stop != "" {
			r.Stop = []string{stop}
		}
		checkEncoding(t, encodeClient(), r)
	})
}

func BenchmarkEncodeRequest(b *testing.B) {
	c := encodeClient()
	msgs := []provider.Message{{Role: "user", Content: "What's the weather like in Paris today?"}}
	for range 15 {
		msgs = append(msgs, provider.Message{Role: "assistant", Content: "word0 word1 word2 word3 word4 word5 word6 word7 "},
			provider.Message{Role: "user", Content: "hi"})
	}
	r := &provider.Request{Model: "claude-haiku-4-5", System: "You are main, an agent running on the OpenClaw gateway.", Messages: msgs}
	b.Run("appendJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			w := c.buildRequest(r)
			_ = w.appendJSON(make([]byte, 0, w.requestSize()))
		}
	})
	b.Run("json.Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = json.Marshal(c.buildRequest(r))
		}
	})
}
