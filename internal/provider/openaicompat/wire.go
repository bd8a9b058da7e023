package openaicompat

import (
	"encoding/json"
	"strconv"

	"github.com/openclaw/openclaw-go/internal/provider"
)

// Tool calls, in assistant messages of requests and in responses.

type wireToolCall struct {
	ID       string       `json:"id"`
	Type     string       `json:"type"`
	Function wireFunction `json:"function"`
}

type wireFunction struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
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

// validJSON drops a schema that is not valid JSON instead of failing the
// whole request body encoding.
func validJSON(b json.RawMessage) json.RawMessage {
	if len(b) == 0 || !json.Valid(b) {
		return nil
	}
	return b
}
