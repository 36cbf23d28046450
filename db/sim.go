package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/domain"
)

// The simulator's state (sim_locks, sim_codes, sim_events) is what a simulated lock
// holds in its own memory. It lives here so that it survives restarts, like a real
// lock's memory survives Gatehouse going down. The rules of the lock (what opens the
// door, when safe mode starts) live in lock/sim; this file only stores.

// Sim code states.
const (
	SimSetting  = "setting"  // sent, not yet on the lock
	SimSet      = "set"      // on the lock; the keypad knows it
	SimRemoving = "removing" // removal sent, not yet done
)

// SimLock is one simulated lock.
type SimLock struct {
	DeviceID      string
	Name          string
	Online        bool
	Battery       float64 // 0..1
	Firmware      string
	Slots         int
	TimeZone      string
	Locked        bool
	WrongInARow   int       // wrong keypad entries since the last good one
	SafeModeUntil time.Time // zero: never in safe mode
	CreatedAt     time.Time
}

// SimCode is a code held (or on its way to or off) a simulated lock. The PIN is
// sealed at rest with purpose "sim-pin" and unsealed on read.
type SimCode struct {
	CodeID    string
	DeviceID  string
	Name      string
	PIN       string
	StartsAt  time.Time // both zero: permanent
	EndsAt    time.Time
	State     string    // SimSetting, SimSet, SimRemoving
	ReadyAt   time.Time // when a pending set or removal completes
	CreatedAt time.Time
}

// SimEvent is one entry in a simulated lock's event log. Seq orders the log.
type SimEvent struct {
	Seq      int64
	DeviceID string
	Kind     domain.EventKind
	Method   domain.Method
	CodeID   string
	At       time.Time
	Detail   string // never a PIN
}

const simPINPurpose = "sim-pin"

const simLockCols = "device_id, name, online, battery, firmware, slots, time_zone, locked, wrong_in_a_row, safe_mode_until, created_at"

func scanSimLock(row interface{ Scan(...any) error }) (SimLock, error) {
	var l SimLock
	var safe, created sql.NullInt64
	err := row.Scan(&l.DeviceID, &l.Name, &l.Online, &l.Battery, &l.Firmware, &l.Slots, &l.TimeZone, &l.Locked,
		&l.WrongInARow, &safe, &created)
	l.SafeModeUntil, l.CreatedAt = fromUnix(safe), fromUnix(created)
	return l, err
}

const simCodeCols = "code_id, device_id, name, pin_sealed, starts_at, ends_at, state, ready_at, created_at"

func (d *DB) scanSimCode(row interface{ Scan(...any) error }) (SimCode, error) {
	var c SimCode
	var sealed []byte
	var starts, ends, ready, created sql.NullInt64
	if err := row.Scan(&c.CodeID, &c.DeviceID, &c.Name, &sealed, &starts, &ends, &c.State, &ready, &created); err != nil {
		return SimCode{}, err
	}
	c.StartsAt, c.EndsAt, c.ReadyAt, c.CreatedAt = fromUnix(starts), fromUnix(ends), fromUnix(ready), fromUnix(created)
	pin, err := d.unseal(sealed, simPINPurpose)
	if err != nil {
		return SimCode{}, err
	}
	c.PIN = pin
	return c, nil
}

const simEventCols = "seq, device_id, kind, method, code_id, at, detail"

func scanSimEvent(row interface{ Scan(...any) error }) (SimEvent, error) {
	var e SimEvent
	var at sql.NullInt64
	err := row.Scan(&e.Seq, &e.DeviceID, &e.Kind, &e.Method, &e.CodeID, &at, &e.Detail)
	e.At = fromUnix(at)
	return e, err
}

type rowQuerier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// CreateSimLock stores a new simulated lock; CreatedAt is set from the store's clock.
func (d *DB) CreateSimLock(ctx context.Context, l SimLock) (SimLock, error) {
	var out SimLock
	err := d.tx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = scanSimLock(tx.QueryRowContext(ctx, `INSERT INTO sim_locks (device_id, name, online, battery, firmware,
			slots, time_zone, locked, wrong_in_a_row, safe_mode_until, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+simLockCols,
			l.DeviceID, l.Name, l.Online, l.Battery, l.Firmware, l.Slots, l.TimeZone, l.Locked, l.WrongInARow,
			nullUnix(l.SafeModeUntil), unix(d.now())))
		if err != nil {
			return fmt.Errorf("db: create sim lock: %w", err)
		}
		return nil
	})
	return out, err
}

func simLock(ctx context.Context, q rowQuerier, deviceID string) (SimLock, error) {
	l, err := scanSimLock(q.QueryRowContext(ctx, "SELECT "+simLockCols+" FROM sim_locks WHERE device_id = ?", deviceID))
	if errors.Is(err, sql.ErrNoRows) {
		return SimLock{}, ErrNotFound
	}
	if err != nil {
		return SimLock{}, fmt.Errorf("db: sim lock %s: %w", deviceID, err)
	}
	return l, nil
}

// SimLocks lists every simulated lock, oldest first.
func (d *DB) SimLocks(ctx context.Context) ([]SimLock, error) {
	rows, err := d.r.QueryContext(ctx, "SELECT "+simLockCols+" FROM sim_locks ORDER BY created_at, device_id")
	if err != nil {
		return nil, fmt.Errorf("db: list sim locks: %w", err)
	}
	defer rows.Close()
	var out []SimLock
	for rows.Next() {
		l, err := scanSimLock(rows)
		if err != nil {
			return nil, fmt.Errorf("db: scan sim lock: %w", err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: list sim locks: %w", err)
	}
	return out, nil
}

// SimCodes lists a simulated lock's codes, oldest first.
func (d *DB) SimCodes(ctx context.Context, deviceID string) ([]SimCode, error) {
	return d.simCodes(ctx, d.r, deviceID)
}

func (d *DB) simCodes(ctx context.Context, q rowQuerier, deviceID string) ([]SimCode, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+simCodeCols+" FROM sim_codes WHERE device_id = ? ORDER BY created_at, code_id", deviceID)
	if err != nil {
		return nil, fmt.Errorf("db: list sim codes: %w", err)
	}
	defer rows.Close()
	var out []SimCode
	for rows.Next() {
		c, err := d.scanSimCode(rows)
		if err != nil {
			return nil, fmt.Errorf("db: scan sim code: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: list sim codes: %w", err)
	}
	return out, nil
}

// SimEvents returns up to limit events of a lock with seq > afterSeq, oldest first.
//
// Paging by seq never skips an event: seq comes from AUTOINCREMENT inside write
// transactions, and SQLite has one writer, so a transaction holding a smaller seq
// always commits before a larger seq exists. (A PostgreSQL port of the simulator
// would need more than this.)
func (d *DB) SimEvents(ctx context.Context, deviceID string, afterSeq int64, limit int) ([]SimEvent, error) {
	rows, err := d.r.QueryContext(ctx, "SELECT "+simEventCols+` FROM sim_events
		WHERE device_id = ? AND seq > ? ORDER BY seq LIMIT ?`, deviceID, afterSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("db: list sim events: %w", err)
	}
	defer rows.Close()
	var out []SimEvent
	for rows.Next() {
		e, err := scanSimEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("db: scan sim event: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: list sim events: %w", err)
	}
	return out, nil
}

// SetSimBattery sets a lock's battery level (0..1), as when its batteries are replaced.
func (d *DB) SetSimBattery(ctx context.Context, deviceID string, level float64) error {
	return d.SimUpdate(ctx, func(t *SimTx) error { return t.SetBattery(ctx, deviceID, level) })
}

// SimTx is one IMMEDIATE transaction over the simulator's tables. The simulator
// reads a lock's state, applies its rules and writes the outcome through one SimTx,
// so that two keypad presses or two code changes never interleave: the second sees
// what the first wrote.
type SimTx struct {
	d  *DB
	tx *sql.Tx
}

// SimUpdate runs fn in one IMMEDIATE transaction and commits when fn returns nil.
// An error from fn is returned as is, so callers can return their own typed errors.
// fn must not block: the write connection is held for its whole run.
func (d *DB) SimUpdate(ctx context.Context, fn func(*SimTx) error) error {
	return d.tx(ctx, func(tx *sql.Tx) error { return fn(&SimTx{d: d, tx: tx}) })
}

// Lock returns a lock as the transaction sees it, or ErrNotFound.
func (t *SimTx) Lock(ctx context.Context, deviceID string) (SimLock, error) {
	return simLock(ctx, t.tx, deviceID)
}

// Codes returns a lock's codes as the transaction sees them, oldest first.
func (t *SimTx) Codes(ctx context.Context, deviceID string) ([]SimCode, error) {
	return t.d.simCodes(ctx, t.tx, deviceID)
}

// InsertCode stores a new code, sealing its PIN. CreatedAt is set from the store's clock.
func (t *SimTx) InsertCode(ctx context.Context, c SimCode) error {
	sealed, err := t.d.seal(c.PIN, simPINPurpose)
	if err != nil {
		return err
	}
	_, err = t.tx.ExecContext(ctx, `INSERT INTO sim_codes (code_id, device_id, name, pin_sealed, starts_at, ends_at,
		state, ready_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.CodeID, c.DeviceID, c.Name, sealed, nullUnix(c.StartsAt), nullUnix(c.EndsAt), c.State, unix(c.ReadyAt),
		unix(t.d.now()))
	if err != nil {
		return fmt.Errorf("db: insert sim code: %w", err)
	}
	return nil
}

// SetCodeState moves a code to state, completing at readyAt. ErrNotFound when the
// code is not on that lock.
func (t *SimTx) SetCodeState(ctx context.Context, deviceID, codeID, state string, readyAt time.Time) error {
	res, err := t.tx.ExecContext(ctx, "UPDATE sim_codes SET state = ?, ready_at = ? WHERE device_id = ? AND code_id = ?",
		state, unix(readyAt), deviceID, codeID)
	return rowsOne(res, err, "update sim code")
}

// DeleteCode removes a code from a lock. ErrNotFound when it is not there.
func (t *SimTx) DeleteCode(ctx context.Context, deviceID, codeID string) error {
	res, err := t.tx.ExecContext(ctx, "DELETE FROM sim_codes WHERE device_id = ? AND code_id = ?", deviceID, codeID)
	return rowsOne(res, err, "delete sim code")
}

// AppendEvent adds an event to a lock's log and returns its seq.
func (t *SimTx) AppendEvent(ctx context.Context, e SimEvent) (int64, error) {
	var seq int64
	err := t.tx.QueryRowContext(ctx, `INSERT INTO sim_events (device_id, kind, method, code_id, at, detail)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING seq`, e.DeviceID, e.Kind, e.Method, e.CodeID, unix(e.At), e.Detail).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("db: append sim event: %w", err)
	}
	return seq, nil
}

// SetOnline marks a lock online or offline.
func (t *SimTx) SetOnline(ctx context.Context, deviceID string, online bool) error {
	res, err := t.tx.ExecContext(ctx, "UPDATE sim_locks SET online = ? WHERE device_id = ?", online, deviceID)
	return rowsOne(res, err, "set sim lock online")
}

// SetBattery sets a lock's battery level (0..1).
func (t *SimTx) SetBattery(ctx context.Context, deviceID string, level float64) error {
	res, err := t.tx.ExecContext(ctx, "UPDATE sim_locks SET battery = ? WHERE device_id = ?", level, deviceID)
	return rowsOne(res, err, "set sim lock battery")
}

// SetKeypad stores the keypad's memory and the bolt after an attempt: wrong entries in
// a row, the end of safe mode (zero: none) and whether the door is locked.
func (t *SimTx) SetKeypad(ctx context.Context, deviceID string, wrongInARow int, safeModeUntil time.Time, locked bool) error {
	res, err := t.tx.ExecContext(ctx, "UPDATE sim_locks SET wrong_in_a_row = ?, safe_mode_until = ?, locked = ? WHERE device_id = ?",
		wrongInARow, nullUnix(safeModeUntil), locked, deviceID)
	return rowsOne(res, err, "set sim keypad state")
}

// rowsOne turns an Exec that should touch exactly one row into an error.
func rowsOne(res sql.Result, err error, what string) error {
	if err != nil {
		return fmt.Errorf("db: %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("db: %s: %w", what, err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}
