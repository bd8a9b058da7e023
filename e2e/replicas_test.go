package e2e

// Two gateway processes behind no load balancer at all: the tests alternate
// between their ports by hand. They share one PostgreSQL (sessions) and one
// Redis (lockouts), started by scripts/services.sh in `make test`.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openclaw/openclaw-go/internal/provider/providertest"
	"github.com/openclaw/openclaw-go/internal/session"
	"github.com/openclaw/openclaw-go/internal/session/postgres"
	"github.com/openclaw/openclaw-go/internal/session/postgres/pgtest"
)

// Redis databases of the replica tests, one each, so that a lockout in one
// test cannot leak into another (internal/shared's tests use 10).
const (
	redisDBConversation = 1
	redisDBLockout      = 2
	redisDBConcurrent   = 3
	redisDBKill         = 4
)

// sharedServices returns the test PostgreSQL and Redis URLs, or skips.
func sharedServices(t *testing.T) (pgURL, redisURL string) {
	t.Helper()
	pgURL, redisURL = os.Getenv("OPENCLAW_TEST_POSTGRES_URL"), os.Getenv("OPENCLAW_TEST_REDIS_URL")
	if pgURL == "" || redisURL == "" {
		t.Skip("OPENCLAW_TEST_POSTGRES_URL / OPENCLAW_TEST_REDIS_URL are not set; " +
			"run `eval \"$(scripts/services.sh env)\"` (or `make test`) to start PostgreSQL and Redis on loopback")
	}
	return pgURL, redisURL
}

// pgSchema creates an empty schema for one test, dropped afterwards, and
// returns base with its search_path pointing there.
func pgSchema(t *testing.T, base string) string { return pgtest.FreshSchema(t, base, "e2e") }

// redisDB returns base pointing at database db, flushed now and after the
// test.
func redisDB(t *testing.T, base string, db int) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + strconv.Itoa(db)
	o, err := redis.ParseURL(u.String())
	if err != nil {
		t.Fatal(err)
	}
	flush := func() {
		c := redis.NewClient(o)
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := c.FlushDB(ctx).Err(); err != nil {
			t.Fatalf("flush redis db %d: %v", db, err)
		}
	}
	flush()
	t.Cleanup(flush)
	return u.String()
}

// echoUpstream is a fake OpenAI-compatible provider whose reply describes
// the conversation it was sent: the user messages in order and how many
// assistant messages came with them. A reply therefore proves which history
// the gateway loaded.
func echoUpstream(t *testing.T) *providertest.Server {
	return providertest.NewOpenAI(t, func(_ int, req *providertest.Request) providertest.Reply {
		var users []string
		assistants := 0
		msgs, _ := req.JSON["messages"].([]any)
		for _, m := range msgs {
			mm, _ := m.(map[string]any)
			switch mm["role"] {
			case "user":
				c, _ := mm["content"].(string)
				users = append(users, c)
			case "assistant":
				assistants++
			}
		}
		return providertest.Reply{Text: fmt.Sprintf("users=%s assistants=%d", strings.Join(users, ","), assistants), Chunks: 1}
	})
}

// replicaConfig is a gateway config on the shared stores, with the
// failed-auth limiter applying to loopback clients too (the tests come
// from 127.0.0.1).
func replicaConfig(upstream, pgURL, redisURL string) string {
	return `{
  gateway: {
    mode: "local",
    auth: { mode: "token", token: "` + testToken + `",
            rateLimit: { maxAttempts: 10, windowMs: 60000, lockoutMs: 300000, exemptLoopback: false } },
    http: { endpoints: { chatCompletions: { enabled: true } } },
  },
  agents: { defaults: { model: { primary: "fake/m1" } } },
  models: { providers: { fake: { baseUrl: "` + upstream + `", api: "openai-completions", apiKey: "k", models: [{ id: "m1" }] } } },
  storage: {
    sessions: { driver: "postgres", url: "` + pgURL + `" },
    shared: { driver: "redis", url: "` + redisURL + `" },
  },
}`
}

// startReplicas starts two gateways, each with its own state dir, on one
// config.
func startReplicas(t *testing.T, config string) (*gw, *gw) {
	t.Helper()
	var gs [2]*gw
	for i := range gs {
		dir := stateDir(t, config)
		gs[i] = startGateway(t, dir, baseEnv(dir))
	}
	return gs[0], gs[1]
}

// chat sends one user message of the conversation `user` and returns the
// status, the reply text (on 200) and the body.
func chat(t *testing.T, g *gw, user, msg string) (int, string, []byte) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
		"model": "openclaw", "user": user,
		"messages": []map[string]string{{"role": "user", "content": msg}},
	})
	st, _, b := do(t, "POST", g.url("/v1/chat/completions"), testToken, string(body))
	if st != http.StatusOK {
		return st, "", b
	}
	var r struct {
		Choices []struct {
			Message struct{ Content string } `json:"message"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(b, &r); err != nil || len(r.Choices) != 1 {
		t.Fatalf("chat reply %s: %v", b, err)
	}
	return st, r.Choices[0].Message.Content, b
}

// loadSession reads a transcript straight from PostgreSQL.
func loadSession(t *testing.T, pgURL, key string) []session.Entry {
	t.Helper()
	st, err := postgres.Open(t.Context(), pgURL, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	entries, err := st.Load(t.Context(), "main", key)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

func TestReplicasContinueOneConversationInOrder(t *testing.T) {
	pgBase, redisBase := sharedServices(t)
	pgURL := pgSchema(t, pgBase)
	up := echoUpstream(t)
	a, b := startReplicas(t, replicaConfig(up.BaseURL(), pgURL, redisDB(t, redisBase, redisDBConversation)))

	const turns = 8
	var sent []string
	for i := range turns {
		g, name := a, "A"
		if i%2 == 1 {
			g, name = b, "B"
		}
		msg := fmt.Sprintf("m%d", i+1)
		sent = append(sent, msg)
		st, reply, body := chat(t, g, "alice", msg)
		if st != 200 {
			t.Fatalf("turn %d through replica %s: %d %s", i+1, name, st, body)
		}
		if want := fmt.Sprintf("users=%s assistants=%d", strings.Join(sent, ","), i); reply != want {
			t.Fatalf("turn %d through replica %s: the provider saw %q, want %q (history lost or out of order)", i+1, name, reply, want)
		}
	}
	entries := loadSession(t, pgURL, "agent:main:openai-user:alice")
	if len(entries) != 2*turns {
		t.Fatalf("stored %d entries, want %d", len(entries), 2*turns)
	}
	for i, e := range entries {
		wantRole := session.RoleUser
		if i%2 == 1 {
			wantRole = session.RoleAssistant
		}
		if e.Seq != int64(i+1) || e.Role != wantRole || (wantRole == session.RoleUser && e.Content != sent[i/2]) {
			t.Errorf("entry %d = seq %d %s %q", i, e.Seq, e.Role, e.Content)
		}
	}
}

func TestReplicasShareTheAuthLockout(t *testing.T) {
	pgBase, redisBase := sharedServices(t)
	up := echoUpstream(t)
	a, b := startReplicas(t, replicaConfig(up.BaseURL(), pgSchema(t, pgBase), redisDB(t, redisBase, redisDBLockout)))

	for i := range 10 {
		g := a
		if i%2 == 1 {
			g = b
		}
		st, _, body := do(t, "GET", g.url("/v1/models"), "wrong-token-"+strconv.Itoa(i), "")
		if st != 401 {
			t.Fatalf("wrong token %d: %d %s", i+1, st, body)
		}
		if i == 9 && !strings.Contains(string(body), "locked out") {
			t.Errorf("the 10th failure does not announce the lockout: %s", body)
		}
	}
	for name, g := range map[string]*gw{"A": a, "B": b} {
		st, h, body := do(t, "GET", g.url("/v1/models"), testToken, "")
		if st != http.StatusTooManyRequests || code(decodeError(t, body)) != "auth_rate_limited" {
			t.Errorf("replica %s with the right token after 10 failures across both: %d %s; want 429 auth_rate_limited", name, st, body)
		}
		if ra, _ := strconv.Atoi(h.Get("Retry-After")); ra < 250 || ra > 300 {
			t.Errorf("replica %s: Retry-After %q, want about 300 s", name, h.Get("Retry-After"))
		}
	}
}

func TestReplicasConcurrentAppendsLoseNothing(t *testing.T) {
	pgBase, redisBase := sharedServices(t)
	pgURL := pgSchema(t, pgBase)
	up := echoUpstream(t)
	a, b := startReplicas(t, replicaConfig(up.BaseURL(), pgURL, redisDB(t, redisBase, redisDBConcurrent)))

	const n = 50
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for i := range n {
		g := a
		if i%2 == 1 {
			g = b
		}
		wg.Go(func() {
			body, _ := json.Marshal(map[string]any{
				"model": "openclaw", "user": "busy",
				"messages": []map[string]string{{"role": "user", "content": fmt.Sprintf("c%02d", i)}},
			})
			req, _ := http.NewRequest("POST", g.url("/v1/chat/completions"), strings.NewReader(string(body)))
			req.Header.Set("Authorization", "Bearer "+testToken)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs <- err.Error()
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				errs <- fmt.Sprintf("c%02d: HTTP %d", i, resp.StatusCode)
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}

	entries := loadSession(t, pgURL, "agent:main:openai-user:busy")
	if len(entries) != 2*n {
		t.Fatalf("stored %d entries, want %d", len(entries), 2*n)
	}
	seen := map[string]bool{}
	for i := 0; i < len(entries); i += 2 {
		q, r := entries[i], entries[i+1]
		if q.Seq != int64(i+1) || r.Seq != int64(i+2) || q.TurnID != r.TurnID ||
			q.Role != session.RoleUser || r.Role != session.RoleAssistant {
			t.Fatalf("turn at seq %d is not a contiguous user+assistant pair: %+v / %+v", i+1, q, r)
		}
		if seen[q.Content] {
			t.Fatalf("message %s stored twice", q.Content)
		}
		seen[q.Content] = true
	}
	if len(seen) != n {
		t.Fatalf("%d distinct messages stored, want %d", len(seen), n)
	}
}

// privatePostgres starts a PostgreSQL of this test's own (the shared one
// serves tests running in parallel, so this test must not stop it) and
// returns its URL and functions to stop and start it.
func privatePostgres(t *testing.T) (pgURL string, stop, start func()) {
	t.Helper()
	port := freePort(t)
	env := append(os.Environ(), "OPENCLAW_PG_PORT="+strconv.Itoa(port))
	run := func(sub string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "../scripts/services.sh", sub)
		cmd.Env = env
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("scripts/services.sh %s: %v\n%s", sub, err, stderr.String())
		}
		return string(out)
	}
	out := run("start-postgres")
	t.Cleanup(func() { run("drop-postgres") })
	for line := range strings.Lines(out) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "export OPENCLAW_TEST_POSTGRES_URL="); ok {
			pgURL = strings.Trim(v, "'")
		}
	}
	if pgURL == "" {
		t.Fatalf("services.sh start-postgres printed no URL:\n%s", out)
	}
	return pgURL, func() { run("stop-postgres") }, func() { run("start-postgres") }
}

// readyz returns /readyz's status and body.
func readyz(t *testing.T, g *gw) (int, string) {
	t.Helper()
	st, _, b := do(t, "GET", g.url("/readyz"), "", "")
	return st, string(b)
}

func TestReplicasSurvivePostgresRestart(t *testing.T) {
	_, redisBase := sharedServices(t)
	pgURL, stopPG, startPG := privatePostgres(t)
	up := echoUpstream(t)
	a, b := startReplicas(t, replicaConfig(up.BaseURL(), pgURL, redisDB(t, redisBase, redisDBKill)))
	if st, _, body := chat(t, a, "carol", "before"); st != 200 {
		t.Fatalf("turn before the outage: %d %s", st, body)
	}

	stopPG()
	for name, g := range map[string]*gw{"A": a, "B": b} {
		st, body := readyz(t, g)
		if st != http.StatusServiceUnavailable || !strings.Contains(body, "sessionStore") || !strings.Contains(body, "unreachable") {
			t.Errorf("replica %s /readyz with PostgreSQL down: %d %s; want 503 naming the session store", name, st, body)
		}
		start := time.Now()
		st, _, raw := chat(t, g, "carol", "during")
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("replica %s: the request took %v to fail", name, d)
		}
		e := decodeError(t, raw)
		if st != http.StatusServiceUnavailable || code(e) != "session_store_unavailable" ||
			!strings.Contains(e.Error.Message, "postgres") || !strings.Contains(e.Error.Message, "unreachable") {
			t.Errorf("replica %s chat with PostgreSQL down: %d %s; want 503 session_store_unavailable naming postgres", name, st, raw)
		}
		if strings.Contains(string(raw), "openclaw:openclaw@") {
			t.Errorf("replica %s: the error shows the database password: %s", name, raw)
		}
	}

	startPG()
	for name, g := range map[string]*gw{"A": a, "B": b} {
		deadline := time.Now().Add(20 * time.Second)
		for {
			st, body := readyz(t, g)
			if st == 200 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("replica %s not ready 20 s after PostgreSQL came back: %d %s", name, st, body)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	st, reply, body := chat(t, b, "carol", "after")
	if st != 200 {
		t.Fatalf("turn after PostgreSQL came back: %d %s", st, body)
	}
	if want := "users=before,after assistants=1"; reply != want {
		t.Fatalf("after the restart the provider saw %q, want %q", reply, want)
	}
}
