package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"filippo.io/age"
)

// backup writes a consistent snapshot of a live database and verifies it;
// with --recipient or --recipients-file it is age-encrypted to them.
func backup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := newFlagSet("backup", &c, stderr)
	var recipients []age.Recipient
	fs.Func("recipient", "encrypt the backup with age to this public key (age1...); repeat for several", func(s string) error {
		r, err := age.ParseRecipients(strings.NewReader(s))
		if err != nil || len(r) != 1 {
			return fmt.Errorf("want one age public key (age1...)")
		}
		recipients = append(recipients, r...)
		return nil
	})
	fs.Func("recipients-file", "encrypt the backup with age to every public key in this file, one a line; repeatable", func(name string) error {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		r, err := age.ParseRecipients(f)
		if err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
		recipients = append(recipients, r...)
		return nil
	})
	if err := fs.parse(&c, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: gatehouse backup [--db PATH] [--recipient age1... | --recipients-file FILE] FILE")
	}
	dest := fs.Arg(0)
	store, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer store.Close()
	if len(recipients) > 0 {
		if err := store.BackupEncrypted(ctx, dest, recipients); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "backup verified (integrity_check ok) and written to %s, age-encrypted to %d recipients\n", dest, len(recipients))
		return nil
	}
	if err := store.Backup(ctx, dest); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written to %s and verified (integrity_check ok)\n", dest)
	return nil
}
