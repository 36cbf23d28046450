package db

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/argon2"
)

// DefaultLinkTTL is how long a share link lives unless the owner says otherwise;
// it never outlives its access.
const DefaultLinkTTL = 7 * 24 * time.Hour

// MaxPassphraseTries is how many wrong passphrases lock a link for good.
const MaxPassphraseTries = 5

// ShareLink is a one-time link's state, as its owner sees it.
type ShareLink struct {
	ID             int64
	AccessID       int64
	HasPassphrase  bool
	FailedAttempts int
	LockedAt       time.Time
	CreatedAt      time.Time
	ExpiresAt      time.Time
	FirstOpenedAt  time.Time
	OpenedDevice   string
	RevealedAt     time.Time
	RevokedAt      time.Time
	PausedAt       time.Time // by a restore, until an admin resumes or reissues it
}

// Usable reports whether the link can still reveal its code at now.
func (l ShareLink) Usable(now time.Time) bool {
	return l.RevealedAt.IsZero() && l.RevokedAt.IsZero() && l.LockedAt.IsZero() && l.PausedAt.IsZero() && now.Before(l.ExpiresAt)
}

// Paused tells whether only a restore's pause keeps the link from revealing.
func (l ShareLink) Paused(now time.Time) bool {
	return !l.PausedAt.IsZero() && l.RevealedAt.IsZero() && l.RevokedAt.IsZero() && l.LockedAt.IsZero() && now.Before(l.ExpiresAt)
}

const linkCols = `id, access_id, passphrase_hash IS NOT NULL, failed_attempts, locked_at, created_at, expires_at,
	first_opened_at, opened_device, revealed_at, revoked_at, paused_at`

func scanLink(row interface{ Scan(...any) error }) (ShareLink, error) {
	var l ShareLink
	var locked, created, expires, opened, revealed, revoked, paused sql.NullInt64
	err := row.Scan(&l.ID, &l.AccessID, &l.HasPassphrase, &l.FailedAttempts, &locked, &created, &expires, &opened,
		&l.OpenedDevice, &revealed, &revoked, &paused)
	l.LockedAt, l.CreatedAt, l.ExpiresAt, l.FirstOpenedAt = fromUnix(locked), fromUnix(created), fromUnix(expires), fromUnix(opened)
	l.RevealedAt, l.RevokedAt, l.PausedAt = fromUnix(revealed), fromUnix(revoked), fromUnix(paused)
	return l, err
}

// hashing bounds concurrent argon2 runs: each takes 19 MiB, and a burst of
// requests must not turn into a burst of memory.
var hashing = make(chan struct{}, 4)

// hashPassphrase is argon2id with OWASP's minimum parameters (19 MiB, t=2).
func hashPassphrase(p string, salt []byte) []byte {
	hashing <- struct{}{}
	defer func() { <-hashing }()
	return argon2.IDKey([]byte(p), salt, 2, 19*1024, 1, 32)
}

// insertLink makes a link for an access. It expires at the earlier of now+TTL and
// the access's end. What o leaves unset comes from prior, the link it replaces
// (link_reissue.go): its lifetime when o.TTL is 0, its stored passphrase hash
// when o.Passphrase is empty; the zero priorLink gives the defaults.
func (d *DB) insertLink(ctx context.Context, tx *sql.Tx, a Access, o LinkOptions, prior priorLink) (string, ShareLink, error) {
	now := d.now()
	ttl := o.TTL
	if ttl <= 0 {
		ttl = prior.ttl
	}
	if ttl <= 0 {
		ttl = DefaultLinkTTL
	}
	expires := now.Add(ttl)
	if !a.EndsAt.IsZero() && a.EndsAt.Before(expires) {
		expires = a.EndsAt
	}
	hash, salt := prior.hash, prior.salt
	if o.Passphrase != "" {
		salt = make([]byte, 16)
		rand.Read(salt)
		hash = hashPassphrase(o.Passphrase, salt)
	}
	token := NewToken(16) // 128 bits
	l, err := scanLink(tx.QueryRowContext(ctx, `INSERT INTO share_links (access_id, token_hash, passphrase_hash, passphrase_salt,
		created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING `+linkCols,
		a.ID, HashToken(token), hash, salt, unix(now), unix(expires)))
	if err != nil {
		return "", ShareLink{}, fmt.Errorf("db: create link: %w", err)
	}
	return token, l, nil
}

// AccessLinks lists an access's links, newest first.
func (d *DB) AccessLinks(ctx context.Context, accessID int64) ([]ShareLink, error) {
	rows, err := d.r.QueryContext(ctx, "SELECT "+linkCols+" FROM share_links WHERE access_id = ? ORDER BY id DESC", accessID)
	if err != nil {
		return nil, fmt.Errorf("db: access links: %w", err)
	}
	defer rows.Close()
	var out []ShareLink
	for rows.Next() {
		l, err := scanLink(rows)
		if err != nil {
			return nil, fmt.Errorf("db: scan link: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// LinkByToken finds a link by its token; ErrNotFound for an unknown one.
func (d *DB) LinkByToken(ctx context.Context, token string) (ShareLink, error) {
	l, err := scanLink(d.stmt(ctx, "SELECT "+linkCols+" FROM share_links WHERE token_hash = ?").QueryRowContext(ctx, HashToken(token)))
	if errors.Is(err, sql.ErrNoRows) {
		return ShareLink{}, ErrNotFound
	}
	if err != nil {
		return ShareLink{}, fmt.Errorf("db: link: %w", err)
	}
	return l, nil
}

const markOpenedQ = `UPDATE share_links SET first_opened_at = ?, opened_device = ?
	WHERE id = ? AND first_opened_at IS NULL`

// MarkLinkOpened records the first time the link's page was fetched, for the
// owner's receipt. It never changes whether the link can reveal. Audit entries
// given are written in the same transaction, only by the request that records
// the first opening.
func (d *DB) MarkLinkOpened(ctx context.Context, id int64, device string, audit ...AuditEntry) error {
	err := d.tx(ctx, func(tx *sql.Tx) error {
		res, err := d.txExec(ctx, tx, markOpenedQ, unix(d.now()), truncate(device, 60), id)
		if err != nil {
			return fmt.Errorf("db: mark link opened: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		for _, e := range audit {
			if err := d.audit(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		// Recorded, now or by an earlier request: later pages must not try again.
		d.shares.markOpened(id, d.now())
	}
	return err
}

// ErrLinkLocked is returned once a link has seen too many wrong passphrases.
var ErrLinkLocked = errors.New("too many wrong passphrases")

// ErrWrongPassphrase is returned for a wrong guess; Left says how many remain.
type ErrWrongPassphrase struct{ Left int }

func (e *ErrWrongPassphrase) Error() string {
	return fmt.Sprintf("wrong passphrase, %d tries left", e.Left)
}

// CheckPassphrase verifies a link's passphrase before any claim, so a wrong guess
// never burns the link; the fifth wrong guess locks it.
//
// A guess is counted before it is hashed: it first takes one of the link's
// MaxPassphraseTries in a single UPDATE, and the right passphrase gives it
// back. So however many guesses arrive at once, argon2 runs at most
// MaxPassphraseTries times per link, and a locked link, or one whose tries are
// all taken, refuses without hashing. The wrong guess that finds every try
// taken locks the link and writes lockAudit in the same transaction: exactly
// once, whoever else is guessing.
func (d *DB) CheckPassphrase(ctx context.Context, id int64, passphrase string, lockAudit ...AuditEntry) error {
	var hash, salt []byte
	err := d.tx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `UPDATE share_links SET failed_attempts = failed_attempts + 1
			WHERE id = ? AND passphrase_hash IS NOT NULL AND locked_at IS NULL AND failed_attempts < ?
			RETURNING passphrase_hash, passphrase_salt`, id, MaxPassphraseTries).Scan(&hash, &salt)
	})
	if errors.Is(err, sql.ErrNoRows) {
		// No try taken: no passphrase, locked, or every try taken.
		var hasPassphrase bool
		if err := d.r.QueryRowContext(ctx, "SELECT passphrase_hash IS NOT NULL FROM share_links WHERE id = ?", id).
			Scan(&hasPassphrase); err != nil {
			return fmt.Errorf("db: check passphrase: %w", err)
		}
		if !hasPassphrase {
			return nil
		}
		return ErrLinkLocked
	}
	if err != nil {
		return fmt.Errorf("db: check passphrase: %w", err)
	}
	d.passphraseHashes.Add(1)
	if subtle.ConstantTimeCompare(hash, hashPassphrase(passphrase, salt)) == 1 {
		err := d.tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE share_links SET failed_attempts = failed_attempts - 1
				WHERE id = ? AND failed_attempts > 0`, id)
			return err
		})
		if err != nil {
			return fmt.Errorf("db: give back a passphrase try: %w", err)
		}
		return nil
	}
	var left int
	var lockedNow bool
	err = d.tx(ctx, func(tx *sql.Tx) error {
		var locked sql.NullInt64
		var tries int
		if err := tx.QueryRowContext(ctx, "SELECT failed_attempts, locked_at FROM share_links WHERE id = ?", id).
			Scan(&tries, &locked); err != nil {
			return err
		}
		left = MaxPassphraseTries - tries
		if locked.Valid || left > 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, "UPDATE share_links SET locked_at = ? WHERE id = ?", unix(d.now()), id); err != nil {
			return err
		}
		lockedNow = true
		for _, e := range lockAudit {
			if err := d.audit(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("db: count wrong passphrase: %w", err)
	}
	if lockedNow || left <= 0 {
		return ErrLinkLocked
	}
	return &ErrWrongPassphrase{Left: left}
}

// ErrLinkGone is returned when a link cannot reveal: already revealed, expired,
// revoked, locked or unknown. Callers show one calm page for all of them.
var ErrLinkGone = errors.New("this link can no longer show the code")

const claimRevealQ = `UPDATE share_links SET revealed_at = ?
	WHERE token_hash = ? AND revealed_at IS NULL AND revoked_at IS NULL AND locked_at IS NULL AND paused_at IS NULL
	AND expires_at > ?
	RETURNING id, access_id, revealed_at`

// ClaimReveal flips a link from unrevealed to revealed in one statement, so
// exactly one request ever wins; it returns the link's ID, AccessID and
// RevealedAt (the page shown was read before, see ShareByToken). Audit
// entries given are written in the same transaction, only for the winner: the
// reveal and its audit line commit together or not at all.
func (d *DB) ClaimReveal(ctx context.Context, token string, audit ...AuditEntry) (ShareLink, error) {
	now := unix(d.now())
	var l ShareLink
	hash := HashToken(token)
	err := d.tx(ctx, func(tx *sql.Tx) error {
		var at int64
		if err := d.txQueryRow(ctx, tx, claimRevealQ, now, hash, now).Scan(&l.ID, &l.AccessID, &at); err != nil {
			return err
		}
		l.RevealedAt = time.Unix(at, 0).UTC()
		for _, e := range audit {
			if err := d.audit(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, sql.ErrNoRows) {
		return ShareLink{}, ErrLinkGone
	}
	if err != nil {
		return ShareLink{}, fmt.Errorf("db: claim reveal: %w", err)
	}
	d.shares.markRevealed(hash, l.RevealedAt) // before the winner is answered
	return l, nil
}

// ShareDetails is what a guest's page shows of a link's access: the window, the
// guest's name and the doors, in the order of their locks.
type ShareDetails struct {
	Access    Access
	GuestName string
	Doors     []ShareDoor
	PIN       string // only when asked for, and only while the link can reveal
}

// ShareDoor is one door the access opens, with its owner's instructions.
type ShareDoor struct {
	Name         string
	Instructions string
}

// One row per code of the link's access (one per lock).
const shareQuery = `SELECT s.id, s.access_id, s.passphrase_hash IS NOT NULL, s.failed_attempts, s.locked_at, s.created_at,
	s.expires_at, s.first_opened_at, s.opened_device, s.revealed_at, s.revoked_at, s.paused_at,
	a.id, a.guest_id, a.starts_at, a.ends_at, a.time_zone, a.created_by, a.created_at, a.revoked_at, a.rotated_to,
	g.name, l.name, l.instructions, c.id, c.pin_sealed
	FROM share_links s JOIN accesses a ON a.id = s.access_id JOIN guests g ON g.id = a.guest_id
	LEFT JOIN access_codes c ON c.access_id = a.id LEFT JOIN locks l ON l.id = c.lock_id
	WHERE s.token_hash = ? ORDER BY c.lock_id`

// ShareByToken reads a link by its token together with what its guest page
// shows, from the share cache (sharecache.go) or in one prepared query: the
// guest page and the reveal read nothing else. With withPIN, and only if the
// link can still reveal, it unseals the access's PIN (the same on each of its
// locks). ErrNotFound for an unknown token. Callers must not change the
// details' slices: they are shared.
func (d *DB) ShareByToken(ctx context.Context, token string, withPIN bool) (ShareLink, ShareDetails, error) {
	hash := HashToken(token)
	ver := d.shareVer.Load() // before the read: see refreshShareVersion
	e, ok, epoch := d.shares.lookup(hash, ver)
	if !ok {
		var err error
		if e.link, e.det, e.sealed, err = d.shareByHash(ctx, hash); err != nil {
			return ShareLink{}, ShareDetails{}, err
		}
		e.ver = ver
		d.shares.store(hash, epoch, e)
	}
	l, s := e.link, e.det
	if withPIN && l.Usable(d.now()) {
		if e.sealed.sealed == nil {
			return ShareLink{}, ShareDetails{}, fmt.Errorf("db: the access of link %d has no code: %w", l.ID, ErrNotFound)
		}
		var err error
		if s.PIN, err = d.openPIN(e.sealed); err != nil {
			return ShareLink{}, ShareDetails{}, err
		}
	}
	return l, s, nil
}

// shareByHash is ShareByToken's query, with the PIN still sealed.
func (d *DB) shareByHash(ctx context.Context, hash []byte) (ShareLink, ShareDetails, sealedPIN, error) {
	rows, err := d.stmt(ctx, shareQuery).QueryContext(ctx, hash)
	if err != nil {
		return ShareLink{}, ShareDetails{}, sealedPIN{}, fmt.Errorf("db: share link: %w", err)
	}
	defer rows.Close()
	var (
		l      ShareLink
		s      ShareDetails
		sealed sealedPIN
		found  bool
	)
	for rows.Next() {
		var lockName, instructions sql.NullString
		var pin []byte
		var codeID sql.NullInt64
		var starts, ends, by, created, revoked, rotated sql.NullInt64
		a := &s.Access
		l, err = scanLink(scanner(func(link ...any) error {
			return rows.Scan(append(link, &a.ID, &a.GuestID, &starts, &ends, &a.TimeZone, &by, &created, &revoked, &rotated,
				&s.GuestName, &lockName, &instructions, &codeID, &pin)...)
		}))
		if err != nil {
			return ShareLink{}, ShareDetails{}, sealedPIN{}, fmt.Errorf("db: scan share link: %w", err)
		}
		a.StartsAt, a.EndsAt, a.CreatedAt, a.RevokedAt = fromUnix(starts), fromUnix(ends), fromUnix(created), fromUnix(revoked)
		a.CreatedBy, a.RotatedTo = by.Int64, rotated.Int64
		found = true
		if lockName.Valid {
			s.Doors = append(s.Doors, ShareDoor{Name: lockName.String, Instructions: instructions.String})
		}
		if sealed.sealed == nil {
			sealed = sealedPIN{codeID: codeID.Int64, sealed: pin}
		}
	}
	if err := rows.Err(); err != nil {
		return ShareLink{}, ShareDetails{}, sealedPIN{}, fmt.Errorf("db: share link: %w", err)
	}
	if !found {
		return ShareLink{}, ShareDetails{}, sealedPIN{}, ErrNotFound
	}
	return l, s, sealed, nil
}

// scanner adapts a Scan function to the scan helpers' row type.
type scanner func(dest ...any) error

func (f scanner) Scan(dest ...any) error { return f(dest...) }

// HandoffTTL is how long a share link made in the dashboard waits for the GET
// that shows it to its owner.
const HandoffTTL = 5 * time.Minute

// Handoff kinds: what the page that shows the link says was done.
const (
	HandoffCreated = "created" // access given
	HandoffLink    = "link"    // new link
	HandoffRotated = "rotated" // new code and link
)

// handoffPurpose binds a sealed token to one session and one access, so a row
// moved to another session or access does not unseal.
func handoffPurpose(sessionID, accessID int64) string {
	return fmt.Sprintf("handoff:%d:%d", sessionID, accessID)
}

// HoldLink keeps a new link's token, sealed, for the session that made it to
// read once (TakeLink) after a redirect. A newer hold for the same session and
// access replaces the older one: that link was killed anyway.
func (d *DB) HoldLink(ctx context.Context, sessionID, accessID int64, kind, token string) error {
	return d.tx(ctx, func(tx *sql.Tx) error { return d.holdLink(ctx, tx, sessionID, accessID, kind, token) })
}

func (d *DB) holdLink(ctx context.Context, tx *sql.Tx, sessionID, accessID int64, kind, token string) error {
	sealed, err := d.seal(token, handoffPurpose(sessionID, accessID))
	if err != nil {
		return err
	}
	now := d.now()
	// Swept here rather than by a job: this is the only writer.
	if _, err := tx.ExecContext(ctx, "DELETE FROM link_handoffs WHERE expires_at <= ?", unix(now)); err != nil {
		return fmt.Errorf("db: sweep link handoffs: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT OR REPLACE INTO link_handoffs (session_id, access_id, kind, token_sealed, expires_at)
		VALUES (?, ?, ?, ?, ?)`, sessionID, accessID, kind, sealed, unix(now.Add(HandoffTTL)))
	if err != nil {
		return fmt.Errorf("db: hold link: %w", err)
	}
	return nil
}

// HoldsLink says whether HoldLink keeps a link for this session and access
// that TakeLink would still give, without taking it.
func (d *DB) HoldsLink(ctx context.Context, sessionID, accessID int64) (bool, error) {
	var one int
	err := d.stmt(ctx, "SELECT 1 FROM link_handoffs WHERE session_id = ? AND access_id = ? AND expires_at > ?").
		QueryRowContext(ctx, sessionID, accessID, unix(d.now())).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("db: holds link: %w", err)
	}
	return true, nil
}

// TakeLink consumes what HoldLink kept for this session and access: the first
// call gets the token and its kind, every later one (and any other session)
// ErrNotFound, as does a hold older than HandoffTTL.
func (d *DB) TakeLink(ctx context.Context, sessionID, accessID int64) (kind, token string, err error) {
	var sealed []byte
	var expires int64
	err = d.tx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `DELETE FROM link_handoffs WHERE session_id = ? AND access_id = ?
			RETURNING kind, token_sealed, expires_at`, sessionID, accessID).Scan(&kind, &sealed, &expires)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", ErrNotFound
	}
	if err != nil {
		return "", "", fmt.Errorf("db: take link: %w", err)
	}
	if d.now().Unix() >= expires {
		return "", "", ErrNotFound
	}
	token, err = d.unseal(sealed, handoffPurpose(sessionID, accessID))
	if err != nil {
		return "", "", err
	}
	return kind, token, nil
}

// PassphraseHashes counts the argon2 runs CheckPassphrase has made, so tests
// can hold it to one per counted guess.
func (d *DB) PassphraseHashes() uint64 { return d.passphraseHashes.Load() }
