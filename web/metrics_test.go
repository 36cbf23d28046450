package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestMetricsOffByDefault(t *testing.T) {
	app := newTestApp(t, testOrigin)
	if res := app.client().get("/metrics"); res.Status != http.StatusNotFound {
		t.Errorf("/metrics without --metrics: got %d, want 404", res.Status)
	}
}

func TestMetrics(t *testing.T) {
	app := newTestApp(t, testOrigin)
	app.srv.metrics = newMetrics(app.db, app.srv.log)
	app.srv.echo = app.srv.routes()
	c, _ := app.newOwner("Ana")
	l := app.addSimLock("Front door")
	c.postForm(lockPath(l, "/codes"), app.codeForm(l, "Ben", "583920"))
	app.settle()
	codes, _ := app.db.LockCodes(t.Context(), l.ID)
	c.postForm(lockPath(l, "/sim/offline"), url.Values{})
	if _, err := app.db.RevokeAccessCode(t.Context(), codes[0].ID); err != nil {
		t.Fatal(err)
	}
	app.clock.Advance(time.Minute)
	app.reconcile() // offline: the removal fails and is counted
	app.client().do(http.MethodPost, "/s/AAAAAAAAAAAAAAAAAAAAAA", strings.NewReader(""), nil)
	c.get("/")

	body := app.client().get("/metrics").Body
	for _, want := range []string{
		`gatehouse_http_request_duration_seconds_count{method="GET",route="/",status="2xx"}`,
		`gatehouse_reveals_total{outcome="gone"} 1`,
		"gatehouse_codes_pending_removal 1",
		"gatehouse_reconciler_lag_seconds",
		"gatehouse_locks_offline 1",
		"gatehouse_connector_errors_total",
		"gatehouse_db_commits_total",
		"gatehouse_db_writes_total",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(body, "gatehouse_connector_errors_total 0") {
		t.Error("the failed removal was not counted")
	}
}

// Every label of the request histogram comes from a fixed set, whatever the
// client sends: 200 invented methods on matched and unmatched paths make no
// more series than the known methods would.
func TestMetricsLabelsBounded(t *testing.T) {
	app := newTestApp(t, testOrigin)
	app.srv.metrics = newMetrics(app.db, app.srv.log)
	app.srv.echo = app.srv.routes()
	c := app.client()
	for i := range 200 {
		method := fmt.Sprintf("M%03d", i)
		c.do(method, "/", nil, nil)
		c.do(method, fmt.Sprintf("/nowhere/%d", i), nil, nil)
		c.do(method, "/s/"+strings.Repeat("A", 22), nil, nil)
	}
	c.get("/")

	fams, err := app.srv.metrics.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	series, methods := 0, map[string]bool{}
	for _, f := range fams {
		if f.GetName() != "gatehouse_http_request_duration_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			series++
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "method":
					methods[l.GetValue()] = true
				case "route":
					if !strings.HasPrefix(l.GetValue(), "/") && l.GetValue() != "(unmatched)" {
						t.Errorf("route label %q is not a route pattern", l.GetValue())
					}
				case "status":
					if !slices.Contains([]string{"1xx", "2xx", "3xx", "4xx", "5xx", "other"}, l.GetValue()) {
						t.Errorf("status label %q is not a status class", l.GetValue())
					}
				}
			}
		}
	}
	if series > 10 {
		t.Errorf("request histogram series: got %d, want at most 10 (labels must be bounded)", series)
	}
	if !methods["OTHER"] || !methods["GET"] || len(methods) != 2 {
		t.Errorf("method labels: got %v, want exactly GET and OTHER", methods)
	}
}

func TestMetricLabelValues(t *testing.T) {
	for _, tc := range []struct {
		method, want string
	}{{"GET", "GET"}, {"HEAD", "HEAD"}, {"POST", "POST"}, {"DELETE", "DELETE"}, {"get", "OTHER"}, {"PROPFIND", "OTHER"}, {"", "OTHER"}} {
		if got := methodLabel(tc.method); got != tc.want {
			t.Errorf("methodLabel(%q): got %q, want %q", tc.method, got, tc.want)
		}
	}
	for _, tc := range []struct {
		status int
		want   string
	}{{200, "2xx"}, {101, "1xx"}, {404, "4xx"}, {599, "5xx"}, {0, "other"}, {99, "other"}, {600, "other"}, {-200, "other"}, {99999, "other"}} {
		if got := statusLabel(tc.status); got != tc.want {
			t.Errorf("statusLabel(%d): got %q, want %q", tc.status, got, tc.want)
		}
	}
}
