package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gatehouse/gatehouse/db"
)

// restore puts a backup in place of the database, after checking it, and only
// while no server has the database open.
func restore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := newFlagSet("restore", &c, stderr)
	check := fs.Bool("check", false, "only verify the backup (integrity, schema version, key file); change nothing")
	if err := fs.parse(&c, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: gatehouse restore [--db PATH] [--key-file FILE] [--check] BACKUP")
	}
	backup := fs.Arg(0)
	key, err := os.ReadFile(c.KeyFile)
	switch {
	case errors.Is(err, os.ErrNotExist):
		key = nil // CheckBackup refuses a backup with sealed secrets
	case err != nil:
		return fmt.Errorf("read key file: %w", err)
	case len(key) != db.KeySize:
		return fmt.Errorf("key file %s holds %d bytes, want %d", c.KeyFile, len(key), db.KeySize)
	}
	if *check {
		info, err := db.CheckBackup(ctx, backup, key)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: integrity_check ok, schema version %d (this Gatehouse: %d), key file %s\n",
			backup, info.Version, db.SchemaVersion(), keyNote(info, c.KeyFile))
		return nil
	}
	aside, err := db.Restore(ctx, c.DB, backup, key, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s to %s (integrity_check ok)\n", backup, c.DB)
	if aside != "" {
		fmt.Fprintf(stdout, "the old database is kept as %s\n", aside)
	}
	return nil
}

func keyNote(info db.BackupInfo, keyFile string) string {
	if !info.Sealed {
		return "not needed (no sealed codes or API keys)"
	}
	return keyFile + " opens its codes"
}
