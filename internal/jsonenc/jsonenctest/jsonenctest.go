// Package jsonenctest holds the reference that tests of the hand-written
// JSON encoders (package jsonenc and its callers) compare their output to.
package jsonenctest

import (
	"bytes"
	"encoding/json"
	"testing"
)

// Reference returns what an encoding/json Encoder with HTML escaping off
// writes for v, without its trailing newline: the bytes the hand-written
// encoders promise.
func Reference(tb testing.TB, v any) []byte {
	tb.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		tb.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}
