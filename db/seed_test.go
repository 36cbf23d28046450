package db

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/domain"
)

// These tests sit inside the package: they read the write connection's pragmas
// and interrupt a load halfway. (db/dbtest cannot be imported from here.)

// seedStore opens a fresh store on a test clock.
func seedStore(t *testing.T, now time.Time) *DB {
	t.Helper()
	key := make([]byte, KeySize)
	d, err := Open(context.Background(), filepath.Join(t.TempDir(), "seed.db"), WithKey(key), WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// seedFixture is two locks with codes of every kind that matters to the
// anomaly rules: in a window, revoked, permanent, and one without a guest.
type seedFixture struct {
	locks []int64
	codes map[int64][]int64  // lock → codes
	dev   map[int64]string   // code → device code id
	win   map[int64][2]int64 // code → window
}

func makeSeedFixture(t *testing.T, d *DB, from time.Time) seedFixture {
	t.Helper()
	ctx := context.Background()
	f := seedFixture{codes: map[int64][]int64{}, dev: map[int64]string{}, win: map[int64][2]int64{}}
	conn, err := d.SimConnection(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, zone := range []string{"Europe/Berlin", "America/New_York"} {
		l, err := d.SyncLock(ctx, conn.ID, DeviceState{DeviceID: fmt.Sprint("dev-", i), Name: fmt.Sprint("Door ", i), TimeZone: zone}, zone)
		if err != nil {
			t.Fatal(err)
		}
		f.locks = append(f.locks, l.ID)
	}
	for i := range 8 {
		g, err := d.CreateGuest(ctx, fmt.Sprint("Guest ", i), "")
		if err != nil {
			t.Fatal(err)
		}
		lock := f.locks[i%2]
		start, end := from.Add(time.Duration(i)*12*time.Hour), from.Add(time.Duration(i+3)*12*time.Hour)
		if i == 7 {
			start, end = time.Time{}, time.Time{} // permanent
		}
		a, _, err := d.CreateAccess(ctx, NewAccess{GuestID: g.ID, GuestName: g.Name, LockIDs: []int64{lock},
			PIN: fmt.Sprintf("%d8%d5%d1", i, i, i), StartsAt: start, EndsAt: end, TimeZone: "UTC"})
		if err != nil {
			t.Fatal(err)
		}
		if i == 2 { // revoked halfway through its window
			now := d.now
			d.now = func() time.Time { return from.Add(30 * time.Hour) }
			if err := d.RevokeAccess(ctx, a.ID); err != nil {
				t.Fatal(err)
			}
			d.now = now
		}
		codes, err := d.AccessCodes(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		f.add(t, d, codes[0], start, end)
	}
	// A code without an access (made on the lock page): no guest.
	k, err := d.CreateAccessCode(ctx, NewAccessCode{LockID: f.locks[0], Label: "Cleaner", PIN: "55550123",
		StartsAt: from, EndsAt: from.Add(48 * time.Hour), TimeZone: "UTC"})
	if err != nil {
		t.Fatal(err)
	}
	f.add(t, d, k, k.StartsAt, k.EndsAt)
	return f
}

func (f seedFixture) add(t *testing.T, d *DB, k AccessCode, start, end time.Time) {
	t.Helper()
	dev := fmt.Sprint("code-", k.ID)
	if err := d.ObserveCode(context.Background(), k.ID, CodeObservation{Status: domain.StatusOnLock, DeviceCodeID: dev}); err != nil {
		t.Fatal(err)
	}
	f.codes[k.LockID] = append(f.codes[k.LockID], k.ID)
	f.dev[k.ID] = dev
	f.win[k.ID] = [2]int64{unix(start), unix(end)}
}

// seedHistory is n events over a few days, oldest first, with plenty of what
// the anomaly rules look at: wrong codes close together (bursts and near
// misses), codes used in, before, after their window and after revocation,
// tamper, safe mode, and alert events.
func seedHistory(f seedFixture, from time.Time, n int) []SeedEvent {
	rng := rand.New(rand.NewPCG(7, 11))
	kinds := []domain.EventKind{"unlocked", "locked", "denied", "denied", "unlocked", "code_set", "tamper", "safe_mode", "battery_low", "locked"}
	at := from.Add(-6 * time.Hour)
	out := make([]SeedEvent, 0, n)
	for range n {
		at = at.Add(time.Duration(rng.IntN(200)) * time.Second) // denied events often fall within 5 minutes
		lock := f.locks[rng.IntN(len(f.locks))]
		e := SeedEvent{LockID: lock, Kind: kinds[rng.IntN(len(kinds))], Method: "keypad", At: at}
		if (e.Kind == "unlocked" || e.Kind == "denied" || e.Kind == "code_set") && rng.IntN(3) > 0 {
			codes := f.codes[lock]
			e.CodeID = codes[rng.IntN(len(codes))]
		}
		if rng.IntN(400) == 0 {
			e.Kind = domain.EventOfflineLong
		}
		out = append(out, e)
	}
	return out
}

func seqOf(events []SeedEvent) iter.Seq[SeedEvent] { return slices.Values(events) }

// storedEvent is what the timeline reads of an event, by lock and device id.
type storedEvent struct {
	kind, anomaly string
	code, guest   int64
	at            int64
}

func storedEvents(t *testing.T, d *DB) map[string]storedEvent {
	t.Helper()
	rows, err := d.r.Query("SELECT lock_id, device_event_id, kind, anomaly, COALESCE(code_id, 0), COALESCE(guest_id, 0), occurred_at FROM events")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]storedEvent{}
	for rows.Next() {
		var lock int64
		var dev string
		var e storedEvent
		if err := rows.Scan(&lock, &dev, &e.kind, &e.anomaly, &e.code, &e.guest, &e.at); err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprint(lock, "/", dev)] = e
	}
	return out
}

func tableRows(t *testing.T, d *DB, q string) []string {
	t.Helper()
	rows, err := d.r.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(vals...))
	}
	return out
}

// SeedEvents must leave exactly what IngestEvents (and RaiseAlerts, for alert
// kinds) would have: the same guest, anomaly and code on every event, the same
// event_counts, the same first and last use of each code.
func TestSeedEventsJudgesAsIngest(t *testing.T) {
	from := time.Date(2026, 3, 27, 0, 0, 0, 0, time.UTC) // across Berlin's and New York's DST changes
	now := from.Add(10 * 24 * time.Hour)
	seeded, ingested := seedStore(t, now), seedStore(t, now)
	f := makeSeedFixture(t, seeded, from)
	makeSeedFixture(t, ingested, from)
	history := seedHistory(f, from, 6000)

	defer func(n int) { seedCommit = n }(seedCommit)
	seedCommit = 1000 // several commits, each with its own totals
	st, err := seeded.SeedEvents(context.Background(), seqOf(history), nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != len(history) {
		t.Fatalf("stored: got %d, want %d", st.Events, len(history))
	}

	// The same events through ingest, per lock in pulls of 250, with the device
	// ids SeedEvents gave them (demo-ID, IDs from 1 in order).
	perLock := map[int64][]NewEvent{}
	for i, e := range history {
		ne := NewEvent{DeviceEventID: fmt.Sprint("demo-", i+1), Kind: domain.EventKind(e.Kind), Method: domain.Method(e.Method), OccurredAt: e.At, Detail: e.Detail}
		if e.CodeID != 0 {
			ne.DeviceCodeID = f.dev[e.CodeID]
		}
		perLock[e.LockID] = append(perLock[e.LockID], ne)
	}
	ctx := context.Background()
	for _, lock := range f.locks {
		evs := perLock[lock]
		for len(evs) > 0 {
			n := min(250, len(evs))
			if _, err := ingested.IngestEvents(ctx, lock, evs[:n], ""); err != nil {
				t.Fatal(err)
			}
			evs = evs[n:]
		}
	}
	// RaiseAlerts stores its own kinds with their kind as anomaly; ingest does
	// not judge them, so that is what the ingested copy is corrected to.
	if _, err := ingested.w.Exec("UPDATE events SET anomaly = kind WHERE kind IN (?, ?)", domain.EventOfflineLong, domain.EventCodeUnused); err != nil {
		t.Fatal(err)
	}

	want, got := storedEvents(t, ingested), storedEvents(t, seeded)
	if len(got) != len(want) {
		t.Fatalf("events: got %d, want %d", len(got), len(want))
	}
	kinds := map[domain.Anomaly]int{}
	for k, w := range want {
		if g := got[k]; g != w {
			t.Errorf("event %s: got %+v, want %+v (as ingested)", k, g, w)
		}
		if w.anomaly != "" {
			kinds[domain.Anomaly(w.anomaly)]++
		}
	}
	for _, a := range []domain.Anomaly{domain.AnomalyDeniedBurst, domain.AnomalyOutsideWindow, domain.AnomalyRevokedUsed, domain.AnomalyTamper, domain.AnomalySafeMode, domain.AnomalyOfflineLong} {
		if kinds[a] == 0 {
			t.Errorf("the history holds no %s: the comparison proves less than it should", a)
		}
	}
	t.Logf("anomalies by rule: %v", kinds)
	if total := st.Anomalies; total != sum(kinds) {
		t.Errorf("anomalies counted: got %d, want %d", total, sum(kinds))
	}
	for _, q := range []string{
		"SELECT lock_id, bucket, total, denied FROM event_counts ORDER BY lock_id, bucket",
		"SELECT id, first_used_at, last_used_at FROM access_codes ORDER BY id",
	} {
		if g, w := tableRows(t, seeded, q), tableRows(t, ingested, q); !slices.Equal(g, w) {
			t.Errorf("%s:\ngot  %v\nwant %v", q, g, w)
		}
	}
}

func sum[K comparable](m map[K]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// indexNames lists the events table's indexes.
func indexNames(t *testing.T, d *DB) string {
	t.Helper()
	return strings.Join(tableRows(t, d, "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'events' ORDER BY name"), ",")
}

// After a load, and after a failed one, the events indexes are all there, the
// saved definitions are gone and the write connection is as Open made it.
func TestSeedEventsLeavesTheStoreAsItWas(t *testing.T) {
	from := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	d := seedStore(t, from.Add(10*24*time.Hour))
	f := makeSeedFixture(t, d, from)
	before := indexNames(t, d)
	pragmas := func() string {
		var out []string
		for _, p := range []string{"synchronous", "foreign_keys", "cache_size", "mmap_size", "threads", "journal_mode"} {
			var v string
			if err := d.w.QueryRow("PRAGMA " + p).Scan(&v); err != nil {
				t.Fatal(err)
			}
			out = append(out, p+"="+v)
		}
		return strings.Join(out, " ")
	}
	wantPragmas := pragmas()
	history := seedHistory(f, from, 500)

	bad := slices.Clone(history)
	bad[300].At = bad[0].At // out of order
	other := slices.Clone(history)
	other[200] = SeedEvent{LockID: f.locks[1], Kind: "unlocked", CodeID: f.codes[f.locks[0]][0], At: other[200].At}
	for _, tc := range []struct {
		name    string
		events  []SeedEvent
		wantErr string
	}{
		{"in order", history, ""},
		{"out of order", bad, "out of order"},
		{"code of another lock", other, "is not a code of lock"},
		{"unknown lock", []SeedEvent{{LockID: 99, Kind: "locked", At: from}}, "unknown lock"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := d.SeedEvents(context.Background(), seqOf(tc.events), nil)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("got error %v, want %q", err, tc.wantErr)
			}
			if got := indexNames(t, d); got != before {
				t.Errorf("indexes: got %s, want %s", got, before)
			}
			if got := tableRows(t, d, "SELECT count(*) FROM sqlite_schema WHERE name = '"+seedIndexTable+"'"); got[0] != "0" {
				t.Error("the saved index definitions are left behind")
			}
			if got := pragmas(); got != wantPragmas {
				t.Errorf("write connection: got %s, want %s", got, wantPragmas)
			}
		})
	}
	// A load that died with the indexes dropped is repaired by the next one.
	conn, err := d.w.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := dropEventIndexes(context.Background(), conn); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if got, want := indexNames(t, d), "events_anomaly_lock_time,events_anomaly_time,sqlite_autoindex_events_1"; got != want {
		t.Fatalf("after the drop: got %s, want %s (the kept ones)", got, want)
	}
	if _, err := d.SeedEvents(context.Background(), seqOf(nil), nil); err != nil {
		t.Fatal(err)
	}
	if got := indexNames(t, d); got != before {
		t.Errorf("after repair: got %s, want %s", got, before)
	}
}

// The store keeps working (and writing) after a load.
func TestSeedEventsThenIngest(t *testing.T) {
	from := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	d := seedStore(t, from.Add(10*24*time.Hour))
	f := makeSeedFixture(t, d, from)
	var progress []int
	if _, err := d.SeedEvents(context.Background(), seqOf(seedHistory(f, from, 300)), func(n int) { progress = append(progress, n) }); err != nil {
		t.Fatal(err)
	}
	if len(progress) == 0 || progress[len(progress)-1] != 300 {
		t.Errorf("progress: got %v, want it to end at 300", progress)
	}
	n, err := d.IngestEvents(context.Background(), f.locks[0], []NewEvent{{DeviceEventID: "sim-1", Kind: "locked", OccurredAt: from.Add(9 * 24 * time.Hour)}}, "1")
	if err != nil || n != 1 {
		t.Fatalf("ingest after seeding: got %d, %v", n, err)
	}
	page, err := d.Timeline(context.Background(), TimelineFilter{}, TimelinePageQuery{Limit: 5})
	if err != nil || len(page.Events) != 5 || page.Events[0].DeviceEventID != "sim-1" {
		t.Fatalf("timeline after seeding: got %+v, %v", page.Events, err)
	}
}

// Stopped halfway (Ctrl-C), a load keeps what it read, consistent: counts and
// first uses match the events stored, and the indexes are back.
func TestSeedEventsStopped(t *testing.T) {
	defer func(n int) { seedCommit = n }(seedCommit)
	seedCommit = 500
	from := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	d := seedStore(t, from.Add(10*24*time.Hour))
	f := makeSeedFixture(t, d, from)
	before := indexNames(t, d)
	history := seedHistory(f, from, 5000)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := func(yield func(SeedEvent) bool) {
		for i, e := range history {
			if i == 1500 {
				cancel()
			}
			if !yield(e) {
				return
			}
		}
	}
	st, err := d.SeedEvents(ctx, events, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want it stopped by its context", err)
	}
	// The load notices within 1024 events; all it read is stored.
	if st.Events < 1500 || st.Events > 1500+1024 {
		t.Errorf("stored: got %d, want the 1500 to 2524 events read before it stopped", st.Events)
	}
	if got := tableRows(t, d, "SELECT count(*) FROM events"); got[0] != fmt.Sprint(st.Events) {
		t.Errorf("events: got %s, want %d", got[0], st.Events)
	}
	if got := tableRows(t, d, "SELECT COALESCE(SUM(total), 0), COALESCE(SUM(denied), 0) FROM event_counts"); !slices.Equal(got,
		tableRows(t, d, "SELECT count(*), COALESCE(SUM(kind = 'denied'), 0) FROM events")) {
		t.Errorf("event_counts: got %v, want them to match the events stored", got)
	}
	if got := tableRows(t, d, `SELECT count(*) FROM access_codes c WHERE c.first_used_at IS NOT
		(SELECT MIN(occurred_at) FROM events e WHERE e.code_id = c.id AND e.kind = 'unlocked')`); got[0] != "0" {
		t.Errorf("%s codes' first use does not match the events stored", got[0])
	}
	if got := indexNames(t, d); got != before {
		t.Errorf("indexes: got %s, want %s", got, before)
	}
}
