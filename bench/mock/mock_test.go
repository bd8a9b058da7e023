package mock

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// slowRead is what read stands in for: encoding/json on the whole body.
func slowRead(data string) (chatReq, error) {
	var req chatReq
	err := json.Unmarshal([]byte(data), &req)
	return req, err
}

// same reports whether the fields the mock uses agree.
func same(a, b chatReq) bool {
	if len(a.Messages) != len(b.Messages) {
		return false
	}
	if n := len(a.Messages); n > 0 && !reflect.DeepEqual(a.Messages[n-1], b.Messages[n-1]) {
		return false
	}
	return a.Model == b.Model && a.Stream == b.Stream &&
		reflect.DeepEqual(a.StreamOptions, b.StreamOptions) &&
		reflect.DeepEqual(a.Tools, b.Tools) && string(a.ToolChoice) == string(b.ToolChoice)
}

var readSeeds = []string{
	`{"model":"m","messages":[{"role":"user","content":"hi"}]}`,
	`{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"system","content":"s"},{"role":"user","content":"hi"},{"role":"assistant","content":"a"},{"role":"tool","content":"sunny","tool_call_id":"c"}]}`,
	`{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":{}}}],"tool_choice":"none"}`,
	`{"model":"m","messages":null,"tools":null,"stream_options":null,"tool_choice":{"type":"function","function":{"name":"f"}}}`,
	`{"Model":"m","messages":[]}`,
	`{"model":"m","model":"n"}`,
	`{"model":1}`,
	`{"model":"m","messages":[1,{"role":"user","content":"hi"}]}`,
	`{"model":"m","messages":[{"role":"user","content":"hi"}]} x`,
	`{"model":"m","messages":[{"role":"user","content":"hi"`,
	` {"stream":false , "messages" : [ { "content" : "\u00e9t\u00e9" , "role" : "user" } ] } `,
	`[]`,
	``,
}

// TestReadMatchesEncodingJSON: the mock's scan decodes what encoding/json
// decodes, and refuses what it refuses (up to non-last messages, which the
// scan only checks to be objects).
func TestReadMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, data := range readSeeds {
		checkRead(t, data)
	}
}

func FuzzRead(f *testing.F) {
	for _, s := range readSeeds {
		f.Add(s)
	}
	f.Fuzz(checkRead)
}

func checkRead(t *testing.T, data string) {
	var fast chatReq
	errFast := fast.read(strings.NewReader(data), int64(len(data)))
	slow, errSlow := slowRead(data)
	if errSlow != nil {
		if errFast == nil && !strings.Contains(data, `"messages"`) {
			t.Errorf("read(%q) = nil error, encoding/json: %v", data, errSlow)
		}
		return
	}
	if errFast != nil {
		t.Fatalf("read(%q): %v; encoding/json accepts it", data, errFast)
	}
	if !same(fast, slow) {
		t.Fatalf("read(%q) = %+v, encoding/json %+v", data, fast, slow)
	}
}

// BenchmarkRead decodes a stateless request and one at the end of a 16-turn
// session, by the scan and by encoding/json.
func BenchmarkRead(b *testing.B) {
	for _, turns := range []int{0, 15} {
		var sb strings.Builder
		sb.WriteString(`{"model":"mock-model","messages":[{"role":"system","content":"You are main, an agent running on the OpenClaw gateway.\nChannel: openai-http.\n"}`)
		for range turns {
			sb.WriteString(`,{"role":"user","content":"hi"},{"role":"assistant","content":"word0 word1 word2 word3 word4 word5 word6 word7 "}`)
		}
		sb.WriteString(`,{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}`)
		data := sb.String()
		b.Run("scan/turns="+strconv.Itoa(turns), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var req chatReq
				if err := req.read(strings.NewReader(data), int64(len(data))); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("encoding-json/turns="+strconv.Itoa(turns), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := slowRead(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
