package anthropic

import (
	"bytes"
	"encoding/json"

	"github.com/openclaw/openclaw-go/internal/provider"
	"github.com/openclaw/openclaw-go/internal/provider/internal/upstream"
)

// messageResponse is a non-streamed Messages API response: the answer to a
// NoStream request, or to a proxy that does not stream.
type messageResponse struct {
	Type    string `json:"type"`
	Content []struct {
		Type  string          `json:"type"`
		Text  string          `json:"text"`
		ID    string          `json:"id"`
		Name  string          `json:"name"`
		Input json.RawMessage `json:"input"`
	} `json:"content"`
	StopReason string     `json:"stop_reason"`
	Usage      *wireUsage `json:"usage"`
	Error      *struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

// maxMessageBody bounds a non-streamed reply.
const maxMessageBody = 32 << 20

// fromMessage reads a whole non-streamed reply and queues the deltas a
// stream of it would give: each text block, each tool call in one fragment
// (its input as the arguments), the finish reason, then the usage.
func (s *stream) fromMessage() {
	buf, err := upstream.ReadBody(s.src, s.Call, maxMessageBody)
	defer upstream.PutBody(buf)
	if err != nil {
		s.Fail(err)
		return
	}
	var m messageResponse
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		s.Fail(s.protocolErr("invalid message body: "+err.Error(), err))
		return
	}
	if m.Type == "error" || m.Error != nil {
		typ, msg := "api_error", "error without details"
		if m.Error != nil {
			typ, msg = m.Error.Type, m.Error.Message
		}
		s.Fail(&provider.Error{Provider: s.provider, Model: s.model, Kind: provider.KindUpstream, Status: statusOf(typ),
			Message: typ + ": " + msg})
		return
	}
	if (m.Type != "" && m.Type != "message") || (m.Type == "" && m.Content == nil && m.StopReason == "") {
		s.Fail(s.protocolErr("response body is not a Messages API message", nil))
		return
	}
	for _, b := range m.Content {
		switch b.Type {
		case "text":
			if b.Text != "" {
				s.Push(provider.Delta{Text: b.Text})
			}
		case "tool_use":
			args := string(bytes.TrimSpace(b.Input))
			if args == "" || args == "null" {
				args = "{}" // as a streamed call without input_json_delta
			}
			s.Push(provider.Delta{ToolCall: &provider.ToolCallDelta{Index: s.tools, ID: b.ID, Name: b.Name, Arguments: args}})
			s.tools++
		}
		// Other blocks (thinking, server tools…) are not relayed.
	}
	if m.StopReason != "" {
		s.finished = true
		s.Push(provider.Delta{FinishReason: finishReason(m.StopReason)})
	}
	if m.Usage != nil {
		s.usage, s.hasUsage = *m.Usage, true
	}
	s.end()
}
