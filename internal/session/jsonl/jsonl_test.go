package jsonl_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openclaw/openclaw-go/internal/session"
	"github.com/openclaw/openclaw-go/internal/session/jsonl"
	"github.com/openclaw/openclaw-go/internal/session/sessiontest"
)

func openTemp(t testing.TB) *jsonl.Store {
	t.Helper()
	s, err := jsonl.Open(filepath.Join(t.TempDir(), "agents"))
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
			dir := s.(*jsonl.Store).Dir()
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			n, err := jsonl.Open(dir)
			if err != nil {
				t.Fatalf("reopen: %v", err)
			}
			return n
		}),
	)
}

func turn(id string, contents ...string) session.Turn {
	tr := session.Turn{ID: id}
	for _, c := range contents {
		tr.Entries = append(tr.Entries, session.Entry{Role: session.RoleUser, Content: c})
	}
	return tr
}

func mustAppend(t *testing.T, s *jsonl.Store, key string, tr session.Turn) {
	t.Helper()
	if err := s.Append(t.Context(), "main", key, tr); err != nil {
		t.Fatalf("Append: %v", err)
	}
}

func contents(t *testing.T, s *jsonl.Store, key string) string {
	t.Helper()
	got, err := s.Load(t.Context(), "main", key)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	var parts []string
	for i, e := range got {
		if e.Seq != int64(i+1) {
			t.Errorf("entry %d has seq %d", i, e.Seq)
		}
		parts = append(parts, e.Content)
	}
	return strings.Join(parts, ",")
}

// A crash can leave the last line incomplete. Readers skip it; the next
// append cuts it off and numbers its entries after the complete turns.
func TestIncompleteLastLineIsNotATurn(t *testing.T) {
	s := openTemp(t)
	mustAppend(t, s, "k", turn("t1", "a", "b"))
	path := filepath.Join(s.Dir(), "main", "sessions", "k.jsonl")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"agent":"main","key":"k","turn":"torn","at":1,"entries":[{"role":"user","cont`); err != nil {
		t.Fatal(err)
	}
	f.Close()

	if got := contents(t, s, "k"); got != "a,b" {
		t.Fatalf("with a torn last line, Load = %q, want a,b", got)
	}
	// A new Store (a restarted gateway) must not trust what it has not read.
	s2, err := jsonl.Open(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	mustAppend(t, s2, "k", turn("t2", "c"))
	if got := contents(t, s2, "k"); got != "a,b,c" {
		t.Fatalf("after the next append, Load = %q, want a,b,c", got)
	}
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), "torn") || strings.Count(string(data), "\n") != 2 {
		t.Fatalf("file still holds the torn line:\n%s", data)
	}
}

// Two Stores on one directory stand for two processes (a gateway and
// `openclaw agent`): flock serialises them and each numbers its entries
// after what the other wrote.
func TestTwoProcessesShareASession(t *testing.T) {
	a := openTemp(t)
	b, err := jsonl.Open(a.Dir())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 40 {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			if err := s.Append(t.Context(), "main", "shared", turn(fmt.Sprint(i), "q", "a")); err != nil {
				t.Errorf("Append: %v", err)
			}
		})
	}
	wg.Wait()
	got, err := a.Load(t.Context(), "main", "shared")
	if err != nil || len(got) != 80 {
		t.Fatalf("Load = %d entries, %v; want 80", len(got), err)
	}
	for i := 0; i < 80; i += 2 {
		if got[i].TurnID != got[i+1].TurnID || got[i].Seq != int64(i+1) {
			t.Fatalf("turns interleaved at %d: %+v %+v", i, got[i], got[i+1])
		}
	}
	// Seq written back by the last append of each store matches the file.
	tr := turn("last", "x")
	if err := b.Append(t.Context(), "main", "shared", tr); err != nil {
		t.Fatal(err)
	}
	if tr.Entries[0].Seq != 81 {
		t.Errorf("seq after the other store's appends = %d, want 81", tr.Entries[0].Seq)
	}
}

// Agent ids and keys become single, safe path elements whatever they hold.
func TestKeysAreSafeFileNames(t *testing.T) {
	s := openTemp(t)
	keys := []string{"agent:main:openai-user:alice", "../../etc/passwd", ".hidden", "a/b\\c", strings.Repeat("long", 100), "ünï"}
	for i, k := range keys {
		if err := s.Append(t.Context(), "main", k, turn(fmt.Sprint(i), k)); err != nil {
			t.Fatalf("Append(%q): %v", k, err)
		}
	}
	err := filepath.WalkDir(filepath.Dir(s.Dir()), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if rel, _ := filepath.Rel(s.Dir(), p); strings.HasPrefix(rel, "..") && p != filepath.Dir(s.Dir()) {
			t.Errorf("%s is outside the store", p)
		}
		if !d.IsDir() && (len(d.Name()) > 210 || strings.HasPrefix(d.Name(), ".")) {
			t.Errorf("file name %q", d.Name())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		got, err := s.Load(t.Context(), "main", k)
		if err != nil || len(got) != 1 || got[0].Content != k {
			t.Errorf("Load(%q) = %v, %v", k, got, err)
		}
	}
	infos, err := s.List(t.Context(), "main")
	if err != nil || len(infos) != len(keys) {
		t.Fatalf("List = %d sessions, %v; want %d", len(infos), err, len(keys))
	}
}

func TestFilesArePrivateAndOneLinePerTurn(t *testing.T) {
	s := openTemp(t)
	tr := turn("t1", "multi\nline")
	tr.Entries[0].Usage = json.RawMessage("{\n  \"total_tokens\": 3\n}")
	mustAppend(t, s, "k", tr)
	path := filepath.Join(s.Dir(), "main", "sessions", "k.jsonl")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	if strings.Count(string(data), "\n") != 1 {
		t.Errorf("a turn takes more than one line:\n%s", data)
	}
}

func TestDamagedLineIsReported(t *testing.T) {
	s := openTemp(t)
	mustAppend(t, s, "k", turn("t1", "a"))
	path := filepath.Join(s.Dir(), "main", "sessions", "k.jsonl")
	data, _ := os.ReadFile(path)
	os.WriteFile(path, append([]byte("not json\n"), data...), 0o600)
	_, err := s.Load(t.Context(), "main", "k")
	if err == nil || !strings.Contains(err.Error(), "line 1") || !strings.Contains(err.Error(), path) {
		t.Fatalf("Load of a damaged file = %v, want an error naming the file and line", err)
	}
}

// More sessions than the store keeps open, appended round-robin: every
// file is reopened as needed and numbering carries on. A file deleted while
// open is started afresh, not written into the void.
func TestManySessionsAndADeletedFile(t *testing.T) {
	s := openTemp(t)
	for round := range 2 {
		for k := range 100 {
			mustAppend(t, s, fmt.Sprint("k", k), turn(fmt.Sprint(round, "-", k), fmt.Sprint("r", round)))
		}
	}
	for k := range 100 {
		if got := contents(t, s, fmt.Sprint("k", k)); got != "r0,r1" {
			t.Fatalf("k%d = %q", k, got)
		}
	}
	path := filepath.Join(s.Dir(), "main", "sessions", "k99.jsonl")
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	tr := turn("after", "fresh")
	if err := s.Append(t.Context(), "main", "k99", tr); err != nil {
		t.Fatal(err)
	}
	if got := contents(t, s, "k99"); got != "fresh" || tr.Entries[0].Seq != 1 {
		t.Fatalf("after deleting the file: %q, seq %d", got, tr.Entries[0].Seq)
	}
	// The new file's lock was released: another process can append.
	other, err := jsonl.Open(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- other.Append(t.Context(), "main", "k99", turn("other", "second")) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("an append from another store blocked: the reopened file is still locked")
	}
	if got := contents(t, s, "k99"); got != "fresh,second" {
		t.Fatalf("k99 = %q", got)
	}
}
