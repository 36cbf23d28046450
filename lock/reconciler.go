package lock

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
)

// The reconciler is the only code that writes to locks. What owners ask for is
// stored as desired state (db.AccessCode); each pass lists what every lock holds,
// compares, makes the calls needed to converge and records what it observed. All
// of its memory is in the database, so a restart (or another replica sharing the
// database) carries on where it stopped.

// Timing of the reconciler's work.
const (
	// LeaseTTL is how long a claim on a lock lasts. Work on one lock is cut off at
	// half of it (lockBudget), so a slow vendor never outlives the lease and the
	// other half absorbs clock skew between replicas.
	LeaseTTL   = 2 * time.Minute
	lockBudget = LeaseTTL / 2
	// EarlyPush is how long before its window opens a code is put on a lock that
	// enforces windows itself, so it works on time even if Gatehouse is down then.
	EarlyPush = 24 * time.Hour
	// settleAfterSet keeps a code that was just created from being created again
	// should a connector's list lag behind its create. It never delays a removal.
	settleAfterSet = time.Minute
	// writeTimeout bounds the store writes that record a call already made, which
	// run even when the pass is being cancelled.
	writeTimeout = 10 * time.Second

	maxCodeName = 40  // runes in a code's name on the lock
	maxErrText  = 300 // bytes of an error message kept for owners
)

// Attempt actions recorded with db.RecordAttempt.
const (
	actionSet    = "set"
	actionRemove = "remove"
)

// authMessage is what owners see when a connector refuses its credentials.
const authMessage = "connection credentials rejected"

// Options configure a Reconciler.
type Options struct {
	Store       *db.DB
	Connect     func(ctx context.Context, c db.Connection) (Connector, error) // built in cmd wiring (sim, seam)
	Now         func() time.Time                                              // injected clock; nil: the store's
	Interval    time.Duration                                                 // reconcile timer; default 15s
	EventEvery  time.Duration                                                 // event pull timer; default 30s
	Holder      string                                                        // lease holder id, unique per process; default host-pid-random
	DefaultZone string                                                        // zone for locks whose connector reports none; default domain.ServerZone()
	Log         *slog.Logger                                                  // nil: slog.Default()
	// Jitter spreads a retry delay (Jitter, in production); nil keeps exact delays.
	Jitter func(time.Duration) time.Duration
}

// Reconciler converges locks on the desired state in the store and pulls their
// events. Run drives it on timers; tests call Pass and PullEvents step by step.
type Reconciler struct {
	store       *db.DB
	connect     func(ctx context.Context, c db.Connection) (Connector, error)
	now         func() time.Time
	interval    time.Duration
	eventEvery  time.Duration
	holder      string
	zone        string
	log         *slog.Logger
	jitter      func(time.Duration) time.Duration
	nudge       chan struct{}
	nudgeEvents chan struct{}
	// A lease is per holder, so one process must not run two passes at once:
	// both would hold every lease. The mutexes serialise them.
	passMu sync.Mutex
	pullMu sync.Mutex
}

// NewReconciler fills in defaults; it starts nothing.
func NewReconciler(o Options) *Reconciler {
	r := &Reconciler{
		store:       o.Store,
		connect:     o.Connect,
		now:         o.Now,
		interval:    cmp.Or(o.Interval, 15*time.Second),
		eventEvery:  cmp.Or(o.EventEvery, 30*time.Second),
		holder:      o.Holder,
		zone:        o.DefaultZone,
		log:         o.Log,
		jitter:      o.Jitter,
		nudge:       make(chan struct{}, 1),
		nudgeEvents: make(chan struct{}, 1),
	}
	if r.now == nil {
		r.now = o.Store.Now
	}
	if r.holder == "" {
		r.holder = DefaultHolder()
	}
	if !domain.ValidZone(r.zone) {
		r.zone = domain.ServerZone()
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	r.log = r.log.With(slog.String("component", "reconciler"))
	return r
}

// DefaultHolder names this process for leases: host, pid and a random part, so a
// restarted process never inherits the leases of its previous life.
func DefaultHolder() string {
	return hostName() + "-" + strconv.Itoa(os.Getpid()) + "-" + db.NewToken(6)
}

func hostName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "gatehouse"
	}
	return host
}

// deadHolder reports whether a lease holder named by DefaultHolder is a process
// of this host that no longer runs: killed, crashed, or an earlier life of this
// process id (a restarted container is pid 1 again). Holders of other hosts,
// and holders not named by DefaultHolder, are never judged dead: their leases
// run out on their own. One process runs one reconciler.
func deadHolder(self string, alive func(pid int) bool) func(holder string) bool {
	prefix := hostName() + "-"
	return func(holder string) bool {
		rest, ok := strings.CutPrefix(holder, prefix)
		if !ok || holder == self {
			return false
		}
		pidText, _, ok := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if !ok || err != nil || pid <= 0 {
			return false
		}
		return pid == os.Getpid() || !alive(pid)
	}
}

// processAlive reports whether a process with this id runs on this host. When
// it cannot tell, it says yes.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return true
	}
	return !errors.Is(p.Signal(syscall.Signal(0)), os.ErrProcessDone)
}

// ReleaseDeadLeases frees the locks leased by reconcilers of this host whose
// process is gone, so a restart after a crash resumes at once instead of
// leaving those locks alone (revoked codes still on the doors) for up to
// LeaseTTL. Run calls it once at start.
func (r *Reconciler) ReleaseDeadLeases(ctx context.Context) error {
	n, err := r.store.ReleaseLeases(ctx, deadHolder(r.holder, processAlive))
	if err != nil {
		return err
	}
	if n > 0 {
		r.log.Info("released the leases of a stopped process", slog.Int("locks", n))
	}
	return nil
}

// Run reconciles and pulls events, each at once and then on its timer or when
// nudged, until ctx ends. It returns when both loops have stopped.
func (r *Reconciler) Run(ctx context.Context) {
	if err := r.ReleaseDeadLeases(ctx); err != nil && ctx.Err() == nil {
		r.log.Error("release dead leases", slog.String("error", err.Error()))
	}
	var wg sync.WaitGroup
	wg.Go(func() { r.loop(ctx, "reconcile", r.interval, r.nudge, r.Pass) })
	wg.Go(func() { r.loop(ctx, "events", r.eventEvery, r.nudgeEvents, r.PullEvents) })
	wg.Wait()
}

func (r *Reconciler) loop(ctx context.Context, name string, every time.Duration, nudge <-chan struct{}, step func(context.Context) error) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-nudge:
		}
		if err := step(ctx); err != nil && ctx.Err() == nil {
			r.log.Error(name+" pass failed", slog.String("error", err.Error()))
		}
		t.Reset(every) // Go 1.23+ timers: no stale tick survives a Reset
	}
}

// Nudge asks for a reconcile pass now (desired state changed). It never blocks;
// nudges during a pass coalesce into one more pass.
func (r *Reconciler) Nudge() {
	select {
	case r.nudge <- struct{}{}:
	default:
	}
}

// NudgeEvents asks for an event pull now (say, after a keypad press on a
// simulated lock). It never blocks.
func (r *Reconciler) NudgeEvents() {
	select {
	case r.nudgeEvents <- struct{}{}:
	default:
	}
}

// Pass runs discovery on every connection and reconciles every lock it may claim.
// Connector failures are recorded for owners (connection, lock and code errors)
// and do not stop the pass; the error returned is about the store or ctx.
func (r *Reconciler) Pass(ctx context.Context) error {
	r.passMu.Lock()
	defer r.passMu.Unlock()
	conns, err := r.store.Connections(ctx)
	if err != nil {
		return err
	}
	// Foreign codes and removal requests of every lock, read once: a request
	// made during the pass is seen by the next one.
	all, err := r.store.UnmanagedCodes(ctx, 0)
	if err != nil {
		return err
	}
	unmanaged := make(map[int64][]db.UnmanagedCode)
	for _, u := range all {
		unmanaged[u.LockID] = append(unmanaged[u.LockID], u)
	}
	var errs []error
	for _, c := range conns {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := r.passConnection(ctx, c, unmanaged); err != nil {
			errs = append(errs, fmt.Errorf("connection %d: %w", c.ID, err))
		}
	}
	return errors.Join(errs...)
}

func (r *Reconciler) passConnection(ctx context.Context, c db.Connection, unmanaged map[int64][]db.UnmanagedCode) error {
	log := r.log.With(slog.Int64("connection_id", c.ID), slog.String("connection_kind", c.Kind))
	conn, err := r.connect(ctx, c)
	if err != nil {
		log.Warn("connect failed", slog.String("error", err.Error()))
		return r.store.MarkConnectionSync(ctx, c.ID, errText(err))
	}
	locks, err := r.discover(ctx, conn, c, log)
	if err != nil {
		return err
	}
	var errs []error
	for _, l := range locks {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := r.reconcileLock(ctx, conn, l, unmanaged[l.ID], log); err != nil {
			errs = append(errs, fmt.Errorf("lock %d: %w", l.ID, err))
		}
	}
	return errors.Join(errs...)
}

// discover records the connection's locks as its connector lists them and returns
// the locks to reconcile. A lock whose reported state has not changed is not
// written. When listing fails the known locks are still reconciled (their own
// calls may work, and revocations should not wait), unless the credentials were
// refused. The error returned is the store's.
func (r *Reconciler) discover(ctx context.Context, conn Connector, c db.Connection, log *slog.Logger) ([]db.Lock, error) {
	known, err := r.store.ConnectionLocks(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	devices, err := conn.ListLocks(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		log.Warn("list locks failed", slog.String("error", err.Error()))
		if err := r.store.MarkConnectionSync(ctx, c.ID, errText(err)); err != nil {
			return nil, err
		}
		if KindOf(err) == Auth {
			return nil, nil
		}
		return known, nil
	}
	byDevice := make(map[string]db.Lock, len(known))
	for _, l := range known {
		byDevice[l.DeviceID] = l
	}
	changed := false
	present := make([]string, 0, len(devices))
	for _, d := range devices {
		present = append(present, d.ID)
		s := StateOf(d)
		k, ok := byDevice[d.ID]
		if ok && sameState(k, s) {
			continue
		}
		changed = true
		if _, err := r.store.SyncLock(ctx, c.ID, s, r.zone); err != nil {
			return nil, err
		}
		if !ok {
			log.Info("lock discovered", slog.String("device_id", d.ID))
		}
		if ok && !k.Online && s.Online {
			// Back online: what was backing off while it was away is due now.
			if err := r.store.ResumeLockAttempts(ctx, k.ID); err != nil {
				return nil, err
			}
		}
	}
	if len(known) > 0 {
		gone := false
		seen := make(map[string]bool, len(present))
		for _, p := range present {
			seen[p] = true
		}
		for _, l := range known {
			if !seen[l.DeviceID] {
				gone = true
				log.Warn("lock no longer reported", slog.Int64("lock_id", l.ID), slog.String("device_id", l.DeviceID))
			}
		}
		if gone {
			changed = true
			if err := r.store.MarkLocksGone(ctx, c.ID, present); err != nil {
				return nil, err
			}
		}
	}
	if err := r.store.MarkConnectionSync(ctx, c.ID, ""); err != nil {
		return nil, err
	}
	if !changed {
		return known, nil
	}
	return r.store.ConnectionLocks(ctx, c.ID)
}

// StateOf is what discovery records of a device: its reported state, a zone only
// when this server knows it (else the default applies), and a name to start from.
func StateOf(d Device) db.DeviceState {
	name := strings.TrimSpace(d.Name)
	if name == "" {
		name = strings.TrimSpace(d.Manufacturer + " " + d.Model)
	}
	if name == "" {
		name = d.ID
	}
	return db.DeviceState{
		DeviceID:        d.ID,
		Name:            name,
		Manufacturer:    d.Manufacturer,
		Model:           d.Model,
		Online:          d.Online,
		Locked:          d.Locked,
		Battery:         d.Battery,
		Firmware:        d.Firmware,
		TimeZone:        domain.DeviceZone(d.TimeZone),
		NativeSchedules: d.Caps.NativeSchedules,
		Slots:           d.Caps.Slots,
		MinCodeLen:      d.Caps.MinCodeLen,
		MaxCodeLen:      d.Caps.MaxCodeLen,
	}
}

// sameState reports whether SyncLock would change nothing: it compares the
// fields SyncLock refreshes (name and zone are the owner's once created).
func sameState(l db.Lock, s db.DeviceState) bool {
	return l.Manufacturer == s.Manufacturer && l.Model == s.Model && l.Online == s.Online &&
		samePtr(l.Locked, s.Locked) && samePtr(l.Battery, s.Battery) && l.Firmware == s.Firmware &&
		l.NativeSchedules == s.NativeSchedules && l.Slots == s.Slots &&
		l.MinCodeLen == s.MinCodeLen && l.MaxCodeLen == s.MaxCodeLen
}

func samePtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// reconcileLock does one lock's work under its lease, or nothing when another
// reconciler holds the lease.
func (r *Reconciler) reconcileLock(ctx context.Context, conn Connector, l db.Lock, unmanaged []db.UnmanagedCode, log *slog.Logger) error {
	ok, err := r.store.ClaimLock(ctx, l.ID, r.holder, LeaseTTL)
	if err != nil {
		return err
	}
	log = log.With(slog.Int64("lock_id", l.ID), slog.String("device_id", l.DeviceID))
	if !ok {
		log.Debug("lock leased by another reconciler")
		return nil
	}
	// Writes that record a call already made must land even if the pass is being
	// cancelled; calls to the lock stop with ctx or the lock's budget.
	wctx, cancelW := context.WithTimeout(context.WithoutCancel(ctx), lockBudget+writeTimeout)
	defer cancelW()
	call, cancel := context.WithTimeout(ctx, lockBudget)
	defer cancel()
	p := &lockPass{r: r, conn: conn, lock: l, now: r.now(), parent: ctx, call: call, db: wctx, log: log}
	lockErr, err := p.run(unmanaged)
	if err != nil || ctx.Err() != nil {
		// The outcome is unknown: keep the lock's last one, just let go.
		return errors.Join(err, r.store.ReleaseLock(wctx, l.ID, r.holder))
	}
	return r.store.FinishLock(wctx, l.ID, r.holder, lockErr)
}

// lockPass is one lock's share of a pass.
type lockPass struct {
	r      *Reconciler
	conn   Connector
	lock   db.Lock
	now    time.Time
	parent context.Context // the pass's context: once done, failures are not counted
	call   context.Context // connector calls
	db     context.Context // store reads and writes
	log    *slog.Logger
	stop   string // set when further calls on this lock are pointless (credentials refused)
}

// run reconciles the lock's codes. It returns the message to show on the lock
// ("" when it was reachable) and a store error.
func (p *lockPass) run(unmanaged []db.UnmanagedCode) (string, error) {
	// Read under the lease, so what another replica did on this lock is seen.
	codes, err := p.r.store.CodesToReconcile(p.db, p.lock.ID)
	if err != nil {
		return "", err
	}
	reported, err := p.conn.ListCodes(p.call, p.lock.DeviceID)
	if err != nil {
		if p.parent.Err() != nil {
			return "", nil
		}
		msg := errText(err)
		if KindOf(err) == Auth {
			msg = authMessage
		}
		p.log.Warn("list codes failed", slog.String("error", msg))
		return msg, p.unreachable(codes, msg)
	}
	m, err := p.match(codes, reported)
	if err != nil {
		return "", err
	}
	for _, c := range codes {
		var rc *Code
		if got, ok := m.ours[c.ID]; ok {
			rc = &got
		}
		if err := p.code(c, rc); err != nil {
			return "", err
		}
	}
	for _, x := range m.extra {
		p.removeExtra(x)
	}
	if err := p.unmanaged(m.foreign, unmanaged); err != nil {
		return "", err
	}
	return p.stop, nil
}

// matched sorts what a lock reports: our codes (by the device code id we saved,
// else by the marker in the name), extra copies of ours, and foreign codes.
type matched struct {
	ours    map[int64]Code
	extra   []Code
	foreign []Code
}

// match recognises our codes. The device code id we saved is authoritative; the
// marker in the name (see CodeName) finds a code whose creation was not recorded,
// say after a crash between the call and the database write, and it is adopted
// instead of being set again. When the connector discloses PINs, a marked code
// must also carry our PIN: a marker alone could come from another installation.
func (p *lockPass) match(codes []db.AccessCode, reported []Code) (matched, error) {
	m := matched{ours: make(map[int64]Code, len(codes))}
	live := make(map[int64]bool, len(codes))
	byDevice := make(map[string]int64, len(codes))
	for _, c := range codes {
		live[c.ID] = true
		if c.DeviceCodeID != "" {
			byDevice[c.DeviceCodeID] = c.ID
		}
	}
	var marked []Code
	listed := make(map[string]bool, len(reported))
	for _, rc := range reported {
		if rc.ID != "" && listed[rc.ID] {
			continue // listed twice: one code all the same
		}
		listed[rc.ID] = true
		if id, ok := byDevice[rc.ID]; ok && rc.ID != "" {
			m.ours[id] = rc
			continue
		}
		if id, ok := ParseMarker(rc.Name); ok && live[id] {
			marked = append(marked, rc)
			continue
		}
		m.foreign = append(m.foreign, rc)
	}
	// The copy most likely to be working is adopted; any others are extras.
	slices.SortStableFunc(marked, func(a, b Code) int { return cmp.Compare(adoptRank(a.Status), adoptRank(b.Status)) })
	for _, rc := range marked {
		id, _ := ParseMarker(rc.Name)
		if rc.PIN != "" {
			pin, err := p.r.store.CodePIN(p.db, id)
			if err != nil {
				return m, err
			}
			if pin != rc.PIN {
				m.foreign = append(m.foreign, rc)
				continue
			}
		}
		if _, have := m.ours[id]; have {
			m.extra = append(m.extra, rc)
			continue
		}
		p.log.Info("code found on the lock adopted", slog.Int64("code_id", id), slog.String("device_code_id", rc.ID))
		m.ours[id] = rc
	}
	return m, nil
}

func adoptRank(s CodeStatus) int {
	switch s {
	case CodeSet:
		return 0
	case CodeSetting:
		return 1
	case CodeRemoving:
		return 3
	}
	return 2
}

// code converges one of our codes, given what the lock reports of it (nil: not
// on the lock).
func (p *lockPass) code(c db.AccessCode, rc *Code) error {
	want := wantOn(c, p.now, p.lock.NativeSchedules)
	switch {
	case want && rc != nil:
		return p.observe(c, reportedStatus(c, *rc, p.now), rc.ID, vendorErrors(*rc))
	case want:
		return p.set(c)
	case rc != nil:
		return p.remove(c, *rc)
	default:
		return p.absent(c)
	}
}

// wantOn reports whether c belongs on the lock at now. A lock that enforces
// windows itself gets a code up to EarlyPush before its window opens.
func wantOn(c db.AccessCode, now time.Time, native bool) bool {
	if c.ShouldBeOn(now) {
		return true
	}
	return native && c.RevokedAt.IsZero() && !c.StartsAt.IsZero() && !c.EndsAt.IsZero() &&
		now.Before(c.StartsAt) && c.StartsAt.Sub(now) <= EarlyPush
}

// codeWindow is the window sent with a code: its own when the lock enforces
// windows, else none (the reconciler sets and removes it on time instead).
func codeWindow(c db.AccessCode, native bool) domain.Window {
	if native && !c.StartsAt.IsZero() && !c.EndsAt.IsZero() {
		return domain.Window{Start: c.StartsAt, End: c.EndsAt}
	}
	return domain.Window{}
}

// reportedStatus is our status for a code the lock reports.
func reportedStatus(c db.AccessCode, rc Code, now time.Time) domain.CodeStatus {
	switch rc.Status {
	case CodeSet:
		return domain.StatusOnLock
	case CodeSetting:
		return domain.StatusSetting
	case CodeRemoving:
		return domain.StatusRemoving
	case CodeUnset:
		// Known to the lock's cloud, not yet in the lock: a native schedule that
		// has not started, or a code still to be programmed.
		if c.ShouldBeOn(now) {
			return domain.StatusSetting
		}
		return domain.StatusScheduled
	}
	if c.Status == domain.StatusOnLock || c.Status == domain.StatusSetting {
		return c.Status
	}
	return domain.StatusSetting
}

func vendorErrors(rc Code) string {
	return clip(strings.Join(rc.Errors, "; "))
}

// due reports whether a code's next attempt may be made at now.
func due(c db.AccessCode, now time.Time) bool {
	return c.NextAttemptAt.IsZero() || !c.NextAttemptAt.After(now)
}

// removalDue is due, except that the settling time after a successful set
// (attempts at zero) never holds back a removal.
func removalDue(c db.AccessCode, now time.Time) bool {
	return c.Attempts == 0 || due(c, now)
}

// neverSent reports whether c cannot be on the lock: it was never sent, or the
// lock refused it. Such a code needs no lock to be marked removed.
func neverSent(c db.AccessCode) bool {
	return (c.Status == domain.StatusScheduled || c.Status == domain.StatusFailed) && c.DeviceCodeID == "" && c.SetAt.IsZero()
}

// observe records a status when it differs from the one stored.
func (p *lockPass) observe(c db.AccessCode, status domain.CodeStatus, deviceCodeID, errMsg string) error {
	if c.Status == status && c.LastError == errMsg && (deviceCodeID == "" || deviceCodeID == c.DeviceCodeID) {
		return nil
	}
	if c.Status != status {
		p.log.Info("code status", slog.Int64("code_id", c.ID), slog.String("from", string(c.Status)), slog.String("to", string(status)))
	}
	return p.r.store.ObserveCode(p.db, c.ID, db.CodeObservation{Status: status, DeviceCodeID: deviceCodeID, Error: errMsg})
}

// set puts a wanted code that the lock does not report on the lock.
func (p *lockPass) set(c db.AccessCode) error {
	if c.Status == domain.StatusFailed || !due(c, p.now) || p.stop != "" || p.call.Err() != nil {
		return nil // failed codes wait for the owner's retry
	}
	// Intent first: if the process dies after the call, the code says "setting"
	// and the next pass finds it on the lock by its marker.
	if err := p.observe(c, domain.StatusSetting, "", c.LastError); err != nil {
		return err
	}
	c.Status = domain.StatusSetting
	pin, err := p.r.store.CodePIN(p.db, c.ID)
	if err != nil {
		return err
	}
	spec := CodeSpec{Name: CodeName(c.Label, c.ID), PIN: pin, Window: codeWindow(c, p.lock.NativeSchedules)}
	got, err := p.conn.SetCode(p.call, p.lock.DeviceID, spec)
	if err != nil {
		return p.failed(c, actionSet, err)
	}
	p.log.Info("code sent to the lock", slog.Int64("code_id", c.ID), slog.String("device_code_id", got.ID))
	status := reportedStatus(c, got, p.now)
	if status == domain.StatusRemoving {
		status = domain.StatusSetting
	}
	if err := p.r.store.ObserveCode(p.db, c.ID, db.CodeObservation{Status: status, DeviceCodeID: got.ID, Error: vendorErrors(got)}); err != nil {
		return err
	}
	return p.r.store.RecordAttempt(p.db, c.ID, actionSet, "", p.now.Add(settleAfterSet))
}

// remove takes an unwanted code that the lock reports off the lock. It stays
// "removing" until a later list no longer reports it.
func (p *lockPass) remove(c db.AccessCode, rc Code) error {
	if rc.Status == CodeRemoving {
		return p.observe(c, domain.StatusRemoving, rc.ID, vendorErrors(rc))
	}
	if !removalDue(c, p.now) || p.stop != "" || p.call.Err() != nil {
		return nil
	}
	err := p.conn.RemoveCode(p.call, p.lock.DeviceID, rc.ID)
	if err != nil {
		return p.failed(c, actionRemove, err)
	}
	p.log.Info("code removal sent to the lock", slog.Int64("code_id", c.ID), slog.String("device_code_id", rc.ID))
	if err := p.observe(c, domain.StatusRemoving, rc.ID, ""); err != nil {
		return err
	}
	return p.r.store.RecordAttempt(p.db, c.ID, actionRemove, "", time.Time{})
}

// absent settles an unwanted code the lock does not report: removed once it may
// have been on the lock or its time is over, scheduled while it has not started.
func (p *lockPass) absent(c db.AccessCode) error {
	sent := c.Status == domain.StatusSetting || c.Status == domain.StatusOnLock || c.Status == domain.StatusRemoving ||
		c.DeviceCodeID != "" || !c.SetAt.IsZero()
	over := !c.RevokedAt.IsZero() || (!c.EndsAt.IsZero() && !p.now.Before(c.EndsAt))
	switch {
	case sent || over:
		return p.observe(c, domain.StatusRemoved, "", "")
	case c.Status == domain.StatusFailed:
		return nil // not started, refused: stays failed for the owner
	default:
		return p.observe(c, domain.StatusScheduled, "", "")
	}
}

// failed records a call that did not work. Transient errors are retried with
// backoff; a refused code fails until the owner retries it; a removal is never
// given up on (the code must leave the door), it backs off and stays "removing"
// with the reason, which the overdue alert then shows.
func (p *lockPass) failed(c db.AccessCode, action string, err error) error {
	if p.parent.Err() != nil {
		return nil // shutting down: not the lock's fault; the next start lists and carries on
	}
	msg := errText(err)
	kind := KindOf(err)
	if kind == Auth {
		msg = authMessage
		p.stop = authMessage
	}
	if p.call.Err() != nil {
		kind = Transient // the lock's budget ran out
	}
	log := p.log.With(slog.Int64("code_id", c.ID), slog.String("action", action), slog.String("kind", kind.String()))
	if action == actionRemove && kind == Permanent && errors.Is(err, ErrNotFound) {
		log.Info("code already gone from the lock")
		if err := p.observe(c, domain.StatusRemoved, "", ""); err != nil {
			return err
		}
		return p.r.store.RecordAttempt(p.db, c.ID, action, "", time.Time{})
	}
	log.Warn("lock call failed", slog.String("error", msg))
	if action == actionSet && kind != Transient {
		if err := p.observe(c, domain.StatusFailed, "", msg); err != nil {
			return err
		}
		return p.r.store.RecordAttempt(p.db, c.ID, action, msg, time.Time{})
	}
	status := domain.StatusSetting
	if action == actionRemove {
		status = domain.StatusRemoving
	}
	if err := p.observe(c, status, "", msg); err != nil {
		return err
	}
	return p.r.store.RecordAttempt(p.db, c.ID, action, msg, p.r.nextAttempt(p.now, c.Attempts+1))
}

// unreachable handles a lock whose codes could not be listed. Nothing is marked
// done that the lock has not confirmed: codes on their way keep their status with
// the reason, and each pending one counts an attempt and backs off. Only a code
// that was never sent can be settled without the lock.
func (p *lockPass) unreachable(codes []db.AccessCode, msg string) error {
	for _, c := range codes {
		want := wantOn(c, p.now, p.lock.NativeSchedules)
		var action string
		var status domain.CodeStatus
		switch {
		case !want && neverSent(c):
			if err := p.absent(c); err != nil {
				return err
			}
			continue
		case want && (c.Status == domain.StatusScheduled || c.Status == domain.StatusSetting) && due(c, p.now):
			action, status = actionSet, domain.StatusSetting
		case !want && !neverSent(c) && c.Status != domain.StatusFailed && removalDue(c, p.now):
			action, status = actionRemove, domain.StatusRemoving
		default:
			continue
		}
		if err := p.observe(c, status, "", msg); err != nil {
			return err
		}
		if err := p.r.store.RecordAttempt(p.db, c.ID, action, msg, p.r.nextAttempt(p.now, c.Attempts+1)); err != nil {
			return err
		}
	}
	return nil
}

// removeExtra takes off a second copy of one of our codes (ours by its marker and
// PIN). Failures are logged and retried on the next pass.
func (p *lockPass) removeExtra(rc Code) {
	if rc.Status == CodeRemoving || p.stop != "" || p.call.Err() != nil {
		return
	}
	err := p.conn.RemoveCode(p.call, p.lock.DeviceID, rc.ID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		p.log.Warn("removing an extra copy of a code failed", slog.String("device_code_id", rc.ID), slog.String("error", errText(err)))
		return
	}
	p.log.Warn("extra copy of a code removed", slog.String("device_code_id", rc.ID))
}

// unmanaged records the foreign codes for the owner and removes the ones the
// owner asked to remove; they leave the list once the lock no longer reports them.
func (p *lockPass) unmanaged(foreign []Code, known []db.UnmanagedCode) error {
	if len(foreign) == 0 && len(known) == 0 {
		return nil
	}
	seen := make([]db.SeenCode, 0, len(foreign))
	byID := make(map[string]Code, len(foreign))
	for _, rc := range foreign {
		seen = append(seen, db.SeenCode{DeviceCodeID: rc.ID, Name: rc.Name})
		byID[rc.ID] = rc
	}
	if err := p.r.store.SyncUnmanaged(p.db, p.lock.ID, seen); err != nil {
		return err
	}
	for _, u := range known {
		rc, ok := byID[u.DeviceCodeID]
		if u.RemovalRequestedAt.IsZero() || !ok || rc.Status == CodeRemoving || p.stop != "" || p.call.Err() != nil {
			continue
		}
		msg := ""
		if err := p.conn.RemoveCode(p.call, p.lock.DeviceID, u.DeviceCodeID); err != nil && !errors.Is(err, ErrNotFound) {
			if p.parent.Err() != nil {
				return nil
			}
			msg = errText(err)
			if KindOf(err) == Auth {
				msg, p.stop = authMessage, authMessage
			}
			p.log.Warn("removing an unmanaged code failed", slog.Int64("unmanaged_id", u.ID), slog.String("error", msg))
		} else {
			p.log.Info("unmanaged code removal sent to the lock", slog.Int64("unmanaged_id", u.ID))
		}
		if msg != u.LastError {
			if err := p.r.store.MarkUnmanagedError(p.db, u.ID, msg); err != nil {
				return err
			}
		}
	}
	return nil
}

// CodeName is the name a code carries on the lock: its label, then a marker made
// from its id ("Cleaner · gh-42"), within maxCodeName runes. The label is cut, never
// the marker, which is how a code is recognised as ours (ParseMarker).
func CodeName(label string, id int64) string {
	marker := "gh-" + strconv.FormatInt(id, 10)
	label = strings.Join(strings.FieldsFunc(label, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }), " ")
	room := maxCodeName - len([]rune(marker)) - len([]rune(" · "))
	if label == "" || room < 1 {
		return marker
	}
	if rs := []rune(label); len(rs) > room {
		label = strings.TrimSpace(string(rs[:room]))
	}
	return label + " · " + marker
}

// ParseMarker returns the code id in a name made by CodeName: the "gh-<digits>"
// that ends it, not glued to a letter or digit before it.
func ParseMarker(name string) (int64, bool) {
	name = strings.TrimSpace(name)
	i := strings.LastIndex(name, "gh-")
	if i < 0 {
		return 0, false
	}
	digits := name[i+len("gh-"):]
	if digits == "" || len(digits) > 18 || strings.Trim(digits, "0123456789") != "" {
		return 0, false
	}
	if i > 0 {
		if r := []rune(name[:i]); unicode.IsLetter(r[len(r)-1]) || unicode.IsDigit(r[len(r)-1]) {
			return 0, false
		}
	}
	id, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}

// errText is an error as owners see it, bounded in length.
func errText(err error) string {
	return clip(err.Error())
}

func clip(s string) string {
	if len(s) <= maxErrText {
		return s
	}
	cut := maxErrText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
