package demo

import (
	"cmp"
	"iter"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
)

// ---- The events ----

// Hourly activity, by local hour: when guests come and go, and when the
// owner, the cleaner and deliveries do while nobody stays.
var (
	guestHours = [24]float64{0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.6, 1.6, 2.4, 2.0, 1.4, 1.1, 1.2, 1.2, 1.3, 1.5, 1.8, 2.4, 2.6, 2.2, 1.7, 1.3, 0.9, 0.5}
	emptyHours = [24]float64{0.02, 0.01, 0.01, 0.01, 0.01, 0.02, 0.1, 0.5, 1.2, 1.6, 1.8, 1.8, 1.5, 1.6, 1.7, 1.6, 1.3, 1.0, 0.6, 0.3, 0.2, 0.1, 0.05, 0.03}
)

// Events streams the story's events merged with everyday comings and goings,
// day by day, oldest first, exactly Options.Events of them.
func (w *World) Events() iter.Seq[db.SeedEvent] {
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
		g := gen{rng: rand.New(rand.NewPCG(w.o.Seed+1, w.o.Seed^0x6576656e7473))}
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
func (w *World) dayBounds(d *door, k int) (time.Time, time.Time) {
	from := w.start.Add(time.Duration(k) * 24 * time.Hour)
	to := earliest(from.Add(24*time.Hour), w.now)
	if !d.downAt.IsZero() {
		to = earliest(to, d.downAt)
	}
	return from, to
}

// gen makes everyday events.
type gen struct{ rng *rand.Rand }

// fill appends n everyday events at door d within [from, to).
func (g gen) fill(out []db.SeedEvent, d *door, from, to time.Time, n int) []db.SeedEvent {
	rng := g.rng
	_, offset := from.In(d.prop.loc).Zone()
	span := to.Sub(from)
	var stays []*stay
	for _, s := range d.prop.stays {
		if !s.arrive.IsZero() && s.arrive.Before(to) && s.leave.After(from) {
			stays = append(stays, s)
		}
	}
	cleaner := int64(0)
	if d.prop.cleaner != nil {
		cleaner = d.prop.cleaner.codes[d.id]
	}
	pick := func() (time.Time, *stay) {
		for try := 0; ; try++ {
			t := from.Add(time.Duration(rng.Int64N(int64(span))))
			if try < 20 && inSpells(d.offline, t) {
				continue
			}
			var guest *stay
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
		ev := func(kind domain.EventKind, method domain.Method, code int64, at time.Time, detail string) {
			if n > 0 {
				out = append(out, db.SeedEvent{LockID: d.id, Kind: kind, Method: method, CodeID: code, At: at, Detail: detail})
				n--
			}
		}
		auto := time.Duration(20+rng.IntN(100)) * time.Second
		r := rng.Float64()
		switch {
		case n == 1:
			ev(domain.EventLocked, []domain.Method{domain.MethodManual, domain.MethodApp, domain.MethodKeypad}[rng.IntN(3)], 0, t, "")
		case guest != nil && r < 0.62:
			ev(domain.EventUnlocked, domain.MethodKeypad, guest.codes[d.id], t, "")
			ev(domain.EventLocked, domain.MethodAutomatic, 0, at(t, auto), "")
		case guest != nil && r < 0.84:
			ev(domain.EventUnlocked, domain.MethodManual, 0, t, "")
			ev(domain.EventLocked, domain.MethodManual, 0, at(t, time.Duration(5+rng.IntN(30))*time.Second), "")
		case guest != nil && r < 0.92:
			ev(domain.EventUnlocked, domain.MethodApp, 0, t, "")
			ev(domain.EventLocked, domain.MethodAutomatic, 0, at(t, auto), "")
		case guest != nil && r < 0.96:
			ev(domain.EventUnlocked, domain.MethodFingerprint, 0, t, "")
			ev(domain.EventLocked, domain.MethodAutomatic, 0, at(t, auto), "")
		case guest != nil && n >= 3:
			// A typo, then the right code.
			ev(domain.EventDenied, domain.MethodKeypad, 0, t, "wrong code")
			u := at(t, time.Duration(5+rng.IntN(20))*time.Second)
			ev(domain.EventUnlocked, domain.MethodKeypad, guest.codes[d.id], u, "")
			ev(domain.EventLocked, domain.MethodAutomatic, 0, at(u, auto), "")
		case guest == nil && cleaner != 0 && r < 0.3:
			ev(domain.EventUnlocked, domain.MethodKeypad, cleaner, t, "")
			ev(domain.EventLocked, domain.MethodAutomatic, 0, at(t, auto), "")
		case guest == nil && r < 0.6:
			ev(domain.EventUnlocked, domain.MethodApp, 0, t, "")
			ev(domain.EventLocked, domain.MethodApp, 0, at(t, time.Duration(60+rng.IntN(120))*time.Second), "")
		case guest == nil && r < 0.9:
			ev(domain.EventUnlocked, domain.MethodManual, 0, t, "")
			ev(domain.EventLocked, domain.MethodManual, 0, at(t, time.Duration(5+rng.IntN(30))*time.Second), "")
		default:
			ev(domain.EventUnlocked, domain.MethodKey, 0, t, "")
			ev(domain.EventLocked, domain.MethodManual, 0, at(t, time.Duration(10+rng.IntN(60))*time.Second), "")
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
