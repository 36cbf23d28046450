package web

import (
	"strconv"
	"strings"
)

// plural counts things in words: "1 code", "3 codes".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// firstName greets a guest by the first word of their name.
func firstName(name string) string {
	if f := strings.Fields(name); len(f) > 0 {
		return f[0]
	}
	return "there"
}
