package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/openclaw/openclaw-go/internal/session/sessiontest"
	"github.com/openclaw/openclaw-go/internal/session/sqlite"
)

func benchStore(b *testing.B, opts sqlite.Options) *sqlite.Store {
	s, err := sqlite.OpenWithOptions(filepath.Join(b.TempDir(), "sessions.db"), opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func BenchmarkAppend(b *testing.B) {
	for _, syncMode := range []string{"NORMAL", "FULL"} {
		b.Run("synchronous="+syncMode, func(b *testing.B) {
			sessiontest.BenchAppend(b, benchStore(b, sqlite.Options{Synchronous: syncMode}))
		})
	}
}

func BenchmarkAppendParallel(b *testing.B) {
	sessiontest.BenchAppendParallel(b, benchStore(b, sqlite.Options{}))
}

func BenchmarkLoad(b *testing.B) { sessiontest.BenchLoad(b, benchStore(b, sqlite.Options{})) }
