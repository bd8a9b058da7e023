// Package chunkjson decodes a sequence of small JSON documents (one per
// streamed event) into reused structs without per-document allocations of
// the decoder itself: one json.Decoder is kept per stream and fed each
// document in turn, so its scanner and decode state are reused. Only the
// decoded strings allocate.
//
// Scanner is the building block of the fast paths (the adapters' stream
// chunks, the gateway's chat requests), which decode the few common shapes
// by hand (several times faster than encoding/json) and fall back to
// encoding/json for anything else.
package chunkjson

import (
	"encoding/json"
	"errors"
	"io"
)

// Decoder decodes one JSON value per call. It is not safe for concurrent use.
type Decoder struct {
	src source
	dec *json.Decoder
	fed int64 // bytes handed to dec since it was created
}

// Decode decodes data, which must hold exactly one JSON value (surrounding
// whitespace allowed), into v. v is not reset first: JSON null and absent
// fields leave v's fields unchanged, so callers zero v before each call.
func (d *Decoder) Decode(data []byte, v any) error {
	if d.dec == nil {
		d.dec = json.NewDecoder(&d.src)
		d.fed = 0
	}
	// Trailing whitespace would stay buffered in the decoder; drop it so that
	// a valid document is always consumed exactly.
	for n := len(data); n > 0 && isSpace(data[n-1]); n-- {
		data = data[:n-1]
	}
	d.src.b = data
	d.fed += int64(len(data))
	err := d.dec.Decode(v)
	if err == io.EOF {
		err = errors.New("empty JSON document")
	}
	if err == nil && d.fed == d.dec.InputOffset() {
		return nil
	}
	if err == nil {
		err = errors.New("unexpected data after the JSON value")
	}
	// An error is sticky in json.Decoder, and unread bytes would leak into
	// the next document: start over with a fresh decoder.
	d.dec = nil
	return err
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// source hands the current document to the json.Decoder, then io.EOF.
type source struct{ b []byte }

func (s *source) Read(p []byte) (int, error) {
	if len(s.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.b)
	s.b = s.b[n:]
	return n, nil
}
