package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/access"
	"github.com/gatehouse/gatehouse/domain"
)

// apiLock is a lock as the API shows it.
type apiLock struct {
	ID            int64    `json:"id"`
	Name          string   `json:"name"`
	TimeZone      string   `json:"time_zone"`
	Online        bool     `json:"online"`
	Locked        *bool    `json:"locked"`  // null: unknown
	Battery       *float64 `json:"battery"` // 0..1; null: unknown
	Firmware      string   `json:"firmware"`
	LastSyncAt    apiTime  `json:"last_sync_at"`
	CodesOnLock   int      `json:"codes_on_lock"`
	MinCodeLength int      `json:"min_code_length"`
	MaxCodeLength int      `json:"max_code_length"`
}

func (s *Server) apiLocks(c echo.Context) error {
	ctx := c.Request().Context()
	locks, err := s.db.Locks(ctx)
	if err != nil {
		return err
	}
	counts, err := s.db.AllCodeCounts(ctx)
	if err != nil {
		return err
	}
	out := []apiLock{}
	for _, l := range locks {
		cc := counts[l.ID]
		lo, hi := access.PINRules(l).Bounds()
		out = append(out, apiLock{ID: l.ID, Name: l.Name, TimeZone: l.TimeZone, Online: l.Online, Locked: l.Locked,
			Battery: l.Battery, Firmware: l.Firmware, LastSyncAt: apiTime(l.LastSyncAt),
			// As on the Locks page: a code being removed is still on the lock until it confirms.
			CodesOnLock:   cc.ByStatus[domain.StatusOnLock] + cc.ByStatus[domain.StatusRemoving],
			MinCodeLength: lo, MaxCodeLength: hi})
	}
	return c.JSON(http.StatusOK, map[string]any{"locks": out})
}
