package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// watchDebounce coalesces the bursts of events an editor's save produces.
const watchDebounce = 100 * time.Millisecond

// Watch reloads the config file at path when it changes and reports each
// result to onChange: the new config (as Load returns it), or the error,
// in which case the caller keeps running its current config (spec §1: an
// invalid config never takes down a running gateway). Saves that leave the
// bytes unchanged are ignored. Watch blocks until ctx is done and then
// returns nil; it returns an error only if watching cannot start.
//
// It watches the file's directory, not the file: editors and WriteFile
// replace the file by rename, and Kubernetes swaps a "..data" symlink.
func Watch(ctx context.Context, path string, getenv func(string) string, onChange func(*Config, error)) error {
	return WatchWith(ctx, path, Options{Getenv: getenv}, onChange)
}

// WatchWith is Watch with options.
func WatchWith(ctx context.Context, path string, o Options, onChange func(*Config, error)) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("watch config: %w", err)
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch config: %w", err)
	}
	defer w.Close()
	if err := w.Add(filepath.Dir(abs)); err != nil {
		return fmt.Errorf("watch config directory: %w", err)
	}

	last, err := os.ReadFile(abs)
	missing := errors.Is(err, fs.ErrNotExist)

	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if ev.Name != abs && !strings.HasPrefix(filepath.Base(ev.Name), "..") {
				continue
			}
			timer.Reset(watchDebounce)
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			onChange(nil, fmt.Errorf("watch config %s: %w", abs, err))
		case <-timer.C:
			data, err := os.ReadFile(abs)
			if err != nil {
				gone := errors.Is(err, fs.ErrNotExist)
				if gone && missing {
					continue
				}
				missing, last = gone, nil
				onChange(nil, fmt.Errorf("reload config: %w", err))
				continue
			}
			if !missing && bytes.Equal(data, last) {
				continue
			}
			missing, last = false, data
			c, err := loadBytes(data, o)
			if err != nil {
				err = fmt.Errorf("reload config %s: %w", abs, err)
			}
			onChange(c, err)
		}
	}
}
