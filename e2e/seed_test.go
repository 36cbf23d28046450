package e2e

import (
	"bytes"
	"database/sql"
	"io"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/gatehouse/gatehouse/internal/softkey"
	"github.com/gatehouse/gatehouse/internal/testkit/binary"
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

// seed-demo makes a database that serve opens as it is: an owner enrolls from
// the printed link and sees today's arrivals, locks needing attention, recent
// anomalies and the timeline full of events. It refuses a database with owners
// unless forced.
func TestSeedDemoThenServe(t *testing.T) {
	srv := binary.NewServer(t)
	path := srv.DB
	out, err := binary.Run(srv.Bin, "seed-demo", "--db", path, "--events", "4000", "--days", "30", "--seed", "3")
	if err != nil {
		t.Fatalf("seed-demo: %v\n%s", err, out)
	}
	m := enrollLink.FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "4,000 events") {
		t.Fatalf("seed-demo output lacks the count or the enrollment link:\n%s", out)
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
	out, err = binary.Run(srv.Bin, "seed-demo", "--db", path, "--events", "100")
	if err == nil || !strings.Contains(out, "--force") {
		t.Fatalf("seed-demo over owners: got %v %q, want a refusal naming --force", err, out)
	}
	if n := countRows(t, path, "SELECT count(*) FROM events"); n != 4000 {
		t.Errorf("after the refusal: got %d events, want 4000", n)
	}
	out, err = binary.Run(srv.Bin, "seed-demo", "--db", path, "--events", "100", "--locks", "1", "--force")
	if err != nil {
		t.Fatalf("seed-demo --force: %v %s", err, out)
	}
	if n := countRows(t, path, "SELECT count(*) FROM events"); n != 4100 {
		t.Errorf("after --force: got %d events, want 4100", n)
	}
	if enrollLink.MatchString(out) {
		t.Error("with owners already there, no enrollment link is needed")
	}

	// Serve it, enroll from the first link and look around. Once it has
	// stopped, neither the link's token nor the session's secret is in its log
	// or audit table.
	// The server's cleanup stops it and scans.
	secrets := srv.Secrets
	secrets.AddLink(m[0])
	srv.Start()
	jar, _ := cookiejar.New(nil)
	hc := secrets.Wrap(&http.Client{Jar: jar})
	base := srv.Base
	post := func(path string, body []byte) []byte {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Requested-With", "fetch")
		req.Header.Set("Origin", base)
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
	auth := softkey.New(base)
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
