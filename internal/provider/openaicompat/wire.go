package openaicompat

import (
	"encoding/json"
	"strconv"

	"github.com/openclaw/openclaw-go/internal/provider"
)

// Request side of the Chat Completions wire format.

type chatRequest struct {
	Model               string         `json:"model"`
	Messages            []chatMessage  `json:"messages"`
	Tools               []chatTool     `json:"tools,omitempty"`
	ToolChoice          any            `json:"tool_choice,omitempty"`
	MaxCompletionTokens int            `json:"max_completion_tokens,omitempty"`
	MaxTokens           int            `json:"max_tokens,omitempty"`
	Temperature         *float64       `json:"temperature,omitempty"`
	TopP                *float64       `json:"top_p,omitempty"`
	FrequencyPenalty    *float64       `json:"frequency_penalty,omitempty"`
	PresencePenalty     *float64       `json:"presence_penalty,omitempty"`
	Seed                *int64         `json:"seed,omitempty"`
	Stop                []string       `json:"stop,omitempty"`
	User                string         `json:"user,omitempty"`
	Stream              bool           `json:"stream"`
	StreamOptions       *streamOptions `json:"stream_options,omitempty"`
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

type chatMessage struct {
	Role string `json:"role"`
	// Content is a string, a []contentPart, or nil (JSON null) for an
	// assistant message that only calls tools.
	Content    any            `json:"content"`
	Name       string         `json:"name,omitempty"`
	ToolCalls  []wireToolCall `json:"tool_calls,omitempty"`
	ToolCallID string         `json:"tool_call_id,omitempty"`
}

type contentPart struct {
	Type     string    `json:"type"`
	Text     string    `json:"text,omitempty"`
	ImageURL *imageURL `json:"image_url,omitempty"`
}

type imageURL struct {
	URL string `json:"url"`
}

type wireToolCall struct {
	ID       string       `json:"id"`
	Type     string       `json:"type"`
	Function wireFunction `json:"function"`
}

type wireFunction struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

type chatTool struct {
	Type     string       `json:"type"`
	Function toolFunction `json:"function"`
}

type toolFunction struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
}

type namedToolChoice struct {
	Type     string `json:"type"`
	Function struct {
		Name string `json:"name"`
	} `json:"function"`
}

type embedRequest struct {
	Model          string   `json:"model"`
	Input          []string `json:"input"`
	EncodingFormat string   `json:"encoding_format,omitempty"`
}

// Response side.

type embedResponse struct {
	Data []struct {
		Index     int       `json:"index"`
		Embedding []float64 `json:"embedding"`
	} `json:"data"`
	Usage *wireUsage `json:"usage"`
}

type wireUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

func (u *wireUsage) neutral() *provider.Usage {
	n := &provider.Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
	if n.TotalTokens == 0 {
		n.TotalTokens = n.PromptTokens + n.CompletionTokens
	}
	return n
}

type wireError struct {
	Message string          `json:"message"`
	Type    string          `json:"type"`
	Code    json.RawMessage `json:"code"`
}

// status returns a numeric error code as an HTTP status (OpenRouter sends
// {"error":{"code":502,…}} inside a stream), 0 otherwise.
func (e *wireError) status() int {
	n, err := strconv.Atoi(string(e.Code))
	if err != nil || n < 100 || n > 599 {
		return 0
	}
	return n
}

// buildRequest translates a neutral request to the wire request.
func (c *client) buildRequest(r *provider.Request) *chatRequest {
	w := &chatRequest{
		Model:            r.Model,
		Messages:         make([]chatMessage, 0, len(r.Messages)+1),
		Temperature:      r.Temperature,
		TopP:             r.TopP,
		FrequencyPenalty: r.FrequencyPenalty,
		PresencePenalty:  r.PresencePenalty,
		Seed:             r.Seed,
		Stop:             r.Stop,
		User:             r.User,
		Stream:           !r.NoStream,
	}
	if w.Stream {
		w.StreamOptions = &streamOptions{IncludeUsage: true}
	}
	if r.MaxTokens > 0 {
		if c.maxTokKey == MaxTokens {
			w.MaxTokens = r.MaxTokens
		} else {
			w.MaxCompletionTokens = r.MaxTokens
		}
	}
	if r.System != "" {
		w.Messages = append(w.Messages, chatMessage{Role: provider.RoleSystem, Content: r.System})
	}
	for i := range r.Messages {
		w.Messages = append(w.Messages, translateMessage(&r.Messages[i]))
	}
	for _, t := range r.Tools {
		w.Tools = append(w.Tools, chatTool{Type: "function", Function: toolFunction{Name: t.Name, Description: t.Description, Parameters: validJSON(t.Parameters)}})
	}
	if tc := r.ToolChoice; tc != nil {
		switch tc.Mode {
		case provider.ToolChoiceAuto, provider.ToolChoiceNone, provider.ToolChoiceRequired:
			w.ToolChoice = tc.Mode
		case provider.ToolChoiceFunction:
			n := namedToolChoice{Type: "function"}
			n.Function.Name = tc.Name
			w.ToolChoice = n
		}
	}
	return w
}

func translateMessage(m *provider.Message) chatMessage {
	out := chatMessage{Role: m.Role, Name: m.Name, ToolCallID: m.ToolCallID}
	switch {
	case len(m.Parts) > 0:
		parts := make([]contentPart, 0, len(m.Parts))
		for _, p := range m.Parts {
			switch p.Type {
			case "image", "image_url":
				parts = append(parts, contentPart{Type: "image_url", ImageURL: &imageURL{URL: p.ImageURL}})
			default:
				parts = append(parts, contentPart{Type: "text", Text: p.Text})
			}
		}
		out.Content = parts
	case m.Content == "" && len(m.ToolCalls) > 0:
		out.Content = nil // assistant message that only calls tools
	default:
		out.Content = m.Content
	}
	for _, tc := range m.ToolCalls {
		args := tc.Arguments
		if args == "" {
			args = "{}"
		}
		out.ToolCalls = append(out.ToolCalls, wireToolCall{ID: tc.ID, Type: "function", Function: wireFunction{Name: tc.Name, Arguments: args}})
	}
	return out
}

// validJSON drops a schema that is not valid JSON instead of failing the
// whole request body encoding.
func validJSON(b json.RawMessage) json.RawMessage {
	if len(b) == 0 || !json.Valid(b) {
		return nil
	}
	return b
}
