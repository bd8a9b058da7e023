package msteams

import (
	"context"
	"time"
)

// Status is the channel's snapshot for `openclaw channels status` (the
// gateway serves it as channels.msteams of its status endpoint).
type Status struct {
	Enabled bool `json:"enabled"`
	// Mode is "own-port" or "gateway" (webhook.port: "gateway").
	Mode string `json:"mode"`
	// Listen is the own-port listener's address ("" on the gateway port).
	Listen    string `json:"listen,omitempty"`
	Path      string `json:"path"`
	Listening bool   `json:"listening"`
	Ready     bool   `json:"ready"`
	// NotReady says why Ready is false.
	NotReady string `json:"notReady,omitempty"`
	AppID    string `json:"appId"`
	TenantID string `json:"tenantId,omitempty"`
	DMPolicy string `json:"dmPolicy"`
	Group    string `json:"groupPolicy"`

	LastActivityAt *time.Time   `json:"lastActivityAt,omitempty"` // last validated activity
	LastError      *StatusError `json:"lastError,omitempty"`
	Keys           []KeyStatus  `json:"keys"`
	Token          TokenStatus  `json:"token"`
	Counters       Counters     `json:"counters"`
}

// StatusError is the most recent problem.
type StatusError struct {
	At      time.Time `json:"at"`
	Message string    `json:"message"`
}

// Counters count webhook outcomes since start.
type Counters struct {
	Accepted     int64 `json:"accepted"`
	Rejected     int64 `json:"rejected"`
	Duplicates   int64 `json:"duplicates"`
	Ignored      int64 `json:"ignored"`
	Turns        int64 `json:"turns"`
	TurnErrors   int64 `json:"turnErrors"`
	Replies      int64 `json:"replies"`
	SendFailures int64 `json:"sendFailures"`
	PairingCodes int64 `json:"pairingCodes"`
}

type stats struct {
	Counters
	lastErr *StatusError
}

func (c *Channel) count(f func(*Counters)) {
	c.mu.Lock()
	f(&c.stats.Counters)
	c.mu.Unlock()
}

func (c *Channel) recordError(msg string) {
	c.mu.Lock()
	c.stats.lastErr = &StatusError{At: c.now(), Message: msg}
	c.mu.Unlock()
}

func (c *Channel) markSeen() {
	c.mu.Lock()
	c.lastSeen = c.now()
	c.mu.Unlock()
}

// Status returns the current snapshot. It never contains secrets.
func (c *Channel) Status() Status {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	st := Status{
		Enabled: true, Mode: "own-port", Path: c.set.path, AppID: c.set.appID, TenantID: c.set.tenantID,
		DMPolicy: c.set.dmPolicy, Group: c.set.group,
		Keys: c.keys.status(), Token: c.conn.tokens.status(ctx),
	}
	if c.set.onGateway {
		st.Mode = "gateway"
	}
	if err := c.Ready(); err != nil {
		st.NotReady = err.Error()
	} else {
		st.Ready = true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	st.Listen = c.addr
	if st.Listen == "" {
		st.Listen = c.ListenAddr()
	}
	st.Listening = c.started && !c.closed && c.srvErr == nil
	st.Counters = c.stats.Counters
	if c.stats.lastErr != nil {
		e := *c.stats.lastErr
		st.LastError = &e
	}
	if !c.lastSeen.IsZero() {
		t := c.lastSeen
		st.LastActivityAt = &t
	}
	return st
}
