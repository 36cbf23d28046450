package db

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"filippo.io/age"
)

// Backups can be encrypted with age (filippo.io/age) to one or more
// recipients, so that a copy on a backup disk or in a cloud bucket does not
// hand over guest names, notes and stay windows. The file is the age format
// itself: the age command line decrypts it too.

var (
	// ErrBackupEncrypted: the backup is age-encrypted and must be decrypted
	// with an identity (restore --identity) first.
	ErrBackupEncrypted = errors.New("db: the backup is age-encrypted: give the identity file whose recipient it was made for (restore --identity FILE)")
	// ErrBackupIdentity: none of the identities given opens the backup.
	ErrBackupIdentity = errors.New("db: none of the identities given opens this backup: use the identity file whose recipient it was made for")
)

// ageHeader begins every binary age file (age-encryption.org/v1).
var ageHeader = []byte("age-encryption.org/")

// BackupIsEncrypted reports whether the backup at path is an age file.
func BackupIsEncrypted(path string) (bool, error) {
	enc, err := isAgeFile(path)
	if err != nil {
		return false, fmt.Errorf("db: backup: %w", err)
	}
	return enc, nil
}

// isAgeFile reports whether the file at path begins like an age file.
func isAgeFile(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	head := make([]byte, len(ageHeader))
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return false, err
	}
	return bytes.Equal(head[:n], ageHeader), nil
}

// BackupEncrypted writes a verified snapshot, as Backup does, encrypted to
// every recipient, to path (mode 0600; it must not exist yet). The plaintext
// snapshot lives only for the moment it takes to check and encrypt it, in the
// database's own directory, which holds the plaintext database anyway.
func (d *DB) BackupEncrypted(ctx context.Context, path string, recipients []age.Recipient) (err error) {
	if len(recipients) == 0 {
		return errors.New("db: encrypted backup: no recipients")
	}
	if err := createOwnerOnly(path); err != nil {
		return fmt.Errorf("db: encrypted backup: %w", err)
	}
	defer func() {
		if err != nil {
			os.Remove(path)
		}
	}()
	plain := filepath.Join(filepath.Dir(d.path), fmt.Sprintf(".%s.backup-%d", filepath.Base(d.path), os.Getpid()))
	os.Remove(plain) // a snapshot left by a crashed backup of this pid
	if err := d.Backup(ctx, plain); err != nil {
		return err
	}
	defer os.Remove(plain)
	in, err := os.Open(plain)
	if err != nil {
		return fmt.Errorf("db: encrypted backup: %w", err)
	}
	defer in.Close()
	out, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("db: encrypted backup: %w", err)
	}
	defer out.Close()
	buf := bufio.NewWriter(out)
	w, err := age.Encrypt(buf, recipients...)
	if err != nil {
		return fmt.Errorf("db: encrypted backup: %w", err)
	}
	if _, err := io.Copy(w, in); err != nil {
		return fmt.Errorf("db: encrypted backup: %w", err)
	}
	if err := w.Close(); err != nil { // writes the last chunk and its tag
		return fmt.Errorf("db: encrypted backup: %w", err)
	}
	if err := buf.Flush(); err != nil {
		return fmt.Errorf("db: encrypted backup: %w", err)
	}
	if err := out.Sync(); err != nil {
		return fmt.Errorf("db: encrypted backup: sync: %w", err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("db: encrypted backup: %w", err)
	}
	return nil
}

// DecryptBackup decrypts the age-encrypted backup at src into a new file
// (mode 0600) in dir and returns its name; the caller removes it when done.
// It fails with ErrBackupIdentity when no identity opens src and with
// ErrBackupCorrupt when src is damaged or not an age file, leaving nothing.
func DecryptBackup(src, dir string, identities ...age.Identity) (plain string, err error) {
	in, err := os.Open(src)
	if err != nil {
		return "", fmt.Errorf("db: backup: %w", err)
	}
	defer in.Close()
	r, err := age.Decrypt(bufio.NewReader(in), identities...)
	var noMatch *age.NoIdentityMatchError
	switch {
	case errors.As(err, &noMatch):
		return "", ErrBackupIdentity
	case err != nil:
		return "", fmt.Errorf("%w: %w", ErrBackupCorrupt, err)
	}
	out, err := os.CreateTemp(dir, ".gatehouse-restore-*.db") // mode 0600
	if err != nil {
		return "", fmt.Errorf("db: backup: %w", err)
	}
	defer func() {
		out.Close()
		if err != nil {
			os.Remove(out.Name())
		}
	}()
	// age authenticates each 64 KiB chunk as it is read, so a damaged or
	// truncated file fails here, before anything trusts the copy.
	if _, err := io.Copy(out, r); err != nil {
		return "", fmt.Errorf("%w: %w", ErrBackupCorrupt, err)
	}
	if err := out.Sync(); err != nil {
		return "", fmt.Errorf("db: backup: sync: %w", err)
	}
	if err := out.Close(); err != nil {
		return "", fmt.Errorf("db: backup: %w", err)
	}
	return out.Name(), nil
}
