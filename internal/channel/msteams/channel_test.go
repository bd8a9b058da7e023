package msteams

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openclaw/openclaw-go/internal/apierr"
	"github.com/openclaw/openclaw-go/internal/channel/msteams/mstest"
	"github.com/openclaw/openclaw-go/internal/config"
)

func TestDMFromAllowedUserGetsExactlyOneReply(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.agent.delay = 100 * time.Millisecond
	alice := mstest.User("aad-alice")
	h.deliver(t, h.ms.DM("msg-1", alice, "What is the time?"))
	h.drain(t)

	msgs := h.ms.Messages()
	if len(msgs) != 1 {
		t.Fatalf("want exactly one message POST, got %d: %+v", len(msgs), h.ms.Posts())
	}
	m := msgs[0]
	if m.Text() != "Hello from the agent." {
		t.Errorf("text = %q", m.Text())
	}
	if want := "/connector/v3/conversations/a:dm-aad-alice/activities"; m.Path != want {
		t.Errorf("path = %q, want %q", m.Path, want)
	}
	if !strings.HasPrefix(m.Authorization, "Bearer mstest-access-token-") {
		t.Errorf("authorization = %q", m.Authorization)
	}
	from, _ := m.Activity["from"].(map[string]any)
	rcpt, _ := m.Activity["recipient"].(map[string]any)
	conv, _ := m.Activity["conversation"].(map[string]any)
	if from["id"] != h.ms.BotID() || rcpt["id"] != alice.ID || conv["id"] != "a:dm-aad-alice" ||
		m.Activity["replyToId"] != "msg-1" || m.Activity["textFormat"] != "markdown" {
		t.Errorf("reply activity = %s", m.Body)
	}
	turns := h.agent.Turns()
	if len(turns) != 1 {
		t.Fatalf("turns = %d", len(turns))
	}
	tr := turns[0]
	if tr.SessionKey != "agent:main:msteams:a:dm-aad-alice" || tr.Channel != "msteams" || tr.AgentID != "main" {
		t.Errorf("turn = %+v", tr)
	}
	if len(tr.Messages) != 1 || tr.Messages[0].Content != "What is the time?" || tr.Messages[0].Role != "user" {
		t.Errorf("messages = %+v", tr.Messages)
	}
	var typing int
	for _, p := range h.ms.Posts() {
		if p.Type() == "typing" {
			typing++
		}
	}
	if typing == 0 {
		t.Error("no typing indicator was sent while the agent worked")
	}
	st := h.ch.Status()
	if st.Token.State != "valid" || st.Counters.Replies != 1 || st.Counters.Turns != 1 {
		t.Errorf("status = %+v", st)
	}
}

func TestPairingFlow(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *config.MSTeams) { c.DMPolicy = "pairing"; c.AllowFrom = nil })
	bob := mstest.User("aad-bob")

	h.deliver(t, h.ms.DM("p-1", bob, "hello?"))
	msgs := h.ms.WaitMessages(t, 1, 5*time.Second)
	pending, err := h.ch.pairing.Pending(context.Background())
	if err != nil || len(pending) != 1 {
		t.Fatalf("pending = %v, %v", pending, err)
	}
	code := pending[0].Code
	if !strings.Contains(msgs[0].Text(), code) || !strings.Contains(msgs[0].Text(), "openclaw pairing approve msteams "+code) {
		t.Errorf("pairing reply = %q", msgs[0].Text())
	}
	if len(h.agent.Turns()) != 0 {
		t.Fatal("an unknown sender reached the agent")
	}

	// A second message while pending: no new code, no turn.
	h.deliver(t, h.ms.DM("p-2", bob, "hello??"))
	time.Sleep(100 * time.Millisecond)
	if n := len(h.ms.Messages()); n != 1 || len(h.agent.Turns()) != 0 {
		t.Fatalf("while pending: messages %d, turns %d", n, len(h.agent.Turns()))
	}

	pendingPath, approvedPath := PairingPaths(h.state)
	for _, p := range []string{pendingPath} {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v %v", p, fi, err)
		}
	}
	// Approve from "another process": a fresh store on the same files.
	req, err := NewFilePairingStore(h.state, nil).Approve(context.Background(), strings.ToLower(code))
	if err != nil || req.SenderID != "aad-bob" {
		t.Fatalf("approve: %+v %v", req, err)
	}
	if fi, err := os.Stat(approvedPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("approved file: %v %v", fi, err)
	}

	h.deliver(t, h.ms.DM("p-3", bob, "now?"))
	h.drain(t)
	msgs = h.ms.Messages()
	if len(msgs) != 2 || msgs[1].Text() != "Hello from the agent." || len(h.agent.Turns()) != 1 {
		t.Fatalf("after approval: %d messages, %d turns", len(msgs), len(h.agent.Turns()))
	}
}

func TestGroupPolicyAndMentions(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *config.MSTeams) {
		c.GroupPolicy = "allowlist"
		c.Teams = map[string]config.TeamsTeam{"team-1": {}}
	})
	alice := mstest.User("aad-alice")

	h.deliver(t, h.ms.ChannelMessage("c-1", "team-1", "19:general@thread.tacv2", alice, "no mention here", false))
	h.deliver(t, h.ms.ChannelMessage("c-2", "team-other", "19:x@thread.tacv2", alice, "wrong team", true))
	h.deliver(t, h.ms.ChannelMessage("c-3", "team-1", "19:general@thread.tacv2", alice, "summarise this", true))
	h.drain(t)

	turns := h.agent.Turns()
	if len(turns) != 1 {
		t.Fatalf("want one turn (mentioned, allowed team), got %d", len(turns))
	}
	if got := turns[0].Messages[0].Content; got != "summarise this" {
		t.Errorf("mention not stripped: %q", got)
	}
	if want := "agent:main:msteams:19:general@thread.tacv2;messageid=c-3"; turns[0].SessionKey != want {
		t.Errorf("session key %q", turns[0].SessionKey)
	}
	msgs := h.ms.Messages()
	if len(msgs) != 1 {
		t.Fatalf("messages = %d", len(msgs))
	}
	if !strings.HasSuffix(msgs[0].Path, "/activities/c-3") {
		t.Errorf("a channel reply must answer the activity: %s", msgs[0].Path)
	}
	if h.ch.Status().Counters.Ignored != 2 {
		t.Errorf("ignored = %d", h.ch.Status().Counters.Ignored)
	}
}

func TestRequireMentionOverrides(t *testing.T) {
	t.Parallel()
	f, tr := false, true
	h := newHarness(t, func(c *config.MSTeams) {
		c.GroupPolicy = "open"
		c.Teams = map[string]config.TeamsTeam{
			"team-1": {RequireMention: &f, Channels: map[string]config.TeamsChannel{"19:strict@thread.tacv2": {RequireMention: &tr}}},
		}
	})
	alice := mstest.User("aad-alice")
	for _, tc := range []struct {
		team, channel string
		mention, want bool
	}{
		{"team-1", "19:relaxed@thread.tacv2", false, true},
		{"team-1", "19:strict@thread.tacv2", false, false},
		{"team-2", "19:any@thread.tacv2", false, false},
		{"team-2", "19:any@thread.tacv2", true, true},
	} {
		d := h.ch.decide(context.Background(), mustParse(t, h.ms.ChannelMessage("x", tc.team, tc.channel, alice, "hi", tc.mention)))
		if got := d.action == actionAnswer; got != tc.want {
			t.Errorf("%s/%s mention=%v: answer=%v (%s)", tc.team, tc.channel, tc.mention, got, d.reason)
		}
	}
}

func TestDuplicateDeliveryIsIgnored(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	act := h.ms.DM("dup-1", mstest.User("aad-alice"), "once")
	h.deliver(t, act)
	h.deliver(t, act)
	h.clock.Advance(9 * time.Minute)
	h.deliver(t, act)
	h.drain(t)
	if n := len(h.agent.Turns()); n != 1 {
		t.Fatalf("turns = %d, want 1", n)
	}
	if n := len(h.ms.Messages()); n != 1 {
		t.Fatalf("replies = %d, want 1", n)
	}
}

func TestConnectorRetriesOn429HonouringRetryAfter(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.ms.Script(mstest.Response{Status: 429, RetryAfter: "2"}, mstest.Response{Status: 503})
	h.deliver(t, h.ms.DM("r-1", mstest.User("aad-alice"), "hi"))
	h.drain(t)
	var statuses []int
	for _, p := range h.ms.Posts() {
		if p.Type() == "message" {
			statuses = append(statuses, p.Status)
		}
	}
	if len(statuses) != 3 || statuses[0] != 429 || statuses[1] != 503 || statuses[2] != 200 {
		t.Fatalf("message POST statuses = %v", statuses)
	}
	h.waitsMu.Lock()
	defer h.waitsMu.Unlock()
	if len(h.waits) != 2 || h.waits[0] != 2*time.Second || h.waits[1] != 2*sendBackoffBase {
		t.Fatalf("waits = %v, want [2s %s]", h.waits, 2*sendBackoffBase)
	}
}

func TestConnectorGivesUpAfterFiveTries(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	allowServiceURL(t, h)
	for range 6 {
		h.ms.Script(mstest.Response{Status: 500})
	}
	err := h.ch.conn.send(context.Background(), h.ms.ServiceURL(), "a:c", "", &outActivity{Type: "message", Text: "x"}, true)
	var se *sendError
	if !errors.As(err, &se) || se.Tries != 5 || se.Status != 500 {
		t.Fatalf("err = %v", err)
	}
	if n := len(h.ms.Posts()); n != 5 {
		t.Fatalf("posts = %d", n)
	}
}

func allowServiceURL(t *testing.T, h *harness) {
	t.Helper()
	u, err := validServiceURL(h.ms.ServiceURL())
	if err != nil {
		t.Fatal(err)
	}
	h.ch.conn.allowed.add(u)
}

func TestConnectorTokenCacheAndRefresh(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	allowServiceURL(t, h)
	h.ms.SetTokenTTL(10 * time.Minute) // usable for 5 minutes
	h.ms.SetTokenDelay(100 * time.Millisecond)
	send := func() error {
		return h.ch.conn.send(context.Background(), h.ms.ServiceURL(), "a:c", "", &outActivity{Type: "message", Text: "x"}, true)
	}

	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for range 10 {
		wg.Go(func() { errs <- send() })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := h.ms.TokenRequests(); n != 1 {
		t.Fatalf("10 concurrent sends made %d token requests, want 1", n)
	}

	h.clock.Advance(4 * time.Minute)
	if err := send(); err != nil || h.ms.TokenRequests() != 1 {
		t.Fatalf("a cached token was not reused: %v, %d", err, h.ms.TokenRequests())
	}
	h.clock.Advance(2 * time.Minute) // within 5 minutes of expiry
	if st := h.ch.Status().Token; st.State != "refresh_due" {
		t.Errorf("token state = %q", st.State)
	}
	if err := send(); err != nil || h.ms.TokenRequests() != 2 {
		t.Fatalf("a token near expiry was not refreshed: %v, %d", err, h.ms.TokenRequests())
	}

	// 401: one refresh, then success.
	h.ms.RevokeTokens()
	if err := send(); err != nil || h.ms.TokenRequests() != 3 {
		t.Fatalf("401 did not refresh once: %v, %d", err, h.ms.TokenRequests())
	}
}

func TestConnectorRefusesUnvalidatedServiceURL(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	err := h.ch.conn.send(context.Background(), "https://attacker.example/", "a:c", "", &outActivity{Type: "message"}, true)
	if !errors.Is(err, ErrServiceURLNotAllowed) {
		t.Fatalf("err = %v", err)
	}
}

func TestTokenEndpointSingleTenantAndMultiTenant(t *testing.T) {
	t.Parallel()
	for _, tenant := range []string{"", "tenant"} {
		h := newHarness(t, func(c *config.MSTeams) {
			if tenant == "" {
				c.TenantID = ""
			}
		})
		want := strings.ReplaceAll(h.ms.TokenURL(), "{tenantId}", h.ms.TenantID)
		if tenant == "" {
			want = strings.ReplaceAll(h.ms.TokenURL(), "{tenantId}", "botframework.com")
		}
		if h.ch.set.tokenURL != want {
			t.Errorf("tenant %q: token URL %q, want %q", tenant, h.ch.set.tokenURL, want)
		}
		if _, err := h.ch.conn.tokens.token(context.Background()); err != nil {
			t.Errorf("tenant %q: %v", tenant, err)
		}
	}
}

func TestLongReplyIsSplit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	para := strings.Repeat("word ", 1000) // 5 KB
	h.agent.reply = strings.TrimSpace(strings.Repeat(para+"\n\n", 14))
	h.deliver(t, h.ms.DM("long-1", mstest.User("aad-alice"), "essay"))
	h.drain(t)
	msgs := h.ms.Messages()
	if len(msgs) < 3 {
		t.Fatalf("a %d-byte reply was sent in %d messages", len(h.agent.reply), len(msgs))
	}
	total := 0
	for _, m := range msgs {
		if len(m.Text()) > maxReplyBytes {
			t.Errorf("piece of %d bytes", len(m.Text()))
		}
		total += len(strings.Fields(m.Text()))
	}
	if total != len(strings.Fields(h.agent.reply)) {
		t.Errorf("words lost in splitting: %d of %d", total, len(strings.Fields(h.agent.reply)))
	}
}

func TestAgentErrorGetsApology(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.agent.err = apierr.New(http.StatusBadGateway, "upstream_error", "Provider openai failed (HTTP 500).", "")
	h.deliver(t, h.ms.DM("e-1", mstest.User("aad-alice"), "hi"))
	h.drain(t)
	msgs := h.ms.Messages()
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text(), "Sorry") || !strings.Contains(msgs[0].Text(), "Provider openai failed") {
		t.Fatalf("messages = %+v", msgs)
	}
}

func TestMisroutedOpenAICalls(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	chat := map[string]any{"model": "openclaw", "messages": []any{map[string]any{"role": "user", "content": "hi"}}}
	for _, tc := range []struct {
		name, path, auth string
		status           int
	}{
		{"chat completion to the webhook path with the gateway token", DefaultPath, "Bearer oc_gw_0123456789abcdef", 401},
		{"chat completion to the webhook path with no token", DefaultPath, "", 401},
		{"chat completion to the webhook path with a JWT-shaped token", DefaultPath, "Bearer a.b.c", 401},
		{"chat completion to /v1/chat/completions on the webhook port", "/v1/chat/completions", "Bearer oc_gw_0123456789abcdef", 404},
		{"models list on the webhook port", "/v1/models", "", 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := mstest.PostActivity(t, h.srv.URL+tc.path, tc.auth, chat)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if resp.Header.Get("X-OpenClaw-Surface") != Surface {
				t.Error("missing surface header")
			}
			e, raw := decodeErr(t, resp)
			u := "http://127.0.0.1:18789/v1"
			if !strings.Contains(e.Error.Message, "Teams webhook") || !strings.Contains(e.Error.Message, u) ||
				!strings.Contains(e.Error.Hint, "not a JWT") {
				t.Errorf("not a misroute answer: %s", raw)
			}
			if strings.Contains(raw, "oc_gw_0123456789abcdef") {
				t.Error("token echoed")
			}
		})
	}
	resp := mstest.PostActivity(t, h.srv.URL+"/elsewhere", "", map[string]any{})
	if resp.StatusCode != 404 || resp.Header.Get("X-OpenClaw-Surface") != Surface {
		t.Errorf("other path: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, h.url, nil)
	gr, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	gr.Body.Close()
	if gr.StatusCode != http.StatusMethodNotAllowed || gr.Header.Get("X-OpenClaw-Surface") != Surface {
		t.Errorf("GET: %d", gr.StatusCode)
	}
}

func TestInvokeIsAnswered(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	act := h.ms.DM("i-1", mstest.User("aad-alice"), "")
	act["type"] = "invoke"
	act["name"] = "composeExtension/query"
	resp := h.deliver(t, act)
	if body := readBody(resp); !strings.Contains(body, `"status":501`) {
		t.Errorf("unsupported invoke body = %s", body)
	}
	act["name"] = "healthCheck"
	if body := readBody(h.deliver(t, act)); strings.TrimSpace(body) != "{}" {
		t.Errorf("healthCheck body = %s", body)
	}
}

func TestConversationUpdateStoresReference(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	act := h.ms.DM("cu-1", mstest.User("aad-carol"), "")
	act["type"] = "conversationUpdate"
	h.deliver(t, act)
	refs, err := h.ch.refs.List(context.Background())
	if err != nil || len(refs) != 1 || refs[0].ConversationID != "a:dm-aad-carol" || refs[0].ServiceURL != h.ms.ServiceURL() {
		t.Fatalf("refs = %+v, %v", refs, err)
	}
	if len(h.agent.Turns()) != 0 {
		t.Error("conversationUpdate ran a turn")
	}
	// A restart keeps the reference and its serviceUrl.
	fr, err := NewFileReferenceStore(h.state)
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := fr.List(context.Background()); len(l) != 1 {
		t.Errorf("reloaded refs = %+v", l)
	}
}

func TestOwnPortListenerLifecycle(t *testing.T) {
	t.Parallel()
	ms := mstest.New(t)
	port := freePort(t)
	cfg := baseConfig(ms)
	cfg.Webhook = config.Webhook{Port: config.WebhookPort{Number: port}}
	ag := &testAgent{reply: "pong", delay: 200 * time.Millisecond}
	ch, err := New(Options{Config: cfg, StateDir: t.TempDir(), ListenHost: "127.0.0.1", GatewayPort: 18789, Agent: ag,
		Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	if ch.Ready() == nil {
		t.Fatal("ready before start")
	}
	if err := ch.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for ch.Ready() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("not ready: %v", ch.Ready())
		}
		time.Sleep(10 * time.Millisecond)
	}
	st := ch.Status()
	if !st.Listening || !st.Ready || st.Listen != "127.0.0.1:"+strconv.Itoa(port) || st.Mode != "own-port" {
		t.Errorf("status = %+v", st)
	}
	resp := ms.Deliver(t, "http://127.0.0.1:"+strconv.Itoa(port)+DefaultPath, ms.DM("l-1", mstest.User("aad-alice"), "ping"))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	// Close waits for the in-flight turn (the agent takes 200 ms).
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ch.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if msgs := ms.Messages(); len(msgs) != 1 || msgs[0].Text() != "pong" {
		t.Fatalf("messages = %+v", msgs)
	}
	if ch.Ready() == nil {
		t.Error("ready after close")
	}
	if _, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second); err == nil {
		t.Error("listener still open after Close")
	}
}

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	ms := mstest.New(t)
	off := false
	ag := &testAgent{}
	for _, tc := range []struct {
		name   string
		mutate func(*config.MSTeams)
		env    map[string]string
		want   string
	}{
		{"missing appId names the key and env var", func(c *config.MSTeams) { c.AppID = "" }, nil, "MSTEAMS_APP_ID"},
		{"missing appPassword names the key and env var", func(c *config.MSTeams) { c.AppPassword = "" }, nil, "MSTEAMS_APP_PASSWORD"},
		{"credentials from the environment are accepted", func(c *config.MSTeams) { c.AppID, c.AppPassword = "", "" },
			map[string]string{EnvAppID: "x", EnvAppPassword: "y"}, ""},
		{"a webhook path under /v1 is refused", func(c *config.MSTeams) { c.Webhook.Path = "/v1/teams" }, nil, "collides"},
		{"a bad dmPolicy is refused", func(c *config.MSTeams) { c.DMPolicy = "everyone" }, nil, "dmPolicy"},
		{"an unknown agent is refused", func(c *config.MSTeams) { c.Agent = "nope" }, nil, "channels.msteams.agent"},
		{"disabled gives ErrDisabled", func(c *config.MSTeams) { c.Enabled = &off }, nil, ErrDisabled.Error()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := baseConfig(ms)
			tc.mutate(cfg)
			_, err := New(Options{Config: cfg, StateDir: t.TempDir(), Agent: ag, Getenv: func(k string) string { return tc.env[k] }})
			switch {
			case tc.want == "" && err != nil:
				t.Fatal(err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("err = %v, want mention of %q", err, tc.want)
			}
		})
	}
}

func TestStatusHasNoSecrets(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.deliver(t, h.ms.DM("s-1", mstest.User("aad-alice"), "hi"))
	h.drain(t)
	b := mustJSON(t, h.ch.Status())
	if strings.Contains(b, h.ms.AppPassword) || strings.Contains(b, "mstest-access-token") {
		t.Fatalf("status leaks a secret: %s", b)
	}
}

func TestSplitText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   string
		max  int
		want int
	}{
		{"short text is one piece", "hello", 10, 1},
		{"splits at spaces", "aaaa bbbb cccc", 10, 2},
		{"hard split of one long word", strings.Repeat("x", 25), 10, 3},
		{"never splits a rune", strings.Repeat("é", 20), 5, 10},
	} {
		got := splitText(tc.in, tc.max)
		if len(got) != tc.want {
			t.Errorf("%s: %d pieces %q", tc.name, len(got), got)
		}
		for _, p := range got {
			if len(p) > tc.max || !utf8Valid(p) {
				t.Errorf("%s: bad piece %q", tc.name, p)
			}
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"": 0, "3": 3 * time.Second, "0.5": 500 * time.Millisecond, "-1": 0, "junk": 0, "9999": retryAfterMax,
		now.Add(10 * time.Second).Format(http.TimeFormat): 10 * time.Second,
	} {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", in, got, want)
		}
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
