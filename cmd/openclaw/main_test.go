package main

import (
	"slices"
	"testing"
)

func TestLauncherEnvReplacesAnInheritedVersion(t *testing.T) {
	got := launcherEnv([]string{"A=1", "OPENCLAW_LAUNCHER_VERSION=openclaw 0.0.1 (old)", "B=2"}, "openclaw 1.0.0 (new)")
	want := []string{"A=1", "B=2", "OPENCLAW_LAUNCHER_VERSION=openclaw 1.0.0 (new)"}
	if !slices.Equal(got, want) {
		t.Fatalf("launcherEnv = %q, want %q", got, want)
	}
}
