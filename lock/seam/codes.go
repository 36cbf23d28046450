package seam

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/lock"
)

// accessCode is the part of Seam's managed access code that Gatehouse reads
// (seamapi/types: models/access-codes/managed-access-code.ts).
type accessCode struct {
	AccessCodeID string     `json:"access_code_id"`
	DeviceID     string     `json:"device_id"`
	Name         string     `json:"name"`
	Code         *string    `json:"code"` // null while a lock is still assigning one
	Type         string     `json:"type"` // "ongoing" or "time_bound"
	Status       string     `json:"status"`
	StartsAt     *time.Time `json:"starts_at"`
	EndsAt       *time.Time `json:"ends_at"`
	Errors       []struct {
		ErrorCode string `json:"error_code"`
		Message   string `json:"message"`
	} `json:"errors"`
	Warnings []struct {
		WarningCode string `json:"warning_code"`
		Message     string `json:"message"`
	} `json:"warnings"`
}

// SetCode creates a code on the lock. A zero window asks for a permanent ("ongoing")
// code; otherwise both ends are sent and Seam makes a time-bound code.
//
// access_codes/create is not idempotent and Seam documents no idempotency key, so it
// is retried only when Seam cannot have acted on it: a 429, or a connection that was
// never made. After a 5xx or a timeout the code may or may not exist; the error is
// Transient and the caller must ListCodes before trying again. A blind retry could
// leave two codes, or fail as "duplicate" against the first one.
func (c *Client) SetCode(ctx context.Context, deviceID string, spec lock.CodeSpec) (lock.Code, error) {
	body := map[string]any{"device_id": deviceID}
	if spec.Name != "" {
		body["name"] = spec.Name
	}
	if spec.PIN != "" {
		body["code"] = spec.PIN
	}
	if !spec.Window.Permanent() {
		if spec.Window.Start.IsZero() || spec.Window.End.IsZero() {
			return lock.Code{}, &lock.Error{Kind: lock.Permanent, Vendor: vendor,
				Message: "a time-bound code needs both a start and an end"}
		}
		if !spec.Window.End.After(spec.Window.Start) {
			return lock.Code{}, &lock.Error{Kind: lock.Permanent, Vendor: vendor,
				Message: "a code's window must end after it starts"}
		}
		body["starts_at"] = spec.Window.Start.UTC().Format(time.RFC3339Nano)
		body["ends_at"] = spec.Window.End.UTC().Format(time.RFC3339Nano)
	}
	var resp struct {
		AccessCode accessCode `json:"access_code"`
	}
	opts := callOpts{idempotent: false, secrets: []string{spec.PIN}}
	if err := c.call(ctx, "access_codes/create", body, &resp, opts); err != nil {
		return lock.Code{}, err
	}
	return mapCode(resp.AccessCode), nil
}

// RemoveCode deletes a code. Deleting is idempotent: a repeat finds nothing and is
// reported as a Permanent error wrapping lock.ErrNotFound, which callers may treat
// as done.
func (c *Client) RemoveCode(ctx context.Context, deviceID, codeID string) error {
	// device_id is optional for Seam; sending it ties the resulting events to the lock.
	body := map[string]any{"access_code_id": codeID, "device_id": deviceID}
	return c.call(ctx, "access_codes/delete", body, nil, callOpts{idempotent: true})
}

// ListCodes returns the managed codes on one lock.
func (c *Client) ListCodes(ctx context.Context, deviceID string) ([]lock.Code, error) {
	var out []lock.Code
	err := c.listAll(ctx, "access_codes/list", map[string]any{"device_id": deviceID}, func(raw json.RawMessage) (*pagination, error) {
		var page struct {
			AccessCodes []accessCode `json:"access_codes"`
			Pagination  *pagination  `json:"pagination"`
		}
		if err := json.Unmarshal(raw, &page); err != nil {
			return nil, err
		}
		for _, ac := range page.AccessCodes {
			// Filtered again here: Seam's fake 1.86.0 returns every device's codes.
			if ac.DeviceID != deviceID {
				continue
			}
			out = append(out, mapCode(ac))
		}
		return page.Pagination, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func mapCode(ac accessCode) lock.Code {
	code := lock.Code{
		ID:       ac.AccessCodeID,
		DeviceID: ac.DeviceID,
		Name:     ac.Name,
		Status:   mapCodeStatus(ac.Status),
	}
	if ac.Code != nil {
		code.PIN = *ac.Code
	}
	if ac.Type != "ongoing" && ac.StartsAt != nil && ac.EndsAt != nil {
		code.Window = domain.Window{Start: ac.StartsAt.UTC(), End: ac.EndsAt.UTC()}
	}
	// Vendor text may repeat the PIN; these strings end up in logs and pages.
	for _, e := range ac.Errors {
		code.Errors = append(code.Errors, issue(e.Message, e.ErrorCode, code.PIN))
	}
	for _, w := range ac.Warnings {
		code.Warnings = append(code.Warnings, issue(w.Message, w.WarningCode, code.PIN))
	}
	return code
}

// issue formats a Seam error or warning as "message (code)", without the PIN.
func issue(msg, code, pin string) string {
	if pin != "" {
		msg = strings.ReplaceAll(msg, pin, "[redacted]")
	}
	switch {
	case msg == "":
		return code
	case code == "":
		return msg
	}
	return msg + " (" + code + ")"
}

func mapCodeStatus(s string) lock.CodeStatus {
	switch s {
	case "setting":
		return lock.CodeSetting
	case "set":
		return lock.CodeSet
	case "removing":
		return lock.CodeRemoving
	case "unset":
		return lock.CodeUnset
	}
	return lock.CodeUnknown
}
