package shared_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openclaw/openclaw-go/internal/auth"
	"github.com/openclaw/openclaw-go/internal/channel/msteams"
	"github.com/openclaw/openclaw-go/internal/shared"
)

// testDB is the Redis database these tests own (the e2e tests use others);
// it is flushed before each test, so the tests here run one at a time.
const testDB = "10"

// redisAddr returns host:port of the test Redis, or skips: `make test`
// starts one (scripts/services.sh) and exports OPENCLAW_TEST_REDIS_URL.
func redisURL(t *testing.T) string {
	t.Helper()
	raw := os.Getenv("OPENCLAW_TEST_REDIS_URL")
	if raw == "" {
		t.Skip("OPENCLAW_TEST_REDIS_URL is not set; run `eval \"$(scripts/services.sh env)\"` (or `make test`) to start a test Redis")
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + testDB
	return u.String()
}

type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// open returns a handle on rawURL with a short back-off, logging to logs.
func open(t *testing.T, rawURL string, logs io.Writer) *shared.Redis {
	t.Helper()
	if logs == nil {
		logs = io.Discard
	}
	r, err := shared.Open(t.Context(), rawURL, shared.Options{
		RetryAfter: 50 * time.Millisecond,
		Logger:     slog.New(slog.NewTextHandler(logs, nil)),
	})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// fresh opens a handle on the flushed test database.
func fresh(t *testing.T) *shared.Redis {
	t.Helper()
	r := open(t, redisURL(t), nil)
	if err := r.Client().FlushDB(t.Context()).Err(); err != nil {
		t.Fatalf("FLUSHDB: %v", err)
	}
	return r
}

var client = auth.Key{Addr: netip.MustParseAddr("203.0.113.7"), Class: auth.ClassToken}

func TestLimiterLockoutHoldsOnEveryReplica(t *testing.T) {
	r := fresh(t)
	a := shared.NewLimiter(r, 10, time.Minute, time.Minute)
	b := shared.NewLimiter(open(t, redisURL(t), nil), 10, time.Minute, time.Minute)
	now := time.Now()
	for i := range 9 {
		l := a
		if i%2 == 1 {
			l = b
		}
		if _, locked := l.Fail(client, now); locked {
			t.Fatalf("locked after %d failures", i+1)
		}
	}
	if _, locked := b.Locked(client, now); locked {
		t.Fatal("locked before the 10th failure")
	}
	if d, locked := b.Fail(client, now); !locked || d <= 0 {
		t.Fatalf("10th failure: locked %v for %v, want a lockout", locked, d)
	}
	for name, l := range map[string]*shared.Limiter{"a": a, "b": b} {
		if d, locked := l.Locked(client, now); !locked || d <= 50*time.Second || d > time.Minute {
			t.Errorf("replica %s: Locked = %v, %v; want locked for about a minute", name, d, locked)
		}
	}
	other := auth.Key{Addr: client.Addr, Class: auth.ClassPassword}
	if _, locked := a.Locked(other, now); locked {
		t.Error("a lockout for the token class also locked the password class")
	}
	if err := r.Degraded(); err != nil {
		t.Errorf("Degraded = %v with Redis up", err)
	}
}

func TestLimiterResetAndWindow(t *testing.T) {
	r := fresh(t)
	l := shared.NewLimiter(r, 3, 300*time.Millisecond, 300*time.Millisecond)
	now := time.Now()
	l.Fail(client, now)
	l.Fail(client, now)
	if _, locked := l.Locked(client, now); locked {
		t.Fatal("locked after 2 of 3")
	}
	l.Reset(client) // a success forgets the failures
	l.Fail(client, now)
	l.Fail(client, now)
	if _, locked := l.Locked(client, now); locked {
		t.Fatal("Reset did not clear the counter")
	}
	time.Sleep(350 * time.Millisecond) // the window ends
	if _, locked := l.Fail(client, now); locked {
		t.Fatal("failures of an expired window still counted")
	}
	l.Fail(client, now)
	if _, locked := l.Fail(client, now); !locked {
		t.Fatal("3 failures in the window did not lock")
	}
	time.Sleep(350 * time.Millisecond) // the lockout ends
	if _, locked := l.Locked(client, now); locked {
		t.Fatal("lockout did not end")
	}
	l.SetLimits(1, time.Minute, time.Minute)
	if _, locked := l.Fail(client, now); !locked {
		t.Fatal("SetLimits(1, …) did not take effect")
	}
}

// proxy is a TCP forwarder in front of the test Redis that the test can cut
// and restore, standing for a Redis outage.
type proxy struct {
	t      *testing.T
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	p := &proxy{t: t, target: target}
	p.up()
	p.addr = p.ln.Addr().String()
	t.Cleanup(p.down)
	return p
}

func (p *proxy) up() {
	p.mu.Lock()
	defer p.mu.Unlock()
	addr := p.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.ln = ln
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, u)
			p.mu.Unlock()
			go func() { io.Copy(u, c); u.Close() }() //nolint:errcheck // either side closing ends both
			go func() { io.Copy(c, u); c.Close() }() //nolint:errcheck
		}
	}()
}

func (p *proxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *proxy) url(t *testing.T) string {
	u, _ := url.Parse(redisURL(t))
	u.Host = p.addr
	return u.String()
}

func TestLimiterFallsBackToLocalLimitsAndRecovers(t *testing.T) {
	fresh(t)
	target, _ := url.Parse(redisURL(t))
	p := newProxy(t, target.Host)
	logs := &logBuf{}
	r := open(t, p.url(t), logs)
	l := shared.NewLimiter(r, 3, time.Minute, time.Minute)
	now := time.Now()
	if err := r.Degraded(); err != nil {
		t.Fatalf("Degraded = %v before the outage", err)
	}

	p.down()
	start := time.Now()
	l.Fail(client, now)
	l.Fail(client, now)
	if _, locked := l.Locked(client, now); locked {
		t.Fatal("locked after 2 of 3 failures during the outage")
	}
	if _, locked := l.Fail(client, now); !locked {
		t.Fatal("local limits did not lock out during the outage: fail-open")
	}
	if d, locked := l.Locked(client, now); !locked || d <= 0 {
		t.Fatal("local lockout not reported")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("six limiter calls took %v during the outage", d)
	}
	if err := r.Degraded(); err == nil || !strings.Contains(err.Error(), "shared state redis at "+p.addr) {
		t.Fatalf("Degraded = %v, want an error naming redis at %s", err, p.addr)
	}
	other := auth.Key{Addr: netip.MustParseAddr("198.51.100.1"), Class: auth.ClassToken}
	if _, locked := l.Locked(other, now); locked {
		t.Fatal("a client without failures is locked out during the outage: fail-closed")
	}
	if n := strings.Count(logs.String(), "shared state unavailable"); n != 1 {
		t.Errorf("%d outage warnings, want 1 (at most one a minute):\n%s", n, logs)
	}

	p.up()
	if err := r.Ping(t.Context()); err != nil {
		t.Fatalf("Ping after Redis came back: %v", err)
	}
	if err := r.Degraded(); err != nil {
		t.Fatalf("still degraded after recovery: %v", err)
	}
	if !strings.Contains(logs.String(), "shared state available again") {
		t.Errorf("recovery not logged:\n%s", logs)
	}
	// Redis is authoritative again: the local lockout of the outage is not
	// consulted, and new failures count in Redis.
	if _, locked := l.Locked(client, now); locked {
		t.Error("local lockout still consulted while Redis is healthy")
	}
}

func TestOpenUnreachableStartsDegraded(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	r, err := shared.Open(t.Context(), "redis://:s3cret-pw@"+addr+"/0", shared.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("Open with Redis down = %v, want a degraded handle", err)
	}
	defer r.Close()
	err = r.Degraded()
	if err == nil || strings.Contains(err.Error(), "s3cret-pw") || !strings.Contains(err.Error(), addr) {
		t.Fatalf("Degraded = %v, want an error naming %s without the password", err, addr)
	}
}

func TestOpenMalformedURLDoesNotEchoIt(t *testing.T) {
	_, err := shared.Open(t.Context(), "redis://:s3cret-pw@host:notaport/0", shared.Options{})
	if err == nil || strings.Contains(err.Error(), "s3cret-pw") || !strings.Contains(err.Error(), "storage.shared.url") {
		t.Fatalf("Open = %v", err)
	}
}

func TestDeduperIsShared(t *testing.T) {
	r := fresh(t)
	a, b := shared.NewDeduper(r), shared.NewDeduper(open(t, redisURL(t), nil))
	ctx := t.Context()
	if first, err := a.FirstSeen(ctx, "act-1", 200*time.Millisecond); err != nil || !first {
		t.Fatalf("first delivery: %v, %v", first, err)
	}
	if first, _ := b.FirstSeen(ctx, "act-1", 200*time.Millisecond); first {
		t.Fatal("a retry delivered to the other replica was processed again")
	}
	if first, _ := b.FirstSeen(ctx, "act-2", time.Minute); !first {
		t.Fatal("another activity was taken for a duplicate")
	}
	time.Sleep(250 * time.Millisecond)
	if first, _ := a.FirstSeen(ctx, "act-1", time.Minute); !first {
		t.Fatal("the window did not expire")
	}
}

func TestTokenCacheIsShared(t *testing.T) {
	r := fresh(t)
	a, b := shared.NewTokenCache(r), shared.NewTokenCache(open(t, redisURL(t), nil))
	ctx := t.Context()
	tok := msteams.Token{AccessToken: "tok-1", ExpiresAt: time.Now().Add(time.Hour).Truncate(time.Second)}
	if err := a.Put(ctx, "app|tenant", tok); err != nil {
		t.Fatal(err)
	}
	got, ok, err := b.Get(ctx, "app|tenant")
	if err != nil || !ok || got.AccessToken != tok.AccessToken || !got.ExpiresAt.Equal(tok.ExpiresAt) {
		t.Fatalf("Get on the other replica = %+v, %v, %v", got, ok, err)
	}
	if ttl := r.Client().PTTL(ctx, shared.TokenPrefix+"app|tenant").Val(); ttl <= 59*time.Minute || ttl > time.Hour {
		t.Errorf("Redis entry expires in %v, want with the token", ttl)
	}
	if err := b.Delete(ctx, "app|tenant"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := a.Get(ctx, "app|tenant"); ok {
		t.Error("deleted token still cached")
	}
	if err := a.Put(ctx, "old", msteams.Token{AccessToken: "x", ExpiresAt: time.Now().Add(-time.Second)}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := b.Get(ctx, "old"); ok {
		t.Error("an expired token was shared")
	}
}

func TestReferenceStoreIsShared(t *testing.T) {
	r := fresh(t)
	a, b := shared.NewReferenceStore(r), shared.NewReferenceStore(open(t, redisURL(t), nil))
	ctx := t.Context()
	for _, id := range []string{"conv-b", "conv-a"} {
		if err := a.Put(ctx, msteams.ConversationReference{ConversationID: id, ServiceURL: "https://smba.example/" + id}); err != nil {
			t.Fatal(err)
		}
	}
	refs, err := b.List(ctx)
	if err != nil || len(refs) != 2 || refs[0].ConversationID != "conv-a" || refs[1].ServiceURL != "https://smba.example/conv-b" {
		t.Fatalf("List = %+v, %v", refs, err)
	}
}

func TestPairingIsSharedWithTheFileStoreRules(t *testing.T) {
	r := fresh(t)
	var mu sync.Mutex
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	a := shared.NewPairingStore(r, clock)
	b := shared.NewPairingStore(open(t, redisURL(t), nil), clock)
	ctx := t.Context()

	first, created, err := a.Request(ctx, msteams.PairingRequest{SenderID: "AAD-1", Name: "Ada"})
	if err != nil || !created || len(first.Code) != 8 || !first.ExpiresAt.Equal(now.Add(msteams.PairingTTL)) {
		t.Fatalf("Request = %+v, %v, %v", first, created, err)
	}
	again, created, err := b.Request(ctx, msteams.PairingRequest{SenderID: "AAD-1"})
	if err != nil || created || again.Code != first.Code {
		t.Fatalf("second Request from the same sender = %+v, %v, %v; want the pending one", again, created, err)
	}
	advance(time.Second)
	b.Request(ctx, msteams.PairingRequest{SenderID: "AAD-2"}) //nolint:errcheck
	advance(time.Second)
	b.Request(ctx, msteams.PairingRequest{SenderID: "AAD-3"}) //nolint:errcheck
	if _, _, err := a.Request(ctx, msteams.PairingRequest{SenderID: "AAD-4"}); !errors.Is(err, msteams.ErrPairingFull) {
		t.Fatalf("4th pending request = %v, want ErrPairingFull", err)
	}
	pending, err := b.Pending(ctx)
	if err != nil || len(pending) != 3 || pending[0].SenderID != "AAD-1" || pending[2].SenderID != "AAD-3" {
		t.Fatalf("Pending = %+v, %v; want 3, oldest first", pending, err)
	}

	if _, err := b.Approve(ctx, "NOPE2345"); !errors.Is(err, msteams.ErrPairingNotFound) {
		t.Fatalf("Approve(unknown) = %v", err)
	}
	got, err := b.Approve(ctx, " "+strings.ToLower(first.Code)+" ")
	if err != nil || got.SenderID != "AAD-1" {
		t.Fatalf("Approve through the other replica = %+v, %v", got, err)
	}
	for _, id := range []string{"AAD-1", "aad-1"} {
		if ok, err := a.Approved(ctx, id); err != nil || !ok {
			t.Errorf("Approved(%q) = %v, %v", id, ok, err)
		}
	}
	if ok, _ := a.Approved(ctx, "AAD-2"); ok {
		t.Error("a pending sender counts as approved")
	}
	if _, err := a.Approve(ctx, first.Code); !errors.Is(err, msteams.ErrPairingNotFound) {
		t.Errorf("approving a code twice = %v", err)
	}

	advance(msteams.PairingTTL)
	if pending, _ := a.Pending(ctx); len(pending) != 0 {
		t.Errorf("expired requests still pending: %+v", pending)
	}
	if _, created, err := a.Request(ctx, msteams.PairingRequest{SenderID: "AAD-4"}); err != nil || !created {
		t.Errorf("Request after the others expired = %v, %v", created, err)
	}
}

func TestPairingWithoutRedisFailsClosed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	r := open(t, "redis://"+addr+"/0", nil)
	s := shared.NewPairingStore(r, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if ok, err := s.Approved(ctx, "AAD-1"); ok || err == nil {
		t.Fatalf("Approved with Redis down = %v, %v; want an error", ok, err)
	}
}
