package msteams

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/openclaw/openclaw-go/internal/agent"
	"github.com/openclaw/openclaw-go/internal/apierr"
	"github.com/openclaw/openclaw-go/internal/provider"
)

// dispatch handles a validated activity. Messages are answered 200 at once
// and processed after the reply (Teams retries slow webhooks).
func (c *Channel) dispatch(w http.ResponseWriter, r *http.Request, a *Activity) {
	su, err := validServiceURL(a.ServiceURL)
	if err != nil && (a.Type == TypeMessage || a.Type == TypeConversationUpdate || a.Type == TypeInstallationUpdate) {
		apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_activity", "The activity's "+err.Error()+".", ""))
		return
	}
	if su != nil {
		c.conn.allowed.add(su)
	}
	log := c.log.With(slog.String("activity", a.ID), slog.String("type", a.Type), slog.String("conversation", a.Conversation.ID))
	switch a.Type {
	case TypeMessage:
		if a.Conversation.ID == "" || a.From.ID == "" {
			apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_activity", "The message has no conversation.id or from.id.", ""))
			return
		}
		if c.isClosed() {
			// Before de-duplication, so that Teams' retry is processed by
			// the next instance (config reload) instead of being dropped.
			apierr.Write(w, apierr.New(http.StatusServiceUnavailable, "shutting_down", "The Teams channel is restarting.", "").
				WithHeader("Retry-After", "5"))
			return
		}
		if a.ID != "" {
			first, err := c.dedup.FirstSeen(r.Context(), "msteams|"+a.Conversation.ID+"|"+a.ID, dedupTTL)
			if err != nil {
				log.Warn("msteams: de-duplication store failed; processing anyway", slog.Any("err", err))
			} else if !first {
				c.count(func(k *Counters) { k.Duplicates++ })
				log.Debug("msteams: duplicate delivery ignored")
				w.WriteHeader(http.StatusOK)
				return
			}
		}
		if !c.startTurn(func(ctx context.Context) { c.handleMessage(ctx, log, a) }) {
			apierr.Write(w, apierr.New(http.StatusServiceUnavailable, "shutting_down", "The gateway is shutting down.", "").
				WithHeader("Retry-After", "5"))
			return
		}
		w.WriteHeader(http.StatusOK)
	case TypeConversationUpdate, TypeInstallationUpdate:
		c.storeReference(r.Context(), log, a)
		w.WriteHeader(http.StatusOK)
	case TypeInvoke:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		if a.Name == "healthCheck" || a.Name == "" {
			_, _ = w.Write([]byte("{}\n"))
			return
		}
		log.Debug("msteams: unsupported invoke", slog.String("name", a.Name))
		_, _ = fmt.Fprintf(w, `{"status":501,"body":{"code":"not_implemented","message":"invoke %q is not supported"}}`+"\n", safeName(a.Name))
	default:
		log.Debug("msteams: activity type not handled")
		w.WriteHeader(http.StatusOK)
	}
}

func safeName(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == '"' || r == '\\' || r > 0x7e {
			return '?'
		}
		return r
	}, s)
}

func (c *Channel) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// startTurn runs fn in a goroutine owned by the channel; false when closed.
func (c *Channel) startTurn(fn func(ctx context.Context)) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.turns.Go(func() { fn(c.bgCtx) })
	return true
}

func (c *Channel) storeReference(ctx context.Context, log *slog.Logger, a *Activity) {
	if a.Conversation.ID == "" || a.ServiceURL == "" {
		return
	}
	ref := ConversationReference{
		ConversationID: a.Conversation.ID, ConversationType: a.Kind(), ServiceURL: a.ServiceURL,
		TenantID: a.TenantID(), BotID: a.Recipient.ID, UserID: a.From.ID, UserAADObjectID: a.From.AADObjectID,
		TeamID: a.ChannelData.TeamID, ChannelID: a.ChannelData.ChannelID, UpdatedAt: c.now(),
	}
	if a.Kind() != ConversationPersonal {
		ref.UserID, ref.UserAADObjectID = "", ""
	}
	if err := c.refs.Put(ctx, ref); err != nil {
		log.Warn("msteams: cannot store conversation reference", slog.Any("err", err))
	}
}

// handleMessage applies the policy and runs one turn.
func (c *Channel) handleMessage(ctx context.Context, log *slog.Logger, a *Activity) {
	if isBot(a.From.ID, a.Recipient.ID, c.set.appID) {
		return
	}
	c.storeReference(ctx, log, a)
	d := c.decide(ctx, a)
	switch d.action {
	case actionIgnore:
		c.count(func(k *Counters) { k.Ignored++ })
		log.Debug("msteams: message ignored", slog.String("reason", d.reason), slog.String("sender", a.SenderID()))
		return
	case actionPair:
		c.pair(ctx, log, a)
		return
	}
	text := a.CleanText(c.set.appID)
	if text == "" {
		c.count(func(k *Counters) { k.Ignored++ })
		log.Debug("msteams: message ignored", slog.String("reason", "no text"))
		return
	}
	unlock := c.lockConversation(a.Conversation.ID)
	defer unlock()

	agentID, err := c.agent.ResolveAgent(c.set.agent)
	if err != nil {
		log.Error("msteams: agent not available", slog.Any("err", err))
		c.reply(ctx, log, a, "Sorry, I can't answer right now: "+agent.APIError(err).Message)
		return
	}
	tctx, cancel := context.WithTimeout(ctx, c.turnTO)
	defer cancel()
	stopTyping := c.typing(tctx, log, a)
	c.count(func(k *Counters) { k.Turns++ })
	res, err := c.agent.Run(tctx, &agent.TurnRequest{
		AgentID:    agentID,
		SessionKey: "agent:" + agentID + ":msteams:" + a.Conversation.ID,
		Channel:    "msteams",
		Messages:   []provider.Message{{Role: provider.RoleUser, Content: text, Name: userName(a)}},
		User:       a.SenderID(),
	})
	stopTyping()
	if err != nil {
		c.count(func(k *Counters) { k.TurnErrors++ })
		if ctx.Err() != nil {
			log.Warn("msteams: turn cancelled by shutdown", slog.Any("err", err))
			return
		}
		log.Error("msteams: agent turn failed", slog.String("agent", agentID), slog.Any("err", err))
		c.recordError("agent turn: " + err.Error())
		c.reply(ctx, log, a, "Sorry, something went wrong: "+userSafe(err))
		return
	}
	out := strings.TrimSpace(res.Text)
	if out == "" {
		log.Info("msteams: agent returned no text", slog.String("finish", res.FinishReason))
		return
	}
	c.reply(ctx, log, a, out)
}

// userName returns a name for the provider's "name" field (letters, digits,
// _ and - only), or "".
func userName(a *Activity) string {
	n := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
			return r
		case r == ' ':
			return '_'
		}
		return -1
	}, a.From.Name)
	if len(n) > 64 {
		n = n[:64]
	}
	return n
}

// userSafe is the part of an agent error a chat user may see.
func userSafe(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "the answer took too long."
	}
	return agent.APIError(err).Message
}

// typing sends {"type":"typing"} now and every typingInterval until the
// returned stop is called.
func (c *Channel) typing(ctx context.Context, log *slog.Logger, a *Activity) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(typingInterval)
		defer t.Stop()
		for {
			act := c.outgoing(a, TypeTyping, "")
			if err := c.conn.send(ctx, a.ServiceURL, a.Conversation.ID, "", act, false); err != nil && ctx.Err() == nil {
				log.Debug("msteams: typing indicator failed", slog.Any("err", err))
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() { cancel(); <-done }
}

func (c *Channel) outgoing(a *Activity, typ, text string) *outActivity {
	o := &outActivity{
		Type: typ, Text: text,
		From:         Account{ID: a.Recipient.ID, Name: a.Recipient.Name},
		Recipient:    Account{ID: a.From.ID, Name: a.From.Name},
		Conversation: Conversation{ID: a.Conversation.ID},
	}
	if typ == TypeMessage {
		o.TextFormat = "markdown"
		o.ReplyToID = a.ID
	}
	return o
}

// reply sends text to the activity's conversation, split into pieces of at
// most maxReplyBytes; in channels it replies to the activity's thread.
func (c *Channel) reply(ctx context.Context, log *slog.Logger, a *Activity, text string) {
	replyTo := ""
	if a.Kind() == ConversationChannel {
		replyTo = a.ID
	}
	for i, piece := range splitText(text, maxReplyBytes) {
		if err := c.conn.send(ctx, a.ServiceURL, a.Conversation.ID, replyTo, c.outgoing(a, TypeMessage, piece), true); err != nil {
			c.count(func(k *Counters) { k.SendFailures++ })
			log.Error("msteams: reply failed", slog.Int("part", i+1), slog.Any("err", err))
			c.recordError("reply: " + err.Error())
			return
		}
		c.count(func(k *Counters) { k.Replies++ })
	}
}

// pair answers an unknown DM sender with a one-time pairing code, once per
// pending request.
func (c *Channel) pair(ctx context.Context, log *slog.Logger, a *Activity) {
	req, created, err := c.pairing.Request(ctx, PairingRequest{
		SenderID: a.SenderID(), Name: a.From.Name, ConversationID: a.Conversation.ID, TenantID: a.TenantID(),
	})
	switch {
	case errors.Is(err, ErrPairingFull):
		log.Info("msteams: pairing request dropped: too many pending", slog.String("sender", a.SenderID()))
		return
	case err != nil:
		log.Error("msteams: pairing store failed", slog.Any("err", err))
		c.recordError("pairing store: " + err.Error())
		return
	case !created:
		log.Debug("msteams: message ignored", slog.String("reason", "pairing pending"), slog.String("sender", a.SenderID()))
		c.count(func(k *Counters) { k.Ignored++ })
		return
	}
	c.count(func(k *Counters) { k.PairingCodes++ })
	log.Info("msteams: pairing code issued", slog.String("sender", a.SenderID()), slog.String("name", a.From.Name))
	c.reply(ctx, log, a, fmt.Sprintf(
		"I don't know you yet. Your pairing code is **%s** (valid for %d minutes).\n\n"+
			"Ask the owner of this OpenClaw gateway to run:\n\n`openclaw pairing approve msteams %s`",
		req.Code, int(PairingTTL/time.Minute), req.Code))
}
