package msteams

import (
	"context"
	"log/slog"
	"slices"
	"strings"
)

type action int

const (
	actionIgnore action = iota
	actionAnswer
	actionPair
)

type decision struct {
	action action
	reason string // why ignored, for the debug log
}

func ignore(reason string) decision { return decision{action: actionIgnore, reason: reason} }

// decide applies dmPolicy / groupPolicy, the teams map and requireMention
// (spec "Activities we handle", Policy).
func (c *Channel) decide(ctx context.Context, a *Activity) decision {
	s := c.set
	if a.Kind() == ConversationPersonal {
		switch s.dmPolicy {
		case "disabled":
			return ignore("dmPolicy disabled")
		case "open":
			return decision{action: actionAnswer}
		}
		if matchAny(s.allowFrom, a.From.AADObjectID, a.From.ID) {
			return decision{action: actionAnswer}
		}
		if s.dmPolicy == "allowlist" {
			return ignore("sender not in allowFrom")
		}
		// pairing: approved senders are answered, others get a code.
		ok, err := c.pairing.Approved(ctx, a.SenderID())
		if err != nil {
			c.log.Error("msteams: pairing store failed", slog.Any("err", err))
			return ignore("pairing store unavailable")
		}
		if ok {
			return decision{action: actionAnswer}
		}
		return decision{action: actionPair}
	}

	switch s.group {
	case "disabled":
		return ignore("groupPolicy disabled")
	case "allowlist":
		if !c.groupAllowed(a) {
			return ignore("conversation and sender not in groupAllowFrom or teams")
		}
	}
	if c.requireMention(a) && !a.mentions(s.appID) {
		return ignore("bot not mentioned")
	}
	return decision{action: actionAnswer}
}

// groupAllowed: the sender or the conversation (or the channel) is in
// groupAllowFrom, or the team (and, if it lists channels, the channel) is in
// the teams map.
func (c *Channel) groupAllowed(a *Activity) bool {
	s := c.set
	if matchAny(s.groupAllow, a.From.AADObjectID, a.From.ID, a.BaseConversationID(), a.ChannelData.ChannelID) {
		return true
	}
	if a.ChannelData.TeamID == "" {
		return false
	}
	team, ok := s.teams[a.ChannelData.TeamID]
	if !ok {
		return false
	}
	if len(team.Channels) == 0 {
		return true
	}
	_, ok = team.Channels[firstNonEmpty(a.ChannelData.ChannelID, a.BaseConversationID())]
	return ok
}

// requireMention: the channel's setting, else the team's, else the global.
func (c *Channel) requireMention(a *Activity) bool {
	s := c.set
	if team, ok := s.teams[a.ChannelData.TeamID]; ok && a.ChannelData.TeamID != "" {
		if ch, ok := team.Channels[firstNonEmpty(a.ChannelData.ChannelID, a.BaseConversationID())]; ok && ch.RequireMention != nil {
			return *ch.RequireMention
		}
		if team.RequireMention != nil {
			return *team.RequireMention
		}
	}
	return s.requireMen
}

// matchAny reports whether list has "*" or any non-empty id
// (case-insensitive: AAD ids are GUIDs).
func matchAny(list []string, ids ...string) bool {
	return slices.ContainsFunc(list, func(e string) bool {
		e = strings.TrimSpace(e)
		if e == "*" {
			return true
		}
		for _, id := range ids {
			if id != "" && strings.EqualFold(e, id) {
				return true
			}
		}
		return false
	})
}
