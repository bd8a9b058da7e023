package jsonl_test

import (
	"testing"

	"github.com/openclaw/openclaw-go/internal/session/sessiontest"
)

func BenchmarkAppend(b *testing.B) { sessiontest.BenchAppend(b, openTemp(b)) }

func BenchmarkAppendParallel(b *testing.B) { sessiontest.BenchAppendParallel(b, openTemp(b)) }

func BenchmarkLoad(b *testing.B) { sessiontest.BenchLoad(b, openTemp(b)) }
