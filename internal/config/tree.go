package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"

	"github.com/titanous/json5"
)

// The generic tree is what JSON5 parsing produces and what Document edits:
// map[string]any, []any, string, bool, nil and json.Number (always valid
// JSON number text). The only other value is a float64 holding ±Inf or NaN,
// which JSON5 allows and validation rejects.

// maxFileSize bounds what Parse accepts; a real config is a few KB.
const maxFileSize = 16 << 20

// SyntaxError is a JSON5 syntax error with its position.
type SyntaxError struct {
	Line, Column int
	Msg          string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("JSON5 syntax error at line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// parseTree parses a whole JSON5 document whose top level must be an object.
// An empty (all-whitespace) document is an empty object.
func parseTree(data []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return map[string]any{}, nil
	}
	v, err := parseJSON5(data)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &ValidationError{Errors: []FieldError{{Expected: "object", Found: describe(v, false)}}}
	}
	return m, nil
}

// parseJSON5 parses one JSON5 value into the generic tree.
func parseJSON5(data []byte) (any, error) {
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("config is %d bytes, over the %d byte limit", len(data), maxFileSize)
	}
	// Unmarshal into a RawMessage checks the syntax of the whole input
	// (including trailing garbage) without converting numbers.
	var raw json5.RawMessage
	if err := json5.Unmarshal(data, &raw); err != nil {
		var se *json5.SyntaxError
		if errors.As(err, &se) {
			line, col := position(data, se.Offset)
			return nil, &SyntaxError{Line: line, Column: col, Msg: se.Error()}
		}
		return nil, &SyntaxError{Line: 1, Column: 1, Msg: err.Error()}
	}
	dec := json5.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, &SyntaxError{Line: 1, Column: 1, Msg: err.Error()}
	}
	return normalize(v), nil
}

// position turns a byte offset into a 1-based line and column.
func position(data []byte, off int64) (line, col int) {
	if off < 0 {
		off = 0
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

// normalize converts json5 numbers into json.Number with JSON syntax.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalize(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = normalize(e)
		}
		return x
	case json5.Number:
		return normalizeNumber(string(x))
	case float64: // Infinity and NaN
		return x
	default:
		return v
	}
}

// normalizeNumber rewrites JSON5-only number forms (hex, leading '+',
// leading or trailing '.') as JSON. Valid JSON text is kept verbatim so
// large integers survive a round trip exactly.
func normalizeNumber(s string) any {
	if json.Valid([]byte(s)) {
		return json.Number(s)
	}
	neg := strings.HasPrefix(s, "-")
	t := strings.TrimLeft(s, "+-")
	if strings.HasPrefix(t, "0x") || strings.HasPrefix(t, "0X") {
		n, ok := new(big.Int).SetString(t[2:], 16)
		if ok {
			if neg {
				n.Neg(n)
			}
			return json.Number(n.String())
		}
	}
	f, err := strconv.ParseFloat(strings.TrimPrefix(s, "+"), 64)
	if err != nil && !math.IsInf(f, 0) {
		return json.Number("0")
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return f
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return json.Number(strconv.FormatInt(int64(f), 10))
	}
	return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
}

// ParseValue parses a value given on the command line: JSON5 if it parses,
// otherwise the text itself as a string. With strict, the text must be valid
// JSON.
func ParseValue(text string, strict bool) (any, error) {
	if strict {
		dec := json.NewDecoder(strings.NewReader(text))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("value is not valid JSON: %w", err)
		}
		if dec.More() {
			return nil, errors.New("value is not valid JSON: trailing data")
		}
		return v, nil
	}
	if strings.TrimSpace(text) == "" {
		return text, nil
	}
	v, err := parseJSON5([]byte(text))
	if err != nil {
		return text, nil
	}
	return v, nil
}

// deepCopy copies a generic tree.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e)
		}
		return s
	default:
		return v
	}
}

// describe names a tree value for "found …" in error messages. Strings are
// quoted (shortened) unless hide is set, for values that may be secret.
func describe(v any, hide bool) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean " + strconv.FormatBool(x)
	case string:
		if hide {
			return "string"
		}
		if len(x) > 40 {
			x = x[:37] + "..."
		}
		return "string " + strconv.Quote(x)
	case json.Number:
		if hide {
			return "number"
		}
		return "number " + string(x)
	case float64:
		switch {
		case math.IsNaN(x):
			return "NaN"
		case x > 0:
			return "Infinity"
		default:
			return "-Infinity"
		}
	case map[string]any:
		return "object"
	case []any:
		return "array"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// marshalTree renders a tree as pretty JSON (2-space indent, sorted keys,
// no HTML escaping) with a trailing newline.
func marshalTree(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ParseValueFor is ParseValue for a value that will be stored at p: when
// the config expects a string there (a token, a model id, a bind host), a
// command-line word that happens to parse as a number, boolean or null is
// kept as the string typed, so `config set gateway.auth.token 123456` stores
// "123456". Under --strict-json (strict) the JSON type is always kept.
func ParseValueFor(p Path, text string, strict bool) (any, error) {
	v, err := ParseValue(text, strict)
	if err != nil || strict {
		return v, err
	}
	switch v.(type) {
	case map[string]any, []any, string:
		return v, nil
	}
	if t, raw, _, ok := typeAt(p); ok && !raw && t.Kind() == reflect.String {
		return text, nil
	}
	return v, nil
}
