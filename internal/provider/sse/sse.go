// Package sse reads Server-Sent Events (the text/event-stream format of the
// WHATWG HTML spec) as sent by LLM APIs, for the provider adapters.
//
// It is built for the relay hot path: one small bufio.Reader (4 KiB; longer
// lines are assembled in a separate buffer that grows up to the bound) and
// two reused byte buffers per stream, no allocation per event in the steady
// state, and returned slices that alias those buffers (valid until the next
// call). Readers are pooled: Release hands a finished stream's buffers to the
// next one, and Lease does so safely for a stream whose Close may race its
// reads. It is a reader only; the gateway's own SSE writer lives with the
// HTTP handlers.
//
// Supported: "data:" with or without the single leading space, multi-line
// data (joined with "\n"), "event:" names, ":" comments, other fields
// ("id:", "retry:", unknown) ignored, LF, CRLF and lone CR line endings. A
// line or an event's data longer than the configured bound is an error
// (ErrTooLong) instead of unbounded buffering.
package sse

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
)

// DefaultMaxSize bounds one line and one event's data when NewReader is given
// a non-positive limit. LLM stream events are small (a few hundred bytes); a
// whole tool-call argument in one event rarely exceeds a few hundred KiB.
const DefaultMaxSize = 8 << 20

// ErrTooLong is returned (wrapped, with the limit) when a line or the data of
// one event exceeds the reader's bound.
var ErrTooLong = errors.New("sse: line or event exceeds the size limit")

// Event is one dispatched event. Name and Data alias the reader's buffers and
// are valid only until the next call to Next.
type Event struct {
	// Name is the value of the last "event:" field, nil when there was none
	// (the SSE default event type "message").
	Name []byte
	// Data is the event's data lines joined with "\n".
	Data []byte
}

// bufSize is the read buffer of a pooled Reader: enough for every event an
// LLM stream normally sends in one piece, small enough that thousands of open
// streams cost little. Longer lines are assembled in Reader.line.
const bufSize = 4 << 10

// Pooled buffers larger than these are dropped on Release rather than kept:
// one huge tool-call event must not pin its buffer for the process lifetime.
const (
	maxPooledLine = 64 << 10
	maxPooledData = 64 << 10
)

var pool = sync.Pool{New: func() any { return &Reader{br: bufio.NewReaderSize(nil, bufSize)} }}

// errReleased is returned by a Reader used after Release.
var errReleased = errors.New("sse: reader used after Release")

// Reader reads events from a stream. It is not safe for concurrent use.
type Reader struct {
	br   *bufio.Reader
	max  int
	line []byte // assembles a line longer than the bufio buffer
	data []byte // data of the event being read
	name []byte // name of the event being read
	// hasData is set by any "data" field, even an empty one: per the spec an
	// event is dispatched only when its data buffer was written to.
	hasData bool
	// rest holds the unprocessed part of a line that contained lone CRs.
	rest []byte
	err  error
	// pooled is set on readers that came from the pool and go back on
	// Release (readers with a bound below bufSize are not pooled).
	pooled bool
}

// NewReader returns a Reader over r. maxSize bounds a single line and the
// data of one event; non-positive means DefaultMaxSize.
//
// The Reader may come from a pool: call Release when done with it so that
// its buffers serve the next stream (not calling it is safe, only slower).
func NewReader(r io.Reader, maxSize int) *Reader {
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	if maxSize < bufSize {
		// A small bound gets a buffer of its own size, as it always had.
		return &Reader{br: bufio.NewReaderSize(r, max(maxSize, 16)), max: maxSize}
	}
	rd := pool.Get().(*Reader)
	rd.br.Reset(r)
	rd.max = maxSize
	rd.err = nil
	rd.pooled = true
	return rd
}

// Release returns the reader's buffers to the pool. The reader, and every
// slice an Event returned by it, must not be used afterwards; a later Next
// fails. Release is a no-op on a reader that is not pooled or was released.
func (r *Reader) Release() {
	if r == nil || !r.pooled {
		return
	}
	r.pooled = false
	r.br.Reset(nil) // drop the source
	if cap(r.line) > maxPooledLine {
		r.line = nil
	}
	if cap(r.data) > maxPooledData {
		r.data = nil
	}
	r.line, r.data, r.name = r.line[:0], r.data[:0], r.name[:0]
	r.hasData, r.rest = false, nil
	r.err = errReleased
	pool.Put(r)
}

// Buffered reports whether the next event is already in the buffer, so that
// Next will return it without waiting for the network: a relay flushes its
// output only when this is false, and a burst of events goes out in one
// write instead of one per event. It is conservative: when unsure (an event
// that is not complete yet, a comment-only block, lone-CR line endings) it
// says false.
func (r *Reader) Buffered() bool {
	if r.err != nil || r.rest != nil {
		return r.err != nil
	}
	n := r.br.Buffered()
	if n == 0 {
		return false
	}
	b, _ := r.br.Peek(n)
	end := bytes.Index(b, []byte("\n\n"))
	if end < 0 {
		end = bytes.Index(b, []byte("\n\r\n"))
	}
	return end >= 0 && bytes.Contains(b[:end], []byte("data"))
}

// Next returns the next event. At the end of the stream it returns io.EOF;
// an event still pending when the stream ends after a complete line is
// dispatched first (lenient: some servers omit the final blank line). A stream
// that ends in the middle of a line returns io.ErrUnexpectedEOF. Any other
// error is returned as is, and every later call returns it again.
func (r *Reader) Next() (Event, error) {
	if r.err != nil {
		return Event{}, r.err
	}
	for {
		line, err := r.readLine()
		if err != nil {
			if err == io.EOF && r.hasData {
				ev := r.dispatch()
				r.err = io.EOF
				return ev, nil
			}
			r.err = err
			return Event{}, err
		}
		if len(line) == 0 {
			if r.hasData {
				return r.dispatch(), nil
			}
			// An event with no data is not dispatched; its name is dropped.
			r.name = r.name[:0]
			continue
		}
		if err := r.field(line); err != nil {
			r.err = err
			return Event{}, err
		}
	}
}

func (r *Reader) dispatch() Event {
	ev := Event{Data: r.data}
	if len(r.name) > 0 {
		ev.Name = r.name
	}
	// The slices stay valid until the next call: the buffers are only
	// truncated here, and overwritten by the next readLine/field.
	r.data = r.data[:0]
	r.name = r.name[:0]
	r.hasData = false
	return ev
}

// field processes one non-empty line.
func (r *Reader) field(line []byte) error {
	if line[0] == ':' {
		return nil // comment
	}
	name, value := line, []byte(nil)
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		name, value = line[:i], line[i+1:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
	}
	switch string(name) {
	case "data":
		if r.hasData {
			if len(r.data)+1+len(value) > r.max {
				return r.tooLong()
			}
			r.data = append(r.data, '\n')
		} else if len(value) > r.max {
			return r.tooLong()
		}
		r.data = append(r.data, value...)
		r.hasData = true
	case "event":
		r.name = append(r.name[:0], value...)
	}
	return nil
}

func (r *Reader) tooLong() error {
	return fmt.Errorf("%w (%d bytes)", ErrTooLong, r.max)
}

// readLine returns the next line without its terminator. The slice is valid
// until the next call.
func (r *Reader) readLine() ([]byte, error) {
	if r.rest != nil {
		return r.splitCR(r.rest), nil
	}
	frag, err := r.br.ReadSlice('\n')
	line := frag
	if err == bufio.ErrBufferFull {
		// Longer than the buffer: assemble it, up to the bound.
		r.line = append(r.line[:0], frag...)
		for err == bufio.ErrBufferFull {
			if len(r.line) > r.max+2 { // +2 for a CRLF at the bound
				return nil, r.tooLong()
			}
			frag, err = r.br.ReadSlice('\n')
			r.line = append(r.line, frag...)
		}
		line = r.line
	}
	if err != nil {
		if err == io.EOF && len(line) > 0 {
			// A final line without its terminator: the stream was cut.
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	line = line[:len(line)-1] // '\n'
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if len(line) > r.max {
		return nil, r.tooLong()
	}
	if bytes.IndexByte(line, '\r') >= 0 {
		return r.splitCR(line), nil
	}
	return line, nil
}

// splitCR returns the part of line before the first lone CR and keeps the
// rest for the next call (the spec allows CR alone as a line terminator).
func (r *Reader) splitCR(line []byte) []byte {
	i := bytes.IndexByte(line, '\r')
	if i < 0 {
		r.rest = nil
		return line
	}
	r.rest = line[i+1:]
	return line[:i]
}

// Lease owns a pooled Reader for one stream whose Close may run concurrently
// with its Next (a caller abandoning a stream closes it from another
// goroutine). It releases the Reader exactly once: when the stream ends, when
// it is closed while idle, or, if Close comes during a read, when that read
// finishes. The zero Lease holds no Reader.
type Lease struct {
	r     *Reader
	state atomic.Uint32 // leaseBusy | leaseClosed
}

const (
	leaseBusy   = 1 << iota // a Next is using the Reader
	leaseClosed             // the Reader is released or about to be
)

// Init hands r to the lease. It must be called before the stream is shared.
func (l *Lease) Init(r *Reader) { l.r = r }

// Buffered reports whether the leased Reader has its next event buffered
// (see Reader.Buffered); false once the lease has ended. It must not be
// called concurrently with a read.
func (l *Lease) Buffered() bool {
	r := l.Begin()
	if r == nil {
		return false
	}
	ok := r.Buffered()
	l.Finish(false)
	return ok
}

// Begin marks a read in progress and returns the Reader, or nil once the
// lease has ended (or if another read is in progress, which is a misuse).
// Every non-nil Begin must be followed by Finish.
func (l *Lease) Begin() *Reader {
	if !l.state.CompareAndSwap(0, leaseBusy) {
		return nil
	}
	// Not closed, so not released: l.r is stable until Finish.
	if l.r == nil {
		l.state.Store(leaseClosed)
		return nil
	}
	return l.r
}

// Finish ends the read started by Begin. With done set (the stream reached
// its end or failed) the Reader is released now; it is also released when
// Close was called during the read.
func (l *Lease) Finish(done bool) {
	if !done && l.state.CompareAndSwap(leaseBusy, 0) {
		return
	}
	l.state.Store(leaseClosed)
	l.release()
}

// Close ends the lease, releasing the Reader unless a read is in progress
// (whose Finish then releases it). It is safe to call more than once and
// concurrently with a read.
func (l *Lease) Close() {
	for {
		old := l.state.Load()
		if old&leaseClosed != 0 {
			return
		}
		if l.state.CompareAndSwap(old, old|leaseClosed) {
			if old&leaseBusy == 0 {
				l.release()
			}
			return
		}
	}
}

func (l *Lease) release() {
	if r := l.r; r != nil {
		l.r = nil
		r.Release()
	}
}
