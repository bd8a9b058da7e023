package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteFile replaces the file at path with data atomically (spec §1): the
// parent directory is created with mode 0700, data goes to a temporary file
// in the same directory with mode 0600 and is fsynced, the previous content
// is kept as <path>.bak (0600), the temporary file is renamed over path and
// the directory is fsynced. A reader sees the old file or the new one,
// never a mix. If path is a symlink, its target is replaced.
func WriteFile(path string, data []byte) error {
	if target, err := filepath.EvalSymlinks(path); err == nil {
		path = target
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create config directory: %w", err)
	}
	old, err := os.ReadFile(path)
	hasOld := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read current config: %w", err)
	}
	if hasOld {
		if err := writeReplace(path+".bak", old); err != nil {
			return fmt.Errorf("keep backup: %w", err)
		}
	}
	if err := writeReplace(path, data); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	return nil
}

// writeReplace writes data to a 0600 temp file next to path, fsyncs it,
// renames it over path and fsyncs the directory.
func writeReplace(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	if err = f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err = f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err = f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, fs.ErrInvalid) {
		return err
	}
	return nil
}
