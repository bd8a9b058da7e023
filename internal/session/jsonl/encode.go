package jsonl

import (
	"encoding/json"
	"errors"

	"github.com/openclaw/openclaw-go/internal/jsonenc"
)

var errInvalidRaw = errors.New("tool calls or usage are not valid JSON")

// appendJSON appends the line as encoding/json would write it, without
// reflection (every turn writes one). Raw members must be valid JSON, as
// encoding/json requires; they are written as they are (compact already
// took out line breaks).
func (l *line) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"agent":`...)
	b = jsonenc.String(b, l.Agent)
	b = append(b, `,"key":`...)
	b = jsonenc.String(b, l.Key)
	b = append(b, `,"turn":`...)
	b = jsonenc.String(b, l.Turn)
	b = append(b, `,"at":`...)
	b = jsonenc.Int(b, l.At)
	b = append(b, `,"entries":`...)
	if l.Entries == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range l.Entries {
			e := &l.Entries[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"role":`...)
			b = jsonenc.String(b, e.Role)
			if e.Content != "" {
				b = append(b, `,"content":`...)
				b = jsonenc.String(b, e.Content)
			}
			if len(e.ToolCalls) > 0 {
				if !json.Valid(e.ToolCalls) {
					return b, errInvalidRaw
				}
				b = append(b, `,"toolCalls":`...)
				b = append(b, e.ToolCalls...)
			}
			if e.ToolCallID != "" {
				b = append(b, `,"toolCallId":`...)
				b = jsonenc.String(b, e.ToolCallID)
			}
			if e.Model != "" {
				b = append(b, `,"model":`...)
				b = jsonenc.String(b, e.Model)
			}
			if len(e.Usage) > 0 {
				if !json.Valid(e.Usage) {
					return b, errInvalidRaw
				}
				b = append(b, `,"usage":`...)
				b = append(b, e.Usage...)
			}
			if e.Interrupted {
				b = append(b, `,"interrupted":true`...)
			}
			b = append(b, `,"at":`...)
			b = jsonenc.Int(b, e.At)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

// lineSize estimates the encoded size of l.
func (l *line) lineSize() int {
	n := 96 + len(l.Agent) + len(l.Key) + len(l.Turn)
	for i := range l.Entries {
		e := &l.Entries[i]
		n += 64 + len(e.Content) + len(e.Content)/8 + len(e.ToolCalls) + len(e.ToolCallID) + len(e.Model) + len(e.Usage)
	}
	return n
}
