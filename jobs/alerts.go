package jobs

import (
	"context"
	"log/slog"
	"time"
)

// AlertsEvery is how often the timeline's condition alerts are raised by default.
const AlertsEvery = time.Minute

// Alerts raises the timeline's condition alerts (db.RaiseAlerts: a lock long
// offline, a revealed code unused) at once and then every Every.
type Alerts struct {
	Store Store
	Every time.Duration // 0: AlertsEvery
	Clock Clock         // nil: the wall clock
	Log   *slog.Logger
}

// Run raises alerts until ctx ends.
func (a Alerts) Run(ctx context.Context) error {
	every := a.Every
	if every <= 0 {
		every = AlertsEvery
	}
	return repeat(ctx, clockOr(a.Clock), every, a.Step)
}

// Step raises the alerts that hold now, once, and logs what it did.
func (a Alerts) Step(ctx context.Context) {
	if n, err := a.Store.RaiseAlerts(ctx); err != nil && ctx.Err() == nil {
		a.Log.Warn("raising timeline alerts", slog.Any("err", err))
	} else if n > 0 {
		a.Log.Info("timeline alerts raised", slog.Int("count", n))
	}
}
