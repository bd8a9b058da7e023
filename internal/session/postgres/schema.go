package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// migrations are applied in order, each once, inside one transaction that
// holds migrateLockID. migrations[i] brings the schema to version i+1. Add to
// the end; never edit a released step.
var migrations = []string{
	// 1: sessions and their entries. The session row carries the entry count,
	// so the upsert that creates or touches a session also hands out the
	// next seq numbers, under the row lock that serialises appenders.
	`CREATE TABLE openclaw_sessions (
		agent_id   text        NOT NULL,
		key        text        NOT NULL,
		entries    bigint      NOT NULL DEFAULT 0,
		created_at timestamptz NOT NULL,
		updated_at timestamptz NOT NULL,
		PRIMARY KEY (agent_id, key)
	);
	CREATE INDEX openclaw_sessions_updated ON openclaw_sessions (updated_at DESC);
	CREATE INDEX openclaw_sessions_agent_updated ON openclaw_sessions (agent_id, updated_at DESC);
	CREATE TABLE openclaw_entries (
		agent_id     text        NOT NULL,
		key          text        NOT NULL,
		seq          bigint      NOT NULL,
		turn_id      text        NOT NULL,
		role         text        NOT NULL,
		content      text        NOT NULL,
		tool_calls   json,
		tool_call_id text        NOT NULL DEFAULT '',
		model        text        NOT NULL DEFAULT '',
		usage        json,
		interrupted  boolean     NOT NULL DEFAULT false,
		created_at   timestamptz NOT NULL,
		PRIMARY KEY (agent_id, key, seq),
		FOREIGN KEY (agent_id, key) REFERENCES openclaw_sessions (agent_id, key) ON DELETE CASCADE
	);`,
}

// migrateLockID is the transaction-level advisory lock that serialises
// migrations when several replicas start at once ("openclaw" in ASCII).
const migrateLockID int64 = 0x6f70656e636c6177

// migrate brings the schema to SchemaVersion. It is safe to run from several
// processes at once: the advisory lock makes the second wait, and it then
// finds nothing to do. A database newer than this build is refused rather
// than written with an outdated idea of the schema.
func migrate(ctx context.Context, db interface {
	Begin(context.Context) (pgx.Tx, error)
}) error {
	tx, err := db.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLockID); err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS openclaw_schema_version (
		version    integer     PRIMARY KEY,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return fmt.Errorf("create schema_version: %w", err)
	}
	var current int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM openclaw_schema_version`).Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current > len(migrations) {
		return fmt.Errorf("the database has schema version %d, newer than this build knows (%d): upgrade openclaw", current, len(migrations))
	}
	for v := current + 1; v <= len(migrations); v++ {
		if _, err := tx.Exec(ctx, migrations[v-1]); err != nil {
			return fmt.Errorf("migration %d: %w", v, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO openclaw_schema_version (version) VALUES ($1)`, v); err != nil {
			return fmt.Errorf("migration %d: record version: %w", v, err)
		}
	}
	return tx.Commit(ctx)
}
