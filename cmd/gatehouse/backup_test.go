package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/gatehouse/gatehouse/db"
)

// backup --recipient writes an age file that restore --identity puts back;
// restore refuses it clearly without the identity or with the wrong one.
func TestEncryptedBackupCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	live, keyFile := filepath.Join(dir, "live.db"), filepath.Join(dir, "live.key")
	ids := map[string]*age.X25519Identity{}
	for _, name := range []string{"owner", "vault", "stranger"} {
		id, err := age.GenerateX25519Identity()
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = id
		if err := os.WriteFile(filepath.Join(dir, name+".txt"), []byte("# "+name+"\n"+id.String()+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	recipients := filepath.Join(dir, "recipients.txt")
	os.WriteFile(recipients, []byte("# the vault\n"+ids["vault"].Recipient().String()+"\n"), 0o600)

	cmd := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, args, &out, &errOut)
		return out.String() + errOut.String(), err
	}
	enc := filepath.Join(dir, "backup.db.age")
	out, err := cmd("backup", "--db", live, "--recipient", ids["owner"].Recipient().String(), "--recipients-file", recipients, enc)
	if err != nil {
		t.Fatalf("backup --recipient: %v\n%s", err, out)
	}
	if !strings.Contains(out, "age-encrypted to 2 recipients") {
		t.Errorf("backup said %q, want it to name the encryption", out)
	}
	if fi, err := os.Stat(enc); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("encrypted backup: %v, mode %v, want 0600", err, fi)
	}
	if _, err := cmd("backup", "--db", live, "--recipient", "age1nonsense", filepath.Join(dir, "x.age")); err == nil || !strings.Contains(err.Error(), "recipient") {
		t.Errorf("backup with a malformed recipient: got %v, want an error naming --recipient", err)
	}

	target := filepath.Join(dir, "restored.db")
	restore := func(extra ...string) (string, error) {
		return cmd(append(append([]string{"restore", "--db", target, "--key-file", keyFile}, extra...), enc)...)
	}
	if _, err := restore(); !errors.Is(err, db.ErrBackupEncrypted) || !strings.Contains(err.Error(), "--identity") {
		t.Errorf("restore without --identity: got %v, want ErrBackupEncrypted naming --identity", err)
	}
	if _, err := restore("--identity", filepath.Join(dir, "stranger.txt")); !errors.Is(err, db.ErrBackupIdentity) {
		t.Errorf("restore with the wrong identity: got %v, want ErrBackupIdentity", err)
	}
	if _, err := restore("--identity", filepath.Join(dir, "missing.txt")); err == nil || !strings.Contains(err.Error(), "missing.txt") {
		t.Errorf("restore with a missing identity file: got %v, want an error naming it", err)
	}
	if out, err := restore("--check", "--identity", filepath.Join(dir, "vault.txt")); err != nil || !strings.Contains(out, "integrity_check ok") {
		t.Errorf("restore --check --identity: %v\n%s", err, out)
	}
	if _, err := os.Stat(target); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("restore --check made %s: %v", target, err)
	}
	if out, err := restore("--identity", filepath.Join(dir, "owner.txt")); err != nil {
		t.Fatalf("restore --identity: %v\n%s", err, out)
	}
	if err := db.CheckIntegrity(ctx, target); err != nil {
		t.Error(err)
	}
	// The decrypted copy made on the way is gone.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}
