package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// pinsBoundVersion is the schema version from which codes' sealed PINs are
// bound to their rows (pinPurpose); before it they were sealed with "pin".
const pinsBoundVersion = 9

// goSteps are the parts of migrations SQL cannot do, by version, run in the
// migration's transaction after its SQL.
var goSteps = map[int]func(ctx context.Context, d *DB, tx *sql.Tx) error{
	pinsBoundVersion: resealPINs,
}

// errResealNoKey: migration 9 found sealed PINs and the store has no key.
var errResealNoKey = errors.New("db: migration 9 re-seals the door codes and needs the key file: open the database with its key")

// resealPINs re-seals every code's PIN from the bare "pin" purpose to its own
// row's (migration 9).
func resealPINs(ctx context.Context, d *DB, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, "SELECT id, pin_sealed FROM access_codes")
	if err != nil {
		return fmt.Errorf("db: reseal pins: %w", err)
	}
	var old []sealedPIN
	for rows.Next() {
		var p sealedPIN
		if err := rows.Scan(&p.codeID, &p.sealed); err != nil {
			rows.Close()
			return fmt.Errorf("db: reseal pins: %w", err)
		}
		old = append(old, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("db: reseal pins: %w", err)
	}
	if len(old) > 0 && d.aead == nil {
		return errResealNoKey
	}
	for _, p := range old {
		pin, err := d.unseal(p.sealed, "pin")
		if err != nil {
			// Already bound (a database whose version row was rolled back by
			// hand, as tests do): the step is idempotent.
			if _, bound := d.openPIN(p); bound == nil {
				continue
			}
			return fmt.Errorf("db: reseal the PIN of code %d: %w", p.codeID, err)
		}
		sealed, err := d.seal(pin, pinPurpose(p.codeID))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE access_codes SET pin_sealed = ? WHERE id = ?", sealed, p.codeID); err != nil {
			return fmt.Errorf("db: reseal the PIN of code %d: %w", p.codeID, err)
		}
	}
	return nil
}
