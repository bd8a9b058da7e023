package jsonl

import (
	"encoding/json"
	"reflect"
	"testing"
)

func sameAsEncodingJSON(t *testing.T, l *line) {
	t.Helper()
	got, err := l.appendJSON(nil)
	want, werr := json.Marshal(l)
	if (err != nil) != (werr != nil) {
		t.Fatalf("appendJSON error %v, encoding/json error %v", err, werr)
	}
	if err != nil {
		return
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("invalid JSON %s: %v", got, err)
	}
	_ = json.Unmarshal(want, &w)
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
}

func TestLineAppendJSON(t *testing.T) {
	for _, l := range []*line{
		{},
		{Agent: "main", Key: "agent:main:openai-user:u", Turn: "t1", At: 1764000000000000, Entries: []lineEntry{
			{Role: "user", Content: "hi <there> & \"you\"\n\u2028 \xff", At: 1},
			{Role: "assistant", ToolCalls: json.RawMessage(`[{"id":"c1","name":"f","arguments":"{}"}]`), Model: "mock/m",
				Usage: json.RawMessage(`{"prompt_tokens": 3, "completion_tokens": 5}`), Interrupted: true, At: -2},
			{Role: "tool", ToolCallID: "c1", Content: "42"},
		}},
		{Entries: []lineEntry{{Role: "assistant", Usage: json.RawMessage(`{bad`)}}},
		{Entries: []lineEntry{{Role: "assistant", ToolCalls: json.RawMessage(`[1,`)}}},
	} {
		sameAsEncodingJSON(t, l)
	}
}

func FuzzLineAppendJSON(f *testing.F) {
	f.Add("main", "k", "hi", `{"a":1}`, int64(5), true)
	f.Add("\xff", "\u2028", "", `[`, int64(-1), false)
	f.Fuzz(func(t *testing.T, agent, key, content, raw string, at int64, interrupted bool) {
		sameAsEncodingJSON(t, &line{Agent: agent, Key: key, Turn: content, At: at, Entries: []lineEntry{
			{Role: "user", Content: content, At: at},
			{Role: "assistant", ToolCalls: json.RawMessage(raw), Usage: json.RawMessage(raw), Interrupted: interrupted, Model: key},
		}})
	})
}
