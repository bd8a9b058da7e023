package agent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/openclaw/openclaw-go/internal/provider"
	"github.com/openclaw/openclaw-go/internal/session"
)

// recordTimeout bounds the append so that a stuck store cannot hold a
// finished request open; the turn's own context may already be canceled
// (client gone), which must not lose a completed turn.
const recordTimeout = 5 * time.Second

// record appends the turn's user messages and the assistant reply to the
// session in one transaction.
func (r *Runtime) record(t *Turn) error {
	msgs := currentTurn(t.req.Messages)
	now := r.opts.Now().UTC()
	entries := make([]session.Entry, 0, len(msgs)+1)
	for _, m := range msgs {
		e := session.Entry{Role: m.Role, Content: messageText(m), ToolCallID: m.ToolCallID, CreatedAt: now}
		entries = append(entries, e)
	}
	reply := session.Entry{Role: provider.RoleAssistant, Content: t.text.String(), Model: t.model, CreatedAt: now}
	if len(t.calls) > 0 {
		reply.ToolCalls, _ = json.Marshal(t.calls)
	}
	if t.usage != nil {
		reply.Usage = t.usage.AppendJSON(nil)
	}
	// Complete means the provider ended the stream normally and the caller
	// read it to the end.
	reply.Interrupted = !t.done
	entries = append(entries, reply)
	ctx, cancel := context.WithTimeout(context.Background(), recordTimeout)
	defer cancel()
	turn := session.Turn{ID: newTurnID(), Entries: entries}
	start := time.Now()
	err := r.opts.Store.Append(ctx, t.agentID, t.req.SessionKey, turn)
	if obs := r.opts.Observer; obs != nil {
		obs.Recorded(t.agentID, time.Since(start), err)
	}
	if err != nil {
		if r.cache != nil {
			r.cache.drop(t.agentID, t.req.SessionKey)
		}
		return &StoreError{Op: "append", Err: err}
	}
	if r.cache != nil {
		for i := range entries {
			entries[i].TurnID = turn.ID
		}
		r.cache.appended(t.agentID, t.req.SessionKey, entries)
	}
	return nil
}

// messageText flattens multimodal content to its text for the transcript.
func messageText(m provider.Message) string {
	if len(m.Parts) == 0 {
		return m.Content
	}
	var s string
	for _, p := range m.Parts {
		switch p.Type {
		case "text":
			if s != "" {
				s += "\n"
			}
			s += p.Text
		case "image":
			if s != "" {
				s += "\n"
			}
			s += "[image]"
		}
	}
	return s
}

func newTurnID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "turn_" + hex.EncodeToString(b[:])
}
