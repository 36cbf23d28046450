package domain

import "time"

// InBurst marks a lock's denied events that are in a burst: inside some span
// of BurstWindow (both ends included) that holds BurstCount or more of them.
// at must be in ascending order; the answer has one entry per event. The
// store gathers the lock's denied events near a batch and stores what this
// decides.
func InBurst(at []time.Time) []bool {
	in := make([]bool, len(at))
	marked := -1 // the highest index marked so far: each is marked once
	j := 0
	for i := range at {
		for j+1 < len(at) && !at[j+1].After(at[i].Add(BurstWindow)) {
			j++
		}
		if j-i+1 < BurstCount {
			continue
		}
		for k := max(i, marked+1); k <= j; k++ {
			in[k] = true
		}
		marked = j
	}
	return in
}

// BurstTracker is InBurst for a caller that streams a lock's denied events
// in ascending time order and cannot hold them all (the demo seeder's
// millions of events). The zero value is ready.
type BurstTracker struct {
	recent []time.Time // the events within BurstWindow of the latest
}

// Add takes the next denied event. recent is how many of the latest events,
// it included, lie within BurstWindow of it; burst is whether they are a
// burst (BurstCount or more), in which case every one of them is in a burst
// by InBurst.
func (b *BurstTracker) Add(at time.Time) (recent int, burst bool) {
	from := at.Add(-BurstWindow)
	i := 0
	for i < len(b.recent) && b.recent[i].Before(from) {
		i++
	}
	b.recent = append(b.recent[:copy(b.recent, b.recent[i:])], at)
	return len(b.recent), len(b.recent) >= BurstCount
}
