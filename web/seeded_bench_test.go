package web

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
)

// Server time of the timeline's and the home's handlers (no network, no
// middleware) over a database made by `gatehouse seed-demo`, for
// docs/BENCHMARKS.md. Skipped unless GATEHOUSE_BENCH_DB names the database
// (its key file is found beside it, NAME.key, as serve finds it):
//
//	gatehouse seed-demo --db /tmp/demo/demo.db --events 10000000
//	GATEHOUSE_BENCH_DB=/tmp/demo/demo.db go test -run '^$' -bench Seeded -benchtime 200x ./web/
//	GATEHOUSE_BENCH_DB=/tmp/demo/demo.db go test -run '^$' -bench SeededCSV -benchtime 1x ./web/
//	GATEHOUSE_BENCH_DB=/tmp/demo/demo.db go test -run SeededPlans -v ./web/
//
// Nothing is written to the database but what opening it writes.

type seededApp struct {
	s          *Server
	d          *db.DB
	e          *echo.Echo
	lock       int64 // the lock with the most events
	guest      int64 // the guest with the most events
	from, to   time.Time
	newest     int64
	lockEvents int
}

var (
	seededOnce sync.Once
	seededVal  *seededApp
	seededErr  error
)

func openSeeded(tb testing.TB) *seededApp {
	tb.Helper()
	path := os.Getenv("GATEHOUSE_BENCH_DB")
	if path == "" {
		tb.Skip("GATEHOUSE_BENCH_DB names a database made by gatehouse seed-demo")
	}
	seededOnce.Do(func() { seededVal, seededErr = loadSeeded(path) })
	if seededErr != nil {
		tb.Fatal(seededErr)
	}
	return seededVal
}

func loadSeeded(path string) (*seededApp, error) {
	ctx := context.Background()
	key, err := db.LoadOrCreateKey(strings.TrimSuffix(path, filepath.Ext(path)) + ".key")
	if err != nil {
		return nil, err
	}
	d, err := db.Open(ctx, path, db.WithKey(key))
	if err != nil {
		return nil, err
	}
	u, _ := url.Parse(testOrigin)
	s, err := New(Config{PublicURL: u, SessionIdle: time.Hour, SessionAbsolute: time.Hour, InviteTTL: time.Hour}, d, nil,
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return nil, err
	}
	a := &seededApp{s: s, d: d, e: echo.New()}
	// The busiest lock and guest, through their indexes (a few seconds at ten
	// million events), and the history's span.
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=query_only(1)")
	if err != nil {
		return nil, err
	}
	defer raw.Close()
	if err := raw.QueryRowContext(ctx, `SELECT lock_id, count(*) FROM events GROUP BY lock_id ORDER BY 2 DESC LIMIT 1`).Scan(&a.lock, &a.lockEvents); err != nil {
		return nil, err
	}
	var n int
	if err := raw.QueryRowContext(ctx, `SELECT guest_id, count(*) FROM events WHERE guest_id IS NOT NULL
		GROUP BY guest_id ORDER BY 2 DESC LIMIT 1`).Scan(&a.guest, &n); err != nil {
		return nil, err
	}
	var from, to int64
	if err := raw.QueryRowContext(ctx, `SELECT MIN(occurred_at), MAX(occurred_at), MAX(id) FROM events`).Scan(&from, &to, &a.newest); err != nil {
		return nil, err
	}
	a.from, a.to = time.Unix(from, 0).UTC(), time.Unix(to, 0).UTC()
	return a, nil
}

func (a *seededApp) serve(h echo.HandlerFunc, target string, htmx bool, w http.ResponseWriter) (int, error) {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	c := a.e.NewContext(req, w)
	if err := h(c); err != nil {
		return 0, err
	}
	return c.Response().Status, nil
}

func BenchmarkSeededTimeline(b *testing.B) {
	a := openSeeded(b)
	lock, guest := strconv.FormatInt(a.lock, 10), strconv.FormatInt(a.guest, 10)
	asOf := strconv.FormatInt(a.newest, 10)
	rng := rand.New(rand.NewPCG(5, 6))
	span := a.to.Unix() - a.from.Unix()
	// A page anywhere in the history, as after many "load more".
	later := func() string {
		return "before=" + strconv.FormatInt(a.from.Unix()+rng.Int64N(span), 10) + "." + asOf + "&asof=" + asOf
	}
	day := a.to.Format("2006-01-02")
	cases := []struct {
		name   string
		h      echo.HandlerFunc
		target func() string
		htmx   bool
	}{
		{"first/all", a.s.timelinePage, func() string { return "/timeline" }, false},
		{"first/lock", a.s.timelinePage, func() string { return "/timeline?lock=" + lock }, true},
		{"first/guest", a.s.timelinePage, func() string { return "/timeline?guest=" + guest }, true},
		{"first/kind=denied", a.s.timelinePage, func() string { return "/timeline?kind=denied" }, true},
		{"first/kind=tamper", a.s.timelinePage, func() string { return "/timeline?kind=tamper" }, true},
		{"first/anomalies", a.s.timelinePage, func() string { return "/timeline?anomalies=1" }, true},
		{"first/lock+anomalies", a.s.timelinePage, func() string { return "/timeline?anomalies=1&lock=" + lock }, true},
		{"later/all", a.s.timelineMore, func() string { return "/timeline/more?" + later() }, true},
		{"later/lock", a.s.timelineMore, func() string { return "/timeline/more?lock=" + lock + "&" + later() }, true},
		{"later/guest", a.s.timelineMore, func() string { return "/timeline/more?guest=" + guest + "&" + later() }, true},
		{"later/kind=denied", a.s.timelineMore, func() string { return "/timeline/more?kind=denied&" + later() }, true},
		{"later/kind=tamper", a.s.timelineMore, func() string { return "/timeline/more?kind=tamper&" + later() }, true},
		{"later/anomalies", a.s.timelineMore, func() string { return "/timeline/more?anomalies=1&" + later() }, true},
		{"later/lock+anomalies", a.s.timelineMore, func() string { return "/timeline/more?anomalies=1&lock=" + lock + "&" + later() }, true},
		{"pictures/all-locks", a.s.timelinePictures, func() string { return "/timeline/pictures?day=" + day }, true},
		{"pictures/one-lock", a.s.timelinePictures, func() string { return "/timeline/pictures?day=" + day + "&lock=" + lock }, true},
		{"home", a.s.home, func() string { return "/" }, false},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			var took []time.Duration
			for b.Loop() {
				w := httptest.NewRecorder()
				start := time.Now()
				status, err := a.serve(tc.h, tc.target(), tc.htmx, w)
				took = append(took, time.Since(start))
				if err != nil || status >= 400 {
					b.Fatalf("%s: %d %v", tc.name, status, err)
				}
			}
			reportTimes(b, took)
		})
	}
}

// BenchmarkSeededGrid is the 30-day grid's query alone, for every lock.
func BenchmarkSeededGrid(b *testing.B) {
	a := openSeeded(b)
	ctx := context.Background()
	locks, err := a.d.TimelineLocks(ctx)
	if err != nil {
		b.Fatal(err)
	}
	days := map[int64][]time.Time{}
	for _, l := range locks {
		loc := domain.ZoneOf(l.TimeZone)
		y, m, d := a.to.In(loc).Date()
		end := time.Date(y, m, d+1, 0, 0, 0, 0, loc)
		for i := 30; i >= 0; i-- {
			days[l.ID] = append(days[l.ID], end.AddDate(0, 0, -i))
		}
	}
	var took []time.Duration
	for b.Loop() {
		start := time.Now()
		c, err := a.d.DailyCounts(ctx, days)
		took = append(took, time.Since(start))
		if err != nil || c[a.lock][29].Total == 0 {
			b.Fatalf("grid: %v", err)
		}
	}
	reportTimes(b, took)
}

// BenchmarkSeededHomeQueries is the home's three queries, read afresh each
// time (the page itself reuses an answer for two seconds while nothing is
// written; its "home" case above mostly measures that).
func BenchmarkSeededHomeQueries(b *testing.B) {
	a := openSeeded(b)
	ctx := context.Background()
	var took []time.Duration
	for b.Loop() {
		start := time.Now()
		locks, err := a.d.HomeLocks(ctx)
		if err == nil {
			_, err = a.d.HomeCodes(ctx, time.Now().Add(48*time.Hour))
		}
		if err == nil {
			_, err = a.d.RecentAnomalies(ctx, time.Now().AddDate(0, 0, -homeAnomalyDays), homeAnomalies)
		}
		took = append(took, time.Since(start))
		if err != nil || len(locks) == 0 {
			b.Fatalf("home queries: %v", err)
		}
	}
	reportTimes(b, took)
}

// BenchmarkSeededCSV exports the whole history, and one lock's, through the
// handler, reporting rows per second and the largest resident set size seen
// (sampled every 20 ms) while it ran.
func BenchmarkSeededCSV(b *testing.B) {
	a := openSeeded(b)
	for _, tc := range []struct{ name, query string }{{"all", ""}, {"lock", "?lock=" + strconv.FormatInt(a.lock, 10)}} {
		b.Run(tc.name, func(b *testing.B) {
			var peak atomic.Int64
			stop, done := make(chan struct{}), make(chan struct{})
			go func() {
				defer close(done)
				t := time.NewTicker(20 * time.Millisecond)
				defer t.Stop()
				for {
					peak.Store(max(peak.Load(), rss()))
					select {
					case <-stop:
						return
					case <-t.C:
					}
				}
			}()
			var bytes int64
			for b.Loop() {
				w := &discard{h: http.Header{}}
				if _, err := a.serve(a.s.timelineCSV, "/timeline.csv"+tc.query, false, w); err != nil {
					b.Fatal(err)
				}
				bytes = w.n.Load()
			}
			close(stop)
			<-done
			b.StopTimer()
			rows := int(a.newest)
			if tc.query != "" {
				rows = a.lockEvents
			}
			b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(peak.Load())/(1<<20), "peak-RSS-MiB")
			b.ReportMetric(float64(bytes)/(1<<20), "MiB")
		})
	}
}

// TestSeededPlans prints the query plans the timeline and the home rely on,
// over the seeded database.
func TestSeededPlans(t *testing.T) {
	a := openSeeded(t)
	ctx := context.Background()
	key := &db.EventKey{OccurredAt: a.from.Add(a.to.Sub(a.from) / 2), ID: a.newest}
	for _, tc := range []struct {
		name string
		f    db.TimelineFilter
	}{
		{"all", db.TimelineFilter{}},
		{"lock", db.TimelineFilter{LockID: a.lock}},
		{"guest", db.TimelineFilter{GuestID: a.guest}},
		{"kind", db.TimelineFilter{Kind: "denied"}},
		{"lock+kind", db.TimelineFilter{LockID: a.lock, Kind: "denied"}},
		{"anomalies", db.TimelineFilter{Anomalies: true}},
		{"lock+anomalies", db.TimelineFilter{LockID: a.lock, Anomalies: true}},
	} {
		for _, q := range []db.TimelinePageQuery{{Limit: 51, AsOf: a.newest}, {Before: key, AsOf: a.newest, Limit: 51}} {
			plan, err := a.d.ExplainTimeline(ctx, tc.f, q)
			if err != nil {
				t.Fatal(err)
			}
			page := "first"
			if q.Before != nil {
				page = "later"
			}
			t.Logf("timeline %s/%s: %s", tc.name, page, strings.Join(plan, " | "))
		}
	}
	locks, err := a.d.TimelineLocks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	days := map[int64][]time.Time{}
	for _, l := range locks {
		for i := 30; i >= 0; i-- {
			days[l.ID] = append(days[l.ID], a.to.Truncate(24*time.Hour).AddDate(0, 0, 1-i))
		}
	}
	if plan, err := a.d.ExplainDailyCounts(ctx, days); err == nil {
		t.Logf("30-day grid: %s", strings.Join(plan, " | "))
	} else {
		t.Error(err)
	}
	day := a.to.Truncate(24 * time.Hour)
	if plan, err := a.d.ExplainDayMarks(ctx, a.lock, day, day.Add(24*time.Hour)); err == nil {
		t.Logf("24-hour strip: %s", strings.Join(plan, " | "))
	} else {
		t.Error(err)
	}
	plans, err := a.d.ExplainHome(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"locks", "codes", "anomalies"} {
		t.Logf("home %s: %s", name, strings.Join(plans[name], " | "))
	}
}
