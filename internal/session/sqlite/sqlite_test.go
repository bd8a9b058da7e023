package sqlite_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/openclaw/openclaw-go/internal/session"
	"github.com/openclaw/openclaw-go/internal/session/sessiontest"
	"github.com/openclaw/openclaw-go/internal/session/sqlite"
)

func openTemp(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(filepath.Join(t.TempDir(), "agents", "sessions.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	sessiontest.Run(t,
		func(t *testing.T) session.Store { return openTemp(t) },
		sessiontest.WithReopen(func(t *testing.T, s session.Store) session.Store {
			path := s.(*sqlite.Store).Path()
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			n, err := sqlite.Open(path)
			if err != nil {
				t.Fatalf("reopen: %v", err)
			}
			return n
		}),
	)
}

func TestConformanceSynchronousFull(t *testing.T) {
	sessiontest.Run(t, func(t *testing.T) session.Store {
		s, err := sqlite.OpenWithOptions(filepath.Join(t.TempDir(), "sessions.db"), sqlite.Options{Synchronous: "full"})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return s
	})
}

func TestOpenCreatesPrivateFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "agents")
	s, err := sqlite.Open(filepath.Join(dir, "sessions.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	mustAppend(t, s, "main", "k", 1)

	for _, tc := range []struct {
		path string
		want os.FileMode
	}{
		{dir, 0o700 | os.ModeDir},
		{filepath.Dir(dir), 0o700 | os.ModeDir},
		{filepath.Join(dir, "sessions.db"), 0o600},
		{filepath.Join(dir, "sessions.db-wal"), 0o600},
	} {
		fi, err := os.Stat(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode() & (os.ModePerm | os.ModeDir); got&^tc.want != 0 {
			t.Errorf("%s: mode %v, want at most %v", tc.path, got, tc.want)
		}
	}
}

func TestOpenConfiguresDatabase(t *testing.T) {
	s := openTemp(t)
	mustAppend(t, s, "main", "k", 2)
	db := rawDB(t, s.Path())
	for _, tc := range []struct{ query, want string }{
		{"PRAGMA journal_mode", "wal"},
		{"SELECT version FROM schema_version", "1"},
		{"SELECT count(*) FROM schema_version", "1"},
		{"PRAGMA integrity_check", "ok"},
		{"PRAGMA foreign_key_check", ""},
	} {
		var got string
		err := db.QueryRow(tc.query).Scan(&got)
		if err == sql.ErrNoRows {
			err = nil
		}
		if err != nil || got != tc.want {
			t.Errorf("%s = %q, %v; want %q", tc.query, got, err, tc.want)
		}
	}
}

func TestOpenOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    sqlite.Options
		wantErr string
	}{
		{"synchronous NORMAL is accepted", sqlite.Options{Synchronous: "NORMAL"}, ""},
		{"synchronous full is accepted in any case", sqlite.Options{Synchronous: "full"}, ""},
		{"synchronous OFF is refused: a power loss could corrupt the file", sqlite.Options{Synchronous: "OFF"}, "synchronous"},
		{"an unknown synchronous value is refused", sqlite.Options{Synchronous: "sometimes"}, "synchronous"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := sqlite.OpenWithOptions(filepath.Join(t.TempDir(), "s.db"), tc.opts)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				s.Close()
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Open error = %v, want one mentioning %q", err, tc.wantErr)
			}
		})
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	s := openTemp(t)
	path := s.Path()
	s.Close()
	db := rawDB(t, path)
	if _, err := db.Exec("UPDATE schema_version SET version = 99"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err := sqlite.Open(path)
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open of a newer schema = %v, want an error saying it is newer", err)
	}
}

func TestOpenAwkwardPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dir with spaces?and#marks%20", "sessions.db")
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	mustAppend(t, s, "main", "k", 1)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at the path given: %v", err)
	}
}

// Two Stores on one file stand in for the gateway and a CLI process: their
// writes must serialise through SQLite's lock, not just this package's pool.
func TestTwoStoresOnOneFile(t *testing.T) {
	a := openTemp(t)
	b, err := sqlite.Open(a.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	const perStore = 40
	var wg sync.WaitGroup
	for _, s := range []*sqlite.Store{a, b} {
		for i := range perStore {
			wg.Go(func() {
				err := s.Append(t.Context(), "main", "k", session.Turn{ID: fmt.Sprintf("%p-%d", s, i), Entries: []session.Entry{
					{Role: session.RoleUser, Content: "q"}, {Role: session.RoleAssistant, Content: "a"},
				}})
				if err != nil {
					t.Errorf("Append: %v", err)
				}
			})
		}
	}
	wg.Wait()
	got, err := b.Load(t.Context(), "main", "k")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4*perStore {
		t.Fatalf("Load = %d entries, want %d", len(got), 4*perStore)
	}
	for i := 0; i < len(got); i += 2 {
		if got[i].TurnID != got[i+1].TurnID || got[i].Seq != int64(i+1) || got[i+1].Seq != int64(i+2) {
			t.Fatalf("turns interleaved at seq %d", got[i].Seq)
		}
	}
}

func mustAppend(t testing.TB, s session.Store, agent, key string, n int) {
	t.Helper()
	turn := session.Turn{}
	for i := range n {
		role := session.RoleUser
		if i%2 == 1 {
			role = session.RoleAssistant
		}
		turn.Entries = append(turn.Entries, session.Entry{Role: role, Content: fmt.Sprintf("entry %d", i)})
	}
	if err := s.Append(t.Context(), agent, key, turn); err != nil {
		t.Fatalf("Append: %v", err)
	}
}

// rawDB opens the file directly, bypassing the Store, to inspect it.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
