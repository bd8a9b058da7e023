package anthropic

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/openclaw/openclaw-go/internal/provider"
)

type messagesRequest struct {
	Model         string      `json:"model"`
	System        string      `json:"system,omitempty"`
	Messages      []message   `json:"messages"`
	MaxTokens     int         `json:"max_tokens"`
	Tools         []tool      `json:"tools,omitempty"`
	ToolChoice    *toolChoice `json:"tool_choice,omitempty"`
	StopSequences []string    `json:"stop_sequences,omitempty"`
	Temperature   *float64    `json:"temperature,omitempty"`
	TopP          *float64    `json:"top_p,omitempty"`
	Metadata      *metadata   `json:"metadata,omitempty"`
	Stream        bool        `json:"stream"`
}

type metadata struct {
	UserID string `json:"user_id"`
}

type message struct {
	Role    string  `json:"role"`
	Content []block `json:"content"`
}

// block is one content block; Type selects which fields are set.
type block struct {
	Type string `json:"type"`
	// text
	Text string `json:"text,omitempty"`
	// image
	Source *imageSource `json:"source,omitempty"`
	// tool_use
	ID    string          `json:"id,omitempty"`
	Name  string          `json:"name,omitempty"`
	Input json.RawMessage `json:"input,omitempty"`
	// tool_result
	ToolUseID string `json:"tool_use_id,omitempty"`
	Content   string `json:"content,omitempty"`
}

type imageSource struct {
	Type      string `json:"type"` // "base64" or "url"
	MediaType string `json:"media_type,omitempty"`
	Data      string `json:"data,omitempty"`
	URL       string `json:"url,omitempty"`
}

type tool struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	InputSchema json.RawMessage `json:"input_schema"`
}

type toolChoice struct {
	Type string `json:"type"` // auto, any, tool, none
	Name string `json:"name,omitempty"`
}

// emptySchema is the input_schema of a tool declared without parameters;
// the Messages API requires one.
var emptySchema = json.RawMessage(`{"type":"object","properties":{}}`)

func (c *client) maxTokens(r *provider.Request) int {
	if r.MaxTokens > 0 {
		return r.MaxTokens
	}
	if n := c.opts.ModelMaxTokens[r.Model]; n > 0 {
		return n
	}
	return c.opts.DefaultMaxTokens
}

// buildRequest translates a neutral request to the Messages API.
func (c *client) buildRequest(r *provider.Request) *messagesRequest {
	w := &messagesRequest{
		Model:         r.Model,
		MaxTokens:     c.maxTokens(r),
		StopSequences: r.Stop,
		Stream:        !r.NoStream,
	}
	// Anthropic's temperature range is 0–1 (OpenAI's is 0–2): clamp. Recent
	// models reject temperature and top_p together; temperature wins.
	if r.Temperature != nil {
		t := min(max(*r.Temperature, 0), 1)
		w.Temperature = &t
	} else if r.TopP != nil {
		w.TopP = r.TopP
	}
	if r.User != "" {
		w.Metadata = &metadata{UserID: r.User}
	}
	var system []string // system texts after r.System, rarely any
	w.Messages = make([]message, 0, len(r.Messages))
	// The blocks of all messages share one array (each message's slice is
	// capped, so a merge below copies rather than overwrites a neighbour).
	arena := make([]block, 0, len(r.Messages)+2)
	for i := range r.Messages {
		m := &r.Messages[i]
		if m.Role == provider.RoleSystem || m.Role == "developer" {
			if t := messageText(m); t != "" {
				system = append(system, t)
			}
			continue
		}
		var role string
		start := len(arena)
		role, arena = translateMessage(m, arena)
		blocks := arena[start:len(arena):len(arena)]
		if len(blocks) == 0 {
			continue // the API rejects empty content
		}
		// The API wants alternating roles: merge consecutive same-role
		// messages (e.g. several tool results, or tool results then text).
		if n := len(w.Messages); n > 0 && w.Messages[n-1].Role == role {
			w.Messages[n-1].Content = append(w.Messages[n-1].Content, blocks...)
			continue
		}
		w.Messages = append(w.Messages, message{Role: role, Content: blocks})
	}
	w.System = r.System
	if len(system) > 0 {
		if r.System != "" {
			system = append([]string{r.System}, system...)
		}
		w.System = strings.Join(system, "\n\n")
	}

	for _, t := range r.Tools {
		schema := t.Parameters
		if len(schema) == 0 || !json.Valid(schema) {
			schema = emptySchema
		}
		w.Tools = append(w.Tools, tool{Name: t.Name, Description: t.Description, InputSchema: schema})
	}
	if tc := r.ToolChoice; tc != nil && len(w.Tools) > 0 {
		switch tc.Mode {
		case provider.ToolChoiceAuto:
			w.ToolChoice = &toolChoice{Type: "auto"}
		case provider.ToolChoiceRequired:
			w.ToolChoice = &toolChoice{Type: "any"}
		case provider.ToolChoiceFunction:
			w.ToolChoice = &toolChoice{Type: "tool", Name: tc.Name}
		case provider.ToolChoiceNone:
			w.ToolChoice = &toolChoice{Type: "none"}
		}
	}
	return w
}

// messageText is the plain text of a message (its text parts joined).
func messageText(m *provider.Message) string {
	if len(m.Parts) == 0 {
		return m.Content
	}
	var b strings.Builder
	for _, p := range m.Parts {
		if p.Type == "text" && p.Text != "" {
			if b.Len() > 0 {
				b.WriteString("\n")
			}
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

// translateMessage returns the Messages API role of m and appends its
// content blocks to dst.
func translateMessage(m *provider.Message, dst []block) (string, []block) {
	switch m.Role {
	case provider.RoleTool:
		// Tool results travel as tool_result blocks in a user message.
		return "user", append(dst, block{Type: "tool_result", ToolUseID: m.ToolCallID, Content: messageText(m)})
	case provider.RoleAssistant:
		if t := messageText(m); t != "" {
			dst = append(dst, block{Type: "text", Text: t})
		}
		for _, tc := range m.ToolCalls {
			dst = append(dst, block{Type: "tool_use", ID: tc.ID, Name: tc.Name, Input: toolInput(tc.Arguments)})
		}
		return "assistant", dst
	}
	if len(m.Parts) == 0 {
		if m.Content != "" {
			dst = append(dst, block{Type: "text", Text: m.Content})
		}
		return "user", dst
	}
	for _, p := range m.Parts {
		switch p.Type {
		case "image", "image_url":
			if src := imageFrom(p.ImageURL); src != nil {
				dst = append(dst, block{Type: "image", Source: src})
			}
		default:
			if p.Text != "" {
				dst = append(dst, block{Type: "text", Text: p.Text})
			}
		}
	}
	return "user", dst
}

// toolInput parses tool-call arguments into the object tool_use.input
// requires. Empty or non-object arguments (a model can emit broken JSON)
// become {} rather than failing the whole follow-up request.
func toolInput(args string) json.RawMessage {
	b := bytes.TrimSpace([]byte(args))
	if len(b) > 0 && b[0] == '{' && json.Valid(b) {
		return b
	}
	return json.RawMessage(`{}`)
}

// imageFrom turns a data: URL into a base64 source and an http(s) URL into
// a url source.
func imageFrom(u string) *imageSource {
	rest, ok := strings.CutPrefix(u, "data:")
	if !ok {
		if u == "" {
			return nil
		}
		return &imageSource{Type: "url", URL: u}
	}
	meta, data, ok := strings.Cut(rest, ",")
	if !ok {
		return nil
	}
	mediaType, isBase64 := strings.CutSuffix(meta, ";base64")
	if i := strings.IndexByte(mediaType, ';'); i >= 0 {
		mediaType = mediaType[:i] // drop parameters such as charset
	}
	if !isBase64 {
		raw, err := url.PathUnescape(data)
		if err != nil {
			return nil
		}
		data = base64.StdEncoding.EncodeToString([]byte(raw))
	}
	return &imageSource{Type: "base64", MediaType: mediaType, Data: data}
}
