// Package postgres is the session.Store for deployments that outgrow one
// process: several gateway replicas share one PostgreSQL database through a
// pgx connection pool. It is selected with
// storage.sessions: { driver: "postgres", url: "postgres://…" }.
//
// Schema: three tables named openclaw_* in the first schema of the
// connection's search_path (set search_path in the URL to keep them in a
// schema of their own). Open applies pending migrations in one transaction
// under an advisory lock, so replicas starting together migrate once and a
// database from a newer build is refused instead of misread.
//
// Ordering: each Append is a single INSERT statement (so a single
// transaction) that first upserts the session row, taking its row lock and
// reserving the turn's seq numbers from the entry count it carries, then
// inserts the entries. Appenders to one session, from any replica, queue on
// that row lock: turns are contiguous and never interleave, and nothing is
// lost. Appends to different sessions do not wait for each other.
//
// Failure: every operation is bounded by the caller's context and by
// Options.OpTimeout, and new connections by a connect timeout (2 s unless
// the URL sets connect_timeout), so an unreachable database fails fast with
// an error naming the store ("session store postgres at host:port
// unreachable: …"), never a hang. The pool re-dials on its own once the
// database is back. The password in the URL never appears in errors.
//
// PostgreSQL text cannot hold NUL bytes or invalid UTF-8; an Append with such
// strings is refused with session.ErrInvalid (the SQLite store keeps them).
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/openclaw/openclaw-go/internal/session"
)

// Defaults for Options and for URLs that do not say otherwise.
const (
	DefaultMaxConns       = 10
	DefaultConnectTimeout = 2 * time.Second
	DefaultOpTimeout      = 5 * time.Second
)

// ErrClosed is returned by every method of a closed Store.
var ErrClosed = errors.New("session store closed")

// Options tunes a Store. The zero value is the recommended configuration.
type Options struct {
	// MaxConns caps the pool when the URL has no pool_max_conns. Default 10.
	MaxConns int32
	// ConnectTimeout bounds dialling and the startup handshake when the URL
	// has no connect_timeout. Default 2 s.
	ConnectTimeout time.Duration
	// OpTimeout bounds each operation (waiting for a pooled connection
	// included) on top of the caller's context. Default 5 s.
	OpTimeout time.Duration
	// Now is the clock for CreatedAt/UpdatedAt. Default time.Now.
	Now func() time.Time
}

// Store is a session.Store backed by PostgreSQL. It is safe for concurrent
// use, also by several processes sharing one database.
type Store struct {
	pool      *pgxpool.Pool
	addr      string // host:port, for errors; never the URL (it has the password)
	opTimeout time.Duration
	clock     *session.Clock

	closed    atomic.Bool
	closeOnce sync.Once
}

var _ session.Store = (*Store)(nil)

// Open connects to the database at url (a postgres:// URL or a libpq
// key=value string; pgxpool's pool_* parameters are honoured), applies
// pending migrations and returns the store. ctx bounds the migration.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, parseError(err)
	}
	if !hasParam(url, "pool_max_conns") {
		cfg.MaxConns = DefaultMaxConns
		if opts.MaxConns > 0 {
			cfg.MaxConns = opts.MaxConns
		}
	}
	if cfg.ConnConfig.ConnectTimeout <= 0 {
		cfg.ConnConfig.ConnectTimeout = DefaultConnectTimeout
		if opts.ConnectTimeout > 0 {
			cfg.ConnConfig.ConnectTimeout = opts.ConnectTimeout
		}
	}
	// A connection that went bad while idle (database restarted) is found
	// by the ping on acquire; do not let that ping hang either.
	cfg.PingTimeout = cfg.ConnConfig.ConnectTimeout
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "openclaw-gateway"
	}

	s := &Store{
		addr:      hostPort(cfg.ConnConfig.Host, cfg.ConnConfig.Port),
		opTimeout: opts.OpTimeout,
		clock:     session.NewClock(opts.Now),
	}
	if s.opTimeout <= 0 {
		s.opTimeout = DefaultOpTimeout
	}
	s.pool, err = pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, s.wrap("open", err)
	}
	mctx, cancel := context.WithTimeout(ctx, max(s.opTimeout, 30*time.Second))
	defer cancel()
	if err := migrate(mctx, s.pool); err != nil {
		s.pool.Close()
		return nil, s.wrap("migrate schema", err)
	}
	return s, nil
}

// Addr returns the host:port of the database, for messages.
func (s *Store) Addr() string { return s.addr }

// Load implements session.Store.
func (s *Store) Load(ctx context.Context, agentID, key string) ([]session.Entry, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	ctx, cancel := context.WithTimeout(ctx, s.opTimeout)
	defer cancel()
	rows, err := s.pool.Query(ctx, `SELECT seq, turn_id, role, content, tool_calls, tool_call_id, model, usage, interrupted, created_at
		FROM openclaw_entries WHERE agent_id = $1 AND key = $2 ORDER BY seq`, agentID, key)
	if err != nil {
		return nil, s.wrap(fmt.Sprintf("load session %q/%q", agentID, key), err)
	}
	var out []session.Entry
	for rows.Next() {
		var e session.Entry
		if err := rows.Scan(&e.Seq, &e.TurnID, &e.Role, &e.Content, &e.ToolCalls, &e.ToolCallID, &e.Model, &e.Usage, &e.Interrupted, &e.CreatedAt); err != nil {
			rows.Close()
			return nil, s.wrap(fmt.Sprintf("load session %q/%q", agentID, key), err)
		}
		e.CreatedAt = e.CreatedAt.UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(fmt.Sprintf("load session %q/%q", agentID, key), err)
	}
	return out, nil
}

// appendSQL stores one turn in one statement: the first CTE upserts the
// session row (creating it, or locking it and adding to its count) and
// returns the new count; the second inserts the entries with the seq numbers
// just below it; the statement returns the count. The row lock is held to
// the end of the statement's transaction, so a concurrent appender to the
// same session waits and then sees the new count.
const appendSQL = `WITH s AS (
	INSERT INTO openclaw_sessions AS cur (agent_id, key, entries, created_at, updated_at)
	VALUES ($1, $2, $3, $4, $4)
	ON CONFLICT (agent_id, key) DO UPDATE
	SET entries = cur.entries + excluded.entries,
	    updated_at = greatest(excluded.updated_at, cur.updated_at + interval '1 microsecond')
	RETURNING cur.entries
), ins AS (
	INSERT INTO openclaw_entries
		(agent_id, key, seq, turn_id, role, content, tool_calls, tool_call_id, model, usage, interrupted, created_at)
	SELECT $1, $2, s.entries - $3 + e.ord, $5, e.role, e.content, e.tool_calls::json, e.tool_call_id, e.model, e.usage::json, e.interrupted, e.created_at
	FROM s, unnest($6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::boolean[], $13::timestamptz[])
		WITH ORDINALITY AS e(role, content, tool_calls, tool_call_id, model, usage, interrupted, created_at, ord)
)
SELECT entries FROM s`

// Append implements session.Store.
func (s *Store) Append(ctx context.Context, agentID, key string, turn session.Turn) error {
	if err := turn.Validate(agentID, key); err != nil {
		return err
	}
	if err := validText(agentID, key, turn); err != nil {
		return err
	}
	if len(turn.Entries) == 0 {
		return nil
	}
	if s.closed.Load() {
		return ErrClosed
	}
	op := fmt.Sprintf("append to session %q/%q", agentID, key)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if turn.ID == "" {
		turn.ID = session.NewTurnID()
	}
	now := s.clock.Tick()
	n := len(turn.Entries)
	var (
		roles, contents, callIDs, models = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		toolCalls, usages                = make([]*string, n), make([]*string, n)
		interrupted                      = make([]bool, n)
		created                          = make([]time.Time, n)
	)
	for i, e := range turn.Entries {
		roles[i], contents[i], callIDs[i], models[i] = e.Role, e.Content, e.ToolCallID, e.Model
		toolCalls[i], usages[i] = nullJSON(e.ToolCalls), nullJSON(e.Usage)
		interrupted[i] = e.Interrupted
		created[i] = now
		if !e.CreatedAt.IsZero() {
			created[i] = e.CreatedAt.Truncate(time.Microsecond)
		}
	}

	ctx, cancel := context.WithTimeout(ctx, s.opTimeout)
	defer cancel()
	args := []any{agentID, key, int64(n), now, turn.ID, roles, contents, toolCalls, callIDs, models, usages, interrupted, created}
	var total int64
	err := s.pool.QueryRow(ctx, appendSQL, args...).Scan(&total)
	if err != nil && pgconn.SafeToRetry(err) && ctx.Err() == nil {
		// Nothing reached the server (a pooled connection died while idle):
		// one more try on a fresh connection.
		err = s.pool.QueryRow(ctx, appendSQL, args...).Scan(&total)
	}
	if err != nil {
		return s.wrap(op, err)
	}
	for i := range turn.Entries {
		turn.Entries[i].Seq = total - int64(n) + int64(i) + 1
	}
	return nil
}

// List implements session.Store.
func (s *Store) List(ctx context.Context, agentID string) ([]session.Info, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	ctx, cancel := context.WithTimeout(ctx, s.opTimeout)
	defer cancel()
	var (
		rows pgx.Rows
		err  error
	)
	const cols = `SELECT agent_id, key, entries, created_at, updated_at FROM openclaw_sessions`
	if agentID == "" {
		rows, err = s.pool.Query(ctx, cols+` ORDER BY updated_at DESC, agent_id, key`)
	} else {
		rows, err = s.pool.Query(ctx, cols+` WHERE agent_id = $1 ORDER BY updated_at DESC, key`, agentID)
	}
	if err != nil {
		return nil, s.wrap("list sessions", err)
	}
	var out []session.Info
	for rows.Next() {
		var (
			in session.Info
			n  int64
		)
		if err := rows.Scan(&in.AgentID, &in.Key, &n, &in.CreatedAt, &in.UpdatedAt); err != nil {
			rows.Close()
			return nil, s.wrap("list sessions", err)
		}
		in.Entries = int(n)
		in.CreatedAt, in.UpdatedAt = in.CreatedAt.UTC(), in.UpdatedAt.UTC()
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("list sessions", err)
	}
	return out, nil
}

// Ping implements session.Store: it reads the schema version, which fails if
// the database is unreachable, the tables are gone or the store is closed.
func (s *Store) Ping(ctx context.Context) error {
	if s.closed.Load() {
		return ErrClosed
	}
	ctx, cancel := context.WithTimeout(ctx, s.opTimeout)
	defer cancel()
	var v int
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM openclaw_schema_version`).Scan(&v); err != nil {
		return s.wrap("ping", err)
	}
	return nil
}

// Close implements session.Store. It waits for connections in use to be
// released and closes the pool.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		if s.pool != nil {
			s.pool.Close()
		}
	})
	return nil
}

// wrap names the store and the operation. Failures to reach the database
// say "unreachable" so the operator knows where to look; so does a deadline
// that ran out, since a healthy database answers these statements in
// milliseconds.
func (s *Store) wrap(op string, err error) error {
	if unreachable(err) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("session store postgres at %s unreachable: %s: %w", s.addr, op, err)
	}
	return fmt.Errorf("session store postgres at %s: %s: %w", s.addr, op, err)
}

// parseError reports a malformed URL without repeating it: it holds the
// password, and pgx's redaction is best effort.
func parseError(err error) error {
	msg := "session store postgres: storage.sessions.url is not a valid connection string " +
		"(want postgres://user:password@host:5432/database?sslmode=require)"
	var ue *url.Error
	if errors.As(err, &ue) {
		msg += ": " + ue.Err.Error()
	}
	return errors.New(msg)
}

// unreachable reports whether err means the database could not be reached
// or dropped the connection (as opposed to refusing a statement).
func unreachable(err error) bool {
	var (
		ce *pgconn.ConnectError
		ne net.Error
		pe *pgconn.PgError
	)
	switch {
	case errors.As(err, &ce), errors.As(err, &ne), pgconn.Timeout(err),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, pgconn.ErrConnClosed):
		return true
	case errors.As(err, &pe):
		// Class 08: connection exception; 57P01-03: the server is shutting
		// down, crashed or not yet accepting connections.
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	return false
}

// validText refuses strings PostgreSQL text cannot store, before anything
// is sent, so that such a turn is refused whole like any other bad input.
func validText(agentID, key string, turn session.Turn) error {
	check := func(what, v string) error {
		if strings.IndexByte(v, 0) >= 0 {
			return fmt.Errorf("%w: %s contains a NUL byte, which PostgreSQL cannot store", session.ErrInvalid, what)
		}
		if !utf8.ValidString(v) {
			return fmt.Errorf("%w: %s is not valid UTF-8, which PostgreSQL cannot store", session.ErrInvalid, what)
		}
		return nil
	}
	if err := errors.Join(check("agent id", agentID), check("session key", key), check("turn id", turn.ID)); err != nil {
		return err
	}
	for i, e := range turn.Entries {
		p := "entry " + strconv.Itoa(i) + " "
		if err := errors.Join(check(p+"content", e.Content), check(p+"toolCallId", e.ToolCallID), check(p+"model", e.Model),
			check(p+"toolCalls", string(e.ToolCalls)), check(p+"usage", string(e.Usage))); err != nil {
			return err
		}
	}
	return nil
}

// nullJSON stores absent JSON as NULL.
func nullJSON(b []byte) *string {
	if len(b) == 0 {
		return nil
	}
	s := string(b)
	return &s
}

// hasParam reports whether a connection string sets name, in URL query or
// key=value form.
func hasParam(conn, name string) bool {
	return strings.Contains(conn, "?"+name+"=") || strings.Contains(conn, "&"+name+"=") ||
		strings.HasPrefix(conn, name+"=") || strings.Contains(conn, " "+name+"=")
}

func hostPort(host string, port uint16) string {
	if strings.HasPrefix(host, "/") { // unix socket directory
		return host
	}
	return net.JoinHostPort(host, strconv.Itoa(int(port)))
}
