package openaicompat

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"

	"github.com/openclaw/openclaw-go/internal/provider"
)

// The request body as wire structs encoded by encoding/json: the reference
// that appendRequest must match.

type chatRequest struct {
	Model               string         `json:"model"`
	Messages            []chatMessage  `json:"messages"`
	Tools               []chatTool     `json:"tools,omitempty"`
	ToolChoice          any            `json:"tool_choice,omitempty"`
	MaxCompletionTokens int            `json:"max_completion_tokens,omitempty"`
	MaxTokens           int            `json:"max_tokens,omitempty"`
	Temperature         *float64       `json:"temperature,omitempty"`
	TopP                *float64       `json:"top_p,omitempty"`
	FrequencyPenalty    *float64       `json:"frequency_penalty,omitempty"`
	PresencePenalty     *float64       `json:"presence_penalty,omitempty"`
	Seed                *int64         `json:"seed,omitempty"`
	Stop                []string       `json:"stop,omitempty"`
	User                string         `json:"user,omitempty"`
	Stream              bool           `json:"stream"`
	StreamOptions       *streamOptions `json:"stream_options,omitempty"`
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

type chatMessage struct {
	Role string `json:"role"`
	// Content is a string, a []contentPart, or nil (JSON null) for an
	// assistant message that only calls tools.
	Content    any            `json:"content"`
	Name       string         `json:"name,omitempty"`
	ToolCalls  []wireToolCall `json:"tool_calls,omitempty"`
	ToolCallID string         `json:"tool_call_id,omitempty"`
}

type contentPart struct {
	Type     string    `json:"type"`
	Text     string    `json:"text,omitempty"`
	ImageURL *imageURL `json:"image_url,omitempty"`
}

type imageURL struct {
	URL string `json:"url"`
}

type chatTool struct {
	Type     string       `json:"type"`
	Function toolFunction `json:"function"`
}

type toolFunction struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
}

type namedToolChoice struct {
	Type     string `json:"type"`
	Function struct {
		Name string `json:"name"`
	} `json:"function"`
}

// buildRequest translates a neutral request to the wire request.
func (c *client) buildRequest(r *provider.Request) *chatRequest {
	w := &chatRequest{
		Model:            r.Model,
		Messages:         make([]chatMessage, 0, len(r.Messages)+1),
		Temperature:      r.Temperature,
		TopP:             r.TopP,
		FrequencyPenalty: r.FrequencyPenalty,
		PresencePenalty:  r.PresencePenalty,
		Seed:             r.Seed,
		Stop:             r.Stop,
		User:             r.User,
		Stream:           !r.NoStream,
	}
	if w.Stream {
		w.StreamOptions = &streamOptions{IncludeUsage: true}
	}
	if r.MaxTokens > 0 {
		if c.maxTokKey == MaxTokens {
			w.MaxTokens = r.MaxTokens
		} else {
			w.MaxCompletionTokens = r.MaxTokens
		}
	}
	if r.System != "" {
		w.Messages = append(w.Messages, chatMessage{Role: provider.RoleSystem, Content: r.System})
	}
	for i := range r.Messages {
		w.Messages = append(w.Messages, translateMessage(&r.Messages[i]))
	}
	for _, t := range r.Tools {
		w.Tools = append(w.Tools, chatTool{Type: "function", Function: toolFunction{Name: t.Name, Description: t.Description, Parameters: validJSON(t.Parameters)}})
	}
	if tc := r.ToolChoice; tc != nil {
		switch tc.Mode {
		case provider.ToolChoiceAuto, provider.ToolChoiceNone, provider.ToolChoiceRequired:
			w.ToolChoice = tc.Mode
		case provider.ToolChoiceFunction:
			n := namedToolChoice{Type: "function"}
			n.Function.Name = tc.Name
			w.ToolChoice = n
		}
	}
	return w
}

func translateMessage(m *provider.Message) chatMessage {
	out := chatMessage{Role: m.Role, Name: m.Name, ToolCallID: m.ToolCallID}
	switch {
	case len(m.Parts) > 0:
		parts := make([]contentPart, 0, len(m.Parts))
		for _, p := range m.Parts {
			switch p.Type {
			case "image", "image_url":
				parts = append(parts, contentPart{Type: "image_url", ImageURL: &imageURL{URL: p.ImageURL}})
			default:
				parts = append(parts, contentPart{Type: "text", Text: p.Text})
			}
		}
		out.Content = parts
	case m.Content == "" && len(m.ToolCalls) > 0:
		out.Content = nil // assistant message that only calls tools
	default:
		out.Content = m.Content
	}
	for _, tc := range m.ToolCalls {
		args := tc.Arguments
		if args == "" {
			args = "{}"
		}
		out.ToolCalls = append(out.ToolCalls, wireToolCall{ID: tc.ID, Type: "function", Function: wireFunction{Name: tc.Name, Arguments: args}})
	}
	return out
}

// sameJSON reports whether appendRequest writes the JSON value that
// encoding/json writes for the reference wire structs, and returns both.
func sameJSON(t *testing.T, c *client, req *provider.Request) (bool, string, string) {
	t.Helper()
	got := c.appendRequest(nil, req)
	want, err := json.Marshal(c.buildRequest(req))
	if err != nil {
		t.Fatal(err)
	}
	var g, e any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("appendRequest wrote invalid JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal(want, &e); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(g, e), string(got), string(want)
}

func TestAppendRequestMatchesWireStructs(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	seed := int64(-42)
	reqs := map[string]*provider.Request{
		"minimal":     {Model: "m", Messages: []provider.Message{{Role: "user", Content: "hi"}}},
		"no stream":   {Model: "m", Messages: []provider.Message{{Role: "user", Content: "hi"}}, NoStream: true},
		"empty":       {},
		"system only": {System: "be brief"},
		"everything": {
			Model: "gpt-4o", System: "You are <helpful> & \"brief\".\n\u2028",
			Messages: []provider.Message{
				{Role: "user", Content: "bad utf8 \xff and 😀", Name: "alice"},
				{Role: "assistant", ToolCalls: []provider.ToolCall{{ID: "call_1", Name: "get", Arguments: `{"q":"x"}`}, {ID: "call_2", Name: "none"}}},
				{Role: "tool", ToolCallID: "call_1", Content: "result"},
				{Role: "assistant", Content: "text and a call", ToolCalls: []provider.ToolCall{{ID: "c3", Name: "n", Arguments: "{}"}}},
				{Role: "user", Parts: []provider.Part{{Type: "text", Text: "look"}, {Type: "image", ImageURL: "data:image/png;base64,AAAA"}, {Type: "image_url", ImageURL: "https://x/y.png"}, {Type: "text"}}, Content: "ignored"},
			},
			Tools: []provider.Tool{
				{Name: "get", Description: "fetch", Parameters: json.RawMessage(`{ "type": "object", "properties": {} }`)},
				{Name: "bare"},
				{Name: "broken", Parameters: json.RawMessage(`{not json`)},
			},
			ToolChoice: &provider.ToolChoice{Mode: provider.ToolChoiceFunction, Name: "get"},
			MaxTokens:  256, Temperature: f(0.7), TopP: f(1), FrequencyPenalty: f(-0.5), PresencePenalty: f(1e-7),
			Seed: &seed, Stop: []string{"\n\n", "END"}, User: "u-1",
		},
		"tool choice mode":    {Model: "m", ToolChoice: &provider.ToolChoice{Mode: provider.ToolChoiceRequired}, Temperature: f(0)},
		"unknown tool choice": {Model: "m", ToolChoice: &provider.ToolChoice{Mode: "whatever"}},
	}
	for name, req := range reqs {
		for _, key := range []string{MaxTokens, MaxCompletionTokens} {
			if ok, got, want := sameJSON(t, &client{maxTokKey: key}, req); !ok {
				t.Errorf("%s (%s):\n got %s\nwant %s", name, key, got, want)
			}
		}
	}
}

// Whatever the strings, appendRequest and the reference agree.
func FuzzAppendRequest(f *testing.F) {
	f.Add("m", "hi", "sys", "call", `{"a":1}`, 0.5, false)
	f.Add("\xff", "\u2028<&>", "", "", "", 1e21, true)
	f.Fuzz(func(t *testing.T, model, content, system, name, args string, temp float64, noStream bool) {
		if math.IsNaN(temp) || math.IsInf(temp, 0) {
			return // not JSON numbers
		}
		req := &provider.Request{Model: model, System: system, User: content, Temperature: &temp, Stop: []string{name}, NoStream: noStream,
			Messages: []provider.Message{
				{Role: "user", Content: content, Name: name},
				{Role: "assistant", ToolCalls: []provider.ToolCall{{ID: name, Name: name, Arguments: args}}},
				{Role: "user", Parts: []provider.Part{{Type: "text", Text: content}, {Type: "image", ImageURL: args}}},
			},
			Tools:      []provider.Tool{{Name: name, Description: content, Parameters: json.RawMessage(args)}},
			ToolChoice: &provider.ToolChoice{Mode: provider.ToolChoiceFunction, Name: name},
		}
		if ok, got, want := sameJSON(t, &client{}, req); !ok {
			t.Fatalf("\n got %s\nwant %s", got, want)
		}
	})
}

// A 16-turn conversation: the body appendRequest writes, against
// encoding/json over the wire structs it replaced.
func BenchmarkEncodeRequest(b *testing.B) {
	req := &provider.Request{Model: "gpt-4o", System: "You are a helpful assistant."}
	for range 16 {
		req.Messages = append(req.Messages, provider.Message{Role: "user", Content: "hi, how are you today?"},
			provider.Message{Role: "assistant", Content: "Fine, thanks. How can I help you with your work today?"})
	}
	c := &client{}
	b.Run("appendRequest", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = c.appendRequest(make([]byte, 0, requestSize(req)), req)
		}
	})
	b.Run("wire-structs+encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = json.Marshal(c.buildRequest(req))
		}
	})
}
