// Package jsonenc appends JSON values to byte slices without reflection, for
// the hot paths that write a fixed shape (SSE chunks, upstream request
// bodies, transcript lines). Its output is byte for byte what an
// encoding/json Encoder writes with HTML escaping off (FuzzString): <, > and
// & are written as they are, since no output here is embedded in HTML.
package jsonenc

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// safeASCII[b] is true for ASCII bytes that appear verbatim inside a JSON
// string.
var safeASCII = func() (t [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\'
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// String appends s as a quoted JSON string. It escapes quotes,
// backslashes and control characters (with the short escapes encoding/json
// uses: \b \f \n \r \t), writes U+2028 and U+2029 escaped (so
// the output is also safe inside JavaScript) and replaces invalid UTF-8
// with U+FFFD, as encoding/json does. Unlike strconv.AppendQuote it never
// emits Go-only escapes such as \x00 or \U0001F600.
func String(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if safeASCII[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// Float appends f as a JSON number in encoding/json's format: plain decimal,
// with an exponent only below 1e-6 or from 1e21 in magnitude. f must be
// finite (JSON has no NaN or infinity); callers validate that first.
func Float(dst []byte, f float64) []byte {
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// 1e-07 is written 1e-7.
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

// Int appends n as a JSON number.
func Int(dst []byte, n int64) []byte { return strconv.AppendInt(dst, n, 10) }

// Key appends a member name and its colon, after a comma unless the object
// was just opened.
func Key(dst []byte, name string) []byte {
	if n := len(dst); n > 0 && dst[n-1] != '{' {
		dst = append(dst, ',')
	}
	dst = String(dst, name)
	return append(dst, ':')
}

// List appends xs as a JSON array, each element written by elem, and a nil
// slice as null, as encoding/json does.
func List[T any](dst []byte, xs []T, elem func(*T, []byte) []byte) []byte {
	if xs == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i := range xs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = elem(&xs[i], dst)
	}
	return append(dst, ']')
}
