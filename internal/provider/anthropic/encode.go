package anthropic

import (
	"encoding/json"

	"github.com/openclaw/openclaw-go/internal/jsonenc"
)

// appendJSON writes w as the Messages API request body, field by field as
// encoding/json would from the struct tags (omitempty included), without
// reflection: every turn pays this encoding, and a long conversation is
// most of the body. The raw JSON fields (tool inputs and schemas) were
// validated by buildRequest and go in as they are. FuzzAppendJSON checks
// that the output decodes to what json.Marshal's does.
func (w *messagesRequest) appendJSON(b []byte) []byte {
	b = append(b, `{"model":`...)
	b = jsonenc.String(b, w.Model)
	b = appendOptional(b, `,"system":`, w.System)
	b = append(b, `,"messages":`...)
	b = jsonenc.List(b, w.Messages, (*message).appendJSON)
	b = append(b, `,"max_tokens":`...)
	b = jsonenc.Int(b, int64(w.MaxTokens))
	if len(w.Tools) > 0 {
		b = append(b, `,"tools":[`...)
		for i, t := range w.Tools {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"name":`...)
			b = jsonenc.String(b, t.Name)
			b = appendOptional(b, `,"description":`, t.Description)
			b = append(b, `,"input_schema":`...)
			b = appendRaw(b, t.InputSchema)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if tc := w.ToolChoice; tc != nil {
		b = append(b, `,"tool_choice":{"type":`...)
		b = jsonenc.String(b, tc.Type)
		b = appendOptional(b, `,"name":`, tc.Name)
		b = append(b, '}')
	}
	if len(w.StopSequences) > 0 {
		b = append(b, `,"stop_sequences":[`...)
		for i, s := range w.StopSequences {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonenc.String(b, s)
		}
		b = append(b, ']')
	}
	if w.Temperature != nil {
		b = append(b, `,"temperature":`...)
		b = jsonenc.Float(b, *w.Temperature)
	}
	if w.TopP != nil {
		b = append(b, `,"top_p":`...)
		b = jsonenc.Float(b, *w.TopP)
	}
	if w.Metadata != nil {
		b = append(b, `,"metadata":{"user_id":`...)
		b = jsonenc.String(b, w.Metadata.UserID)
		b = append(b, '}')
	}
	if w.Stream {
		return append(b, `,"stream":true}`...)
	}
	return append(b, `,"stream":false}`...)
}

func (m *message) appendJSON(b []byte) []byte {
	b = append(b, `{"role":`...)
	b = jsonenc.String(b, m.Role)
	b = append(b, `,"content":`...)
	b = jsonenc.List(b, m.Content, (*block).appendJSON)
	return append(b, '}')
}

func (k *block) appendJSON(b []byte) []byte {
	b = append(b, `{"type":`...)
	b = jsonenc.String(b, k.Type)
	b = appendOptional(b, `,"text":`, k.Text)
	if s := k.Source; s != nil {
		b = append(b, `,"source":{"type":`...)
		b = jsonenc.String(b, s.Type)
		b = appendOptional(b, `,"media_type":`, s.MediaType)
		b = appendOptional(b, `,"data":`, s.Data)
		b = appendOptional(b, `,"url":`, s.URL)
		b = append(b, '}')
	}
	b = appendOptional(b, `,"id":`, k.ID)
	b = appendOptional(b, `,"name":`, k.Name)
	if len(k.Input) > 0 {
		b = append(b, `,"input":`...)
		b = appendRaw(b, k.Input)
	}
	b = appendOptional(b, `,"tool_use_id":`, k.ToolUseID)
	b = appendOptional(b, `,"content":`, k.Content)
	return append(b, '}')
}

// appendOptional writes a string member that encoding/json would omit when
// empty (omitempty); key carries the leading comma, the quotes and the colon.
func appendOptional(b []byte, key, val string) []byte {
	if val == "" {
		return b
	}
	return jsonenc.String(append(b, key...), val)
}

// appendRaw writes a JSON value that buildRequest validated; an empty one
// is null, as encoding/json writes an empty json.RawMessage.
func appendRaw(b []byte, raw json.RawMessage) []byte {
	if len(raw) == 0 {
		return append(b, "null"...)
	}
	return append(b, raw...)
}

// requestSize estimates the encoded size of w, to allocate the body once.
func (w *messagesRequest) requestSize() int {
	n := 160 + len(w.Model) + len(w.System) + len(w.System)/8
	for i := range w.Messages {
		n += 32
		for _, k := range w.Messages[i].Content {
			n += 48 + len(k.Text) + len(k.Text)/8 + len(k.Input) + len(k.Content) + len(k.Content)/8 + len(k.ID) + len(k.Name) + len(k.ToolUseID)
			if k.Source != nil {
				n += 64 + len(k.Source.Data) + len(k.Source.URL) + len(k.Source.MediaType)
			}
		}
	}
	for _, t := range w.Tools {
		n += 64 + len(t.Name) + len(t.Description) + len(t.InputSchema)
	}
	for _, s := range w.StopSequences {
		n += 8 + len(s)
	}
	if w.Metadata != nil {
		n += 32 + len(w.Metadata.UserID)
	}
	return n
}
