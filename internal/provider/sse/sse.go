// Package sse reads Server-Sent Events (the text/event-stream format of the
// WHATWG HTML spec) as sent by LLM APIs, for the provider adapters.
//
// It is built for the relay hot path: one bufio.Reader and two reused byte
// buffers per stream, no allocation per event in the steady state, and
// returned slices that alias those buffers (valid until the next call). It is
// a reader only; the gateway's own SSE writer lives with the HTTP handlers.
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
}

// NewReader returns a Reader over r. maxSize bounds a single line and the
// data of one event; non-positive means DefaultMaxSize.
func NewReader(r io.Reader, maxSize int) *Reader {
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	size := 32 << 10
	if maxSize < size {
		size = max(maxSize, 16)
	}
	return &Reader{br: bufio.NewReaderSize(r, size), max: maxSize}
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
