package anthropic

import "github.com/openclaw/openclaw-go/internal/chunkjson"

// The fast path decodes the stream events (message_start, content_block_*,
// message_delta, message_stop) with a hand-written scanner instead of
// encoding/json. It must produce exactly the event encoding/json produces,
// or give up: anything it does not fully recognise (error details,
// duplicate or case-variant field names, escaped keys, invalid UTF-8,
// non-integer numbers, invalid JSON) returns false and the event goes
// through the slow path, which also produces the error messages.
// FuzzEventFastPath compares the two.

// JSON names of the fields of event, its Delta and wireUsage; a key that
// folds to one of them is for encoding/json to interpret.
var (
	eventFields   = []string{"message", "index", "content_block", "delta", "usage", "error"}
	messageFields = []string{"usage"}
	blockFields   = []string{"type", "id", "name", "text"}
	deltaFields   = []string{"text", "partial_json", "stop_reason"}
	usageFields   = []string{"input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"}
)

// decodeFast decodes data into e, which must be zero, and reports whether
// it could. On false e may hold partial results and must be reset.
func decodeFast(sc *chunkjson.Scanner, data []byte, e *event) bool {
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
		case "index":
			if !chunkjson.Once(&seen, 1) {
				return false
			}
			if !chunkjson.Into(sc, &e.Index) {
				return false
			}
		case "delta":
			if !chunkjson.Once(&seen, 2) || !fastDelta(sc, e) {
				return false
			}
		case "usage":
			if !chunkjson.Once(&seen, 4) {
				return false
			}
			if sc.Null() {
				continue
			}
			u := new(wireUsage)
			if !fastUsage(sc, u) {
				return false
			}
			e.Usage = u
		case "message":
			if !chunkjson.Once(&seen, 8) || !fastMessage(sc, e) {
				return false
			}
		case "content_block":
			if !chunkjson.Once(&seen, 16) || !fastBlock(sc, e) {
				return false
			}
		case "error":
			// Error details take the slow path.
			if !chunkjson.Once(&seen, 32) || !sc.Null() {
				return false
			}
		default:
			if !sc.Unknown(key, eventFields) || !sc.Skip() {
				return false
			}
		}
	}
	return sc.End()
}

// fastMessage reads message_start's "message", of which only the usage
// is kept.
func fastMessage(sc *chunkjson.Scanner, e *event) bool {
	if sc.Null() {
		return true
	}
	if !sc.Object() {
		return false
	}
	seen := false
	for first := true; ; first = false {
		key, end, ok := sc.Key(first)
		if !ok {
			return false
		}
		if end {
			return true
		}
		if string(key) != "usage" {
			if !sc.Unknown(key, messageFields) || !sc.Skip() {
				return false
			}
			continue
		}
		if seen {
			return false
		}
		seen = true
		if sc.Null() {
			continue
		}
		u := new(wireUsage)
		if !fastUsage(sc, u) {
			return false
		}
		e.Message.Usage = u
	}
}

// fastBlock reads content_block_start's "content_block".
func fastBlock(sc *chunkjson.Scanner, e *event) bool {
	if sc.Null() {
		return true
	}
	b := &e.ContentBlock
	return sc.StringObject(blockFields, []*string{&b.Type, &b.ID, &b.Name, &b.Text})
}

func fastDelta(sc *chunkjson.Scanner, e *event) bool {
	if sc.Null() {
		return true
	}
	d := &e.Delta
	return sc.StringObject(deltaFields, []*string{&d.Text, &d.PartialJSON, &d.StopReason})
}

func fastUsage(sc *chunkjson.Scanner, u *wireUsage) bool {
	return sc.IntObject(usageFields, []*int{&u.InputTokens, &u.OutputTokens, &u.CacheCreationInputTokens, &u.CacheReadInputTokens})
}
