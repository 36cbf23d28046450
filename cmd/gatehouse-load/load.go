package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
)

// phase bounds one side (Gatehouse or the baseline) of a scenario: it warms up
// for warmup, then measures for duration; each stops early once requests have
// been sent. The duration is split into rounds that alternate between the two
// sides, so that load from other processes on the machine falls on both.
type phase struct {
	concurrency int
	duration    time.Duration
	requests    int
	warmup      time.Duration
	rounds      int
}

// result is what one side saw after its warmup.
type result struct {
	requests, errors int
	elapsed          time.Duration
	latencies        []time.Duration // successful requests; sorted once measured
	statuses         map[int]int     // every answer's status, errors included
	firstErr         error
}

func (r *result) add(o result) {
	r.requests += o.requests
	r.errors += o.errors
	r.latencies = append(r.latencies, o.latencies...)
	r.firstErr = cmpOr(r.firstErr, o.firstErr)
	for k, v := range o.statuses {
		if r.statuses == nil {
			r.statuses = map[int]int{}
		}
		r.statuses[k] += v
	}
}

func (r result) succeeded() int { return r.requests - r.errors }

// rps is successful requests per second.
func (r result) rps() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.succeeded()) / r.elapsed.Seconds()
}

func (r result) percentile(p float64) time.Duration { return percentile(r.latencies, p) }

// percentile is the nearest-rank percentile of sorted: the smallest value that
// at least p percent of the values are less than or equal to.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// meter sends one workload to one server over its own client, and adds up
// what it sees over several runs.
type meter struct {
	concurrency int
	base        string
	build       func(base string) (*http.Request, check, error)
	client      *http.Client
	limit       int // the cap on measured requests, and separately on warmup
	budget      atomic.Int64
	cpu         cpuSpent // over the measured rounds
	result
}

func newMeter(p phase, base string, build func(base string) (*http.Request, check, error)) *meter {
	return &meter{concurrency: p.concurrency, base: base, build: build, client: newClient(p.concurrency), limit: p.requests}
}

// gatehouseMeter sends w's requests and checks the answers with w's checks;
// baselineMeter sends w's baseline requests and wants 200 from each.
func gatehouseMeter(p phase, base string, w workload) *meter { return newMeter(p, base, w.build) }

func baselineMeter(p phase, base string, w workload) *meter {
	ok := statusIs(http.StatusOK)
	return newMeter(p, base, func(base string) (*http.Request, check, error) {
		req, err := w.baselineRequest(base)
		return req, ok, err
	})
}

// measure warms both meters up, then alternates between them for p.rounds
// rounds of p.duration/p.rounds each.
func measure(ctx context.Context, p phase, meters ...*meter) {
	for _, m := range meters {
		if p.warmup > 0 {
			m.budget.Store(int64(m.limit))
			m.run(ctx, p.warmup, false)
		}
	}
	for _, m := range meters {
		m.budget.Store(int64(m.limit))
	}
	for range max(p.rounds, 1) {
		for _, m := range meters {
			m.cpu.during(func() { m.run(ctx, p.duration/time.Duration(max(p.rounds, 1)), true) })
		}
	}
	for _, m := range meters {
		m.client.CloseIdleConnections()
		slices.Sort(m.latencies)
	}
}

// run has m.concurrency workers, each with one request in flight, send
// requests for d, until the budget is spent or the workload has nothing more
// to send. Requests in flight at the end are waited for and counted. With
// record unset it only warms up.
func (m *meter) run(ctx context.Context, d time.Duration, record bool) {
	var (
		mu  sync.Mutex
		all result
		wg  sync.WaitGroup
	)
	start := time.Now()
	until := start.Add(d)
	for range m.concurrency {
		wg.Go(func() {
			mine := result{statuses: map[int]int{}}
			var body bytes.Buffer
			for ctx.Err() == nil && time.Now().Before(until) && m.budget.Add(-1) >= 0 {
				t := time.Now()
				status, err := m.do(ctx, &body)
				if errors.Is(err, errDone) {
					break
				}
				mine.requests++
				if status != 0 {
					mine.statuses[status]++
				}
				if err != nil {
					mine.errors++
					mine.firstErr = cmpOr(mine.firstErr, err)
					continue
				}
				mine.latencies = append(mine.latencies, time.Since(t))
			}
			mu.Lock()
			defer mu.Unlock()
			all.add(mine)
		})
	}
	wg.Wait()
	if !record {
		return
	}
	m.elapsed += time.Since(start)
	m.result.add(all)
}

// do sends one request and checks its answer, read whole into body.
func (m *meter) do(ctx context.Context, body *bytes.Buffer) (status int, err error) {
	req, check, err := m.build(m.base)
	if err != nil {
		return 0, err
	}
	resp, err := m.client.Do(req.WithContext(ctx))
	if err != nil {
		return 0, err
	}
	body.Reset()
	_, err = body.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return resp.StatusCode, err
	}
	if err := check(resp.StatusCode, body.Bytes()); err != nil {
		return resp.StatusCode, fmt.Errorf("%s %s: %w", req.Method, routeOf(req.URL.Path), err)
	}
	return resp.StatusCode, nil
}

// routeOf names a path without the secrets it may carry (share tokens).
func routeOf(path string) string {
	if strings.HasPrefix(path, "/s/") {
		return "/s/:token"
	}
	return path
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// checkLocal parses a URL and refuses anything but plain http to localhost or
// 127.0.0.1: this tool must never load anyone else's server.
func checkLocal(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid URL %q: %v", raw, err)
	}
	if u.Scheme != "http" || u.User != nil || !localHost(u.Hostname()) {
		return nil, fmt.Errorf("refusing %q: gatehouse-load only talks to http://localhost:PORT or http://127.0.0.1:PORT", raw)
	}
	return u, nil
}

func localHost(h string) bool { return h == "localhost" || h == "127.0.0.1" }

// newClient returns the client every measurement uses: keep-alive HTTP/1.1, one
// idle connection per worker, no proxy, no redirects followed, and a dialer that
// connects to 127.0.0.1 whatever the name (localhost is never resolved, so an
// odd hosts file cannot send load elsewhere).
func newClient(conns int) *http.Client {
	dialer := &net.Dialer{Timeout: 2 * time.Second}
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			Proxy: nil,
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				host, port, err := net.SplitHostPort(addr)
				if err != nil || !localHost(host) {
					return nil, fmt.Errorf("refusing to connect to %q: not localhost or 127.0.0.1", addr)
				}
				return dialer.DialContext(ctx, "tcp4", net.JoinHostPort("127.0.0.1", port))
			},
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			IdleConnTimeout:     30 * time.Second,
			DisableCompression:  true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// startBaseline serves a bare Echo "hello" handler on every path and method of
// 127.0.0.1:0, the yardstick for each scenario.
func startBaseline() (base string, stop func(), err error) {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Any("/*", func(c echo.Context) error { return c.String(http.StatusOK, "Hello, World!") })
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("baseline: %w", err)
	}
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "gatehouse-load: baseline:", err)
		}
	}()
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}
