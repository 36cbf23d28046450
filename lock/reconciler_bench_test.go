package lock_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/db/dbtest"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/lock"
	"github.com/gatehouse/gatehouse/lock/sim"
	"github.com/gatehouse/gatehouse/lock/wire"
)

// cpuTime is the CPU this process has used, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPassNothingToDo is a reconcile pass over 500 simulated locks holding 20
// codes each, all already where they should be. The state is built through the
// store (a simulated lock holds 18 codes, and building it call by call would
// take minutes); the pass itself goes through the real simulator.
func BenchmarkPassNothingToDo(b *testing.B) {
	const locks, perLock = 500, 20
	ctx := context.Background()
	clk := newClock()
	store := dbtest.New(b, db.WithClock(clk.Now))
	if _, err := store.SimConnection(ctx); err != nil {
		b.Fatal(err)
	}
	s := wire.NewSim(store, clk.Now, simDelay)
	r := lock.NewReconciler(lock.Options{
		Store:   store,
		Connect: func(context.Context, db.Connection) (lock.Connector, error) { return s, nil },
		Now:     clk.Now, Holder: "bench", DefaultZone: "UTC",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	for i := range locks {
		_, err := store.CreateSimLock(ctx, db.SimLock{DeviceID: fmt.Sprintf("simlock_%04d", i), Name: fmt.Sprintf("Door %d", i),
			Online: true, Battery: 1, Firmware: sim.Firmware, Slots: perLock, TimeZone: "Europe/Lisbon", Locked: true})
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := r.Pass(ctx); err != nil { // discovery
		b.Fatal(err)
	}
	all, err := store.Locks(ctx)
	if err != nil || len(all) != locks {
		b.Fatalf("locks: got %d (%v), want %d", len(all), err, locks)
	}
	for _, l := range all {
		var held []db.SimCode
		for j := range perLock {
			pin := fmt.Sprintf("%02d%04d", j+10, l.ID)
			c, err := store.CreateAccessCode(ctx, db.NewAccessCode{LockID: l.ID, Label: fmt.Sprintf("Guest %d", j), PIN: pin, TimeZone: "UTC"})
			if err != nil {
				b.Fatal(err)
			}
			sc := db.SimCode{CodeID: fmt.Sprintf("simcode_%d", c.ID), DeviceID: l.DeviceID, Name: lock.CodeName(c.Label, c.ID),
				PIN: pin, State: db.SimSet, ReadyAt: clk.Now()}
			held = append(held, sc)
			if err := store.ObserveCode(ctx, c.ID, db.CodeObservation{Status: domain.StatusOnLock, DeviceCodeID: sc.CodeID}); err != nil {
				b.Fatal(err)
			}
		}
		err := store.SimUpdate(ctx, func(tx *db.SimTx) error {
			for _, sc := range held {
				if err := tx.InsertCode(ctx, sc); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	clk.Advance(time.Minute)
	if err := r.Pass(ctx); err != nil { // warm: every code is on its lock
		b.Fatal(err)
	}
	check := func() {
		for _, l := range all {
			codes, err := store.CodesToReconcile(ctx, l.ID)
			if err != nil {
				b.Fatal(err)
			}
			for _, c := range codes {
				if c.Status != domain.StatusOnLock || c.LastError != "" {
					b.Fatalf("code %d: got %s (%q), want on_lock", c.ID, c.Status, c.LastError)
				}
			}
			if len(codes) != perLock {
				b.Fatalf("lock %d: got %d codes, want %d", l.ID, len(codes), perLock)
			}
		}
	}
	check()

	cpu := cpuTime(b)
	for b.Loop() {
		clk.Advance(15 * time.Second)
		if err := r.Pass(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime(b)-cpu)/float64(b.N), "cpu-ns/op")
	b.StopTimer()
	check()
}

// BenchmarkIngestEvents stores 100,000 pulled events through db.IngestEvents in
// batches of each size, on a lock with 20 codes the events are matched against.
// PullEvents stores up to ingestBatch (2000) events per call.
func BenchmarkIngestEvents(b *testing.B) {
	const total = 100_000
	for _, batch := range []int{100, 500, 2000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			ctx := context.Background()
			clk := newClock()
			store := dbtest.New(b, db.WithClock(clk.Now))
			conn, err := store.SimConnection(ctx)
			if err != nil {
				b.Fatal(err)
			}
			l, err := store.SyncLock(ctx, conn.ID, db.DeviceState{DeviceID: "simlock_1", Name: "Door"}, "UTC")
			if err != nil {
				b.Fatal(err)
			}
			for j := range 20 {
				c, err := store.CreateAccessCode(ctx, db.NewAccessCode{LockID: l.ID, Label: "Guest", PIN: fmt.Sprintf("%02d1234", j+10), TimeZone: "UTC"})
				if err != nil {
					b.Fatal(err)
				}
				if err := store.ObserveCode(ctx, c.ID, db.CodeObservation{Status: domain.StatusOnLock, DeviceCodeID: fmt.Sprintf("simcode_%d", j)}); err != nil {
					b.Fatal(err)
				}
			}
			kinds := []domain.EventKind{"unlocked", "locked", "denied", "locked"}
			round := 0
			var added int
			cpu := cpuTime(b)
			for b.Loop() {
				round++
				evs := make([]db.NewEvent, 0, batch)
				for i := range total {
					evs = append(evs, db.NewEvent{
						DeviceEventID: fmt.Sprintf("sim-%d-%d", round, i),
						Kind:          kinds[i%len(kinds)],
						Method:        "keypad",
						DeviceCodeID:  fmt.Sprintf("simcode_%d", i%25), // some match none of ours
						OccurredAt:    clk.Now().Add(time.Duration(i) * time.Second),
					})
					if len(evs) == batch || i == total-1 {
						n, err := store.IngestEvents(ctx, l.ID, evs, fmt.Sprint(i))
						if err != nil {
							b.Fatal(err)
						}
						added += n
						evs = evs[:0]
					}
				}
			}
			if added != total*b.N {
				b.Fatalf("added: got %d, want %d", added, total*b.N)
			}
			b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(total*b.N)/(cpuTime(b)-cpu).Seconds(), "events/cpu-s")
		})
	}
}
