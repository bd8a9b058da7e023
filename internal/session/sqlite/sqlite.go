// Package sqlite is the embedded session.Store: one SQLite database file for
// all agents (the agent id is a column), opened by the gateway at
// <state dir>/agents/sessions.db. It uses the pure-Go modernc.org/sqlite
// driver, so the binary needs no cgo.
//
// Durability: the database runs in WAL mode. With the default
// synchronous=NORMAL a committed turn survives a crash of the process
// (including SIGKILL) because it is already in the WAL file in the kernel's
// page cache; a power loss or kernel crash may lose the last few turns (never
// corrupt earlier ones). Options.Synchronous = "FULL" fsyncs every commit and
// closes that window at the cost of a disk flush per turn.
//
// Concurrency: all writes go through a single connection and each Append is
// one BEGIN IMMEDIATE transaction, so writers are serialised (also against
// another process, such as the CLI, using the same file) and turns never
// interleave. Reads use a separate pool of read-only connections and, in WAL
// mode, do not wait for writers.
//
// Checkpoints (copying the WAL back into the database file, which fsyncs) are
// taken by a background goroutine every checkpointEvery appends instead of
// by SQLite's automatic checkpoint inside a commit, so the disk flush is not
// paid by whichever request happened to cross the threshold.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/openclaw/openclaw-go/internal/session"
)

// Options tunes a Store. The zero value is the recommended configuration.
type Options struct {
	// Synchronous is SQLite's synchronous pragma for writes: "NORMAL"
	// (default; durable across process crashes) or "FULL" (also durable
	// across power loss; one fsync per Append).
	Synchronous string
	// BusyTimeout is how long a statement waits for a lock held by another
	// process before failing with "database is locked". Default 5s.
	BusyTimeout time.Duration
	// MaxReaders caps the read connection pool. Default max(4, GOMAXPROCS).
	MaxReaders int
	// Now is the clock for CreatedAt/UpdatedAt. Default time.Now.
	Now func() time.Time
}

// Store is a session.Store backed by one SQLite file. It is safe for
// concurrent use.
type Store struct {
	path  string
	clock *session.Clock

	w *sql.DB // exactly one connection: every write goes through it
	r *sql.DB // read-only pool

	upsertSession *sql.Stmt // on w
	insertEntry   *sql.Stmt // on w
	loadEntries   *sql.Stmt // on r
	listAll       *sql.Stmt // on r
	listAgent     *sql.Stmt // on r

	wlock chan struct{} // held (one token) for the whole of an Append

	ck      *sql.DB       // one connection, used only by the checkpointer
	commits atomic.Int64  // appends committed, to pace checkpoints
	kick    chan struct{} // wakes the checkpointer; buffered 1
	stop    chan struct{} // closed by Close
	ckDone  chan struct{} // closed when the checkpointer has returned

	closeOnce sync.Once
	closeErr  error
}

var _ session.Store = (*Store)(nil)

const (
	// checkpointEvery is how many appends pass between background
	// checkpoints: about the same WAL growth as SQLite's default automatic
	// checkpoint (1000 pages) for typical turns.
	checkpointEvery = 200
	// walSizeLimit caps the WAL file kept on disk after a checkpoint resets
	// it, so one burst does not leave a large file behind.
	walSizeLimit = 32 << 20
)

// Open opens (creating if needed) the session database at path with the
// default Options. Missing parent directories are created with mode 0700 and
// a new database file with mode 0600, since transcripts are private.
func Open(path string) (*Store, error) {
	return OpenWithOptions(path, Options{})
}

// OpenWithOptions is Open with explicit Options.
func OpenWithOptions(path string, opts Options) (_ *Store, err error) {
	syncMode := strings.ToUpper(opts.Synchronous)
	switch syncMode {
	case "":
		syncMode = "NORMAL"
	case "NORMAL", "FULL":
	default:
		return nil, fmt.Errorf("open session store: synchronous %q: want NORMAL or FULL", opts.Synchronous)
	}
	busy := opts.BusyTimeout
	if busy <= 0 {
		busy = 5 * time.Second
	}
	readers := opts.MaxReaders
	if readers <= 0 {
		readers = max(4, runtime.GOMAXPROCS(0))
	}

	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open session store %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("open session store: create directory: %w", err)
	}
	// Create the file ourselves so it gets 0600; SQLite then gives its -wal
	// and -shm files the same mode. An existing file's mode is left alone.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open session store: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("open session store: %w", err)
	}

	s := &Store{path: abs, clock: session.NewClock(opts.Now), wlock: make(chan struct{}, 1)}
	defer func() {
		if err != nil {
			s.Close() //nolint:errcheck // reporting the open error instead
		}
	}()

	// A file: URI keeps any '?' or '#' in the path from being read as DSN
	// syntax; SQLite ignores the driver's underscore parameters.
	base := (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
	if !strings.HasPrefix(filepath.ToSlash(abs), "/") { // Windows: file:///C:/...
		base = (&url.URL{Scheme: "file", Path: "/" + filepath.ToSlash(abs)}).String()
	}
	common := fmt.Sprintf("_busy_timeout=%d&_foreign_keys=1", busy.Milliseconds())

	writeParams := common + "&_journal_mode=WAL&_synchronous=" + syncMode +
		fmt.Sprintf("&_pragma=journal_size_limit(%d)", walSizeLimit)
	// wal_autocheckpoint(0): the background checkpointer does it instead.
	s.w, err = sql.Open("sqlite", base+"?"+writeParams+"&_txlock=immediate&_pragma=wal_autocheckpoint(0)")
	if err != nil {
		return nil, fmt.Errorf("open session store %s: %w", abs, err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)

	ctx := context.Background()
	if err := migrate(ctx, s.w); err != nil {
		return nil, fmt.Errorf("open session store %s: %w", abs, err)
	}
	var mode string
	if err := s.w.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		return nil, fmt.Errorf("open session store %s: %w", abs, err)
	}
	if !strings.EqualFold(mode, "wal") {
		return nil, fmt.Errorf("open session store %s: journal mode is %q, want wal (is the file on a network filesystem?)", abs, mode)
	}

	s.r, err = sql.Open("sqlite", base+"?"+common+"&_query_only=1")
	if err != nil {
		return nil, fmt.Errorf("open session store %s: %w", abs, err)
	}
	s.r.SetMaxOpenConns(readers)
	s.r.SetMaxIdleConns(readers)

	s.ck, err = sql.Open("sqlite", base+"?"+writeParams)
	if err != nil {
		return nil, fmt.Errorf("open session store %s: %w", abs, err)
	}
	s.ck.SetMaxOpenConns(1)
	s.ck.SetMaxIdleConns(1)

	prep := func(db *sql.DB, dst **sql.Stmt, query string) {
		if err != nil {
			return
		}
		*dst, err = db.PrepareContext(ctx, query)
	}
	// The session row carries the entry count, so the next seq comes from
	// the same statement that creates or touches the session.
	prep(s.w, &s.upsertSession, `INSERT INTO sessions (agent_id, key, created_at, updated_at, entries)
		VALUES (?1, ?2, ?3, ?3, ?4)
		ON CONFLICT (agent_id, key) DO UPDATE
		SET updated_at = excluded.updated_at, entries = entries + excluded.entries
		RETURNING entries`)
	prep(s.w, &s.insertEntry, `INSERT INTO entries
		(agent_id, key, seq, turn_id, role, content, tool_calls, tool_call_id, model, usage, interrupted, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	prep(s.r, &s.loadEntries, `SELECT seq, turn_id, role, content, tool_calls, tool_call_id, model, usage, interrupted, created_at
		FROM entries WHERE agent_id = ? AND key = ? ORDER BY seq`)
	prep(s.r, &s.listAll, `SELECT agent_id, key, entries, created_at, updated_at
		FROM sessions ORDER BY updated_at DESC, agent_id, key`)
	prep(s.r, &s.listAgent, `SELECT agent_id, key, entries, created_at, updated_at
		FROM sessions WHERE agent_id = ? ORDER BY updated_at DESC, key`)
	if err != nil {
		return nil, fmt.Errorf("open session store %s: prepare: %w", abs, err)
	}

	s.kick = make(chan struct{}, 1)
	s.stop = make(chan struct{})
	s.ckDone = make(chan struct{})
	go s.checkpointer()
	return s, nil
}

// checkpointer runs a PASSIVE checkpoint whenever Append kicks it. PASSIVE
// never waits for readers or the writer, and appends continue into the WAL
// while it copies; SQLite restarts the WAL from the top at the next write
// once everything in it has been copied back. A checkpoint that fails (say,
// another process is checkpointing) is simply retried on the next kick.
func (s *Store) checkpointer() {
	defer close(s.ckDone)
	for {
		select {
		case <-s.stop:
			return
		case <-s.kick:
			s.ck.Exec(`PRAGMA wal_checkpoint(PASSIVE)`) //nolint:errcheck // best effort, see above
		}
	}
}

// Path returns the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// Load implements session.Store.
func (s *Store) Load(ctx context.Context, agentID, key string) ([]session.Entry, error) {
	rows, err := s.loadEntries.QueryContext(ctx, agentID, key)
	if err != nil {
		return nil, fmt.Errorf("load session %q/%q: %w", agentID, key, err)
	}
	defer rows.Close()
	var out []session.Entry
	for rows.Next() {
		var (
			e                 session.Entry
			toolCalls, usage  []byte
			interrupted, tsUs int64
		)
		if err := rows.Scan(&e.Seq, &e.TurnID, &e.Role, &e.Content, &toolCalls, &e.ToolCallID, &e.Model, &usage, &interrupted, &tsUs); err != nil {
			return nil, fmt.Errorf("load session %q/%q: %w", agentID, key, err)
		}
		// Scan into []byte copies, so the slices are ours to keep.
		if len(toolCalls) > 0 {
			e.ToolCalls = toolCalls
		}
		if len(usage) > 0 {
			e.Usage = usage
		}
		e.Interrupted = interrupted != 0
		e.CreatedAt = time.UnixMicro(tsUs).UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load session %q/%q: %w", agentID, key, err)
	}
	return out, nil
}

// Append implements session.Store.
func (s *Store) Append(ctx context.Context, agentID, key string, turn session.Turn) (err error) {
	if ok, err := turn.Prepare(agentID, key); !ok {
		return err
	}
	defer func() {
		if err != nil {
			err = fmt.Errorf("append to session %q/%q: %w", agentID, key, err)
		}
	}()

	// Queue for the writer honouring ctx. Once we hold it, the statements run
	// under a context without cancellation and ctx is checked between them
	// and before COMMIT instead: a transaction takes well under a
	// millisecond, and a cancelable context would cost a watcher goroutine
	// per statement in database/sql and the driver. A cancellation after the
	// last check lets the turn commit; one before it leaves nothing.
	select {
	case s.wlock <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.wlock }()
	if err := ctx.Err(); err != nil {
		return err
	}
	dbctx := context.WithoutCancel(ctx)

	// BEGIN IMMEDIATE takes SQLite's write lock now, waiting up to the busy
	// timeout if another process holds it.
	tx, err := s.w.BeginTx(dbctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit

	now := s.clock.Tick()
	n := int64(len(turn.Entries))
	var total int64
	if err := tx.StmtContext(dbctx, s.upsertSession).QueryRowContext(dbctx, agentID, key, now.UnixMicro(), n).Scan(&total); err != nil {
		return err
	}
	ins := tx.StmtContext(dbctx, s.insertEntry)
	defer ins.Close()
	seq := total - n
	for i, e := range turn.Entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		seq++
		turn.Entries[i].Seq = seq
		created := e.CreatedAt
		if created.IsZero() {
			created = now
		}
		if _, err := ins.ExecContext(dbctx, agentID, key, seq, turn.ID, e.Role, e.Content,
			nullJSON(e.ToolCalls), e.ToolCallID, e.Model, nullJSON(e.Usage), e.Interrupted, created.UnixMicro()); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if s.commits.Add(1)%checkpointEvery == 0 {
		select {
		case s.kick <- struct{}{}:
		default: // one is already pending
		}
	}
	return nil
}

// List implements session.Store.
func (s *Store) List(ctx context.Context, agentID string) ([]session.Info, error) {
	var (
		rows *sql.Rows
		err  error
	)
	if agentID == "" {
		rows, err = s.listAll.QueryContext(ctx)
	} else {
		rows, err = s.listAgent.QueryContext(ctx, agentID)
	}
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	defer rows.Close()
	var out []session.Info
	for rows.Next() {
		var (
			in               session.Info
			created, updated int64
		)
		if err := rows.Scan(&in.AgentID, &in.Key, &in.Entries, &created, &updated); err != nil {
			return nil, fmt.Errorf("list sessions: %w", err)
		}
		in.CreatedAt = time.UnixMicro(created).UTC()
		in.UpdatedAt = time.UnixMicro(updated).UTC()
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	return out, nil
}

// Ping implements session.Store: it reads the schema version through the
// read pool, which fails if the file is gone, unreadable or the store closed.
func (s *Store) Ping(ctx context.Context) error {
	var v int
	if err := s.r.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&v); err != nil {
		return fmt.Errorf("ping session store: %w", err)
	}
	return nil
}

// Close implements session.Store. It stops the checkpointer and closes the
// readers before the writer, so that the last connection to close
// checkpoints the WAL into the database and removes it.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		if s.stop != nil {
			close(s.stop)
			<-s.ckDone
		}
		var errs []error
		for _, st := range []*sql.Stmt{s.loadEntries, s.listAll, s.listAgent, s.upsertSession, s.insertEntry} {
			if st != nil {
				errs = append(errs, st.Close())
			}
		}
		if s.r != nil {
			errs = append(errs, s.r.Close())
		}
		if s.ck != nil {
			errs = append(errs, s.ck.Close())
		}
		if s.w != nil {
			errs = append(errs, s.w.Close())
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// nullJSON stores absent JSON as NULL rather than an empty string.
func nullJSON(m []byte) any {
	if len(m) == 0 {
		return nil
	}
	return string(m)
}
