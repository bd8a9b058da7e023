package openai

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/openclaw/openclaw-go/internal/jsonenc/jsonenctest"
	"github.com/openclaw/openclaw-go/internal/provider"
)

// chatCompletionOf builds a reply with calls%4 identical tool calls; word
// is both their function name and the finish reason.
func chatCompletionOf(id, model, text string, nilContent bool, callID, word, args string, calls int, created int64, tokens int) *ChatCompletion {
	c := &ChatCompletion{ID: id, Object: "chat.completion", Created: created, Model: model,
		Choices: []ChatChoice{{Message: ReplyMessage{Role: "assistant"}, FinishReason: word}},
		Usage:   provider.Usage{PromptTokens: tokens, CompletionTokens: tokens / 2, TotalTokens: tokens + tokens/2}}
	if !nilContent {
		c.Choices[0].Message.Content = &text
	}
	for i := 0; i < calls%4; i++ {
		c.Choices[0].Message.ToolCalls = append(c.Choices[0].Message.ToolCalls,
			ToolCall{ID: callID, Type: "function", Function: FunctionCall{Name: word, Arguments: args}})
	}
	return c
}

func TestChatCompletionAppendJSON(t *testing.T) {
	cases := map[string]*ChatCompletion{
		"text":       chatCompletionOf("chatcmpl-1", "openclaw/default", "Hello <b>&</b> \"world\"\n", false, "", "stop", "", 0, 1764000000, 12),
		"tool calls": chatCompletionOf("chatcmpl-2", "openclaw/main", "", true, "call_1", "get_weather", `{"city":"Paris"}`, 2, 1, 0),
		"no choices": {ID: "x", Object: "chat.completion"},
		"empty":      {Choices: []ChatChoice{{Message: ReplyMessage{ToolCalls: []ToolCall{}}}}},
		"empty list": {Choices: []ChatChoice{}},
		"logprobs":   {Choices: []ChatChoice{{Index: 3, Logprobs: &struct{}{}}}},
		"odd text":   chatCompletionOf("\u2028", "m\x00", "bad \xff utf-8 \u2029 \U0001F600", false, "", "length", "", 0, -5, 7),
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			got, want := c.AppendJSON(nil), jsonenctest.Reference(t, c)
			if !bytes.Equal(got, want) {
				t.Fatalf("AppendJSON:\n got %s\nwant %s", got, want)
			}
		})
	}
	// The one difference from json.Marshal: HTML characters are not escaped.
	c := cases["text"]
	marshal, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	if err := json.Unmarshal(marshal, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(c.AppendJSON(nil), &b); err != nil {
		t.Fatal(err)
	}
	if !jsonEqual(a, b) {
		t.Fatalf("AppendJSON decodes to %v, json.Marshal to %v", b, a)
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// FuzzChatCompletionJSON checks AppendJSON against encoding/json byte for
// byte on arbitrary strings (invalid UTF-8, control and line-separator
// characters included) and numbers.
func FuzzChatCompletionJSON(f *testing.F) {
	f.Add("chatcmpl-abc", "openclaw/default", "Hi there", false, "call_x", "stop", `{"a":1}`, 0, int64(1764000000), 9)
	f.Add("", "", "", true, "", "", "", 3, int64(-1), -4)
	f.Add("\x7f\u2028", "<&>", "\xff\xfe\"\\\t", false, "\x01", "tool_calls", "{", 1, int64(0), 1<<40)
	f.Fuzz(func(t *testing.T, id, model, text string, nilContent bool, callID, word, args string, calls int, created int64, tokens int) {
		if calls < 0 {
			calls = -calls
		}
		c := chatCompletionOf(id, model, text, nilContent, callID, word, args, calls, created, tokens)
		if got, want := c.AppendJSON(nil), jsonenctest.Reference(t, c); !bytes.Equal(got, want) {
			t.Fatalf("AppendJSON:\n got %q\nwant %q", got, want)
		}
	})
}

// BenchmarkChatCompletionJSON: the non-stream reply with a short text,
// encoded without reflection (AppendJSON) and by encoding/json (the
// "marshal" sub-benchmark, what the handler used before).
func BenchmarkChatCompletionJSON(b *testing.B) {
	c := chatCompletionOf("chatcmpl-QWERTYUIOPASDFGHJKLZXCVBNM", "openclaw/default",
		"Hello! Take a light jacket: the evening by the Seine gets cool.", false, "", "stop", "", 0, 1767323045, 42)
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 512)
		for b.Loop() {
			buf = c.AppendJSON(buf[:0])
		}
	})
	b.Run("marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(c); err != nil {
				b.Fatal(err)
			}
		}
	})
}
