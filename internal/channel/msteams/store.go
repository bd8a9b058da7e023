package msteams

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// The channel's state lives behind these small interfaces so that a shared
// implementation (e.g. Redis, for several gateway replicas) can replace the
// defaults: files in the state dir for pairing and conversation references,
// memory for the de-duplication window and the connector token.

// PairingRequest is a DM sender waiting for the owner's approval.
type PairingRequest struct {
	Code           string    `json:"code"`
	SenderID       string    `json:"senderId"` // aadObjectId, else from.id
	Name           string    `json:"name,omitempty"`
	ConversationID string    `json:"conversationId,omitempty"`
	TenantID       string    `json:"tenantId,omitempty"`
	CreatedAt      time.Time `json:"createdAt"`
	ExpiresAt      time.Time `json:"expiresAt"`
}

// ErrPairingNotFound is returned by Approve for an unknown or expired code.
var ErrPairingNotFound = errors.New("no pending pairing request with that code")

// ErrPairingFull is returned by Request when too many requests are pending.
var ErrPairingFull = errors.New("too many pending pairing requests")

// PairingStore keeps pending pairing requests and approved DM senders.
type PairingStore interface {
	// Request returns the pending request for req.SenderID, creating it
	// (with a fresh code, CreatedAt and ExpiresAt) when there is none;
	// created reports which.
	Request(ctx context.Context, req PairingRequest) (got PairingRequest, created bool, err error)
	// Pending lists the unexpired requests, oldest first.
	Pending(ctx context.Context) ([]PairingRequest, error)
	// Approve moves the request with code (case-insensitive) to the approved
	// senders.
	Approve(ctx context.Context, code string) (PairingRequest, error)
	// Approved reports whether senderID was approved.
	Approved(ctx context.Context, senderID string) (bool, error)
}

// Deduper remembers activity ids for a while.
type Deduper interface {
	// FirstSeen records key for ttl and reports whether it was not already
	// recorded (set-if-absent).
	FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// Token is a cached connector access token.
type Token struct {
	AccessToken string    `json:"accessToken"`
	ExpiresAt   time.Time `json:"expiresAt"`
}

// LogValue keeps the token out of logs.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(slog.Time("expiresAt", t.ExpiresAt))
}

// TokenCache holds connector tokens by key (app id and tenant).
type TokenCache interface {
	Get(ctx context.Context, key string) (Token, bool, error)
	Put(ctx context.Context, key string, tok Token) error
	Delete(ctx context.Context, key string) error
}

// ConversationReference is what is needed to message a conversation later.
type ConversationReference struct {
	ConversationID   string    `json:"conversationId"`
	ConversationType string    `json:"conversationType,omitempty"`
	ServiceURL       string    `json:"serviceUrl"`
	TenantID         string    `json:"tenantId,omitempty"`
	BotID            string    `json:"botId,omitempty"`
	UserID           string    `json:"userId,omitempty"`
	UserAADObjectID  string    `json:"userAadObjectId,omitempty"`
	TeamID           string    `json:"teamId,omitempty"`
	ChannelID        string    `json:"channelId,omitempty"`
	UpdatedAt        time.Time `json:"updatedAt"`
}

// ReferenceStore keeps conversation references from validated activities.
type ReferenceStore interface {
	Put(ctx context.Context, ref ConversationReference) error
	List(ctx context.Context) ([]ConversationReference, error)
}

// MemoryDeduper is an in-process Deduper.
type MemoryDeduper struct {
	now  func() time.Time
	mu   sync.Mutex
	seen map[string]time.Time // key → expiry
	ops  int
}

// NewMemoryDeduper returns a Deduper using now (nil: time.Now).
func NewMemoryDeduper(now func() time.Time) *MemoryDeduper {
	if now == nil {
		now = time.Now
	}
	return &MemoryDeduper{now: now, seen: map[string]time.Time{}}
}

// FirstSeen implements Deduper.
func (d *MemoryDeduper) FirstSeen(_ context.Context, key string, ttl time.Duration) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	if d.ops++; d.ops%256 == 0 {
		for k, exp := range d.seen {
			if !now.Before(exp) {
				delete(d.seen, k)
			}
		}
	}
	if exp, ok := d.seen[key]; ok && now.Before(exp) {
		return false, nil
	}
	d.seen[key] = now.Add(ttl)
	return true, nil
}

// MemoryTokenCache is an in-process TokenCache.
type MemoryTokenCache struct {
	mu sync.Mutex
	m  map[string]Token
}

// NewMemoryTokenCache returns an empty cache.
func NewMemoryTokenCache() *MemoryTokenCache { return &MemoryTokenCache{m: map[string]Token{}} }

// Get implements TokenCache.
func (c *MemoryTokenCache) Get(_ context.Context, key string) (Token, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[key]
	return t, ok, nil
}

// Put implements TokenCache.
func (c *MemoryTokenCache) Put(_ context.Context, key string, tok Token) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[key] = tok
	return nil
}

// Delete implements TokenCache.
func (c *MemoryTokenCache) Delete(_ context.Context, key string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
	return nil
}
