// Package apierr is the one API error type of the gateway and the one place
// that renders it as OpenAI-shaped error JSON. Handlers return *Error; nothing
// else writes error bodies.
package apierr

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"
)

// OpenAI error types.
const (
	TypeInvalidRequest = "invalid_request_error"
	TypeAuthentication = "authentication_error"
	TypePermission     = "permission_error"
	TypeNotFound       = "not_found_error"
	TypeRateLimit      = "rate_limit_error"
	TypeAPI            = "api_error"
)

// Error is an API error: HTTP status, OpenAI type, machine code, the request
// field at fault, a human message and a hint with the next step.
type Error struct {
	Status  int
	Type    string
	Code    string
	Param   string
	Message string
	Hint    string
	// RetryAfter, when set, is sent as the Retry-After header (whole seconds,
	// rounded up).
	RetryAfter time.Duration
	// Header holds extra response headers (e.g. WWW-Authenticate, Allow).
	Header http.Header
}

func (e *Error) Error() string {
	if e.Code != "" {
		return e.Code + ": " + e.Message
	}
	return e.Message
}

// New builds an error with the type implied by the status.
func New(status int, code, message, hint string) *Error {
	return &Error{Status: status, Type: typeFor(status), Code: code, Message: message, Hint: hint}
}

// Invalid is a 400 naming the request field at fault.
func Invalid(param, code, message string) *Error {
	return &Error{Status: http.StatusBadRequest, Type: TypeInvalidRequest, Code: code, Param: param, Message: message}
}

// WithHint returns e with its hint set.
func (e *Error) WithHint(h string) *Error { e.Hint = h; return e }

// WithHeader returns e with an extra response header.
func (e *Error) WithHeader(k, v string) *Error {
	if e.Header == nil {
		e.Header = http.Header{}
	}
	e.Header.Set(k, v)
	return e
}

func typeFor(status int) string {
	switch {
	case status == http.StatusUnauthorized:
		return TypeAuthentication
	case status == http.StatusForbidden:
		return TypePermission
	case status == http.StatusNotFound:
		return TypeNotFound
	case status == http.StatusTooManyRequests:
		return TypeRateLimit
	case status >= 500:
		return TypeAPI
	default:
		return TypeInvalidRequest
	}
}

// From converts any error to *Error; unknown errors become a 500 whose
// message does not leak internals.
func From(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Status: http.StatusInternalServerError, Type: TypeAPI, Code: "internal_error",
		Message: "internal error", Hint: "see the gateway log for the request id in X-Request-Id"}
}

type body struct {
	Error bodyErr `json:"error"`
}

type bodyErr struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Code    *string `json:"code"`
	Param   *string `json:"param"`
	Hint    string  `json:"hint,omitempty"`
}

// Body returns the OpenAI error JSON for e (without a trailing newline).
func (e *Error) Body() []byte {
	b := body{Error: bodyErr{Message: e.Message, Type: e.Type, Hint: e.Hint}}
	if b.Error.Type == "" {
		b.Error.Type = typeFor(e.Status)
	}
	if e.Code != "" {
		b.Error.Code = &e.Code
	}
	if e.Param != "" {
		b.Error.Param = &e.Param
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // hints quote `<token>`; keep them readable
	_ = enc.Encode(b)
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// Write renders e as the response. It is the only writer of error bodies.
func Write(w http.ResponseWriter, e *Error) {
	h := w.Header()
	for k, vs := range e.Header {
		h[k] = vs
	}
	if e.RetryAfter > 0 {
		secs := int64((e.RetryAfter + time.Second - 1) / time.Second)
		h.Set("Retry-After", strconv.FormatInt(secs, 10))
	}
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	status := e.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	w.WriteHeader(status)
	b := e.Body()
	_, _ = w.Write(append(b, '\n'))
}
