package openaicompat

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/openclaw/openclaw-go/internal/chunkjson"
)

// realChunks are chat.completion.chunk documents as real servers send them.
var realChunks = []string{
	// OpenAI: role, content, finish, usage (with details), obfuscation.
	`{"id":"chatcmpl-AbC","object":"chat.completion.chunk","created":1731000000,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}`,
	`{"id":"chatcmpl-AbC","object":"chat.completion.chunk","created":1731000000,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{"content":" token"},"logprobs":null,"finish_reason":null}]}`,
	`{"id":"chatcmpl-AbC","object":"chat.completion.chunk","created":1731000000,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}`,
	`{"id":"chatcmpl-AbC","object":"chat.completion.chunk","created":1731000000,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_0ba0d124f1","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":8,"total_tokens":20,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}`,
	`{"id":"chatcmpl-x","object":"chat.completion.chunk","created":1,"model":"gpt-4.1","service_tier":"default","system_fingerprint":null,"choices":[{"index":0,"delta":{"content":"Hi"},"logprobs":null,"finish_reason":null}],"obfuscation":"Ab3x"}`,
	// OpenAI tool calls (slow path).
	`{"id":"chatcmpl-x","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_abc","type":"function","function":{"name":"get_weather","arguments":""}}],"refusal":null},"logprobs":null,"finish_reason":null}]}`,
	`{"id":"chatcmpl-x","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]},"logprobs":null,"finish_reason":null}]}`,
	// Ollama, llama.cpp (timings), Groq (x_groq), DeepSeek (reasoning_content).
	`{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1,"model":"llama3.2","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":"Hello"},"finish_reason":null}]}`,
	`{"choices":[{"finish_reason":null,"index":0,"delta":{"content":" world"}}],"created":1,"id":"chatcmpl-x","model":"gpt-3.5-turbo","system_fingerprint":"b4-x","object":"chat.completion.chunk","timings":{"prompt_n":1,"prompt_ms":0.5,"predicted_per_second":1e2}}`,
	`{"id":"chatcmpl-x","object":"chat.completion.chunk","created":1,"model":"llama-3.1-8b-instant","system_fingerprint":"fp_x","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"x_groq":{"id":"req_x","usage":{"queue_time":0.011,"prompt_tokens":5,"prompt_time":0.0004,"completion_tokens":3,"completion_time":0.002,"total_tokens":8,"total_time":0.0024}}}`,
	`{"id":"x","object":"chat.completion.chunk","created":1,"model":"deepseek-reasoner","choices":[{"index":0,"delta":{"content":null,"reasoning_content":"Hmm"},"logprobs":null,"finish_reason":null}]}`,
	// vLLM / Python servers escape non-ASCII; raw UTF-8 from others.
	`{"id":"cmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"caf\u00e9 \ud83d\ude00\n\t\"q\" \\ \/"},"logprobs":null,"finish_reason":null}]}`,
	`{"choices":[{"delta":{"content":"日本語 ✓ é"}}]}`,
	// OpenRouter error chunk (slow path).
	`{"error":{"message":"Provider returned error","code":502}}`,
}

// checkFast decodes data on both paths and fails if the fast one accepted
// it with a different result; it returns whether the fast path accepted.
func checkFast(t *testing.T, data []byte) bool {
	t.Helper()
	var dec chunkjson.Decoder
	return agreesWithSlowPath(t, data, decodeFast, func(b []byte, c *chunk) error { return dec.Decode(b, c) })
}

// agreesWithSlowPath runs a fast decoder and the slow path on data and
// fails if the fast one accepted it with a different result (or accepted
// what the slow path rejects); it returns whether the fast path accepted.
func agreesWithSlowPath[T any](t *testing.T, data []byte, fast func(*chunkjson.Scanner, []byte, *T) bool, slow func([]byte, *T) error) bool {
	t.Helper()
	var f, s T
	var sc chunkjson.Scanner
	ok := fast(&sc, data, &f)
	err := slow(data, &s)
	if !ok {
		return false
	}
	if err != nil {
		t.Fatalf("fast path accepted %q, encoding/json rejects it: %v", data, err)
	}
	if !reflect.DeepEqual(f, s) {
		fj, _ := json.Marshal(f) // shows what pointers point to
		sj, _ := json.Marshal(s)
		t.Fatalf("fast path differs on %q:\nfast %s\nslow %s", data, fj, sj)
	}
	return true
}

func TestChunkFastPathTakesRealChunks(t *testing.T) {
	t.Parallel()
	for i, c := range realChunks {
		slow := strings.Contains(c, "tool_calls") || strings.Contains(c, `"error"`)
		if got := checkFast(t, []byte(c)); got == slow {
			t.Errorf("chunk %d: fast path taken = %v, want %v: %s", i, got, !slow, c)
		}
	}
}

func TestChunkFastPathTricky(t *testing.T) {
	t.Parallel()
	const pre, post = `{"choices":[{"delta":{"content":`, `}}]}`
	cases := []struct {
		doc  string
		fast bool // whether the fast path is expected to decode it
	}{
		{" \t\r\n{ \"choices\" : [ { \"delta\" : { \"content\" : \"x\" } , \"finish_reason\" : null } ] , \"usage\" : null } \n", true},
		{`{"choices":[{"finish_reason":"length","delta":{"content":"a"},"index":0}],"id":"x"}`, true},
		{`{"usage":{"total_tokens":3,"completion_tokens":2,"prompt_tokens":1},"choices":[]}`, true},
		{`{"usage":{"prompt_tokens":null,"completion_tokens":-0,"total_tokens":0}}`, true},
		{`{"usage":{}}`, true},
		{`{}`, true},
		{`{"choices":null,"usage":null,"error":null}`, true},
		{`{"choices":[null]}`, true},
		{`{"choices":[{"delta":null,"finish_reason":null}]}`, true},
		{`{"choices":[{"delta":{"content":null,"tool_calls":null,"role":"assistant"}}]}`, true},
		// Escapes.
		{pre + `"a\"b\\c\/d\b\f\n\r\t"` + post, true},
		{pre + `"\u00e9\u20AC\u0000\u001f"` + post, true},
		{pre + `"\ud83d\ude00 \uD83D\uDE00"` + post, true},
		{pre + `"\ud83d"` + post, true},                      // lone high surrogate: U+FFFD
		{pre + `"\ude00x"` + post, true},                     // lone low surrogate
		{pre + `"\ud83d\u0041"` + post, true},                // high then not a low surrogate
		{pre + `"\ud83d\ud83d\ude00"` + post, true},          // high, then a pair
		{pre + `"\ud83d\n"` + post, true},                    // high then another escape
		{pre + `"\ud83d\u12"` + post, false},                 // invalid escape after a surrogate
		{pre + `"\x"` + post, false},                         // invalid escape
		{pre + `"\'"` + post, false},                         // not a JSON escape
		{pre + `"\u12"` + post, false},                       // short \u
		{pre + `"\u12G4"` + post, false},                     // bad hex
		{pre + "\"a\x01b\"" + post, false},                   // raw control character
		{pre + "\"a\xffb\"" + post, false},                   // invalid UTF-8: encoding/json coerces it
		{pre + "\"\\n\xc3\"" + post, false},                  // truncated UTF-8 after an escape
		{pre + `"é\u00e9日本"` + post, true},                   // raw UTF-8 and escapes
		{`{"id":"a` + "\xff\x01" + `b"}`, false},             // control character in a skipped string
		{`{"id":"a` + "\xff\xfe" + `b","choices":[]}`, true}, // invalid UTF-8 in a skipped string is fine
		{pre + `"unterminated` + post[:2], false},
		// Duplicate and case-variant keys.
		{`{"choices":[{"delta":{"content":"a","content":"b"}}]}`, false},
		{`{"choices":[],"choices":[{"delta":{"content":"a"}}]}`, false},
		{`{"usage":{"prompt_tokens":1,"prompt_tokens":2}}`, false},
		{`{"id":"a","id":"b","choices":[]}`, true},
		{`{"choices":[{"delta":{"Content":"a"}}]}`, false},
		{`{"CHOICES":[]}`, false},
		{`{"choices":[{"Finish_Reason":"stop"}]}`, false},
		{`{"usage":{"prompt_to` + "\u212a" + `ens":1}}`, false}, // Kelvin sign folds to k
		{`{"choice` + "\u017f" + `":[]}`, false},                // long s folds to s
		{`{"ünknown":1,"choices":[]}`, true},
		{`{"\u0063hoices":[]}`, false}, // escaped key
		{`{"a\"b":1}`, false},
		// Numbers.
		{`{"usage":{"prompt_tokens":1.0}}`, false},
		{`{"usage":{"prompt_tokens":1e2}}`, false},
		{`{"usage":{"prompt_tokens":01}}`, false},
		{`{"usage":{"prompt_tokens":"1"}}`, false},
		{`{"usage":{"prompt_tokens":12345678901}}`, false},
		{`{"usage":{"prompt_tokens":-5}}`, true},
		{`{"created":1.5e+10,"x":-0.0,"y":0,"z":1E-2,"choices":[]}`, true},
		{`{"created":01}`, false},
		{`{"created":1.}`, false},
		{`{"created":.5}`, false},
		{`{"created":-}`, false},
		{`{"created":1e}`, false},
		{`{"created":+1}`, false},
		// Literals and structure.
		{`{"logprobs":true,"x":false,"y":null,"z":[],"w":{},"v":[1,"a",{"b":[null]}]}`, true},
		{`{"logprobs":nul}`, false},
		{`{"logprobs":truex}`, false},
		{`{"x":[1,]}`, false},
		{`{"x":[,1]}`, false},
		{`{"x":{"a":1,}}`, false},
		{`{"x":1,}`, false},
		{`{,"x":1}`, false},
		{`{"x" 1}`, false},
		{`{"x":1 "y":2}`, false},
		{`{"choices":[]} x`, false},
		{`{"choices":[]}{}`, false},
		{``, false},
		{`   `, false},
		{`null`, false}, // valid, but not an object: slow path
		{`[]`, false},
		{"\ufeff{}", false}, // BOM
		{`{"x":` + strings.Repeat("[", 10) + strings.Repeat("]", 10) + `}`, true},
		{`{"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, false}, // deep: slow path
		{`{"x":` + strings.Repeat(`{"a":`, 70) + "1" + strings.Repeat("}", 70) + `}`, false},
		// Shapes left to the slow path.
		{`{"choices":[{"delta":{"content":"a"}},{"delta":{"content":"b"}}]}`, false},
		{`{"choices":{}}`, false},
		{`{"choices":[{"delta":{"tool_calls":[]}}]}`, false},
		{`{"choices":[{"delta":{"content":5}}]}`, false},
		{`{"choices":[{"delta":"x"}]}`, false},
		{`{"choices":[{"finish_reason":1}]}`, false},
		{`{"error":{"message":"m"}}`, false},
		{`{"usage":[]}`, false},
	}
	for _, tc := range cases {
		if got := checkFast(t, []byte(tc.doc)); got != tc.fast {
			t.Errorf("%q: fast path taken = %v, want %v", tc.doc, got, tc.fast)
		}
	}
}

// TestChunkFastPathMutations compares both paths on systematic one-byte
// mutations of real chunks: every byte deleted, replaced and preceded by a
// set of JSON-significant bytes.
func TestChunkFastPathMutations(t *testing.T) {
	t.Parallel()
	ins := []byte{'"', '\\', ' ', ',', ':', '{', '}', '[', ']', 'u', '0', '9', '-', '.', 'e', 'n', 'l', 'C', 0x00, 0x1f, 0x80, 0xff, 0xc3}
	for _, c := range realChunks {
		doc := []byte(c)
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

// FuzzChunkFastPath checks that the fast chunk decoder never disagrees with
// encoding/json: on any input it accepts, the slow path must succeed with
// the same result.
func FuzzChunkFastPath(f *testing.F) {
	for _, c := range realChunks {
		f.Add([]byte(c))
	}
	f.Add([]byte(`{"choices":[{"delta":{"content":"\ud83d\ude00\ud83d\u0041\ude00"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFast(t, data)
	})
}

// realCompletions are whole chat.completion documents as servers send them.
var realCompletions = []string{
	// OpenAI, with usage details and a refusal field.
	`{"id":"chatcmpl-AbC","object":"chat.completion","created":1731000000,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help?","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":7,"total_tokens":16,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":"fp_x"}`,
	// Ollama; llama.cpp with timings; escapes.
	`{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"llama3.2","system_fingerprint":"fp_ollama","choices":[{"index":0,"message":{"role":"assistant","content":"caf\u00e9 \ud83d\ude00\n"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}`,
	`{"choices":[{"finish_reason":"length","index":0,"message":{"content":"日本語","role":"assistant"}}],"created":1,"model":"m","object":"chat.completion","usage":{"completion_tokens":1,"prompt_tokens":1,"total_tokens":2},"timings":{"prompt_ms":0.5}}`,
	// Tool calls and errors (slow path).
	`{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"tool_calls"}]}`,
	`{"error":{"message":"Provider returned error","code":502}}`,
}

// checkCompletionFast is checkFast for whole completions.
func checkCompletionFast(t *testing.T, data []byte) bool {
	t.Helper()
	return agreesWithSlowPath(t, data, decodeCompletionFast, func(b []byte, c *completion) error { return json.Unmarshal(b, c) })
}

func TestCompletionFastPath(t *testing.T) {
	t.Parallel()
	for i, c := range realCompletions {
		slow := strings.Contains(c, "tool_calls") || strings.Contains(c, `"error"`)
		if got := checkCompletionFast(t, []byte(c)); got == slow {
			t.Errorf("completion %d: fast path taken = %v, want %v: %s", i, got, !slow, c)
		}
	}
	for _, c := range []string{
		`{"choices":null}`, `{"choices":[]}`, `{"choices":[null]}`, `{"choices":[{"message":null}]}`,
		`{"choices":[{"message":{"content":null}}],"usage":null,"error":null}`,
		`{"choices":[{},{}]}`, `{"Choices":[]}`, `{"choices":[],"choices":[]}`, `{"choices":[{"message":{"CONTENT":"x"}}]}`,
		`{"usage":{"prompt_tokens":1.5}}`, `[]`, `{"choices":[{"message":{"content":"\ud800"}}]}`, `{} x`,
	} {
		checkCompletionFast(t, []byte(c))
	}
}

func FuzzCompletionFastPath(f *testing.F) {
	for _, c := range realCompletions {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkCompletionFast(t, data)
	})
}

// A typical whole reply: the fast path against encoding/json.
func BenchmarkDecodeCompletion(b *testing.B) {
	data := []byte(realCompletions[0])
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		var sc chunkjson.Scanner
		for b.Loop() {
			var c completion
			if !decodeCompletionFast(&sc, data, &c) {
				b.Fatal("slow path")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var c completion
			if err := json.Unmarshal(data, &c); err != nil {
				b.Fatal(err)
			}
		}
	})
}
