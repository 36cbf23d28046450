package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/web/browsertest"
)

// The binary's tests keep web's promise (web/secrets_test.go) end to end: every
// secret a test saw (share and invite tokens, API tokens, door codes, session
// secrets, passphrases, vendor API keys) is collected in a secretSet, and
// checkNoSecretsLeaked asserts that none of them reached the server's log or
// the audit table. procServer and startServer run the check when the server
// has stopped, so every test that starts one scans.

// minSecretLen: shorter values are not our secrets (door codes have 6 to 8
// digits) and would match by chance.
const minSecretLen = 6

// secretSet is the set of secrets a test saw, safe for concurrent use.
type secretSet struct {
	mu   sync.Mutex
	seen map[string]string // secret -> what it is, for the report
}

func (s *secretSet) add(kind, v string) {
	if len(v) < minSecretLen {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil {
		s.seen = map[string]string{}
	}
	if _, ok := s.seen[v]; !ok {
		s.seen[v] = kind
	}
}

func (s *secretSet) snapshot() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.seen)
}

// addLink records the token of a share or invite link (…/s/TOKEN, …/enroll/TOKEN).
func (s *secretSet) addLink(link string) {
	for _, m := range linkToken.FindAllStringSubmatch(link, -1) {
		s.add(map[string]string{"s": "share token", "enroll": "invite token"}[m[1]], m[2])
	}
}

// addCookie records a Gatehouse cookie: of a session ("id.secret") the secret,
// since its public id may be logged; of a ceremony the whole id.
func (s *secretSet) addCookie(name, value string) {
	if !strings.Contains(name, "gatehouse") {
		return
	}
	if _, secret, ok := strings.Cut(value, "."); ok {
		s.add("session secret", secret)
	} else {
		s.add("ceremony id", value)
	}
}

var (
	linkToken  = regexp.MustCompile(`/(s|enroll)/([A-Za-z0-9_-]{22,43})`)
	apiTokenRE = regexp.MustCompile(`gh_[A-Za-z0-9_-]{20,}`)
	jsonSecret = regexp.MustCompile(`"(pin|passphrase|api_key)"\s*:\s*"([^"]+)"`)
	digitsOnly = regexp.MustCompile(`^[0-9]+$`)
)

// formFields are the fields of Gatehouse's forms that hold a secret.
var formFields = map[string]string{"pin": "door code", "passphrase": "passphrase", "api_key": "vendor API key"}

// fromRequest records the secrets a request body sends: a code typed at a
// keypad, a passphrase, a vendor API key.
func (s *secretSet) fromRequest(contentType string, body []byte) {
	if strings.HasPrefix(contentType, "application/x-www-form-urlencoded") {
		if form, err := url.ParseQuery(string(body)); err == nil {
			for k, kind := range formFields {
				for _, v := range form[k] {
					s.add(kind, v)
				}
			}
		}
	}
	for _, m := range jsonSecret.FindAllSubmatch(body, -1) {
		s.add(formFields[string(m[1])], string(m[2]))
	}
}

// fromResponse records the secrets a response gives: cookies, share and
// invite links, API tokens, revealed codes.
func (s *secretSet) fromResponse(h http.Header, body []byte) {
	for _, c := range (&http.Response{Header: h}).Cookies() {
		s.addCookie(c.Name, c.Value)
	}
	s.addLink(string(body))
	for _, m := range apiTokenRE.FindAll(body, -1) {
		s.add("API token", string(m))
	}
	for _, m := range revealedPIN.FindAllSubmatch(body, -1) {
		s.add("door code", string(m[1]))
	}
	for _, m := range jsonSecret.FindAllSubmatch(body, -1) {
		s.add(formFields[string(m[1])], string(m[2]))
	}
}

// secretTransport records into secrets everything a test's HTTP client sends
// and is answered, so a test's clients need not pick the secrets out one by one.
type secretTransport struct {
	next    http.RoundTripper
	secrets *secretSet
}

func (rt secretTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if auth, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer "); ok {
		rt.secrets.add("API token", auth)
	}
	if req.GetBody != nil {
		if body, err := req.GetBody(); err == nil {
			b, err := io.ReadAll(body)
			if err == nil {
				rt.secrets.fromRequest(req.Header.Get("Content-Type"), b)
			}
		}
	}
	res, err := rt.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	// The whole body is read here, so the secrets it shows are recorded
	// whether or not the caller reads it; a body cut short (the server was
	// killed) is an error, as it would be for the caller.
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	rt.secrets.fromResponse(res.Header, b)
	res.Body = io.NopCloser(bytes.NewReader(b))
	return res, nil
}

// wrap makes c record into s, on top of c's own transport (the default one if nil).
func (s *secretSet) wrap(c *http.Client) *http.Client {
	next := c.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	c.Transport = secretTransport{next: next, secrets: s}
	return c
}

// client is a plain HTTP client (a guest's phone) that records into s.
func (s *secretSet) client(timeout time.Duration) *http.Client {
	return s.wrap(&http.Client{Timeout: timeout})
}

// watchBrowser records, from the browser tab's network events, every
// Gatehouse cookie the server sets (each session rotation included), every
// share or invite link the tab opens and every secret a form posts (a code
// typed at the keypad). What pages show (a share link, a revealed code) the
// tests read and add themselves.
func watchBrowser(t *testing.T, b *browsertest.Browser, s *secretSet) {
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
				s.fromResponse(h, nil)
			}
		case *network.EventRequestWillBeSent:
			s.addLink(ev.Request.URL) // a share or invite link opened
			var body []byte
			for _, e := range ev.Request.PostDataEntries {
				body = append(body, e.Bytes...)
			}
			contentType := ""
			for k, v := range ev.Request.Headers {
				if strings.EqualFold(k, "Content-Type") {
					contentType = fmt.Sprint(v)
				}
			}
			s.fromRequest(contentType, body)
		}
	})
	if err != nil {
		t.Fatalf("watch the browser's traffic for secrets: %v", err)
	}
}

// secretLeak is one secret found where it must not be.
type secretLeak struct {
	kind, secret string
	where        string // "log line 12", "audit row 7 (link_revealed) of gatehouse.db"
	context      string // that line or row, the secret blanked out
}

func (l secretLeak) String() string {
	return fmt.Sprintf("the %s %.4s… (the test saw it) appears in %s: %s", l.kind, l.secret, l.where, l.context)
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

// secretIndex finds every secret of a set in a text in one pass: each
// position's first minSecretLen bytes are looked up among the secrets'
// prefixes, so a scan costs about the same for 2 secrets or 2,000 and a
// several-megabyte log takes well under a second.
type secretIndex map[string][]string // first minSecretLen bytes -> the secrets starting so

func newSecretIndex(secrets map[string]string) secretIndex {
	ix := secretIndex{}
	for v := range secrets {
		ix[v[:minSecretLen]] = append(ix[v[:minSecretLen]], v)
	}
	return ix
}

// find calls found with each secret that text holds and where it starts. A
// door code is digits only, and as a bare substring "123456" would turn up in
// the log by chance: inside durations ("duration=1.123456ms" has a six-digit
// run on every request line), temporary paths and other numbers. So a code
// counts only as a whole token, not touching a letter, digit or underscore on
// either side (as regexp's \b...\b), which is how a leak would show it
// ("pin=123456", "code 123456", "\"123456\""). Tokens and keys are long and
// random: any substring counts.
func (ix secretIndex) find(text string, found func(secret string, at int)) {
	for i := 0; i+minSecretLen <= len(text); i++ {
		for _, v := range ix[text[i:i+minSecretLen]] {
			if !strings.HasPrefix(text[i:], v) {
				continue
			}
			if digitsOnly.MatchString(v) && (i > 0 && isWordByte(text[i-1]) || i+len(v) < len(text) && isWordByte(text[i+len(v)])) {
				continue
			}
			found(v, i)
		}
	}
}

func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// leaks scans every line of log, and the detail, actor and ip of every row of
// audit_log in each database at dbPaths (opened read-only), for the secrets.
// It reports each secret once per place (the log, each database), at its
// first line or row.
func (s *secretSet) leaks(log string, dbPaths ...string) ([]secretLeak, scanStats, error) {
	secrets := s.snapshot()
	st := scanStats{secrets: map[string]int{}, logBytes: len(log)}
	for _, kind := range secrets {
		st.secrets[kind]++
	}
	// A place is a text of lines (log lines, audit rows), and how to name its i'th line.
	type place struct {
		lines []string
		where func(i int) string
	}
	logLines := strings.Split(strings.TrimSuffix(log, "\n"), "\n")
	if log == "" {
		logLines = nil
	}
	st.logLines = len(logLines)
	places := []place{{logLines, func(i int) string { return fmt.Sprintf("log line %d", i+1) }}}
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
		places = append(places, place{lines, func(i int) string {
			return fmt.Sprintf("audit row %d (%s) of %s", audit[i].id, audit[i].action, filepath.Base(path))
		}})
	}
	ix := newSecretIndex(secrets)
	var found []secretLeak
	for _, pl := range places {
		reported := map[string]bool{}
		for i, line := range pl.lines {
			ix.find(line, func(v string, _ int) {
				if reported[v] {
					return
				}
				reported[v] = true
				blanked := strings.ReplaceAll(line, v, "«"+secrets[v]+"»")
				found = append(found, secretLeak{kind: secrets[v], secret: v, where: pl.where(i), context: tail(blanked, 300)})
			})
		}
	}
	return found, st, nil
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
func checkNoSecretsLeaked(t *testing.T, s *secretSet, log string, dbPaths ...string) {
	t.Helper()
	found, st, err := s.leaks(log, dbPaths...)
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
	s := &secretSet{}
	s.add("door code", code)
	s.add("door code", unused)
	s.addLink("http://localhost:8080/s/" + share)
	s.addCookie("gatehouse", "abcdef."+session)
	s.fromResponse(nil, []byte(`<code id="new-api-token-text">`+apiToken+`</code>`))
	s.fromRequest("application/x-www-form-urlencoded", []byte("name=Home&api_key="+inAudit))
	s.add("door code", "1234") // too short: ignored

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
	found, st, err := s.leaks(log, path)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range found {
		got = append(got, l.secret+" in "+l.where)
		if strings.Contains(l.context, l.secret) {
			t.Errorf("the report of a leak repeats the secret: %s", l.context)
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
	clean := &secretSet{}
	clean.add("door code", unused)
	if found, _, err := clean.leaks(log, path); err != nil || len(found) != 0 {
		t.Errorf("a clean scan: got %v %v, want no leaks", found, err)
	}
}

// TestSecretTransportRecords checks that a recording client picks the secrets
// out of what it sends and is answered, as the binary's tests rely on.
func TestSecretTransportRecords(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "gatehouse", Value: "sid123.SESSIONSECRET"})
		http.SetCookie(w, &http.Cookie{Name: "gatehouse-ceremony", Value: "CEREMONYID1"})
		http.SetCookie(w, &http.Cookie{Name: "other", Value: "NOTOURS123"})
		fmt.Fprint(w, `{"share_url":"http://x/s/CCCCCCCCCCCCCCCCCCCCCC"} <p data-testid="pin" class="pin">719304</p>`)
	}))
	defer srv.Close()
	s := &secretSet{}
	req, err := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(url.Values{"pin": {"246813"}, "label": {"Ben Okafor"}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer gh_DDDDDDDDDDDDDDDDDDDDDDDDDDDD")
	res, err := s.client(5 * time.Second).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || !strings.Contains(string(body), "719304") {
		t.Errorf("the caller's body: %q %v, want the server's answer intact", body, err)
	}
	want := map[string]string{
		"SESSIONSECRET": "session secret", "CEREMONYID1": "ceremony id", "CCCCCCCCCCCCCCCCCCCCCC": "share token",
		"719304": "door code", "246813": "door code", "gh_DDDDDDDDDDDDDDDDDDDDDDDDDDDD": "API token",
	}
	if got := s.snapshot(); !maps.Equal(got, want) {
		t.Errorf("recorded %v, want %v", got, want)
	}
}
