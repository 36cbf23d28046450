package main

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/gatehouse/gatehouse/web/secretscan"
	"github.com/gatehouse/gatehouse/web/webauthntest"
)

func countRows(t *testing.T, path, q string) int {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var n int
	if err := raw.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var enrollLink = regexp.MustCompile(`http://localhost:8080/enroll/([A-Za-z0-9_-]{43})`)

func TestSeedDemoFlags(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--events", "-1"}, "invalid --events"},
		{[]string{"--locks", "0"}, "invalid --locks"},
		{[]string{"--locks", "25"}, "invalid --locks"},
		{[]string{"--days", "0"}, "invalid --days"},
		{[]string{"--seed", "x"}, "invalid value"},
	} {
		args := append([]string{"seed-demo", "--db", filepath.Join(dir, "x.db")}, tc.args...)
		var stderr bytes.Buffer
		err := run(context.Background(), args, &bytes.Buffer{}, &stderr)
		if err == nil || !strings.Contains(err.Error()+stderr.String(), tc.want) {
			t.Errorf("%v: got %v, want an error containing %q", tc.args, err, tc.want)
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"seed-demo", "-h"}, &bytes.Buffer{}, &out); err != nil || !strings.Contains(out.String(), "--force") {
		t.Errorf("help: got %v, %q", err, out.String())
	}
}

// seed-demo makes a database that serve opens as it is: an owner enrolls from
// the printed link and sees today's arrivals, locks needing attention, recent
// anomalies and the timeline full of events. It refuses a database with owners
// unless forced.
func TestSeedDemoThenServe(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "demo.db")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"seed-demo", "--db", path, "--events", "4000", "--days", "30", "--seed", "3"}, &out, &bytes.Buffer{}); err != nil {
		t.Fatalf("seed-demo: %v\n%s", err, out.String())
	}
	m := enrollLink.FindStringSubmatch(out.String())
	if m == nil || !strings.Contains(out.String(), "4,000 events") {
		t.Fatalf("seed-demo output lacks the count or the enrollment link:\n%s", out.String())
	}
	if n := countRows(t, path, "SELECT count(*) FROM events"); n != 4000 {
		t.Errorf("events: got %d, want 4000", n)
	}
	if n := countRows(t, path, "SELECT count(*) FROM locks l JOIN sim_locks s ON s.device_id = l.device_id"); n != 6 {
		t.Errorf("simulated locks: got %d, want 6", n)
	}
	if n := countRows(t, path, "SELECT count(*) FROM access_codes c JOIN sim_codes s ON s.code_id = c.device_code_id WHERE c.status = 'on_lock'"); n == 0 {
		t.Error("no code is on a simulated lock")
	}
	if n := countRows(t, path, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'events'"); n != 8 {
		t.Errorf("events indexes: got %d, want 8", n)
	}

	// With an owner the database is refused, untouched; with --force it is not.
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("INSERT INTO owners (name, handle, created_at) VALUES ('Olivia', x'01', 0)"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	err = run(context.Background(), []string{"seed-demo", "--db", path, "--events", "100"}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("seed-demo over owners: got %v, want a refusal naming --force", err)
	}
	if n := countRows(t, path, "SELECT count(*) FROM events"); n != 4000 {
		t.Errorf("after the refusal: got %d events, want 4000", n)
	}
	out.Reset()
	if err := run(context.Background(), []string{"seed-demo", "--db", path, "--events", "100", "--locks", "1", "--force"}, &out, &bytes.Buffer{}); err != nil {
		t.Fatalf("seed-demo --force: %v", err)
	}
	if n := countRows(t, path, "SELECT count(*) FROM events"); n != 4100 {
		t.Errorf("after --force: got %d events, want 4100", n)
	}
	if enrollLink.MatchString(out.String()) {
		t.Error("with owners already there, no enrollment link is needed")
	}

	// Serve it, enroll from the first link and look around. Once it has
	// stopped, neither the link's token nor the session's secret is in its log
	// or audit table.
	secrets := &secretscan.Set{}
	secrets.AddLink(m[0])
	ctx, cancel := context.WithCancel(context.Background())
	var stdout syncBuffer
	stderr := newLogWatch(regexp.MustCompile(`addr=(127\.0\.0\.1:\d+)`))
	done := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"serve", "--db", path, "--addr", "localhost:0"}, &stdout, stderr)
		stderr.Close() // every log line kept
		done <- err
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		checkNoSecretsLeaked(t, secrets, stderr.String(), path)
	}()
	addr, ok := <-stderr.found
	if !ok {
		t.Fatalf("server did not start: %s", stderr.String())
	}
	jar, _ := cookiejar.New(nil)
	hc := secrets.Wrap(&http.Client{Jar: jar})
	base := "http://" + addr
	post := func(path string, body []byte) []byte {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Requested-With", "fetch")
		req.Header.Set("Origin", "http://localhost:8080")
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("POST %s: got %d %s", path, res.StatusCode, b)
		}
		return b
	}
	auth := webauthntest.New("http://localhost:8080")
	opts := post("/enroll/"+m[1]+"/begin", []byte(`{"name":"Demo owner"}`))
	cred, err := auth.Create(opts)
	if err != nil {
		t.Fatal(err)
	}
	post("/enroll/"+m[1]+"/finish", cred)
	get := func(path string) *goquery.Document {
		t.Helper()
		res, err := hc.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: got %d", path, res.StatusCode)
		}
		d, err := goquery.NewDocumentFromReader(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	home := get("/")
	if n := home.Find(`[data-testid="arrival"]`).Length(); n < 2 {
		t.Errorf("home: got %d arrivals today, want the demo's (at least 2)", n)
	}
	if n := home.Find(`[data-testid="in-row"]`).Length(); n == 0 {
		t.Error("home: nobody is in")
	}
	attention := home.Find(`[data-testid="attention-list"]`).Text()
	for _, want := range []string{"offline since", "low battery", "unknown code", "still on lock"} {
		if !strings.Contains(attention, want) {
			t.Errorf("home: locks needing attention lack %q: %q", want, attention)
		}
	}
	if n := home.Find(`[data-testid="anomalies"] [data-testid="timeline-row"]`).Length(); n == 0 {
		t.Error("home: no recent anomaly")
	}
	if n := get("/timeline").Find(`[data-testid="timeline-row"]`).Length(); n == 0 {
		t.Error("timeline: no events")
	}
}
