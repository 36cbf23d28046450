package seam

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/lock"
)

// reply is one canned HTTP answer.
type reply struct {
	status int
	header map[string]string
	body   string
}

// scripted serves replies in order (the last one repeats) and records requests.
type scripted struct {
	mu       sync.Mutex
	replies  []reply
	requests []recorded
}

type recorded struct {
	method, path, auth, contentType string
	body                            map[string]any
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	_ = json.Unmarshal(raw, &body)
	s.mu.Lock()
	n := len(s.requests)
	s.requests = append(s.requests, recorded{r.Method, r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), body})
	rep := s.replies[min(n, len(s.replies)-1)]
	s.mu.Unlock()
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(rep.status)
	_, _ = io.WriteString(w, rep.body)
}

func (s *scripted) got() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recorded(nil), s.requests...)
}

func serve(t *testing.T, replies ...reply) (*Client, *sleepLog, *scripted) {
	t.Helper()
	s := &scripted{replies: replies}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c, sl := testClient(srv.URL, "seam_testkey_secret")
	return c, sl, s
}

const noDevices = `{"devices":[],"pagination":{"has_next_page":false,"next_page_cursor":null,"next_page_url":null}}`

func seamErr(typ, msg string) string {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"type": typ, "message": msg, "stack": "Error: at secret.js:1"}, "ok": false})
	return string(b)
}

func TestErrorMapping(t *testing.T) {
	tests := []struct {
		name     string
		rep      reply
		wantKind lock.ErrorKind
		wantCode string
		notFound bool
	}{
		{"401 unauthorized", reply{401, nil, seamErr("unauthorized", "API Key not found")}, lock.Auth, "unauthorized", false},
		{"403 forbidden", reply{403, nil, seamErr("forbidden", "not allowed")}, lock.Auth, "forbidden", false},
		{"400 naming an invalid key", reply{400, nil, seamErr("invalid_api_key", "bad key")}, lock.Auth, "invalid_api_key", false},
		{"400 invalid input", reply{400, nil, seamErr("invalid_input", "since is required")}, lock.Permanent, "invalid_input", false},
		{"404 not found", reply{404, nil, seamErr("device_not_found", "Device not found")}, lock.Permanent, "device_not_found", true},
		{"409 duplicate code", reply{409, nil, seamErr("duplicate_access_code", "duplicate")}, lock.Permanent, "duplicate_access_code", false},
		{"422 constraint", reply{422, nil, seamErr("code_does_not_meet_constraints", "no zeros")}, lock.Permanent, "code_does_not_meet_constraints", false},
		{"400 no free slots", reply{400, nil, seamErr("max_access_codes_reached", "no slots")}, lock.Permanent, "max_access_codes_reached", false},
		{"429 rate limited", reply{429, nil, seamErr("rate_limited", "slow down")}, lock.Transient, "rate_limited", false},
		{"500 server error", reply{500, nil, seamErr("internal_server_error", "boom")}, lock.Transient, "internal_server_error", false},
		{"503 without a body", reply{503, nil, ""}, lock.Transient, "", false},
		{"502 HTML page", reply{502, nil, "<html>bad gateway</html>"}, lock.Transient, "", false},
		{"200 that is not JSON", reply{200, nil, "<html>captive portal</html>"}, lock.Transient, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, _ := serve(t, tt.rep)
			c.maxAttempts = 1
			_, err := c.ListLocks(context.Background())
			assertErr(t, "ListLocks", err, tt.wantKind, tt.wantCode)
			if got := errors.Is(err, lock.ErrNotFound); got != tt.notFound {
				t.Errorf("errors.Is(err, lock.ErrNotFound): got %v, want %v", got, tt.notFound)
			}
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Errorf("error %q leaks the key or the vendor's stack", err)
			}
		})
	}
}

func TestRetryAfter429ThenOK(t *testing.T) {
	c, sl, s := serve(t,
		reply{429, map[string]string{"Retry-After": "2"}, seamErr("rate_limited", "slow down")},
		reply{200, nil, noDevices},
	)
	if _, err := c.ListLocks(context.Background()); err != nil {
		t.Fatalf("ListLocks: %v", err)
	}
	if got := len(s.got()); got != 2 {
		t.Errorf("got %d requests, want 2", got)
	}
	if got := sl.got(); len(got) != 1 || got[0] != 2*time.Second {
		t.Errorf("got waits %v, want [2s] from Retry-After", got)
	}
}

func TestRetryAfterForms(t *testing.T) {
	now := time.Date(2030, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		header string
		want   time.Duration
		ok     bool
	}{
		{"3", 3 * time.Second, true},
		{"0", 0, true},
		{now.Add(5 * time.Second).Format(http.TimeFormat), 5 * time.Second, true},
		{now.Add(-5 * time.Second).Format(http.TimeFormat), 0, true},
		{"", 0, false},
		{"-1", 0, false},
		{"soon", 0, false},
	}
	for _, tt := range tests {
		got, ok := retryAfter(tt.header, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("retryAfter(%q): got %v, %v, want %v, %v", tt.header, got, ok, tt.want, tt.ok)
		}
	}
}

func TestRetryAfterTooLongIsNotWaited(t *testing.T) {
	c, sl, s := serve(t, reply{429, map[string]string{"Retry-After": "3600"}, seamErr("rate_limited", "slow down")})
	_, err := c.ListLocks(context.Background())
	assertErr(t, "ListLocks", err, lock.Transient, "rate_limited")
	if got := len(s.got()); got != 1 {
		t.Errorf("got %d requests, want 1", got)
	}
	if got := sl.got(); len(got) != 0 {
		t.Errorf("got waits %v, want none", got)
	}
}

func TestRetry500Exhausted(t *testing.T) {
	c, sl, s := serve(t, reply{500, map[string]string{"seam-request-id": "req_42"}, seamErr("internal_server_error", "boom")})
	_, err := c.ListLocks(context.Background())
	assertErr(t, "ListLocks", err, lock.Transient, "internal_server_error")
	if !strings.Contains(err.Error(), "req_42") {
		t.Errorf("error %q: want Seam's request id in it", err)
	}
	if got, want := len(s.got()), c.maxAttempts; got != want {
		t.Errorf("got %d requests, want %d", got, want)
	}
	waits := sl.got()
	if got, want := len(waits), c.maxAttempts-1; got != want {
		t.Fatalf("got %d waits, want %d", got, want)
	}
	for i, w := range waits {
		full := min(c.baseDelay<<i, c.maxDelay)
		if w < full/2 || w > full {
			t.Errorf("wait %d: got %v, want between %v and %v", i, w, full/2, full)
		}
	}
}

func TestCreateIsNotRetriedBlindly(t *testing.T) {
	tests := []struct {
		name         string
		rep          reply
		wantRequests int
		wantKind     lock.ErrorKind
	}{
		{"500 may have created the code", reply{500, nil, seamErr("internal_server_error", "boom")}, 1, lock.Transient},
		{"503 may have created the code", reply{503, nil, ""}, 1, lock.Transient},
		{"429 was turned away", reply{429, map[string]string{"Retry-After": "1"}, seamErr("rate_limited", "slow")}, 4, lock.Transient},
		{"409 is final", reply{409, nil, seamErr("duplicate_access_code", "dup")}, 1, lock.Permanent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, s := serve(t, tt.rep)
			_, err := c.SetCode(context.Background(), "dev1", lock.CodeSpec{Name: "n", PIN: "1357"})
			if err == nil || lock.KindOf(err) != tt.wantKind {
				t.Errorf("got error %v, want kind %v", err, tt.wantKind)
			}
			if got := len(s.got()); got != tt.wantRequests {
				t.Errorf("got %d requests, want %d", got, tt.wantRequests)
			}
		})
	}
}

func TestNetworkErrorIsTransient(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there now
	c, sl := testClient(url, "k")
	_, err := c.ListLocks(context.Background())
	assertErr(t, "ListLocks", err, lock.Transient, "")
	if got, want := len(sl.got()), c.maxAttempts-1; got != want {
		t.Errorf("got %d waits, want %d", got, want)
	}
	// A refused connection never reached Seam, so even create may retry it.
	sl2 := &sleepLog{}
	c.sleep = sl2.sleep
	_, err = c.SetCode(context.Background(), "d", lock.CodeSpec{PIN: "1234"})
	assertErr(t, "SetCode", err, lock.Transient, "")
	if got, want := len(sl2.got()), c.maxAttempts-1; got != want {
		t.Errorf("SetCode: got %d waits, want %d", got, want)
	}
}

func TestTimeoutIsTransientAndCreateNotRetried(t *testing.T) {
	release := make(chan struct{})
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		<-release
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	c, _ := testClient(srv.URL, "k")
	c.hc.Timeout = 50 * time.Millisecond
	_, err := c.SetCode(context.Background(), "d", lock.CodeSpec{PIN: "1234"})
	assertErr(t, "SetCode", err, lock.Transient, "")
	if got := hits.Load(); got != 1 {
		t.Errorf("got %d requests, want 1: a create that timed out may have landed", got)
	}
}

func TestCanceledContext(t *testing.T) {
	c, _, _ := serve(t, reply{500, nil, seamErr("internal_server_error", "boom")})
	ctx, cancel := context.WithCancel(context.Background())
	c.sleep = func(context.Context, time.Duration) error { cancel(); return context.Canceled }
	_, err := c.ListLocks(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want it to wrap context.Canceled", err)
	}
	if lock.KindOf(err) != lock.Transient {
		t.Errorf("got kind %v, want transient", lock.KindOf(err))
	}
}

func TestNoSecretsInErrors(t *testing.T) {
	const pin = "864209"
	msg := "Cannot set duplicate access code " + pin + " with key seam_testkey_secret"
	c, _, _ := serve(t, reply{409, nil, seamErr("duplicate_access_code", msg)})
	_, err := c.SetCode(context.Background(), "dev1", lock.CodeSpec{Name: "Guest", PIN: pin})
	assertErr(t, "SetCode", err, lock.Permanent, "duplicate_access_code")
	for _, secret := range []string{pin, "seam_testkey_secret", "secret.js"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q contains %q", err, secret)
		}
	}
}

func TestRequestShape(t *testing.T) {
	start := time.Date(2031, 7, 4, 16, 0, 0, 0, time.FixedZone("EDT", -4*3600))
	code := `{"access_code":{"access_code_id":"ac1","device_id":"dev1","name":"Guest","code":"1357","type":"time_bound","status":"setting",` +
		`"starts_at":"2031-07-04T20:00:00.000Z","ends_at":"2031-07-05T20:00:00.000Z","errors":[],"warnings":[]}}`
	tests := []struct {
		name string
		call func(c *Client) error
		path string
		want map[string]any
	}{
		{
			name: "time-bound code",
			call: func(c *Client) error {
				_, err := c.SetCode(context.Background(), "dev1", lock.CodeSpec{Name: "Guest", PIN: "1357",
					Window: domain.Window{Start: start, End: start.Add(24 * time.Hour)}})
				return err
			},
			path: "/access_codes/create",
			want: map[string]any{"device_id": "dev1", "name": "Guest", "code": "1357",
				"starts_at": "2031-07-04T20:00:00Z", "ends_at": "2031-07-05T20:00:00Z"},
		},
		{
			name: "permanent code",
			call: func(c *Client) error {
				_, err := c.SetCode(context.Background(), "dev1", lock.CodeSpec{Name: "Family", PIN: "2468"})
				return err
			},
			path: "/access_codes/create",
			want: map[string]any{"device_id": "dev1", "name": "Family", "code": "2468"},
		},
		{
			name: "remove",
			call: func(c *Client) error { return c.RemoveCode(context.Background(), "dev1", "ac1") },
			path: "/access_codes/delete",
			want: map[string]any{"device_id": "dev1", "access_code_id": "ac1"},
		},
		{
			name: "list codes",
			call: func(c *Client) error { _, err := c.ListCodes(context.Background(), "dev1"); return err },
			path: "/access_codes/list",
			want: map[string]any{"device_id": "dev1", "limit": 500.0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, s := serve(t, reply{200, nil, code})
			if err := tt.call(c); err != nil {
				t.Fatalf("call: %v", err)
			}
			reqs := s.got()
			if len(reqs) != 1 {
				t.Fatalf("got %d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.method != http.MethodPost || r.path != tt.path {
				t.Errorf("got %s %s, want POST %s", r.method, r.path, tt.path)
			}
			if r.auth != "Bearer seam_testkey_secret" {
				t.Errorf("got Authorization %q, want the bearer key", r.auth)
			}
			if r.contentType != "application/json" {
				t.Errorf("got Content-Type %q, want application/json", r.contentType)
			}
			gotJSON, _ := json.Marshal(r.body)
			wantJSON, _ := json.Marshal(tt.want)
			if string(gotJSON) != string(wantJSON) {
				t.Errorf("got body %s, want %s", gotJSON, wantJSON)
			}
		})
	}
}

func TestSetCodeRejectsHalfWindow(t *testing.T) {
	c, _, s := serve(t, reply{200, nil, "{}"})
	now := time.Now()
	for _, w := range []domain.Window{{Start: now}, {End: now}, {Start: now, End: now.Add(-time.Hour)}} {
		_, err := c.SetCode(context.Background(), "dev1", lock.CodeSpec{PIN: "1234", Window: w})
		assertErr(t, "SetCode", err, lock.Permanent, "")
	}
	if got := len(s.got()); got != 0 {
		t.Errorf("got %d requests, want 0", got)
	}
}

func TestListFollowsPageCursor(t *testing.T) {
	page := func(id, next string) reply {
		p := `{"has_next_page":false,"next_page_cursor":null}`
		if next != "" {
			p = `{"has_next_page":true,"next_page_cursor":"` + next + `"}`
		}
		return reply{200, nil, `{"access_codes":[{"access_code_id":"` + id + `","device_id":"dev1","type":"ongoing","status":"set"}],"pagination":` + p + `}`}
	}
	c, _, s := serve(t, page("a", "cur1"), page("b", "cur2"), page("c", ""))
	codes, err := c.ListCodes(context.Background(), "dev1")
	if err != nil {
		t.Fatalf("ListCodes: %v", err)
	}
	var ids []string
	for _, cd := range codes {
		ids = append(ids, cd.ID)
	}
	if got, want := strings.Join(ids, ","), "a,b,c"; got != want {
		t.Errorf("got codes %s, want %s", got, want)
	}
	reqs := s.got()
	wantCursors := []any{nil, "cur1", "cur2"}
	for i, r := range reqs {
		if r.body["page_cursor"] != wantCursors[i] {
			t.Errorf("request %d: got page_cursor %v, want %v", i, r.body["page_cursor"], wantCursors[i])
		}
		if r.body["device_id"] != "dev1" || r.body["limit"] != 500.0 {
			t.Errorf("request %d: got body %v, want the first page's parameters", i, r.body)
		}
	}
}
