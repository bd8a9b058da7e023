package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/openclaw/openclaw-go/bench/mock"
	"github.com/openclaw/openclaw-go/internal/session"
	"github.com/openclaw/openclaw-go/internal/session/jsonl"
	"github.com/openclaw/openclaw-go/internal/session/sqlite"
)

// TestKillDuringConcurrentTurns: SIGKILL the gateway while 100 clients are
// in the middle of turns on an embedded store (the default JSON Lines files,
// and SQLite), twice, restarting it each time. The store opens cleanly
// (SQLite: integrity_check ok; JSON Lines: every line decodes), every turn a
// client saw complete is present and complete, and no half-written turn is.
func TestKillDuringConcurrentTurns(t *testing.T) {
	for _, driver := range []string{"jsonl", "sqlite"} {
		t.Run(driver, func(t *testing.T) { killDuringConcurrentTurns(t, driver) })
	}
}

func killDuringConcurrentTurns(t *testing.T, driver string) {
	const clients = 100
	// 8 chunks 15 ms apart: a turn takes about 120 ms, so at any moment
	// most of the 100 are in flight.
	up := httptest.NewServer(mock.New(mock.Options{ChunkDelay: 15 * time.Millisecond}))
	defer up.Close()
	dir := stateDir(t, tokenConfig(`
  storage: { sessions: { driver: "`+driver+`" } },
  agents: { defaults: { model: "mock/m1" } },
  models: { providers: { mock: { baseUrl: "`+up.URL+`/v1", api: "openai-completions", models: [{ id: "m1" }] } } },`))
	st := &soakStats{sessions: map[string][]soakTurn{}}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: 30 * time.Second}

	started, kills := 0, 0
	for round := 0; round < 2; round++ {
		g := startGateway(t, dir, baseEnv(dir))
		ctx, stop := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for c := 0; c < clients; c++ {
			wg.Add(1)
			go func(c int) {
				defer wg.Done()
				for n := 0; ctx.Err() == nil && n < 200; n++ {
					user := fmt.Sprintf("crash-%d", c) // one session per client across both rounds
					content := fmt.Sprintf("r%d c%d t%d", round, c, n)
					stream := (n+c)%2 == 0
					out := soakRequest(ctx, hc, g, st, chatBody(user, content, stream), stream)
					st.mu.Lock()
					st.sessions[user] = append(st.sessions[user], soakTurn{content: content, out: out})
					started++
					st.mu.Unlock()
				}
			}(c)
		}
		time.Sleep(1500 * time.Millisecond)
		if err := g.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		kills++
		<-g.exited
		stop()
		wg.Wait()
		hc.CloseIdleConnections()
	}

	// The store opens cleanly: the gateway starts on it and answers.
	g := startGateway(t, dir, baseEnv(dir))
	if st, _, b := do(t, "POST", g.url("/v1/chat/completions"), testToken, chatBody("crash-after", "still there?", false)); st != 200 {
		t.Fatalf("after the kills: %d %s", st, b)
	}
	g.stop(t)

	var store session.Store
	if driver == "sqlite" {
		path := filepath.Join(dir, "agents", "sessions.db")
		db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		var integrity string
		if err := db.QueryRow("PRAGMA integrity_check").Scan(&integrity); err != nil || integrity != "ok" {
			t.Fatalf("integrity_check: %q %v", integrity, err)
		}
		db.Close()
		if store, err = sqlite.Open(path); err != nil {
			t.Fatalf("open after the kills: %v", err)
		}
	} else {
		var err error
		if store, err = jsonl.Open(filepath.Join(dir, "agents")); err != nil {
			t.Fatalf("open after the kills: %v", err)
		}
	}
	defer store.Close()

	completed, recorded, lost, half := 0, 0, 0, 0
	for user, turns := range st.sessions {
		entries, err := store.Load(context.Background(), "main", "agent:main:openai-user:"+user)
		if err != nil {
			t.Fatal(err)
		}
		rec, problems := groupTurns(entries)
		half += len(problems)
		for _, p := range problems {
			t.Errorf("%s: half-written turn: %s", user, p)
		}
		byContent := map[string]recTurn{}
		for _, r := range rec {
			byContent[r.user] = r
			recorded++
			if !r.interrupted && r.reply != soakReply {
				half++
				t.Errorf("%s: %q recorded complete with a partial reply %q", user, r.user, r.reply)
			}
		}
		for _, ct := range turns {
			if ct.out != outComplete {
				continue
			}
			completed++
			if r, ok := byContent[ct.content]; !ok || r.interrupted {
				lost++
				t.Errorf("%s: turn %q completed for the client but is missing after the kill", user, ct.content)
			}
		}
	}
	t.Logf("%d kills during %d turns of %d clients: %d completed before the kills, %d recorded, %d lost, %d half-written",
		kills, started, clients, completed, recorded, lost, half)
	suiteReport(t, "crash_"+driver, "kills", kills, "clients", clients, "turns_started", started, "completed", completed,
		"recorded", recorded, "lost_turns", lost, "half_written", half)
	if completed == 0 {
		t.Fatal("no turn completed before the kill: the test tested nothing")
	}
}
