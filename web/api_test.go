package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
)

// apiApp is a Gatehouse with one owner, a simulated lock and tokens of both scopes.
type apiApp struct {
	*testApp
	owner     db.Owner
	lock      db.Lock
	readToken string
	rwToken   string
}

func newAPIApp(t *testing.T) *apiApp {
	t.Helper()
	app := newTestApp(t, testOrigin)
	app.newOwner("Ana")
	owners, err := app.db.Owners(context.Background())
	if err != nil || len(owners) != 1 {
		t.Fatalf("owners: got %d (%v), want 1", len(owners), err)
	}
	a := &apiApp{testApp: app, owner: owners[0], lock: app.addSimLock("Front door")}
	a.readToken = a.token("Dashboard", db.ScopeRead)
	a.rwToken = a.token("Booking", db.ScopeReadWrite)
	return a
}

// giveCleo gives Cleo an access to the app's lock through the API, from now for
// hours, with the body's other fields in more, and returns what was created.
func (a *apiApp) giveCleo(hours int, more map[string]any) apiSharedJSON {
	a.t.Helper()
	start := a.clock.Now()
	body := map[string]any{"guest": map[string]string{"name": "Cleo"}, "lock_ids": []int64{a.lock.ID},
		"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(time.Duration(hours) * time.Hour).Format(time.RFC3339)}
	maps.Copy(body, more)
	res := a.api(http.MethodPost, "/api/v1/accesses", a.rwToken, body)
	if res.Status != http.StatusCreated {
		a.t.Fatalf("create: got %d %s", res.Status, res.Body)
	}
	return decodeAPI[apiSharedJSON](a.t, res)
}

func (a *apiApp) token(name, scope string) string {
	a.t.Helper()
	tok, _, err := a.db.CreateAPIToken(context.Background(), name, scope, a.owner.ID)
	if err != nil {
		a.t.Fatal(err)
	}
	a.secrets.Add("API token", tok)
	return tok
}

// apiRaw sends a request as an API client does: no cookies, no Origin, no
// Sec-Fetch-Site.
func (a *testApp) apiRaw(method, path string, header map[string]string, body io.Reader) response {
	a.t.Helper()
	req, err := http.NewRequest(method, a.ts.URL+path, body)
	if err != nil {
		a.t.Fatal(err)
	}
	for k, v := range header {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	// Feed the suite's secret scan (secrets_test.go) as client.do does.
	if token, ok := bearerToken(req); ok {
		a.secrets.Add("API token", token)
	}
	if req.Body != nil && body != nil {
		raw, _ := io.ReadAll(req.Body)
		a.secrets.FromRequest(raw)
		req.Body = io.NopCloser(bytes.NewReader(raw)) // keeps NewRequest's length, or its lack (chunked)
	}
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	a.secrets.FromResponse(res.Header, b)
	return response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

// api sends body (nil, a string of JSON, or a value to marshal) with a token.
func (a *testApp) api(method, path, token string, body any) response {
	a.t.Helper()
	h := map[string]string{"Authorization": "Bearer " + token}
	var r io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		r, h["Content-Type"] = strings.NewReader(v), "application/json"
	default:
		b, err := json.Marshal(v)
		if err != nil {
			a.t.Fatal(err)
		}
		r, h["Content-Type"] = bytes.NewReader(b), "application/json"
	}
	return a.apiRaw(method, path, h, r)
}

// errorOf checks that res is the API's error shape and returns its content.
func errorOf(t *testing.T, res response) apiErrorDetail {
	t.Helper()
	if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt != "application/json" {
		t.Errorf("content type: got %q, want application/json (body %.200s)", res.Header.Get("Content-Type"), res.Body)
	}
	var b apiErrorBody
	dec := json.NewDecoder(strings.NewReader(res.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil || b.Error.Code == "" || b.Error.Message == "" {
		t.Errorf("body: got %.300s (%v), want {\"error\":{\"code\":...,\"message\":...}}", res.Body, err)
	}
	return b.Error
}

func decodeAPI[T any](t *testing.T, res response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(res.Body), &v); err != nil {
		t.Fatalf("decode %.300s: %v", res.Body, err)
	}
	return v
}

func TestAPITokens(t *testing.T) {
	app := newAPIApp(t)
	ctx := context.Background()
	revoked := app.token("Old", db.ScopeReadWrite)
	tokens, _ := app.db.APITokens(ctx)
	for _, tk := range tokens {
		if tk.Name == "Old" {
			if _, err := app.db.RevokeAPIToken(ctx, tk.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A token of a removed owner stops working with them.
	app.newOwner("Bo")
	owners, _ := app.db.Owners(ctx)
	var bo db.Owner
	for _, o := range owners {
		if o.Name == "Bo" {
			bo = o
		}
	}
	orphan, _, err := app.db.CreateAPIToken(ctx, "Bo's script", db.ScopeReadWrite, bo.ID)
	if err != nil {
		t.Fatal(err)
	}
	app.secrets.Add("API token", orphan)
	if err := app.db.RemoveOwner(ctx, bo.ID, db.AuditEntry{Action: db.AuditOwnerRemoved, Detail: "Bo"}); err != nil {
		t.Fatal(err)
	}
	browser, _ := app.newOwner("Cy") // signed in: the cookie must not count

	access := map[string]any{"guest": map[string]string{"name": "Ben"}, "lock_ids": []int64{app.lock.ID}, "permanent": true}
	tests := []struct {
		name   string
		method string
		auth   string
		status int
		code   string
	}{
		{"no header", http.MethodGet, "", http.StatusUnauthorized, codeUnauthorized},
		{"basic scheme", http.MethodGet, "Basic YW5hOnNlY3JldA==", http.StatusUnauthorized, codeUnauthorized},
		{"bearer without token", http.MethodGet, "Bearer ", http.StatusUnauthorized, codeUnauthorized},
		{"malformed token", http.MethodGet, "Bearer gh_short", http.StatusUnauthorized, codeInvalidToken},
		{"unknown token", http.MethodGet, "Bearer " + db.APITokenPrefix + db.NewToken(32), http.StatusUnauthorized, codeInvalidToken},
		{"revoked token", http.MethodGet, "Bearer " + revoked, http.StatusUnauthorized, codeInvalidToken},
		{"owner removed", http.MethodGet, "Bearer " + orphan, http.StatusUnauthorized, codeInvalidToken},
		{"read token reads", http.MethodGet, "Bearer " + app.readToken, http.StatusOK, ""},
		{"scheme in lower case", http.MethodGet, "bearer " + app.readToken, http.StatusOK, ""},
		{"read token writes", http.MethodPost, "Bearer " + app.readToken, http.StatusForbidden, codeInsufficientScope},
		{"revoked token writes", http.MethodPost, "Bearer " + revoked, http.StatusUnauthorized, codeInvalidToken},
		{"no token writes", http.MethodPost, "", http.StatusUnauthorized, codeUnauthorized},
		{"read-write token reads", http.MethodGet, "Bearer " + app.rwToken, http.StatusOK, ""},
	}
	before := app.apiCountCodes()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, body := "/api/v1/locks", io.Reader(nil)
			h := map[string]string{"Authorization": tt.auth}
			if tt.method == http.MethodPost {
				b, _ := json.Marshal(access)
				path, body, h["Content-Type"] = "/api/v1/accesses", bytes.NewReader(b), "application/json"
			}
			res := app.apiRaw(tt.method, path, h, body)
			if res.Status != tt.status {
				t.Fatalf("got %d, want %d (%s)", res.Status, tt.status, res.Body)
			}
			if tt.code == "" {
				return
			}
			if got := errorOf(t, res).Code; got != tt.code {
				t.Errorf("code: got %q, want %q", got, tt.code)
			}
			if got := res.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
				t.Errorf("WWW-Authenticate: got %q, want a Bearer challenge", got)
			}
		})
	}
	if got := app.apiCountCodes(); got != before {
		t.Errorf("refused writes saved codes: got %d, want %d", got, before)
	}
	t.Run("session cookie", func(t *testing.T) {
		res := browser.get("/api/v1/locks")
		if res.Status != http.StatusUnauthorized || errorOf(t, res).Code != codeUnauthorized {
			t.Errorf("signed-in browser without a token: got %d %s, want 401 unauthorized", res.Status, res.Body)
		}
	})
}

func (a *testApp) apiCountCodes() int {
	a.t.Helper()
	codes, err := a.db.CodesPage(context.Background(), db.CodeQuery{Limit: 10000})
	if err != nil {
		a.t.Fatal(err)
	}
	return len(codes)
}

func (a *testApp) apiCountGuests() int {
	a.t.Helper()
	g, err := a.db.Guests(context.Background(), "", 10000)
	if err != nil {
		a.t.Fatal(err)
	}
	return len(g)
}

func TestAPIJSONErrors(t *testing.T) {
	app := newAPIApp(t)
	big := `{"guest":{"name":"` + strings.Repeat("x", 70<<10) + `"}}`
	auth := "Bearer " + app.rwToken
	tests := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        io.Reader
		header      map[string]string
		status      int
		code        string
		mention     string // the message must say this
	}{
		{"unknown route", http.MethodGet, "/api/v1/nothing", "", nil, nil, http.StatusNotFound, codeNotFound, ""},
		{"unknown api version", http.MethodGet, "/api/v2/locks", "", nil, nil, http.StatusNotFound, codeNotFound, ""},
		{"wrong method", http.MethodDelete, "/api/v1/locks", "", nil, nil, http.StatusMethodNotAllowed, codeMethodNotAllowed, ""},
		{"oversized", http.MethodPost, "/api/v1/accesses", "application/json", strings.NewReader(big), nil, http.StatusRequestEntityTooLarge, codeTooLarge, "64 KB"},
		{"oversized chunked", http.MethodPost, "/api/v1/accesses", "application/json", io.MultiReader(strings.NewReader(big)), nil, http.StatusRequestEntityTooLarge, codeTooLarge, ""},
		{"form body", http.MethodPost, "/api/v1/accesses", "application/x-www-form-urlencoded", strings.NewReader("lock_ids=1"), nil, http.StatusUnsupportedMediaType, codeUnsupportedType, ""},
		{"text body", http.MethodPost, "/api/v1/accesses/1/revoke", "text/plain", strings.NewReader("{}"), nil, http.StatusUnsupportedMediaType, codeUnsupportedType, ""},
		{"malformed json", http.MethodPost, "/api/v1/accesses", "application/json", strings.NewReader(`{"lock_ids": [1,`), nil, http.StatusBadRequest, codeBadJSON, ""},
		{"unknown property", http.MethodPost, "/api/v1/accesses", "application/json", strings.NewReader(`{"lock_ids":[1],"pin_lenght":6}`), nil, http.StatusBadRequest, codeBadJSON, `"pin_lenght"`},
		{"unknown nested property", http.MethodPost, "/api/v1/accesses", "application/json", strings.NewReader(`{"guest":{"name":"A","email":"a@b"}}`), nil, http.StatusBadRequest, codeBadJSON, `"guest.email"`},
		{"wrong type", http.MethodPost, "/api/v1/accesses", "application/json", strings.NewReader(`{"lock_ids":"1"}`), nil, http.StatusBadRequest, codeBadJSON, "lock_ids must be a list"},
		{"pin as number", http.MethodPost, "/api/v1/accesses", "application/json", strings.NewReader(`{"pin":583920}`), nil, http.StatusBadRequest, codeBadJSON, "pin must be a string"},
		{"not an object", http.MethodPost, "/api/v1/accesses", "application/json", strings.NewReader(`[1]`), nil, http.StatusBadRequest, codeBadJSON, ""},
		{"trailing data", http.MethodPost, "/api/v1/accesses", "application/json", strings.NewReader(`{} {}`), nil, http.StatusBadRequest, codeBadJSON, ""},
		{"empty body", http.MethodPost, "/api/v1/accesses", "application/json", strings.NewReader(" "), nil, http.StatusBadRequest, codeBadJSON, ""},
		{"limit zero", http.MethodGet, "/api/v1/codes?limit=0", "", nil, nil, http.StatusBadRequest, codeInvalidParameter, ""},
		{"limit too big", http.MethodGet, "/api/v1/events?limit=501", "", nil, nil, http.StatusBadRequest, codeInvalidParameter, ""},
		{"bad status", http.MethodGet, "/api/v1/codes?status=active", "", nil, nil, http.StatusBadRequest, codeInvalidParameter, ""},
		{"bad lock id", http.MethodGet, "/api/v1/events?lock_id=front", "", nil, nil, http.StatusBadRequest, codeInvalidParameter, ""},
		{"code id not a number", http.MethodGet, "/api/v1/codes/abc", "", nil, nil, http.StatusNotFound, codeNotFound, ""},
		{"unknown code", http.MethodGet, "/api/v1/codes/999", "", nil, nil, http.StatusNotFound, codeNotFound, ""},
		{"unknown access", http.MethodPost, "/api/v1/accesses/999/revoke", "", nil, nil, http.StatusNotFound, codeNotFound, ""},
		{"cross-site browser post", http.MethodPost, "/api/v1/accesses", "application/json", strings.NewReader(`{}`),
			map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, http.StatusForbidden, codeForbidden, "another site"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{"Authorization": auth, "Content-Type": tt.contentType}
			for k, v := range tt.header {
				h[k] = v
			}
			res := app.apiRaw(tt.method, tt.path, h, tt.body)
			if res.Status != tt.status {
				t.Fatalf("got %d, want %d (%.300s)", res.Status, tt.status, res.Body)
			}
			e := errorOf(t, res)
			if e.Code != tt.code {
				t.Errorf("code: got %q, want %q", e.Code, tt.code)
			}
			if !strings.Contains(e.Message, tt.mention) {
				t.Errorf("message: got %q, want it to mention %s", e.Message, tt.mention)
			}
		})
	}
	if n := app.apiCountGuests(); n != 0 {
		t.Errorf("guests after refused requests: got %d, want 0", n)
	}
}

func TestAPICreateAccessInvalid(t *testing.T) {
	app := newAPIApp(t)
	now := app.clock.Now()
	at := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	stay := func(change func(map[string]any)) map[string]any {
		b := map[string]any{"guest": map[string]any{"name": "Ben"}, "lock_ids": []int64{app.lock.ID},
			"starts_at": at(time.Hour), "ends_at": at(72 * time.Hour)}
		change(b)
		return b
	}
	tests := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"end before start", stay(func(b map[string]any) { b["ends_at"] = at(30 * time.Minute) }), "ends_at"},
		{"start far in the past", stay(func(b map[string]any) { b["starts_at"] = at(-72 * time.Hour) }), "starts_at"},
		{"no window", stay(func(b map[string]any) { delete(b, "starts_at"); delete(b, "ends_at") }), "ends_at"},
		{"time without offset", stay(func(b map[string]any) { b["starts_at"] = now.Format("2006-01-02T15:04:05") }), "starts_at"},
		{"time as a date", stay(func(b map[string]any) { b["ends_at"] = now.Format("2006-01-02") }), "ends_at"},
		{"permanent with a window", stay(func(b map[string]any) { b["permanent"] = true }), "permanent"},
		{"unknown lock", stay(func(b map[string]any) { b["lock_ids"] = []int64{999} }), "lock_ids"},
		{"no locks", stay(func(b map[string]any) { b["lock_ids"] = []int64{} }), "lock_ids"},
		{"empty guest name", stay(func(b map[string]any) { b["guest"] = map[string]any{"name": "  "} }), "guest.name"},
		{"no guest", stay(func(b map[string]any) { delete(b, "guest") }), "guest"},
		{"guest and guest_id", stay(func(b map[string]any) { b["guest_id"] = 1 }), "guest_id"},
		{"unknown guest", stay(func(b map[string]any) { delete(b, "guest"); b["guest_id"] = 999 }), "guest_id"},
		{"weak pin", stay(func(b map[string]any) { b["pin"] = "123456" }), "pin"},
		{"pin the lock cannot take", stay(func(b map[string]any) { b["pin"] = "5830" }), "pin"},
		{"pin with letters", stay(func(b map[string]any) { b["pin"] = "58a920" }), "pin"},
		{"generated length the lock cannot take", stay(func(b map[string]any) { b["pin_length"] = 4 }), "pin_length"},
		{"pin and pin_length", stay(func(b map[string]any) { b["pin"] = "583920"; b["pin_length"] = 6 }), "pin_length"},
		{"link lives too long", stay(func(b map[string]any) { b["link_ttl_hours"] = 5000 }), "link_ttl_hours"},
		{"long passphrase", stay(func(b map[string]any) { b["passphrase"] = strings.Repeat("p", 101) }), "passphrase"},
		{"short passphrase", stay(func(b map[string]any) { b["passphrase"] = "heron" }), "passphrase"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := app.api(http.MethodPost, "/api/v1/accesses", app.rwToken, tt.body)
			if res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("got %d, want 422 (%s)", res.Status, res.Body)
			}
			e := errorOf(t, res)
			if e.Code != codeInvalid {
				t.Errorf("code: got %q, want %q", e.Code, codeInvalid)
			}
			if e.Fields[tt.field] == "" {
				t.Errorf("fields: got %v, want a message for %s", e.Fields, tt.field)
			}
		})
	}
	if n := app.apiCountGuests(); n != 0 {
		t.Errorf("guests saved by invalid requests: got %d, want 0", n)
	}
	if n := app.apiCountCodes(); n != 0 {
		t.Errorf("codes saved by invalid requests: got %d, want 0", n)
	}
}

// apiShared and apiCode are decoded back from JSON with these shapes.
type apiSharedJSON struct {
	Access struct {
		ID        int64   `json:"id"`
		GuestID   int64   `json:"guest_id"`
		StartsAt  *string `json:"starts_at"`
		EndsAt    *string `json:"ends_at"`
		Permanent bool    `json:"permanent"`
		TimeZone  string  `json:"time_zone"`
		RevokedAt *string `json:"revoked_at"`
		RotatedTo *int64  `json:"rotated_to"`
		Codes     []struct {
			ID     int64             `json:"id"`
			LockID int64             `json:"lock_id"`
			Status domain.CodeStatus `json:"status"`
		} `json:"codes"`
	} `json:"access"`
	ShareURL         string  `json:"share_url"`
	ShareURLExpires  *string `json:"share_url_expires_at"`
	ReplacedAccessID *int64  `json:"replaced_access_id"`
}

type apiCodeJSON struct {
	Code struct {
		ID          int64             `json:"id"`
		LockID      int64             `json:"lock_id"`
		AccessID    *int64            `json:"access_id"`
		GuestID     *int64            `json:"guest_id"`
		Status      domain.CodeStatus `json:"status"`
		TimeZone    string            `json:"time_zone"`
		FirstUsedAt *string           `json:"first_used_at"`
	} `json:"code"`
}

// apiSharePath is the share URL's path on the test server.
func apiSharePath(t *testing.T, shareURL string) string {
	t.Helper()
	u, err := url.Parse(shareURL)
	if err != nil || !strings.HasPrefix(u.Path, "/s/") || u.Scheme+"://"+u.Host != testOrigin {
		t.Fatalf("share_url: got %q, want %s/s/<token>", shareURL, testOrigin)
	}
	return u.Path
}

// TestAPIStay is the booking system's whole story: list locks, give access for
// a stay, poll the code, see the guest's first unlock, revoke.
func TestAPIStay(t *testing.T) {
	app := newAPIApp(t)
	ctx := context.Background()
	var bodies []string // every API response, to search for secrets

	res := app.api(http.MethodGet, "/api/v1/locks", app.readToken, nil)
	bodies = append(bodies, res.Body)
	locks := decodeAPI[struct {
		Locks []struct {
			ID            int64  `json:"id"`
			Name          string `json:"name"`
			TimeZone      string `json:"time_zone"`
			Online        bool   `json:"online"`
			MinCodeLength int    `json:"min_code_length"`
		} `json:"locks"`
	}](t, res)
	if len(locks.Locks) != 1 || locks.Locks[0].Name != "Front door" || locks.Locks[0].TimeZone != "Europe/Berlin" || !locks.Locks[0].Online {
		t.Fatalf("locks: got %+v, want the online Front door in Europe/Berlin", locks.Locks)
	}

	berlin, _ := time.LoadLocation("Europe/Berlin")
	start := app.clock.Now().In(berlin).Truncate(time.Minute)
	res = app.api(http.MethodPost, "/api/v1/accesses", app.rwToken, map[string]any{
		"guest": map[string]string{"name": "Ben Okafor", "note": "ben@example.com"}, "lock_ids": []int64{app.lock.ID},
		"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(3 * 24 * time.Hour).Format(time.RFC3339)})
	bodies = append(bodies, res.Body)
	if res.Status != http.StatusCreated {
		t.Fatalf("create: got %d %s, want 201", res.Status, res.Body)
	}
	if got := res.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control with a share URL: got %q, want no-store", got)
	}
	shared := decodeAPI[apiSharedJSON](t, res)
	if len(shared.Access.Codes) != 1 || shared.Access.Codes[0].Status != domain.StatusScheduled || shared.Access.TimeZone != "Europe/Berlin" {
		t.Fatalf("access: got %+v, want one scheduled code in Europe/Berlin", shared.Access)
	}
	if want := start.UTC().Format(time.RFC3339); shared.Access.StartsAt == nil || *shared.Access.StartsAt != want {
		t.Errorf("starts_at: got %v, want %s (UTC)", shared.Access.StartsAt, want)
	}
	if shared.ShareURLExpires == nil {
		t.Error("share_url_expires_at: got null")
	}
	if res := app.client().get(apiSharePath(t, shared.ShareURL)); res.Status != http.StatusOK || !strings.Contains(res.Body, "Front door") {
		t.Errorf("share page: got %d, want 200 naming the door", res.Status)
	}
	pin, err := app.db.AccessPIN(ctx, shared.Access.ID)
	if err != nil {
		t.Fatal(err)
	}
	app.secrets.Add("door code", pin)

	codeID := shared.Access.Codes[0].ID
	codePath := "/api/v1/codes/" + strconv.FormatInt(codeID, 10)
	app.settle()
	res = app.api(http.MethodGet, codePath, app.readToken, nil)
	bodies = append(bodies, res.Body)
	code := decodeAPI[apiCodeJSON](t, res).Code
	if code.Status != domain.StatusOnLock || code.AccessID == nil || *code.AccessID != shared.Access.ID || code.GuestID == nil || *code.GuestID != shared.Access.GuestID {
		t.Fatalf("code after the lock confirmed: got %+v, want on_lock with its access and guest", code)
	}

	// The guest types the code at the door; the unlock shows as first use and as an event.
	if _, err := app.sim.Keypad(ctx, app.lock.DeviceID, pin); err != nil {
		t.Fatal(err)
	}
	app.reconcile()
	res = app.api(http.MethodGet, codePath, app.readToken, nil)
	bodies = append(bodies, res.Body)
	if code := decodeAPI[apiCodeJSON](t, res).Code; code.FirstUsedAt == nil {
		t.Error("first_used_at after an unlock: got null")
	}
	res = app.api(http.MethodGet, "/api/v1/events?lock_id="+strconv.FormatInt(app.lock.ID, 10), app.readToken, nil)
	bodies = append(bodies, res.Body)
	events := decodeAPI[apiEventsJSON](t, res)
	found := false
	for _, e := range events.Events {
		found = found || (e.Kind == "unlocked" && e.CodeID != nil && *e.CodeID == codeID && e.GuestID != nil && *e.GuestID == shared.Access.GuestID)
	}
	if !found {
		t.Errorf("events: got %+v, want the unlock with Ben's code", events.Events)
	}

	res = app.api(http.MethodGet, "/api/v1/codes?status=on_lock&lock_id="+strconv.FormatInt(app.lock.ID, 10), app.readToken, nil)
	bodies = append(bodies, res.Body)
	if list := decodeAPI[struct {
		Codes []struct {
			ID int64 `json:"id"`
		} `json:"codes"`
		NextCursor *string `json:"next_cursor"`
	}](t, res); len(list.Codes) != 1 || list.Codes[0].ID != codeID || list.NextCursor != nil {
		t.Errorf("codes on the lock: got %+v, want only Ben's and no next page", list)
	}

	// Revoke: the link dies at once, the code leaves the lock once it confirms.
	revokePath := "/api/v1/accesses/" + strconv.FormatInt(shared.Access.ID, 10) + "/revoke"
	res = app.api(http.MethodPost, revokePath, app.rwToken, nil)
	bodies = append(bodies, res.Body)
	if res.Status != http.StatusOK || decodeAPI[apiSharedJSON](t, res).Access.RevokedAt == nil {
		t.Fatalf("revoke: got %d %s, want 200 with revoked_at", res.Status, res.Body)
	}
	if res := app.api(http.MethodPost, revokePath, app.rwToken, nil); res.Status != http.StatusOK {
		t.Errorf("revoking again: got %d, want 200", res.Status)
	}
	if res := app.client().get(apiSharePath(t, shared.ShareURL)); res.Status != http.StatusGone {
		t.Errorf("share page after revoke: got %d, want 410", res.Status)
	}
	app.settle()
	res = app.api(http.MethodGet, codePath, app.readToken, nil)
	if got := decodeAPI[apiCodeJSON](t, res).Code.Status; got != domain.StatusRemoved {
		t.Errorf("code after revoke: got %s, want removed", got)
	}

	// The audit log names the token; neither it, the log, nor any response holds a secret.
	entries, _ := app.db.AuditLog(ctx, 0, 1000)
	var actions []string
	for _, e := range entries {
		if strings.HasPrefix(e.Actor, "API token ") {
			actions = append(actions, e.Action)
			if e.Actor != "API token Booking" || e.OwnerID != app.owner.ID {
				t.Errorf("audit actor: got %q (owner %d), want API token Booking (owner %d)", e.Actor, e.OwnerID, app.owner.ID)
			}
		}
	}
	for _, want := range []string{db.AuditAccessCreated, db.AuditAccessRevoked} {
		if !slices.Contains(actions, want) {
			t.Errorf("audit: got %v, want %s by the token", actions, want)
		}
	}
	if n := strings.Count(strings.Join(actions, ","), db.AuditAccessRevoked); n != 1 {
		t.Errorf("revoking twice audited %d times, want 1", n)
	}
	token := strings.TrimPrefix(apiSharePath(t, shared.ShareURL), "/s/")
	apiAssertNoSecrets(t, app.testApp, bodies, pin, token, app.rwToken, app.readToken)
}

// apiAssertNoSecrets checks that no secret appears in the responses (other than a
// share link in the response that made it), the log or the audit table.
func apiAssertNoSecrets(t *testing.T, app *testApp, bodies []string, pin string, secrets ...string) {
	t.Helper()
	for i, b := range bodies {
		if strings.Contains(b, pin) {
			t.Errorf("response %d holds the PIN", i)
		}
	}
	logs := app.logs.String()
	entries, _ := app.db.AuditLog(context.Background(), 0, 10000)
	for _, s := range append(secrets, pin) {
		if strings.Contains(logs, s) {
			t.Errorf("the log holds a secret (%.4s…)", s)
		}
		for _, e := range entries {
			if strings.Contains(e.Detail, s) || strings.Contains(e.Actor, s) {
				t.Errorf("the audit log holds a secret (%.4s…): %q", s, e.Detail)
			}
		}
	}
}

func TestAPIRotate(t *testing.T) {
	app := newAPIApp(t)
	ctx := context.Background()
	first := app.giveCleo(48, map[string]any{"pin_length": 8})
	oldPIN, _ := app.db.AccessPIN(ctx, first.Access.ID)
	app.secrets.Add("door code", oldPIN)
	if len(oldPIN) != 8 {
		t.Errorf("pin_length 8: got %d digits", len(oldPIN))
	}

	rotatePath := "/api/v1/accesses/" + strconv.FormatInt(first.Access.ID, 10) + "/rotate"
	if res := app.api(http.MethodPost, rotatePath, app.rwToken, map[string]any{"link_ttl_hours": -1}); res.Status != http.StatusUnprocessableEntity ||
		errorOf(t, res).Fields["link_ttl_hours"] == "" {
		t.Errorf("rotate with a bad link lifetime: got %d %s, want 422 on link_ttl_hours", res.Status, res.Body)
	}
	if res := app.api(http.MethodPost, "/api/v1/accesses/999/rotate", app.rwToken, nil); res.Status != http.StatusNotFound {
		t.Errorf("rotate an unknown access: got %d, want 404", res.Status)
	}
	res := app.api(http.MethodPost, rotatePath, app.rwToken, map[string]any{"link_ttl_hours": 24})
	if res.Status != http.StatusCreated {
		t.Fatalf("rotate: got %d %s, want 201", res.Status, res.Body)
	}
	second := decodeAPI[apiSharedJSON](t, res)
	if second.Access.ID == first.Access.ID || second.ReplacedAccessID == nil || *second.ReplacedAccessID != first.Access.ID ||
		second.Access.GuestID != first.Access.GuestID || len(second.Access.Codes) != 1 || second.Access.Codes[0].ID == first.Access.Codes[0].ID {
		t.Fatalf("rotate: got %+v, want a new access and code for the same guest replacing %d", second, first.Access.ID)
	}
	if *second.Access.StartsAt != *first.Access.StartsAt || *second.Access.EndsAt != *first.Access.EndsAt {
		t.Errorf("window: got %v–%v, want the old one %v–%v", *second.Access.StartsAt, *second.Access.EndsAt, *first.Access.StartsAt, *first.Access.EndsAt)
	}
	newPIN, _ := app.db.AccessPIN(ctx, second.Access.ID)
	app.secrets.Add("door code", newPIN)
	if newPIN == oldPIN || len(newPIN) != len(oldPIN) || domain.PINsClash(newPIN, oldPIN) {
		t.Errorf("new PIN: got %d digits, same or clashing: %v; want a different code of the old length", len(newPIN), newPIN == oldPIN)
	}
	if res := app.client().get(apiSharePath(t, second.ShareURL)); res.Status != http.StatusOK {
		t.Errorf("new share link: got %d, want 200", res.Status)
	}
	if res := app.client().get(apiSharePath(t, first.ShareURL)); res.Status != http.StatusGone {
		t.Errorf("old share link: got %d, want 410", res.Status)
	}
	old, _ := app.db.Access(ctx, first.Access.ID)
	if old.RevokedAt.IsZero() || old.RotatedTo != second.Access.ID {
		t.Errorf("old access: got revoked %v, rotated to %d; want revoked and rotated to %d", old.RevokedAt, old.RotatedTo, second.Access.ID)
	}
	if res := app.api(http.MethodPost, rotatePath, app.rwToken, nil); res.Status != http.StatusConflict || errorOf(t, res).Code != codeConflict {
		t.Errorf("rotating the old access again: got %d %s, want 409 conflict", res.Status, res.Body)
	}
	if !slices.Contains(app.auditActions(), db.AuditAccessRotated) {
		t.Errorf("audit: got %v, want %s", app.auditActions(), db.AuditAccessRotated)
	}
	if res := app.api(http.MethodPost, "/api/v1/accesses/"+strconv.FormatInt(second.Access.ID, 10)+"/rotate", app.readToken, nil); res.Status != http.StatusForbidden {
		t.Errorf("rotate with a read token: got %d, want 403", res.Status)
	}
	apiAssertNoSecrets(t, app.testApp, []string{res.Body}, newPIN, app.rwToken)
}

type apiEventsJSON struct {
	Events []struct {
		ID         int64  `json:"id"`
		LockID     int64  `json:"lock_id"`
		Kind       string `json:"kind"`
		CodeID     *int64 `json:"code_id"`
		GuestID    *int64 `json:"guest_id"`
		OccurredAt string `json:"occurred_at"`
		TimeZone   string `json:"time_zone"`
	} `json:"events"`
	NextCursor *string `json:"next_cursor"`
}

func TestAPIEventsPaging(t *testing.T) {
	app := newAPIApp(t)
	ctx := context.Background()
	other := app.addSimLock("Garage")
	// 250 events, three to a second, so pages split inside a second; and some on
	// another lock, interleaved.
	base := app.clock.Now().Add(-24 * time.Hour).Truncate(time.Second)
	var evs, others []db.NewEvent
	for i := range 250 {
		evs = append(evs, db.NewEvent{DeviceEventID: fmt.Sprintf("f%d", i), Kind: "locked", Method: "manual", OccurredAt: base.Add(time.Duration(i/3) * time.Second)})
		if i%10 == 0 {
			others = append(others, db.NewEvent{DeviceEventID: fmt.Sprintf("g%d", i), Kind: "unlocked", Method: "app", OccurredAt: base.Add(time.Duration(i/3) * time.Second)})
		}
	}
	if _, err := app.db.IngestEvents(ctx, app.lock.ID, evs, "c1"); err != nil {
		t.Fatal(err)
	}
	if _, err := app.db.IngestEvents(ctx, other.ID, others, "c1"); err != nil {
		t.Fatal(err)
	}

	lockQ := "lock_id=" + strconv.FormatInt(app.lock.ID, 10)
	var got []int64
	var pages []int
	seen := map[int64]bool{}
	last := time.Time{}
	var lastID int64
	cursor := ""
	for n := 0; ; n++ {
		if n > 10 {
			t.Fatal("paging does not end")
		}
		q := "/api/v1/events?limit=100&" + lockQ
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		res := app.api(http.MethodGet, q, app.readToken, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("page %d: got %d %s", n, res.Status, res.Body)
		}
		page := decodeAPI[apiEventsJSON](t, res)
		pages = append(pages, len(page.Events))
		for _, e := range page.Events {
			at, err := time.Parse(time.RFC3339, e.OccurredAt)
			if err != nil || !strings.HasSuffix(e.OccurredAt, "Z") {
				t.Fatalf("occurred_at: got %q, want RFC 3339 in UTC", e.OccurredAt)
			}
			if e.LockID != app.lock.ID || e.TimeZone != "Europe/Berlin" {
				t.Errorf("event %d: got lock %d in %q, want lock %d in Europe/Berlin", e.ID, e.LockID, e.TimeZone, app.lock.ID)
			}
			if seen[e.ID] {
				t.Errorf("event %d served twice", e.ID)
			}
			if !last.IsZero() && (at.After(last) || at.Equal(last) && e.ID > lastID) {
				t.Errorf("event %d at %v after %d at %v: not newest first", e.ID, at, lastID, last)
			}
			seen[e.ID], last, lastID = true, at, e.ID
			got = append(got, e.ID)
		}
		if n == 0 {
			// A new event arriving between pages must not shift the next ones.
			if _, err := app.db.IngestEvents(ctx, app.lock.ID, []db.NewEvent{{DeviceEventID: "new", Kind: "unlocked", OccurredAt: app.clock.Now()}}, "c2"); err != nil {
				t.Fatal(err)
			}
		}
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	if len(got) != 250 || fmt.Sprint(pages) != "[100 100 50]" {
		t.Errorf("pages: got %v (%d events), want [100 100 50] (250)", pages, len(got))
	}

	for _, bad := range []string{"garbage!", "Zm9v", encodeCursor("c", 5), encodeCursor("e", 1), apiB64("e.x.1"), apiB64("e.-1.5")} {
		res := app.api(http.MethodGet, "/api/v1/events?cursor="+url.QueryEscape(bad), app.readToken, nil)
		if res.Status != http.StatusBadRequest || errorOf(t, res).Code != codeBadCursor {
			t.Errorf("cursor %q: got %d %s, want 400 bad_cursor", bad, res.Status, res.Body)
		}
	}
	// Without a lock filter, both locks' events are served.
	res := app.api(http.MethodGet, "/api/v1/events?limit=500", app.readToken, nil)
	if all := decodeAPI[apiEventsJSON](t, res); len(all.Events) != 251+len(others) || all.NextCursor != nil {
		t.Errorf("all events: got %d (next %v), want %d and no next page", len(all.Events), all.NextCursor, 251+len(others))
	}
}

func apiB64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestAPICodesPaging(t *testing.T) {
	app := newAPIApp(t)
	start := app.clock.Now()
	var ids []int64
	for i := range 5 {
		res := app.api(http.MethodPost, "/api/v1/accesses", app.rwToken, map[string]any{
			"guest": map[string]string{"name": fmt.Sprintf("Guest %d", i)}, "lock_ids": []int64{app.lock.ID},
			"starts_at": start.Add(time.Hour).Format(time.RFC3339), "ends_at": start.Add(5 * time.Hour).Format(time.RFC3339)})
		if res.Status != http.StatusCreated {
			t.Fatalf("create %d: got %d %s", i, res.Status, res.Body)
		}
		ids = append([]int64{decodeAPI[apiSharedJSON](t, res).Access.Codes[0].ID}, ids...) // newest first
	}
	var got []int64
	cursor := ""
	for range 5 {
		q := "/api/v1/codes?limit=2&status=scheduled"
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		page := decodeAPI[struct {
			Codes []struct {
				ID int64 `json:"id"`
			} `json:"codes"`
			NextCursor *string `json:"next_cursor"`
		}](t, app.api(http.MethodGet, q, app.readToken, nil))
		for _, c := range page.Codes {
			got = append(got, c.ID)
		}
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	if fmt.Sprint(got) != fmt.Sprint(ids) {
		t.Errorf("codes: got %v, want %v", got, ids)
	}
	if res := app.api(http.MethodGet, "/api/v1/codes?cursor="+encodeCursor("e", 1, 2), app.readToken, nil); res.Status != http.StatusBadRequest {
		t.Errorf("an events cursor on codes: got %d, want 400", res.Status)
	}
}

func TestAPIBadTokensRateLimited(t *testing.T) {
	app := newAPIApp(t)
	// Requests without a token guess nothing and spend nothing.
	for range 30 {
		if res := app.apiRaw(http.MethodGet, "/api/v1/locks", nil, nil); res.Status != http.StatusUnauthorized {
			t.Fatalf("no token: got %d, want 401", res.Status)
		}
	}
	var res response
	for i := range 40 {
		res = app.api(http.MethodGet, "/api/v1/locks", db.APITokenPrefix+db.NewToken(32), nil)
		if res.Status == http.StatusTooManyRequests {
			if i < 20 {
				t.Errorf("limited after %d bad tokens, want at least 20 allowed", i)
			}
			break
		}
		if res.Status != http.StatusUnauthorized {
			t.Fatalf("bad token %d: got %d, want 401", i, res.Status)
		}
	}
	if res.Status != http.StatusTooManyRequests || errorOf(t, res).Code != codeRateLimited || res.Header.Get("Retry-After") == "" {
		t.Fatalf("after 40 bad tokens: got %d %s (Retry-After %q), want 429 rate_limited with Retry-After", res.Status, res.Body, res.Header.Get("Retry-After"))
	}
	// A blocked address is refused before any lookup, even with a good token.
	if res := app.api(http.MethodGet, "/api/v1/locks", app.readToken, nil); res.Status != http.StatusTooManyRequests {
		t.Errorf("good token from a blocked address: got %d, want 429", res.Status)
	}
}

func TestAPITokensSettingsPage(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Ana")
	if res := c.get("/settings/api-tokens"); res.Status != http.StatusOK || !strings.Contains(res.Body, "No API tokens yet") {
		t.Fatalf("empty page: got %d, want 200 with the empty state", res.Status)
	}
	for _, bad := range []url.Values{{"name": {""}, "scope": {"read"}}, {"name": {"Sync"}, "scope": {"admin"}}} {
		if res := c.postForm("/settings/api-tokens", bad); res.Status != http.StatusUnprocessableEntity {
			t.Errorf("create %v: got %d, want 422", bad, res.Status)
		}
	}
	res := c.postForm("/settings/api-tokens", url.Values{"name": {"Booking"}, "scope": {"read-write"}})
	if res.Status != http.StatusOK || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("create: got %d (Cache-Control %q), want 200 no-store", res.Status, res.Header.Get("Cache-Control"))
	}
	i := strings.Index(res.Body, db.APITokenPrefix)
	if i < 0 || len(res.Body) < i+46 {
		t.Fatal("the new token is not shown")
	}
	token := res.Body[i : i+46]
	if res := app.api(http.MethodGet, "/api/v1/locks", token, nil); res.Status != http.StatusOK {
		t.Fatalf("the new token: got %d %s, want 200", res.Status, res.Body)
	}
	page := c.get("/settings/api-tokens").Body
	if strings.Contains(page, token) || !strings.Contains(page, "Booking") || !strings.Contains(page, "Read and write") {
		t.Error("the list must name the token and its scope, and never show it again")
	}

	// Last use is written at most once a minute.
	tokens, _ := app.db.APITokens(context.Background())
	used := tokens[0].LastUsedAt
	app.clock.Advance(30 * time.Second)
	app.api(http.MethodGet, "/api/v1/locks", token, nil)
	tokens, _ = app.db.APITokens(context.Background())
	if !tokens[0].LastUsedAt.Equal(used) {
		t.Errorf("last used after 30s: got %v, want still %v", tokens[0].LastUsedAt, used)
	}
	app.clock.Advance(31 * time.Second)
	app.api(http.MethodGet, "/api/v1/locks", token, nil)
	tokens, _ = app.db.APITokens(context.Background())
	if !tokens[0].LastUsedAt.After(used) {
		t.Errorf("last used after 61s: got %v, want later than %v", tokens[0].LastUsedAt, used)
	}

	if res := c.postForm("/settings/api-tokens/"+strconv.FormatInt(tokens[0].ID, 10)+"/revoke", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("revoke: got %d, want 303", res.Status)
	}
	if res := app.api(http.MethodGet, "/api/v1/locks", token, nil); res.Status != http.StatusUnauthorized || errorOf(t, res).Code != codeInvalidToken {
		t.Errorf("revoked token: got %d %s, want 401 invalid_token", res.Status, res.Body)
	}
	if !strings.Contains(c.get("/settings/api-tokens").Body, "Revoked") {
		t.Error("the list does not show the token as revoked")
	}
	for _, want := range []string{db.AuditAPITokenCreated, db.AuditAPITokenRevoked} {
		if !slices.Contains(app.auditActions(), want) {
			t.Errorf("audit: got %v, want %s", app.auditActions(), want)
		}
	}

	// Creating a token needs a fresh passkey assertion, as inviting an owner does.
	app.clock.Advance(FreshFor)
	if res := c.postForm("/settings/api-tokens", url.Values{"name": {"Late"}, "scope": {"read"}}); res.Status != http.StatusForbidden {
		t.Errorf("create without a fresh assertion: got %d, want 403", res.Status)
	}
	if n, _ := app.db.APITokens(context.Background()); len(n) != 1 {
		t.Errorf("tokens: got %d, want 1", len(n))
	}
	apiAssertNoSecrets(t, app, nil, "no-pin-here", token)
}

// TestOpenAPIDocument checks that the served description is OpenAPI 3.1 and
// names exactly the API's routes, so the two cannot drift apart.
func TestOpenAPIDocument(t *testing.T) {
	app := newTestApp(t, testOrigin)
	res := app.apiRaw(http.MethodGet, "/api/v1/openapi.json", nil, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("got %d, want 200 without a token", res.Status)
	}
	var doc struct {
		OpenAPI    string                               `json:"openapi"`
		Servers    []struct{ URL string }               `json:"servers"`
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			SecuritySchemes map[string]any `json:"securitySchemes"`
			Schemas         map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal([]byte(res.Body), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" || len(doc.Servers) != 1 || doc.Servers[0].URL != "/api/v1" || doc.Components.SecuritySchemes["bearerAuth"] == nil {
		t.Fatalf("document: got openapi %q, servers %v; want 3.1.0 at /api/v1 with bearerAuth", doc.OpenAPI, doc.Servers)
	}
	routes := map[string]bool{}
	for _, r := range app.srv.echo.Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/") {
			continue
		}
		p := strings.TrimPrefix(r.Path, "/api/v1")
		p = strings.ReplaceAll(p, ":id", "{id}")
		key := strings.ToLower(r.Method) + " " + p
		routes[key] = true
		if doc.Paths[p][strings.ToLower(r.Method)] == nil {
			t.Errorf("route %s is not in the document", key)
		}
	}
	for p, ops := range doc.Paths {
		for m := range ops {
			if !routes[m+" "+p] {
				t.Errorf("the document has %s %s, which is not a route", m, p)
			}
		}
	}
	// Every reference resolves.
	for _, ref := range openAPIRefs(res.Body) {
		name := ref[strings.LastIndex(ref, "/")+1:]
		if !strings.Contains(res.Body, `"`+name+`": {`) {
			t.Errorf("unresolved reference %s", ref)
		}
	}
}

func openAPIRefs(doc string) []string {
	var out []string
	for _, part := range strings.Split(doc, `"$ref": "`)[1:] {
		out = append(out, part[:strings.Index(part, `"`)])
	}
	return out
}

// A typed pin that clashes with a code on the lock is refused inside the write
// (the API's hot path reads the lock's codes only there): 422 on pin, and the
// new guest of the refused request is not saved. Concurrent creates asking
// for one pin on one lock: one wins, with its guest and both audit lines.
func TestAPICreateAccessPINClash(t *testing.T) {
	app := newAPIApp(t)
	now := app.clock.Now()
	body := func(name, pin string) map[string]any {
		return map[string]any{"guest": map[string]any{"name": name}, "lock_ids": []int64{app.lock.ID}, "pin": pin,
			"starts_at": now.Add(time.Hour).Format(time.RFC3339), "ends_at": now.Add(72 * time.Hour).Format(time.RFC3339)}
	}
	won := race(t, 8, http.StatusCreated, func(i int) int {
		return app.api(http.MethodPost, "/api/v1/accesses", app.rwToken, body("Guest "+strconv.Itoa(i), "583920")).Status
	})
	if won != 1 || app.apiCountGuests() != 1 || app.apiCountCodes() != 1 {
		t.Fatalf("got %d winners, %d guests, %d codes; want 1 of each", won, app.apiCountGuests(), app.apiCountCodes())
	}
	acts := strings.Join(app.auditActions(), ",")
	if strings.Count(acts, db.AuditAccessCreated) != 1 || strings.Count(acts, db.AuditLinkCreated) != 1 {
		t.Errorf("audit: got %s, want one access_created and one link_created", acts)
	}

	for _, tc := range []struct{ pin, want string }{{"583920", "already on the lock"}, {"58392017", "starts with another"}} {
		res := app.api(http.MethodPost, "/api/v1/accesses", app.rwToken, body("Cleo", tc.pin))
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("clash %s: got %d %s, want 422", tc.pin, res.Status, res.Body)
		}
		if e := errorOf(t, res); !strings.Contains(e.Fields["pin"], tc.want) {
			t.Errorf("clash %s: fields %v, want pin: %q", tc.pin, e.Fields, tc.want)
		}
	}
	if app.apiCountGuests() != 1 {
		t.Errorf("guests after refused clashes: got %d, want 1", app.apiCountGuests())
	}
}
