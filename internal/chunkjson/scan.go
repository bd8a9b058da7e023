package chunkjson

import (
	"bytes"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Scanner is a strict, allocation-free JSON reader for fast paths (the
// adapters' stream chunks, the gateway's chat requests): hand-written decoders of the few common chunk shapes that must
// produce exactly what Decoder (encoding/json) would, or give up. Every
// method reports false when the input is not valid JSON or is something the
// fast path does not handle exactly like encoding/json (an escaped object
// key, invalid UTF-8 in a decoded string, a number that is not a plain
// integer, deep nesting); the caller then decodes the document again with
// Decoder. Only the decoded strings allocate.
//
// A fast decoder reads one object like this:
//
//	if !sc.Object() { return false }
//	for first := true; ; first = false {
//		key, end, ok := sc.Key(first)
//		if !ok { return false }
//		if end { break }
//		switch string(key) {
//		case "known": … read the value …
//		default:
//			if !sc.Unknown(key, knownNames) || !sc.Skip() { return false }
//		}
//	}
//
// and the whole document with Reset, the top-level value, then End.
type Scanner struct {
	b        []byte
	i        int
	buf      []byte // unescaped string being built
	keyASCII bool   // the last key read by Key is ASCII
}

// maxSkipDepth bounds the nesting of skipped values; deeper documents go to
// the slow path (encoding/json allows 10000 levels).
const maxSkipDepth = 64

// Reset starts reading data.
func (s *Scanner) Reset(data []byte) {
	s.b, s.i = data, 0
}

// ws skips whitespace and returns the next byte, 0 at the end.
func (s *Scanner) ws() byte {
	if s.i < len(s.b) && s.b[s.i] > ' ' {
		return s.b[s.i] // compact JSON: no whitespace
	}
	return s.wsSlow()
}

func (s *Scanner) wsSlow() byte {
	for s.i < len(s.b) {
		c := s.b[s.i]
		if !isSpace(c) {
			return c
		}
		s.i++
	}
	return 0
}

// End reports whether only whitespace is left.
func (s *Scanner) End() bool {
	s.ws()
	return s.i == len(s.b)
}

// Null consumes a null literal if one comes next.
func (s *Scanner) Null() bool {
	if s.ws() == 'n' && bytes.HasPrefix(s.b[s.i:], litNull) {
		s.i += len(litNull)
		return true
	}
	return false
}

var (
	litNull  = []byte("null")
	litTrue  = []byte("true")
	litFalse = []byte("false")
)

// Object consumes the '{' that opens an object.
func (s *Scanner) Object() bool {
	if s.ws() != '{' {
		return false
	}
	s.i++
	return true
}

// Key reads the next member name of the current object and the ':' after
// it; first tells whether no member was read yet. end reports the object's
// closing '}' instead. The key aliases the input. Keys with escapes are not
// handled (ok false): encoding/json would match their unescaped form.
func (s *Scanner) Key(first bool) (key []byte, end, ok bool) {
	c := s.ws()
	if c == '}' {
		s.i++
		return nil, true, true
	}
	if !first {
		if c != ',' {
			return nil, false, false
		}
		s.i++
		c = s.ws()
	}
	if c != '"' {
		return nil, false, false
	}
	start := s.i + 1
	i, ascii := s.plainRun(start)
	if i >= len(s.b) || s.b[i] != '"' {
		return nil, false, false
	}
	s.keyASCII = ascii
	key = s.b[start:i]
	s.i = i + 1
	if s.ws() != ':' {
		return nil, false, false
	}
	s.i++
	return key, false, true
}

// Array consumes the '[' that opens an array.
func (s *Scanner) Array() bool {
	if s.ws() != '[' {
		return false
	}
	s.i++
	return true
}

// Elem moves to the next element of the current array; first tells whether
// no element was read yet. end reports the closing ']' instead.
func (s *Scanner) Elem(first bool) (end, ok bool) {
	c := s.ws()
	if c == ']' {
		s.i++
		return true, true
	}
	if !first {
		if c != ',' {
			return false, false
		}
		s.i++
	}
	return false, true
}

// Int reads a JSON number that encoding/json would store in an int: an
// optional minus and digits, without fraction or exponent. Numbers of more
// than 9 digits are left to the slow path (they may overflow an int).
func (s *Scanner) Int() (int, bool) {
	s.ws()
	i := s.i
	neg := false
	if i < len(s.b) && s.b[i] == '-' {
		neg = true
		i++
	}
	start := i
	n := 0
	for ; i < len(s.b); i++ {
		c := s.b[i]
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	digits := i - start
	if digits == 0 || digits > 9 || (digits > 1 && s.b[start] == '0') {
		return 0, false
	}
	if i < len(s.b) {
		if c := s.b[i]; c == '.' || c == 'e' || c == 'E' {
			return 0, false
		}
	}
	s.i = i
	if neg {
		n = -n
	}
	return n, true
}

// Raw skips the next value and returns its bytes, as they are in the input
// (json.RawMessage keeps them so): the slice aliases the input.
func (s *Scanner) Raw() ([]byte, bool) {
	s.ws()
	start := s.i
	if !s.Skip() {
		return nil, false
	}
	return s.b[start:s.i], true
}

// Bool reads true or false.
func (s *Scanner) Bool() (v, ok bool) {
	switch s.ws() {
	case 't':
		return true, s.literal(litTrue)
	case 'f':
		return false, s.literal(litFalse)
	}
	return false, false
}

// Float reads a JSON number into a float64 as encoding/json does
// (strconv.ParseFloat of the literal); a number out of float64's range,
// which encoding/json rejects, is left to the slow path.
func (s *Scanner) Float() (float64, bool) {
	s.ws()
	start := s.i
	if !s.skipNumber() {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(s.b[start:s.i]), 64)
	return f, err == nil
}

// strClass classifies the bytes inside a JSON string: plain printable
// ASCII, the start or continuation of a multi-byte UTF-8 sequence, or
// special ('"', '\\' and control characters).
var strClass = func() (t [256]uint8) {
	for c := 0x20; c < 0x80; c++ {
		if c != '"' && c != '\\' {
			t[c] = strASCII
		}
	}
	for c := 0x80; c < 0x100; c++ {
		t[c] = strUTF8
	}
	return t
}()

const (
	strSpecial = iota
	strASCII
	strUTF8
)

// plainRun returns the end of the run of bytes from start that a JSON
// string holds verbatim (no quote, backslash or control byte), and whether
// the run is all ASCII.
func (s *Scanner) plainRun(start int) (end int, ascii bool) {
	ascii = true
	i := start
	for i < len(s.b) {
		k := strClass[s.b[i]]
		if k == strSpecial {
			break
		}
		if k == strUTF8 {
			ascii = false
		}
		i++
	}
	return i, ascii
}

// String reads a JSON string as encoding/json would decode it into a Go
// string. Strings with invalid UTF-8 (which encoding/json would coerce) are
// left to the slow path.
func (s *Scanner) String() (string, bool) {
	if s.ws() != '"' {
		return "", false
	}
	start := s.i + 1
	i, ascii := s.plainRun(start)
	if i < len(s.b) && s.b[i] == '"' {
		raw := s.b[start:i]
		if !ascii && !utf8.Valid(raw) {
			return "", false
		}
		s.i = i + 1
		return string(raw), true
	}
	return s.slowString(start, i, ascii)
}

// slowString finishes a string that has escapes; i is the first special
// byte after start.
func (s *Scanner) slowString(start, i int, ascii bool) (string, bool) {
	buf := append(s.buf[:0], s.b[start:i]...)
	for i < len(s.b) {
		c := s.b[i]
		switch {
		case c == '"':
			if !ascii && !utf8.Valid(buf) {
				return "", false
			}
			s.i = i + 1
			s.buf = buf[:0] // keep the grown buffer
			return string(buf), true
		case c < 0x20:
			return "", false
		case c != '\\':
			j := i + 1
			for j < len(s.b) && strClass[s.b[j]] != strSpecial {
				j++
			}
			for _, c := range s.b[i:j] {
				if c >= utf8.RuneSelf {
					ascii = false
					break
				}
			}
			buf = append(buf, s.b[i:j]...)
			i = j
			continue
		}
		// An escape.
		if i+1 >= len(s.b) {
			return "", false
		}
		switch e := s.b[i+1]; e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r := hex4(s.b, i+2)
			if r < 0 {
				return "", false
			}
			i += 6
			if utf16.IsSurrogate(r) {
				// As encoding/json: a valid pair decodes to one rune, any
				// other surrogate to U+FFFD (the next escape is then read on
				// its own).
				if i+1 < len(s.b) && s.b[i] == '\\' && s.b[i+1] == 'u' {
					if r2 := hex4(s.b, i+2); r2 >= 0 {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							buf = utf8.AppendRune(buf, dec)
							i += 6
							continue
						}
					}
				}
				r = utf8.RuneError
			}
			buf = utf8.AppendRune(buf, r)
			continue
		default:
			return "", false
		}
		i += 2
	}
	return "", false
}

// hex4 decodes the 4 hex digits at b[i:], -1 if there are not.
func hex4(b []byte, i int) rune {
	if i+4 > len(b) {
		return -1
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// Skip validates and skips one value of any type.
func (s *Scanner) Skip() bool { return s.skip(0) }

func (s *Scanner) skip(depth int) bool {
	switch c := s.ws(); {
	case c == '"':
		return s.skipString()
	case c == '{':
		if depth >= maxSkipDepth {
			return false
		}
		s.i++
		for first := true; ; first = false {
			c := s.ws()
			if c == '}' {
				s.i++
				return true
			}
			if !first {
				if c != ',' {
					return false
				}
				s.i++
				c = s.ws()
			}
			if c != '"' || !s.skipString() || s.ws() != ':' {
				return false
			}
			s.i++
			if !s.skip(depth + 1) {
				return false
			}
		}
	case c == '[':
		if depth >= maxSkipDepth {
			return false
		}
		s.i++
		for first := true; ; first = false {
			end, ok := s.Elem(first)
			if !ok {
				return false
			}
			if end {
				return true
			}
			if !s.skip(depth + 1) {
				return false
			}
		}
	case c == 't':
		return s.literal(litTrue)
	case c == 'f':
		return s.literal(litFalse)
	case c == 'n':
		return s.literal(litNull)
	case c == '-' || ('0' <= c && c <= '9'):
		return s.skipNumber()
	}
	return false
}

func (s *Scanner) literal(lit []byte) bool {
	if !bytes.HasPrefix(s.b[s.i:], lit) {
		return false
	}
	s.i += len(lit)
	return true
}

// skipString validates and skips a string (at its opening quote). Invalid
// UTF-8 is accepted, as encoding/json does.
func (s *Scanner) skipString() bool {
	i := s.i + 1
	for i < len(s.b) {
		c := s.b[i]
		if strClass[c] != strSpecial {
			i++
			continue
		}
		switch {
		case c == '"':
			s.i = i + 1
			return true
		case c < 0x20:
			return false
		case c == '\\':
			if i+1 >= len(s.b) {
				return false
			}
			switch s.b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if hex4(s.b, i+2) < 0 {
					return false
				}
				i += 6
			default:
				return false
			}
		default:
			i++
		}
	}
	return false
}

// skipNumber validates and skips a number:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *Scanner) skipNumber() bool {
	b, i := s.b, s.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i = digits(b, i)
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return false
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return false
		}
		i = j
	}
	s.i = i
	return true
}

func digits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}

// Unknown reports whether the object key just read by Key, which matched
// none of a struct's JSON field names exactly, is one that encoding/json
// ignores too: it matches field names case-insensitively (with Unicode
// simple folding, so "ſ" and the Kelvin sign count as "s" and "k"), and a
// key that folds to a known name must go to the slow path.
func (s *Scanner) Unknown(key []byte, names []string) bool {
	for _, n := range names {
		if s.keyASCII {
			if len(n) == len(key) && asciiFoldEqual(key, n) {
				return false
			}
		} else if bytes.EqualFold(key, []byte(n)) {
			return false
		}
	}
	return true
}

func asciiFoldEqual(key []byte, name string) bool {
	for i := range len(key) {
		a, b := key[i], name[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

// Once records bit in seen and reports whether it was not set before: fast
// paths use it to refuse duplicate keys (encoding/json keeps the last one,
// which the slow path reproduces).
func Once(seen *uint8, bit uint8) bool {
	if *seen&bit != 0 {
		return false
	}
	*seen |= bit
	return true
}

// Fields reads an object whose members are the struct fields names (at
// most 64, each at most once) or keys encoding/json ignores: for a known
// key it calls field with the key's index in names to read the value. It
// fails (false) on a duplicate key, a key that folds to a known one, or
// when field fails.
func (s *Scanner) Fields(names []string, field func(i int) bool) bool {
	if !s.Object() {
		return false
	}
	var seen uint64
	for first := true; ; first = false {
		key, end, ok := s.Key(first)
		if !ok {
			return false
		}
		if end {
			return true
		}
		i := -1
		for j, n := range names {
			if string(key) == n {
				i = j
				break
			}
		}
		if i < 0 {
			if !s.Unknown(key, names) || !s.Skip() {
				return false
			}
			continue
		}
		if seen&(1<<i) != 0 || !field(i) {
			return false
		}
		seen |= 1 << i
	}
}

// Elems reads an array, calling elem to read each element.
func (s *Scanner) Elems(elem func() bool) bool {
	if !s.Array() {
		return false
	}
	for first := true; ; first = false {
		end, ok := s.Elem(first)
		if !ok {
			return false
		}
		if end {
			return true
		}
		if !elem() {
			return false
		}
	}
}

// Into reads the next value (a string, an integer as Int reads it, or a
// boolean) into *dst; null leaves *dst as it is, as encoding/json does, and
// so does a failed read.
func Into[T string | int | bool](s *Scanner, dst *T) bool {
	if s.Null() {
		return true
	}
	switch p := any(dst).(type) {
	case *string:
		v, ok := s.String()
		if ok {
			*p = v
		}
		return ok
	case *int:
		v, ok := s.Int()
		if ok {
			*p = v
		}
		return ok
	case *bool:
		v, ok := s.Bool()
		if ok {
			*p = v
		}
		return ok
	}
	return false
}

// StringObject scans an object of string fields: names[i] is decoded into
// *dst[i] and null leaves it alone; other keys are as for Fields.
func (s *Scanner) StringObject(names []string, dst []*string) bool {
	return s.Fields(names, func(i int) bool { return Into(s, dst[i]) })
}

// IntObject scans an object of integer fields (usage counters): names[i]
// is decoded into *dst[i], null leaves it alone, and any other key makes it
// return false (fall back to the slow path) unless Unknown accepts it.
func (s *Scanner) IntObject(names []string, dst []*int) bool {
	return s.Fields(names, func(i int) bool { return Into(s, dst[i]) })
}
