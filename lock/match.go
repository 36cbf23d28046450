package lock

import (
	"cmp"
	"log/slog"
	"slices"

	"github.com/gatehouse/gatehouse/db"
)

// matched sorts what a lock reports: our codes (by the device code id we saved,
// else by the marker in the name), extra copies of ours, and foreign codes.
type matched struct {
	ours    map[int64]Code
	extra   []Code
	foreign []Code
}

// match recognises our codes. The device code id we saved is authoritative; the
// marker in the name (see CodeName) finds a code whose creation was not recorded,
// say after a crash between the call and the database write, and it is adopted
// instead of being set again. When the connector discloses PINs, a marked code
// must also carry our PIN: a marker alone could come from another installation.
func (p *lockPass) match(codes []db.AccessCode, reported []Code) (matched, error) {
	m := matched{ours: make(map[int64]Code, len(codes))}
	live := make(map[int64]bool, len(codes))
	byDevice := make(map[string]int64, len(codes))
	for _, c := range codes {
		live[c.ID] = true
		if c.DeviceCodeID != "" {
			byDevice[c.DeviceCodeID] = c.ID
		}
	}
	var marked []Code
	listed := make(map[string]bool, len(reported))
	for _, rc := range reported {
		if rc.ID != "" && listed[rc.ID] {
			continue // listed twice: one code all the same
		}
		listed[rc.ID] = true
		if id, ok := byDevice[rc.ID]; ok && rc.ID != "" {
			m.ours[id] = rc
			continue
		}
		if id, ok := ParseMarker(rc.Name); ok && live[id] {
			marked = append(marked, rc)
			continue
		}
		m.foreign = append(m.foreign, rc)
	}
	// The copy most likely to be working is adopted; any others are extras.
	slices.SortStableFunc(marked, func(a, b Code) int { return cmp.Compare(adoptRank(a.Status), adoptRank(b.Status)) })
	for _, rc := range marked {
		id, _ := ParseMarker(rc.Name)
		if rc.PIN != "" {
			pin, err := p.r.store.CodePIN(p.db, id)
			if err != nil {
				return m, err
			}
			if pin != rc.PIN {
				m.foreign = append(m.foreign, rc)
				continue
			}
		}
		if _, have := m.ours[id]; have {
			m.extra = append(m.extra, rc)
			continue
		}
		p.log.Info("code found on the lock adopted", slog.Int64("code_id", id), slog.String("device_code_id", rc.ID))
		m.ours[id] = rc
	}
	return m, nil
}

func adoptRank(s CodeStatus) int {
	switch s {
	case CodeSet:
		return 0
	case CodeSetting:
		return 1
	case CodeRemoving:
		return 3
	}
	return 2
}
