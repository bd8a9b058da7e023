// Package session defines the transcript store: conversations kept per agent
// and session key, appended one whole turn at a time. Implementations live in
// subpackages (sqlite is the embedded default). The package knows nothing
// about HTTP or providers.
package session

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// ErrNotFound is returned when a session does not exist.
var ErrNotFound = errors.New("session not found")

// Entry is one message of a transcript.
type Entry struct {
	Seq        int64           `json:"seq"` // position in the session, assigned by the store (1-based)
	TurnID     string          `json:"turnId"`
	Role       string          `json:"role"` // system, user, assistant, tool
	Content    string          `json:"content,omitempty"`
	ToolCalls  json.RawMessage `json:"toolCalls,omitempty"` // []provider.ToolCall as JSON
	ToolCallID string          `json:"toolCallId,omitempty"`
	Model      string          `json:"model,omitempty"` // provider/model that produced an assistant entry
	Usage      json.RawMessage `json:"usage,omitempty"`
	// Interrupted marks an assistant entry whose stream failed part way.
	Interrupted bool      `json:"interrupted,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
}

// Turn is what one agent turn appends: normally the user (or tool-result)
// messages of the request and the assistant reply. It is stored atomically:
// either all its entries are visible or none.
type Turn struct {
	ID      string
	Entries []Entry
}

// Info summarises one session.
type Info struct {
	AgentID   string    `json:"agentId"`
	Key       string    `json:"key"`
	Entries   int       `json:"entries"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Store keeps transcripts. Implementations must be safe for concurrent use,
// and appends to one session must be serialised so that turns never
// interleave.
type Store interface {
	// Load returns the transcript of a session in order; a session that does
	// not exist yields an empty transcript and no error.
	Load(ctx context.Context, agentID, key string) ([]Entry, error)
	// Append stores one turn atomically at the end of the session, creating
	// the session if needed. Seq and CreatedAt are filled in by the store
	// when zero.
	Append(ctx context.Context, agentID, key string, turn Turn) error
	// List returns sessions, newest first; agentID "" lists all agents.
	List(ctx context.Context, agentID string) ([]Info, error)
	// Ping reports whether the store is usable (for readiness).
	Ping(ctx context.Context) error
	Close() error
}
