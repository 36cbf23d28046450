package lock

import (
	"errors"
	"fmt"
)

// ErrorKind says what a caller should do about a connector error.
type ErrorKind int

const (
	// Transient errors go away by themselves: retry with backoff.
	Transient ErrorKind = iota
	// Permanent errors need the owner: slots full, code rejected, duplicate.
	Permanent
	// Auth errors mean the connector's credentials are invalid.
	Auth
)

func (k ErrorKind) String() string {
	switch k {
	case Transient:
		return "transient"
	case Permanent:
		return "permanent"
	case Auth:
		return "auth"
	}
	return "unknown"
}

// Error is the error every connector returns.
type Error struct {
	Kind    ErrorKind
	Vendor  string // "seam", "sim"
	Code    string // the vendor's machine-readable code, when it has one
	Message string // readable by an owner; never holds a PIN or a key
	Err     error  // the cause, if any
}

func (e *Error) Error() string {
	msg := e.Vendor + ": " + e.Message
	if e.Code != "" {
		msg = fmt.Sprintf("%s: %s (%s)", e.Vendor, e.Message, e.Code)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf classifies err; errors that are not *Error count as transient, since an
// unknown failure is better retried than given up on.
func KindOf(err error) ErrorKind {
	var le *Error
	if errors.As(err, &le) {
		return le.Kind
	}
	return Transient
}

// ErrNotFound is wrapped by connectors when a lock or code does not exist.
var ErrNotFound = errors.New("not found")
