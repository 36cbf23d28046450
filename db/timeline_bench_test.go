package db_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
)

// The timeline's benchmarks run over a generated history: 10 locks in two zones,
// a year of events (unlocks with guests' codes, locks, wrong codes with the odd
// burst, code changes, rare tamper and safe mode), 3-day stays of 200 guests.
// Building it goes through IngestEvents like the event puller, so it also
// measures ingest; it is built once and kept in the temp directory:
//
//	go test -run '^$' -bench Timeline -benchtime 200x ./db/
//	TIMELINE_BENCH_EVENTS=10000000 go test -run '^$' -bench Timeline -benchtime 200x -timeout 2h ./db/
//
// Each benchmark reports p50 and p99 milliseconds per query.

// benchHistory is the generated database and what the benchmarks ask about.
type benchHistory struct {
	d      *db.DB
	locks  []int64
	guest  int64 // a guest with many stays
	from   time.Time
	to     time.Time
	events int
}

var benchHistories = map[int]*benchHistory{}

func benchEvents() int {
	if n, err := strconv.Atoi(os.Getenv("TIMELINE_BENCH_EVENTS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// openBenchHistory opens the cached history of n events, building it first if needed.
func openBenchHistory(b *testing.B) *benchHistory {
	b.Helper()
	n := benchEvents()
	if h := benchHistories[n]; h != nil {
		return h
	}
	ctx := context.Background()
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(1, 0, 0)
	clock := func() time.Time { return to }
	base := filepath.Join(os.TempDir(), fmt.Sprintf("gatehouse-timeline-bench-%d-v%d", n, db.SchemaVersion()))
	key, err := db.LoadOrCreateKey(base + ".key")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(base + ".db"); err != nil {
		start := time.Now()
		tmp := base + ".building.db"
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(tmp + suffix)
		}
		d, err := db.Open(ctx, tmp, db.WithKey(key), db.WithClock(clock))
		if err != nil {
			b.Fatal(err)
		}
		if err := buildHistory(ctx, d, n, from, to); err != nil {
			b.Fatal(err)
		}
		if err := d.Close(); err != nil {
			b.Fatal(err)
		}
		if err := os.Rename(tmp, base+".db"); err != nil {
			b.Fatal(err)
		}
		b.Logf("built %d events in %v (%.0f events/s)", n, time.Since(start).Round(time.Second), float64(n)/time.Since(start).Seconds())
	}
	d, err := db.Open(ctx, base+".db", db.WithKey(key), db.WithClock(clock))
	if err != nil {
		b.Fatal(err)
	}
	h := &benchHistory{d: d, from: from, to: to, events: n}
	locks, err := d.TimelineLocks(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range locks {
		h.locks = append(h.locks, l.ID)
	}
	guests, err := d.Guests(ctx, "Guest 007", 1)
	if err != nil || len(guests) != 1 {
		b.Fatalf("bench guest: %v", err)
	}
	h.guest = guests[0].ID
	benchHistories[n] = h
	return h
}

// buildHistory fills d with n events over [from, to).
func buildHistory(ctx context.Context, d *db.DB, n int, from, to time.Time) error {
	rng := rand.New(rand.NewPCG(1, 2))
	conn, err := d.SimConnection(ctx)
	if err != nil {
		return err
	}
	const locks, guests, stay = 10, 200, 3 * 24 * time.Hour
	var guestIDs []int64
	for i := range guests {
		g, err := d.CreateGuest(ctx, fmt.Sprintf("Guest %03d", i), "")
		if err != nil {
			return err
		}
		guestIDs = append(guestIDs, g.ID)
	}
	type code struct {
		dev        string
		start, end time.Time
	}
	for li := range locks {
		zone := "Europe/Berlin"
		if li%3 == 2 {
			zone = "America/New_York"
		}
		l, err := d.SyncLock(ctx, conn.ID, db.DeviceState{DeviceID: fmt.Sprintf("bench-%d", li), Name: fmt.Sprintf("Door %d", li), TimeZone: zone}, zone)
		if err != nil {
			return err
		}
		// One guest per stay, the same few guests coming back often.
		var stays []code
		for s, k := from, 0; s.Before(to); s, k = s.Add(stay), k+1 {
			g := guestIDs[(k*7+li)%guests]
			if k%5 == 0 {
				g = guestIDs[7]
			}
			a, _, err := d.CreateAccess(ctx, db.NewAccess{GuestID: g, GuestName: fmt.Sprintf("Guest %d", g), LockIDs: []int64{l.ID},
				PIN: fmt.Sprintf("%08d", rng.IntN(1e8)), StartsAt: s, EndsAt: s.Add(stay), TimeZone: zone,
				Link: db.LinkOptions{TTL: time.Hour}})
			if err != nil {
				return err
			}
			cs, err := d.AccessCodes(ctx, a.ID)
			if err != nil {
				return err
			}
			dev := fmt.Sprintf("dev-%d", cs[0].ID)
			if err := d.ObserveCode(ctx, cs[0].ID, db.CodeObservation{Status: domain.StatusRemoved, DeviceCodeID: dev}); err != nil {
				return err
			}
			stays = append(stays, code{dev, s, s.Add(stay)})
		}
		per := n / locks
		if li == locks-1 {
			per = n - per*(locks-1)
		}
		gap := to.Sub(from) / time.Duration(per)
		at := from
		batch := make([]db.NewEvent, 0, 2000)
		for i := range per {
			at = at.Add(time.Duration(rng.Int64N(int64(2 * gap))))
			if !at.Before(to) {
				at = to.Add(-time.Duration(per-i) * time.Second)
			}
			e := db.NewEvent{DeviceEventID: fmt.Sprintf("e-%d-%d", li, i), Method: "keypad", OccurredAt: at}
			st := stays[min(int(at.Sub(from)/stay), len(stays)-1)]
			switch r := rng.IntN(1000); {
			case r < 450:
				e.Kind, e.DeviceCodeID = "unlocked", st.dev
				if r < 5 { // the previous guest's code, after their stay
					e.DeviceCodeID = stays[max(int(at.Sub(from)/stay)-1, 0)].dev
				}
			case r < 850:
				e.Kind, e.Method = "locked", "automatic"
			case r < 930:
				e.Kind, e.Detail = "denied", "wrong code"
			case r < 950:
				e.Kind, e.DeviceCodeID, e.Method = "code_set", st.dev, ""
			case r < 970:
				e.Kind, e.DeviceCodeID, e.Method = "code_removed", st.dev, ""
			case r < 975:
				e.Kind, e.Method, e.Detail = "battery_low", "", "battery at 18%"
			case r < 985:
				e.Kind, e.Method = "safe_mode", "keypad"
			case r < 987:
				e.Kind, e.Method = "tamper", ""
			default:
				e.Kind, e.Method = "unlocked", "app"
			}
			batch = append(batch, e)
			if len(batch) == cap(batch) || i == per-1 {
				if _, err := d.IngestEvents(ctx, l.ID, batch, strconv.Itoa(i)); err != nil {
					return err
				}
				batch = batch[:0]
			}
		}
	}
	return nil
}

// timeQueries runs query once per b.Loop iteration and reports p50 and p99.
func timeQueries(b *testing.B, query func(i int) error) {
	b.Helper()
	var took []time.Duration
	i := 0
	for b.Loop() {
		start := time.Now()
		if err := query(i); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
		i++
	}
	slices.Sort(took)
	ms := func(q float64) float64 {
		return float64(took[min(int(q*float64(len(took))), len(took)-1)]) / float64(time.Millisecond)
	}
	b.ReportMetric(ms(0.50), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
}

func BenchmarkTimeline(b *testing.B) {
	h := openBenchHistory(b)
	ctx := context.Background()
	filters := []struct {
		name string
		f    db.TimelineFilter
	}{
		{"all", db.TimelineFilter{}},
		{"lock", db.TimelineFilter{LockID: h.locks[3]}},
		{"guest", db.TimelineFilter{GuestID: h.guest}},
		{"kind=denied", db.TimelineFilter{Kind: "denied"}},
		{"kind=tamper", db.TimelineFilter{Kind: "tamper"}},
		{"lock+kind=tamper", db.TimelineFilter{LockID: h.locks[3], Kind: "tamper"}},
		{"anomalies", db.TimelineFilter{Anomalies: true}},
		{"anomalies+lock", db.TimelineFilter{Anomalies: true, LockID: h.locks[3]}},
		{"week", db.TimelineFilter{Span: db.TimeSpan{From: h.to.AddDate(0, 0, -7), To: h.to}}},
	}
	asOf, err := h.d.NewestEventID(ctx)
	if err != nil {
		b.Fatal(err)
	}
	span := h.to.Sub(h.from)
	for _, tc := range filters {
		b.Run(tc.name+"/first", func(b *testing.B) {
			timeQueries(b, func(int) error {
				p, err := h.d.Timeline(ctx, tc.f, db.TimelinePageQuery{Limit: 50})
				if err == nil && len(p.Events) == 0 {
					err = fmt.Errorf("no events")
				}
				return err
			})
		})
		b.Run(tc.name+"/later", func(b *testing.B) {
			rng := rand.New(rand.NewPCG(3, 4))
			timeQueries(b, func(int) error {
				// A page anywhere in the history, as after many "load more".
				key := &db.EventKey{OccurredAt: h.from.Add(time.Duration(rng.Int64N(int64(span)))), ID: 1 << 62}
				_, err := h.d.Timeline(ctx, tc.f, db.TimelinePageQuery{Before: key, AsOf: asOf, Limit: 50})
				return err
			})
		})
	}
}

func BenchmarkTimelineSince(b *testing.B) {
	h := openBenchHistory(b)
	ctx := context.Background()
	top, err := h.d.NewestEventID(ctx)
	if err != nil {
		b.Fatal(err)
	}
	// A poll 5 seconds after the last: a few hundred events behind at most.
	timeQueries(b, func(int) error {
		_, _, err := h.d.TimelineSince(ctx, db.TimelineFilter{GuestID: h.guest}, top-300, 200)
		return err
	})
}

func BenchmarkTimelineGrid30Days(b *testing.B) {
	h := openBenchHistory(b)
	ctx := context.Background()
	days := map[int64][]time.Time{}
	for _, id := range h.locks {
		var bounds []time.Time
		loc, _ := time.LoadLocation("Europe/Berlin")
		end := time.Date(2025, 12, 31, 0, 0, 0, 0, loc)
		for i := 30; i >= 0; i-- {
			bounds = append(bounds, end.AddDate(0, 0, -i))
		}
		days[id] = bounds
	}
	timeQueries(b, func(int) error {
		c, err := h.d.DailyCounts(ctx, days)
		if err == nil && c[h.locks[0]][29].Total == 0 {
			err = fmt.Errorf("empty grid")
		}
		return err
	})
}

func BenchmarkTimelineStrip(b *testing.B) {
	h := openBenchHistory(b)
	ctx := context.Background()
	day := time.Date(2025, 10, 15, 0, 0, 0, 0, time.UTC)
	timeQueries(b, func(int) error {
		for _, id := range h.locks {
			if _, err := h.d.LockDayMarks(ctx, id, day, day.Add(24*time.Hour), 5*time.Minute); err != nil {
				return err
			}
		}
		return nil
	})
}

// BenchmarkTimelineExport reads every event of the history through
// EachTimelineEvent, as the CSV export does, and reports rows per second.
func BenchmarkTimelineExport(b *testing.B) {
	h := openBenchHistory(b)
	ctx := context.Background()
	rows := 0
	for b.Loop() {
		err := h.d.EachTimelineEvent(ctx, db.TimelineFilter{}, 0, func(db.TimelineEvent) error { rows++; return nil })
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}
