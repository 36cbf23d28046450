package access

import (
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/domain"
)

// Why an action did not happen, for each caller to word in its own way (the
// owner's page in the access's card, the API as a 409). Test with errors.Is.
var (
	// ErrNotLive: the access as the caller read it is revoked, replaced or
	// over, so the action would bring it back or show nothing.
	ErrNotLive = errors.New("access: the access is revoked, replaced or over")
	// ErrRotatedMeanwhile: another request rotated or revoked the access after
	// the caller read it live; the write found it so and saved nothing.
	ErrRotatedMeanwhile = errors.New("access: the access was rotated or revoked meanwhile")
	// ErrRevokedMeanwhile: the access was revoked (or rotated) after the caller
	// read it live; a new link or a new window found it so and saved nothing.
	ErrRevokedMeanwhile = errors.New("access: the access was revoked meanwhile")
	// ErrNoFreeCode: on every attempt of a rotation another write took the
	// generated code between choosing it and saving it.
	ErrNoFreeCode = errors.New("access: every generated code was taken meanwhile")
	// ErrCodeRefused: the doors take no code of the length asked for, or have
	// none free. The *CodeRefusedError that carries it says why.
	ErrCodeRefused = errors.New("access: the doors take no such code")
)

// CodeRefusedError is ErrCodeRefused with its reason in words for the owner.
type CodeRefusedError struct {
	Reason string
	err    error // domain's *PINError or ErrNoPIN
}

func (e *CodeRefusedError) Error() string   { return "access: code refused: " + e.Reason }
func (e *CodeRefusedError) Unwrap() error   { return e.err }
func (e *CodeRefusedError) Is(t error) bool { return t == ErrCodeRefused }

// Reason words why a code was refused, for an error that is ErrCodeRefused;
// empty for any other error.
func Reason(err error) string {
	var ce *CodeRefusedError
	if errors.As(err, &ce) {
		return ce.Reason
	}
	return ""
}

// refused turns domain's refusals of a code (a *domain.PINError, or
// domain.ErrNoPIN) into a *CodeRefusedError; any other error is returned as is.
func refused(err error) error {
	var pe *domain.PINError
	switch {
	case errors.As(err, &pe):
		return &CodeRefusedError{Reason: pe.Reason, err: err}
	case errors.Is(err, domain.ErrNoPIN):
		return &CodeRefusedError{err: err,
			Reason: fmt.Sprintf("Gatehouse could not find a free code for these doors (%v): remove codes that are no longer needed.", err)}
	}
	return err
}

// FieldErrors are the problems with a request, by field name (the Field
// constants): a message for the owner beside each field. Empty means none.
type FieldErrors map[string]string

// Field names shared by the form and the API (which renames them to its
// properties).
const (
	FieldGuest      = "guest"
	FieldGuestName  = "guest_name"
	FieldGuestNote  = "guest_note"
	FieldLocks      = "locks"
	FieldStarts     = "starts"
	FieldEnds       = "ends"
	FieldPIN        = "pin"
	FieldPassphrase = "passphrase"
	FieldLinkTTL    = "link_ttl"
	FieldLabel      = "label" // a lock page's code
)
