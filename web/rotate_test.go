package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/web/paths"
)

// holdWriter stalls the database's writer inside a write that ends up saving
// nothing, until the returned release is called (the test's cleanup calls it
// too). Meanwhile requests read the state as it was and queue their writes
// behind the held one; waitQueued says when they have.
func (a *testApp) holdWriter(l db.Lock) (release func()) {
	a.t.Helper()
	inside, gate, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		a.db.CreateAccess(context.Background(), db.NewAccess{GuestName: "writer held", LockIDs: []int64{l.ID},
			TimeZone: l.TimeZone, PINFor: func([]string) (string, error) {
				close(inside)
				<-gate
				return "", errors.New("test: the held write saves nothing")
			}})
	}()
	<-inside
	var once sync.Once
	release = func() { once.Do(func() { close(gate); <-done }) }
	a.t.Cleanup(release) // before the database closes: Close waits for the writer
	return release
}

// waitQueued waits until n writes are queued behind a held writer: a bounded
// poll of an observable condition, not a guess at how long requests take.
func (a *testApp) waitQueued(n int) {
	a.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for a.db.QueuedWrites() < n {
		if time.Now().After(deadline) {
			a.t.Fatalf("waited 10s for %d queued writes, got %d", n, a.db.QueuedWrites())
		}
		time.Sleep(time.Millisecond)
	}
}

// concurrently runs do twice, both requests reading the access while it is
// still live, and returns both answers once the writes they queued have run.
func (a *testApp) concurrently(l db.Lock, do func() response) []response {
	return a.concurrentlyEach(l, do, do)
}

// concurrentlyEach runs each of dos as concurrently does, and returns their
// answers in the order they came.
func (a *testApp) concurrentlyEach(l db.Lock, dos ...func() response) []response {
	a.t.Helper()
	release := a.holdWriter(l)
	out := make(chan response, len(dos))
	for _, do := range dos {
		go func() { out <- do() }()
	}
	a.waitQueued(len(dos))
	release()
	var got []response
	for range dos {
		got = append(got, <-out)
	}
	return got
}

// A double-submitted rotation: both requests find the access live, one
// rotates it, and the other finds it replaced inside its write. The browser
// shows only the last answer, so both send the owner to the new link, held
// for this session in the rotation's own transaction: it shows once, and
// nothing more is saved.
func TestRotateDoubleSubmit(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Olivia")
	l := app.addSimLock("Front door")
	_, a := c.give(app.giveForm("Ana", l))

	res := app.concurrently(l, func() response { return c.postForm(accessPath(a, "/rotate"), nil) })
	next := app.lastAccess()
	for _, r := range res {
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != paths.AccessCreated(next.ID) {
			t.Fatalf("got %d to %q, want both 303 to %s", r.Status, r.Header.Get("Location"), paths.AccessCreated(next.ID))
		}
	}
	shown := c.get(paths.AccessCreated(next.ID))
	if url := doc(t, shown.Body).Find("#share-link-url").Text(); shown.Status != http.StatusOK || !strings.Contains(url, "/s/") {
		t.Fatalf("the new link's page: got %d with link %q, want 200 with it", shown.Status, url)
	}
	if again := c.get(paths.AccessCreated(next.ID)); doc(t, again.Body).Find("#share-link-url").Length() != 0 {
		t.Error("the link showed a second time")
	}
	// A later click on the old access's Rotate, the link seen: nothing held,
	// so it is told calmly, not sent to a link it cannot see again.
	if late := c.postForm(accessPath(a, "/rotate"), nil); late.Status != http.StatusConflict {
		t.Errorf("a rotate after the link was seen: got %d, want 409", late.Status)
	}
	if got, want := app.stored(), (stored{guests: 1, accesses: 2, codes: 2, links: 2}); got != want {
		t.Errorf("stored: got %+v, want %+v (one rotation)", got, want)
	}
	if n := strings.Count(strings.Join(app.auditActions(), ","), db.AuditAccessRotated); n != 1 {
		t.Errorf("access_rotated audited %d times, want once", n)
	}
}

// Two owners rotating at once: the one whose write loses holds no link, and
// answers calmly with the guest's page (409) and a word in the access's
// card, not a 500.
func TestRotateRaceTwoOwners(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Olivia")
	c2, _ := app.newOwner("Oscar")
	l := app.addSimLock("Front door")
	_, a := c.give(app.giveForm("Ana", l))

	res := app.concurrentlyEach(l, func() response { return c.postForm(accessPath(a, "/rotate"), nil) },
		func() response { return c2.postForm(accessPath(a, "/rotate"), nil) })
	if res[0].Status != http.StatusSeeOther {
		res[0], res[1] = res[1], res[0]
	}
	next := app.lastAccess()
	if won, lost := res[0], res[1]; won.Status != http.StatusSeeOther || won.Header.Get("Location") != paths.AccessCreated(next.ID) ||
		lost.Status != http.StatusConflict {
		t.Fatalf("got %d (to %q) and %d, want 303 to %s and 409", won.Status, won.Header.Get("Location"), lost.Status,
			paths.AccessCreated(next.ID))
	}
	card := doc(t, res[1].Body).Find("#access-" + strconv.FormatInt(a.ID, 10))
	if msg := card.Find(".flash-error").Text(); !strings.Contains(msg, "replaced or revoked meanwhile") {
		t.Errorf("the old access's card: got message %q, want it replaced meanwhile", msg)
	}
	if got, want := app.stored(), (stored{guests: 1, accesses: 2, codes: 2, links: 2}); got != want {
		t.Errorf("stored: got %+v, want %+v (one rotation)", got, want)
	}
}

// The same race through the API: one 201, one 409 conflict.
func TestAPIRotateDoubleSubmit(t *testing.T) {
	app := newAPIApp(t)
	first := app.giveCleo(48, nil)
	path := "/api/v1/accesses/" + strconv.FormatInt(first.Access.ID, 10) + "/rotate"

	got := app.concurrently(app.lock, func() response { return app.api(http.MethodPost, path, app.rwToken, nil) })
	if got[0].Status != http.StatusCreated {
		got[0], got[1] = got[1], got[0]
	}
	if got[0].Status != http.StatusCreated || got[1].Status != http.StatusConflict || errorOf(t, got[1]).Code != codeConflict {
		t.Fatalf("got %d and %d %s, want 201 and 409 conflict", got[0].Status, got[1].Status, got[1].Body)
	}
	if n := strings.Count(strings.Join(app.auditActions(), ","), db.AuditAccessRotated); n != 1 {
		t.Errorf("access_rotated audited %d times, want once", n)
	}
}

// When every code of the old length clashes with a code on the door, the
// rotation says so in the access's card (409) instead of failing with a 500,
// and changes nothing.
func TestRotateNoFreeCode(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Olivia")
	l := app.addSimLock("Front door")
	const pin = "583920"
	form := app.giveForm("Ana", l)
	form.Set("pin_mode", "own")
	form.Set("pin", pin)
	_, a := c.give(form)
	// A code beside every digit of the PIN's path ("0".."4", "6".."9", "50",
	// "51", …): every six-digit code starts with one of them, or is the PIN.
	for i := range len(pin) {
		for d := byte('0'); d <= '9'; d++ {
			if d == pin[i] {
				continue
			}
			if _, err := app.db.CreateAccessCode(context.Background(), db.NewAccessCode{LockID: l.ID, Label: "filler",
				PIN: pin[:i] + string(d), TimeZone: l.TimeZone}); err != nil {
				t.Fatal(err)
			}
		}
	}
	before := app.stored()
	res := c.postForm(accessPath(a, "/rotate"), nil)
	if res.Status != http.StatusConflict {
		t.Fatalf("rotate: got %d, want 409", res.Status)
	}
	card := doc(t, res.Body).Find("#access-" + strconv.FormatInt(a.ID, 10))
	if msg := card.Find(".flash-error").Text(); !strings.Contains(msg, "could not find a free code") {
		t.Errorf("the access's card: got message %q, want no free code", msg)
	}
	if got := app.stored(); got != before {
		t.Errorf("stored: got %+v, want %+v (nothing saved)", got, before)
	}
}
