package openai

import (
	"net/http"
	"testing"
)

// flushCounter is a ResponseWriter that counts flushes.
type flushCounter struct {
	discardWriter
	flushes int
}

func (f *flushCounter) Flush() { f.flushes++ }

type bufferedScript []bool // Buffered answers, in order

func (f *bufferedScript) Buffered() bool {
	b := (*f)[0]
	*f = (*f)[1:]
	return b
}

// The flush policy: the first output at once, then only before the relay
// would wait for the upstream.
func TestFlushPolicy(t *testing.T) {
	w := &flushCounter{discardWriter: discardWriter{h: http.Header{}}}
	s := newSSEWriter(w)
	up := &bufferedScript{true, false, true, true, false}
	steps := []struct {
		output bool
		want   int
	}{
		{false, 0}, // role, next delta buffered: wait
		{false, 1}, // nothing buffered: flush before waiting
		{true, 2},  // first output: at once, whatever is buffered
		{true, 2},  // more output buffered behind it: keep writing
		{true, 2},  // still buffered
		{true, 3},  // nothing buffered: flush
	}
	s.flushUnlessBuffered(up)
	if w.flushes != steps[0].want {
		t.Fatalf("after the role: %d flushes, want %d", w.flushes, steps[0].want)
	}
	for i, st := range steps[1:] {
		s.relayed(st.output, up)
		if w.flushes != st.want {
			t.Fatalf("step %d: %d flushes, want %d", i+1, w.flushes, st.want)
		}
	}
}
