// Package version reports the build's version and commit. Both are stamped
// at build time with -ldflags "-X …/version.version=… -X …/version.commit=…";
// an unstamped build falls back to the module build info.
package version

import (
	"runtime/debug"
	"sync"
)

var (
	version = ""
	commit  = ""
)

var info = sync.OnceValues(func() (string, string) {
	v, c := version, commit
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && c == "" && len(s.Value) >= 7 {
				c = s.Value[:7]
			}
		}
	}
	if v == "" {
		v = "0.1.0-dev"
	}
	if c == "" {
		c = "unknown"
	}
	return v, c
})

// Version returns the semantic version, e.g. "0.1.0".
func Version() string { v, _ := info(); return v }

// Commit returns the short commit hash or "unknown".
func Commit() string { _, c := info(); return c }

// String returns "openclaw <version> (<commit>)".
func String() string { return "openclaw " + Version() + " (" + Commit() + ")" }
