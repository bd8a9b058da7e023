// Package shared keeps the gateway's ephemeral cross-replica state in Redis:
// the failed-auth limiter and lockouts, and the Microsoft Teams channel's
// activity de-duplication, pairing requests, conversation references and
// connector token cache. It is selected with
// storage.shared: { driver: "redis", url: "redis://…" }; without it every
// replica keeps that state in memory (or, for Teams pairing, in files).
//
// Availability over strictness: when Redis does not answer, the limiter,
// the de-duplication window and the token cache fall back to this process's
// memory and the Redis handle reports itself degraded (for /readyz), rather
// than failing requests. Pairing is an administrative flow and returns the
// error instead. See docs/deployment.md for why.
//
// The package holds no transcripts (see internal/session) and knows nothing
// about HTTP.
package shared

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// Defaults of Options.
const (
	DefaultOpTimeout   = 500 * time.Millisecond
	DefaultDialTimeout = time.Second
	// DefaultRetryAfter is how long a failing Redis is left alone before the
	// next call tries it again, so that an outage costs one timeout per
	// interval rather than one per request.
	DefaultRetryAfter = 2 * time.Second
	// logEvery spaces the warnings of a lasting outage.
	logEvery = time.Minute
)

// Options tunes a Redis handle. The zero value is the recommended one.
type Options struct {
	// OpTimeout bounds every command (default 500 ms): the limiter sits in
	// the path of every authenticated request.
	OpTimeout time.Duration
	// DialTimeout bounds connecting (default 1 s).
	DialTimeout time.Duration
	// RetryAfter is how long to use the local fallback after a failure
	// before trying Redis again (default 2 s).
	RetryAfter time.Duration
	// Logger receives the outage warnings (default slog.Default()).
	Logger *slog.Logger
	// Now is the clock of the health tracking (default time.Now).
	Now func() time.Time
}

// Redis is a connection pool to the shared Redis plus its health: every
// component built on it reports failures here, and Degraded tells readiness
// whether the replica is running on local fallbacks.
type Redis struct {
	rdb       *redis.Client
	addr      string
	opTimeout time.Duration
	health    *health
}

// Open parses url (redis://[user:password@]host:port/db, or rediss:// for
// TLS) and checks that Redis answers. An unreachable Redis at startup is not
// fatal: the handle starts degraded and recovers when Redis appears, so a
// replica can boot while Redis restarts. err is only for a malformed URL.
func Open(ctx context.Context, rawURL string, opts Options) (*Redis, error) {
	o, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, parseError(rawURL, err)
	}
	if opts.OpTimeout <= 0 {
		opts.OpTimeout = DefaultOpTimeout
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = DefaultDialTimeout
	}
	if opts.RetryAfter <= 0 {
		opts.RetryAfter = DefaultRetryAfter
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	// Fail fast and let the caller fall back: no client-side retries, one
	// dial attempt, deadlines from the context.
	o.MaxRetries = -1
	o.DialerRetries = 1
	o.DialTimeout = opts.DialTimeout
	o.ReadTimeout = opts.OpTimeout
	o.WriteTimeout = opts.OpTimeout
	o.PoolTimeout = opts.OpTimeout
	o.ContextTimeoutEnabled = true
	o.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	if o.ClientName == "" {
		o.ClientName = "openclaw-gateway"
	}
	// go-redis logs every failed dial to stderr through a process-wide
	// logger; during an outage that would flood the log, which already gets
	// one warning a minute from health. Its lines go to debug instead.
	redis.SetLogger(debugLogger{opts.Logger})
	r := &Redis{
		rdb:       redis.NewClient(o),
		addr:      o.Addr,
		opTimeout: opts.OpTimeout,
		health:    &health{addr: o.Addr, log: opts.Logger, now: opts.Now, retryAfter: opts.RetryAfter},
	}
	_ = r.Ping(ctx) // sets the health; a down Redis is reported, not fatal
	return r, nil
}

// Addr returns host:port of the Redis server, for messages.
func (r *Redis) Addr() string { return r.addr }

// Client returns the underlying client (tests, tools).
func (r *Redis) Client() *redis.Client { return r.rdb }

// Ping checks Redis now, whatever the back-off, and updates the health:
// readiness calls it, so a recovered Redis is noticed even without traffic.
func (r *Redis) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, r.opTimeout)
	defer cancel()
	err := r.rdb.Ping(ctx).Err()
	if err != nil {
		err = r.errorf("ping", err)
		r.health.failed(err)
		return err
	}
	r.health.succeeded()
	return nil
}

// Degraded returns nil while Redis answers, else the last error: the replica
// is then using local fallbacks (lockouts and de-duplication are per
// replica until Redis is back).
func (r *Redis) Degraded() error { return r.health.degraded() }

// Close closes the pool; calling it more than once is harmless.
func (r *Redis) Close() error {
	if err := r.rdb.Close(); err != nil && !errors.Is(err, redis.ErrClosed) {
		return err
	}
	return nil
}

// do runs fn against Redis unless Redis failed within RetryAfter, bounding
// it with OpTimeout and recording the outcome. ok false means "use the
// fallback": fn failed (the error is recorded and logged), or Redis is
// being left alone for now, or the caller gave up.
func (r *Redis) do(ctx context.Context, op string, fn func(ctx context.Context) error) (ok bool) {
	if !r.health.usable() {
		return false
	}
	octx, cancel := context.WithTimeout(ctx, r.opTimeout)
	defer cancel()
	if err := fn(octx); err != nil {
		if ctx.Err() == nil && isOutage(err) {
			r.health.failed(r.errorf(op, err))
		}
		return false
	}
	r.health.succeeded()
	return true
}

// doCtx is do for callers with a context and no fallback: it always tries
// Redis and returns the error.
func (r *Redis) doCtx(ctx context.Context, op string, fn func(ctx context.Context) error) error {
	octx, cancel := context.WithTimeout(ctx, r.opTimeout)
	defer cancel()
	err := fn(octx)
	switch {
	case err == nil:
		r.health.succeeded()
		return nil
	case ctx.Err() != nil:
		return err // the caller gave up; says nothing about Redis
	case isOutage(err):
		err = r.errorf(op, err)
		r.health.failed(err)
		return err
	default:
		return r.errorf(op, err)
	}
}

func (r *Redis) errorf(op string, err error) error {
	return fmt.Errorf("shared state redis at %s: %s: %w", r.addr, op, err)
}

// isOutage tells failures of Redis itself from answers we did not like
// (such as a pairing code that does not exist).
func isOutage(err error) bool {
	var re redis.Error
	if errors.As(err, &re) {
		// A server error reply (WRONGTYPE, NOSCRIPT, OOM, …): Redis is up.
		return false
	}
	return true
}

// health is the shared state's circuit: after a failure, calls skip Redis
// for retryAfter; warnings are logged at most once per logEvery.
type health struct {
	addr       string
	log        *slog.Logger
	now        func() time.Time
	retryAfter time.Duration

	mu      sync.Mutex
	err     error     // last failure; nil while healthy
	skip    time.Time // skip Redis until then
	lastLog time.Time
}

func (h *health) usable() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err == nil || !h.now().Before(h.skip)
}

func (h *health) failed(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	h.err, h.skip = err, now.Add(h.retryAfter)
	if h.lastLog.IsZero() || now.Sub(h.lastLog) >= logEvery {
		h.lastLog = now
		h.log.Warn("shared state unavailable: using this replica's local limits and de-duplication until Redis answers",
			slog.String("redis", h.addr), slog.String("error", err.Error()))
	}
}

func (h *health) succeeded() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.err != nil {
		h.log.Info("shared state available again", slog.String("redis", h.addr))
	}
	h.err = nil
}

func (h *health) degraded() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

// debugLogger forwards go-redis's internal log lines at debug level.
type debugLogger struct{ log *slog.Logger }

func (l debugLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "redis client: "+fmt.Sprintf(format, v...))
}

// parseError reports a malformed URL without repeating it (it may hold the
// password).
func parseError(rawURL string, err error) error {
	msg := "shared state redis: storage.shared.url is not a valid Redis URL (want redis://[:password@]host:6379/0 or rediss://…)"
	var ue *url.Error
	switch {
	case errors.As(err, &ue):
		msg += ": " + ue.Err.Error()
	case !strings.Contains(err.Error(), rawURL):
		msg += ": " + err.Error()
	}
	return errors.New(msg)
}
