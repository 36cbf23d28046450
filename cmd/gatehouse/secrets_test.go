package main

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/web/browsertest"
	"github.com/gatehouse/gatehouse/web/secretscan"
)

// The binary's tests keep web's promise (web/secrets_test.go) end to end: every
// secret a test saw (share and invite tokens, API tokens, door codes, session
// secrets, passphrases, vendor API keys) is collected in a secretscan.Set, and
// checkNoSecretsLeaked asserts that none of them reached the server's log or
// the audit table. procServer and startServer run the check when the server
// has stopped, so every test that starts one scans.

// watchBrowser records, from the browser tab's network events, every
// Gatehouse cookie the server sets (each session rotation included), every
// share or invite link the tab opens and every secret a form posts (a code
// typed at the keypad). What pages show (a share link, a revealed code) the
// tests read and add themselves.
func watchBrowser(t *testing.T, b *browsertest.Browser, s *secretscan.Set) {
	t.Helper()
	err := chromedp.Listen(b.Context(), func(ev any) {
		switch ev := ev.(type) {
		case *network.EventResponseReceivedExtraInfo:
			for k, v := range ev.Headers {
				if !strings.EqualFold(k, "Set-Cookie") {
					continue
				}
				// Chromium joins repeated headers with newlines.
				h := http.Header{}
				for _, line := range strings.Split(fmt.Sprint(v), "\n") {
					h.Add("Set-Cookie", line)
				}
				s.FromResponse(h, nil)
			}
		case *network.EventRequestWillBeSent:
			s.AddLink(ev.Request.URL) // a share or invite link opened
			var body []byte
			for _, e := range ev.Request.PostDataEntries {
				body = append(body, e.Bytes...)
			}
			s.FromRequest(body)
		}
	})
	if err != nil {
		t.Fatalf("watch the browser's traffic for secrets: %v", err)
	}
}

// scanStats says how much a scan covered.
type scanStats struct {
	secrets   map[string]int // kind -> how many
	logBytes  int
	logLines  int
	auditRows int
}

func (st scanStats) String() string {
	n := 0
	var kinds []string
	for _, k := range slices.Sorted(maps.Keys(st.secrets)) {
		n += st.secrets[k]
		kinds = append(kinds, fmt.Sprintf("%d %s", st.secrets[k], k))
	}
	return fmt.Sprintf("checked %d secrets (%s) against %d log bytes (%d lines) and %d audit rows",
		n, strings.Join(kinds, ", "), st.logBytes, st.logLines, st.auditRows)
}

// leaks scans every line of log, and the detail, actor and ip of every row of
// audit_log in each database at dbPaths (opened read-only), for the secrets.
// It reports each secret once per place (the log, each database), at its
// first line or row.
func leaks(s *secretscan.Set, log string, dbPaths ...string) ([]secretscan.Leak, scanStats, error) {
	st := scanStats{secrets: map[string]int{}, logBytes: len(log)}
	for _, kind := range s.Snapshot() {
		st.secrets[kind]++
	}
	logLines := strings.Split(strings.TrimSuffix(log, "\n"), "\n")
	if log == "" {
		logLines = nil
	}
	st.logLines = len(logLines)
	places := []secretscan.Place{{Lines: logLines, Where: func(i int) string { return fmt.Sprintf("log line %d", i+1) }}}
	for _, path := range dbPaths {
		audit, err := auditRows(path)
		if err != nil {
			return nil, st, err
		}
		st.auditRows += len(audit)
		lines := make([]string, len(audit))
		for i, r := range audit {
			lines[i] = r.text
		}
		places = append(places, secretscan.Place{Lines: lines, Where: func(i int) string {
			return fmt.Sprintf("audit row %d (%s) of %s", audit[i].id, audit[i].action, filepath.Base(path))
		}})
	}
	return s.Leaks(places...), st, nil
}

type auditRow struct {
	id           int64
	action, text string
}

// auditRows reads every audit_log row's id, action, and its detail, actor and
// ip as one line of text.
func auditRows(path string) ([]auditRow, error) {
	d, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, fmt.Errorf("open %s read-only: %w", path, err)
	}
	defer d.Close()
	rows, err := d.Query("SELECT id, action, detail, actor, ip FROM audit_log ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("read the audit log of %s: %w", path, err)
	}
	defer rows.Close()
	var out []auditRow
	for rows.Next() {
		var r auditRow
		var detail, actor, ip string
		if err := rows.Scan(&r.id, &r.action, &detail, &actor, &ip); err != nil {
			return nil, fmt.Errorf("read an audit row of %s: %w", path, err)
		}
		r.text = strings.ReplaceAll(fmt.Sprintf("detail=%q actor=%q ip=%q", detail, actor, ip), "\n", " ")
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the audit log of %s: %w", path, err)
	}
	return out, nil
}

// checkNoSecretsLeaked fails t if any secret in s appears in the log or in
// the audit table of the databases at dbPaths; it also fails when s is empty,
// since the scan would then prove nothing. Call it once the server has
// stopped, so the log is complete.
func checkNoSecretsLeaked(t *testing.T, s *secretscan.Set, log string, dbPaths ...string) {
	t.Helper()
	found, st, err := leaks(s, log, dbPaths...)
	if err != nil {
		t.Errorf("secret scan: %v", err)
		return
	}
	if len(st.secrets) == 0 && !t.Failed() {
		t.Errorf("secret scan: the test recorded no secrets, so the scan proves nothing")
	}
	for _, l := range found {
		t.Errorf("secret scan: %s", l)
	}
	t.Logf("secret scan: %s", st)
}

// TestSecretScanCatchesLeak plants secrets in a log and in the audit table of
// a real database and checks the scan finds each, and does not take a door
// code's digits inside a duration, a timestamp or a longer number for a leak.
func TestSecretScanCatchesLeak(t *testing.T) {
	const (
		code     = "583920"
		share    = "AAAAAAAAAAAAAAAAAAAAAA"
		session  = "SESSIONSECRETSESSIONSECRET"
		apiToken = "gh_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
		unused   = "742913" // never logged
		inAudit  = "seam_apikey1_token"
	)
	s := &secretscan.Set{}
	s.Add("door code", code)
	s.Add("door code", unused)
	s.AddLink("http://localhost:8080/s/" + share)
	s.AddCookie("gatehouse", "abcdef."+session)
	s.FromResponse(nil, []byte(`<code id="new-api-token-text">`+apiToken+`</code>`))
	s.FromRequest([]byte("name=Home&api_key=" + inAudit))
	s.Add("door code", "1234") // too short: ignored

	path := filepath.Join(t.TempDir(), "g.db")
	d, err := db.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []db.AuditEntry{
		{Actor: "Ana", Action: db.AuditConnectionAdded, IP: "127.0.0.1", Detail: "Seam Home, key " + inAudit},
		{Actor: "Ana", Action: db.AuditLinkRevealed, IP: "127.0.0.1", Detail: "access 7420913, code 15839201"}, // digits, no code
	} {
		if err := d.Audit(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	log := strings.Join([]string{
		`time=2026-01-02T15:04:05.583+00:00 level=INFO msg=request path=/healthz dur=1.583920ms id=91583920`,
		`time=2026-01-02T15:04:06.000+00:00 level=WARN msg="keypad" pin=` + code,
		`time=2026-01-02T15:04:07.000+00:00 level=INFO msg=request path=/s/` + share,
		`time=2026-01-02T15:04:08.000+00:00 level=DEBUG msg=auth cookie=abcdef.` + session + ` auth="Bearer ` + apiToken + `"`,
	}, "\n") + "\n"
	found, st, err := leaks(s, log, path)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range found {
		got = append(got, l.Secret+" in "+l.Where)
		if strings.Contains(l.Context, l.Secret) {
			t.Errorf("the report of a leak repeats the secret: %s", l.Context)
		}
	}
	want := []string{code + " in log line 2", share + " in log line 3", session + " in log line 4", apiToken + " in log line 4",
		inAudit + " in audit row 1 (connection_added) of g.db"}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("leaks found:\n got %q\nwant %q", got, want)
	}
	if n := st.secrets["door code"]; n != 2 || st.auditRows != 2 || st.logLines != 4 {
		t.Errorf("scan covered %s; want 2 door codes, 4 log lines and 2 audit rows", st)
	}
	// The same scan of a clean log and table finds nothing.
	clean := &secretscan.Set{}
	clean.Add("door code", unused)
	if found, _, err := leaks(clean, log, path); err != nil || len(found) != 0 {
		t.Errorf("a clean scan: got %v %v, want no leaks", found, err)
	}
}
