package openai

import (
	"strconv"

	"github.com/openclaw/openclaw-go/internal/jsonenc"
)

// AppendJSON appends c as JSON without reflection: the non-stream reply is
// written on every such request. The bytes are those of an encoding/json
// Encoder with HTML escaping off (FuzzChatCompletionJSON checks it), so the
// reply is what json.Marshal wrote before, except that <, > and & are no
// longer written as \u003c, \u003e and \u0026 (the same JSON values).
func (c *ChatCompletion) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = jsonenc.String(b, c.ID)
	b = append(b, `,"object":`...)
	b = jsonenc.String(b, c.Object)
	b = append(b, `,"created":`...)
	b = strconv.AppendInt(b, c.Created, 10)
	b = append(b, `,"model":`...)
	b = jsonenc.String(b, c.Model)
	b = append(b, `,"choices":`...)
	b = jsonenc.List(b, c.Choices, (*ChatChoice).appendJSON)
	b = append(b, `,"usage":`...)
	b = c.Usage.AppendJSON(b)
	return append(b, '}')
}

func (ch *ChatChoice) appendJSON(b []byte) []byte {
	b = append(b, `{"index":`...)
	b = strconv.AppendInt(b, int64(ch.Index), 10)
	b = append(b, `,"message":{"role":`...)
	m := &ch.Message
	b = jsonenc.String(b, m.Role)
	b = append(b, `,"content":`...)
	if m.Content == nil {
		b = append(b, "null"...)
	} else {
		b = jsonenc.String(b, *m.Content)
	}
	if len(m.ToolCalls) > 0 { // omitempty
		b = append(b, `,"tool_calls":`...)
		b = jsonenc.List(b, m.ToolCalls, (*ToolCall).appendJSON)
	}
	b = append(b, `},"logprobs":`...)
	if ch.Logprobs == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, "{}"...)
	}
	b = append(b, `,"finish_reason":`...)
	b = jsonenc.String(b, ch.FinishReason)
	return append(b, '}')
}

func (tc *ToolCall) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = jsonenc.String(b, tc.ID)
	b = append(b, `,"type":`...)
	b = jsonenc.String(b, tc.Type)
	b = append(b, `,"function":{"name":`...)
	b = jsonenc.String(b, tc.Function.Name)
	b = append(b, `,"arguments":`...)
	b = jsonenc.String(b, tc.Function.Arguments)
	return append(b, "}}"...)
}
