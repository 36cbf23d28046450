package web

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
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

// The timeline's handlers timed as the server runs them (no network, no
// middleware), over a generated history kept in the temp directory:
//
//	go test -run '^$' -bench TimelineHandlers -benchtime 200x ./web/
//	go test -run '^$' -bench TimelineCSV -benchtime 1x ./web/
//	TIMELINE_BENCH_EVENTS=10000000 go test -run '^$' -bench Timeline -timeout 2h ./web/
//
// The history: 10 locks in two zones, a year of events, 3-day stays of 200
// guests (as db/timeline_bench_test.go, built separately).

type benchApp struct {
	s      *Server
	d      *db.DB
	e      *echo.Echo
	lock   int64
	guest  int64
	events int
}

var (
	benchAppOnce sync.Once
	benchAppVal  *benchApp
	benchAppErr  error
)

func benchEventsN() int {
	if n, err := strconv.Atoi(os.Getenv("TIMELINE_BENCH_EVENTS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

func openBenchApp(b *testing.B) *benchApp {
	b.Helper()
	benchAppOnce.Do(func() { benchAppVal, benchAppErr = buildBenchApp(b) })
	if benchAppErr != nil {
		b.Fatal(benchAppErr)
	}
	return benchAppVal
}

func buildBenchApp(b *testing.B) (*benchApp, error) {
	ctx := context.Background()
	n := benchEventsN()
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(1, 0, 0)
	clock := func() time.Time { return to }
	base := filepath.Join(os.TempDir(), fmt.Sprintf("gatehouse-web-timeline-bench-%d-v%d", n, db.SchemaVersion()))
	key, err := db.LoadOrCreateKey(base + ".key")
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(base + ".db"); err != nil {
		start := time.Now()
		tmp := base + ".building.db"
		for _, s := range []string{"", "-wal", "-shm"} {
			os.Remove(tmp + s)
		}
		d, err := db.Open(ctx, tmp, db.WithKey(key), db.WithClock(clock))
		if err != nil {
			return nil, err
		}
		if err := benchHistory(ctx, d, n, from, to); err != nil {
			return nil, err
		}
		if err := d.Close(); err != nil {
			return nil, err
		}
		if err := os.Rename(tmp, base+".db"); err != nil {
			return nil, err
		}
		b.Logf("built %d events in %v", n, time.Since(start).Round(time.Second))
	}
	d, err := db.Open(ctx, base+".db", db.WithKey(key), db.WithClock(clock))
	if err != nil {
		return nil, err
	}
	u, _ := url.Parse(testOrigin)
	s, err := New(Config{PublicURL: u, SessionIdle: time.Hour, SessionAbsolute: time.Hour, InviteTTL: time.Hour}, d, nil,
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return nil, err
	}
	a := &benchApp{s: s, d: d, e: echo.New(), events: n}
	locks, err := d.TimelineLocks(ctx)
	if err != nil || len(locks) == 0 {
		return nil, fmt.Errorf("bench locks: %v", err)
	}
	a.lock = locks[3].ID
	guests, err := d.Guests(ctx, "Guest 007", 1)
	if err != nil || len(guests) == 0 {
		return nil, fmt.Errorf("bench guest: %v", err)
	}
	a.guest = guests[0].ID
	return a, nil
}

// benchHistory stores n events over [from, to) through IngestEvents.
func benchHistory(ctx context.Context, d *db.DB, n int, from, to time.Time) error {
	rng := rand.New(rand.NewPCG(1, 2))
	conn, err := d.SimConnection(ctx)
	if err != nil {
		return err
	}
	const locks, guests, stay = 10, 200, 3 * 24 * time.Hour
	var ids []int64
	for i := range guests {
		g, err := d.CreateGuest(ctx, fmt.Sprintf("Guest %03d", i), "")
		if err != nil {
			return err
		}
		ids = append(ids, g.ID)
	}
	for li := range locks {
		zone := []string{"Europe/Berlin", "Europe/Berlin", "America/New_York"}[li%3]
		l, err := d.SyncLock(ctx, conn.ID, db.DeviceState{DeviceID: fmt.Sprintf("bench-%d", li), Name: fmt.Sprintf("Door %d", li), TimeZone: zone}, zone)
		if err != nil {
			return err
		}
		var devs []string
		for s, k := from, 0; s.Before(to); s, k = s.Add(stay), k+1 {
			g := ids[(k*7+li)%guests]
			if k%5 == 0 {
				g = ids[7]
			}
			a, _, err := d.CreateAccess(ctx, db.NewAccess{GuestID: g, GuestName: fmt.Sprintf("Guest %d", g), LockIDs: []int64{l.ID},
				PIN: fmt.Sprintf("%08d", rng.IntN(1e8)), StartsAt: s, EndsAt: s.Add(stay), TimeZone: zone, Link: db.LinkOptions{TTL: time.Hour}})
			if err != nil {
				return err
			}
			cs, err := d.AccessCodes(ctx, a.ID)
			if err != nil {
				return err
			}
			dev := "dev-" + strconv.FormatInt(cs[0].ID, 10)
			if err := d.ObserveCode(ctx, cs[0].ID, db.CodeObservation{Status: domain.StatusRemoved, DeviceCodeID: dev}); err != nil {
				return err
			}
			devs = append(devs, dev)
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
			dev := devs[min(int(at.Sub(from)/stay), len(devs)-1)]
			switch r := rng.IntN(1000); {
			case r < 450:
				e.Kind, e.DeviceCodeID = "unlocked", dev
			case r < 850:
				e.Kind, e.Method = "locked", "automatic"
			case r < 930:
				e.Kind, e.Detail = "denied", "wrong code"
			case r < 970:
				e.Kind, e.DeviceCodeID, e.Method = []domain.EventKind{"code_set", "code_removed"}[r%2], dev, ""
			case r < 975:
				e.Kind, e.Method, e.Detail = "battery_low", "", "battery at 18%"
			case r < 987:
				e.Kind, e.Method = []domain.EventKind{"safe_mode", "tamper"}[r%2], ""
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

// serve runs a handler on a GET of target and returns the status; w receives the body.
func (a *benchApp) serve(h echo.HandlerFunc, target string, htmx bool, w http.ResponseWriter) (int, error) {
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

func reportTimes(b *testing.B, took []time.Duration) {
	slices.Sort(took)
	q := func(p float64) float64 {
		return float64(took[min(int(p*float64(len(took))), len(took)-1)]) / float64(time.Millisecond)
	}
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op") // the percentiles say it better
}

func BenchmarkTimelineHandlers(b *testing.B) {
	a := openBenchApp(b)
	lock, guest := strconv.FormatInt(a.lock, 10), strconv.FormatInt(a.guest, 10)
	newest, err := a.d.NewestEventID(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	asOf := strconv.FormatInt(newest, 10)
	rng := rand.New(rand.NewPCG(5, 6))
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	later := func() string {
		return "before=" + strconv.FormatInt(from+rng.Int64N(365*24*3600), 10) + "." + asOf + "&asof=" + asOf
	}
	cases := []struct {
		name   string
		h      echo.HandlerFunc
		target func() string
		htmx   bool
	}{
		{"page", a.s.timelinePage, func() string { return "/timeline" }, false},
		{"filter-swap/lock", a.s.timelinePage, func() string { return "/timeline?lock=" + lock }, true},
		{"filter-swap/guest", a.s.timelinePage, func() string { return "/timeline?guest=" + guest }, true},
		{"filter-swap/kind", a.s.timelinePage, func() string { return "/timeline?kind=tamper" }, true},
		{"filter-swap/anomalies", a.s.timelinePage, func() string { return "/timeline?anomalies=1" }, true},
		{"more/all", a.s.timelineMore, func() string { return "/timeline/more?" + later() }, true},
		{"more/lock", a.s.timelineMore, func() string { return "/timeline/more?lock=" + lock + "&" + later() }, true},
		{"more/guest", a.s.timelineMore, func() string { return "/timeline/more?guest=" + guest + "&" + later() }, true},
		{"more/kind", a.s.timelineMore, func() string { return "/timeline/more?kind=denied&" + later() }, true},
		{"more/anomalies", a.s.timelineMore, func() string { return "/timeline/more?anomalies=1&" + later() }, true},
		{"new", a.s.timelineNew, func() string { return "/timeline/new?since=" + strconv.FormatInt(newest-5, 10) }, true},
		{"pictures/all-locks", a.s.timelinePictures, func() string { return "/timeline/pictures?day=2025-12-30" }, true},
		{"pictures/one-lock", a.s.timelinePictures, func() string { return "/timeline/pictures?day=2025-12-30&lock=" + lock }, true},
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

// discard is a ResponseWriter that counts and drops the body, as a client
// saving the file would.
type discard struct {
	h       http.Header
	n       atomic.Int64
	flushes int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { d.n.Add(int64(len(p))); return len(p), nil }
func (d *discard) WriteHeader(int)             {}
func (d *discard) Flush()                      { d.flushes++ }

// rss reads the process's resident set size in bytes.
func rss() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkTimelineCSV exports every event of the history and reports rows per
// second and the largest resident set size seen while it ran.
func BenchmarkTimelineCSV(b *testing.B) {
	a := openBenchApp(b)
	for _, tc := range []struct{ name, query string }{{"all", ""}, {"lock", "?lock=" + strconv.FormatInt(a.lock, 10)}} {
		b.Run(tc.name, func(b *testing.B) {
			var peak atomic.Int64
			stop := make(chan struct{})
			done := make(chan struct{})
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
			for b.Loop() {
				w := &discard{h: http.Header{}}
				if _, err := a.serve(a.s.timelineCSV, "/timeline.csv"+tc.query, false, w); err != nil {
					b.Fatal(err)
				}
				if w.n.Load() < 100 {
					b.Fatal("empty export")
				}
			}
			close(stop)
			<-done
			// Count the rows exactly once, outside the timing.
			b.StopTimer()
			var f db.TimelineFilter
			if tc.query != "" {
				f.LockID = a.lock
			}
			n := 0
			if err := a.d.EachTimelineEvent(context.Background(), f, 0, func(db.TimelineEvent) error { n++; return nil }); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(peak.Load())/(1<<20), "peak-RSS-MiB")
		})
	}
}
