package secretscan_test

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testkit/secretscan"
)

// TestSecretTransportRecords checks that a recording client picks the secrets
// out of what it sends and is answered, as the tests that use it rely on.
func TestSecretTransportRecords(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "gatehouse", Value: "sid123.SESSIONSECRET"})
		http.SetCookie(w, &http.Cookie{Name: "gatehouse-ceremony", Value: "CEREMONYID1"})
		http.SetCookie(w, &http.Cookie{Name: "other", Value: "NOTOURS123"})
		fmt.Fprint(w, `{"share_url":"http://x/s/CCCCCCCCCCCCCCCCCCCCCC"} <p data-testid="pin" class="pin">719304</p>`)
	}))
	defer srv.Close()
	s := &secretscan.Set{}
	req, err := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(url.Values{"pin": {"246813"}, "label": {"Ben Okafor"}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer gh_DDDDDDDDDDDDDDDDDDDDDDDDDDDD")
	res, err := s.Client(5 * time.Second).Do(req)
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
	if got := s.Snapshot(); !maps.Equal(got, want) {
		t.Errorf("recorded %v, want %v", got, want)
	}
}

// A code counts only as a whole token: its digits inside a duration, a
// timestamp or a longer number are no leak; tokens count anywhere.
func TestLeaksFindsWholeCodesAndAnyToken(t *testing.T) {
	s := &secretscan.Set{}
	s.Add("door code", "583920")
	s.Add("share token", "AAAAAAAAAAAAAAAAAAAAAA")
	s.Add("door code", "1234") // too short: ignored
	lines := []string{
		"level=INFO msg=request duration=1.583920ms id=91583920 at=2026-01-02T15:04:05.583920Z",
		"level=WARN msg=keypad pin=583920",
		"level=INFO path=/s/xAAAAAAAAAAAAAAAAAAAAAAx",
	}
	var got []string
	for _, l := range s.Leaks(secretscan.Place{Lines: lines, Where: func(i int) string { return fmt.Sprint("line ", i+1) }}) {
		got = append(got, l.Secret+" in "+l.Where)
		if strings.Contains(l.Context, l.Secret) {
			t.Errorf("the report repeats the secret: %s", l.Context)
		}
	}
	if want := []string{"583920 in line 2", "AAAAAAAAAAAAAAAAAAAAAA in line 3"}; !slices.Equal(got, want) {
		t.Errorf("leaks: got %q, want %q", got, want)
	}
}
