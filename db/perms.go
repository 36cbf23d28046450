package db

import (
	"errors"
	"fmt"
	"os"
)

// The database holds guest names, notes, stay windows and passphrase hashes,
// so its files are the owner's alone (mode 0600), like the key file.
//
// SQLite creates a new database file with mode 0644 and then fchmods it to
// that mode, so neither a tighter umask nor a looser one changes it; its -wal,
// -shm and -journal files take the mode of the database file, by the same
// fchmod. Creating the database file 0600 before SQLite opens it therefore makes
// every file SQLite creates beside it 0600 too, whatever the umask.

const fileMode = 0o600

// ownerOnly creates path with mode 0600 if it does not exist, and narrows it,
// and any -wal and -shm beside it, to 0600 if an older Gatehouse left them
// readable by others (SQLite copies the mode only when it creates a file).
func ownerOnly(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, fileMode)
	if err != nil {
		return fmt.Errorf("db: open %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("db: open %s: %w", path, err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("db: %w", err)
		}
		if fi.Mode().Perm()&^fileMode == 0 {
			continue
		}
		if err := os.Chmod(p, fileMode); err != nil {
			return fmt.Errorf("db: make %s readable by its owner only: %w", p, err)
		}
	}
	return nil
}

// createOwnerOnly creates path, which must not exist, as an empty file with
// mode 0600, for SQLite to write into (VACUUM INTO accepts an empty file).
// Its callers add the package prefix.
func createOwnerOnly(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fileMode)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s already exists", path)
	}
	if err != nil {
		return err
	}
	return f.Close()
}
