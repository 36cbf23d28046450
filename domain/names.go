package domain

import (
	"strings"
	"unicode/utf8"
)

// CheckName trims a display name, label or nickname and checks it: required, at
// most 60 characters, no control characters. It returns the trimmed value and
// the message for the owner, empty when the name is fine; what names the field
// in that message ("the guest's name").
func CheckName(v, what string) (string, string) {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return v, "Enter " + what + "."
	case utf8.RuneCountInString(v) > 60:
		return v, "Keep " + what + " to 60 characters or fewer."
	case !utf8.ValidString(v) || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return v, "Use letters, numbers and punctuation only."
	}
	return v, ""
}

// CheckNote checks a guest's note (how to reach them): optional, short. It
// returns the message for the owner, empty when the note is fine.
func CheckNote(note string) string {
	switch {
	case utf8.RuneCountInString(note) > 500:
		return "Keep the note to 500 characters or fewer."
	case !utf8.ValidString(note):
		return "Use letters, numbers and punctuation only."
	}
	return ""
}
