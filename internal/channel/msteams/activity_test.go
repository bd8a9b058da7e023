package msteams

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

func mustParse(t *testing.T, v any) *Activity {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	a, err := ParseActivity(b)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func utf8Valid(s string) bool { return utf8.ValidString(s) }

func TestParseActivity(t *testing.T) {
	t.Parallel()
	const body = `{"type":"message","id":"1","serviceUrl":"https://smba.trafficmanager.net/emea/","channelId":"msteams",
	"from":{"id":"29:u","name":"Ann","aadObjectId":"aad-1"},"recipient":{"id":"28:app","name":"Claw"},
	"conversation":{"id":"19:c@thread.tacv2;messageid=1","conversationType":"channel","tenantId":"t1","isGroup":true},
	"text":"<at>Claw</at> ask <at>Bob</at> please","entities":[{"type":"clientInfo","locale":"en"},
	{"type":"mention","text":"<at>Claw</at>","mentioned":{"id":"28:app","name":"Claw"}},
	{"type":"mention","text":"<at>Bob</at>","mentioned":{"id":"29:bob","name":"Bob"}},
	{"type":"mention","mentioned":{"id":42}}],
	"channelData":{"tenant":{"id":"t1"},"team":{"id":"team-1"},"channel":{"id":"19:c@thread.tacv2"},"eventType":7}}`
	a, err := ParseActivity([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if a.Kind() != ConversationChannel || a.ChannelData.TeamID != "team-1" || a.TenantID() != "t1" ||
		a.BaseConversationID() != "19:c@thread.tacv2" || a.SenderID() != "aad-1" {
		t.Errorf("activity = %+v", a)
	}
	if !a.mentions("app") {
		t.Error("bot mention not detected")
	}
	if got := a.CleanText("app"); got != "ask @Bob please" {
		t.Errorf("CleanText = %q", got)
	}
	for _, bad := range []string{``, `[]`, `{}`, `{"type":5}`, `nul`} {
		if _, err := ParseActivity([]byte(bad)); err == nil {
			t.Errorf("ParseActivity(%q) accepted", bad)
		}
	}
	// An odd channelData shape does not reject the activity.
	if a, err := ParseActivity([]byte(`{"type":"message","channelData":{"team":"x","tenant":{"id":"t"}}}`)); err != nil || a.ChannelData.TenantID != "t" {
		t.Errorf("lenient channelData: %+v %v", a, err)
	}
}

// FuzzActivity: no activity body may crash parsing or the derived views.
func FuzzActivity(f *testing.F) {
	f.Add([]byte(`{"type":"message","text":"<at>x</at> hi","entities":[{"type":"mention","text":"<at>x</at>","mentioned":{"id":"28:a"}}],"recipient":{"id":"28:a"}}`))
	f.Add([]byte(`{"type":"conversationUpdate","channelData":{"team":{"id":"t"},"channel":{"id":"c"}},"conversation":{"isGroup":true}}`))
	f.Add([]byte(`{"type":"invoke","name":"x","entities":7,"channelData":[]}`))
	f.Add([]byte(`{"type":"message","serviceUrl":"http://[::1]:80/%zz","conversation":{"id":";;;"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseActivity(b)
		if err != nil {
			return
		}
		_ = a.Kind()
		_ = a.SenderID()
		_ = a.TenantID()
		_ = a.BaseConversationID()
		_ = a.mentions("a")
		clean := a.CleanText("a")
		_, _ = validServiceURL(a.ServiceURL)
		for _, p := range splitText(clean, 64) {
			if len(p) > 64 {
				t.Fatalf("piece of %d bytes", len(p))
			}
		}
		_ = looksLikeOpenAI(b)
	})
}
