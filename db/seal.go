package db

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"strconv"
)

// KeySize is the length of the key that seals codes and API keys at rest (AES-256).
const KeySize = 32

// LoadOrCreateKey reads the key file, creating it with a fresh random key and mode
// 0600 on first start. The key lives outside the database so that a copy of the
// database alone reveals no door code.
func LoadOrCreateKey(path string) ([]byte, error) {
	key, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key = make([]byte, KeySize)
		rand.Read(key)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("db: create key file: %w", err)
		}
		if _, err := f.Write(key); err != nil {
			f.Close()
			return nil, fmt.Errorf("db: write key file: %w", err)
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, fmt.Errorf("db: sync key file: %w", err)
		}
		return key, f.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("db: read key file: %w", err)
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("db: key file %s holds %d bytes, want %d", path, len(key), KeySize)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("db: key file %s is readable by others (mode %o): chmod 600 it", path, fi.Mode().Perm())
	}
	return key, nil
}

// WithKey gives the store the key that seals PINs and API keys.
func WithKey(key []byte) Option {
	return func(d *DB) {
		block, err := aes.NewCipher(key)
		if err != nil {
			d.aeadErr = fmt.Errorf("db: key: %w", err)
			return
		}
		d.aead, d.aeadErr = cipher.NewGCM(block)
	}
}

var errNoKey = errors.New("db: no encryption key configured")

// pinPurpose is the additional data a code's sealed PIN is bound to: its own
// row. A sealed PIN copied into another code's row (by someone who can write
// the database file but has no key) then fails to unseal instead of giving
// that code the copied PIN. Migration 9 (resealPINs) re-sealed the codes that
// were sealed with the bare "pin" before.
func pinPurpose(codeID int64) string { return "pin/" + strconv.FormatInt(codeID, 10) }

// sealedPIN is a code's sealed PIN with the id it is bound to.
type sealedPIN struct {
	codeID int64
	sealed []byte
}

func (d *DB) openPIN(p sealedPIN) (string, error) { return d.unseal(p.sealed, pinPurpose(p.codeID)) }

// seal encrypts a secret; the random nonce is stored in front of the ciphertext.
// The purpose string is bound as additional data, so a sealed PIN cannot be
// passed off as an API key or moved to another row's purpose.
func (d *DB) seal(plain, purpose string) ([]byte, error) {
	if d.aead == nil {
		return nil, errors.Join(errNoKey, d.aeadErr)
	}
	nonce := make([]byte, d.aead.NonceSize(), d.aead.NonceSize()+len(plain)+d.aead.Overhead())
	rand.Read(nonce)
	return d.aead.Seal(nonce, nonce, []byte(plain), []byte(purpose)), nil
}

func (d *DB) unseal(sealed []byte, purpose string) (string, error) {
	if d.aead == nil {
		return "", errors.Join(errNoKey, d.aeadErr)
	}
	n := d.aead.NonceSize()
	if len(sealed) < n {
		return "", errors.New("db: sealed value too short")
	}
	plain, err := d.aead.Open(nil, sealed[:n], sealed[n:], []byte(purpose))
	if err != nil {
		return "", fmt.Errorf("db: unseal (wrong key file?): %w", err)
	}
	return string(plain), nil
}
