package demo

import (
	"errors"
	"slices"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/lock/sim"
)

// schedule plans a property's stays from a week before the history to six
// weeks ahead, around its anchor stay.
func (w *World) schedule(p *property, i int) {
	a := anchors[i%len(anchors)]
	y, m, d := w.now.In(p.loc).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, p.loc)
	newStay := func(day time.Time, nights int) *stay {
		in := time.Date(day.Year(), day.Month(), day.Day(), p.checkIn, 0, 0, 0, p.loc)
		out := time.Date(day.Year(), day.Month(), day.Day()+nights, 10+w.rng.IntN(2), 0, 0, 0, p.loc)
		return &stay{prop: p, start: in, end: out, codes: map[int64]int64{}}
	}
	anchor := newStay(today.AddDate(0, 0, a.offset), a.nights)
	anchor.link = a.link
	stays := []*stay{anchor}
	// Backwards: each earlier stay checks out 0 to 3 days before the next checks in.
	first := w.start.AddDate(0, 0, -7)
	for day := today.AddDate(0, 0, a.offset); ; {
		gap := w.rng.IntN(4)
		if i == 1 && len(stays) == 1 {
			gap = 0 // a turnover today: one guest leaves, the next arrives
		}
		nights := 1 + w.rng.IntN(7)
		day = day.AddDate(0, 0, -gap-nights)
		s := newStay(day, nights)
		if s.end.Before(first) {
			break
		}
		stays = append(stays, s)
	}
	slices.Reverse(stays)
	// Forwards.
	horizon := w.now.AddDate(0, 0, 42)
	for day := today.AddDate(0, 0, a.offset+a.nights); ; {
		day = day.AddDate(0, 0, w.rng.IntN(4))
		nights := 1 + w.rng.IntN(7)
		s := newStay(day, nights)
		if s.start.After(horizon) {
			break
		}
		stays = append(stays, s)
		day = day.AddDate(0, 0, nights)
	}
	for _, s := range stays {
		// Booked 1 to 30 days ahead (a few the day before).
		s.created = s.start.Add(-time.Duration(1+w.rng.IntN(30)) * 24 * time.Hour).Add(-time.Duration(w.rng.IntN(12)) * time.Hour)
		if s != anchor {
			s.link = linkRevealed
			switch {
			case s.start.After(w.now) && w.chance(0.4):
				s.link = linkSent
			case s.start.After(w.now) && w.chance(0.3):
				s.link = linkOpened
			case w.chance(0.03):
				s.link = linkOpened // never revealed: the owner told them the code another way
			}
			switch {
			case w.chance(0.03):
				s.cancelled = w.between(s.created.Add(time.Hour), s.start.Add(-time.Hour))
			case s.end.Before(w.now) && w.chance(0.02):
				s.noShow, s.link = true, linkRevealed
			}
		}
		if s.created.After(w.now) {
			s.created = w.between(w.now.AddDate(0, 0, -7), w.now) // booked lately, well ahead
		}
		if !s.cancelled.IsZero() && !s.cancelled.Before(w.now) {
			s.cancelled = time.Time{}
		}
	}
	// One guest left early and the owner revoked their access: recently at the
	// property whose door is now offline, and, once, a while ago while a door
	// was offline, so the lock kept the code and it opened the door again.
	if i == 3 && anchor.start.Before(w.now) {
		anchor.leftEarly = w.now.Add(-2 * time.Hour)
	}
	if i == 0 {
		for _, s := range stays {
			if s.start.After(w.now.AddDate(0, 0, -60)) && s.end.Before(w.now.AddDate(0, 0, -30)) && s.cancelled.IsZero() &&
				s.end.Sub(s.start) > 72*time.Hour && s.start.After(w.start) {
				s.leftEarly = s.start.Add(s.end.Sub(s.start) / 2).Truncate(time.Minute)
				break
			}
		}
	}
	p.stays = stays
}

// makePermanent gives each property's cleaner a permanent code, and the Berlin
// flat's neighbour one too, a few weeks before the history begins.
func (w *World) makePermanent() error {
	for i, p := range w.props {
		p.cleaner = &stay{prop: p, created: w.start.AddDate(0, 0, -20).Add(time.Duration(i) * time.Hour), codes: map[int64]int64{}, link: linkRevealed}
		if err := w.makeAccess(p.cleaner, "Cleaner, after each stay"); err != nil {
			return err
		}
		if i == 2 {
			n := &stay{prop: p, created: w.start.AddDate(0, 0, -15), codes: map[int64]int64{}, link: linkRevealed}
			if err := w.makeAccess(n, "Neighbour, waters the plants"); err != nil {
				return err
			}
		}
	}
	return nil
}

// makeStays creates every stay's guest, access, link and code states.
func (w *World) makeStays() error {
	var all []*stay
	for _, p := range w.props {
		all = append(all, p.stays...)
	}
	slices.SortStableFunc(all, func(a, b *stay) int { return a.created.Compare(b.created) })
	for _, s := range all {
		if err := w.makeAccess(s, notes[w.rng.IntN(len(notes))]); err != nil {
			return err
		}
	}
	return nil
}

// makeAccess creates an access for s (a new or returning guest) at s.created,
// with its link's receipt and its codes as the reconciler would have left them,
// and adds the events of the stay to the story.
func (w *World) makeAccess(s *stay, note string) error {
	ctx := w.ctx
	w.clk.Set(s.created)
	if len(w.people) > 8 && !s.permanent() && w.chance(0.12) {
		p := w.people[w.rng.IntN(len(w.people))]
		s.guestID, s.name = p.id, p.name
	} else {
		s.name = firstNames[w.rng.IntN(len(firstNames))] + " " + lastNames[w.rng.IntN(len(lastNames))]
		g, err := w.store.CreateGuest(ctx, s.name, note)
		if err != nil {
			return err
		}
		s.guestID = g.ID
		w.guests++
		if !s.permanent() {
			w.people = append(w.people, person{g.ID, s.name})
		}
	}
	var locks []int64
	for _, d := range s.prop.doors {
		locks = append(locks, d.id)
	}
	var a db.Access
	for try := 0; ; try++ {
		var others []string
		for _, id := range locks {
			pins, err := w.store.LivePINs(ctx, id)
			if err != nil {
				return err
			}
			others = append(others, pins...)
		}
		pin, err := domain.GeneratePIN(6+w.rng.IntN(3), domain.PINRules{MinLen: sim.MinCodeLen, MaxLen: sim.MaxCodeLen}, others)
		if err != nil {
			return err
		}
		a, s.token, err = w.store.CreateAccess(ctx, db.NewAccess{GuestID: s.guestID, GuestName: s.name, LockIDs: locks, PIN: pin,
			StartsAt: s.start, EndsAt: s.end, TimeZone: s.prop.zone, Link: db.LinkOptions{TTL: 30 * 24 * time.Hour}})
		if errors.Is(err, db.ErrPINConflict) && try < 5 {
			continue
		}
		if err != nil {
			return err
		}
		break
	}
	s.accessID = a.ID
	w.accesses++
	if err := w.store.Audit(ctx, db.AuditEntry{Actor: "seed-demo", Action: db.AuditAccessCreated,
		Detail: "for " + s.name + ": " + s.prop.name + " (demo data)"}); err != nil {
		return err
	}
	codes, err := w.store.AccessCodes(ctx, a.ID)
	if err != nil {
		return err
	}
	for _, k := range codes {
		s.codes[k.LockID] = k.ID
	}
	if err := w.receipt(s); err != nil {
		return err
	}
	if !s.cancelled.IsZero() {
		w.clk.Set(s.cancelled)
		if err := w.store.RevokeAccess(ctx, a.ID); err != nil {
			return err
		}
		for _, k := range codes {
			if err := w.store.ObserveCode(ctx, k.ID, db.CodeObservation{Status: domain.StatusRemoved}); err != nil {
				return err
			}
		}
		return nil
	}
	w.plan(s)
	if !s.leftEarly.IsZero() {
		w.clk.Set(s.leftEarly)
		if err := w.store.RevokeAccess(ctx, a.ID); err != nil {
			return err
		}
	}
	for _, k := range codes {
		if err := w.codeLife(s, w.byLock[k.LockID], k); err != nil {
			return err
		}
	}
	return nil
}

// receipt opens and reveals the link as far as s.link says, at plausible times.
func (w *World) receipt(s *stay) error {
	if s.link == linkSent {
		return nil
	}
	l, err := w.store.LinkByToken(w.ctx, s.token)
	if err != nil {
		return err
	}
	until := w.now
	if !s.end.IsZero() && s.end.Before(until) {
		until = s.end
	}
	opened := s.created.Add(time.Duration(10+w.rng.IntN(30*60)) * time.Minute)
	if !s.start.IsZero() && opened.After(s.start) {
		opened = w.between(s.created, s.start)
	}
	if !opened.Before(until) {
		return nil
	}
	w.clk.Set(opened)
	if err := w.store.MarkLinkOpened(w.ctx, l.ID, linkDevices[w.rng.IntN(len(linkDevices))]); err != nil {
		return err
	}
	if s.link != linkRevealed {
		return nil
	}
	revealed := opened.Add(time.Duration(1+w.rng.IntN(90)) * time.Minute)
	if !revealed.Before(until) {
		return nil
	}
	w.clk.Set(revealed)
	_, err = w.store.ClaimReveal(w.ctx, s.token)
	return err
}

// plan decides when the guest arrives and leaves, and adds those events.
func (w *World) plan(s *stay) {
	if s.permanent() || s.noShow {
		return
	}
	s.leave = s.end.Add(-time.Duration(20+w.rng.IntN(100)) * time.Minute)
	if !s.leftEarly.IsZero() {
		s.leave = s.leftEarly.Add(-time.Duration(10+w.rng.IntN(60)) * time.Minute)
	}
	s.arrive = s.start.Add(time.Duration(w.rng.IntN(5*3600)) * time.Second)
	if !s.arrive.Before(s.leave) {
		s.arrive, s.leave = time.Time{}, time.Time{}
		return
	}
	doors := s.prop.doors
	// Arrival: an early try now and then (the code does not work before its
	// window), then the gate and the door, each locking itself behind them.
	t := s.arrive
	if w.chance(0.06) {
		early := s.start.Add(-time.Duration(5+w.rng.IntN(40)) * time.Minute)
		w.add(db.SeedEvent{LockID: doors[0].id, Kind: domain.EventDenied, Method: domain.MethodKeypad, CodeID: s.codes[doors[0].id],
			At: early, Detail: "code outside its schedule"})
	}
	for i := len(doors) - 1; i >= 0; i-- { // the outer door (gate) is listed last
		d := doors[i]
		w.add(db.SeedEvent{LockID: d.id, Kind: domain.EventUnlocked, Method: domain.MethodKeypad, CodeID: s.codes[d.id], At: t})
		w.add(db.SeedEvent{LockID: d.id, Kind: domain.EventLocked, Method: domain.MethodAutomatic, At: t.Add(time.Duration(30+w.rng.IntN(60)) * time.Second)})
		t = t.Add(time.Duration(40+w.rng.IntN(80)) * time.Second)
	}
	// Departure: out from inside, the lock button behind them.
	t = s.leave
	for _, d := range doors {
		w.add(db.SeedEvent{LockID: d.id, Kind: domain.EventUnlocked, Method: domain.MethodManual, At: t})
		w.add(db.SeedEvent{LockID: d.id, Kind: domain.EventLocked, Method: domain.MethodManual, At: t.Add(time.Duration(5+w.rng.IntN(20)) * time.Second)})
		t = t.Add(time.Duration(40+w.rng.IntN(60)) * time.Second)
	}
	// The cleaner comes after each stay.
	if c := s.prop.cleaner; c != nil {
		t := s.end.Add(time.Duration(30+w.rng.IntN(120)) * time.Minute)
		for _, d := range doors {
			w.add(db.SeedEvent{LockID: d.id, Kind: domain.EventUnlocked, Method: domain.MethodKeypad, CodeID: c.codes[d.id], At: t})
			w.add(db.SeedEvent{LockID: d.id, Kind: domain.EventLocked, Method: domain.MethodAutomatic, At: t.Add(40 * time.Second)})
			out := t.Add(time.Duration(90+w.rng.IntN(90)) * time.Minute)
			w.add(db.SeedEvent{LockID: d.id, Kind: domain.EventUnlocked, Method: domain.MethodManual, At: out})
			w.add(db.SeedEvent{LockID: d.id, Kind: domain.EventLocked, Method: domain.MethodManual, At: out.Add(15 * time.Second)})
		}
	}
}
