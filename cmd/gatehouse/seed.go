package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/lock"
	"github.com/gatehouse/gatehouse/lock/sim"
)

// seed-demo fills a database with months of made-up but plausible use, so that
// anyone can see Gatehouse full and measure it: simulated locks at a few rental
// properties, guests with stays, a cleaner and a neighbour with permanent codes,
// share links sent, opened and revealed, and as many events as asked for.
//
// Everything but the events goes through the store's ordinary methods and the
// simulator, on a clock set back to when each thing happened, so the locks are
// real simulated locks and the codes on them are what the reconciler would
// have left (on the lock now, removed after their stay, scheduled for later).
// The events go through db.SeedEvents in bulk; they are judged (guest, anomaly,
// counts, first use) exactly as ingest would judge them.

const seedUsage = `Usage: gatehouse seed-demo --db PATH --events N [--locks 6] [--days 180] [--seed 1] [--force]

Fills the database at PATH with demo data on simulated locks: locks, guests,
accesses and codes over the last --days days (and bookings ahead), and --events
events spread over that period. It refuses a database that already has owners
unless --force is given: demo guests, codes and events would mix with real ones.
Stop "gatehouse serve" on that database first; loading holds the database's
writer for the whole run. Then run "gatehouse serve --db PATH".

`

// demoOptions are seed-demo's own flags.
type demoOptions struct {
	Events int
	Locks  int
	Days   int
	Seed   uint64
	Force  bool
}

func seedDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	var o demoOptions
	fs := newFlagSet("seed-demo", &c, stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, seedUsage)
		fs.PrintDefaults()
	}
	fs.IntVar(&o.Events, "events", 100_000, "how many events to make")
	fs.IntVar(&o.Locks, "locks", 6, "how many simulated locks to make (1 to 24)")
	fs.IntVar(&o.Days, "days", 180, "how many days of history to make (1 to 3650)")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the random choices; the same seed makes the same story")
	fs.BoolVar(&o.Force, "force", false, "add demo data even though the database has owners (back it up first)")
	if err := fs.parse(&c, args); err != nil {
		return err
	}
	switch {
	case o.Events < 0:
		return fmt.Errorf("invalid --events %d: want 0 or more", o.Events)
	case o.Locks < 1 || o.Locks > 24:
		return fmt.Errorf("invalid --locks %d: want 1 to 24", o.Locks)
	case o.Days < 1 || o.Days > 3650:
		return fmt.Errorf("invalid --days %d: want 1 to 3650", o.Days)
	}

	began := time.Now()
	clk := &demoClock{t: began}
	store, err := openStore(ctx, c, db.WithClock(clk.Now))
	if err != nil {
		return err
	}
	defer store.Close()
	owners, err := store.CountOwners(ctx)
	if err != nil {
		return err
	}
	if owners > 0 && !o.Force {
		return fmt.Errorf("%s already has %d owner(s): seed-demo will not mix demo guests, codes and events into it. "+
			"Use a new --db path, or add --force to do it anyway (make a copy first with \"gatehouse backup\")", c.DB, owners)
	}

	w := newDemoWorld(ctx, store, clk, o, began)
	fmt.Fprintf(stdout, "Making %d simulated locks, guests and codes over %d days in %s...\n", o.Locks, o.Days, c.DB)
	if err := w.build(); err != nil {
		return err
	}
	setup := time.Since(began)
	fmt.Fprintf(stdout, "  %d locks, %d guests, %d accesses (%d codes on locks now) in %s\n",
		len(w.doors), w.guests, w.accesses, w.onLock, setup.Round(time.Millisecond))

	fmt.Fprintf(stdout, "Storing %d events...\n", o.Events)
	loadStart := time.Now()
	st, err := store.SeedEvents(ctx, w.events(), func(n int) {
		el := time.Since(loadStart).Seconds()
		fmt.Fprintf(stdout, "  %s of %s events (%d%%), %s events/s\n", thousands(n), thousands(o.Events),
			n*100/max(o.Events, 1), thousands(int(float64(n)/max(el, 1e-9))))
	})
	if err != nil {
		return err
	}
	if st.Events != o.Events {
		return fmt.Errorf("seed-demo: stored %d events, meant %d", st.Events, o.Events)
	}
	total := time.Since(began)
	fmt.Fprintf(stdout, "Done in %s: %s events (%s stand out) at %s events/s overall\n"+
		"  setup %s, events %s, indexes %s\n",
		total.Round(time.Millisecond), thousands(st.Events), thousands(st.Anomalies),
		thousands(int(float64(st.Events)/total.Seconds())),
		setup.Round(time.Millisecond), st.Load.Round(time.Millisecond), st.Index.Round(time.Millisecond))

	clk.Set(time.Now())
	if owners > 0 {
		fmt.Fprintf(stdout, "\nStart it with:\n\n    gatehouse serve --db %s\n\nand sign in as usual.\n", c.DB)
		return nil
	}
	token, _, err := store.CreateInvite(ctx, "", 0, c.InviteTTL)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nStart it with:\n\n    gatehouse serve --db %s --public-url %s\n\n"+
		"then open this link to create the first owner's passkey (it works once and expires in %s):\n\n    %s/enroll/%s\n\n",
		c.DB, c.PublicURL, c.InviteTTL, c.PublicURL, token)
	return nil
}

// demoClock is the store's and the simulator's clock while the story is made.
type demoClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *demoClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *demoClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// thousands writes n with thousands separators: 10,000,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// ---- The world: properties, doors, people ----

// demoProperty is a place with one or more doors and its own stream of guests.
type demoProperty struct {
	name    string
	zone    string
	loc     *time.Location
	doors   []*demoDoor
	stays   []*demoStay
	cleaner *demoStay // a permanent access
	checkIn int       // hour of check-in, local
}

// demoDoor is one simulated lock.
type demoDoor struct {
	id      int64
	device  string
	name    string
	prop    *demoProperty
	offline []span    // spells in the history when it was offline
	downAt  time.Time // offline since, now; zero: online
}

type span struct{ from, to time.Time }

func (s span) has(t time.Time) bool { return !t.Before(s.from) && t.Before(s.to) }

// demoStay is one access: a guest's stay, or a permanent code when start is zero.
type demoStay struct {
	prop       *demoProperty
	guestID    int64
	name       string
	start, end time.Time
	created    time.Time
	accessID   int64
	codes      map[int64]int64 // lock id → code id
	token      string
	link       linkPlan
	cancelled  time.Time // revoked before it began
	leftEarly  time.Time // revoked during the stay
	noShow     bool      // revealed the code, never came
	arrive     time.Time // first unlock; zero: never
	leave      time.Time // when the guest left
}

// linkPlan is how far the guest got with the share link.
type linkPlan int

const (
	linkSent linkPlan = iota
	linkOpened
	linkRevealed
)

func (s *demoStay) permanent() bool { return s.start.IsZero() }

// occupied reports whether the guest is there at t.
func (s *demoStay) occupied(t time.Time) bool {
	return !s.arrive.IsZero() && !t.Before(s.arrive) && t.Before(s.leave)
}

// demoProperties are the places doors are made for, in order.
var demoProperties = []struct {
	name, zone string
	doors      []string
	checkIn    int
}{
	{"Lisbon loft", "Europe/Lisbon", []string{"Front door", "Building gate"}, 15},
	{"Lake cabin", "America/New_York", []string{"Cabin door", "Garage"}, 16},
	{"Berlin flat", "Europe/Berlin", []string{"Flat door"}, 15},
	{"Brooklyn studio", "America/New_York", []string{"Studio door"}, 15},
	{"Kyoto machiya", "Asia/Tokyo", []string{"Entrance"}, 16},
	{"Cape Town villa", "Africa/Johannesburg", []string{"Main gate", "Villa door"}, 14},
	{"Sydney terrace", "Australia/Sydney", []string{"Front door"}, 15},
	{"Mexico City casa", "America/Mexico_City", []string{"Street door", "Roof terrace"}, 15},
}

// Anchors give each property a stay that makes the home page worth a look:
// days from today (in the property's zone) the stay begins, and its nights.
var demoAnchors = []struct {
	offset, nights int
	link           linkPlan
}{
	{0, 3, linkRevealed},  // arrives today, code revealed
	{0, 2, linkOpened},    // arrives today, link opened only
	{-1, 3, linkRevealed}, // in since yesterday
	{-2, 4, linkRevealed}, // in, but leaves early today (see the offline door)
	{-3, 5, linkRevealed}, // in
	{0, 4, linkSent},      // arrives today, link not opened yet
	{1, 2, linkOpened},    // arrives tomorrow
	{-1, 2, linkRevealed},
}

var demoFirstNames = []string{
	"Ana", "Ben", "Chloé", "Dmitri", "Elif", "Farah", "Gustavo", "Hana", "Ines", "Jonas", "Kwame", "Lena", "Mateo",
	"Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tomás", "Uma", "Viktor", "Wen", "Ximena", "Yusuf", "Zoë",
	"Aiko", "Bruno", "Carmen", "Diego", "Emma", "Felix", "Grace", "Hugo", "Isabel", "Jamal", "Kaito", "Laila", "Marco",
	"Nora", "Omar", "Paula", "Rafael", "Sofia", "Theo", "Valentina", "William", "Yara", "Amara", "Björn", "Camille",
	"Daniel", "Esther", "Fatima", "Giulia", "Henrik", "Ingrid", "Javier", "Kateryna", "Liam", "Maya", "Niko", "Olivia",
	"Pedro", "Rahul", "Sara", "Tariq", "Ulla", "Vera", "Wiktor", "Yuki", "Zara", "Alejandro", "Beatriz", "Chen",
	"Dalia", "Eero", "Francesca", "Gabriel", "Hiroshi", "Ilse", "Joana", "Kofi", "Lucía", "Mia", "Noah", "Orla",
}

var demoLastNames = []string{
	"Silva", "Okafor", "Müller", "Tanaka", "Kowalski", "Haddad", "Nguyen", "García", "Johansson", "Rossi", "Dubois",
	"Ivanova", "Mensah", "O'Brien", "Sato", "Fernandes", "Kim", "Novak", "Schmidt", "Costa", "Lindqvist", "Patel",
	"Moreau", "Yilmaz", "Andersen", "Bianchi", "Chowdhury", "Delgado", "Eriksen", "Fischer", "Gómez", "Hoffmann",
	"Ibrahim", "Jensen", "Kaur", "López", "Martins", "Nakamura", "Oliveira", "Popescu", "Quinn", "Ramos", "Santos",
	"Takahashi", "Ueda", "Vargas", "Weber", "Xu", "Yamamoto", "Zhang", "Abbott", "Brennan", "Castillo", "Duarte",
	"Engel", "Fontaine", "Green", "Horvat", "Ito", "Jovanović", "Keller", "Larsen", "Mahmoud", "Nowak", "Osei",
}

var demoNotes = []string{
	"Booked via Airbnb", "Booked via Booking.com", "Booked directly", "Booked via Vrbo", "Returning guest",
	"Arrives by train", "Travelling with a dog", "Late check-in asked", "+44 7700 900123", "+1 555 0142",
	"guest@example.com", "Family of four", "Business trip", "",
}

var linkDevices = []string{"iPhone", "Android phone", "iPhone", "Mac", "Android phone", "Windows PC"}

// demoWorld builds the story, then streams its events.
type demoWorld struct {
	ctx   context.Context
	store *db.DB
	clk   *demoClock
	sims  *sim.Sim
	rng   *rand.Rand
	o     demoOptions
	now   time.Time
	start time.Time // the first event may happen here

	props  []*demoProperty
	doors  []*demoDoor
	byLock map[int64]*demoDoor
	story  []db.SeedEvent // events the story needs, oldest first

	guests, accesses, onLock int
	simOps                   []simOp
	people                   []demoPerson // guests made so far, some come back
}

type demoPerson struct {
	id   int64
	name string
}

// simOp is a step on a simulated lock, run in time order with the others: the
// simulator's memory moves forward like a real lock's.
type simOp struct {
	at time.Time
	fn func() error
}

func newDemoWorld(ctx context.Context, store *db.DB, clk *demoClock, o demoOptions, now time.Time) *demoWorld {
	now = now.Truncate(time.Second)
	return &demoWorld{ctx: ctx, store: store, clk: clk, sims: sim.New(store, clk.Now, 0), o: o,
		rng: rand.New(rand.NewPCG(o.Seed, o.Seed^0x6761746568)), now: now, start: now.AddDate(0, 0, -o.Days)}
}

// between is a random instant in [a, b).
func (w *demoWorld) between(a, b time.Time) time.Time {
	if !b.After(a) {
		return a
	}
	return a.Add(time.Duration(w.rng.Int64N(int64(b.Sub(a)))))
}

func (w *demoWorld) chance(p float64) bool { return w.rng.Float64() < p }

// add puts an event in the story if it falls in the history and its lock could
// report it: a lock offline now still holds what happened since.
func (w *demoWorld) add(e db.SeedEvent) {
	if d := w.byLock[e.LockID]; d != nil && !d.downAt.IsZero() && !e.At.Before(d.downAt) {
		return
	}
	if e.At.Before(w.now) && !e.At.Before(w.start) {
		w.story = append(w.story, e)
	}
}

func (w *demoWorld) build() error {
	if err := w.makeLocks(); err != nil {
		return err
	}
	// The studio door went offline three hours ago (the fourth property's first).
	if len(w.props) > 3 {
		d := w.props[3].doors[0]
		d.downAt = w.now.Add(-3*time.Hour - time.Duration(w.rng.IntN(1800))*time.Second)
	}
	for i, p := range w.props {
		w.schedule(p, i)
	}
	if err := w.makePermanent(); err != nil {
		return err
	}
	if err := w.makeStays(); err != nil {
		return err
	}
	w.makeLockLife()
	slices.SortStableFunc(w.simOps, func(a, b simOp) int { return a.at.Compare(b.at) })
	for _, op := range w.simOps {
		w.clk.Set(op.at)
		if err := op.fn(); err != nil {
			return err
		}
	}
	return w.finishLocks()
}

// makeLocks installs the simulated locks a month before the history begins.
func (w *demoWorld) makeLocks() error {
	conn, err := w.store.SimConnection(w.ctx)
	if err != nil {
		return err
	}
	installed := w.start.AddDate(0, 0, -30)
	w.clk.Set(installed)
	w.byLock = map[int64]*demoDoor{}
	for pi := 0; len(w.doors) < w.o.Locks; pi++ {
		tmpl := demoProperties[pi%len(demoProperties)]
		name := tmpl.name
		if pi >= len(demoProperties) {
			name += " " + strconv.Itoa(pi/len(demoProperties)+1)
		}
		loc, err := time.LoadLocation(tmpl.zone)
		if err != nil {
			return err
		}
		p := &demoProperty{name: name, zone: tmpl.zone, loc: loc, checkIn: tmpl.checkIn}
		w.props = append(w.props, p)
		for _, door := range tmpl.doors {
			if len(w.doors) == w.o.Locks {
				break
			}
			d := &demoDoor{name: name + " · " + door, prop: p}
			if d.device, err = w.sims.AddLock(w.ctx, d.name, tmpl.zone); err != nil {
				return err
			}
			devices, err := w.sims.ListLocks(w.ctx)
			if err != nil {
				return err
			}
			for _, dev := range devices {
				if dev.ID == d.device {
					l, err := w.store.SyncLock(w.ctx, conn.ID, lock.StateOf(dev), tmpl.zone)
					if err != nil {
						return err
					}
					d.id = l.ID
				}
			}
			if err := w.store.Audit(w.ctx, db.AuditEntry{Actor: "seed-demo", Action: db.AuditLockAdded,
				Detail: "simulated lock " + d.name + " (demo data)"}); err != nil {
				return err
			}
			p.doors = append(p.doors, d)
			w.doors = append(w.doors, d)
			w.byLock[d.id] = d
		}
	}
	return nil
}

// schedule plans a property's stays from a week before the history to six
// weeks ahead, around its anchor stay.
func (w *demoWorld) schedule(p *demoProperty, i int) {
	a := demoAnchors[i%len(demoAnchors)]
	y, m, d := w.now.In(p.loc).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, p.loc)
	stay := func(day time.Time, nights int) *demoStay {
		in := time.Date(day.Year(), day.Month(), day.Day(), p.checkIn, 0, 0, 0, p.loc)
		out := time.Date(day.Year(), day.Month(), day.Day()+nights, 10+w.rng.IntN(2), 0, 0, 0, p.loc)
		return &demoStay{prop: p, start: in, end: out, codes: map[int64]int64{}}
	}
	anchor := stay(today.AddDate(0, 0, a.offset), a.nights)
	anchor.link = a.link
	stays := []*demoStay{anchor}
	// Backwards: each earlier stay checks out 0 to 3 days before the next checks in.
	first := w.start.AddDate(0, 0, -7)
	for day := today.AddDate(0, 0, a.offset); ; {
		gap := w.rng.IntN(4)
		if i == 1 && len(stays) == 1 {
			gap = 0 // a turnover today: one guest leaves, the next arrives
		}
		nights := 1 + w.rng.IntN(7)
		day = day.AddDate(0, 0, -gap-nights)
		s := stay(day, nights)
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
		s := stay(day, nights)
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
func (w *demoWorld) makePermanent() error {
	for i, p := range w.props {
		p.cleaner = &demoStay{prop: p, created: w.start.AddDate(0, 0, -20).Add(time.Duration(i) * time.Hour), codes: map[int64]int64{}, link: linkRevealed}
		if err := w.makeAccess(p.cleaner, "Cleaner, after each stay"); err != nil {
			return err
		}
		if i == 2 {
			n := &demoStay{prop: p, created: w.start.AddDate(0, 0, -15), codes: map[int64]int64{}, link: linkRevealed}
			if err := w.makeAccess(n, "Neighbour, waters the plants"); err != nil {
				return err
			}
		}
	}
	return nil
}

// makeStays creates every stay's guest, access, link and code states.
func (w *demoWorld) makeStays() error {
	var all []*demoStay
	for _, p := range w.props {
		all = append(all, p.stays...)
	}
	slices.SortStableFunc(all, func(a, b *demoStay) int { return a.created.Compare(b.created) })
	for _, s := range all {
		if err := w.makeAccess(s, demoNotes[w.rng.IntN(len(demoNotes))]); err != nil {
			return err
		}
	}
	return nil
}

// makeAccess creates an access for s (a new or returning guest) at s.created,
// with its link's receipt and its codes as the reconciler would have left them,
// and adds the events of the stay to the story.
func (w *demoWorld) makeAccess(s *demoStay, note string) error {
	ctx := w.ctx
	w.clk.Set(s.created)
	if len(w.people) > 8 && !s.permanent() && w.chance(0.12) {
		p := w.people[w.rng.IntN(len(w.people))]
		s.guestID, s.name = p.id, p.name
	} else {
		s.name = demoFirstNames[w.rng.IntN(len(demoFirstNames))] + " " + demoLastNames[w.rng.IntN(len(demoLastNames))]
		g, err := w.store.CreateGuest(ctx, s.name, note)
		if err != nil {
			return err
		}
		s.guestID = g.ID
		w.guests++
		if !s.permanent() {
			w.people = append(w.people, demoPerson{g.ID, s.name})
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
		pin, err := lock.GeneratePIN(6+w.rng.IntN(3), lock.PINRules{MinLen: sim.MinCodeLen, MaxLen: sim.MaxCodeLen}, others)
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
			if err := w.store.ObserveCode(ctx, k.ID, db.CodeObservation{Status: db.StatusRemoved}); err != nil {
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
func (w *demoWorld) receipt(s *demoStay) error {
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
func (w *demoWorld) plan(s *demoStay) {
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
		w.add(db.SeedEvent{LockID: doors[0].id, Kind: "denied", Method: "keypad", CodeID: s.codes[doors[0].id],
			At: early, Detail: "code outside its schedule"})
	}
	for i := len(doors) - 1; i >= 0; i-- { // the outer door (gate) is listed last
		d := doors[i]
		w.add(db.SeedEvent{LockID: d.id, Kind: "unlocked", Method: "keypad", CodeID: s.codes[d.id], At: t})
		w.add(db.SeedEvent{LockID: d.id, Kind: "locked", Method: "automatic", At: t.Add(time.Duration(30+w.rng.IntN(60)) * time.Second)})
		t = t.Add(time.Duration(40+w.rng.IntN(80)) * time.Second)
	}
	// Departure: out from inside, the lock button behind them.
	t = s.leave
	for _, d := range doors {
		w.add(db.SeedEvent{LockID: d.id, Kind: "unlocked", Method: "manual", At: t})
		w.add(db.SeedEvent{LockID: d.id, Kind: "locked", Method: "manual", At: t.Add(time.Duration(5+w.rng.IntN(20)) * time.Second)})
		t = t.Add(time.Duration(40+w.rng.IntN(60)) * time.Second)
	}
	// The cleaner comes after each stay.
	if c := s.prop.cleaner; c != nil {
		t := s.end.Add(time.Duration(30+w.rng.IntN(120)) * time.Minute)
		for _, d := range doors {
			w.add(db.SeedEvent{LockID: d.id, Kind: "unlocked", Method: "keypad", CodeID: c.codes[d.id], At: t})
			w.add(db.SeedEvent{LockID: d.id, Kind: "locked", Method: "automatic", At: t.Add(40 * time.Second)})
			out := t.Add(time.Duration(90+w.rng.IntN(90)) * time.Minute)
			w.add(db.SeedEvent{LockID: d.id, Kind: "unlocked", Method: "manual", At: out})
			w.add(db.SeedEvent{LockID: d.id, Kind: "locked", Method: "manual", At: out.Add(15 * time.Second)})
		}
	}
}

// codeLife records code k's life on door d: set on the lock a day before its
// window (these locks keep schedules), removed when it ends or is revoked; on
// the lock now; or scheduled when that is still ahead. A door offline now
// kept the codes it held and took none since.
func (w *demoWorld) codeLife(s *demoStay, d *demoDoor, k db.AccessCode) error {
	ctx := w.ctx
	set := s.created.Add(time.Duration(20+w.rng.IntN(40)) * time.Second)
	if !s.permanent() {
		set = latest(set, s.start.Add(-lock.EarlyPush).Add(time.Duration(w.rng.IntN(600))*time.Second))
	}
	if !set.Before(w.now) || (!d.downAt.IsZero() && !set.Before(d.downAt)) {
		return nil // the reconciler will set it
	}
	label := lock.CodeName(k.Label, k.ID)
	w.add(db.SeedEvent{LockID: d.id, Kind: "code_set", CodeID: k.ID, At: set, Detail: label})
	gone := s.end
	if !s.leftEarly.IsZero() {
		gone = s.leftEarly
	}
	removed := gone.Add(time.Duration(30+w.rng.IntN(60)) * time.Second)
	if !s.leftEarly.IsZero() && d == s.prop.doors[0] && d.downAt.IsZero() && removed.Before(w.now.AddDate(0, 0, -1)) {
		// The door was offline when the owner revoked the code: it kept the
		// code, which opened it once more before it came back and let go.
		down, back := s.leftEarly.Add(-20*time.Minute), s.leftEarly.Add(3*time.Hour)
		d.offline = append(d.offline, span{down, back})
		w.add(db.SeedEvent{LockID: d.id, Kind: "offline", At: down})
		w.add(db.SeedEvent{LockID: d.id, Kind: db.KindOfflineLong, At: down.Add(db.OfflineAlertAfter)})
		w.add(db.SeedEvent{LockID: d.id, Kind: "unlocked", Method: "keypad", CodeID: k.ID, At: s.leftEarly.Add(95 * time.Minute)})
		w.add(db.SeedEvent{LockID: d.id, Kind: "locked", Method: "automatic", At: s.leftEarly.Add(96 * time.Minute)})
		w.add(db.SeedEvent{LockID: d.id, Kind: "online", At: back})
		removed = back.Add(45 * time.Second)
	}
	if !gone.IsZero() && removed.Before(w.now) && (d.downAt.IsZero() || removed.Before(d.downAt)) {
		w.add(db.SeedEvent{LockID: d.id, Kind: "code_removed", CodeID: k.ID, At: removed, Detail: label})
		w.clk.Set(set)
		if err := w.store.ObserveCode(ctx, k.ID, db.CodeObservation{Status: db.StatusOnLock, DeviceCodeID: w.pastCodeID()}); err != nil {
			return err
		}
		w.clk.Set(removed)
		return w.store.ObserveCode(ctx, k.ID, db.CodeObservation{Status: db.StatusRemoved})
	}
	// On the lock now: the simulated lock holds it.
	w.onLock++
	w.simOps = append(w.simOps, simOp{at: set, fn: func() error {
		pin, err := w.store.CodePIN(ctx, k.ID)
		if err != nil {
			return err
		}
		var win lock.Window
		if !s.permanent() {
			win = lock.Window{Start: s.start, End: s.end}
		}
		got, err := w.sims.SetCode(ctx, d.device, lock.CodeSpec{Name: label, PIN: pin, Window: win})
		if err != nil {
			return fmt.Errorf("seed-demo: code for %s on %s: %w", s.name, d.name, err)
		}
		return w.store.ObserveCode(ctx, k.ID, db.CodeObservation{Status: db.StatusOnLock, DeviceCodeID: got.ID})
	}})
	return nil
}

// pastCodeID is a device code id for a code long gone from a simulated lock.
func (w *demoWorld) pastCodeID() string {
	return fmt.Sprintf("simcode_%016x", w.rng.Uint64())
}

// makeLockLife adds what happens to the locks themselves: wifi drops, a low
// battery, the odd tamper alarm, wrong-code bursts, the door offline now and a
// code that Gatehouse did not set.
func (w *demoWorld) makeLockLife() {
	for i, d := range w.doors {
		// Now: the studio door is offline (its events wait on it, so the
		// history has none since; discovery and the alert say so).
		if !d.downAt.IsZero() {
			w.simOps = append(w.simOps, simOp{at: d.downAt, fn: func() error { return w.sims.SetOnline(w.ctx, d.device, false) }})
		}
		// The garage's batteries are low now; another lock's were, long ago.
		if i == 3 {
			w.add(db.SeedEvent{LockID: d.id, Kind: "battery_low", At: w.now.AddDate(0, 0, -9), Detail: "battery at 19%"})
			w.simOps = append(w.simOps, simOp{at: w.now.AddDate(0, 0, -9), fn: func() error {
				return w.store.SetSimBattery(w.ctx, d.device, 0.14)
			}})
		}
		if i == 0 {
			w.add(db.SeedEvent{LockID: d.id, Kind: "battery_low", At: w.now.AddDate(0, 0, -120), Detail: "battery at 19%"})
		}
		// The Berlin flat had a handyman's code before Gatehouse.
		if i == 4 || (i == 0 && len(w.doors) < 5) {
			w.simOps = append(w.simOps, simOp{at: w.start.AddDate(0, 0, -29), fn: func() error {
				got, err := w.sims.SetCode(w.ctx, d.device, lock.CodeSpec{Name: "Handyman", PIN: "40718293"})
				if err != nil {
					return err
				}
				w.clk.Set(w.now.Add(-time.Hour))
				return w.store.SyncUnmanaged(w.ctx, d.id, []db.SeenCode{{DeviceCodeID: got.ID, Name: "Handyman"}})
			}})
		}
		for day := w.start; day.Before(w.now); day = day.Add(24 * time.Hour) {
			end := earliest(day.Add(24*time.Hour), w.now)
			if !d.downAt.IsZero() {
				end = earliest(end, d.downAt)
			}
			if !end.After(day) {
				continue
			}
			if w.chance(0.025) { // wifi drop
				from := w.between(day, end)
				to := from.Add(time.Duration(5*60+w.rng.IntN(150*60)) * time.Second)
				if to.Before(end) {
					d.offline = append(d.offline, span{from, to})
					w.add(db.SeedEvent{LockID: d.id, Kind: "offline", At: from})
					if to.Sub(from) > db.OfflineAlertAfter { // Gatehouse's alert at the time
						w.add(db.SeedEvent{LockID: d.id, Kind: db.KindOfflineLong, At: from.Add(db.OfflineAlertAfter)})
					}
					w.add(db.SeedEvent{LockID: d.id, Kind: "online", At: to})
				}
			}
			if w.chance(0.003) {
				w.add(db.SeedEvent{LockID: d.id, Kind: "tamper", At: w.between(day, end), Detail: "tamper alarm"})
			}
			if w.chance(0.03) { // someone tries codes: three wrong ones start safe mode
				t := w.between(day, end)
				n := 3 + w.rng.IntN(3)
				for k := range n {
					if !t.Before(end) {
						break
					}
					if k < sim.WrongBeforeSafeMode {
						w.add(db.SeedEvent{LockID: d.id, Kind: "denied", Method: "keypad", At: t, Detail: "wrong code"})
					} else {
						w.add(db.SeedEvent{LockID: d.id, Kind: "denied", Method: "keypad", At: t, Detail: "safe mode"})
					}
					if k == sim.WrongBeforeSafeMode-1 {
						w.add(db.SeedEvent{LockID: d.id, Kind: "safe_mode", Method: "keypad", At: t,
							Detail: fmt.Sprintf("%d wrong codes in a row; keypad disabled for %d minutes", sim.WrongBeforeSafeMode, int(sim.SafeModeFor/time.Minute))})
					}
					t = t.Add(time.Duration(15+w.rng.IntN(60)) * time.Second)
				}
			}
		}
	}
	// Old no-shows were flagged by Gatehouse at the time; recent ones (the
	// last 30 days) the running server flags itself (db.RaiseAlerts).
	for _, p := range w.props {
		for _, s := range p.stays {
			if s.noShow && s.cancelled.IsZero() && s.start.Before(w.now.AddDate(0, 0, -30)) {
				d := p.doors[0]
				w.add(db.SeedEvent{LockID: d.id, Kind: db.KindCodeUnused, CodeID: s.codes[d.id],
					At: earliest(s.start.Add(db.UnusedAlertAfter), s.end)})
			}
		}
	}
	slices.SortStableFunc(w.story, func(a, b db.SeedEvent) int { return a.At.Compare(b.At) })
}

// finishLocks records the locks' state now, as discovery would, and moves each
// lock's event cursor past what the simulator logged while the story was made:
// those events are in the history already.
func (w *demoWorld) finishLocks() error {
	w.clk.Set(w.now)
	conn, err := w.store.SimConnection(w.ctx)
	if err != nil {
		return err
	}
	devices, err := w.sims.ListLocks(w.ctx)
	if err != nil {
		return err
	}
	for _, d := range w.doors {
		if d.downAt.IsZero() {
			// Lands the codes sent last (the simulator settles lazily).
			if _, err := w.sims.ListCodes(w.ctx, d.device); err != nil {
				return err
			}
		}
		for _, dev := range devices {
			if dev.ID != d.device {
				continue
			}
			st := lock.StateOf(dev)
			if !d.downAt.IsZero() {
				w.clk.Set(d.downAt)
			}
			if _, err := w.store.SyncLock(w.ctx, conn.ID, st, d.prop.zone); err != nil {
				return err
			}
			w.clk.Set(w.now)
		}
		evs, err := w.store.SimEvents(w.ctx, d.device, 0, math.MaxInt32)
		if err != nil {
			return err
		}
		cursor := ""
		if len(evs) > 0 {
			cursor = strconv.FormatInt(evs[len(evs)-1].Seq, 10)
		}
		if _, err := w.store.IngestEvents(w.ctx, d.id, nil, cursor); err != nil {
			return err
		}
	}
	return nil
}

// ---- The events ----

// Hourly activity, by local hour: when guests come and go, and when the
// owner, the cleaner and deliveries do while nobody stays.
var (
	guestHours = [24]float64{0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.6, 1.6, 2.4, 2.0, 1.4, 1.1, 1.2, 1.2, 1.3, 1.5, 1.8, 2.4, 2.6, 2.2, 1.7, 1.3, 0.9, 0.5}
	emptyHours = [24]float64{0.02, 0.01, 0.01, 0.01, 0.01, 0.02, 0.1, 0.5, 1.2, 1.6, 1.8, 1.8, 1.5, 1.6, 1.7, 1.6, 1.3, 1.0, 0.6, 0.3, 0.2, 0.1, 0.05, 0.03}
)

// events streams the story's events merged with everyday comings and goings,
// day by day, oldest first, exactly o.Events of them.
func (w *demoWorld) events() iter.Seq[db.SeedEvent] {
	story := w.story
	if len(story) > w.o.Events {
		story = story[len(story)-w.o.Events:] // the most recent part of the story
	}
	filler := w.o.Events - len(story)
	days := int(math.Ceil(w.now.Sub(w.start).Hours() / 24))
	// Each door's share of a day's comings and goings: more while a guest
	// stays, none while it is offline.
	weight := make([][]float64, len(w.doors))
	var sum float64
	for i, d := range w.doors {
		weight[i] = make([]float64, days)
		for k := range days {
			from, to := w.dayBounds(d, k)
			if !to.After(from) {
				continue
			}
			occ := 0.0
			for _, s := range d.prop.stays {
				if s.arrive.IsZero() || !s.arrive.Before(to) || !s.leave.After(from) {
					continue
				}
				occ += earliest(s.leave, to).Sub(latest(s.arrive, from)).Hours()
			}
			weight[i][k] = to.Sub(from).Hours()/24 + 2*occ/24
			sum += weight[i][k]
		}
	}
	budget := shares(weight, sum, filler)
	return func(yield func(db.SeedEvent) bool) {
		g := demoGen{rng: rand.New(rand.NewPCG(w.o.Seed+1, w.o.Seed^0x6576656e7473))}
		next := 0 // the next story event
		var day []db.SeedEvent
		var order []int
		var at []int64
		for k := range days {
			day = day[:0]
			end := w.start.Add(time.Duration(k+1) * 24 * time.Hour)
			for next < len(story) && story[next].At.Before(end) {
				day = append(day, story[next])
				next++
			}
			for i, d := range w.doors {
				if n := budget[i][k]; n > 0 {
					from, to := w.dayBounds(d, k)
					day = g.fill(day, d, from, to, n)
				}
			}
			// By time, ties in the order made (as a stable sort leaves them), but
			// sorting positions, not events: a day holds ~55,000 at ten million,
			// and a stable sort of the events themselves was 13 % of the load.
			order, at = order[:0], at[:0]
			for i, e := range day {
				order, at = append(order, i), append(at, e.At.UnixNano())
			}
			slices.SortFunc(order, func(a, b int) int {
				if c := cmp.Compare(at[a], at[b]); c != 0 {
					return c
				}
				return cmp.Compare(a, b)
			})
			for _, i := range order {
				if !yield(day[i]) {
					return
				}
			}
		}
	}
}

// shares splits total into whole numbers in proportion to weight (sum is their
// sum), largest remainders first, so they add up to total exactly; a zero
// weight gets nothing.
func shares(weight [][]float64, sum float64, total int) [][]int {
	out := make([][]int, len(weight))
	type rem struct {
		i, k int
		r    float64
	}
	var rems []rem
	given := 0
	for i, row := range weight {
		out[i] = make([]int, len(row))
		for k, wt := range row {
			if wt <= 0 || sum <= 0 {
				continue
			}
			exact := wt / sum * float64(total)
			out[i][k] = int(exact)
			given += out[i][k]
			rems = append(rems, rem{i, k, exact - float64(out[i][k])})
		}
	}
	slices.SortStableFunc(rems, func(a, b rem) int { return cmp.Compare(b.r, a.r) })
	for j := 0; given < total && len(rems) > 0; j = (j + 1) % len(rems) {
		out[rems[j].i][rems[j].k]++
		given++
	}
	return out
}

// dayBounds is the part of history day k in which door d can report events:
// before now, and before it went offline for good.
func (w *demoWorld) dayBounds(d *demoDoor, k int) (time.Time, time.Time) {
	from := w.start.Add(time.Duration(k) * 24 * time.Hour)
	to := earliest(from.Add(24*time.Hour), w.now)
	if !d.downAt.IsZero() {
		to = earliest(to, d.downAt)
	}
	return from, to
}

// demoGen makes everyday events.
type demoGen struct{ rng *rand.Rand }

// fill appends n everyday events at door d within [from, to).
func (g demoGen) fill(out []db.SeedEvent, d *demoDoor, from, to time.Time, n int) []db.SeedEvent {
	rng := g.rng
	_, offset := from.In(d.prop.loc).Zone()
	span := to.Sub(from)
	var stays []*demoStay
	for _, s := range d.prop.stays {
		if !s.arrive.IsZero() && s.arrive.Before(to) && s.leave.After(from) {
			stays = append(stays, s)
		}
	}
	cleaner := int64(0)
	if d.prop.cleaner != nil {
		cleaner = d.prop.cleaner.codes[d.id]
	}
	pick := func() (time.Time, *demoStay) {
		for try := 0; ; try++ {
			t := from.Add(time.Duration(rng.Int64N(int64(span))))
			if try < 20 && inSpells(d.offline, t) {
				continue
			}
			var guest *demoStay
			for _, s := range stays {
				if s.occupied(t) {
					guest = s
					break
				}
			}
			hour := ((t.Unix()+int64(offset))%86400 + 86400) % 86400 / 3600
			w := emptyHours[hour] / 1.8
			if guest != nil {
				w = guestHours[hour] / 2.6
			}
			if try >= 20 || rng.Float64() < w {
				return t, guest
			}
		}
	}
	// Each pair's second event falls at most this long after its first; it is
	// kept before to, so a day's events stay within the day.
	const tail = 3 * time.Minute
	at := func(t time.Time, d time.Duration) time.Time { return earliest(t.Add(d), to.Add(-time.Second)) }
	for n > 0 {
		t, guest := pick()
		if span > tail {
			t = earliest(t, to.Add(-tail))
		}
		ev := func(kind, method string, code int64, at time.Time, detail string) {
			if n > 0 {
				out = append(out, db.SeedEvent{LockID: d.id, Kind: kind, Method: method, CodeID: code, At: at, Detail: detail})
				n--
			}
		}
		auto := time.Duration(20+rng.IntN(100)) * time.Second
		r := rng.Float64()
		switch {
		case n == 1:
			ev("locked", []string{"manual", "app", "keypad"}[rng.IntN(3)], 0, t, "")
		case guest != nil && r < 0.62:
			ev("unlocked", "keypad", guest.codes[d.id], t, "")
			ev("locked", "automatic", 0, at(t, auto), "")
		case guest != nil && r < 0.84:
			ev("unlocked", "manual", 0, t, "")
			ev("locked", "manual", 0, at(t, time.Duration(5+rng.IntN(30))*time.Second), "")
		case guest != nil && r < 0.92:
			ev("unlocked", "app", 0, t, "")
			ev("locked", "automatic", 0, at(t, auto), "")
		case guest != nil && r < 0.96:
			ev("unlocked", "fingerprint", 0, t, "")
			ev("locked", "automatic", 0, at(t, auto), "")
		case guest != nil && n >= 3:
			// A typo, then the right code.
			ev("denied", "keypad", 0, t, "wrong code")
			u := at(t, time.Duration(5+rng.IntN(20))*time.Second)
			ev("unlocked", "keypad", guest.codes[d.id], u, "")
			ev("locked", "automatic", 0, at(u, auto), "")
		case guest == nil && cleaner != 0 && r < 0.3:
			ev("unlocked", "keypad", cleaner, t, "")
			ev("locked", "automatic", 0, at(t, auto), "")
		case guest == nil && r < 0.6:
			ev("unlocked", "app", 0, t, "")
			ev("locked", "app", 0, at(t, time.Duration(60+rng.IntN(120))*time.Second), "")
		case guest == nil && r < 0.9:
			ev("unlocked", "manual", 0, t, "")
			ev("locked", "manual", 0, at(t, time.Duration(5+rng.IntN(30))*time.Second), "")
		default:
			ev("unlocked", "key", 0, t, "")
			ev("locked", "manual", 0, at(t, time.Duration(10+rng.IntN(60))*time.Second), "")
		}
	}
	return out
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func inSpells(spells []span, t time.Time) bool {
	for _, s := range spells {
		if s.has(t) {
			return true
		}
	}
	return false
}
