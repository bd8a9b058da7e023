package shared

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openclaw/openclaw-go/internal/auth"
)

// LimiterPrefix starts every key of the failed-auth limiter; the rest is
// auth.Key.String() in a hash tag, so that a key's counter and lockout land
// on one Redis Cluster slot:
//
//	openclaw:auth:{token|203.0.113.7}        failures in the current window (PX window)
//	openclaw:auth:{token|203.0.113.7}:lock   present while locked out (PX lockout)
const LimiterPrefix = "openclaw:auth:"

// Limiter is an auth.Limiter whose counters and lockouts live in Redis, so
// that a client locked out through one replica is locked out on all. It
// has the semantics of auth.MemoryLimiter: a fixed window from a key's first
// failure, then a lockout.
//
// Every failure and reset is also applied to a local auth.MemoryLimiter.
// While Redis does not answer, that local limiter decides instead (each
// replica then limits on its own) and the Redis handle reports degraded.
// Lockouts that start during an outage stay local to the replica; when Redis
// answers again it is authoritative again.
type Limiter struct {
	r     *Redis
	local *auth.MemoryLimiter
	lim   atomic.Pointer[limits]

	// dirty remembers keys whose Redis counter existed when Locked looked,
	// so that the success path deletes it (one more round trip) only then.
	dirty sync.Map // auth.Key → struct{}
}

type limits struct {
	max             int
	window, lockout time.Duration
}

var _ auth.Limiter = (*Limiter)(nil)

// NewLimiter returns a limiter on r with the limits of
// gateway.auth.rateLimit; non-positive values take auth's defaults.
func NewLimiter(r *Redis, maxAttempts int, window, lockout time.Duration) *Limiter {
	l := &Limiter{r: r, local: auth.NewMemoryLimiter(maxAttempts, window, lockout)}
	l.SetLimits(maxAttempts, window, lockout)
	return l
}

// SetLimits changes the limits (on config reload). Running lockouts keep
// their end time.
func (l *Limiter) SetLimits(maxAttempts int, window, lockout time.Duration) {
	if maxAttempts <= 0 {
		maxAttempts = auth.DefaultMaxAttempts
	}
	if window <= 0 {
		window = auth.DefaultWindow
	}
	if lockout <= 0 {
		lockout = auth.DefaultLockout
	}
	l.lim.Store(&limits{max: maxAttempts, window: window, lockout: lockout})
	l.local.SetLimits(maxAttempts, window, lockout)
}

func keys(k auth.Key) []string {
	base := LimiterPrefix + "{" + k.String() + "}"
	return []string{base, base + ":lock"}
}

// lockedScript returns the lockout's remaining milliseconds, or -1 when the
// key is not locked but has failures counted, or 0 when it is clean.
var lockedScript = redis.NewScript(`
local t = redis.call('PTTL', KEYS[2])
if t > 0 then return t end
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
return 0`)

// failScript counts one failure and starts the lockout at the limit. It
// returns the lockout's remaining milliseconds, or 0 when not locked.
// ARGV: max attempts, window ms, lockout ms.
var failScript = redis.NewScript(`
local t = redis.call('PTTL', KEYS[2])
if t > 0 then return t end
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if n >= tonumber(ARGV[1]) then
	redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
	redis.call('DEL', KEYS[1])
	return tonumber(ARGV[3])
end
return 0`)

// Locked implements auth.Limiter: one round trip to Redis.
func (l *Limiter) Locked(key auth.Key, now time.Time) (time.Duration, bool) {
	var ms int64
	if !l.r.do(context.Background(), "auth limiter check", func(ctx context.Context) error {
		var err error
		ms, err = lockedScript.Run(ctx, l.r.rdb, keys(key)).Int64()
		return err
	}) {
		return l.local.Locked(key, now)
	}
	switch {
	case ms > 0:
		return time.Duration(ms) * time.Millisecond, true
	case ms < 0:
		l.dirty.Store(key, struct{}{})
	}
	return 0, false
}

// Fail implements auth.Limiter.
func (l *Limiter) Fail(key auth.Key, now time.Time) (time.Duration, bool) {
	l.dirty.Delete(key)
	localD, localLocked := l.local.Fail(key, now)
	lim := l.lim.Load()
	var ms int64
	if !l.r.do(context.Background(), "auth limiter count", func(ctx context.Context) error {
		var err error
		ms, err = failScript.Run(ctx, l.r.rdb, keys(key),
			lim.max, lim.window.Milliseconds(), lim.lockout.Milliseconds()).Int64()
		return err
	}) {
		return localD, localLocked
	}
	if ms > 0 {
		return time.Duration(ms) * time.Millisecond, true
	}
	return 0, false
}

// Reset implements auth.Limiter. It talks to Redis only when Locked saw a
// counter for key, so a client that never fails costs one round trip per
// request, not two.
func (l *Limiter) Reset(key auth.Key) {
	l.local.Reset(key)
	if _, ok := l.dirty.LoadAndDelete(key); !ok {
		return
	}
	l.r.do(context.Background(), "auth limiter reset", func(ctx context.Context) error {
		return l.r.rdb.Del(ctx, keys(key)[0]).Err()
	})
}
