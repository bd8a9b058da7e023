package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/openclaw/openclaw-go/internal/session"
	"github.com/openclaw/openclaw-go/internal/session/jsonl"
	"github.com/openclaw/openclaw-go/internal/session/postgres"
	"github.com/openclaw/openclaw-go/internal/session/sqlite"
)

// migrateTarget returns an empty PostgreSQL schema for one test, or skips.
func migrateTarget(t *testing.T) string {
	t.Helper()
	base := os.Getenv("OPENCLAW_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("OPENCLAW_TEST_POSTGRES_URL is not set; run `eval \"$(scripts/services.sh env)\"` (or `make test`) to start a test PostgreSQL")
	}
	var b [6]byte
	rand.Read(b[:]) //nolint:errcheck // never fails
	schema := "mig_" + hex.EncodeToString(b[:])
	conn, err := pgx.Connect(t.Context(), base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, base); err == nil {
			c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE") //nolint:errcheck // best effort
			c.Close(ctx)
		}
	})
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func turn(id string, at time.Time, contents ...string) session.Turn {
	tr := session.Turn{ID: id}
	for i, c := range contents {
		role := session.RoleUser
		if i%2 == 1 {
			role = session.RoleAssistant
		}
		tr.Entries = append(tr.Entries, session.Entry{Role: role, Content: c, CreatedAt: at})
	}
	return tr
}

// sourceWith writes a SQLite store with three sessions of 1, 3 and 5 turns.
func sourceWith(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "agents", "sessions.db")
	src, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	for i, s := range []struct{ agent, key string }{{"main", "a"}, {"main", "b"}, {"ops", "a"}} {
		for j := range 2*i + 1 {
			id := fmt.Sprintf("%s-%s-%d", s.agent, s.key, j)
			if err := src.Append(t.Context(), s.agent, s.key, turn(id, at.Add(time.Duration(j)*time.Minute), "q "+id, "a "+id)); err != nil {
				t.Fatal(err)
			}
		}
	}
	return path
}

func loadAll(t *testing.T, st session.Store) map[string][]session.Entry {
	t.Helper()
	infos, err := st.List(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]session.Entry{}
	for _, in := range infos {
		e, err := st.Load(t.Context(), in.AgentID, in.Key)
		if err != nil {
			t.Fatal(err)
		}
		out[in.AgentID+"/"+in.Key] = e
	}
	return out
}

// sameSessions checks that the target holds every session of the source
// with the same entries: seq, turn, role, content and time.
func sameSessions(t *testing.T, want, got map[string][]session.Entry) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("target has %d sessions, want %d", len(got), len(want))
	}
	for k, w := range want {
		g := got[k]
		if len(g) != len(w) {
			t.Fatalf("%s: %d entries, want %d", k, len(g), len(w))
		}
		for i := range w {
			if g[i].Seq != w[i].Seq || g[i].TurnID != w[i].TurnID || g[i].Role != w[i].Role ||
				g[i].Content != w[i].Content || !g[i].CreatedAt.Equal(w[i].CreatedAt) {
				t.Errorf("%s entry %d = %+v, want %+v", k, i, g[i], w[i])
			}
		}
	}
}

func TestMigrateCopiesVerifiesAndIsIdempotent(t *testing.T) {
	srcPath, dstURL := sourceWith(t), migrateTarget(t)
	var out, errOut bytes.Buffer
	if err := migrateSessions(t.Context(), storeSpec{"sqlite", srcPath}, storeSpec{"postgres", dstURL}, &out, &errOut); err != nil {
		t.Fatalf("migrate: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "3 copied") || !strings.Contains(out.String(), "verified 18 entries") {
		t.Errorf("summary: %s", out.String())
	}
	if !strings.Contains(errOut.String(), "100%") {
		t.Errorf("no progress on stderr: %q", errOut.String())
	}

	src, _ := sqlite.Open(srcPath)
	defer src.Close()
	dst, err := postgres.Open(t.Context(), dstURL, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	sameSessions(t, loadAll(t, src), loadAll(t, dst))
	srcList, _ := src.List(t.Context(), "")
	dstList, _ := dst.List(t.Context(), "")
	for i := range srcList {
		if srcList[i].Key != dstList[i].Key || srcList[i].AgentID != dstList[i].AgentID {
			t.Errorf("list order differs at %d: %s/%s vs %s/%s", i, srcList[i].AgentID, srcList[i].Key, dstList[i].AgentID, dstList[i].Key)
		}
	}

	out.Reset()
	if err := migrateSessions(t.Context(), storeSpec{"sqlite", srcPath}, storeSpec{"postgres", dstURL}, &out, &bytes.Buffer{}); err != nil {
		t.Fatalf("second run: %v", err)
	}
	if !strings.Contains(out.String(), "0 copied, 0 completed, 3 already there") {
		t.Errorf("second run was not a no-op: %s", out.String())
	}
	if again := loadAll(t, dst); len(again["ops/a"]) != 10 {
		t.Errorf("second run duplicated entries: %d in ops/a", len(again["ops/a"]))
	}
}

func TestMigrateResumesACutShortSession(t *testing.T) {
	srcPath, dstURL := sourceWith(t), migrateTarget(t)
	// An earlier run stopped after two of the five turns of ops/a.
	src, _ := sqlite.Open(srcPath)
	entries, _ := src.Load(t.Context(), "ops", "a")
	src.Close()
	dst, err := postgres.Open(t.Context(), dstURL, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	for _, tr := range turnsOf(entries[:4]) {
		if err := dst.Append(t.Context(), "ops", "a", tr); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if err := migrateSessions(t.Context(), storeSpec{"sqlite", srcPath}, storeSpec{"postgres", dstURL}, &out, &bytes.Buffer{}); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if !strings.Contains(out.String(), "2 copied, 1 completed") {
		t.Errorf("summary: %s", out.String())
	}
	got, _ := dst.Load(t.Context(), "ops", "a")
	if len(got) != 10 || got[4].TurnID != entries[4].TurnID || got[9].Seq != 10 {
		t.Fatalf("resumed session = %d entries", len(got))
	}
}

func TestMigrateLeavesConflictsAloneAndSaysSo(t *testing.T) {
	srcPath, dstURL := sourceWith(t), migrateTarget(t)
	dst, err := postgres.Open(t.Context(), dstURL, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if err := dst.Append(t.Context(), "main", "b", turn("other", time.Now(), "another conversation")); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = migrateSessions(t.Context(), storeSpec{"sqlite", srcPath}, storeSpec{"postgres", dstURL}, &out, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "main/b") || !strings.Contains(err.Error(), "left alone") {
		t.Fatalf("migrate with a conflicting target = %v, want an error naming main/b", err)
	}
	if got, _ := dst.Load(t.Context(), "main", "b"); len(got) != 1 || got[0].TurnID != "other" {
		t.Errorf("the conflicting target session was modified: %+v", got)
	}
	if got, _ := dst.Load(t.Context(), "ops", "a"); len(got) != 10 {
		t.Errorf("the other sessions were not migrated: ops/a has %d entries", len(got))
	}
}

func TestMigrateMissingSourceIsAClearError(t *testing.T) {
	err := migrateSessions(t.Context(), storeSpec{"sqlite", filepath.Join(t.TempDir(), "nope.db")}, storeSpec{"postgres", "postgres://u:pw@127.0.0.1:1/db"}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "--from-path") {
		t.Fatalf("migrate from a missing file = %v", err)
	}
}

// A state dir written by an earlier version (SQLite) moves to the JSON
// Lines store with everything kept: entries, turn ids, times and order.
func TestMigrateSQLiteToJSONL(t *testing.T) {
	srcPath := sourceWith(t)
	dstDir := filepath.Join(t.TempDir(), "agents")
	var out, errOut bytes.Buffer
	if err := migrateSessions(t.Context(), storeSpec{"sqlite", srcPath}, storeSpec{"jsonl", dstDir}, &out, &errOut); err != nil {
		t.Fatalf("migrate: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "3 copied") || !strings.Contains(out.String(), "verified 18 entries") {
		t.Errorf("summary: %s", out.String())
	}
	src, _ := sqlite.Open(srcPath)
	defer src.Close()
	dst, err := jsonl.Open(dstDir)
	if err != nil {
		t.Fatal(err)
	}
	sameSessions(t, loadAll(t, src), loadAll(t, dst))
	srcList, _ := src.List(t.Context(), "")
	dstList, _ := dst.List(t.Context(), "")
	for i := range srcList {
		if srcList[i].Key != dstList[i].Key || srcList[i].AgentID != dstList[i].AgentID || srcList[i].Entries != dstList[i].Entries {
			t.Errorf("list differs at %d: %+v vs %+v", i, srcList[i], dstList[i])
		}
	}
	// Running it again copies nothing.
	out.Reset()
	if err := migrateSessions(t.Context(), storeSpec{"sqlite", srcPath}, storeSpec{"jsonl", dstDir}, &out, &bytes.Buffer{}); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	if !strings.Contains(out.String(), "0 copied") || !strings.Contains(out.String(), "3 already there") {
		t.Errorf("second run: %s", out.String())
	}
}
