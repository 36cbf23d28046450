package db

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Guest is someone an owner lets in.
type Guest struct {
	ID        int64
	Name      string
	Note      string
	CreatedAt time.Time
}

const guestCols = "id, name, note, created_at"

func scanGuest(row interface{ Scan(...any) error }) (Guest, error) {
	var g Guest
	var created sql.NullInt64
	err := row.Scan(&g.ID, &g.Name, &g.Note, &created)
	g.CreatedAt = fromUnix(created)
	return g, err
}

// CreateGuest adds a guest.
func (d *DB) CreateGuest(ctx context.Context, name, note string) (Guest, error) {
	var g Guest
	err := d.tx(ctx, func(tx *sql.Tx) error {
		var err error
		g, err = scanGuest(tx.QueryRowContext(ctx, "INSERT INTO guests (name, note, created_at) VALUES (?, ?, ?) RETURNING "+guestCols,
			name, note, unix(d.now())))
		if err != nil {
			return fmt.Errorf("db: create guest: %w", err)
		}
		return nil
	})
	return g, err
}

// UpdateGuest changes a guest's name and note.
func (d *DB) UpdateGuest(ctx context.Context, id int64, name, note string) error {
	return d.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE guests SET name = ?, note = ? WHERE id = ?", name, note, id)
		if err != nil {
			return fmt.Errorf("db: update guest: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// Guest returns one guest.
func (d *DB) Guest(ctx context.Context, id int64) (Guest, error) {
	g, err := scanGuest(d.stmt(ctx, "SELECT "+guestCols+" FROM guests WHERE id = ?").QueryRowContext(ctx, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Guest{}, ErrNotFound
	}
	if err != nil {
		return Guest{}, fmt.Errorf("db: guest %d: %w", id, err)
	}
	return g, nil
}

// Guests lists guests whose name or note contains search (empty: all), by name.
func (d *DB) Guests(ctx context.Context, search string, limit int) ([]Guest, error) {
	q := "SELECT " + guestCols + " FROM guests"
	var args []any
	if search = strings.TrimSpace(search); search != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(search) + "%"
		q += ` WHERE name LIKE ? ESCAPE '\' OR note LIKE ? ESCAPE '\'`
		args = append(args, like, like)
	}
	q += " ORDER BY name COLLATE NOCASE, id LIMIT ?"
	args = append(args, limit)
	rows, err := d.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("db: list guests: %w", err)
	}
	defer rows.Close()
	var out []Guest
	for rows.Next() {
		g, err := scanGuest(rows)
		if err != nil {
			return nil, fmt.Errorf("db: scan guest: %w", err)
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// guestAccessesMax is how many accesses of one guest AccessesForGuests reads,
// the newest, as GuestAccesses does.
const guestAccessesMax = 100

// accessesForGuestsQ reads, for each guest id of a JSON array, the newest
// accesses through accesses_guest (guest_id, id DESC), stopping at
// guestAccessesMax per guest, then each access by its id.
var accessesForGuestsQ = "SELECT " + prefixed("a", accessCols) + `
	FROM json_each(?) j
	JOIN accesses a ON a.id IN (SELECT x.id FROM accesses x WHERE x.guest_id = j.value
		ORDER BY x.id DESC LIMIT ` + strconv.Itoa(guestAccessesMax) + `)`

// AccessesForGuests is GuestAccesses for many guests in one query: each guest's
// newest accesses, newest first, by guest id. A guest with none has no entry.
func (d *DB) AccessesForGuests(ctx context.Context, ids []int64) (map[int64][]Access, error) {
	out := map[int64][]Access{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := d.stmt(ctx, accessesForGuestsQ).QueryContext(ctx, guestIDsJSON(ids))
	if err != nil {
		return nil, fmt.Errorf("db: accesses for guests: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAccess(rows)
		if err != nil {
			return nil, fmt.Errorf("db: scan access: %w", err)
		}
		out[a.GuestID] = append(out[a.GuestID], a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: accesses for guests: %w", err)
	}
	for _, list := range out {
		slices.SortFunc(list, func(a, b Access) int { return cmp.Compare(b.ID, a.ID) })
	}
	return out, nil
}

// guestIDsJSON is ids as a JSON array for json_each, each id once.
func guestIDsJSON(ids []int64) string {
	b := []byte{'['}
	seen := make(map[int64]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, ']'))
}
