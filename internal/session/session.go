// Package session defines the transcript store: conversations kept per agent
// and session key, appended one whole turn at a time. Implementations live in
// subpackages (sqlite is the embedded default). The package knows nothing
// about HTTP or providers.
package session

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrNotFound is returned when a session does not exist.
var ErrNotFound = errors.New("session not found")

// ErrInvalid is wrapped by the error a store returns when it refuses an
// Append because the arguments are malformed (see Turn.Validate); nothing is
// stored in that case.
var ErrInvalid = errors.New("invalid session append")

// Roles an Entry may have.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
	RoleTool      = "tool"
)

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
	// ID identifies the turn; every stored entry gets it as its TurnID (an
	// entry's own TurnID is ignored on input). A store generates a random ID
	// when it is empty.
	ID      string
	Entries []Entry
}

// Validate reports, wrapping ErrInvalid, why a turn cannot be appended to
// the session (agentID, key): an empty agent id or key, an unknown role, or
// ToolCalls/Usage that are not valid JSON. Stores call it before writing so
// that every implementation refuses the same inputs. A turn with no entries is
// valid (and appends nothing).
func (t Turn) Validate(agentID, key string) error {
	if agentID == "" {
		return fmt.Errorf("%w: empty agent id", ErrInvalid)
	}
	if key == "" {
		return fmt.Errorf("%w: empty session key", ErrInvalid)
	}
	for i, e := range t.Entries {
		switch e.Role {
		case RoleSystem, RoleUser, RoleAssistant, RoleTool:
		default:
			return fmt.Errorf("%w: entry %d: unknown role %q", ErrInvalid, i, e.Role)
		}
		if len(e.ToolCalls) > 0 && !json.Valid(e.ToolCalls) {
			return fmt.Errorf("%w: entry %d: toolCalls is not valid JSON", ErrInvalid, i)
		}
		if len(e.Usage) > 0 && !json.Valid(e.Usage) {
			return fmt.Errorf("%w: entry %d: usage is not valid JSON", ErrInvalid, i)
		}
	}
	return nil
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
	// the session if needed: after a crash or a canceled ctx either all of
	// its entries are visible or none, and concurrent appends to one session
	// never interleave. The store assigns Seq (any value passed in is
	// ignored; the assigned values are written back into turn.Entries so
	// that callers keeping a copy of the transcript can check it is still
	// contiguous) and TurnID (see Turn.ID), and fills CreatedAt when zero.
	// Timestamps are kept to the microsecond.
	// Malformed input is refused with an error wrapping ErrInvalid (see
	// Turn.Validate).
	Append(ctx context.Context, agentID, key string, turn Turn) error
	// List returns sessions, most recently appended first, with their entry
	// counts; agentID "" lists all agents.
	List(ctx context.Context, agentID string) ([]Info, error)
	// Ping reports whether the store is usable (for readiness).
	Ping(ctx context.Context) error
	// Close releases the store; calling it more than once is harmless.
	Close() error
}

// Prepare validates a turn for the session (agentID, key), as every store
// must before writing (see Validate), and gives it a random ID when it has
// none. It reports false for a turn with no entries, which appends nothing.
func (t *Turn) Prepare(agentID, key string) (bool, error) {
	if err := t.Validate(agentID, key); err != nil {
		return false, err
	}
	if len(t.Entries) == 0 {
		return false, nil
	}
	if t.ID == "" {
		t.ID = NewTurnID()
	}
	return true, nil
}

// NewTurnID returns a random turn id: 32 hex digits.
func NewTurnID() string {
	var b [16]byte
	rand.Read(b[:]) //nolint:errcheck // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// Clock hands out the timestamps of appends: the wall clock at microsecond
// precision (what every store keeps), nudged forward when needed so that
// successive appends through one store get strictly increasing times and a
// newest-first List has no ties. It is safe for concurrent use.
type Clock struct {
	now  func() time.Time
	mu   sync.Mutex
	last time.Time
}

// NewClock returns a Clock reading now (time.Now when nil).
func NewClock(now func() time.Time) *Clock {
	if now == nil {
		now = time.Now
	}
	return &Clock{now: now}
}

// Tick returns the next timestamp.
func (c *Clock) Tick() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now().Truncate(time.Microsecond)
	if !now.After(c.last) {
		now = c.last.Add(time.Microsecond)
	}
	c.last = now
	return now
}
