package db

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func openTest(t testing.TB) *DB {
	t.Helper()
	key := make([]byte, KeySize)
	rand.Read(key)
	d, err := Open(context.Background(), filepath.Join(t.TempDir(), "g.db"), WithKey(key))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// simLockForTest adds an online simulated lock named name (also its device
// id), taking 6 to 8 digits, in zone.
func simLockForTest(t testing.TB, d *DB, name, zone string) Lock {
	t.Helper()
	ctx := context.Background()
	conn, err := d.SimConnection(ctx)
	if err != nil {
		t.Fatal(err)
	}
	l, err := d.SyncLock(ctx, conn.ID, DeviceState{DeviceID: name, Name: name, Online: true, MinCodeLen: 6, MaxCodeLen: 8}, zone)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// linksForTest makes n share links on one access and returns their tokens.
func linksForTest(t testing.TB, d *DB, n int) []string {
	t.Helper()
	ctx := context.Background()
	conn, err := d.SimConnection(ctx)
	if err != nil {
		t.Fatal(err)
	}
	l, err := d.SyncLock(ctx, conn.ID, DeviceState{DeviceID: "door", Name: "Door", Online: true, MinCodeLen: 6, MaxCodeLen: 8}, "UTC")
	if err != nil {
		t.Fatal(err)
	}
	g, err := d.CreateGuest(ctx, "Ana", "")
	if err != nil {
		t.Fatal(err)
	}
	var tokens []string
	for i := range n {
		_, token, err := d.CreateAccess(ctx, NewAccess{GuestID: g.ID, GuestName: g.Name, LockIDs: []int64{l.ID},
			PIN: fmt.Sprintf("%d", 40000000+i*7919), EndsAt: time.Now().Add(time.Hour), StartsAt: time.Now(), TimeZone: "UTC"})
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, token)
	}
	return tokens
}

func TestGroupCommitExactlyOnce(t *testing.T) {
	d := openTest(t)
	tokens := linksForTest(t, d, 50)
	var wins [50]atomic.Int32
	var wg sync.WaitGroup
	for i := range 500 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := d.ClaimReveal(context.Background(), tokens[i%50])
			switch {
			case err == nil:
				wins[i%50].Add(1)
			case !errors.Is(err, ErrLinkGone):
				t.Errorf("claim: %v", err)
			}
		}()
	}
	wg.Wait()
	for i := range wins {
		if got := wins[i].Load(); got != 1 {
			t.Errorf("link %d: got %d winners, want exactly 1", i, got)
		}
	}
}

func TestFailingWriteDoesNotFailItsBatch(t *testing.T) {
	d := openTest(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 200)
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = d.tx(ctx, func(tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, "INSERT INTO audit_log (at, action, detail) VALUES (?, 'test', ?)", i, fmt.Sprint(i)); err != nil {
					return err
				}
				switch i % 3 {
				case 1:
					return errors.New("refused") // its insert must be rolled back alone
				case 2:
					panic("boom") // so must a panicking write's
				}
				return nil
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if (i%3 == 0) != (err == nil) {
			t.Errorf("write %d: got %v", i, err)
		}
	}
	var n int
	if err := d.r.QueryRow("SELECT COUNT(*) FROM audit_log WHERE action = 'test'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if want := 67; n != want {
		t.Errorf("committed rows: got %d, want %d (only the successful writes)", n, want)
	}
	var bad int
	d.r.QueryRow("SELECT COUNT(*) FROM audit_log WHERE action = 'test' AND CAST(detail AS INTEGER) % 3 != 0").Scan(&bad)
	if bad != 0 {
		t.Errorf("rows of failed writes committed: %d", bad)
	}
}

func TestWritesAfterCloseFail(t *testing.T) {
	d := openTest(t)
	d.Close()
	if err := d.Audit(context.Background(), AuditEntry{Action: "late"}); !errors.Is(err, ErrClosed) {
		t.Errorf("write after close: got %v, want ErrClosed", err)
	}
}

// BenchmarkReveal measures durable reveal claims (synchronous=FULL) from many
// concurrent callers, the hot write of a reveal storm.
func BenchmarkReveal(b *testing.B) {
	d := openTest(b)
	tokens := linksForTest(b, d, b.N)
	var next atomic.Int64
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) - 1
			if _, err := d.ClaimReveal(context.Background(), tokens[i]); err != nil {
				b.Error(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reveals/s")
}

// BenchmarkRevealAudited is the store's side of a reveal storm: -cpu-many
// callers (SetParallelism) each claiming links, every claim with its audit
// line, durable (synchronous=FULL), on links inserted in bulk beforehand. It
// reports claims per second, the mean batch, and the 99th percentile wait.
//
//	go test -run '^$' -bench RevealAudited -benchtime 50000x ./db/
func BenchmarkRevealAudited(b *testing.B) {
	d := openTest(b)
	ctx := context.Background()
	base := linksForTest(b, d, 1)
	l, err := d.LinkByToken(ctx, base[0])
	if err != nil {
		b.Fatal(err)
	}
	tokens := make([]string, b.N)
	err = d.tx(ctx, func(tx *sql.Tx) error {
		for i := range tokens {
			tokens[i] = fmt.Sprintf("bench-token-%d-%s", i, rand.Text())
			if _, err := tx.Exec(`INSERT INTO share_links (access_id, token_hash, created_at, expires_at)
				VALUES (?, ?, ?, ?)`, l.AccessID, HashToken(tokens[i]), time.Now().Unix(), time.Now().Add(time.Hour).Unix()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	waits := make([]time.Duration, b.N)
	var next atomic.Int64
	start := d.WriterStats()
	b.SetParallelism(32) // 64 callers on 2 cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) - 1
			t0 := time.Now()
			_, err := d.ClaimReveal(ctx, tokens[i], AuditEntry{Action: AuditLinkRevealed, IP: "192.0.2.1", Detail: "code revealed to Ana"})
			waits[i] = time.Since(t0)
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	end := d.WriterStats()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reveals/s")
	b.ReportMetric(float64(end.Writes-start.Writes)/float64(max(1, end.Commits-start.Commits)), "writes/commit")
	slices.Sort(waits)
	b.ReportMetric(float64(waits[len(waits)*99/100].Microseconds())/1000, "p99-ms")
}
