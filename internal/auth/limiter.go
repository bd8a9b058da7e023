package auth

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Class is the kind of credential a failed attempt presented; failures are
// counted per client address and class (spec §4).
type Class string

// Credential classes.
const (
	ClassToken    Class = "token"
	ClassPassword Class = "password"
)

// Key identifies a failure counter. It is a comparable struct rather than a
// string so that the success path can look it up without allocating.
type Key struct {
	Addr  netip.Addr
	Class Class
}

// String renders the key for stores that need a string (e.g. Redis):
// "<class>|<addr>".
func (k Key) String() string { return string(k.Class) + "|" + k.Addr.String() }

// Limiter counts failed authentication attempts and locks a key out once it
// reaches the limit. Implementations must be safe for concurrent use.
type Limiter interface {
	// Locked reports whether key is locked out at now, and for how long.
	Locked(key Key, now time.Time) (retryAfter time.Duration, locked bool)
	// Fail records a failed attempt; locked reports whether this failure
	// started a lockout (or one is running), retryAfter its remaining time.
	Fail(key Key, now time.Time) (retryAfter time.Duration, locked bool)
	// Reset forgets key's failures (after a successful attempt).
	Reset(key Key)
}

// Defaults of gateway.auth.rateLimit.
const (
	DefaultMaxAttempts = 10
	DefaultWindow      = 60 * time.Second
	DefaultLockout     = 300 * time.Second
)

// defaultMaxEntries bounds the memory of a MemoryLimiter.
const defaultMaxEntries = 10000

// MemoryLimiter is the in-process Limiter: a fixed window per key that
// starts at the key's first failure, then a lockout. Memory is bounded:
// expired entries are swept, and when the table is full the new failure
// displaces an entry that is not locked out (or, failing that, any entry).
type MemoryLimiter struct {
	// n mirrors len(entries) so that the success path skips the mutex
	// entirely while nobody has failed.
	n atomic.Int64

	mu         sync.Mutex
	max        int
	window     time.Duration
	lockout    time.Duration
	maxEntries int
	entries    map[Key]*limitEntry
	nextSweep  time.Time
}

type limitEntry struct {
	failures    int
	windowStart time.Time
	lockedUntil time.Time
}

// NewMemoryLimiter returns a limiter that locks a key out for lockout after
// maxAttempts failures within window. Non-positive values take the defaults
// (10, 60 s, 300 s).
func NewMemoryLimiter(maxAttempts int, window, lockout time.Duration) *MemoryLimiter {
	l := &MemoryLimiter{maxEntries: defaultMaxEntries, entries: make(map[Key]*limitEntry)}
	l.SetLimits(maxAttempts, window, lockout)
	return l
}

// SetLimits changes the limits (on config reload). Running lockouts keep
// their end time; counters are compared with the new maximum from the next
// failure on.
func (l *MemoryLimiter) SetLimits(maxAttempts int, window, lockout time.Duration) {
	if maxAttempts <= 0 {
		maxAttempts = DefaultMaxAttempts
	}
	if window <= 0 {
		window = DefaultWindow
	}
	if lockout <= 0 {
		lockout = DefaultLockout
	}
	l.mu.Lock()
	l.max, l.window, l.lockout = maxAttempts, window, lockout
	l.mu.Unlock()
}

// Locked implements Limiter.
func (l *MemoryLimiter) Locked(key Key, now time.Time) (time.Duration, bool) {
	if l.n.Load() == 0 {
		return 0, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.entries[key]
	if !ok {
		return 0, false
	}
	if now.Before(e.lockedUntil) {
		return e.lockedUntil.Sub(now), true
	}
	if !e.lockedUntil.IsZero() {
		// The lockout is over: start again from zero.
		l.remove(key)
	}
	return 0, false
}

// Fail implements Limiter.
func (l *MemoryLimiter) Fail(key Key, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !now.Before(l.nextSweep) {
		l.sweep(now)
		l.nextSweep = now.Add(l.window)
	}
	e, ok := l.entries[key]
	switch {
	case ok && now.Before(e.lockedUntil):
		return e.lockedUntil.Sub(now), true
	case ok && (!e.lockedUntil.IsZero() || now.Sub(e.windowStart) >= l.window):
		*e = limitEntry{windowStart: now} // lockout or window over
	case !ok:
		if len(l.entries) >= l.maxEntries {
			l.sweep(now)
			if len(l.entries) >= l.maxEntries {
				l.evictOne(now)
			}
		}
		e = &limitEntry{windowStart: now}
		l.entries[key] = e
		l.n.Store(int64(len(l.entries)))
	}
	e.failures++
	if e.failures >= l.max {
		e.lockedUntil = now.Add(l.lockout)
		return l.lockout, true
	}
	return 0, false
}

// Reset implements Limiter.
func (l *MemoryLimiter) Reset(key Key) {
	if l.n.Load() == 0 {
		return
	}
	l.mu.Lock()
	l.remove(key)
	l.mu.Unlock()
}

// Len reports how many keys have recorded failures.
func (l *MemoryLimiter) Len() int { return int(l.n.Load()) }

func (l *MemoryLimiter) remove(key Key) {
	delete(l.entries, key)
	l.n.Store(int64(len(l.entries)))
}

func (l *MemoryLimiter) expired(e *limitEntry, now time.Time) bool {
	if !e.lockedUntil.IsZero() {
		return !now.Before(e.lockedUntil)
	}
	return now.Sub(e.windowStart) >= l.window
}

// sweep drops entries whose window and lockout are over.
func (l *MemoryLimiter) sweep(now time.Time) {
	for k, e := range l.entries {
		if l.expired(e, now) {
			delete(l.entries, k)
		}
	}
	l.n.Store(int64(len(l.entries)))
}

// evictOne makes room in a full table, preferring an entry that is only
// counting over one that is locked out, so that flooding the table from many
// addresses does not lift running lockouts first.
func (l *MemoryLimiter) evictOne(now time.Time) {
	var victim Key
	found := false
	for k, e := range l.entries {
		if !now.Before(e.lockedUntil) {
			victim, found = k, true
			break
		}
		if !found {
			victim, found = k, true
		}
	}
	if found {
		delete(l.entries, victim)
	}
	l.n.Store(int64(len(l.entries)))
}
