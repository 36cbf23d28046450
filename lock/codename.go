package lock

import (
	"strconv"
	"strings"
	"unicode"
)

// maxCodeName is how many runes of a code's name go on the lock.
const maxCodeName = 40

// CodeName is the name a code carries on the lock: its label, then a marker made
// from its id ("Cleaner · gh-42"), within maxCodeName runes. The label is cut, never
// the marker, which is how a code is recognised as ours (ParseMarker).
func CodeName(label string, id int64) string {
	marker := "gh-" + strconv.FormatInt(id, 10)
	label = strings.Join(strings.FieldsFunc(label, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }), " ")
	room := maxCodeName - len([]rune(marker)) - len([]rune(" · "))
	if label == "" || room < 1 {
		return marker
	}
	if rs := []rune(label); len(rs) > room {
		label = strings.TrimSpace(string(rs[:room]))
	}
	return label + " · " + marker
}

// ParseMarker returns the code id in a name made by CodeName: the "gh-<digits>"
// that ends it, not glued to a letter or digit before it.
func ParseMarker(name string) (int64, bool) {
	name = strings.TrimSpace(name)
	i := strings.LastIndex(name, "gh-")
	if i < 0 {
		return 0, false
	}
	digits := name[i+len("gh-"):]
	if digits == "" || len(digits) > 18 || strings.Trim(digits, "0123456789") != "" {
		return 0, false
	}
	if i > 0 {
		if r := []rune(name[:i]); unicode.IsLetter(r[len(r)-1]) || unicode.IsDigit(r[len(r)-1]) {
			return 0, false
		}
	}
	id, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}
