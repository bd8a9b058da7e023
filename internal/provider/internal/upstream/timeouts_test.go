package upstream

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/openclaw/openclaw-go/internal/provider"
)

// slowDialClient dials through a dialer that waits d first, standing for a
// slow connect (or a full connection pool).
func slowDialClient(d time.Duration) *http.Client {
	var dialer net.Dialer
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return dialer.DialContext(ctx, network, addr)
	}}}
}

// server answers after delay with one line, then two more, each after a
// gap of gap.
func server(t *testing.T, delay, gap time.Duration) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
		w.WriteHeader(200)
		io.WriteString(w, "one\n")
		w.(http.Flusher).Flush()
		for _, line := range []string{"two\n", "three\n"} {
			select {
			case <-time.After(gap):
			case <-r.Context().Done():
				return
			}
			io.WriteString(w, line)
			w.(http.Flusher).Flush()
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func start(t *testing.T, client *http.Client, url string, to provider.Timeouts) (*Call, error) {
	t.Helper()
	ctx := t.Context()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return Start(ctx, client, req, to, Target{Provider: "p", Model: "m"}, func([]byte) (string, string, bool) { return "", "", false })
}

func wantTimeout(t *testing.T, err error, msg string) {
	t.Helper()
	pe, ok := provider.AsError(err)
	if !ok || pe.Kind != provider.KindTimeout || !strings.Contains(pe.Message, msg) {
		t.Fatalf("got %v, want a timeout %q", err, msg)
	}
}

// Each phase of a call has its own bound, all kept by one timer.
func TestPhaseTimeouts(t *testing.T) {
	t.Parallel()
	const unit = 100 * time.Millisecond
	t.Run("connect", func(t *testing.T) {
		t.Parallel()
		_, err := start(t, slowDialClient(10*unit), server(t, 0, 0), provider.Timeouts{Connect: unit, FirstByte: 20 * unit, Idle: 20 * unit})
		wantTimeout(t, err, "connect timeout")
	})
	t.Run("first byte sooner than connect", func(t *testing.T) {
		t.Parallel()
		_, err := start(t, slowDialClient(10*unit), server(t, 0, 0), provider.Timeouts{Connect: 20 * unit, FirstByte: unit, Idle: 20 * unit})
		wantTimeout(t, err, "first-byte timeout")
	})
	t.Run("first byte counts from the start", func(t *testing.T) {
		t.Parallel()
		// 3 units to connect and 3 to answer: past a first-byte bound of 5,
		// though each part is within it.
		_, err := start(t, slowDialClient(3*unit), server(t, 3*unit, 0), provider.Timeouts{Connect: 4 * unit, FirstByte: 5 * unit, Idle: 20 * unit})
		wantTimeout(t, err, "first-byte timeout")
	})
	t.Run("slow connect within bounds", func(t *testing.T) {
		t.Parallel()
		c, err := start(t, slowDialClient(2*unit), server(t, unit, 0), provider.Timeouts{Connect: 4 * unit, FirstByte: 8 * unit, Idle: 8 * unit})
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(c)
		c.Close()
		if err != nil || string(body) != "one\ntwo\nthree\n" {
			t.Fatalf("body %q, err %v", body, err)
		}
	})
	t.Run("idle", func(t *testing.T) {
		t.Parallel()
		c, err := start(t, http.DefaultClient, server(t, 0, 20*unit), provider.Timeouts{Connect: 20 * unit, FirstByte: 20 * unit, Idle: 2 * unit})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_, err = io.ReadAll(c)
		wantTimeout(t, err, "idle timeout")
	})
	t.Run("idle bound restarts on progress", func(t *testing.T) {
		t.Parallel()
		// Gaps of 3 units under an idle bound of 5: the body takes longer
		// than one idle period without ever stalling for one.
		c, err := start(t, http.DefaultClient, server(t, 0, 3*unit), provider.Timeouts{Connect: 20 * unit, FirstByte: 20 * unit, Idle: 5 * unit})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if body, err := io.ReadAll(c); err != nil || string(body) != "one\ntwo\nthree\n" {
			t.Fatalf("body %q, err %v", body, err)
		}
	})
}

// A timer callback that starts just as the deadline moves (a new phase, or
// progress) must not cancel the call, and one that fires at its deadline
// cancels it with the cause of the phase it is in.
func TestExpiredChecksTheDeadline(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancelCause(context.Background())
	c := &Call{ctx: ctx, cancel: cancel, timer: time.AfterFunc(time.Hour, func() {})}
	defer c.timer.Stop()
	c.enter(phaseIdle, time.Hour) // the deadline moved while a callback for the old one starts
	c.expired()
	if ctx.Err() != nil {
		t.Fatalf("a stale firing canceled the call: %v", context.Cause(ctx))
	}
	c.due.Store(monoNow() - int64(time.Millisecond))
	c.expired()
	if got := context.Cause(ctx); got != errIdleTimeout {
		t.Fatalf("cause %v, want %v", got, errIdleTimeout)
	}
}
