// Package pump is the part every adapter's stream shares: a queue of
// decoded deltas in front of the pooled SSE reader (or of one whole,
// non-streamed body), the sticky end-of-stream error, and the release of
// the upstream call. An adapter embeds a Pump, supplies a Source that turns
// one event (or the whole body) into deltas, and gets Next, Buffered and
// Close with one queue discipline and one place to fix it.
package pump

import (
	"io"

	"github.com/openclaw/openclaw-go/internal/provider"
	"github.com/openclaw/openclaw-go/internal/provider/internal/upstream"
	"github.com/openclaw/openclaw-go/internal/provider/sse"
)

// Source is what an adapter supplies to a Pump.
type Source interface {
	// Whole parses the non-streamed body, pushing its deltas and ending or
	// failing the pump.
	Whole()
	// Event handles one SSE event. Its data aliases the reader and is
	// valid only during the call.
	Event(ev sse.Event)
	// ReadFailed handles an error reading the stream (io.EOF included).
	ReadFailed(err error)
}

// Pump queues deltas and reads events on demand. Next, Push, Fail and End
// belong to the reading goroutine; Close may run concurrently with Next,
// which then fails.
type Pump struct {
	// Call is the upstream request (nil when parsing from memory).
	Call *upstream.Call

	whole   bool
	sse     sse.Lease
	pending []provider.Delta
	head    int
	err     error // returned once pending is drained; io.EOF at the end
}

// InitStream sets the pump up to read SSE events from src.
func (p *Pump) InitStream(src io.Reader, call *upstream.Call) {
	p.Call = call
	p.pending = make([]provider.Delta, 0, 4)
	p.sse.Init(sse.NewReader(src, 0))
}

// InitWhole sets the pump up for one non-streamed body, which the Source
// reads on the first Next.
func (p *Pump) InitWhole(call *upstream.Call) {
	p.Call = call
	p.whole = true
	p.pending = make([]provider.Delta, 0, 4) // text, tool calls, finish, usage: one allocation
}

// Push queues a delta.
func (p *Pump) Push(d provider.Delta) { p.pending = append(p.pending, d) }

// Fail ends the stream with err once the queued deltas are read.
func (p *Pump) Fail(err error) { p.err = err }

// End ends the stream normally (io.EOF after the queued deltas) and lets
// the call keep its connection for reuse.
func (p *Pump) End() {
	p.err = io.EOF
	if p.Call != nil {
		p.Call.Done()
	}
}

// Next returns the next delta, reading events through src as needed.
func (p *Pump) Next(src Source) (provider.Delta, error) {
	for {
		if p.head < len(p.pending) {
			d := p.pending[p.head]
			p.pending[p.head] = provider.Delta{}
			p.head++
			return d, nil
		}
		p.pending, p.head = p.pending[:0], 0
		if p.err != nil {
			return provider.Delta{}, p.err
		}
		if p.whole {
			p.whole = false
			src.Whole()
			continue
		}
		r := p.sse.Begin()
		if r == nil {
			p.err = upstream.ErrClosed
			continue
		}
		if ev, err := r.Next(); err != nil {
			src.ReadFailed(err)
		} else {
			src.Event(ev)
		}
		// The event aliases the reader: release it only now.
		p.sse.Finish(p.err != nil)
	}
}

// Buffered implements provider.Buffered: the next delta is queued, or its
// event is already read from the network.
func (p *Pump) Buffered() bool {
	return p.head < len(p.pending) || p.err != nil || p.whole || p.sse.Buffered()
}

// Close implements provider.Stream: it cancels the upstream request unless
// the stream was read to its end, and releases the connection.
func (p *Pump) Close() error {
	p.sse.Close()
	if p.Call != nil {
		return p.Call.Close()
	}
	return nil
}
