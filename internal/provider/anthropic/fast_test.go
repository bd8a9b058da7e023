package anthropic

import (
	"reflect"
	"strings"
	"testing"

	"github.com/openclaw/openclaw-go/internal/chunkjson"
)

// realEvents are Messages API stream event payloads as Anthropic sends them.
var realEvents = []string{
	`{"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}`,
	`{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`,
	`{"type": "ping"}`,
	`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" token"}}`,
	`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"caf\u00e9 \ud83d\ude00\n\"q\" 日本"}}`,
	`{"type":"content_block_stop","index":0}`,
	`{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01","name":"get_weather","input":{}}}`,
	`{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"location\": \"San Fra"}}`,
	`{"type":"content_block_delta","index":2,"delta":{"type":"thinking_delta","thinking":"Let me think"}}`,
	`{"type":"content_block_delta","index":2,"delta":{"type":"signature_delta","signature":"EqQBCgIYAhIM"}}`,
	`{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}`,
	`{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"input_tokens":10,"cache_creation_input_tokens":0,"cache_read_input_tokens":5,"output_tokens":89,"server_tool_use":{"web_search_requests":0}}}`,
	`{"type":"message_stop"}`,
	`{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`,
}

func checkFast(t *testing.T, data []byte) bool {
	t.Helper()
	var fast, slow event
	var sc chunkjson.Scanner
	ok := decodeFast(&sc, data, &fast)
	var dec chunkjson.Decoder
	err := dec.Decode(data, &slow)
	if !ok {
		return false
	}
	if err != nil {
		t.Fatalf("fast path accepted %q, encoding/json rejects it: %v", data, err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("fast path differs on %q:\nfast %+v\nslow %+v", data, fast, slow)
	}
	return true
}

func TestEventFastPathTakesCommonEvents(t *testing.T) {
	t.Parallel()
	for i, ev := range realEvents {
		slow := strings.Contains(ev, `"error"`)
		if got := checkFast(t, []byte(ev)); got == slow {
			t.Errorf("event %d: fast path taken = %v, want %v: %s", i, got, !slow, ev)
		}
	}
}

func TestEventFastPathTricky(t *testing.T) {
	t.Parallel()
	cases := []struct {
		doc  string
		fast bool
	}{
		{" {\n\"index\" : 3 , \"delta\" : { \"text\" : \"a\\u00e9\\ud83d\" } }\t", true},
		{`{"delta":{"text":null,"partial_json":null,"stop_reason":null},"index":null,"usage":null,"message":null,"content_block":null,"error":null}`, true},
		{`{"index":-0}`, true},
		{`{"index":1.0}`, false},
		{`{"index":"1"}`, false},
		{`{"index":1,"index":2}`, false},
		{`{"Index":1}`, false},
		{`{"delta":{"Text":"a"}}`, false},
		{`{"delta":{"text":"a","text":"b"}}`, false},
		{`{"delta":{"text":"a` + "\xff" + `"}}`, false},
		{`{"delta":{"text":1}}`, false},
		{`{"usage":{"output_tokens":1,"OUTPUT_TOKENS":2}}`, false},
		{`{"usage":{"output_tokens":1e1}}`, false},
		{`{"message":{}}`, true},
		{`{"message":{"usage":null,"content":[{"type":"text","text":"x"}]}}`, true},
		{`{"message":{"usage":{"input_tokens":1},"usage":null}}`, false},
		{`{"message":{"Usage":{}}}`, false},
		{`{"message":[]}`, false},
		{`{"content_block":{"type":"text"}}`, true},
		{`{"content_block":{"type":"tool_use","id":"t","name":"n","input":{"a":[1,{"b":null}]}}}`, true},
		{`{"content_block":{"type":"text","TYPE":"x"}}`, false},
		{`{"content_block":{"name":"a","name":"b"}}`, false},
		{`{"content_block":{"id":1}}`, false},
		{`{"error":{"type":"x"}}`, false},
		{`{"type":"ping","extra":[1,{"a":null}]}`, true},
		{`{"type":"ping"}x`, false},
		{`{"type":"ping",}`, false},
		{`{"\u0074ype":"ping"}`, false},
		{`{"delt` + "\u0251" + `":{}}`, true}, // does not fold to delta
		{``, false},
		{`null`, false},
	}
	for _, tc := range cases {
		if got := checkFast(t, []byte(tc.doc)); got != tc.fast {
			t.Errorf("%q: fast path taken = %v, want %v", tc.doc, got, tc.fast)
		}
	}
}

func TestEventFastPathMutations(t *testing.T) {
	t.Parallel()
	ins := []byte{'"', '\\', ' ', ',', ':', '{', '}', '[', ']', 'u', '0', '9', '-', '.', 'e', 'n', 'l', 'T', 0x00, 0x1f, 0x80, 0xff, 0xc3}
	for _, ev := range realEvents {
		doc := []byte(ev)
		buf := make([]byte, 0, len(doc)+1)
		for i := range doc {
			buf = append(append(buf[:0], doc[:i]...), doc[i+1:]...)
			checkFast(t, buf)
			for _, b := range ins {
				buf = append(append(append(buf[:0], doc[:i]...), b), doc[i+1:]...)
				checkFast(t, buf)
				buf = append(append(append(buf[:0], doc[:i]...), b), doc[i:]...)
				checkFast(t, buf)
			}
		}
	}
}

// FuzzEventFastPath checks that the fast event decoder never disagrees with
// encoding/json.
func FuzzEventFastPath(f *testing.F) {
	for _, ev := range realEvents {
		f.Add([]byte(ev))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFast(t, data)
	})
}
