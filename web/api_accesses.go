package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/access"
	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/web/paths"
)

// apiAccess is an access as the API shows it: its window and its codes, one per
// lock. The PIN is never part of it; the guest gets it through the share link.
type apiAccess struct {
	ID        int64           `json:"id"`
	GuestID   int64           `json:"guest_id"`
	StartsAt  apiTime         `json:"starts_at"`
	EndsAt    apiTime         `json:"ends_at"`
	Permanent bool            `json:"permanent"`
	TimeZone  string          `json:"time_zone"`
	CreatedAt apiTime         `json:"created_at"`
	RevokedAt apiTime         `json:"revoked_at"`
	RotatedTo *int64          `json:"rotated_to"` // the access that replaced this one
	Codes     []apiAccessCode `json:"codes"`
}

type apiAccessCode struct {
	ID     int64             `json:"id"`
	LockID int64             `json:"lock_id"`
	Status domain.CodeStatus `json:"status"`
}

// apiShared is the answer to a call that made a share link: the link is shown
// here once and never again.
type apiShared struct {
	Access           apiAccess `json:"access"`
	ShareURL         string    `json:"share_url"`
	ShareURLExpires  apiTime   `json:"share_url_expires_at"`
	ReplacedAccessID *int64    `json:"replaced_access_id,omitempty"`
}

func (s *Server) apiAccessView(ctx context.Context, a db.Access) (apiAccess, error) {
	codes, err := s.db.AccessCodes(ctx, a.ID)
	if err != nil {
		return apiAccess{}, err
	}
	out := apiAccess{ID: a.ID, GuestID: a.GuestID, StartsAt: apiTime(a.StartsAt), EndsAt: apiTime(a.EndsAt),
		Permanent: a.Permanent(), TimeZone: a.TimeZone, CreatedAt: apiTime(a.CreatedAt), RevokedAt: apiTime(a.RevokedAt),
		RotatedTo: optID(a.RotatedTo), Codes: []apiAccessCode{}}
	for _, k := range codes {
		out.Codes = append(out.Codes, apiAccessCode{ID: k.ID, LockID: k.LockID, Status: k.Status})
	}
	return out, nil
}

// apiSharedView adds the one-time share URL and its expiry to an access.
func (s *Server) apiSharedView(ctx context.Context, a db.Access, token string) (apiShared, error) {
	view, err := s.apiAccessView(ctx, a)
	if err != nil {
		return apiShared{}, err
	}
	links, err := s.db.AccessLinks(ctx, a.ID)
	if err != nil || len(links) == 0 {
		return apiShared{}, errors.Join(err, errors.New("web: new access has no link"))
	}
	return apiShared{Access: view, ShareURL: s.cfg.origin() + paths.Share(token), ShareURLExpires: apiTime(links[0].ExpiresAt)}, nil
}

// apiAccessBody is POST /api/v1/accesses.
type apiAccessBody struct {
	GuestID      *int64         `json:"guest_id"`
	Guest        *apiGuestInput `json:"guest"`
	LockIDs      []int64        `json:"lock_ids"`
	StartsAt     string         `json:"starts_at"`
	EndsAt       string         `json:"ends_at"`
	Permanent    bool           `json:"permanent"`
	PIN          string         `json:"pin"`
	PINLength    int            `json:"pin_length"`
	LinkTTLHours int            `json:"link_ttl_hours"`
	Passphrase   string         `json:"passphrase"`
}

type apiGuestInput struct {
	Name string `json:"name"`
	Note string `json:"note"`
}

// maxLinkTTLHours is the access service's limit of 90 days, in hours.
const maxLinkTTLHours = int(access.MaxLinkTTL / time.Hour)

// request turns the body into the access service's request, checking what only the API
// has: the either-or of guest_id and guest, and the RFC 3339 times.
func (b apiAccessBody) request() (access.GiveRequest, fieldErrors) {
	errs := fieldErrors{}
	req := access.GiveRequest{LockIDs: b.LockIDs, Permanent: b.Permanent, PIN: b.PIN, PINLength: b.PINLength,
		LinkTTL: time.Duration(b.LinkTTLHours) * time.Hour, Passphrase: b.Passphrase}
	switch {
	case b.GuestID != nil && b.Guest != nil:
		errs["guest_id"] = "Give guest_id (an existing guest) or guest (a new one), not both."
		req.GuestID = *b.GuestID
	case b.GuestID != nil && *b.GuestID <= 0:
		errs["guest_id"] = "guest_id must be a guest's id."
	case b.GuestID != nil:
		req.GuestID = *b.GuestID
	case b.Guest != nil:
		req.GuestName, req.GuestNote = b.Guest.Name, b.Guest.Note
	default:
		errs["guest"] = "Give guest_id (an existing guest) or guest with a name (a new one)."
	}
	if b.Permanent {
		if b.StartsAt != "" || b.EndsAt != "" {
			errs["permanent"] = "A permanent access has no window: leave out starts_at and ends_at."
		}
	} else {
		req.Starts = parseAPITime(b.StartsAt, "starts_at", errs)
		req.Ends = parseAPITime(b.EndsAt, "ends_at", errs)
	}
	if b.PIN != "" && b.PINLength != 0 {
		errs["pin_length"] = "Give pin (your own code) or pin_length (for a generated one), not both."
	}
	if b.PINLength < 0 {
		errs["pin_length"] = "pin_length must be a positive number of digits."
	}
	if b.LinkTTLHours < 0 || b.LinkTTLHours > maxLinkTTLHours {
		errs["link_ttl_hours"] = fmt.Sprintf("A link can live from 1 to %d hours (90 days); leave it out for the default of 7 days.", maxLinkTTLHours)
	}
	return req, errs
}

// parseAPITime reads an RFC 3339 time, which always carries its offset, so the
// API never has to guess a zone. Empty stays zero for the service to report.
func parseAPITime(v, name string, errs fieldErrors) time.Time {
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		errs[name] = "Use an RFC 3339 time with its offset, like 2026-12-01T15:00:00+01:00 or 2026-12-01T14:00:00Z."
	}
	return t
}

// apiFieldNames maps the access service's field names to the API's property names.
var apiFieldNames = map[string]string{
	access.FieldGuest: "guest_id", access.FieldGuestName: "guest.name", access.FieldGuestNote: "guest.note",
	access.FieldLocks: "lock_ids", access.FieldStarts: "starts_at", access.FieldEnds: "ends_at", access.FieldPIN: "pin",
	access.FieldPassphrase: "passphrase", access.FieldLinkTTL: "link_ttl_hours",
}

// apiFields renames the service's messages to API properties. A problem with
// the PIN when none was given is about the pin_length asked for.
func apiFields(errs map[string]string, generated bool) map[string]string {
	out := map[string]string{}
	for k, msg := range errs {
		name, ok := apiFieldNames[k]
		if !ok {
			name = k
		}
		if k == access.FieldPIN && generated {
			name = "pin_length"
		}
		out[name] = msg
	}
	return out
}

func invalidFields(fields map[string]string) *apiError {
	return &apiError{Status: http.StatusUnprocessableEntity, Code: codeInvalid,
		Message: "Some properties are invalid; see fields. Nothing was saved.", Fields: fields}
}

func (s *Server) apiCreateAccess(c echo.Context) error {
	var body apiAccessBody
	if err := decodeJSON(c, &body, false); err != nil {
		return err
	}
	ctx := c.Request().Context()
	generated := strings.TrimSpace(body.PIN) == ""
	req, own := body.request()
	if len(own) > 0 {
		return s.apiInvalidAccess(ctx, req, own, generated)
	}
	res, errs, err := s.access.Give(ctx, tokenActor(c), req)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return invalidFields(apiFields(errs, generated))
	}
	out, err := s.apiSharedView(ctx, res.Access, res.Token)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

// apiInvalidAccess answers a body that failed the API's own checks. It runs
// the service's checks too (saving nothing), so the caller sees every problem in
// one answer; the API's message wins where both speak of one property.
func (s *Server) apiInvalidAccess(ctx context.Context, req access.GiveRequest, own fieldErrors, generated bool) error {
	errs, err := s.access.Check(ctx, req)
	if err != nil {
		return err
	}
	fields := apiFields(errs, generated)
	guestNamed := false
	for k := range own {
		guestNamed = guestNamed || strings.HasPrefix(k, "guest")
	}
	for k := range fields {
		if guestNamed && strings.HasPrefix(k, "guest") {
			delete(fields, k) // the guest was not given properly: checking its parts says nothing more
		}
	}
	for k, msg := range own {
		fields[k] = msg
	}
	return invalidFields(fields)
}

// apiAccessFromPath loads the URL's access with its guest and locks, through the
// owner pages' loader, answering the API's own 404, which names what is missing.
func (s *Server) apiAccessFromPath(c echo.Context) (access.Target, error) {
	t, err := s.accessFromPath(c)
	if errors.Is(err, echo.ErrNotFound) || errors.Is(err, db.ErrNotFound) {
		return t, apiNotFound("access")
	}
	return t, err
}

// apiRevokeAccess kills the access's links and has the reconciler take its codes
// off the locks. Revoking again changes nothing and answers the same.
func (s *Server) apiRevokeAccess(c echo.Context) error {
	t, err := s.apiAccessFromPath(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	a := t.Access
	if a.RevokedAt.IsZero() {
		if err := s.access.Revoke(ctx, tokenActor(c), t); err != nil {
			return err
		}
		if a, err = s.db.Access(ctx, a.ID); err != nil {
			return err
		}
	}
	view, err := s.apiAccessView(ctx, a)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"access": view})
}

// accessNotLive is the API's 409 for rotating an access that is not live, or
// stopped being live while the rotation ran.
const accessNotLive = "This access was revoked, already rotated, or has ended; give a new access instead."

// apiRotateBody is POST /api/v1/accesses/{id}/rotate; the body is optional.
// What it leaves out is kept from the old access's newest link, as the owner's
// rotate keeps it: no passphrase keeps the old one (a guest told a passphrase
// is never silently left with a link that asks none), no link_ttl_hours the old
// link's lifetime.
type apiRotateBody struct {
	LinkTTLHours int    `json:"link_ttl_hours"`
	Passphrase   string `json:"passphrase"`
}

// problems checks the rotate body as the service's Give checks the same options.
func (b apiRotateBody) problems() map[string]string {
	out := map[string]string{}
	if b.LinkTTLHours < 0 || b.LinkTTLHours > maxLinkTTLHours {
		out["link_ttl_hours"] = fmt.Sprintf("A link can live from 1 to %d hours (90 days).", maxLinkTTLHours)
	}
	if msg := access.PassphraseProblem(b.Passphrase); msg != "" {
		out["passphrase"] = msg
	}
	return out
}

// apiRotateAccess revokes an access and makes its replacement in one step: same
// guest, locks and window, a new code and a new link.
func (s *Server) apiRotateAccess(c echo.Context) error {
	var body apiRotateBody
	if err := decodeJSON(c, &body, true); err != nil {
		return err
	}
	if p := body.problems(); len(p) > 0 {
		return invalidFields(p)
	}
	old, err := s.apiAccessFromPath(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	next, err := s.access.Rotate(ctx, tokenActor(c), old,
		db.LinkOptions{TTL: time.Duration(body.LinkTTLHours) * time.Hour, Passphrase: body.Passphrase})
	switch {
	case errors.Is(err, access.ErrNotLive), errors.Is(err, access.ErrRotatedMeanwhile):
		// Rotating would bring a revoked or finished access back to life.
		return &apiError{Status: http.StatusConflict, Code: codeConflict, Message: accessNotLive}
	case errors.Is(err, access.ErrNoFreeCode):
		return &apiError{Status: http.StatusConflict, Code: codeConflict,
			Message: "Gatehouse could not find a free code for these doors. Try again."}
	case errors.Is(err, access.ErrCodeRefused):
		return &apiError{Status: http.StatusConflict, Code: codeConflict, Message: access.Reason(err)}
	case err != nil:
		return err
	}
	out, err := s.apiSharedView(ctx, next.Access, next.Token)
	if err != nil {
		return err
	}
	out.ReplacedAccessID = &old.Access.ID
	return c.JSON(http.StatusCreated, out)
}
