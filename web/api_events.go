package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
)

// apiEvent is something that happened at a lock, as pulled from it.
type apiEvent struct {
	ID         int64            `json:"id"`
	LockID     int64            `json:"lock_id"`
	Kind       domain.EventKind `json:"kind"`
	Method     domain.Method    `json:"method"`
	CodeID     *int64           `json:"code_id"` // the code used, when the lock reported one Gatehouse knows
	AccessID   *int64           `json:"access_id"`
	GuestID    *int64           `json:"guest_id"`
	OccurredAt apiTime          `json:"occurred_at"`
	TimeZone   string           `json:"time_zone"`
	Detail     string           `json:"detail"`
}

func (s *Server) apiEvents(c echo.Context) error {
	q, err := eventQuery(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	events, err := s.db.EventsPage(ctx, q)
	if err != nil {
		return err
	}
	var next *string
	if len(events) == q.Limit {
		events = events[:q.Limit-1]
		last := events[len(events)-1]
		cur := encodeCursor("e", last.OccurredAt.Unix(), last.ID)
		next = &cur
	}
	zones := map[int64]string{}
	out := []apiEvent{}
	for _, e := range events {
		zone, ok := zones[e.LockID]
		if !ok {
			l, err := s.db.Lock(ctx, e.LockID)
			if err != nil && !errors.Is(err, db.ErrNotFound) {
				return err
			}
			zone = l.TimeZone
			zones[e.LockID] = zone
		}
		out = append(out, apiEvent{ID: e.ID, LockID: e.LockID, Kind: e.Kind, Method: e.Method, CodeID: optID(e.CodeID),
			AccessID: optID(e.AccessID), GuestID: optID(e.GuestID), OccurredAt: apiTime(e.OccurredAt), TimeZone: zone,
			Detail: e.Detail})
	}
	return c.JSON(http.StatusOK, map[string]any{"events": out, "next_cursor": next})
}

// eventQuery reads the filter, page size and cursor of GET /api/v1/events. Its
// Limit is one more than the page size, to tell whether a next page exists.
func eventQuery(c echo.Context) (db.EventQuery, error) {
	var q db.EventQuery
	var err error
	if q.LockID, err = queryID(c, "lock_id"); err != nil {
		return q, err
	}
	if q.Limit, err = queryLimit(c); err != nil {
		return q, err
	}
	q.Limit++
	if cur := c.QueryParam("cursor"); cur != "" {
		key, err := decodeCursor(cur, "e", 2)
		if err != nil {
			return q, err
		}
		q.Before = &db.EventKey{OccurredAt: time.Unix(key[0], 0), ID: key[1]}
	}
	return q, nil
}
