package e2e

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/internal/testkit"
	"github.com/gatehouse/gatehouse/internal/testkit/binary"
	"github.com/gatehouse/gatehouse/internal/testkit/seamfake"
	"github.com/gatehouse/gatehouse/lock"
	"github.com/gatehouse/gatehouse/lock/seam"
)

// Lock faults, end to end against the real binary: a simulated lock goes
// offline, and Seam's cloud (its own fake) has an outage. While they are down,
// codes wait ("setting…", "removing…") and the owner's pages say why; once they
// are back, everything converges, with each live code on its lock exactly once
// and nothing revoked left behind. The reconciler's side of the same faults is
// tested step by step on a fake clock in lock/reconciler_seam_test.go
// (revoke during an outage, backoff) and web/locks_test.go
// (TestOfflineLockRaisesOverdueAlert: the overdue alert two minutes after the
// end).

// codeStatus is a code as the API reports it.
type codeStatus struct {
	Status    domain.CodeStatus `json:"status"`
	LastError string            `json:"last_error"`
}

func (o *procOwner) code(id int64) codeStatus {
	o.t.Helper()
	status, b, err := o.apiCall(http.MethodGet, fmt.Sprintf("/api/v1/codes/%d", id), nil)
	var res struct {
		Code codeStatus `json:"code"`
	}
	if err != nil || status != http.StatusOK || json.Unmarshal(b, &res) != nil {
		o.t.Fatalf("GET code %d: %d %v %.200s", id, status, err, b)
	}
	return res.Code
}

// waitCode polls a code until it has status want, for at most limit (a
// guard against a hang).
func (o *procOwner) waitCode(id int64, want domain.CodeStatus, limit time.Duration) codeStatus {
	o.t.Helper()
	var c codeStatus
	testkit.PollUntilReport(o.t, limit, fmt.Sprintf("code %d to be %s", id, want), func() bool {
		c = o.code(id)
		return c.Status == want
	}, func() string { return fmt.Sprintf("it is %s (last error %q)", c.Status, c.LastError) })
	return c
}

// holdFor checks, every 200 ms for d, that each code keeps one of the
// statuses allowed for it.
func (o *procOwner) holdFor(d time.Duration, allowed map[int64][]domain.CodeStatus) {
	o.t.Helper()
	// Not synchronisation: nothing is awaited; samples over d, any one can fail.
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		for id, ok := range allowed {
			if c := o.code(id); !slices.Contains(ok, c.Status) {
				o.t.Fatalf("code %d while the lock is away: %s (%s), want one of %v", id, c.Status, c.LastError, ok)
			}
		}
	}
}

func (o *procOwner) page(path string) string {
	o.t.Helper()
	status, body, err := o.get(path)
	if err != nil || status != http.StatusOK {
		o.t.Fatalf("GET %s: %d %v", path, status, err)
	}
	return body
}

func wantIn(t *testing.T, what, page string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(page, p) {
			t.Errorf("%s: lacks %q", what, p)
		}
	}
}

// section is the part of a page from the first occurrence of start on, to
// the next closing </section>.
func section(page, start string) string {
	_, rest, ok := strings.Cut(page, start)
	if !ok {
		return ""
	}
	s, _, _ := strings.Cut(rest, "</section>")
	return s
}

func TestFaultsSimLockOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	s := binary.NewServer(t, "--reconcile-every", "1s", "--events-every", "1s", "--sim-delay", "200ms")
	s.Invite()
	s.Start()
	o := newProcOwner(t, s)
	lockID := o.addSimLock()
	lockPath := fmt.Sprintf("/locks/%d", lockID)

	ana, ok := o.giveAccess("Ana Lima", lockID, time.Now())
	if !ok {
		t.Fatal("give access to Ana: refused")
	}
	_, anaPIN := reveal(s.Secrets.Client(10*time.Second), s.Base, ana.Token)
	o.waitCode(ana.Codes[0], domain.StatusOnLock, 15*time.Second)

	// The lock goes offline. Ben's new access cannot reach it and Ana's
	// revoked one cannot leave it: both wait, however many passes run.
	if status, _, err := o.post(lockPath+"/sim/offline", nil); err != nil || status != http.StatusOK {
		t.Fatalf("offline switch: %d %v", status, err)
	}
	ben, ok := o.giveAccess("Ben Okafor", lockID, time.Now())
	if !ok {
		t.Fatal("give access to Ben while the lock is offline: refused")
	}
	if status, _, err := o.apiCall(http.MethodPost, fmt.Sprintf("/api/v1/accesses/%d/revoke", ana.ID), nil); err != nil || status != http.StatusOK {
		t.Fatalf("revoke Ana: %d %v", status, err)
	}
	// A status is what the lock last reported: Ana's code is still on it
	// (revoked), or on its way off; Ben's is not on it yet. Neither may be
	// reported done while the lock cannot confirm it.
	waiting := map[int64][]domain.CodeStatus{
		ana.Codes[0]: {domain.StatusOnLock, domain.StatusRemoving},
		ben.Codes[0]: {domain.StatusScheduled, domain.StatusSetting},
	}
	o.holdFor(3*time.Second, waiting)
	if c := o.code(ben.Codes[0]); !strings.Contains(c.LastError, "offline") {
		t.Errorf("Ben's code: last error %q, want it to say the lock is offline", c.LastError)
	}

	// The owner's pages say so: the lock page, the locks list, the dashboard.
	lockPage := o.page(lockPath)
	wantIn(t, "lock page", lockPage, "offline since", "(revoked)", "the lock is offline")
	wantIn(t, "locks page", o.page("/locks"), "offline")
	attention := section(o.page("/"), `data-testid="attention"`)
	wantIn(t, "dashboard, locks needing attention", attention, "Simulated door 1", "offline since")

	// Back online: both converge at once (no waiting out the backoff), and the
	// lock holds Ben's code once and Ana's no more: at the keypad, Ben's opens
	// and Ana's does not.
	if status, _, err := o.post(lockPath+"/sim/online", nil); err != nil || status != http.StatusOK {
		t.Fatalf("online switch: %d %v", status, err)
	}
	o.waitCode(ana.Codes[0], domain.StatusRemoved, 15*time.Second)
	o.waitCode(ben.Codes[0], domain.StatusOnLock, 15*time.Second)
	simCodes := simCodesOn(t, s, lockID)
	if len(simCodes) != 1 || simCodes[0] != ben.Codes[0] {
		t.Errorf("the simulated lock holds codes %v, want only Ben's (%d)", simCodes, ben.Codes[0])
	}
	_, benPIN := reveal(s.Secrets.Client(10*time.Second), s.Base, ben.Token)
	for _, k := range []struct {
		who, pin, want string
	}{{"Ben", benPIN, "Unlocked"}, {"Ana", anaPIN, "Wrong code"}} {
		_, panel, err := o.post(lockPath+"/sim/keypad", url.Values{"pin": {k.pin}})
		if err != nil || k.pin == "" || !strings.Contains(panel, k.want) {
			t.Errorf("%s's code at the keypad: want %q (%v)", k.who, k.want, err)
		}
	}
	if attention := section(o.page("/"), `data-testid="attention"`); strings.Contains(attention, "offline since") {
		t.Errorf("dashboard still says the lock is offline after it came back")
	}
}

// simCodesOn lists the Gatehouse code ids a simulated lock holds, read from
// the simulator's own tables (the "physical" lock).
func simCodesOn(t *testing.T, s *binary.Server, lockID int64) []int64 {
	t.Helper()
	d := s.OpenDB()
	rows, err := d.Query(`SELECT c.name FROM sim_codes c JOIN locks l ON l.device_id = c.device_id WHERE l.id = ?`, lockID)
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatalf("lock %d: read a simulated code: %v", lockID, err)
		}
		id, ok := lock.ParseMarker(name)
		if !ok {
			t.Fatalf("lock %d holds a code Gatehouse did not make: %q", lockID, name)
		}
		out = append(out, id)
	}
	closeRows(t, rows, fmt.Sprintf("lock %d's simulated codes", lockID))
	return out
}

func TestFaultsSeamOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary and Seam's fake; skipped with -short")
	}
	fake := seamfake.Start(t)
	s := binary.NewServer(t, "--reconcile-every", "1s", "--events-every", "1s")
	s.Invite()
	s.Start()
	o := newProcOwner(t, s)
	status, page, err := o.post("/settings/connections/seam", url.Values{"name": {"Home"}, "base_url": {fake.URL}, "api_key": {seamfake.APIKey}})
	if err != nil || status >= 400 {
		t.Fatalf("connect Seam: %d %v\n%s", status, err, page)
	}
	front := seamLock(t, s, seamfake.FrontDoor)
	vendor := seam.NewClient(fake.URL, seamfake.APIKey, nil) // the owner's Seam console
	copies := func(code int64) int {
		t.Helper()
		codes, err := vendor.ListCodes(context.Background(), seamfake.FrontDoor)
		if err != nil {
			t.Fatalf("list codes on the fake: %v", err)
		}
		n := 0
		for _, c := range codes {
			if id, ok := lock.ParseMarker(c.Name); ok && id == code {
				n++
			}
		}
		return n
	}

	// Seam's fake keeps a code "setting" (it never reports one set).
	ana, ok := o.giveAccess("Ana Lima", front, time.Now())
	if !ok {
		t.Fatal("give access to Ana: refused")
	}
	o.waitCode(ana.Codes[0], domain.StatusSetting, 15*time.Second)
	testkit.PollUntil(t, 10*time.Second, "one copy of Ana's code on Seam", func() bool { return copies(ana.Codes[0]) == 1 })

	// The whole workspace goes down. Ana's revoked code cannot leave and Ben's
	// new one cannot be created; both wait, and the pages say why.
	outage := func(routes ...string) {
		if routes == nil {
			routes = []string{} // none: the outage ends
		}
		fake.Post(t, "_fake/simulate_workspace_outage", map[string]any{"workspace_id": seamfake.Workspace, "routes": routes})
	}
	outage("/devices/list", "/access_codes/list", "/access_codes/create", "/access_codes/delete")
	if status, _, err := o.apiCall(http.MethodPost, fmt.Sprintf("/api/v1/accesses/%d/revoke", ana.ID), nil); err != nil || status != http.StatusOK {
		t.Fatalf("revoke Ana: %d %v", status, err)
	}
	ben, ok := o.giveAccess("Ben Okafor", front, time.Now())
	if !ok {
		t.Fatal("give access to Ben during the outage: refused")
	}
	anaErr := o.waitErr(ana.Codes[0])
	o.waitErr(ben.Codes[0])
	o.holdFor(3*time.Second, map[int64][]domain.CodeStatus{
		ana.Codes[0]: {domain.StatusSetting, domain.StatusRemoving},
		ben.Codes[0]: {domain.StatusScheduled, domain.StatusSetting},
	})
	if !strings.Contains(anaErr, "503") {
		t.Errorf("Ana's code during the outage: error %q, want Seam's HTTP 503", anaErr)
	}
	lockPage := o.page(fmt.Sprintf("/locks/%d", front))
	wantIn(t, "lock page", lockPage, "(revoked)", "503", ">Retry<")
	connections := o.page("/settings/connections")
	wantIn(t, "connections page", connections, "503")

	// The outage ends: nothing changed on Seam behind Gatehouse's back. The
	// reconciler would retry after its backoff (30 s, tested on a fake clock
	// in lock/); the owner presses Retry, as the page offers, and both
	// converge: Ana's code gone, Ben's there once.
	outage()
	if a, b := copies(ana.Codes[0]), copies(ben.Codes[0]); a != 1 || b != 0 {
		t.Errorf("right after the outage: %d copies of Ana's code, %d of Ben's on Seam; want 1 and 0", a, b)
	}
	for _, code := range []int64{ana.Codes[0], ben.Codes[0]} {
		if status, _, err := o.post(fmt.Sprintf("/locks/%d/codes/%d/retry", front, code), nil); err != nil || status != http.StatusSeeOther {
			t.Fatalf("retry code %d: %d %v", code, status, err)
		}
	}
	o.waitCode(ana.Codes[0], domain.StatusRemoved, 15*time.Second)
	o.waitCode(ben.Codes[0], domain.StatusSetting, 15*time.Second)
	testkit.PollUntil(t, 10*time.Second, "one copy of Ben's code on Seam", func() bool { return copies(ben.Codes[0]) == 1 })
	if a, b := copies(ana.Codes[0]), copies(ben.Codes[0]); a != 0 || b != 1 {
		t.Errorf("after the outage: %d copies of Ana's code, %d of Ben's on Seam; want 0 and 1", a, b)
	}
	if c := o.code(ben.Codes[0]); c.LastError != "" {
		t.Errorf("Ben's code after the outage: error %q, want none", c.LastError)
	}
	if strings.Contains(o.page("/settings/connections"), "503") {
		t.Errorf("connections page still shows the outage's error after it ended")
	}
}

// waitErr waits until a code records an error, and returns it.
func (o *procOwner) waitErr(id int64) string {
	o.t.Helper()
	var c codeStatus
	testkit.PollUntil(o.t, 15*time.Second, fmt.Sprintf("an error recorded for code %d", id), func() bool {
		c = o.code(id)
		return c.LastError != ""
	})
	return c.LastError
}

// seamLock waits for Gatehouse to discover a Seam device and returns its lock id.
func seamLock(t *testing.T, s *binary.Server, device string) int64 {
	t.Helper()
	d := s.OpenDB()
	var id int64
	testkit.PollUntil(t, 15*time.Second, "Seam device "+device+" discovered", func() bool {
		err := d.QueryRow("SELECT id FROM locks WHERE device_id = ? AND removed_at IS NULL", device).Scan(&id)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			t.Fatalf("look for Seam device %s: %v", device, err)
		}
		return err == nil
	})
	return id
}

// TestIdleConnectionFlood opens 5,000 TCP connections to the binary that send
// nothing. The server must keep answering normal requests meanwhile, stay
// small, and close the silent connections itself (its header timeout), so
// they cannot be held forever. How soon is not asserted here: the deadlines
// are guards against a hang.
func TestIdleConnectionFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and opens 5,000 connections; skipped with -short")
	}
	const conns = 5000
	// Both ends live on this machine: the test holds one descriptor per
	// connection, the server another. The server inherits this limit.
	need := uint64(conns + 1000)
	if lim, err := raiseOpenFiles(t, need); lim.Cur < need {
		msg := fmt.Sprintf("open files limit %d (hard %d) after raising it: %d connections need %d: %v", lim.Cur, lim.Max, conns, need, err)
		if os.Getenv("CI") != "" {
			t.Fatal(msg + " (CI runs this test: raise the runner's hard limit, ulimit -Hn)")
		}
		t.Skip(msg)
	}
	s := binary.NewServer(t)
	s.Invite()
	s.Start()
	pid := s.Pid()
	rssIdle := procKB(t, pid, "VmRSS:")
	// get sends a GET on a fresh connection and wants a 200; no answer before
	// the hang guard fails the test.
	guard, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	get := func(path, when string) {
		t.Helper()
		req, err := http.NewRequestWithContext(guard, http.MethodGet, s.Base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s %s: %v", path, when, err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s %s: %d, want 200", path, when, res.StatusCode)
		}
	}

	start := time.Now()
	open := make([]net.Conn, conns)
	var readers sync.WaitGroup // one per connection, below
	t.Cleanup(func() {
		for _, c := range open {
			if c != nil {
				c.Close()
			}
		}
		readers.Wait()
	})
	var dialers sync.WaitGroup
	var failed atomic.Int32
	for w := range 50 {
		dialers.Go(func() {
			for i := w; i < conns; i += 50 {
				c, err := net.DialTimeout("tcp4", s.Addr, time.Minute)
				if err != nil {
					failed.Add(1)
					continue
				}
				open[i] = c
			}
		})
	}
	dialers.Wait()
	if n := failed.Load(); n > 0 {
		t.Fatalf("%d of %d connections could not be opened", n, conns)
	}
	opened := time.Since(start)

	// While they are all open, people are served.
	during := fmt.Sprintf("with %d idle connections open", conns)
	get("/healthz", during)
	get("/signin", during)
	rssFlood := procKB(t, pid, "VmRSS:")
	if rssFlood > 100<<10 {
		t.Errorf("server memory with %d idle connections: %d kB, want under 100 MB", conns, rssFlood)
	}

	// The server closes the silent connections: a read on each, which blocks
	// while the connection is open, ends in EOF or a reset. Anything else (a
	// byte, another error) is wrong.
	var closed atomic.Int32
	var mu sync.Mutex
	var wrong []string
	for i, c := range open {
		readers.Go(func() {
			n, err := c.Read(make([]byte, 1))
			if n == 0 && (errors.Is(err, io.EOF) || isReset(err)) {
				closed.Add(1)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			wrong = append(wrong, fmt.Sprintf("connection %d: read %d bytes, %v", i, n, err))
		})
	}
	testkit.PollUntilReport(t, 2*time.Minute, fmt.Sprintf("the server to close all %d silent connections", conns), func() bool {
		mu.Lock()
		defer mu.Unlock()
		if len(wrong) > 0 {
			t.Fatalf("a silent connection, want it closed by the server: %s (%d such)", wrong[0], len(wrong))
		}
		return closed.Load() == conns
	}, func() string { return fmt.Sprintf("%d of them closed", closed.Load()) })
	closedAfter := time.Since(start)
	for _, c := range open {
		c.Close()
	}
	get("/healthz", "after the flood")
	t.Logf("%d connections opened in %v; server VmRSS %d kB idle, %d kB with them open, peak %d kB; all closed by the server after %v",
		conns, opened.Round(time.Millisecond), rssIdle, rssFlood, procKB(t, pid, "VmHWM:"), closedAfter.Round(100*time.Millisecond))
}

// raiseOpenFiles raises this process's open-files limit, which the servers it
// starts inherit: the soft limit to the hard limit, and the hard limit too when
// it is below need and the process may (root, as in CI). It returns the limit
// in force afterwards, with why it is not higher, and puts the old limit back
// when the test ends.
func raiseOpenFiles(t *testing.T, need uint64) (syscall.Rlimit, error) {
	t.Helper()
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Fatalf("read the open files limit: %v", err)
	}
	var errs []error
	// The soft limit can only go as high as fs.nr_open, which an unlimited
	// hard limit is above: then need is the next thing to try.
	for i, cur := range []uint64{max(old.Max, need), need} {
		if i > 0 && cur == max(old.Max, need) {
			break
		}
		lim := syscall.Rlimit{Cur: cur, Max: max(old.Max, cur)}
		err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
		if err == nil {
			t.Cleanup(func() {
				if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
					t.Errorf("put the open files limit back to %d (hard %d): %v", old.Cur, old.Max, err)
				}
			})
			errs = nil
			break
		}
		errs = append(errs, fmt.Errorf("set %d (hard %d): %w", lim.Cur, lim.Max, err))
	}
	var now syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &now); err != nil {
		t.Fatalf("read the open files limit: %v", err)
	}
	return now, errors.Join(errs...)
}

func isReset(err error) bool { return errors.Is(err, syscall.ECONNRESET) }

// procKB reads a "kB" line of /proc/PID/status, such as VmRSS: or VmHWM:.
func procKB(t *testing.T, pid int, key string) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key); ok {
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", key, pid)
	return 0
}
