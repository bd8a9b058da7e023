package config

import (
	"errors"
	"strings"
)

// FieldError is one problem at one place in the config.
type FieldError struct {
	// Path is the full dotted path (`agents.list[0].id`,
	// `models.providers.local.baseUrl`); empty for the document itself.
	Path string `json:"path"`
	// Expected and Found are set for type, enum and range errors.
	Expected string `json:"expected,omitempty"`
	Found    string `json:"found,omitempty"`
	// Message describes any other problem ("unknown key", …).
	Message string `json:"message,omitempty"`
}

func (e FieldError) Error() string {
	var b strings.Builder
	if e.Path == "" {
		b.WriteString("(top level)")
	} else {
		b.WriteString(e.Path)
	}
	b.WriteString(": ")
	switch {
	case e.Expected != "" && e.Message != "":
		b.WriteString(e.Message + ": expected " + e.Expected + ", found " + e.Found)
	case e.Expected != "":
		b.WriteString("expected " + e.Expected + ", found " + e.Found)
	default:
		b.WriteString(e.Message)
	}
	return b.String()
}

// ValidationError holds every problem found in a config, in document order.
type ValidationError struct {
	Errors []FieldError
}

// Error lists all problems, one per line.
func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Errors))
	for i, fe := range e.Errors {
		lines[i] = fe.Error()
	}
	return strings.Join(lines, "\n")
}

// FieldErrors returns the problems in err: those of a *ValidationError, a
// single problem for a *SyntaxError, or nil.
func FieldErrors(err error) []FieldError {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return ve.Errors
	}
	var se *SyntaxError
	if errors.As(err, &se) {
		return []FieldError{{Message: se.Error()}}
	}
	return nil
}
