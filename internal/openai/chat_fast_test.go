package openai

import (
	"encoding/json"
	"reflect"
	"testing"
)

// checkChatFast decodes data with the fast path and, when it accepts,
// with encoding/json: both must succeed with the same request. It reports
// whether the fast path accepted.
func checkChatFast(t *testing.T, data []byte) bool {
	t.Helper()
	var fast ChatCompletionRequest
	if !fast.decodeFast(data) {
		return false
	}
	var slow ChatCompletionRequest
	if err := json.Unmarshal(data, &slow); err != nil {
		t.Fatalf("fast path accepted what encoding/json rejects (%v): %q", err, data)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("fast path disagrees with encoding/json on %q:\nfast %#v\nslow %#v", data, fast, slow)
	}
	return true
}

func TestChatFastPath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		body string
		fast bool
	}{
		{`{"model":"openclaw/default","messages":[{"role":"user","content":"hi"}]}`, true},
		{`{"model":"openclaw/default","messages":[{"role":"user","content":"hi"}],"stream":true,"user":"alice"}`, true},
		{` { "model" : "m" , "messages" : [ { "role" : "system" , "content" : "Be \"terse\".\n\u00e9" } , {"role":"user","content":null,"name":"bob"} ] } `, true},
		{`{"model":"m","messages":[],"stream_options":{"include_usage":true},"temperature":0.7,"top_p":1,"max_tokens":100,"max_completion_tokens":null,"n":1,"seed":-42,"frequency_penalty":-0.5,"presence_penalty":2e-1}`, true},
		{`{"model":"m","messages":[{"role":"tool","tool_call_id":"call_1","content":"{\"temp\":21}","refusal":null}],"metadata":{"a":[1,2,{"b":null}]},"store":false}`, true},
		{`{"model":null,"messages":null,"stream":null,"stream_options":null,"user":null}`, true},
		{typicalChat, true},
		{`{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"hi"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AA","detail":"low"}},{"type":"image_url","image_url":null}]}]}`, true},
		{`{"model":"m","messages":[{"role":"user","content":[]},{"role":"assistant","tool_calls":[]},{"role":"assistant","tool_calls":null,"content":null}]}`, true},
		{`{"model":"m","tools":[],"messages":[],"tool_choice":"none","stop":["a","b"]}`, true},
		{`{"model":"m","tools":[{"type":"function","function":{"name":"f","parameters":null}},{"type":"function","function":null},{"type":"function","function":{"name":"g","parameters":{ "type" : "object" }}}],"stop":"x","tool_choice":""}`, true},
		{`{"model":"m","stop":[],"tool_choice":null,"tools":null}`, true},
		// The slow path: shapes the fast one leaves to encoding/json.
		{`{"model":"m","tool_choice":{"type":"function","function":{"name":"f"}}}`, false},
		{`{"model":"m","stop":["a",null]}`, false},
		{`{"model":"m","stop":1}`, false},
		{`{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":1}]}]}`, false},
		{`{"model":"m","messages":[{"role":"user","content":[null]}]}`, false},
		{`{"model":"m","messages":[{"role":"assistant","tool_calls":[{"id":"c","function":{"name":"f","arguments":{}}}]}]}`, false},
		{`{"model":"m","tools":[{"Function":{}}]}`, false},
		{`{"model":"m","model":"n"}`, false},
		{`{"Model":"m"}`, false},
		{`{"model":"m","messages":[{"ROLE":"user"}]}`, false},
		{`{"model":"m","messages":[null]}`, false},
		{`{"model":"m","stream":"yes"}`, false},
		{`{"model":"m","max_tokens":1.5}`, false},
		{`{"model":"m","max_tokens":12345678901}`, false},
		{`{"model":"m","temperature":1e999}`, false},
		{`{"model":"m"} x`, false},
		{`[]`, false},
		{`{"model":"m","messages":[{"role":"user","content":"\ud800"}]}`, true},
	} {
		if got := checkChatFast(t, []byte(tc.body)); got != tc.fast {
			t.Errorf("fast path taken = %v, want %v: %s", got, tc.fast, tc.body)
		}
	}
}

// FuzzChatRequestFastPath checks that the fast request decoder never
// disagrees with encoding/json: on any input it accepts, encoding/json must
// succeed with the same result.
func FuzzChatRequestFastPath(f *testing.F) {
	f.Add([]byte(`{"model":"openclaw/default","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true},"user":"u-1"}`))
	f.Add([]byte(`{"model":"m","messages":[{"role":"system","content":"a\"b\\c\u00e9"},{"role":"user","content":null,"name":"n"}],"temperature":0.5,"seed":7,"n":null,"x":[1,{"y":true}]}`))
	f.Add([]byte(typicalChat))
	f.Add([]byte(`{"tools":[{"type":"function","function":{"name":"f","description":"d","parameters":{"a":[1,null]}}}],"tool_choice":"auto","stop":["x"],"messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"user","content":[{"type":"image_url","image_url":{"url":"u","detail":"high"}}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkChatFast(t, data)
	})
}

// BenchmarkDecodeChatSmall is the request the load harness sends: the fast
// path, against BenchmarkDecodeValidateChat's slow one.
func BenchmarkDecodeChatSmall(b *testing.B) {
	body := []byte(`{"model":"openclaw/default","messages":[{"role":"user","content":"hi"}],"stream":true,"user":"load-x-w3-s12"}`)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		var r ChatCompletionRequest
		if !r.decodeFast(body) {
			b.Fatal("slow path")
		}
	}
}

func BenchmarkDecodeChatSmallSlow(b *testing.B) {
	body := []byte(`{"model":"openclaw/default","messages":[{"role":"user","content":"hi"}],"stream":true,"user":"load-x-w3-s12"}`)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		var r ChatCompletionRequest
		if err := json.Unmarshal(body, &r); err != nil {
			b.Fatal(err)
		}
	}
}
