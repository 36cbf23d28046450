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
