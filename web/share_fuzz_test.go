package web

import (
	"encoding/base64"
	"testing"

	"github.com/gatehouse/gatehouse/db"
)

// FuzzShareToken: a token is accepted exactly when it is the canonical
// encoding of 16 bytes, so every token Gatehouse makes passes, and nothing
// else reaches the database.
func FuzzShareToken(f *testing.F) {
	f.Add(db.NewToken(16), []byte("0123456789abcdef"))
	f.Add("AAAAAAAAAAAAAAAAAAAAAA", []byte{})
	f.Add("AAAAAAAAAAAAAAAAAAAAAB", []byte{0xff}) // stray bits in the last character
	f.Add("AAAAAAAAAAAAAAAAAAAAA=", []byte{})
	f.Add("AAAAAAAAAAAAAAAAAAAA+/", []byte{})
	f.Add("ÄAAAAAAAAAAAAAAAAAAAA", []byte{})
	f.Fuzz(func(t *testing.T, token string, raw []byte) {
		if shareTokenValid(token) {
			dec, err := base64.RawURLEncoding.DecodeString(token)
			if err != nil || len(dec) != 16 {
				t.Fatalf("accepted %q: decodes to %d bytes, %v", token, len(dec), err)
			}
			if again := base64.RawURLEncoding.EncodeToString(dec); again != token {
				t.Fatalf("accepted %q, which is not canonical (%q)", token, again)
			}
		}
		if len(raw) == 16 {
			if tok := base64.RawURLEncoding.EncodeToString(raw); !shareTokenValid(tok) {
				t.Fatalf("refused %q, the encoding of 16 bytes", tok)
			}
		}
	})
}
