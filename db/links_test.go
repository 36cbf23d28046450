package db

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestClaimRevealWritesItsAuditLine: the winner's audit line commits with its
// claim; the losers, in the same batches, write none.
func TestClaimRevealWritesItsAuditLine(t *testing.T) {
	d := openTest(t)
	ctx := context.Background()
	tokens := linksForTest(t, d, 20)
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			tok := tokens[i%len(tokens)]
			_, err := d.ClaimReveal(ctx, tok, AuditEntry{Action: AuditLinkRevealed, IP: "192.0.2.1",
				Detail: fmt.Sprintf("link %d", i%len(tokens))})
			if err != nil && !errors.Is(err, ErrLinkGone) {
				t.Errorf("claim: %v", err)
			}
		})
	}
	wg.Wait()
	entries, err := d.AuditLog(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	per := map[string]int{}
	for _, e := range entries {
		if e.Action == AuditLinkRevealed {
			per[e.Detail]++
		}
	}
	for i := range tokens {
		if got := per[fmt.Sprintf("link %d", i)]; got != 1 {
			t.Errorf("link %d: got %d audit lines, want 1", i, got)
		}
	}
	if len(per) != len(tokens) {
		t.Errorf("audit lines for %d links, want %d", len(per), len(tokens))
	}
}

func TestShareByToken(t *testing.T) {
	d := openTest(t)
	ctx := context.Background()
	conn, err := d.SimConnection(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var lockIDs []int64
	for _, name := range []string{"Front door", "Garden gate"} {
		l, err := d.SyncLock(ctx, conn.ID, DeviceState{DeviceID: name, Name: name, Online: true, MinCodeLen: 6, MaxCodeLen: 8}, "Europe/Berlin")
		if err != nil {
			t.Fatal(err)
		}
		lockIDs = append(lockIDs, l.ID)
	}
	g, err := d.CreateGuest(ctx, "Ana Lima", "")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Truncate(time.Second)
	a, token, err := d.CreateAccess(ctx, NewAccess{GuestID: g.ID, GuestName: g.Name, LockIDs: []int64{lockIDs[1], lockIDs[0]},
		PIN: "482913", StartsAt: start, EndsAt: start.Add(48 * time.Hour), TimeZone: "Europe/Berlin",
		Link: LinkOptions{Passphrase: "blue heron"}})
	if err != nil {
		t.Fatal(err)
	}
	want, err := d.LinkByToken(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	l, got, err := d.ShareByToken(ctx, token, false)
	if err != nil {
		t.Fatal(err)
	}
	if l != want || !l.HasPassphrase {
		t.Errorf("link: got %+v, want %+v (with a passphrase)", l, want)
	}
	if got.GuestName != "Ana Lima" || got.Access != a || got.PIN != "" {
		t.Errorf("details: got %+v, want Ana Lima and access %+v, no PIN", got, a)
	}
	if len(got.Doors) != 2 || got.Doors[0].Name != "Front door" || got.Doors[1].Name != "Garden gate" {
		t.Errorf("doors: got %+v, want Front door then Garden gate (by lock)", got.Doors)
	}
	if _, got, err = d.ShareByToken(ctx, token, true); err != nil || got.PIN != "482913" {
		t.Errorf("with the PIN: got %q, %v, want 482913", got.PIN, err)
	}
	if _, err := d.ClaimReveal(ctx, token); err != nil {
		t.Fatal(err)
	}
	l, got, err = d.ShareByToken(ctx, token, true)
	if err != nil || l.RevealedAt.IsZero() || got.PIN != "" {
		t.Errorf("after the reveal: got revealed at %v, PIN %q, %v; want revealed, no PIN", l.RevealedAt, got.PIN, err)
	}
	if _, _, err := d.ShareByToken(ctx, NewToken(16), true); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown token: got %v, want ErrNotFound", err)
	}
}

// TestMarkLinkOpenedAuditsOnce: concurrent first fetches of a guest page record
// one opening, with one audit line.
func TestMarkLinkOpenedAuditsOnce(t *testing.T) {
	d := openTest(t)
	ctx := context.Background()
	token := linksForTest(t, d, 1)[0]
	l, err := d.LinkByToken(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if err := d.MarkLinkOpened(ctx, l.ID, "iPhone", AuditEntry{Action: AuditLinkOpened, Detail: "link of Ana, on iPhone"}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	entries, err := d.AuditLog(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if e.Action == AuditLinkOpened {
			n++
		}
	}
	if l, _ = d.LinkByToken(ctx, token); n != 1 || l.FirstOpenedAt.IsZero() || l.OpenedDevice != "iPhone" {
		t.Errorf("got %d audit lines, opened %v on %q; want 1, opened on iPhone", n, l.FirstOpenedAt, l.OpenedDevice)
	}
}
