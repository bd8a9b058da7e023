package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/openclaw/openclaw-go/internal/session"
	"github.com/openclaw/openclaw-go/internal/session/postgres"
	"github.com/openclaw/openclaw-go/internal/session/postgres/pgtest"
	"github.com/openclaw/openclaw-go/internal/session/sessiontest"
)

// testURL returns the test database, or skips: `make test` starts one
// (scripts/services.sh) and exports OPENCLAW_TEST_POSTGRES_URL.
func testURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("OPENCLAW_TEST_POSTGRES_URL")
	if u == "" {
		t.Skip("OPENCLAW_TEST_POSTGRES_URL is not set; run `eval \"$(scripts/services.sh env)\"` (or `make test`) to start a test PostgreSQL")
	}
	return u
}

// freshSchema gives every store the suite opens its own schema in the one
// test database.
func freshSchema(t *testing.T, base string) string { return pgtest.FreshSchema(t, base, "t") }

func open(t *testing.T, u string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), u, postgres.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	base := testURL(t)
	urls := map[session.Store]string{}
	var mu sync.Mutex
	sessiontest.Run(t,
		func(t *testing.T) session.Store {
			u := freshSchema(t, base)
			s := open(t, u)
			mu.Lock()
			urls[s] = u
			mu.Unlock()
			return s
		},
		sessiontest.WithReopen(func(t *testing.T, s session.Store) session.Store {
			mu.Lock()
			u := urls[s]
			mu.Unlock()
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			return open(t, u)
		}),
	)
}

// Two stores over one database stand for two gateway replicas: appends to
// one session from both, at once, must neither interleave nor get lost.
func TestTwoStoresShareSessions(t *testing.T) {
	u := freshSchema(t, testURL(t))
	a, b := open(t, u), open(t, u)
	defer a.Close()
	defer b.Close()
	const turns = 100
	var wg sync.WaitGroup
	errs := make(chan error, turns)
	for i := range turns {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			errs <- s.Append(t.Context(), "main", "shared", session.Turn{ID: fmt.Sprintf("t%03d", i), Entries: []session.Entry{
				{Role: session.RoleUser, Content: fmt.Sprintf("q%03d", i)},
				{Role: session.RoleAssistant, Content: fmt.Sprintf("a%03d", i)},
			}})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Append: %v", err)
		}
	}
	got, err := b.Load(t.Context(), "main", "shared")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2*turns {
		t.Fatalf("Load = %d entries, want %d", len(got), 2*turns)
	}
	for i := 0; i < len(got); i += 2 {
		if got[i].TurnID != got[i+1].TurnID || got[i].Seq != int64(i+1) || got[i+1].Seq != int64(i+2) {
			t.Fatalf("turn at seq %d is not contiguous: %+v %+v", i+1, got[i], got[i+1])
		}
	}
}

// Replicas that start together race to migrate; the advisory lock makes
// exactly one do it and the others find the schema ready.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	u := freshSchema(t, testURL(t))
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			s, err := postgres.Open(t.Context(), u, postgres.Options{})
			if err == nil {
				s.Close()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent Open: %v", err)
		}
	}
	conn, err := pgx.Connect(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var rows, version int
	if err := conn.QueryRow(t.Context(), `SELECT count(*), max(version) FROM openclaw_schema_version`).Scan(&rows, &version); err != nil {
		t.Fatal(err)
	}
	if rows != 1 || version != 1 {
		t.Fatalf("schema_version has %d rows, max %d; want one row, version 1", rows, version)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	u := freshSchema(t, testURL(t))
	open(t, u).Close()
	conn, err := pgx.Connect(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), `INSERT INTO openclaw_schema_version (version) VALUES (99)`); err != nil {
		t.Fatal(err)
	}
	_, err = postgres.Open(t.Context(), u, postgres.Options{})
	if err == nil || !strings.Contains(err.Error(), "schema version 99") || !strings.Contains(err.Error(), "upgrade openclaw") {
		t.Fatalf("Open on a newer schema = %v, want a refusal naming the version", err)
	}
}

func TestTextPostgresCannotStoreIsInvalid(t *testing.T) {
	s := open(t, freshSchema(t, testURL(t)))
	defer s.Close()
	for name, content := range map[string]string{"NUL byte": "a\x00b", "invalid UTF-8": "a\xffb"} {
		err := s.Append(t.Context(), "main", "k", session.Turn{Entries: []session.Entry{{Role: session.RoleUser, Content: content}}})
		if !errors.Is(err, session.ErrInvalid) {
			t.Errorf("%s: Append = %v, want ErrInvalid", name, err)
		}
	}
}

// These need no database: an unreachable one must fail fast, name the store
// and its address, and never print the password.
func TestUnreachableFailsFastNamingTheStore(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	start := time.Now()
	_, err = postgres.Open(t.Context(), "postgres://u:s3cret-pw@"+addr+"/db?sslmode=disable", postgres.Options{})
	if err == nil {
		t.Fatal("Open on a closed port succeeded")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Open took %v to fail", d)
	}
	msg := err.Error()
	if !strings.Contains(msg, "session store postgres at "+addr+" unreachable") {
		t.Errorf("error %q does not name the store and address", msg)
	}
	if strings.Contains(msg, "s3cret-pw") {
		t.Errorf("error %q leaks the password", msg)
	}
}

func TestBlackholeTimesOut(t *testing.T) {
	t.Parallel()
	// A listener that accepts and never answers: the connect timeout, not
	// the caller's patience, ends the wait.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	start := time.Now()
	_, err = postgres.Open(t.Context(), "postgres://u:pw@"+ln.Addr().String()+"/db?sslmode=disable", postgres.Options{ConnectTimeout: 300 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("Open = %v, want unreachable", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Open took %v against a silent server", d)
	}
}

func TestMalformedURLDoesNotEchoIt(t *testing.T) {
	t.Parallel()
	_, err := postgres.Open(t.Context(), "postgres://u:s3cret-pw@host:notaport/db", postgres.Options{})
	if err == nil || strings.Contains(err.Error(), "s3cret-pw") || !strings.Contains(err.Error(), "storage.sessions.url") {
		t.Fatalf("Open = %v", err)
	}
}

// Append writes the seq numbers it assigned back into the turn, so that a
// caller keeping a copy of the transcript can tell it is still contiguous.
func TestAppendReportsAssignedSeq(t *testing.T) {
	s := open(t, freshSchema(t, testURL(t)))
	defer s.Close()
	first := session.Turn{Entries: []session.Entry{{Role: session.RoleUser, Content: "q"}, {Role: session.RoleAssistant, Content: "a"}}}
	second := session.Turn{Entries: []session.Entry{{Seq: 99, Role: session.RoleUser, Content: "q2"}}}
	for _, tr := range []session.Turn{first, second} {
		if err := s.Append(t.Context(), "main", "k", tr); err != nil {
			t.Fatal(err)
		}
	}
	if first.Entries[0].Seq != 1 || first.Entries[1].Seq != 2 || second.Entries[0].Seq != 3 {
		t.Fatalf("assigned seqs = %d,%d then %d; want 1,2 then 3", first.Entries[0].Seq, first.Entries[1].Seq, second.Entries[0].Seq)
	}
}
