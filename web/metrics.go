package web

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are Prometheus metrics on a registry of this server's own (no global
// state), served at /metrics only when --metrics is on.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.HistogramVec
	reveals  *prometheus.CounterVec
}

func newMetrics(store Store, log *slog.Logger) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gatehouse_http_request_duration_seconds",
			Help:    "Time to serve a request, by route pattern, method and status class.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route", "method", "status"}),
		reveals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_reveals_total",
			Help: "Share-link reveal attempts by outcome: revealed, gone, wrong_passphrase, locked, rate_limited.",
		}, []string{"outcome"}),
	}
	ops := newOpsCollector(store, log)
	m.reg.MustRegister(m.requests, m.reveals, ops,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// observe records one request; it is a no-op when metrics are off. Every label
// value comes from a fixed set, never from the client as sent: each distinct
// value is a series held in memory for the life of the process and written on
// every scrape. route is the matched pattern (or "(unmatched)"), so the route
// table bounds it.
func (m *metrics) observe(route, method string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(route, methodLabel(method), statusLabel(status)).Observe(d.Seconds())
}

// knownMethods are the methods of RFC 9110 and PATCH; anything else a client
// invents is counted as OTHER.
var knownMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace}

func methodLabel(method string) string {
	if slices.Contains(knownMethods, method) {
		return method
	}
	return "OTHER"
}

var statusClasses = [...]string{"1xx", "2xx", "3xx", "4xx", "5xx"}

// statusLabel is the status class; a status outside 100-599 (a handler's bug)
// is "other" rather than a class of its own.
func statusLabel(status int) string {
	if status < 100 || status > 599 {
		return "other"
	}
	return statusClasses[status/100-1]
}

// revealOutcomes are the reveal counter's label values, all of them.
var revealOutcomes = []string{"revealed", "gone", "wrong_passphrase", "locked", "rate_limited"}

// reveal counts one reveal outcome; a no-op when metrics are off. An outcome
// outside revealOutcomes (a caller's bug) is counted as "other", not as a new series.
func (m *metrics) reveal(outcome string) {
	if m == nil {
		return
	}
	if !slices.Contains(revealOutcomes, outcome) {
		outcome = "other"
	}
	m.reveals.WithLabelValues(outcome).Inc()
}

func (m *metrics) handler() echo.HandlerFunc {
	return echo.WrapHandler(promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
}

// opsCollector reads the reconciler's figures from the database at scrape time,
// so every replica reports the same truth and nothing needs updating in between.
type opsCollector struct {
	store                                    Store
	log                                      *slog.Logger
	lag, pending, errors, offline, unreached *prometheus.Desc
	commits, writes                          *prometheus.Desc
}

func newOpsCollector(store Store, log *slog.Logger) *opsCollector {
	return &opsCollector{store: store, log: log,
		lag:       prometheus.NewDesc("gatehouse_reconciler_lag_seconds", "Age of the oldest last successful sync of an active lock.", nil, nil),
		pending:   prometheus.NewDesc("gatehouse_codes_pending_removal", "Codes revoked or ended but not yet confirmed gone from their lock.", nil, nil),
		errors:    prometheus.NewDesc("gatehouse_connector_errors_total", "Failed connector calls made by the reconciler.", nil, nil),
		offline:   prometheus.NewDesc("gatehouse_locks_offline", "Locks their connector reports offline.", nil, nil),
		unreached: prometheus.NewDesc("gatehouse_locks_sync_failing", "Locks whose last reconcile failed.", nil, nil),
		commits:   prometheus.NewDesc("gatehouse_db_commits_total", "Commits (one sync each) made by the store's group-commit writer.", nil, nil),
		writes:    prometheus.NewDesc("gatehouse_db_writes_total", "Writes those commits carried; writes/commits is the mean batch.", nil, nil),
	}
}

func (c *opsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.lag
	ch <- c.pending
	ch <- c.errors
	ch <- c.offline
	ch <- c.unreached
	ch <- c.commits
	ch <- c.writes
}

func (c *opsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	o, err := c.store.Ops(ctx)
	if err != nil {
		c.log.Warn("metrics: reading reconciler figures", slog.Any("err", err))
		return
	}
	ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, o.ReconcileLag.Seconds())
	ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(o.PendingRemoval))
	ch <- prometheus.MustNewConstMetric(c.errors, prometheus.CounterValue, float64(o.ConnectorErrors))
	ch <- prometheus.MustNewConstMetric(c.offline, prometheus.GaugeValue, float64(o.LocksOffline))
	ch <- prometheus.MustNewConstMetric(c.unreached, prometheus.GaugeValue, float64(o.LocksUnreachable))
	w := c.store.WriterStats()
	ch <- prometheus.MustNewConstMetric(c.commits, prometheus.CounterValue, float64(w.Commits))
	ch <- prometheus.MustNewConstMetric(c.writes, prometheus.CounterValue, float64(w.Writes))
}
