//go:build !linux

package sessiontest

import "time"

func threadCPUTime() (time.Duration, bool) { return 0, false }
