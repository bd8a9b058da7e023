package openai

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/openclaw/openclaw-go/internal/apierr"
)

// validator is a request type that checks its own fields.
type validator interface {
	Validate() *apierr.Error
}

// fastDecoder is a request type with a hand-written decoder for its common
// shape: decodeFast reports false when data needs encoding/json.
type fastDecoder interface {
	decodeFast(data []byte) bool
}

// maxPresize caps the buffer allocated up front from Content-Length; the
// gateway's body limit (http.MaxBytesReader) is what actually bounds reads.
const maxPresize = 32 << 20

// decode reads a JSON request body into a T and validates it. Every
// endpoint rejects bad input the same way: 415 for a non-JSON content type,
// 413 over the body limit, 400 invalid_json for malformed JSON, 400
// invalid_request_error naming the field for a wrong type or a failed rule.
func decode[T any, PT interface {
	*T
	validator
}](r *http.Request) (*T, *apierr.Error) {
	if e := checkContentType(r.Header.Get("Content-Type")); e != nil {
		return nil, e
	}
	data, e := readBody(r)
	if e != nil {
		return nil, e
	}
	// encoding/json would silently replace invalid UTF-8 with U+FFFD and
	// pass altered text to the model; JSON must be UTF-8 (RFC 8259).
	if !utf8.Valid(data) {
		return nil, apierr.New(http.StatusBadRequest, "invalid_json", "The request body is not valid UTF-8.",
			"encode the body as UTF-8 JSON")
	}
	v := new(T)
	if f, ok := any(v).(fastDecoder); !ok || !f.decodeFast(data) {
		*v = *new(T) // a fast path that gave up may have filled some fields
		if e := unmarshal(data, v); e != nil {
			return nil, e
		}
	}
	if e := PT(v).Validate(); e != nil {
		return nil, e
	}
	return v, nil
}

// checkContentType accepts application/json with an optional UTF-8 charset.
func checkContentType(ct string) *apierr.Error {
	hint := "send the body as JSON with the header Content-Type: application/json"
	if ct == "" {
		return apierr.New(http.StatusUnsupportedMediaType, "unsupported_media_type",
			"Content-Type is missing; the body must be application/json.", hint)
	}
	switch ct {
	case "application/json", "application/json; charset=utf-8", "application/json;charset=utf-8", "application/json; charset=UTF-8":
		return nil // what clients send, without parsing (ParseMediaType allocates a map)
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return apierr.New(http.StatusUnsupportedMediaType, "unsupported_media_type",
			"Content-Type "+quote(ct)+" is not supported; the body must be application/json.", hint)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		return apierr.New(http.StatusUnsupportedMediaType, "unsupported_media_type",
			"charset "+quote(cs)+" is not supported; JSON bodies must be UTF-8.", hint)
	}
	return nil
}

// readBody reads the whole body, mapping the gateway's body limit to 413.
func readBody(r *http.Request) ([]byte, *apierr.Error) {
	var buf bytes.Buffer
	if n := r.ContentLength; n > 0 && n < maxPresize {
		buf.Grow(int(n) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, apierr.New(http.StatusRequestEntityTooLarge, "request_too_large",
				"The request body is larger than "+strconv.FormatInt(mbe.Limit>>20, 10)+" MB.",
				"send images as smaller data URLs or split the request")
		}
		return nil, apierr.New(http.StatusBadRequest, "body_read_failed", "The request body could not be read: "+err.Error()+".", "")
	}
	if len(bytes.TrimSpace(buf.Bytes())) == 0 {
		return nil, apierr.New(http.StatusBadRequest, "invalid_json", "The request body is empty; expected a JSON object.", "")
	}
	return buf.Bytes(), nil
}

// unmarshal decodes data into v, mapping errors to API errors.
func unmarshal(data []byte, v any) *apierr.Error {
	err := json.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return apierr.New(http.StatusBadRequest, "invalid_json",
			"The request body is not valid JSON: "+se.Error()+" (at byte "+strconv.FormatInt(se.Offset, 10)+").", "")
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		param := pathAt(data, te.Offset)
		if param == "" {
			return apierr.New(http.StatusBadRequest, "invalid_json", "The request body must be a JSON object.", "")
		}
		return apierr.Invalid(param, "invalid_type",
			param+": expected "+jsonKind(te.Type.Kind().String())+", found "+te.Value+".")
	}
	if !utf8.Valid(data) {
		return apierr.New(http.StatusBadRequest, "invalid_json", "The request body is not valid UTF-8.", "")
	}
	return apierr.New(http.StatusBadRequest, "invalid_json", "The request body could not be decoded: "+err.Error()+".", "")
}

// jsonKind names a Go kind the way a JSON client thinks of it.
func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	}
	return k
}

// pathAt returns the path (e.g. "messages[2].role") of the JSON value that
// ends at or after byte offset off of data. encoding/json reports the
// struct path of a type error without array indices; this walks the tokens
// to recover them. It runs only on the error path.
func pathAt(data []byte, off int64) string {
	type frame struct {
		arr     bool
		idx     int
		key     string
		needKey bool
	}
	var st []frame
	path := func() string {
		var b strings.Builder
		for _, f := range st {
			if f.arr {
				b.WriteByte('[')
				b.WriteString(strconv.Itoa(f.idx))
				b.WriteByte(']')
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(f.key)
		}
		return b.String()
	}
	valueDone := func() {
		if n := len(st); n > 0 {
			if st[n-1].arr {
				st[n-1].idx++
			} else {
				st[n-1].needKey = true
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return path()
		}
		pos := dec.InputOffset()
		if n := len(st); n > 0 && st[n-1].needKey {
			if k, ok := tok.(string); ok {
				st[n-1].key, st[n-1].needKey = k, false
				continue
			}
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			if pos >= off {
				return path()
			}
			st = append(st, frame{arr: tok == json.Delim('['), needKey: tok == json.Delim('{')})
		case json.Delim('}'), json.Delim(']'):
			st = st[:len(st)-1]
			valueDone()
		default:
			if pos >= off {
				return path()
			}
			valueDone()
		}
	}
}

// rawString decodes a JSON string literal. Plain strings (no escapes, valid
// UTF-8) take a fast path that only copies.
func rawString(b []byte) (string, bool) {
	if len(b) < 2 || b[0] != '"' {
		return "", false
	}
	in := b[1 : len(b)-1]
	if bytes.IndexByte(in, '\\') < 0 && utf8.Valid(in) {
		return string(in), true
	}
	var s string
	if json.Unmarshal(b, &s) != nil {
		return "", false
	}
	return s, true
}

// subPath joins a parent param and a path found by pathAt inside it.
func subPath(parent, sub string) string {
	switch {
	case sub == "":
		return parent
	case sub[0] == '[':
		return parent + sub
	}
	return parent + "." + sub
}

// typeError describes a nested decode failure relative to the raw value b,
// for the polymorphic fields that decode themselves.
func typeError(b []byte, err error) (sub, msg string) {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return pathAt(b, te.Offset), "expected " + jsonKind(te.Type.Kind().String()) + ", found " + te.Value
	}
	return "", err.Error()
}
