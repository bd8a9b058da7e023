package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations[i] brings the schema from version i to version i+1. Entries are
// append-only: never edit one that has shipped, add a new one instead.
//
// Times are INTEGER microseconds since the Unix epoch (UTC): they sort
// numerically, cover any plausible date, and match the precision of the
// PostgreSQL store, so both backends return the same values. JSON columns are TEXT, NULL when absent.
// entries is WITHOUT ROWID so that it is clustered on its primary key: a
// session's entries sit together (Load reads few pages) and an append touches
// one b-tree instead of a table plus its key index.
var migrations = []string{
	// 1: sessions and their entries.
	`CREATE TABLE sessions (
		agent_id   TEXT    NOT NULL,
		key        TEXT    NOT NULL,
		created_at INTEGER NOT NULL,
		updated_at INTEGER NOT NULL,
		entries    INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (agent_id, key)
	) STRICT, WITHOUT ROWID;
	CREATE TABLE entries (
		agent_id     TEXT    NOT NULL,
		key          TEXT    NOT NULL,
		seq          INTEGER NOT NULL,
		turn_id      TEXT    NOT NULL,
		role         TEXT    NOT NULL,
		content      TEXT    NOT NULL DEFAULT '',
		tool_calls   TEXT,
		tool_call_id TEXT    NOT NULL DEFAULT '',
		model        TEXT    NOT NULL DEFAULT '',
		usage        TEXT,
		interrupted  INTEGER NOT NULL DEFAULT 0 CHECK (interrupted IN (0, 1)),
		created_at   INTEGER NOT NULL,
		PRIMARY KEY (agent_id, key, seq),
		FOREIGN KEY (agent_id, key) REFERENCES sessions (agent_id, key) ON DELETE CASCADE
	) STRICT, WITHOUT ROWID;`,
}

// migrate brings the schema up to date inside one write transaction, so two
// processes opening a fresh database at once cannot both apply a migration.
func migrate(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil) // the writer DSN makes this BEGIN IMMEDIATE
	if err != nil {
		return fmt.Errorf("begin migration: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit

	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL) STRICT`); err != nil {
		return fmt.Errorf("create schema_version: %w", err)
	}
	var version int
	switch err := tx.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&version); err {
	case nil:
	case sql.ErrNoRows:
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (0)`); err != nil {
			return fmt.Errorf("init schema_version: %w", err)
		}
	default:
		return fmt.Errorf("read schema_version: %w", err)
	}
	if version > len(migrations) {
		return fmt.Errorf("database schema version %d is newer than this build supports (%d): upgrade openclaw", version, len(migrations))
	}
	for v := version; v < len(migrations); v++ {
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			return fmt.Errorf("migrate schema to version %d: %w", v+1, err)
		}
	}
	if version < len(migrations) {
		if _, err := tx.ExecContext(ctx, `UPDATE schema_version SET version = ?`, len(migrations)); err != nil {
			return fmt.Errorf("record schema version: %w", err)
		}
	}
	return tx.Commit()
}
