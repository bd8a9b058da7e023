package msteams

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Activity types the channel handles.
const (
	TypeMessage            = "message"
	TypeConversationUpdate = "conversationUpdate"
	TypeInstallationUpdate = "installationUpdate"
	TypeInvoke             = "invoke"
	TypeTyping             = "typing"
)

// Conversation types.
const (
	ConversationPersonal = "personal"
	ConversationGroup    = "groupChat"
	ConversationChannel  = "channel"
)

// Activity is the part of a Bot Framework activity the channel uses. Fields
// whose shape Microsoft does not pin down (entities, channelData) are decoded
// leniently so that an unexpected shape never rejects the whole activity.
type Activity struct {
	Type         string          `json:"type"`
	ID           string          `json:"id,omitempty"`
	Name         string          `json:"name,omitempty"` // invoke name
	Timestamp    string          `json:"timestamp,omitempty"`
	ServiceURL   string          `json:"serviceUrl,omitempty"`
	ChannelID    string          `json:"channelId,omitempty"`
	From         Account         `json:"from"`
	Recipient    Account         `json:"recipient"`
	Conversation Conversation    `json:"conversation"`
	Text         string          `json:"text,omitempty"`
	ReplyToID    string          `json:"replyToId,omitempty"`
	Action       string          `json:"action,omitempty"`
	RawEntities  json.RawMessage `json:"entities,omitempty"`
	RawChannel   json.RawMessage `json:"channelData,omitempty"`
	Attachments  json.RawMessage `json:"attachments,omitempty"`

	// Decoded from RawEntities and RawChannel by ParseActivity.
	Mentions    []Mention   `json:"-"`
	ChannelData ChannelData `json:"-"`
}

// Account is a channel account (user or bot).
type Account struct {
	ID          string `json:"id,omitempty"`
	Name        string `json:"name,omitempty"`
	AADObjectID string `json:"aadObjectId,omitempty"`
}

// Conversation identifies where the activity happened.
type Conversation struct {
	ID               string `json:"id,omitempty"`
	ConversationType string `json:"conversationType,omitempty"`
	TenantID         string `json:"tenantId,omitempty"`
	IsGroup          bool   `json:"isGroup,omitempty"`
}

// Mention is an entity of type "mention".
type Mention struct {
	ID   string // mentioned.id
	Name string // mentioned.name
	Text string // e.g. "<at>Bot</at>"
}

// ChannelData holds the Teams-specific ids.
type ChannelData struct {
	TenantID  string
	TeamID    string
	ChannelID string
}

// ParseActivity decodes an activity body. It rejects only bodies that are
// not a JSON object with a type.
func ParseActivity(b []byte) (*Activity, error) {
	var a Activity
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("activity is not valid JSON: %w", err)
	}
	if a.Type == "" {
		return nil, errors.New("activity has no type")
	}
	if len(a.RawEntities) > 0 {
		var raw []json.RawMessage
		_ = json.Unmarshal(a.RawEntities, &raw)
		for _, r := range raw {
			var e struct {
				Type      string  `json:"type"`
				Text      string  `json:"text"`
				Mentioned Account `json:"mentioned"`
			}
			if json.Unmarshal(r, &e) == nil && e.Type == "mention" {
				a.Mentions = append(a.Mentions, Mention{ID: e.Mentioned.ID, Name: e.Mentioned.Name, Text: e.Text})
			}
		}
	}
	if len(a.RawChannel) > 0 {
		var cd struct {
			Tenant  struct{ ID string } `json:"tenant"`
			Team    struct{ ID string } `json:"team"`
			Channel struct{ ID string } `json:"channel"`
		}
		// Each part separately: one odd field must not hide the others.
		var parts map[string]json.RawMessage
		if json.Unmarshal(a.RawChannel, &parts) == nil {
			_ = json.Unmarshal(parts["tenant"], &cd.Tenant)
			_ = json.Unmarshal(parts["team"], &cd.Team)
			_ = json.Unmarshal(parts["channel"], &cd.Channel)
		}
		a.ChannelData = ChannelData{TenantID: cd.Tenant.ID, TeamID: cd.Team.ID, ChannelID: cd.Channel.ID}
	}
	return &a, nil
}

// Kind is the conversation type, derived when conversationType is absent.
func (a *Activity) Kind() string {
	switch a.Conversation.ConversationType {
	case ConversationPersonal, ConversationGroup, ConversationChannel:
		return a.Conversation.ConversationType
	}
	switch {
	case a.ChannelData.ChannelID != "":
		return ConversationChannel
	case a.Conversation.IsGroup:
		return ConversationGroup
	default:
		return ConversationPersonal
	}
}

// SenderID is the id policies match on: the AAD object id when present,
// else the channel account id.
func (a *Activity) SenderID() string {
	if a.From.AADObjectID != "" {
		return a.From.AADObjectID
	}
	return a.From.ID
}

// TenantID is the tenant the activity came from.
func (a *Activity) TenantID() string {
	return firstNonEmpty(a.Conversation.TenantID, a.ChannelData.TenantID)
}

// BaseConversationID is the conversation id without a ";messageid=…" thread
// suffix.
func (a *Activity) BaseConversationID() string {
	id, _, _ := strings.Cut(a.Conversation.ID, ";")
	return id
}

// mentions reports whether the bot (recipient, or "28:<appId>") is mentioned.
func (a *Activity) mentions(appID string) bool {
	for _, m := range a.Mentions {
		if isBot(m.ID, a.Recipient.ID, appID) {
			return true
		}
	}
	return false
}

func isBot(id, recipientID, appID string) bool {
	return id != "" && (strings.EqualFold(id, recipientID) || strings.EqualFold(id, "28:"+appID))
}

// CleanText returns the text with the bot's own <at>…</at> mention removed
// and other users' mentions turned into "@Name".
func (a *Activity) CleanText(appID string) string {
	text := a.Text
	for _, m := range a.Mentions {
		if m.Text == "" {
			continue
		}
		if isBot(m.ID, a.Recipient.ID, appID) {
			text = strings.ReplaceAll(text, m.Text, "")
		} else {
			name := strings.TrimSuffix(strings.TrimPrefix(m.Text, "<at>"), "</at>")
			text = strings.ReplaceAll(text, m.Text, "@"+name)
		}
	}
	if a.Recipient.Name != "" {
		text = strings.ReplaceAll(text, "<at>"+a.Recipient.Name+"</at>", "")
	}
	text = strings.ReplaceAll(text, "&nbsp;", " ")
	return strings.TrimSpace(text)
}

// validServiceURL checks that a serviceUrl is an absolute http(s) URL with a
// host and no credentials, query or fragment.
func validServiceURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("serviceUrl: %w", err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("serviceUrl %q is not an absolute http(s) URL", s)
	}
	return u, nil
}
