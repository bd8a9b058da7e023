package openai

import "github.com/openclaw/openclaw-go/internal/chunkjson"

// decodeFast decodes the common shapes of a chat request by hand: the
// scalar options, tools, tool_choice as a string, stop, and messages with
// string or parts contents and tool calls. It gives up (false, leaving r to
// be decoded again by encoding/json) on anything else: a tool_choice
// object, an element or field of an unexpected type, duplicate keys, a key
// that only differs in case from a field name, numbers encoding/json would
// reject. What it accepts it decodes exactly as encoding/json would
// (FuzzChatRequestFastPath checks this); it is several times faster, which
// matters because every request pays it.
func (r *ChatCompletionRequest) decodeFast(data []byte) bool {
	var sc chunkjson.Scanner
	sc.Reset(data)
	return sc.Fields(chatFieldNames, func(f int) bool { return r.fastField(&sc, f) }) && sc.End()
}

// chatFieldNames are the JSON names of ChatCompletionRequest's fields, in
// the order fastField numbers them.
var chatFieldNames = []string{
	"model", "messages", "stream", "stream_options", "tools", "tool_choice",
	"max_completion_tokens", "max_tokens", "temperature", "top_p",
	"frequency_penalty", "presence_penalty", "seed", "stop", "user", "n",
}

// fastField reads the value of field f (an index into chatFieldNames).
// JSON null leaves a field as it is (nil, since r is new), as encoding/json
// does; so do the UnmarshalJSON methods of ToolChoice and Stop.
func (r *ChatCompletionRequest) fastField(sc *chunkjson.Scanner, f int) bool {
	if sc.Null() {
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
		r.StreamOptions = &StreamOptions{}
		ok = sc.Fields(streamOptionNames, func(int) bool { return chunkjson.Into(sc, &r.StreamOptions.IncludeUsage) })
	case 4:
		r.Tools, ok = fastTools(sc)
	case 5:
		// ToolChoice.UnmarshalJSON: a string is the mode (empty is an
		// error Validate reports); an object is left to the slow path.
		if r.ToolChoice.Mode, ok = sc.String(); ok && r.ToolChoice.Mode == "" {
			r.ToolChoice.bad = "tool_choice must be \"auto\", \"none\", \"required\" or a function object"
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
	case 13:
		ok = fastStop(sc, &r.Stop)
	case 14:
		r.User, ok = sc.String()
	case 15:
		r.N, ok = fastIntPtr(sc)
	}
	return ok
}

var (
	streamOptionNames  = []string{"include_usage"}
	messageFieldNames  = []string{"role", "content", "name", "tool_calls", "tool_call_id"}
	toolFieldNames     = []string{"type", "function"}
	functionFieldNames = []string{"name", "description", "parameters"}
	toolCallFieldNames = []string{"id", "type", "function"}
	callFieldNames     = []string{"name", "arguments"}
	partFieldNames     = []string{"type", "text", "image_url"}
	imageFieldNames    = []string{"url", "detail"}
)

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

// fastString reads a field of a nested object; null leaves it unchanged.
func fastString(sc *chunkjson.Scanner, dst *string) bool { return chunkjson.Into(sc, dst) }

// fastStop reads stop as Stop.UnmarshalJSON does for a string or an array
// of strings; anything else (which it marks bad) goes to the slow path.
func fastStop(sc *chunkjson.Scanner, st *Stop) bool {
	if v, ok := sc.String(); ok {
		st.List = []string{v}
		return true
	}
	st.List = []string{}
	return sc.Elems(func() bool {
		v, ok := sc.String()
		st.List = append(st.List, v)
		return ok
	})
}

// fastMessages reads the messages array; elements that are not objects go
// to the slow path.
func fastMessages(sc *chunkjson.Scanner) ([]ChatMessage, bool) {
	msgs := make([]ChatMessage, 0, 4)
	ok := sc.Elems(func() bool {
		msgs = append(msgs, ChatMessage{})
		return fastMessage(sc, &msgs[len(msgs)-1])
	})
	return msgs, ok
}

func fastMessage(sc *chunkjson.Scanner, m *ChatMessage) bool {
	return sc.Fields(messageFieldNames, func(f int) bool {
		switch f {
		case 0:
			return fastString(sc, &m.Role)
		case 1:
			// MessageContent.UnmarshalJSON: null is absent, a string is
			// text, an array is parts.
			if sc.Null() {
				return true
			}
			var ok bool
			if m.Content.Parts, ok = fastParts(sc); ok {
				m.Content.kind = contentParts
				return true
			}
			if m.Content.Parts != nil {
				return false // an array the slow path must report on
			}
			m.Content.Text, ok = sc.String()
			m.Content.kind = contentText
			return ok
		case 2:
			return fastString(sc, &m.Name)
		case 3:
			if sc.Null() {
				return true
			}
			var ok bool
			m.ToolCalls, ok = fastToolCalls(sc)
			return ok
		}
		return fastString(sc, &m.ToolCallID)
	})
}

func fastTools(sc *chunkjson.Scanner) ([]ChatTool, bool) {
	tools := []ChatTool{}
	ok := sc.Elems(func() bool {
		tools = append(tools, ChatTool{})
		t := &tools[len(tools)-1]
		return sc.Fields(toolFieldNames, func(f int) bool {
			if f == 0 {
				return fastString(sc, &t.Type)
			}
			if sc.Null() {
				return true
			}
			t.Function = &FunctionDef{}
			return sc.Fields(functionFieldNames, func(f int) bool {
				switch f {
				case 0:
					return fastString(sc, &t.Function.Name)
				case 1:
					return fastString(sc, &t.Function.Description)
				}
				raw, ok := sc.Raw() // json.RawMessage keeps the bytes, null included
				t.Function.Parameters = append([]byte(nil), raw...)
				return ok
			})
		})
	})
	return tools, ok
}

func fastToolCalls(sc *chunkjson.Scanner) ([]ToolCall, bool) {
	calls := []ToolCall{}
	ok := sc.Elems(func() bool {
		calls = append(calls, ToolCall{})
		c := &calls[len(calls)-1]
		return sc.Fields(toolCallFieldNames, func(f int) bool {
			switch f {
			case 0:
				return fastString(sc, &c.ID)
			case 1:
				return fastString(sc, &c.Type)
			}
			if sc.Null() {
				return true
			}
			return sc.StringObject(callFieldNames, []*string{&c.Function.Name, &c.Function.Arguments})
		})
	})
	return calls, ok
}

// fastParts reads an array content as decodeTextOrArray does when every
// part has the expected shape; any other shape (which it would report as
// invalid, with a path) goes to the slow path. It returns nil parts when
// the value is not an array at all.
func fastParts(sc *chunkjson.Scanner) ([]ContentPart, bool) {
	var parts []ContentPart
	ok := sc.Elems(func() bool {
		if parts == nil {
			parts = make([]ContentPart, 0, 2)
		}
		parts = append(parts, ContentPart{})
		p := &parts[len(parts)-1]
		return sc.Fields(partFieldNames, func(f int) bool {
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
			return sc.StringObject(imageFieldNames, []*string{&p.ImageURL.URL, &p.ImageURL.Detail})
		})
	})
	if ok && parts == nil {
		parts = []ContentPart{} // [] decodes to an empty, non-nil list
	}
	return parts, ok
}
