package web

import (
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
)

// apiCode is a code as the API shows it: what the reconciler last observed, never
// the PIN.
type apiCode struct {
	ID          int64             `json:"id"`
	LockID      int64             `json:"lock_id"`
	AccessID    *int64            `json:"access_id"` // null for a code made on a lock's page
	GuestID     *int64            `json:"guest_id"`
	Label       string            `json:"label"`
	Status      domain.CodeStatus `json:"status"`
	StatusAt    apiTime           `json:"status_at"`
	LastError   string            `json:"last_error"`
	RetryAt     apiTime           `json:"retry_at"` // failed codes: when the reconciler tries again
	StartsAt    apiTime           `json:"starts_at"`
	EndsAt      apiTime           `json:"ends_at"`
	Permanent   bool              `json:"permanent"`
	TimeZone    string            `json:"time_zone"`
	RevokedAt   apiTime           `json:"revoked_at"`
	SetAt       apiTime           `json:"set_at"`
	RemovedAt   apiTime           `json:"removed_at"`
	FirstUsedAt apiTime           `json:"first_used_at"`
	LastUsedAt  apiTime           `json:"last_used_at"`
	CreatedAt   apiTime           `json:"created_at"`
}

func newAPICode(c db.CodeInfo) apiCode {
	var retry time.Time
	if c.Status == domain.StatusFailed {
		retry = c.NextAttemptAt
	}
	return apiCode{ID: c.ID, LockID: c.LockID, AccessID: optID(c.AccessID), GuestID: optID(c.GuestID), Label: c.Label,
		Status: c.Status, StatusAt: apiTime(c.StatusAt), LastError: c.LastError, RetryAt: apiTime(retry),
		StartsAt: apiTime(c.StartsAt), EndsAt: apiTime(c.EndsAt), Permanent: c.Permanent(), TimeZone: c.TimeZone,
		RevokedAt: apiTime(c.RevokedAt), SetAt: apiTime(c.SetAt), RemovedAt: apiTime(c.RemovedAt),
		FirstUsedAt: apiTime(c.FirstUsedAt), LastUsedAt: apiTime(c.LastUsedAt), CreatedAt: apiTime(c.CreatedAt)}
}

func (s *Server) apiCodes(c echo.Context) error {
	q, err := codeQuery(c)
	if err != nil {
		return err
	}
	codes, err := s.db.CodesPage(c.Request().Context(), q)
	if err != nil {
		return err
	}
	// One row more than asked says whether there is a next page.
	var next *string
	if len(codes) == q.Limit {
		codes = codes[:q.Limit-1]
		cur := encodeCursor("c", codes[len(codes)-1].ID)
		next = &cur
	}
	out := []apiCode{}
	for _, k := range codes {
		out = append(out, newAPICode(k))
	}
	return c.JSON(http.StatusOK, map[string]any{"codes": out, "next_cursor": next})
}

// codeQuery reads the filters, page size and cursor of GET /api/v1/codes. Its
// Limit is one more than the page size.
func codeQuery(c echo.Context) (db.CodeQuery, error) {
	var q db.CodeQuery
	var err error
	if q.LockID, err = queryID(c, "lock_id"); err != nil {
		return q, err
	}
	if q.Status = domain.CodeStatus(c.QueryParam("status")); q.Status != "" && !slices.Contains(domain.CodeStatuses, q.Status) {
		return q, badParam("status", "status must be one of scheduled, setting, on_lock, removing, removed, failed.")
	}
	if q.Limit, err = queryLimit(c); err != nil {
		return q, err
	}
	q.Limit++
	if cur := c.QueryParam("cursor"); cur != "" {
		key, err := decodeCursor(cur, "c", 1)
		if err != nil {
			return q, err
		}
		q.BeforeID = key[0]
	}
	return q, nil
}

func (s *Server) apiCode(c echo.Context) error {
	id, err := apiPathID(c, "code")
	if err != nil {
		return err
	}
	k, err := s.db.CodeInfo(c.Request().Context(), id)
	if errors.Is(err, db.ErrNotFound) {
		return apiNotFound("code")
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"code": newAPICode(k)})
}
