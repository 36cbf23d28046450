package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"filippo.io/age"

	"github.com/gatehouse/gatehouse/db"
)

// restore puts a backup in place of the database, after checking it, and only
// while no server has the database open.
func restore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := newFlagSet("restore", &c, stderr)
	check := fs.Bool("check", false, "only verify the backup (integrity, schema version, key file); change nothing")
	var identityFiles []string
	fs.Func("identity", "age identity file (AGE-SECRET-KEY-1...) that decrypts an encrypted backup; repeatable", func(s string) error {
		identityFiles = append(identityFiles, s)
		return nil
	})
	if err := fs.parse(&c, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: gatehouse restore [--db PATH] [--key-file FILE] [--identity FILE] [--check] BACKUP")
	}
	backup := fs.Arg(0)
	encrypted, err := db.BackupIsEncrypted(backup)
	if err != nil {
		return err
	}
	switch {
	case encrypted && len(identityFiles) == 0:
		return db.ErrBackupEncrypted
	case !encrypted && len(identityFiles) > 0:
		fmt.Fprintf(stdout, "%s is not encrypted; --identity is not needed\n", backup)
	case encrypted:
		plain, err := decryptBackup(backup, filepath.Dir(c.DB), identityFiles)
		if err != nil {
			return err
		}
		defer os.Remove(plain)
		backup = plain
	}
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
			fs.Arg(0), info.Version, db.SchemaVersion(), keyNote(info, c.KeyFile))
		return nil
	}
	printRestorePlan(ctx, stdout, backup)
	aside, err := db.Restore(ctx, c.DB, backup, key, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s to %s (integrity_check ok)\n", fs.Arg(0), c.DB)
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

// decryptBackup decrypts an age-encrypted backup with the identities in files
// into a temporary 0600 file in dir (beside the database, which holds the
// same plaintext) and returns its name; the caller removes it.
func decryptBackup(backup, dir string, files []string) (string, error) {
	var ids []age.Identity
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return "", fmt.Errorf("read identity file: %w", err)
		}
		got, err := age.ParseIdentities(f)
		f.Close()
		if err != nil {
			return "", fmt.Errorf("identity file %s: %v", name, err)
		}
		ids = append(ids, got...)
	}
	return db.DecryptBackup(backup, dir, ids...)
}

// printRestorePlan says, before the restore acts, what it will end so that
// the backup cannot bring it back (see db.Restore). A backup it cannot read is
// left for Restore to refuse with its own reason.
func printRestorePlan(ctx context.Context, stdout io.Writer, backup string) {
	plan, err := db.PlanRestore(ctx, backup)
	if err != nil {
		return
	}
	when := "an unknown time"
	if !plan.BackupAt.IsZero() {
		when = plan.BackupAt.Local().Format("2 Jan 2006 15:04 MST")
	}
	fmt.Fprintf(stdout, "This restores a backup of %s (its newest activity). So that it brings back nothing ended since, it:\n"+
		"  - signs out every session (%d session%s in the backup): everyone signs in again with their passkey;\n"+
		"  - suspends %d API token%s until an admin enables each again in Settings → API tokens;\n"+
		"  - pauses %d share link%s not yet revealed in the backup, until an admin resumes or reissues each;\n"+
		"  - and the home page says the data was restored from this backup.\n",
		when, plan.Sessions, plural(plan.Sessions), plan.APITokens, plural(plan.APITokens), plan.Links, plural(plan.Links))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
