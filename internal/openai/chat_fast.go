package openai

import "github.com/openclaw/openclaw-go/internal/chunkjson"

// decodeFast decodes the common shape of a chat request by hand: the
// scalar options and messages whose content is a string or null. It gives
// up (false, leaving r to be decoded again by encoding/json) on anything
// else: tools, tool_choice, stop, tool calls, array contents, duplicate
// keys, a key that only differs in case from a field name, numbers
// encoding/json would reject. What it accepts it decodes exactly as
// encoding/json would (FuzzChatRequestFastPath checks this); it is about
// five times faster, which matters because every request pays it.
func (r *ChatCompletionRequest) decodeFast(data []byte) bool {
	var sc chunkjson.Scanner
	sc.Reset(data)
	if !sc.Object() {
		return false
	}
	var seen uint32
	for first := true; ; first = false {
		key, end, ok := sc.Key(first)
		if !ok {
			return false
		}
		if end {
			break
		}
		f := chatFieldIndex(key)
		if f < 0 {
			if !sc.Unknown(key, chatFieldNames) || !sc.Skip() {
				return false
			}
			continue
		}
		if seen&(1<<f) != 0 {
			return false // duplicate: encoding/json keeps the last one
		}
		seen |= 1 << f
		if !r.fastField(&sc, f) {
			return false
		}
	}
	return sc.End()
}

// chatFieldNames are the JSON names of ChatCompletionRequest's fields, in
// the order fastField numbers them.
var chatFieldNames = []string{
	"model", "messages", "stream", "stream_options", "tools", "tool_choice",
	"max_completion_tokens", "max_tokens", "temperature", "top_p",
	"frequency_penalty", "presence_penalty", "seed", "stop", "user", "n",
}

func chatFieldIndex(key []byte) int {
	for i, n := range chatFieldNames {
		if string(key) == n {
			return i
		}
	}
	return -1
}

// fastField reads the value of field f (an index into chatFieldNames).
// JSON null leaves a field as it is, as encoding/json does.
func (r *ChatCompletionRequest) fastField(sc *chunkjson.Scanner, f int) bool {
	if sc.Null() {
		switch f {
		case 3: // pointers become nil: they are nil already
		case 1:
			r.Messages = nil
		}
		return true
	}
	var ok bool
	switch f {
	case 0:
		r.Model, ok = sc.String()
	case 1:
		r.Messages, ok = fastMessages(sc)
	case 2:
		r.Stream, ok = sc.Bool()
	case 3:
		var o StreamOptions
		if ok = fastStreamOptions(sc, &o); ok {
			r.StreamOptions = &o
		}
	case 6:
		r.MaxCompletionTokens, ok = fastIntPtr(sc)
	case 7:
		r.MaxTokens, ok = fastIntPtr(sc)
	case 8:
		r.Temperature, ok = fastFloatPtr(sc)
	case 9:
		r.TopP, ok = fastFloatPtr(sc)
	case 10:
		r.FrequencyPenalty, ok = fastFloatPtr(sc)
	case 11:
		r.PresencePenalty, ok = fastFloatPtr(sc)
	case 12:
		var n int
		if n, ok = sc.Int(); ok {
			v := int64(n)
			r.Seed = &v
		}
	case 14:
		r.User, ok = sc.String()
	case 15:
		r.N, ok = fastIntPtr(sc)
	default: // tools, tool_choice, stop: the slow path
		return false
	}
	return ok
}

func fastIntPtr(sc *chunkjson.Scanner) (*int, bool) {
	n, ok := sc.Int()
	if !ok {
		return nil, false
	}
	return &n, true
}

func fastFloatPtr(sc *chunkjson.Scanner) (*float64, bool) {
	f, ok := sc.Float()
	if !ok {
		return nil, false
	}
	return &f, true
}

var streamOptionNames = []string{"include_usage"}

func fastStreamOptions(sc *chunkjson.Scanner, o *StreamOptions) bool {
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
		if string(key) != "include_usage" {
			if !sc.Unknown(key, streamOptionNames) || !sc.Skip() {
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
		if o.IncludeUsage, ok = sc.Bool(); !ok {
			return false
		}
	}
}

// messageFieldNames are ChatMessage's JSON field names.
var messageFieldNames = []string{"role", "content", "name", "tool_calls", "tool_call_id"}

// fastMessages reads the messages array; elements that are not objects,
// and contents that are not a string or null, go to the slow path.
func fastMessages(sc *chunkjson.Scanner) ([]ChatMessage, bool) {
	if !sc.Array() {
		return nil, false
	}
	msgs := make([]ChatMessage, 0, 4)
	for first := true; ; first = false {
		end, ok := sc.Elem(first)
		if !ok {
			return nil, false
		}
		if end {
			return msgs, true
		}
		msgs = append(msgs, ChatMessage{})
		if !fastMessage(sc, &msgs[len(msgs)-1]) {
			return nil, false
		}
	}
}

func fastMessage(sc *chunkjson.Scanner, m *ChatMessage) bool {
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
		var dst *string
		var bit uint8
		switch string(key) {
		case "role":
			dst, bit = &m.Role, 1
		case "name":
			dst, bit = &m.Name, 2
		case "tool_call_id":
			dst, bit = &m.ToolCallID, 4
		case "content":
			if !chunkjson.Once(&seen, 8) {
				return false
			}
			// MessageContent.UnmarshalJSON: null is absent, a string is
			// text; an array (parts) is left to the slow path.
			if sc.Null() {
				continue
			}
			if m.Content.Text, ok = sc.String(); !ok {
				return false
			}
			m.Content.kind = contentText
			continue
		case "tool_calls":
			return false
		default:
			if !sc.Unknown(key, messageFieldNames) || !sc.Skip() {
				return false
			}
			continue
		}
		if !chunkjson.Once(&seen, bit) {
			return false
		}
		if sc.Null() {
			continue
		}
		if *dst, ok = sc.String(); !ok {
			return false
		}
	}
}
