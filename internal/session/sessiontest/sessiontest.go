// Package sessiontest is the conformance suite for session.Store
// implementations: the behaviour the gateway relies on (gateway.md §6,
// agent-runtime step 7), stated once and run against every backend. It is
// imported only by tests.
package sessiontest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openclaw/openclaw-go/internal/session"
)

// Option configures Run.
type Option func(*config)

type config struct {
	reopen func(t *testing.T, s session.Store) session.Store
}

// WithReopen enables the persistence tests. reopen must close s and return a
// new Store over the same data, as a restarted gateway would see it.
func WithReopen(reopen func(t *testing.T, s session.Store) session.Store) Option {
	return func(c *config) { c.reopen = reopen }
}

// Run runs the suite. Every call of open must return a new, empty store that
// is independent of the others (subtests run in parallel). Run closes the
// stores it opens; open may also register its own cleanup, since Close must
// be harmless to repeat.
func Run(t *testing.T, open func(t *testing.T) session.Store, opts ...Option) {
	var c config
	for _, o := range opts {
		o(&c)
	}
	openStore := func(t *testing.T) session.Store {
		t.Helper()
		s := open(t)
		t.Cleanup(func() { s.Close() })
		return s
	}

	tests := []struct {
		name string
		run  func(t *testing.T, s session.Store)
	}{
		{"a session that was never appended to loads empty", testLoadMissing},
		{"an appended turn loads back in order with every field", testRoundTrip},
		{"the store assigns seq 1..n and the turn id, ignoring input values", testStoreAssigns},
		{"timestamps keep at least microsecond precision", testTimePrecision},
		{"a turn without an id gets one shared by all its entries", testGeneratedTurnID},
		{"a turn with no entries appends nothing", testEmptyTurn},
		{"malformed input is refused with ErrInvalid and stores nothing", testInvalid},
		{"sessions and agents are isolated from each other", testIsolation},
		{"large and unusual content round-trips", testUnusualContent},
		{"list is newest first with entry counts", testList},
		{"concurrent appends to one session lose nothing and never interleave", testConcurrentAppends},
		{"an append whose context is already canceled leaves nothing", testCanceledBeforeAppend},
		{"appends canceled at any point are all or nothing", testCanceledDuringAppend},
		{"ping succeeds on an open store", testPing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, openStore(t))
		})
	}

	t.Run("a closed store fails cleanly and can be closed again", func(t *testing.T) {
		t.Parallel()
		testClosed(t, openStore(t))
	})

	t.Run("transcripts survive reopening the store", func(t *testing.T) {
		if c.reopen == nil {
			t.Skip("implementation offers no reopen hook")
		}
		t.Parallel()
		testReopen(t, openStore(t), func(s session.Store) session.Store {
			n := c.reopen(t, s)
			t.Cleanup(func() { n.Close() })
			return n
		})
	})
}

// ts is a fixed, microsecond-precision timestamp (the finest precision every
// backend must keep) in a non-UTC zone, so round-trips compare instants.
func ts(sec int) time.Time {
	zone := time.FixedZone("UTC+2", 2*3600)
	return time.Date(2026, 3, 14, 15, 9, 26, 535897000, zone).Add(time.Duration(sec) * time.Second)
}

func testLoadMissing(t *testing.T, s session.Store) {
	ctx := t.Context()
	got, err := s.Load(ctx, "main", "nobody")
	if err != nil {
		t.Fatalf("Load of missing session: %v", err)
	}
	if len(got) != 0 {
		t.Fatalf("Load of missing session = %d entries, want 0", len(got))
	}
	infos, err := s.List(ctx, "")
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(infos) != 0 {
		t.Fatalf("List on empty store = %v, want none", infos)
	}
}

func testRoundTrip(t *testing.T, s session.Store) {
	turn1 := session.Turn{ID: "turn-1", Entries: []session.Entry{
		{Role: session.RoleSystem, Content: "You are terse.", CreatedAt: ts(0)},
		{Role: session.RoleUser, Content: "weather in Oslo?", CreatedAt: ts(1)},
		{
			Role:        session.RoleAssistant,
			ToolCalls:   json.RawMessage(`[{"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Oslo\"}"}}]`),
			Model:       "openai/gpt-4.1",
			Usage:       json.RawMessage(`{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19}`),
			Interrupted: false,
			CreatedAt:   ts(2),
		},
	}}
	turn2 := session.Turn{ID: "turn-2", Entries: []session.Entry{
		{Role: session.RoleTool, ToolCallID: "call_1", Content: `{"temp":-3}`, CreatedAt: ts(3)},
		{Role: session.RoleAssistant, Content: "It is -3 and snow", Model: "anthropic/claude", Interrupted: true, CreatedAt: ts(4)},
	}}
	mustAppend(t, s, "main", "k", turn1)
	mustAppend(t, s, "main", "k", turn2)

	got := mustLoad(t, s, "main", "k")
	want := expect(1, turn1, turn2)
	compareEntries(t, got, want)
}

func testStoreAssigns(t *testing.T, s session.Store) {
	in := session.Turn{ID: "t1", Entries: []session.Entry{
		{Seq: 42, TurnID: "bogus", Role: session.RoleUser, Content: "a"},
		{Seq: 7, TurnID: "bogus", Role: session.RoleAssistant, Content: "b"},
	}}
	before := time.Now()
	mustAppend(t, s, "main", "k", in)
	mustAppend(t, s, "main", "k", session.Turn{ID: "t2", Entries: []session.Entry{{Seq: 1, Role: session.RoleUser, Content: "c"}}})
	after := time.Now()

	got := mustLoad(t, s, "main", "k")
	if len(got) != 3 {
		t.Fatalf("Load = %d entries, want 3", len(got))
	}
	for i, e := range got {
		if e.Seq != int64(i+1) {
			t.Errorf("entry %d: Seq = %d, want %d", i, e.Seq, i+1)
		}
		wantTurn := "t1"
		if i == 2 {
			wantTurn = "t2"
		}
		if e.TurnID != wantTurn {
			t.Errorf("entry %d: TurnID = %q, want %q", i, e.TurnID, wantTurn)
		}
		// A zero CreatedAt is filled with the time of the append. Allow for
		// a database clock that is not this process's clock.
		if e.CreatedAt.Before(before.Add(-time.Minute)) || e.CreatedAt.After(after.Add(time.Minute)) {
			t.Errorf("entry %d: CreatedAt = %v, want about %v", i, e.CreatedAt, before)
		}
	}
}

func testTimePrecision(t *testing.T, s session.Store) {
	want := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)
	mustAppend(t, s, "main", "k", session.Turn{ID: "t", Entries: []session.Entry{{Role: session.RoleUser, Content: "q", CreatedAt: want}}})
	got := mustLoad(t, s, "main", "k")
	if len(got) != 1 {
		t.Fatalf("Load = %d entries, want 1", len(got))
	}
	if d := got[0].CreatedAt.Sub(want).Abs(); d >= time.Microsecond {
		t.Errorf("CreatedAt = %v, want %v to the microsecond", got[0].CreatedAt, want)
	}
}

func testGeneratedTurnID(t *testing.T, s session.Store) {
	turn := session.Turn{Entries: []session.Entry{
		{Role: session.RoleUser, Content: "hi"},
		{Role: session.RoleAssistant, Content: "hello"},
	}}
	mustAppend(t, s, "main", "k", turn)
	mustAppend(t, s, "main", "k", turn)
	got := mustLoad(t, s, "main", "k")
	if len(got) != 4 {
		t.Fatalf("Load = %d entries, want 4", len(got))
	}
	if got[0].TurnID == "" || got[0].TurnID != got[1].TurnID {
		t.Errorf("first turn ids = %q, %q; want one non-empty id", got[0].TurnID, got[1].TurnID)
	}
	if got[2].TurnID == "" || got[2].TurnID != got[3].TurnID {
		t.Errorf("second turn ids = %q, %q; want one non-empty id", got[2].TurnID, got[3].TurnID)
	}
	if got[0].TurnID == got[2].TurnID {
		t.Errorf("two turns got the same generated id %q", got[0].TurnID)
	}
}

func testEmptyTurn(t *testing.T, s session.Store) {
	mustAppend(t, s, "main", "k", session.Turn{ID: "empty"})
	if got := mustLoad(t, s, "main", "k"); len(got) != 0 {
		t.Fatalf("Load after empty turn = %d entries, want 0", len(got))
	}
}

func testInvalid(t *testing.T, s session.Store) {
	ok := session.Entry{Role: session.RoleUser, Content: "fine"}
	tests := []struct {
		name     string
		agent    string
		key      string
		bad      session.Entry
		badFirst bool
	}{
		{name: "empty agent id", agent: "", key: "k", bad: ok},
		{name: "empty session key", agent: "main", key: "", bad: ok},
		{name: "unknown role", agent: "main", key: "k", bad: session.Entry{Role: "robot", Content: "x"}},
		{name: "empty role", agent: "main", key: "k", bad: session.Entry{Content: "x"}, badFirst: true},
		{name: "tool calls not JSON", agent: "main", key: "k", bad: session.Entry{Role: session.RoleAssistant, ToolCalls: json.RawMessage(`[{`)}},
		{name: "usage not JSON", agent: "main", key: "k", bad: session.Entry{Role: session.RoleAssistant, Usage: json.RawMessage(`tokens=3`)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			entries := []session.Entry{ok, tc.bad}
			if tc.badFirst {
				entries = []session.Entry{tc.bad, ok}
			}
			err := s.Append(t.Context(), tc.agent, tc.key, session.Turn{ID: "bad", Entries: entries})
			if !errors.Is(err, session.ErrInvalid) {
				t.Fatalf("Append error = %v, want one wrapping session.ErrInvalid", err)
			}
		})
	}
	if got := mustLoad(t, s, "main", "k"); len(got) != 0 {
		t.Errorf("refused appends stored %d entries", len(got))
	}
	infos, err := s.List(t.Context(), "")
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(infos) != 0 {
		t.Errorf("refused appends created sessions: %v", infos)
	}
}

func testIsolation(t *testing.T, s session.Store) {
	// The same key under two agents, two keys under one agent, and keys that
	// would collide if a store concatenated agent and key or used LIKE.
	targets := []struct{ agent, key string }{
		{"a", "shared"},
		{"b", "shared"},
		{"a", "other"},
		{"a:b", "c"},
		{"a", "b:c"},
		{"a", "sh%"},
		{"a", "sh_red"},
	}
	for round := range 2 {
		for i, tg := range targets {
			mustAppend(t, s, tg.agent, tg.key, session.Turn{ID: fmt.Sprintf("%d-%d", round, i), Entries: []session.Entry{
				{Role: session.RoleUser, Content: fmt.Sprintf("%s|%s|%d", tg.agent, tg.key, round), CreatedAt: ts(round)},
			}})
		}
	}
	for _, tg := range targets {
		got := mustLoad(t, s, tg.agent, tg.key)
		if len(got) != 2 {
			t.Errorf("%s/%s: %d entries, want 2", tg.agent, tg.key, len(got))
			continue
		}
		for round, e := range got {
			if want := fmt.Sprintf("%s|%s|%d", tg.agent, tg.key, round); e.Content != want || e.Seq != int64(round+1) {
				t.Errorf("%s/%s entry %d = seq %d %q, want seq %d %q", tg.agent, tg.key, round, e.Seq, e.Content, round+1, want)
			}
		}
	}
	if got := mustLoad(t, s, "c", "shared"); len(got) != 0 {
		t.Errorf("unknown agent sees %d entries of another agent's session", len(got))
	}
}

func testUnusualContent(t *testing.T, s session.Store) {
	big := strings.Repeat("0123456789abcdef", 1<<14) // 256 KiB
	contents := []string{
		"",
		"multi\nline\r\n\ttabbed",
		`quotes ' " \ and ; DROP TABLE entries; --`,
		"unicode: ünïcødé, 日本語, emoji 🦀, RTL עברית",
		big,
	}
	var turn session.Turn
	turn.ID = "unusual"
	for _, c := range contents {
		turn.Entries = append(turn.Entries, session.Entry{Role: session.RoleUser, Content: c, CreatedAt: ts(0)})
	}
	mustAppend(t, s, "main", "k", turn)
	compareEntries(t, mustLoad(t, s, "main", "k"), expect(1, turn))
}

func testList(t *testing.T, s session.Store) {
	ctx := t.Context()
	turn := func(n int) session.Turn {
		tr := session.Turn{ID: fmt.Sprintf("n%d", n)}
		for range n {
			tr.Entries = append(tr.Entries, session.Entry{Role: session.RoleUser, Content: "x"})
		}
		return tr
	}
	mustAppend(t, s, "a", "k1", turn(2))
	first, err := s.List(ctx, "a")
	if err != nil || len(first) != 1 {
		t.Fatalf("List(a) = %v, %v; want one session", first, err)
	}
	mustAppend(t, s, "a", "k2", turn(1))
	mustAppend(t, s, "b", "k1", turn(3))
	mustAppend(t, s, "a", "k1", turn(2)) // a/k1 becomes the newest again

	type row struct {
		agent, key string
		entries    int
	}
	rows := func(infos []session.Info) []row {
		out := []row{}
		for _, in := range infos {
			out = append(out, row{in.AgentID, in.Key, in.Entries})
		}
		return out
	}
	tests := []struct {
		agent string
		want  []row
	}{
		{"", []row{{"a", "k1", 4}, {"b", "k1", 3}, {"a", "k2", 1}}},
		{"a", []row{{"a", "k1", 4}, {"a", "k2", 1}}},
		{"b", []row{{"b", "k1", 3}}},
		{"nobody", []row{}},
	}
	var all []session.Info
	for _, tc := range tests {
		infos, err := s.List(ctx, tc.agent)
		if err != nil {
			t.Fatalf("List(%q): %v", tc.agent, err)
		}
		if got := rows(infos); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("List(%q) = %v, want %v", tc.agent, got, tc.want)
		}
		if tc.agent == "" {
			all = infos
		}
	}
	for i, in := range all {
		if in.CreatedAt.IsZero() || in.UpdatedAt.Before(in.CreatedAt) {
			t.Errorf("%s/%s: CreatedAt %v, UpdatedAt %v", in.AgentID, in.Key, in.CreatedAt, in.UpdatedAt)
		}
		if i > 0 && in.UpdatedAt.After(all[i-1].UpdatedAt) {
			t.Errorf("List not ordered by UpdatedAt: %v after %v", in.UpdatedAt, all[i-1].UpdatedAt)
		}
	}
	if len(all) == 3 {
		if !all[0].CreatedAt.Equal(first[0].CreatedAt) {
			t.Errorf("a/k1 CreatedAt changed on a later append: %v, was %v", all[0].CreatedAt, first[0].CreatedAt)
		}
		if !all[0].UpdatedAt.After(first[0].UpdatedAt) {
			t.Errorf("a/k1 UpdatedAt did not advance: %v, was %v", all[0].UpdatedAt, first[0].UpdatedAt)
		}
	}
}

func testConcurrentAppends(t *testing.T, s session.Store) {
	const turns = 50
	var wg sync.WaitGroup
	errs := make(chan error, turns)
	for i := range turns {
		wg.Go(func() {
			errs <- s.Append(t.Context(), "main", "busy", session.Turn{ID: fmt.Sprintf("t%02d", i), Entries: []session.Entry{
				{Role: session.RoleUser, Content: fmt.Sprintf("q%02d", i)},
				{Role: session.RoleAssistant, Content: fmt.Sprintf("a%02d", i)},
			}})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent Append: %v", err)
		}
	}
	got := mustLoad(t, s, "main", "busy")
	if len(got) != 2*turns {
		t.Fatalf("Load = %d entries, want %d", len(got), 2*turns)
	}
	seen := map[string]bool{}
	for i := 0; i < len(got); i += 2 {
		q, a := got[i], got[i+1]
		if q.Seq != int64(i+1) || a.Seq != int64(i+2) {
			t.Errorf("entries %d,%d have seq %d,%d", i, i+1, q.Seq, a.Seq)
		}
		if q.TurnID != a.TurnID || seen[q.TurnID] {
			t.Fatalf("turns interleaved at seq %d: %q then %q", q.Seq, q.TurnID, a.TurnID)
		}
		seen[q.TurnID] = true
		n := strings.TrimPrefix(q.TurnID, "t")
		if q.Content != "q"+n || a.Content != "a"+n || q.Role != session.RoleUser || a.Role != session.RoleAssistant {
			t.Errorf("turn %s out of order: %s %q, %s %q", q.TurnID, q.Role, q.Content, a.Role, a.Content)
		}
	}
	if len(seen) != turns {
		t.Errorf("%d distinct turns, want %d", len(seen), turns)
	}
	infos, err := s.List(t.Context(), "main")
	if err != nil || len(infos) != 1 || infos[0].Entries != 2*turns {
		t.Errorf("List(main) = %v, %v; want one session with %d entries", infos, err, 2*turns)
	}
}

func testCanceledBeforeAppend(t *testing.T, s session.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := s.Append(ctx, "main", "k", session.Turn{ID: "t", Entries: []session.Entry{
		{Role: session.RoleUser, Content: "q"},
		{Role: session.RoleAssistant, Content: "a"},
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Append with canceled context = %v, want context.Canceled", err)
	}
	if got := mustLoad(t, s, "main", "k"); len(got) != 0 {
		t.Fatalf("canceled Append stored %d entries", len(got))
	}
}

// testCanceledDuringAppend sweeps deadlines across the length of an append
// so some expire mid-transaction. Whatever the timing, a turn is stored
// whole or not at all, and every append that reported success is there. (An
// append that failed may still have committed if the deadline raced the
// commit; that is allowed, a partial turn is not.)
func testCanceledDuringAppend(t *testing.T, s session.Store) {
	const entriesPerTurn = 8
	ok := map[string]bool{}
	for i := range 200 {
		id := fmt.Sprintf("t%03d", i)
		turn := session.Turn{ID: id}
		for j := range entriesPerTurn {
			turn.Entries = append(turn.Entries, session.Entry{Role: session.RoleUser, Content: fmt.Sprintf("%s-%d", id, j)})
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Duration(i%50)*20*time.Microsecond)
		if err := s.Append(ctx, "main", "k", turn); err == nil {
			ok[id] = true
		}
		cancel()
	}
	got := mustLoad(t, s, "main", "k")
	if len(got)%entriesPerTurn != 0 {
		t.Fatalf("Load = %d entries, not a whole number of %d-entry turns", len(got), entriesPerTurn)
	}
	present := map[string]bool{}
	for i := 0; i < len(got); i += entriesPerTurn {
		id := got[i].TurnID
		if present[id] {
			t.Fatalf("turn %s stored twice", id)
		}
		present[id] = true
		for j, e := range got[i : i+entriesPerTurn] {
			if e.TurnID != id || e.Content != fmt.Sprintf("%s-%d", id, j) || e.Seq != int64(i+j+1) {
				t.Fatalf("seq %d: turn %s entry %d = %+v: partial or interleaved turn", i+j+1, id, j, e)
			}
		}
	}
	for id := range ok {
		if !present[id] {
			t.Errorf("turn %s: Append reported success but it is missing", id)
		}
	}
	t.Logf("%d of 200 appends succeeded, %d turns stored", len(ok), len(present))
}

func testPing(t *testing.T, s session.Store) {
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

func testClosed(t *testing.T, s session.Store) {
	ctx := t.Context()
	mustAppend(t, s, "main", "k", session.Turn{ID: "t", Entries: []session.Entry{{Role: session.RoleUser, Content: "q"}}})
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Ping(ctx); err == nil {
		t.Error("Ping after Close succeeded")
	}
	if _, err := s.Load(ctx, "main", "k"); err == nil {
		t.Error("Load after Close succeeded")
	}
	if _, err := s.List(ctx, ""); err == nil {
		t.Error("List after Close succeeded")
	}
	if err := s.Append(ctx, "main", "k", session.Turn{ID: "t2", Entries: []session.Entry{{Role: session.RoleUser, Content: "q"}}}); err == nil {
		t.Error("Append after Close succeeded")
	}
	s.Close() // must not panic
}

func testReopen(t *testing.T, s session.Store, reopen func(session.Store) session.Store) {
	ctx := t.Context()
	t1 := session.Turn{ID: "t1", Entries: []session.Entry{
		{Role: session.RoleUser, Content: "q1", CreatedAt: ts(0)},
		{Role: session.RoleAssistant, Content: "a1", Model: "m", Usage: json.RawMessage(`{"total_tokens":3}`), CreatedAt: ts(1)},
	}}
	t2 := session.Turn{ID: "t2", Entries: []session.Entry{{Role: session.RoleUser, Content: "other", CreatedAt: ts(2)}}}
	mustAppend(t, s, "a", "k", t1)
	mustAppend(t, s, "b", "k", t2)
	before, err := s.List(ctx, "")
	if err != nil {
		t.Fatalf("List: %v", err)
	}

	s = reopen(s)
	compareEntries(t, mustLoad(t, s, "a", "k"), expect(1, t1))
	compareEntries(t, mustLoad(t, s, "b", "k"), expect(1, t2))
	after, err := s.List(ctx, "")
	if err != nil {
		t.Fatalf("List after reopen: %v", err)
	}
	if len(after) != len(before) {
		t.Fatalf("List after reopen = %v, want %v", after, before)
	}
	for i := range before {
		b, a := before[i], after[i]
		if a.AgentID != b.AgentID || a.Key != b.Key || a.Entries != b.Entries || !a.CreatedAt.Equal(b.CreatedAt) || !a.UpdatedAt.Equal(b.UpdatedAt) {
			t.Errorf("List[%d] after reopen = %+v, want %+v", i, a, b)
		}
	}

	// Appending continues the sequence.
	t3 := session.Turn{ID: "t3", Entries: []session.Entry{{Role: session.RoleUser, Content: "q3", CreatedAt: ts(3)}}}
	mustAppend(t, s, "a", "k", t3)
	compareEntries(t, mustLoad(t, s, "a", "k"), expect(1, t1, t3))
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping after reopen: %v", err)
	}
}

func mustAppend(t *testing.T, s session.Store, agent, key string, turn session.Turn) {
	t.Helper()
	if err := s.Append(t.Context(), agent, key, turn); err != nil {
		t.Fatalf("Append(%q, %q, %s): %v", agent, key, turn.ID, err)
	}
}

func mustLoad(t *testing.T, s session.Store, agent, key string) []session.Entry {
	t.Helper()
	got, err := s.Load(t.Context(), agent, key)
	if err != nil {
		t.Fatalf("Load(%q, %q): %v", agent, key, err)
	}
	return got
}

// expect is what Load should return for turns appended in order to an empty
// session, starting at seq.
func expect(seq int64, turns ...session.Turn) []session.Entry {
	var out []session.Entry
	for _, tr := range turns {
		for _, e := range tr.Entries {
			e.Seq = seq
			e.TurnID = tr.ID
			seq++
			out = append(out, e)
		}
	}
	return out
}

func compareEntries(t *testing.T, got, want []session.Entry) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("Load = %d entries, want %d", len(got), len(want))
	}
	for i := range want {
		if d := diffEntry(got[i], want[i]); d != "" {
			t.Errorf("entry %d: %s", i, d)
		}
	}
}

// diffEntry compares entries the way a caller sees them: JSON by value (a
// backend may reformat it), times as instants.
func diffEntry(got, want session.Entry) string {
	var d []string
	check := func(field string, eq bool, g, w any) {
		if !eq {
			d = append(d, fmt.Sprintf("%s = %v, want %v", field, g, w))
		}
	}
	clip := func(s string) string {
		if len(s) > 60 {
			return fmt.Sprintf("%q…(%d bytes)", s[:60], len(s))
		}
		return fmt.Sprintf("%q", s)
	}
	check("Seq", got.Seq == want.Seq, got.Seq, want.Seq)
	check("TurnID", got.TurnID == want.TurnID, got.TurnID, want.TurnID)
	check("Role", got.Role == want.Role, got.Role, want.Role)
	check("Content", got.Content == want.Content, clip(got.Content), clip(want.Content))
	check("ToolCalls", jsonEqual(got.ToolCalls, want.ToolCalls), string(got.ToolCalls), string(want.ToolCalls))
	check("ToolCallID", got.ToolCallID == want.ToolCallID, got.ToolCallID, want.ToolCallID)
	check("Model", got.Model == want.Model, got.Model, want.Model)
	check("Usage", jsonEqual(got.Usage, want.Usage), string(got.Usage), string(want.Usage))
	check("Interrupted", got.Interrupted == want.Interrupted, got.Interrupted, want.Interrupted)
	check("CreatedAt", got.CreatedAt.Equal(want.CreatedAt), got.CreatedAt, want.CreatedAt)
	return strings.Join(d, "; ")
}

func jsonEqual(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
