// Package agent runs one turn of a configured agent: it resolves the agent and
// its session, assembles the system prompt from the workspace, picks the model
// (primary, then fallbacks), calls the provider with retry and failover before
// the first byte, streams neutral deltas back and appends the turn to the
// session store. Every entry point (the /v1 API, Teams, `openclaw agent`) uses
// it. It knows nothing about HTTP wire formats.
package agent

import (
	"github.com/openclaw/openclaw-go/internal/provider"
)

// TurnRequest is one turn as every entry point describes it.
type TurnRequest struct {
	// AgentID selects the agent; "" means the default agent.
	AgentID string
	// SessionKey is the session to continue and append to; "" means a fresh,
	// unsaved session (stateless call).
	SessionKey string
	// Channel is the channel the agent is talking on ("openai-http",
	// "msteams", "cli", or the x-openclaw-message-channel value).
	Channel string
	// System holds request-supplied system/developer texts, appended to the
	// agent's own system prompt in order.
	System []string
	// Messages is the request's conversation (without system messages). The
	// newest user or tool-result messages at the end are the current turn.
	Messages []provider.Message
	// ModelOverride ("provider/model") replaces the agent's model for this
	// call (x-openclaw-model). Authorisation is the caller's job.
	ModelOverride string

	Tools            []provider.Tool
	ToolChoice       *provider.ToolChoice
	MaxTokens        int
	Temperature      *float64
	TopP             *float64
	FrequencyPenalty *float64
	PresencePenalty  *float64
	Seed             *int64
	Stop             []string
	User             string
}

// Result is a completed, collected turn.
type Result struct {
	AgentID      string
	Model        string // provider/model that answered
	Text         string
	ToolCalls    []provider.ToolCall
	FinishReason string
	Usage        *provider.Usage // nil when the provider reported none
}
