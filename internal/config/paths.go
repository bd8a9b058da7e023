package config

import (
	"errors"
	"path/filepath"
	"strings"
)

// Environment variables that locate the state directory and config file.
const (
	EnvStateDir   = "OPENCLAW_STATE_DIR"
	EnvConfigPath = "OPENCLAW_CONFIG_PATH"
)

// FileName is the config file's name inside the state directory.
const FileName = "openclaw.json"

// Paths locates the state directory and the config file.
type Paths struct {
	StateDir   string
	ConfigPath string
}

// ResolvePaths applies spec §1: the state dir is $OPENCLAW_STATE_DIR or
// ~/.openclaw; the config file is $OPENCLAW_CONFIG_PATH or
// <state dir>/openclaw.json. A leading "~/" is expanded in both variables.
// It fails only when a path depends on $HOME and $HOME is unset.
func ResolvePaths(getenv func(string) string) (Paths, error) {
	getenv = orEmptyEnv(getenv)
	var p Paths
	if d := getenv(EnvStateDir); d != "" {
		p.StateDir = filepath.Clean(ExpandHome(d, getenv))
	} else if home := getenv("HOME"); home != "" {
		p.StateDir = filepath.Join(home, ".openclaw")
	}
	if c := getenv(EnvConfigPath); c != "" {
		p.ConfigPath = filepath.Clean(ExpandHome(c, getenv))
	} else if p.StateDir != "" {
		p.ConfigPath = filepath.Join(p.StateDir, FileName)
	}
	if p.StateDir == "" {
		return p, errors.New("cannot locate the OpenClaw state directory: HOME is not set; set HOME or " + EnvStateDir)
	}
	return p, nil
}

// ExpandHome replaces a leading "~" or "~/" with $HOME (read through
// getenv). Other paths, and all paths when HOME is unset, are returned
// unchanged.
func ExpandHome(p string, getenv func(string) string) string {
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return p
	}
	home := orEmptyEnv(getenv)("HOME")
	if home == "" {
		return p
	}
	return filepath.Join(home, p[1:])
}

func orEmptyEnv(getenv func(string) string) func(string) string {
	if getenv == nil {
		return func(string) string { return "" }
	}
	return getenv
}
