package db

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// NewToken returns a random URL-safe token carrying n bytes of entropy.
func NewToken(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails: crypto/rand panics rather than return short
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken is how every bearer secret (session, invite, share link, API token) is
// stored: a plain SHA-256 suffices because the secrets are random and 128+ bits.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
