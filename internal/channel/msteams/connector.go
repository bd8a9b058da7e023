package msteams

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Connector limits (spec "Outbound: replying").
const (
	tokenEarlyRefresh = 5 * time.Minute
	tokenScope        = "https://api.botframework.com/.default"
	sendMaxTries      = 5
	sendBackoffBase   = 500 * time.Millisecond
	sendBackoffMax    = 30 * time.Second
	retryAfterMax     = 60 * time.Second
	requestTimeout    = 30 * time.Second
	maxReplyBytes     = 28 * 1024
)

// tokenSource gets and caches the bot's connector token (client credentials).
type tokenSource struct {
	url, clientID, secret string
	client                *http.Client
	cache                 TokenCache
	key                   string
	now                   func() time.Time
	sf                    singleflight.Group

	mu        sync.Mutex
	fetches   int
	lastFetch time.Time
	lastErr   error
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// token returns a token valid for at least tokenEarlyRefresh more; concurrent
// callers share one refresh.
func (t *tokenSource) token(ctx context.Context) (string, error) {
	if tok, ok, err := t.cache.Get(ctx, t.key); err == nil && ok && t.now().Before(tok.ExpiresAt.Add(-tokenEarlyRefresh)) {
		return tok.AccessToken, nil
	}
	ch := t.sf.DoChan(t.key, func() (any, error) {
		// The fetch outlives any one caller's cancellation.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), requestTimeout)
		defer cancel()
		if tok, ok, err := t.cache.Get(fctx, t.key); err == nil && ok && t.now().Before(tok.ExpiresAt.Add(-tokenEarlyRefresh)) {
			return tok.AccessToken, nil
		}
		tok, err := t.fetch(fctx)
		t.mu.Lock()
		t.fetches++
		t.lastFetch, t.lastErr = t.now(), err
		t.mu.Unlock()
		if err != nil {
			return "", err
		}
		if err := t.cache.Put(fctx, t.key, tok); err != nil {
			return "", fmt.Errorf("token cache: %w", err)
		}
		return tok.AccessToken, nil
	})
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case r := <-ch:
		if r.Err != nil {
			return "", r.Err
		}
		return r.Val.(string), nil
	}
}

// invalidate drops tok from the cache if it is still the cached one.
func (t *tokenSource) invalidate(ctx context.Context, tok string) {
	if cur, ok, err := t.cache.Get(ctx, t.key); err == nil && ok && cur.AccessToken == tok {
		_ = t.cache.Delete(ctx, t.key)
	}
}

func (t *tokenSource) fetch(ctx context.Context) (Token, error) {
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {t.clientID},
		"client_secret": {t.secret},
		"scope":         {tokenScope},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, strings.NewReader(form.Encode()))
	if err != nil {
		return Token{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := t.client.Do(req)
	if err != nil {
		return Token{}, fmt.Errorf("connector token: %w", err)
	}
	defer resp.Body.Close()
	var tr tokenResponse
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	_ = json.Unmarshal(b, &tr)
	if resp.StatusCode != http.StatusOK || tr.AccessToken == "" {
		msg := tr.Error
		if tr.Description != "" {
			msg += ": " + firstLine(tr.Description)
		}
		return Token{}, fmt.Errorf("connector token: %s answered HTTP %d %s (check channels.msteams.appId, appPassword and tenantId)",
			t.url, resp.StatusCode, msg)
	}
	if tr.ExpiresIn <= 0 {
		tr.ExpiresIn = 3600
	}
	return Token{AccessToken: tr.AccessToken, ExpiresAt: t.now().Add(time.Duration(tr.ExpiresIn) * time.Second)}, nil
}

// TokenStatus is the connector token part of Status.
type TokenStatus struct {
	State       string     `json:"state"` // none | valid | refresh_due | expired
	ExpiresAt   *time.Time `json:"expiresAt,omitempty"`
	Refreshes   int        `json:"refreshes"`
	LastRefresh *time.Time `json:"lastRefreshAt,omitempty"`
	LastError   string     `json:"lastError,omitempty"`
}

func (t *tokenSource) status(ctx context.Context) TokenStatus {
	t.mu.Lock()
	st := TokenStatus{State: "none", Refreshes: t.fetches}
	if !t.lastFetch.IsZero() {
		lf := t.lastFetch
		st.LastRefresh = &lf
	}
	if t.lastErr != nil {
		st.LastError = t.lastErr.Error()
	}
	t.mu.Unlock()
	if tok, ok, err := t.cache.Get(ctx, t.key); err == nil && ok {
		exp := tok.ExpiresAt
		st.ExpiresAt = &exp
		now := t.now()
		switch {
		case !now.Before(exp):
			st.State = "expired"
		case !now.Before(exp.Add(-tokenEarlyRefresh)):
			st.State = "refresh_due"
		default:
			st.State = "valid"
		}
	}
	return st
}

// outActivity is an activity the bot sends.
type outActivity struct {
	Type         string       `json:"type"`
	Text         string       `json:"text,omitempty"`
	TextFormat   string       `json:"textFormat,omitempty"`
	From         Account      `json:"from"`
	Recipient    Account      `json:"recipient"`
	Conversation Conversation `json:"conversation"`
	ReplyToID    string       `json:"replyToId,omitempty"`
}

// connector calls the Bot Connector REST API.
type connector struct {
	client  *http.Client
	tokens  *tokenSource
	log     *slog.Logger
	sleep   func(ctx context.Context, d time.Duration) error
	allowed *hostSet
}

// ErrServiceURLNotAllowed is returned for a serviceUrl never seen in a
// validated activity (spec outbound rule 3).
var ErrServiceURLNotAllowed = errors.New("serviceUrl was not seen in a validated activity")

// hostSet is the set of serviceUrl origins seen in validated activities.
type hostSet struct {
	mu sync.RWMutex
	m  map[string]bool
}

func origin(u *url.URL) string { return strings.ToLower(u.Scheme + "://" + u.Host) }

func (h *hostSet) add(u *url.URL) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.m[origin(u)] = true
}

func (h *hostSet) has(u *url.URL) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.m[origin(u)]
}

// sendError is a connector failure after retries.
type sendError struct {
	Status int
	Tries  int
	Err    error
}

func (e *sendError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("connector: %v (after %d tries)", e.Err, e.Tries)
	}
	return fmt.Sprintf("connector: HTTP %d (after %d tries)", e.Status, e.Tries)
}

func (e *sendError) Unwrap() error { return e.Err }

// send posts act to the conversation, as a reply to replyTo when set.
// 429 and 5xx are retried honouring Retry-After, up to sendMaxTries; a 401
// or 403 refreshes the token once.
func (c *connector) send(ctx context.Context, serviceURL, conversationID, replyTo string, act *outActivity, retry bool) error {
	su, err := validServiceURL(serviceURL)
	if err != nil {
		return err
	}
	if !c.allowed.has(su) {
		return fmt.Errorf("connector: %s: %w", origin(su), ErrServiceURLNotAllowed)
	}
	endpoint := strings.TrimRight(serviceURL, "/") + "/v3/conversations/" + url.PathEscape(conversationID) + "/activities"
	if replyTo != "" {
		endpoint += "/" + url.PathEscape(replyTo)
	}
	body, err := json.Marshal(act)
	if err != nil {
		return err
	}
	maxTries := sendMaxTries
	if !retry {
		maxTries = 1
	}
	refreshed := false
	var last sendError
	for try := 1; ; try++ {
		last = sendError{Tries: try}
		tok, err := c.tokens.token(ctx)
		if err != nil {
			return err // the token endpoint's own error says what to fix
		}
		status, retryAfter, err := c.post(ctx, endpoint, tok, body)
		last.Status, last.Err = status, err
		switch {
		case err == nil && status >= 200 && status < 300:
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case (status == http.StatusUnauthorized || status == http.StatusForbidden) && !refreshed:
			refreshed = true
			c.tokens.invalidate(ctx, tok)
			continue // the refresh does not count as a try
		case err != nil || status == http.StatusTooManyRequests || status >= 500:
			if try >= maxTries {
				return &last
			}
			wait := retryAfter
			if wait <= 0 {
				wait = min(sendBackoffBase<<(try-1), sendBackoffMax)
			}
			c.log.Debug("msteams: connector retry", slog.Int("status", status), slog.Int("try", try), slog.Duration("wait", wait))
			if err := c.sleep(ctx, wait); err != nil {
				return err
			}
		default:
			return &last
		}
	}
}

func (c *connector) post(ctx context.Context, endpoint, tok string, body []byte) (int, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()), nil
}

// parseRetryAfter reads seconds or an HTTP date, capped at retryAfterMax.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 {
		d = time.Duration(n * float64(time.Second))
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	if d < 0 {
		return 0
	}
	return min(d, retryAfterMax)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// splitText cuts text into pieces of at most max bytes, preferring paragraph,
// then line, then word boundaries, never splitting a UTF-8 sequence.
func splitText(text string, max int) []string {
	var out []string
	for len(text) > max {
		cut := -1
		for _, sep := range []string{"\n\n", "\n", " "} {
			if i := strings.LastIndex(text[:max], sep); i > max/2 {
				cut = i + len(sep)
				break
			}
		}
		if cut < 0 {
			cut = max
			for cut > 0 && !utf8Start(text[cut]) {
				cut--
			}
			if cut == 0 {
				cut = max
			}
		}
		piece := strings.TrimRight(text[:cut], " \n")
		if piece != "" {
			out = append(out, piece)
		}
		text = text[cut:]
	}
	if strings.TrimSpace(text) != "" || len(out) == 0 {
		out = append(out, text)
	}
	return out
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	s, _, _ = strings.Cut(s, "\r")
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
