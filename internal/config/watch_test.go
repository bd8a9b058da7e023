package config

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type reload struct {
	cfg *Config
	err error
}

func TestWatchReloads(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "openclaw.json")
	if err := WriteFile(path, []byte(`{gateway: {port: 1000}}`)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	got := make(chan reload, 10)
	done := make(chan error, 1)
	go func() {
		done <- Watch(ctx, path, env("HOME", dir), func(c *Config, err error) { got <- reload{c, err} })
	}()
	// fsnotify needs the watch in place before the first change; there is no
	// hook for that, so write (different bytes each time, since identical
	// saves are ignored) until the first event arrives.
	next := func(write func(i int)) reload {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for i := 0; ; i++ {
			write(i)
			select {
			case r := <-got:
				return r
			case <-time.After(500 * time.Millisecond):
			case <-deadline:
				t.Fatal("no reload reported")
			}
		}
	}

	r := next(func(i int) { _ = WriteFile(path, fmt.Appendf(nil, `{gateway: {port: %d}}`, 2000+i)) })
	if r.err != nil || r.cfg.Gateway.Port < 2000 {
		t.Fatalf("valid change: %+v", r)
	}

	r = next(func(int) { _ = WriteFile(path, []byte(`{gateway: {port: "x"}}`)) })
	if r.err == nil || !strings.Contains(r.err.Error(), "gateway.port") {
		t.Fatalf("invalid change: err = %v, want one naming gateway.port", r.err)
	}

	// Replacing the file by rename, as editors do, with identical bytes is
	// ignored; the next real change is reported.
	tmp := filepath.Join(dir, "edit.tmp")
	_ = os.WriteFile(tmp, []byte(`{gateway: {port: "x"}}`), 0o600)
	_ = os.Rename(tmp, path)
	time.Sleep(3 * watchDebounce)
	select {
	case r := <-got:
		t.Fatalf("identical bytes reported: %+v", r)
	default:
	}
	_ = os.WriteFile(tmp, []byte(`{gateway: {port: 3000}}`), 0o600)
	_ = os.Rename(tmp, path)
	select {
	case r := <-got:
		if r.err != nil || r.cfg.Gateway.Port != 3000 {
			t.Fatalf("rename change: %+v", r)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("rename not reported")
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Watch returned %v after cancel", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Watch did not return after cancel")
	}
}
