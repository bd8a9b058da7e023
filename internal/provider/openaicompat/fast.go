package openaicompat

import "github.com/openclaw/openclaw-go/internal/chunkjson"

// The fast path decodes the chat.completion.chunk shapes that make up
// nearly every stream (a content delta, the role delta, the finish reason,
// the usage chunk) with a hand-written scanner instead of encoding/json,
// which costs most of a relayed chunk's CPU. It must produce exactly what
// encoding/json produces, or give up: anything it does not fully recognise
// (tool calls, an "error", several choices, duplicate or case-variant field
// names, escaped keys, invalid UTF-8, non-integer token counts, invalid
// JSON) returns false and the chunk goes through the slow path, which also
// produces the error messages. FuzzChunkFastPath compares the two.

// JSON names of the fields of chunk, chunkChoice, chunkDelta and wireUsage,
// and of completion, completionChoice and completionMessage (a completion
// has a chunk's fields, a message a delta's); a key that folds to one of
// them is for encoding/json to interpret.
var (
	chunkFields  = []string{"choices", "usage", "error"}
	replyFields  = []string{"message", "finish_reason"}
	choiceFields = []string{"delta", "finish_reason"}
	deltaFields  = []string{"content", "tool_calls"}
	usageFields  = []string{"prompt_tokens", "completion_tokens", "total_tokens"}
)

// decodeFast decodes data into c, which must be zero, and reports whether
// it could. On false c may hold partial results and must be reset.
func decodeFast(sc *chunkjson.Scanner, data []byte, c *chunk) bool {
	ch := &c.Choices[0]
	return fastDocument(sc, data, &c.Usage, func() bool {
		_, ok := oneElement(sc, func() bool {
			return fastChoice(sc, "delta", choiceFields, &ch.Delta.Content, &ch.FinishReason)
		})
		return ok
	})
}

// decodeCompletionFast decodes a whole (non-streamed) chat.completion the
// same way, with the same rules: one choice whose message has text and no
// tool calls, usage, no error. Anything else returns false and goes through
// encoding/json. FuzzCompletionFastPath compares the two.
func decodeCompletionFast(sc *chunkjson.Scanner, data []byte, c *completion) bool {
	var one [1]completionChoice
	return fastDocument(sc, data, &c.Usage, func() bool {
		n, ok := oneElement(sc, func() bool {
			return fastChoice(sc, "message", replyFields, &one[0].Message.Content, &one[0].FinishReason)
		})
		if ok && n >= 0 {
			// As encoding/json: nil for null, empty for [].
			c.Choices = append(make([]completionChoice, 0, n), one[:n]...)
		}
		return ok
	})
}

// fastDocument reads the object both documents share: "choices" (read by
// choices), "usage", and an "error" that must be null.
func fastDocument(sc *chunkjson.Scanner, data []byte, usage **wireUsage, choices func() bool) bool {
	sc.Reset(data)
	if !sc.Object() {
		return false
	}
	var seen uint8
	for first := true; ; first = false {
		key, end, ok := sc.Key(first)
		if !ok {
			return false
		}
		if end {
			break
		}
		switch string(key) {
		case "choices":
			if !chunkjson.Once(&seen, 1) || !choices() {
				return false
			}
		case "usage":
			if !chunkjson.Once(&seen, 2) {
				return false
			}
			if sc.Null() {
				continue
			}
			u := new(wireUsage)
			if !fastUsage(sc, u) {
				return false
			}
			*usage = u
		case "error":
			if !chunkjson.Once(&seen, 4) || !sc.Null() {
				return false
			}
		default:
			if !sc.Unknown(key, chunkFields) || !sc.Skip() {
				return false
			}
		}
	}
	return sc.End()
}

// oneElement reads null, [] or an array of one element, which elem reads;
// it reports whether the value was an array (n: its length, -1 for null)
// and whether it could read it. More elements are for the slow path.
func oneElement(sc *chunkjson.Scanner, elem func() bool) (n int, ok bool) {
	if sc.Null() {
		return -1, true
	}
	if !sc.Array() {
		return 0, false
	}
	end, ok := sc.Elem(true)
	if !ok || end {
		return 0, ok
	}
	if !elem() {
		return 1, false
	}
	end, ok = sc.Elem(false)
	return 1, ok && end
}

// fastChoice reads a choice: its message object under the name inner (a
// chunk's "delta", a completion's "message") and its finish reason; fields
// are the choice's JSON names.
func fastChoice(sc *chunkjson.Scanner, inner string, fields []string, content, finish *string) bool {
	if sc.Null() {
		return true
	}
	if !sc.Object() {
		return false
	}
	var seen uint8
	for first := true; ; first = false {
		key, end, ok := sc.Key(first)
		if !ok {
			return false
		}
		if end {
			return true
		}
		switch string(key) {
		case inner:
			if !chunkjson.Once(&seen, 1) || !fastContent(sc, content) {
				return false
			}
		case "finish_reason":
			if !chunkjson.Once(&seen, 2) {
				return false
			}
			if !chunkjson.Into(sc, finish) {
				return false
			}
		default:
			if !sc.Unknown(key, fields) || !sc.Skip() {
				return false
			}
		}
	}
}

// fastContent reads a delta or a message: its text, and tool calls only
// when null (tool calls take the slow path).
func fastContent(sc *chunkjson.Scanner, content *string) bool {
	if sc.Null() {
		return true
	}
	if !sc.Object() {
		return false
	}
	var seen uint8
	for first := true; ; first = false {
		key, end, ok := sc.Key(first)
		if !ok {
			return false
		}
		if end {
			return true
		}
		switch string(key) {
		case "content":
			if !chunkjson.Once(&seen, 1) {
				return false
			}
			if !chunkjson.Into(sc, content) {
				return false
			}
		case "tool_calls":
			if !chunkjson.Once(&seen, 2) || !sc.Null() {
				return false
			}
		default:
			if !sc.Unknown(key, deltaFields) || !sc.Skip() {
				return false
			}
		}
	}
}

func fastUsage(sc *chunkjson.Scanner, u *wireUsage) bool {
	return sc.IntObject(usageFields, []*int{&u.PromptTokens, &u.CompletionTokens, &u.TotalTokens})
}
