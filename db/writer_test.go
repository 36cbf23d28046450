package db

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
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
