package db_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/db/dbtest"
	"github.com/gatehouse/gatehouse/domain"
)

// TestTimelinePlans checks the plan SQLite chooses for every timeline filter,
// on the first page and a later one, with and without dates: each is one index
// range read in order (the index named), never a scan of the table, never a
// sort of the matches (a temp B-tree), so a page costs the same at ten million
// events as at ten.
func TestTimelinePlans(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	conn, err := d.SimConnection(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var locks []int64
	for _, n := range []string{"a", "b", "c"} {
		l, err := d.SyncLock(ctx, conn.ID, db.DeviceState{DeviceID: n, Name: n}, "UTC")
		if err != nil {
			t.Fatal(err)
		}
		locks = append(locks, l.ID)
	}
	now := time.Now()
	span := db.TimeSpan{From: now.Add(-72 * time.Hour), To: now}
	perLock := map[int64]db.TimeSpan{locks[0]: span, locks[1]: {From: span.From.Add(time.Hour), To: span.To.Add(time.Hour)}}
	tests := []struct {
		name  string
		f     db.TimelineFilter
		index string
	}{
		{"everything", db.TimelineFilter{}, "events_time"},
		{"lock", db.TimelineFilter{LockID: 1}, "events_lock_time"},
		{"guest", db.TimelineFilter{GuestID: 7}, "events_guest_time"},
		{"kind", db.TimelineFilter{Kind: "tamper"}, "events_lock_kind_time"},
		{"lock and kind", db.TimelineFilter{LockID: 1, Kind: "denied"}, "events_lock_kind_time"},
		{"anomalies", db.TimelineFilter{Anomalies: true}, "events_anomaly_time"},
		{"lock and anomalies", db.TimelineFilter{LockID: 1, Anomalies: true}, "events_anomaly_lock_time"},
		{"kind and anomalies", db.TimelineFilter{Kind: "unlocked", Anomalies: true}, "events_anomaly_time"},
		{"guest, lock, kind, anomalies", db.TimelineFilter{GuestID: 7, LockID: 1, Kind: "unlocked", Anomalies: true}, "events_guest_time"},
		{"dates", db.TimelineFilter{Span: span}, "events_time"},
		{"dates per lock", db.TimelineFilter{Span: db.TimeSpan{From: span.From, To: span.To.Add(time.Hour)}, PerLock: perLock}, "events_time"},
		{"kind and dates per lock", db.TimelineFilter{Kind: "denied", Span: db.TimeSpan{From: span.From, To: span.To.Add(time.Hour)}, PerLock: perLock}, "events_lock_kind_time"},
		{"guest and dates", db.TimelineFilter{GuestID: 7, Span: span}, "events_guest_time"},
		{"lock and dates", db.TimelineFilter{LockID: 1, Span: span}, "events_lock_time"},
		{"kind and dates", db.TimelineFilter{Kind: "locked", Span: span}, "events_lock_kind_time"},
		{"lock, kind and dates", db.TimelineFilter{LockID: 1, Kind: "locked", Span: span}, "events_lock_kind_time"},
		{"anomalies and dates", db.TimelineFilter{Anomalies: true, Span: span}, "events_anomaly_time"},
		{"lock, anomalies and dates", db.TimelineFilter{LockID: 2, Anomalies: true, Span: span}, "events_anomaly_lock_time"},
	}
	pages := []struct {
		name string
		q    db.TimelinePageQuery
	}{
		{"first", db.TimelinePageQuery{Limit: 51, AsOf: 1000}},
		{"later", db.TimelinePageQuery{Before: &db.EventKey{OccurredAt: now.Add(-time.Hour), ID: 500}, AsOf: 1000, Limit: 51}},
		{"export", db.TimelinePageQuery{Limit: -1}},
	}
	for _, tt := range tests {
		for _, pg := range pages {
			t.Run(tt.name+"/"+pg.name, func(t *testing.T) {
				plan, err := d.ExplainTimeline(ctx, tt.f, pg.q)
				if err != nil {
					t.Fatal(err)
				}
				checkPlan(t, plan, "USING INDEX "+tt.index)
				if tt.index == "events_lock_kind_time" && tt.f.LockID == 0 {
					// One range per lock, merged in order.
					if n := strings.Count(strings.Join(plan, "\n"), "SEARCH events USING INDEX events_lock_kind_time"); n != len(locks) {
						t.Errorf("kind alone: %d ranges, want one per lock (%d):\n%s", n, len(locks), strings.Join(plan, "\n"))
					}
					if !slices.Contains(plan, "MERGE (UNION ALL)") {
						t.Errorf("kind alone: the ranges are not merged:\n%s", strings.Join(plan, "\n"))
					}
				}
				if pg.q.Before != nil && !strings.Contains(strings.Join(plan, "\n"), "occurred_at<?") {
					t.Errorf("a later page does not start its range at the cursor:\n%s", strings.Join(plan, "\n"))
				}
			})
		}
		t.Run(tt.name+"/live", func(t *testing.T) {
			// Live updates read only what was stored since the last poll.
			plan, err := d.ExplainTimelineSince(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			checkPlan(t, plan, "USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)")
		})
	}
	t.Run("30-day grid", func(t *testing.T) {
		// Days on the hour (Berlin) read hourly sums; days on the half hour
		// (Kolkata) read quarter hours. Either way a primary-key range per day.
		for zone, want := range map[string]string{
			"Europe/Berlin": "SEARCH c USING PRIMARY KEY (lock_id=? AND hour>? AND hour<?)",
			"Asia/Kolkata":  "SEARCH c USING PRIMARY KEY (lock_id=? AND bucket>? AND bucket<?)",
		} {
			loc, _ := time.LoadLocation(zone)
			days := map[int64][]time.Time{}
			for _, id := range locks {
				for i := 30; i >= 0; i-- {
					y, m, dd := now.AddDate(0, 0, -i).Date()
					days[id] = append(days[id], time.Date(y, m, dd, 0, 0, 0, 0, loc))
				}
			}
			plan, err := d.ExplainDailyCounts(ctx, days)
			if err != nil {
				t.Fatal(err)
			}
			joined := strings.Join(plan, "\n")
			if !strings.Contains(joined, want) || strings.Contains(joined, "SCAN c") {
				t.Errorf("grid in %s: want %s:\n%s", zone, want, joined)
			}
		}
	})
	t.Run("24-hour strip", func(t *testing.T) {
		plan, err := d.ExplainDayMarks(ctx, locks[0], now.Add(-24*time.Hour), now)
		if err != nil {
			t.Fatal(err)
		}
		// Counted from the index alone, a range per kind of the day; anomalies
		// from theirs. Grouping a day's events by slot sorts them (a day's worth).
		checkPlanAllowGroup(t, plan, "SEARCH events USING COVERING INDEX events_lock_kind_time (lock_id=? AND kind=? AND occurred_at>? AND occurred_at<?)")
		checkPlanAllowGroup(t, plan, "SEARCH events USING INDEX events_anomaly_lock_time (lock_id=? AND occurred_at>? AND occurred_at<?)")
	})
}

func checkPlan(t *testing.T, plan []string, want string) {
	t.Helper()
	joined := strings.Join(plan, "\n")
	if strings.Contains(joined, "TEMP B-TREE") {
		t.Errorf("plan sorts (temp B-tree):\n%s", joined)
	}
	checkPlanAllowGroup(t, plan, want)
}

func checkPlanAllowGroup(t *testing.T, plan []string, want string) {
	t.Helper()
	joined := strings.Join(plan, "\n")
	if !strings.Contains(joined, want) {
		t.Errorf("plan does not use %s:\n%s", want, joined)
	}
	for _, line := range plan {
		if strings.HasPrefix(line, "SCAN events") && !strings.Contains(line, "USING INDEX") {
			t.Errorf("plan scans the events table: %q", line)
		}
		if strings.HasPrefix(line, "SCAN events USING INDEX") && !strings.Contains(joined, "SEARCH") && !strings.HasSuffix(want, "events_time") &&
			!strings.HasSuffix(want, "events_anomaly_time") {
			t.Errorf("plan scans a whole index: %q", line)
		}
	}
}

// history stores events at a lock through IngestEvents in batches as given,
// and returns the stored events by device id.
type history struct {
	t    *testing.T
	d    *db.DB
	path string
	lock int64
	n    int
}

func newHistory(t *testing.T) *history {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "g.db")
	d, err := db.Open(ctx, path, db.WithKey(make([]byte, db.KeySize)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	conn, err := d.SimConnection(ctx)
	if err != nil {
		t.Fatal(err)
	}
	l, err := d.SyncLock(ctx, conn.ID, db.DeviceState{DeviceID: "door", Name: "Door"}, "UTC")
	if err != nil {
		t.Fatal(err)
	}
	return &history{t: t, d: d, path: path, lock: l.ID}
}

// store stores events named e1, e2... in the order given, or by ids.
func (h *history) store(kinds []domain.EventKind, at []time.Time, ids ...int) {
	h.t.Helper()
	var evs []db.NewEvent
	for i := range kinds {
		h.n++
		id := h.n
		if ids != nil {
			id = ids[i]
		}
		evs = append(evs, db.NewEvent{DeviceEventID: fmt.Sprintf("e%d", id), Kind: kinds[i], OccurredAt: at[i]})
	}
	if _, err := h.d.IngestEvents(context.Background(), h.lock, evs, ""); err != nil {
		h.t.Fatal(err)
	}
}

// anomalies maps device event ids to anomalies.
func (h *history) anomalies() map[string]domain.Anomaly {
	h.t.Helper()
	out := map[string]domain.Anomaly{}
	p, err := h.d.Timeline(context.Background(), db.TimelineFilter{}, db.TimelinePageQuery{Limit: 100_000})
	if err != nil {
		h.t.Fatal(err)
	}
	for _, e := range p.Events {
		out[e.DeviceEventID] = e.Anomaly
	}
	return out
}

// TestDeniedBursts checks the burst rule against its definition (some 5-minute
// window holds 3 or more denied events) over random histories, stored in random
// batches and orders, as locks deliver them.
func TestDeniedBursts(t *testing.T) {
	base := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for seed := range 20 {
		rng := rand.New(rand.NewPCG(uint64(seed), 9))
		h := newHistory(t)
		var kinds []domain.EventKind
		var at []time.Time
		for i, sec := 0, 0; i < 60; i++ {
			sec += rng.IntN(200)
			kinds = append(kinds, []domain.EventKind{"denied", "denied", "unlocked", "locked"}[rng.IntN(4)])
			at = append(at, base.Add(time.Duration(sec)*time.Second))
		}
		// Delivered in batches, each batch in a shuffled order, some late.
		idx := rng.Perm(len(kinds))
		for len(idx) > 0 {
			n := min(len(idx), 1+rng.IntN(12))
			var k []domain.EventKind
			var a []time.Time
			for _, i := range idx[:n] {
				k, a = append(k, kinds[i]), append(a, at[i])
			}
			h.store(k, a, idx[:n]...)
			idx = idx[n:]
		}
		got := h.anomalies()
		for i := range kinds {
			want := domain.AnomalyNone
			if kinds[i] == "denied" {
				for j := range kinds { // a window [at[j], at[j]+5min] holding i and 3 denied
					if kinds[j] != "denied" || at[j].After(at[i]) || at[i].Sub(at[j]) > domain.BurstWindow {
						continue
					}
					n := 0
					for k := range kinds {
						if kinds[k] == "denied" && !at[k].Before(at[j]) && at[k].Sub(at[j]) <= domain.BurstWindow {
							n++
						}
					}
					if n >= domain.BurstCount {
						want = domain.AnomalyDeniedBurst
					}
				}
			}
			if got := got[fmt.Sprintf("e%d", i)]; got != want {
				t.Errorf("seed %d: %s at +%v: got %q, want %q", seed, kinds[i], at[i].Sub(base), got, want)
			}
		}
	}
}

// TestEventCounts: the grid's counts follow what is stored and deleted.
func TestEventCounts(t *testing.T) {
	ctx := context.Background()
	h := newHistory(t)
	day := time.Date(2024, 3, 31, 0, 0, 0, 0, time.UTC)
	h.store([]domain.EventKind{"denied", "unlocked", "locked"}, []time.Time{day.Add(time.Hour), day.Add(2 * time.Hour), day.Add(25 * time.Hour)})
	// The same events pulled again count once.
	if _, err := h.d.IngestEvents(ctx, h.lock, []db.NewEvent{{DeviceEventID: "e1", Kind: "denied", OccurredAt: day.Add(time.Hour)}}, ""); err != nil {
		t.Fatal(err)
	}
	bounds := map[int64][]time.Time{h.lock: {day, day.Add(24 * time.Hour), day.Add(48 * time.Hour)}}
	got, err := h.d.DailyCounts(ctx, bounds)
	if err != nil {
		t.Fatal(err)
	}
	if want := []db.DayCount{{Total: 2, Denied: 1}, {Total: 1}}; !slices.Equal(got[h.lock], want) {
		t.Errorf("counts: got %v, want %v", got[h.lock], want)
	}
	// Whoever deletes events (retention) leaves the counts right.
	if _, err := rawOpen(t, h.path).Exec("DELETE FROM events WHERE kind = 'denied'"); err != nil {
		t.Fatal(err)
	}
	got, err = h.d.DailyCounts(ctx, bounds)
	if err != nil {
		t.Fatal(err)
	}
	if want := []db.DayCount{{Total: 1}, {Total: 1}}; !slices.Equal(got[h.lock], want) {
		t.Errorf("counts after a delete: got %v, want %v", got[h.lock], want)
	}
	// Days on the half hour (Kolkata) are read from quarter hours, and agree.
	half := map[int64][]time.Time{h.lock: {day.Add(-30 * time.Minute), day.Add(90 * time.Minute), day.Add(150 * time.Minute)}}
	got, err = h.d.DailyCounts(ctx, half)
	if err != nil {
		t.Fatal(err)
	}
	if want := []db.DayCount{{}, {Total: 1}}; !slices.Equal(got[h.lock], want) {
		t.Errorf("half-hour days: got %v, want %v", got[h.lock], want)
	}
}

// TestTimelineMigration upgrades a database holding events from before the
// timeline (schema 4): guests, anomalies and counts are filled in as ingest
// would have.
func TestTimelineMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "g.db")
	key := make([]byte, db.KeySize)
	d, err := db.Open(ctx, path, db.WithKey(key))
	if err != nil {
		t.Fatal(err)
	}
	conn, _ := d.SimConnection(ctx)
	l, err := d.SyncLock(ctx, conn.ID, db.DeviceState{DeviceID: "door", Name: "Door"}, "UTC")
	if err != nil {
		t.Fatal(err)
	}
	g, _ := d.CreateGuest(ctx, "Ana", "")
	start := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	a, _, err := d.CreateAccess(ctx, db.NewAccess{GuestID: g.ID, GuestName: "Ana", LockIDs: []int64{l.ID}, PIN: "583920",
		StartsAt: start, EndsAt: start.Add(time.Hour), TimeZone: "UTC", Link: db.LinkOptions{TTL: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	codes, _ := d.AccessCodes(ctx, a.ID)
	d.Close()
	// Back to schema 4: without the timeline's columns, tables and indexes,
	// nor what later migrations added.
	raw := rawOpen(t, path)
	undoLaterMigrations(t, raw)
	for _, q := range []string{
		"DROP TRIGGER events_uncount", "DROP TRIGGER locks_uncount", "DROP TABLE event_counts_hourly", "DROP TABLE event_counts",
		"DROP INDEX events_lock_kind_time", "DROP INDEX events_guest_time", "DROP INDEX events_anomaly_time",
		"DROP INDEX events_anomaly_lock_time", "DROP INDEX accesses_opened",
		"ALTER TABLE events DROP COLUMN guest_id", "ALTER TABLE events DROP COLUMN anomaly",
		"DELETE FROM schema_migrations WHERE version >= 5",
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	ins := "INSERT INTO events (lock_id, device_event_id, kind, method, code_id, occurred_at) VALUES (?, ?, ?, '', ?, ?)"
	for i, e := range []struct {
		kind string
		code any
		at   time.Time
	}{
		{"unlocked", codes[0].ID, start.Add(10 * time.Minute)}, // in its window
		{"unlocked", codes[0].ID, start.Add(2 * time.Hour)},    // after it
		{"denied", nil, start.Add(3 * time.Hour)},
		{"denied", nil, start.Add(3*time.Hour + time.Minute)},
		{"denied", nil, start.Add(3*time.Hour + 2*time.Minute)},
		{"tamper", nil, start.Add(4 * time.Hour)},
	} {
		if _, err := raw.Exec(ins, l.ID, fmt.Sprint(i), e.kind, e.code, e.at.Unix()); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	d, err = db.Open(ctx, path, db.WithKey(key))
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	defer d.Close()
	var got []string
	err = d.EachTimelineEvent(ctx, db.TimelineFilter{}, 0, func(e db.TimelineEvent) error {
		got = append(got, fmt.Sprintf("%s guest=%v %s", e.Kind, e.GuestID == g.ID, e.Anomaly))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"tamper guest=false tamper", "denied guest=false denied_burst", "denied guest=false denied_burst",
		"denied guest=false denied_burst", "unlocked guest=true outside_window", "unlocked guest=true "}
	if !slices.Equal(got, want) {
		t.Errorf("migrated events:\n got %q\nwant %q", got, want)
	}
	counts, err := d.DailyCounts(ctx, map[int64][]time.Time{l.ID: {start.Add(-12 * time.Hour), start.Add(12 * time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	if want := (db.DayCount{Total: 6, Denied: 3}); counts[l.ID][0] != want {
		t.Errorf("migrated counts: got %+v, want %+v", counts[l.ID][0], want)
	}
}

// TestTimelinePagesWithDates pages through a date range: every event in it
// once, in order, whichever bound the cursor makes redundant.
func TestTimelinePagesWithDates(t *testing.T) {
	ctx := context.Background()
	h := newHistory(t)
	base := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	var kinds []domain.EventKind
	var at []time.Time
	for i := range 300 {
		kinds, at = append(kinds, []domain.EventKind{"unlocked", "locked", "denied"}[i%3]), append(at, base.Add(time.Duration(i)*17*time.Minute))
	}
	h.store(kinds, at)
	for _, f := range []db.TimelineFilter{
		{Span: db.TimeSpan{From: base.Add(24 * time.Hour), To: base.Add(48 * time.Hour)}},
		{Span: db.TimeSpan{To: base.Add(30 * time.Hour)}},
		{Kind: "locked", Span: db.TimeSpan{From: base.Add(10 * time.Hour), To: base.Add(60 * time.Hour)}},
	} {
		all, err := h.d.Timeline(ctx, f, db.TimelinePageQuery{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		var before *db.EventKey
		for {
			p, err := h.d.Timeline(ctx, f, db.TimelinePageQuery{Before: before, AsOf: all.AsOf, Limit: 20})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range p.Events {
				got = append(got, e.ID)
				if (!f.Span.From.IsZero() && e.OccurredAt.Before(f.Span.From)) || !e.OccurredAt.Before(f.Span.To) {
					t.Errorf("%+v: event at %v is outside the dates", f.Span, e.OccurredAt)
				}
			}
			if !p.More {
				break
			}
			last := p.Events[len(p.Events)-1]
			before = &db.EventKey{OccurredAt: last.OccurredAt, ID: last.ID}
		}
		var want []int64
		for _, e := range all.Events {
			want = append(want, e.ID)
		}
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("%+v: pages gave %d events, want the %d in range, in order", f.Span, len(got), len(want))
		}
	}
}
