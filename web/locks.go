package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/views"
	"github.com/gatehouse/gatehouse/web/paths"
)

func (s *Server) locksPage(c echo.Context) error {
	ctx := c.Request().Context()
	locks, err := s.db.Locks(ctx)
	if err != nil {
		return err
	}
	counts, err := s.db.AllCodeCounts(ctx)
	if err != nil {
		return err
	}
	foreign, err := s.db.UnmanagedCodes(ctx, 0)
	if err != nil {
		return err
	}
	unmanaged := map[int64]int{}
	for _, u := range foreign {
		unmanaged[u.LockID]++
	}
	conns, err := s.connectionNames(ctx)
	if err != nil {
		return err
	}
	now := s.db.Now()
	p := views.LocksPage{Page: s.page(c, "Locks", views.SectionLocks)}
	for _, l := range locks {
		cc := counts[l.ID]
		onLock := cc.ByStatus[domain.StatusOnLock] + cc.ByStatus[domain.StatusRemoving]
		row := views.LockRow{ID: l.ID, Name: l.Name, Source: conns[l.ConnectionID], Online: l.Online,
			Battery: batteryText(l.Battery), LowBatt: lowBattery(l.Battery), Firmware: orUnknown(l.Firmware),
			LastSync: views.Ago(now, l.LastSyncAt), Codes: onLock, FreeSlots: freeSlots(l.Slots, onLock+cc.ByStatus[domain.StatusSetting])}
		row.Attention = attention(l, cc, unmanaged[l.ID], now)
		p.Locks = append(p.Locks, row)
	}
	return render(c, http.StatusOK, views.Locks(p))
}

// attention lists why a lock needs its owner, shortest words first.
func attention(l db.Lock, cc db.CodeCounts, unmanaged int, now time.Time) []string {
	var out []string
	if lowBattery(l.Battery) {
		out = append(out, "low battery")
	}
	if n := cc.ByStatus[domain.StatusFailed]; n > 0 {
		out = append(out, plural(n, "code failed", "codes failed"))
	}
	if cc.Overdue > 0 {
		out = append(out, plural(cc.Overdue, "code still on lock", "codes still on lock"))
	}
	if unmanaged > 0 {
		out = append(out, plural(unmanaged, "unknown code", "unknown codes"))
	}
	if l.LastError != "" && l.Online {
		out = append(out, "sync failing")
	}
	return out
}

func batteryText(b *float64) string {
	if b == nil {
		return "unknown"
	}
	return fmt.Sprintf("%.0f%%", *b*100)
}

func lowBattery(b *float64) bool { return b != nil && *b < 0.2 }

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func freeSlots(slots, used int) string {
	if slots == 0 {
		return "slots unknown"
	}
	return fmt.Sprintf("%d of %d slots free", max(slots-used, 0), slots)
}

func (s *Server) connectionNames(ctx context.Context) (map[int64]string, error) {
	conns, err := s.db.Connections(ctx)
	if err != nil {
		return nil, err
	}
	out := map[int64]string{}
	for _, c := range conns {
		if c.Kind == "sim" {
			out[c.ID] = "Simulated"
		} else {
			out[c.ID] = "Seam: " + c.Name
		}
	}
	return out, nil
}

func (s *Server) addSimLock(c echo.Context) error {
	ctx := c.Request().Context()
	locks, err := s.db.Locks(ctx)
	if err != nil {
		return err
	}
	id, err := s.locks.AddLock(ctx, "sim", fmt.Sprintf("Simulated door %d", len(locks)+1))
	if err != nil {
		return err
	}
	s.audit(c, auditActor(c), db.AuditLockAdded, "simulated lock")
	s.locks.Nudge()
	return redirect(c, paths.Done(paths.Lock(id), "added"))
}

// lockFromPath loads the lock named in the URL, or 404.
func (s *Server) lockFromPath(c echo.Context) (db.Lock, error) {
	id, err := pathID(c)
	if err != nil {
		return db.Lock{}, err
	}
	return s.db.Lock(c.Request().Context(), id)
}

func (s *Server) lockPage(c echo.Context) error {
	l, err := s.lockFromPath(c)
	if err != nil {
		return err
	}
	p, err := s.lockView(c, l)
	if err != nil {
		return err
	}
	switch c.QueryParam("done") {
	case "added":
		p.Flash = "Lock added."
	case "revoked":
		p.Flash = "Code revoked: it is being removed from the lock."
	case "retry":
		p.Flash = "Trying again now."
	case "removal":
		p.Flash = "The code will be removed from the lock."
	}
	if c.QueryParam("saved") != "" {
		p.Settings.Saved = true
	}
	return render(c, http.StatusOK, views.Lock(p))
}

// lockLive is the self-refreshing part of the lock page (codes and events).
func (s *Server) lockLive(c echo.Context) error {
	l, err := s.lockFromPath(c)
	if err != nil {
		return err
	}
	p, err := s.lockView(c, l)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.LockLive(p))
}

// lockView builds everything the lock page shows, with empty forms.
func (s *Server) lockView(c echo.Context, l db.Lock) (views.LockPage, error) {
	ctx := c.Request().Context()
	now := s.db.Now()
	loc := domain.ZoneOf(l.TimeZone)
	conns, err := s.connectionNames(ctx)
	if err != nil {
		return views.LockPage{}, err
	}
	codes, err := s.db.LockCodes(ctx, l.ID)
	if err != nil {
		return views.LockPage{}, err
	}
	foreign, err := s.db.UnmanagedCodes(ctx, l.ID)
	if err != nil {
		return views.LockPage{}, err
	}
	used := 0
	for _, k := range codes {
		if k.Status == domain.StatusOnLock || k.Status == domain.StatusSetting || k.Status == domain.StatusRemoving {
			used++
		}
	}
	p := views.LockPage{
		Page: s.page(c, l.Name, views.SectionLocks),
		Lock: views.LockHeader{ID: l.ID, Name: l.Name, Model: strings.TrimSpace(l.Manufacturer + " " + l.Model),
			Source: conns[l.ConnectionID], Online: l.Online, Offline: "offline since " + domain.InZone(l.OfflineSince, loc),
			Battery: batteryText(l.Battery), LowBatt: lowBattery(l.Battery), Firmware: orUnknown(l.Firmware),
			LastSync: views.Ago(now, l.LastSyncAt), LastError: l.LastError, TimeZone: l.TimeZone,
			Slots: freeSlots(l.Slots, used), Sim: s.locks.Door(l.ConnectionKind) != nil},
		Settings: views.LockSettingsForm{Name: l.Name, TimeZone: l.TimeZone, Instructions: l.Instructions},
		AddCode:  s.emptyCodeForm(l),
		Keypad:   views.KeypadPanel{LockID: l.ID, Online: l.Online},
	}
	for _, k := range codes {
		p.Codes = append(p.Codes, codeRow(k, loc, now))
		if k.Overdue(now) {
			p.Alerts = append(p.Alerts, overdueAlert(k, l, loc))
		}
	}
	for _, u := range foreign {
		p.Unmanaged = append(p.Unmanaged, views.UnmanagedRow{ID: u.ID, Name: orUnknown(u.Name),
			Seen: domain.InZone(u.FirstSeenAt, loc), Requested: !u.RemovalRequestedAt.IsZero(), Error: u.LastError})
	}
	if n := len(foreign); n > 0 {
		p.Alerts = append(p.Alerts, plural(n, "code on this lock was", "codes on this lock were")+" not set by Gatehouse: review them below.")
	}
	if p.Timeline, err = s.timelineEmbed(c, timelineParams{Lock: l.ID}, "Events",
		"Nothing has happened at this lock yet. Unlocks, wrong codes and code changes appear here as the lock reports them."); err != nil {
		return views.LockPage{}, err
	}
	if p.Who, err = s.whoCanOpen(ctx, l, codes, now); err != nil {
		return views.LockPage{}, err
	}
	return p, nil
}

// overdueAlert says, in one sentence, which code should have left and why it has not.
func overdueAlert(k db.AccessCode, l db.Lock, loc *time.Location) string {
	verb := "ended"
	if !k.RevokedAt.IsZero() && k.LeaveBy().Equal(k.RevokedAt) {
		verb = "was revoked"
	}
	msg := fmt.Sprintf("%s's code %s %s but is still on %s", k.Label, verb, domain.InZone(k.LeaveBy(), loc), l.Name)
	switch {
	case !l.Online:
		msg += ": lock offline since " + domain.InZone(l.OfflineSince, loc)
	case k.LastError != "":
		msg += ": " + k.LastError
	}
	return msg + "."
}

var statusChips = map[domain.CodeStatus][2]string{
	domain.StatusScheduled: {"muted", "scheduled"},
	domain.StatusSetting:   {"info", "setting…"},
	domain.StatusOnLock:    {"ok", "on lock"},
	domain.StatusRemoving:  {"warn", "removing…"},
	domain.StatusRemoved:   {"muted", "removed"},
	domain.StatusFailed:    {"bad", "failed"},
}

func codeRow(k db.AccessCode, loc *time.Location, now time.Time) views.CodeRow {
	chip := statusChips[k.Status]
	row := views.CodeRow{ID: k.ID, Label: k.Label, Window: domain.WindowText(k.StartsAt, k.EndsAt, loc),
		StatusKind: chip[0], StatusLabel: chip[1], FirstUsed: "not yet",
		CanRevoke: k.RevokedAt.IsZero() && k.Status != domain.StatusRemoved,
		CanRetry:  k.Status == domain.StatusFailed || (k.LastError != "" && k.Status != domain.StatusRemoved)}
	if !k.FirstUsedAt.IsZero() {
		row.FirstUsed = domain.InZone(k.FirstUsedAt, loc)
	}
	if !k.RevokedAt.IsZero() && k.Status != domain.StatusRemoved {
		row.StatusLabel += " (revoked)"
	}
	switch {
	case k.LastError != "":
		row.Detail = k.LastError
	case k.Status == domain.StatusOnLock:
		row.Detail = "confirmed " + domain.InZone(k.SetAt, loc)
	case k.Status == domain.StatusRemoved && !k.RemovedAt.IsZero():
		row.Detail = "confirmed gone " + domain.InZone(k.RemovedAt, loc)
	case k.Status == domain.StatusScheduled && !k.StartsAt.IsZero() && now.Before(k.StartsAt):
		row.Detail = "goes on the lock when its window opens"
	}
	return row
}

// lockSettingsForm is a lock's name, zone and instructions for guests.
type lockSettingsForm struct {
	Name         string `form:"name"`
	TimeZone     string `form:"time_zone"`
	Instructions string `form:"instructions"`
}

func (f *lockSettingsForm) Validate() fieldErrors {
	errs := fieldErrors{}
	var msg string
	f.Name, msg = domain.CheckName(f.Name, "a name for the lock")
	errs.add("name", msg)
	f.TimeZone, f.Instructions = strings.TrimSpace(f.TimeZone), strings.TrimSpace(f.Instructions)
	if !domain.ValidZone(f.TimeZone) {
		errs.add("time_zone", "Enter a time zone name such as Europe/Berlin or America/New_York.")
	}
	if utf8.RuneCountInString(f.Instructions) > 2000 {
		errs.add("instructions", "Keep the instructions to 2,000 characters or fewer.")
	}
	return errs
}

func (s *Server) saveLockSettings(c echo.Context) error {
	l, err := s.lockFromPath(c)
	if err != nil {
		return err
	}
	var f lockSettingsForm
	if errs := readForm(c, &f); len(errs) > 0 {
		p, err := s.lockView(c, l)
		if err != nil {
			return err
		}
		p.Settings = views.LockSettingsForm{Name: f.Name, TimeZone: f.TimeZone, Instructions: f.Instructions,
			NameError: errs["name"], TimeZoneError: errs["time_zone"], InstructionsError: errs["instructions"]}
		return render(c, http.StatusUnprocessableEntity, views.Lock(p))
	}
	err = s.db.UpdateLockSettings(c.Request().Context(), l.ID, db.LockSettings{Name: f.Name, TimeZone: f.TimeZone, Instructions: f.Instructions})
	if err != nil {
		return err
	}
	s.audit(c, auditActor(c), db.AuditLockChanged, l.Name+": name, zone or instructions")
	return redirect(c, paths.LockSaved(l.ID))
}

func (s *Server) removeUnmanaged(c echo.Context) error {
	l, err := s.lockFromPath(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("code"), 10, 64)
	if err != nil {
		return echo.ErrNotFound
	}
	err = s.db.RequestUnmanagedRemoval(c.Request().Context(), l.ID, id)
	if err != nil {
		return err
	}
	s.audit(c, auditActor(c), db.AuditUnmanagedRemoved, "a code not set by Gatehouse, on "+l.Name)
	s.locks.Nudge()
	return redirect(c, paths.Done(paths.Lock(l.ID), "removal"))
}
