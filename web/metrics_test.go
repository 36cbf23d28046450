package web

import (
	"net/http"
	"net/url"
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
