//go:build !linux

package sqlite_test

import "time"

func threadCPUTime() (time.Duration, bool) { return 0, false }
