package upstream

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openclaw/openclaw-go/internal/provider"
)

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		h    map[string]string
		want time.Duration
	}{
		{"seconds", map[string]string{"Retry-After": "12"}, 12 * time.Second},
		{"HTTP date", map[string]string{"Retry-After": now.Add(90 * time.Second).Format(http.TimeFormat)}, 90 * time.Second},
		{"date in the past", map[string]string{"Retry-After": now.Add(-time.Minute).Format(http.TimeFormat)}, 0},
		{"retry-after-ms wins", map[string]string{"Retry-After": "12", "retry-after-ms": "250"}, 250 * time.Millisecond},
		{"garbage", map[string]string{"Retry-After": "soon"}, 0},
		{"negative", map[string]string{"Retry-After": "-3"}, 0},
		{"absent", nil, 0},
	} {
		h := http.Header{}
		for k, v := range tc.h {
			h.Set(k, v)
		}
		if got := ParseRetryAfter(h, now); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSnippet(t *testing.T) {
	t.Parallel()
	if got := Snippet([]byte("  héllo  "), 512); got != "héllo" {
		t.Errorf("%q", got)
	}
	if got := Snippet([]byte("aé"), 2); got != "a" { // never cuts a rune in half
		t.Errorf("%q", got)
	}
}

// A redirect is not followed: it fails the call with an error that names
// the new address (without its credentials) and says which setting to fix.
func TestRedirectIsAnErrorNamingTheTarget(t *testing.T) {
	t.Parallel()
	var followed atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/new/v1/chat/completions" {
			followed.Store(true)
			return
		}
		w.Header().Set("Location", "https://user:secret@api.example.com/new/v1/chat/completions?key=k")
		w.WriteHeader(http.StatusPermanentRedirect)
	}))
	t.Cleanup(srv.Close)
	_, err := start(t, srv.Client(), srv.URL+"/v1/chat/completions", provider.Timeouts{})
	pe, ok := provider.AsError(err)
	if !ok || pe.Status != http.StatusPermanentRedirect {
		t.Fatalf("got %v, want a 308 provider error", err)
	}
	if followed.Load() {
		t.Error("the redirect was followed")
	}
	if want := "redirects this request to https://api.example.com/new/v1/chat/completions"; !strings.Contains(pe.Message, want) {
		t.Errorf("message %q, want it to contain %q", pe.Message, want)
	}
	if strings.Contains(pe.Error(), "secret") || strings.Contains(pe.Error(), "key=k") {
		t.Errorf("the error leaks credentials of the Location: %v", pe)
	}
	if !strings.Contains(pe.Hint, "models.providers.p.baseUrl") {
		t.Errorf("hint %q does not name the setting", pe.Hint)
	}
}

// A transport failure names the request, as http.Client would.
func TestTransportErrorNamesTheRequest(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	_, err = start(t, &http.Client{}, "http://"+addr+"/v1/chat/completions", provider.Timeouts{})
	pe, ok := provider.AsError(err)
	if !ok || pe.Kind != provider.KindUnreachable || !strings.Contains(pe.Message, "connection refused") {
		t.Fatalf("got %v, want an unreachable error saying the connection was refused", err)
	}
	var ue *url.Error
	if !errors.As(err, &ue) || ue.Op != "Get" || !strings.Contains(ue.URL, addr) {
		t.Errorf("the cause %v does not name the request", pe.Err)
	}
}

// A body read to its end is not drained again on Close, and the connection
// goes back to the pool.
func TestCloseAfterEOFReusesTheConnection(t *testing.T) {
	t.Parallel()
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "whole body\n")
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	client := &http.Client{Transport: &http.Transport{}}
	for range 3 {
		c, err := start(t, client, srv.URL, provider.Timeouts{})
		if err != nil {
			t.Fatal(err)
		}
		if b, err := io.ReadAll(c); err != nil || string(b) != "whole body\n" {
			t.Fatalf("read %q, %v", b, err)
		}
		if !c.eof.Load() {
			t.Error("EOF not recorded")
		}
		c.Done()
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for 3 sequential calls, want 1", n)
	}
}
