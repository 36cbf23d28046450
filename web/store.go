package web

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse/access"
	"github.com/gatehouse/gatehouse/db"
)

// Store is what web needs of the database, and all it may use: the access
// service's store, from which web builds the service, and the methods its
// handlers call themselves (some overlap, with the same signatures). It is
// the interface this consumer declares (STYLE.md rule 3), and the seam
// another store engine would plug into. *db.DB satisfies it (asserted in
// store_test.go); the shapes are db's rows. Handlers read and write through
// it, and never reach a lock.
type Store interface {
	// The access service's store: web builds the service from it.
	access.Store

	// The read cache, for pages every viewer reads alike (cached below).
	CachedRead(key string, ttl time.Duration, read func() (any, error)) (any, error)

	// The clock and health.
	Now() time.Time
	Ping(ctx context.Context) error
	Ops(ctx context.Context) (db.OpsSnapshot, error)
	WriterStats() db.WriterStats

	// Owners, invites and enrolment.
	Owner(ctx context.Context, id int64) (db.Owner, error)
	OwnerByHandle(ctx context.Context, handle []byte) (db.Owner, error)
	Owners(ctx context.Context) ([]db.Owner, error)
	RemoveOwner(ctx context.Context, id int64, audit db.AuditEntry) error
	ApproveOwner(ctx context.Context, id int64, audit db.AuditEntry) error
	SetOwnerAdmin(ctx context.Context, id int64, admin bool, audit db.AuditEntry) error
	CreateInvite(ctx context.Context, n db.NewInvite) (string, db.Invite, error)
	EnrollOwner(ctx context.Context, inviteID int64, name string, handle []byte, cred db.Credential) (db.Owner, error)
	InviteByToken(ctx context.Context, token string) (db.Invite, error)

	// Passkeys and their ceremonies.
	AddCredential(ctx context.Context, c db.Credential) (int64, error)
	Credentials(ctx context.Context, ownerID int64) ([]db.Credential, error)
	RecordCredentialUse(ctx context.Context, credentialID []byte, u db.CredentialUse) error
	RemoveCredential(ctx context.Context, ownerID, id int64) (string, error)
	RenameCredential(ctx context.Context, ownerID, id int64, nickname string) error
	SaveChallenge(ctx context.Context, c db.Challenge) error
	TakeChallenge(ctx context.Context, id, kind string) (db.Challenge, error)

	// Sessions.
	SignIn(ctx context.Context, in db.SignIn) (string, db.Session, error)
	CreateSession(ctx context.Context, ownerID int64, userAgent, ip string) (string, db.Session, error)
	DeleteOtherSessions(ctx context.Context, ownerID, keep int64) (int, error)
	DeleteOwnerSession(ctx context.Context, ownerID, id int64) error
	DeleteSession(ctx context.Context, id int64) error
	MarkReauth(ctx context.Context, sessionID int64) error
	SessionOwner(ctx context.Context, cookie string, lim db.SessionLimits) (db.Session, db.Owner, error)
	Sessions(ctx context.Context, ownerID int64) ([]db.Session, error)

	// API tokens.
	APIToken(ctx context.Context, id int64) (db.APIToken, error)
	APITokenByValue(ctx context.Context, token string) (db.APIToken, error)
	APITokens(ctx context.Context) ([]db.APIToken, error)
	CreateAPIToken(ctx context.Context, name, scope string, by int64) (string, db.APIToken, error)
	RevokeAPIToken(ctx context.Context, id int64) (db.APIToken, error)

	// The audit log.
	Audit(ctx context.Context, e db.AuditEntry) error
	AuditLog(ctx context.Context, beforeID int64, limit int) ([]db.AuditEntry, error)

	// Guests and their accesses.
	Guest(ctx context.Context, id int64) (db.Guest, error)
	Guests(ctx context.Context, search string, limit int) ([]db.Guest, error)
	UpdateGuest(ctx context.Context, id int64, name, note string) error
	AccessesForGuests(ctx context.Context, ids []int64) (map[int64][]db.Access, error)
	Access(ctx context.Context, id int64) (db.Access, error)
	AccessCodes(ctx context.Context, accessID int64) ([]db.AccessCode, error)
	AccessPIN(ctx context.Context, accessID int64) (string, error)
	GuestAccesses(ctx context.Context, guestID int64) ([]db.Access, error)

	// Codes.
	AccessCode(ctx context.Context, id int64) (db.AccessCode, error)
	AllCodeCounts(ctx context.Context) (map[int64]db.CodeCounts, error)
	LockCodes(ctx context.Context, lockID int64) ([]db.AccessCode, error)
	CodeInfo(ctx context.Context, id int64) (db.CodeInfo, error)
	CodesPage(ctx context.Context, q db.CodeQuery) ([]db.CodeInfo, error)

	// Share links and the guest page.
	AccessLinks(ctx context.Context, accessID int64) ([]db.ShareLink, error)
	CheckPassphrase(ctx context.Context, id int64, passphrase string, lockAudit ...db.AuditEntry) error
	ClaimReveal(ctx context.Context, token string, audit ...db.AuditEntry) (db.ShareLink, error)
	HoldLink(ctx context.Context, sessionID, accessID int64, kind, token string) error
	HoldsLink(ctx context.Context, sessionID, accessID int64) (bool, error)
	LinkByToken(ctx context.Context, token string) (db.ShareLink, error)
	MarkLinkOpened(ctx context.Context, id int64, device string, audit ...db.AuditEntry) error
	ShareByToken(ctx context.Context, token string, withPIN bool) (db.ShareLink, db.ShareDetails, error)
	TakeLink(ctx context.Context, sessionID, accessID int64) (kind, token string, err error)

	// After a restore: what it paused, and the changes owners acknowledge.
	LastRestore(ctx context.Context) (db.Restored, bool, error)
	PausedLinks(ctx context.Context) ([]db.PausedLink, error)
	ResumeLink(ctx context.Context, id int64, audit db.AuditEntry) error
	EnableAPIToken(ctx context.Context, id int64, audit db.AuditEntry) error
	UnacknowledgedChanges(ctx context.Context, ownerID int64, limit int) ([]db.AuditEntry, int, error)
	AcknowledgeChange(ctx context.Context, ownerID, auditID int64) error
	AcknowledgeChanges(ctx context.Context, ownerID, throughID int64) error

	// Locks, connections and the codes on them.
	Lock(ctx context.Context, id int64) (db.Lock, error)
	Locks(ctx context.Context) ([]db.Lock, error)
	ConnectionLocks(ctx context.Context, connectionID int64) ([]db.Lock, error)
	UpdateLockSettings(ctx context.Context, id int64, s db.LockSettings) error
	LockHolders(ctx context.Context, lockID int64) (map[int64]db.CodeHolder, error)
	Connection(ctx context.Context, id int64) (db.Connection, error)
	Connections(ctx context.Context) ([]db.Connection, error)
	CreateConnection(ctx context.Context, kind, name, baseURL, secret string) (db.Connection, error)
	RemoveConnection(ctx context.Context, id int64) error
	RequestUnmanagedRemoval(ctx context.Context, lockID, id int64) error
	UnmanagedCodes(ctx context.Context, lockID int64) ([]db.UnmanagedCode, error)

	// The home page.
	Home(ctx context.Context, anomalyDays, anomalies int) (db.HomeView, error)

	// The timeline, its strip and grid, and the events API.
	Timeline(ctx context.Context, f db.TimelineFilter, q db.TimelinePageQuery) (db.TimelinePage, error)
	TimelineSince(ctx context.Context, f db.TimelineFilter, after int64, limit int) ([]db.TimelineEvent, int64, error)
	EachTimelineEvent(ctx context.Context, f db.TimelineFilter, asOf int64, fn func(db.TimelineEvent) error) error
	NewestEventID(ctx context.Context) (int64, error)
	CodeNames(ctx context.Context, ids []int64) (map[int64]db.CodeName, error)
	TimelineLocks(ctx context.Context) ([]db.TimelineLock, error)
	LockDayMarks(ctx context.Context, lockID int64, from, to time.Time, slot time.Duration) ([]db.DayMark, error)
	DailyCounts(ctx context.Context, days map[int64][]time.Time) (map[int64][]db.DayCount, error)
	EventsPage(ctx context.Context, q db.EventQuery) ([]db.EventInfo, error)
}

// cached is db.Cached through Store: the value cached under key at the
// store's current generation, read at most once per generation and ttl.
func cached[T any](s Store, key string, ttl time.Duration, read func() (T, error)) (T, error) {
	v, err := s.CachedRead(key, ttl, func() (any, error) { return read() })
	if err != nil {
		var zero T
		return zero, err
	}
	t, _ := v.(T) // a nil interface value comes back as nil
	return t, nil
}
