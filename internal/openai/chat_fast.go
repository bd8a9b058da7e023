package openai

import "github.com/openclaw/openclaw-go/internal/chunkjson"

// decodeFast decodes the common shapes of a chat request by hand: the
// scalar options, tools, tool_choice as a string, stop, and messages with
// string or parts contents and tool calls. It gives up (false, leaving r to
// be decoded again by encoding/json) on anything else: a tool_choice
// object, an element or field of an unexpected type, duplicate keys, a key
// that only differs in case from a field name, numbers encoding/json would
// reject. What it accepts it decodes exactly as
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
	case 4:
		r.Tools, ok = fastTools(sc)
	case 5:
		// ToolChoice.UnmarshalJSON: a string is the mode (empty is an
		// error Validate reports); an object is left to the slow path.
		if r.ToolChoice.Mode, ok = sc.String(); ok && r.ToolChoice.Mode == "" {
			r.ToolChoice.bad = "tool_choice must be \"auto\", \"none\", \"required\" or a function object"
		}
	case 13:
		ok = fastStop(sc, &r.Stop)
	}
	return ok
}

// fastStop reads stop as Stop.UnmarshalJSON does for a string or an array
// of strings; anything else (which it marks bad) goes to the slow path.
func fastStop(sc *chunkjson.Scanner, st *Stop) bool {
	if v, ok := sc.String(); ok {
		st.List = []string{v}
		return true
	}
	if !sc.Array() {
		return false
	}
	st.List = []string{}
	for first := true; ; first = false {
		end, ok := sc.Elem(first)
		if !ok {
			return false
		}
		if end {
			return true
		}
		v, ok := sc.String()
		if !ok {
			return false
		}
		st.List = append(st.List, v)
	}
}

var (
	toolFieldNames     = []string{"type", "function"}
	functionFieldNames = []string{"name", "description", "parameters"}
	toolCallFieldNames = []string{"id", "type", "function"}
	callFieldNames     = []string{"name", "arguments"}
	partFieldNames     = []string{"type", "text", "image_url"}
	imageFieldNames    = []string{"url", "detail"}
)

func fastTools(sc *chunkjson.Scanner) ([]ChatTool, bool) {
	if !sc.Array() {
		return nil, false
	}
	tools := []ChatTool{}
	for first := true; ; first = false {
		end, ok := sc.Elem(first)
		if !ok {
			return nil, false
		}
		if end {
			return tools, true
		}
		var t ChatTool
		ok = fastObject(sc, toolFieldNames, func(f int) bool {
			if f == 0 {
				return fastString(sc, &t.Type)
			}
			if sc.Null() {
				return true
			}
			t.Function = &FunctionDef{}
			return fastObject(sc, functionFieldNames, func(f int) bool {
				switch f {
				case 0:
					return fastString(sc, &t.Function.Name)
				case 1:
					return fastString(sc, &t.Function.Description)
				}
				raw, ok := sc.Raw() // json.RawMessage: the bytes, null included
				t.Function.Parameters = append([]byte(nil), raw...)
				return ok
			})
		})
		if !ok {
			return nil, false
		}
		tools = append(tools, t)
	}
}

// fastObject reads an object whose keys are names (each at most once) or
// unknown to encoding/json, calling field with the index of each known key
// to read its value.
func fastObject(sc *chunkjson.Scanner, names []string, field func(int) bool) bool {
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
		f := -1
		for i, n := range names {
			if string(key) == n {
				f = i
				break
			}
		}
		if f < 0 {
			if !sc.Unknown(key, names) || !sc.Skip() {
				return false
			}
			continue
		}
		if !chunkjson.Once(&seen, 1<<f) || !field(f) {
			return false
		}
	}
}

// fastString reads a string field; null leaves it unchanged.
func fastString(sc *chunkjson.Scanner, dst *string) bool {
	if sc.Null() {
		return true
	}
	v, ok := sc.String()
	if ok {
		*dst = v
	}
	return ok
}

func fastToolCalls(sc *chunkjson.Scanner) ([]ToolCall, bool) {
	if sc.Null() {
		return nil, true
	}
	if !sc.Array() {
		return nil, false
	}
	calls := []ToolCall{}
	for first := true; ; first = false {
		end, ok := sc.Elem(first)
		if !ok {
			return nil, false
		}
		if end {
			return calls, true
		}
		var c ToolCall
		ok = fastObject(sc, toolCallFieldNames, func(f int) bool {
			switch f {
			case 0:
				return fastString(sc, &c.ID)
			case 1:
				return fastString(sc, &c.Type)
			}
			if sc.Null() {
				return true
			}
			return fastObject(sc, callFieldNames, func(f int) bool {
				if f == 0 {
					return fastString(sc, &c.Function.Name)
				}
				return fastString(sc, &c.Function.Arguments)
			})
		})
		if !ok {
			return nil, false
		}
		calls = append(calls, c)
	}
}

// fastParts reads an array content as decodeTextOrArray does when every
// part has the expected shape; any other shape (which it would report as
// invalid, with a path) goes to the slow path.
func fastParts(sc *chunkjson.Scanner) ([]ContentPart, bool) {
	if !sc.Array() {
		return nil, false
	}
	parts := []ContentPart{}
	for first := true; ; first = false {
		end, ok := sc.Elem(first)
		if !ok {
			return nil, false
		}
		if end {
			return parts, true
		}
		var p ContentPart
		ok = fastObject(sc, partFieldNames, func(f int) bool {
			switch f {
			case 0:
				return fastString(sc, &p.Type)
			case 1:
				return fastString(sc, &p.Text)
			}
			if sc.Null() {
				return true
			}
			p.ImageURL = &ImageURL{}
			return fastObject(sc, imageFieldNames, func(f int) bool {
				if f == 0 {
					return fastString(sc, &p.ImageURL.URL)
				}
				return fastString(sc, &p.ImageURL.Detail)
			})
		})
		if !ok {
			return nil, false
		}
		parts = append(parts, p)
	}
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
			// text, an array is parts.
			if sc.Null() {
				continue
			}
			if m.Content.Parts, ok = fastParts(sc); ok {
				m.Content.kind = contentParts
				continue
			}
			if m.Content.Text, ok = sc.String(); !ok {
				return false
			}
			m.Content.kind = contentText
			continue
		case "tool_calls":
			if !chunkjson.Once(&seen, 16) {
				return false
			}
			if m.ToolCalls, ok = fastToolCalls(sc); !ok {
				return false
			}
			continue
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
