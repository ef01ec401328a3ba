package catalogue

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrNotFound: no such item, or the caller may not know it exists.
	ErrNotFound = errors.New("not found")
	// ErrForbidden: the caller's role may not do this.
	ErrForbidden = errors.New("forbidden")
	// ErrVersionMismatch: the item changed since the caller read it.
	ErrVersionMismatch = errors.New("version mismatch")
	// ErrConflict: the change clashes with the current state (a duplicate
	// code, a transition that is not allowed).
	ErrConflict = errors.New("conflict")
	// ErrStorageFull: the disk holding the data is full. Nothing was
	// written; the caller may try again once space is freed.
	ErrStorageFull = errors.New("storage full")
)

// FieldError names one bad field and why it is bad.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
	// German says the same to staff; empty where the adapter has its own
	// German for the field.
	German string `json:"-"`
}

// ValidationError lists every bad field of an input.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// add records a bad field.
func (e *ValidationError) add(field, format string, args ...any) {
	e.Fields = append(e.Fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// orNil returns e when it holds anything, else nil, so callers can write
// `return v.orNil()` without the typed-nil trap.
func (e *ValidationError) orNil() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}

// conflict wraps ErrConflict with a reason.
func conflict(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrConflict, fmt.Sprintf(format, args...))
}

// Reason returns what an error built as fmt.Errorf("%w: reason", ErrX)
// tells the user, whatever context was wrapped around it on the way up
// (which is for the log: "load volunteer vol_…"), or "" when it has none.
func Reason(err error) string {
	for e := err; e != nil; e = errors.Unwrap(e) {
		inner := errors.Unwrap(e)
		for _, s := range []error{ErrNotFound, ErrForbidden, ErrConflict, ErrVersionMismatch} {
			if inner == s {
				if rest, ok := strings.CutPrefix(e.Error(), s.Error()+": "); ok {
					return rest
				}
			}
		}
	}
	return ""
}
