package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/openclaw/openclaw-go/internal/auth"
	"github.com/openclaw/openclaw-go/internal/channel/msteams"
	"github.com/openclaw/openclaw-go/internal/config"
	"github.com/openclaw/openclaw-go/internal/session"
	"github.com/openclaw/openclaw-go/internal/session/jsonl"
	"github.com/openclaw/openclaw-go/internal/session/postgres"
	"github.com/openclaw/openclaw-go/internal/session/sqlite"
	"github.com/openclaw/openclaw-go/internal/shared"
)

// storeOpenTimeout bounds connecting to a networked store and migrating it
// at startup.
const storeOpenTimeout = 30 * time.Second

// OpenSessionStore opens the transcript store that storage.sessions
// selects: by default JSON Lines files in the state dir (zero setup, the
// cheapest append), SQLite in one file, or a PostgreSQL database shared by
// several replicas. With no driver set, a state dir that already holds a
// SQLite store (written by an earlier version) keeps using it, so no
// conversation is lost; `openclaw sessions migrate --from sqlite --to jsonl`
// moves it over.
func OpenSessionStore(cfg *config.Config, stateDir string) (session.Store, error) {
	sc := cfg.Storage.Sessions
	driver := EmbeddedSessionDriver(cfg, stateDir)
	if driver != "postgres" && sc.URL.IsSet() {
		return nil, fmt.Errorf("storage.sessions.url is set but the driver is %s, which keeps its files in the state dir; "+
			"set storage.sessions.driver to \"postgres\" or remove the url", driver)
	}
	switch driver {
	case "jsonl":
		dir := filepath.Join(stateDir, "agents")
		st, err := jsonl.Open(dir)
		if err != nil {
			return nil, fmt.Errorf("%w (check that the state dir is writable, or set OPENCLAW_STATE_DIR)", err)
		}
		return st, nil
	case "sqlite":
		path := SQLiteSessionsPath(stateDir)
		st, err := sqlite.Open(path)
		if err != nil {
			return nil, fmt.Errorf("open session store %s: %w (check that the state dir is writable, or set OPENCLAW_STATE_DIR)", path, err)
		}
		return st, nil
	case "postgres":
		if !sc.URL.IsSet() {
			return nil, fmt.Errorf("storage.sessions.url is required with driver \"postgres\" (e.g. \"${DATABASE_URL}\")")
		}
		ctx, cancel := context.WithTimeout(context.Background(), storeOpenTimeout)
		defer cancel()
		st, err := postgres.Open(ctx, sc.URL.Reveal(), postgres.Options{})
		if err != nil {
			return nil, fmt.Errorf("%w (check storage.sessions.url and that PostgreSQL is running)", err)
		}
		return st, nil
	default:
		return nil, fmt.Errorf("storage.sessions.driver %q is not a session store; use \"jsonl\" (default), \"sqlite\" or \"postgres\"", sc.Driver)
	}
}

// SQLiteSessionsPath is where the SQLite session store keeps its file.
func SQLiteSessionsPath(stateDir string) string {
	return filepath.Join(stateDir, "agents", "sessions.db")
}

// EmbeddedSessionDriver returns the session driver in effect:
// storage.sessions.driver when set, else "sqlite" when the state dir holds
// a SQLite store from an earlier version, else "jsonl".
func EmbeddedSessionDriver(cfg *config.Config, stateDir string) string {
	if d := cfg.Storage.Sessions.Driver; d != "" {
		return d
	}
	if _, err := os.Stat(SQLiteSessionsPath(stateDir)); err == nil {
		return "sqlite"
	}
	return "jsonl"
}

// limiter is the failed-auth limiter: in memory or in Redis. Its limits
// follow config reloads; the counters survive them.
type limiter interface {
	auth.Limiter
	SetLimits(maxAttempts int, window, lockout time.Duration)
}

// sharedState is the ephemeral state replicas share when storage.shared
// selects Redis: the auth limiter and the Teams channel's stores. With the
// default ("memory") each process keeps its own and redis is nil.
type sharedState struct {
	redis   *shared.Redis
	limiter limiter
}

// openSharedState builds the shared state storage.shared selects. An
// unreachable Redis does not stop the gateway: it starts degraded on local
// limits and recovers when Redis answers (see docs/deployment.md).
func openSharedState(cfg *config.Config, log *slog.Logger) (*sharedState, error) {
	sc := cfg.Storage.Shared
	switch sc.Driver {
	case "", "memory":
		if sc.URL.IsSet() {
			return nil, fmt.Errorf("storage.shared.url is set but the driver is memory; set storage.shared.driver to \"redis\" or remove the url")
		}
		return &sharedState{limiter: auth.NewMemoryLimiter(0, 0, 0)}, nil
	case "redis":
		if !sc.URL.IsSet() {
			return nil, fmt.Errorf("storage.shared.url is required with driver \"redis\" (e.g. \"${REDIS_URL}\")")
		}
		ctx, cancel := context.WithTimeout(context.Background(), storeOpenTimeout)
		defer cancel()
		r, err := shared.Open(ctx, sc.URL.Reveal(), shared.Options{Logger: log})
		if err != nil {
			return nil, err
		}
		if err := r.Degraded(); err != nil {
			log.Warn("shared state (Redis) is not reachable at startup; starting on local limits",
				slog.String("error", err.Error()))
		}
		return &sharedState{redis: r, limiter: shared.NewLimiter(r, 0, 0, 0)}, nil
	default:
		return nil, fmt.Errorf("storage.shared.driver %q is not a shared-state store; use \"memory\" (default) or \"redis\"", sc.Driver)
	}
}

// readiness reports the shared state for /readyz: "ok", or "degraded: …"
// while Redis does not answer. Degraded is not unready: the replica keeps
// serving on local limits, and taking every replica out of the load
// balancer because Redis is down would turn a partial outage into a full
// one.
func (s *sharedState) readiness(ctx context.Context) (check string, degraded bool) {
	if s.redis == nil {
		return "ok (memory, this process only)", false
	}
	if err := s.redis.Ping(ctx); err != nil {
		return "degraded: " + err.Error() + "; using this replica's local limits", true
	}
	return "ok", false
}

// applyTeams puts the Redis-backed Teams stores into o when the state is
// shared, so that pairing, de-duplication, conversation references and the
// connector token are common to all replicas. Otherwise o is left alone and
// the channel uses its defaults (files under the state dir, memory).
func (s *sharedState) applyTeams(o *msteams.Options) {
	if s.redis == nil {
		return
	}
	o.Pairing = shared.NewPairingStore(s.redis, o.Now)
	o.References = shared.NewReferenceStore(s.redis)
	o.Dedup = shared.NewDeduper(s.redis)
	o.Tokens = shared.NewTokenCache(s.redis)
}

// Close releases the Redis pool, if any.
func (s *sharedState) Close() error {
	if s.redis == nil {
		return nil
	}
	return s.redis.Close()
}
