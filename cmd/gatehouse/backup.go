package main

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// backup writes a consistent snapshot of a live database and verifies it.
func backup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := newFlagSet("backup", &c, stderr)
	if err := fs.parse(&c, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: gatehouse backup [--db PATH] FILE")
	}
	dest := fs.Arg(0)
	store, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Backup(ctx, dest); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written to %s and verified (integrity_check ok)\n", dest)
	return nil
}
