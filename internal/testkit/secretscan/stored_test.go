package secretscan_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/internal/testkit/secretscan"
)

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
	found, st, err := secretscan.LeaksStored(s, log, path)
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
	if n := st.Secrets["door code"]; n != 2 || st.AuditRows != 2 || st.LogLines != 4 {
		t.Errorf("scan covered %s; want 2 door codes, 4 log lines and 2 audit rows", st)
	}
	// The same scan of a clean log and table finds nothing.
	clean := &secretscan.Set{}
	clean.Add("door code", unused)
	if found, _, err := secretscan.LeaksStored(clean, log, path); err != nil || len(found) != 0 {
		t.Errorf("a clean scan: got %v %v, want no leaks", found, err)
	}
}
