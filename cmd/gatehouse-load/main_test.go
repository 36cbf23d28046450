package main

import (
	"context"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCheckLocal(t *testing.T) {
	for _, raw := range []string{
		"http://localhost:8080",
		"http://127.0.0.1:8080/healthz",
		"http://localhost/enroll/abc",
	} {
		if _, err := checkLocal(raw); err != nil {
			t.Errorf("checkLocal(%q) = %v, want accepted", raw, err)
		}
	}
	for _, raw := range []string{
		"http://example.com:8080",
		"http://localhost.example.com",
		"http://127.0.0.2:8080",
		"http://10.0.0.1",
		"http://[::1]:8080",
		"http://0.0.0.0:8080",
		"https://localhost:8080",
		"http://user:pw@localhost:8080",
		"localhost:8080",
		"//localhost:8080",
		"",
	} {
		if _, err := checkLocal(raw); err == nil {
			t.Errorf("checkLocal(%q) accepted, want refused", raw)
		}
	}
}

func TestRunRefusesOtherHosts(t *testing.T) {
	for _, args := range [][]string{
		{"-url", "http://example.com", "-scenarios", "healthz"},
		{"-invite", "http://192.168.1.10:8080/enroll/x"},
		{"-wait-healthz", "http://example.com/healthz", "--", "true"},
	} {
		var out, errOut strings.Builder
		err := run(context.Background(), args, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), "only talks to http://localhost") {
			t.Errorf("run(%q) = %v, want a refusal", args, err)
		}
		if out.Len() != 0 {
			t.Errorf("run(%q) printed %q", args, out.String())
		}
	}
}

func TestDialerRefusesOtherHosts(t *testing.T) {
	_, err := newClient(1).Get("http://example.com/")
	if err == nil || !strings.Contains(err.Error(), "refusing to connect") {
		t.Fatalf("Get(example.com) = %v, want refused by the dialer", err)
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{0, 1}, {1, 1}, {50, 50}, {90, 90}, {99, 99}, {99.5, 100}, {100, 100}} {
		if got := percentile(d, c.p); got != c.want*time.Millisecond {
			t.Errorf("percentile(1..100 ms, %v) = %v, want %v ms", c.p, got, c.want)
		}
	}
	if got := percentile([]time.Duration{7}, 99); got != 7 {
		t.Errorf("percentile of one value = %v, want 7", got)
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("percentile of none = %v, want 0", got)
	}
	// Nearest rank on an odd count: 3 of 5 values are <= the median.
	if got := percentile([]time.Duration{1, 2, 3, 4, 5}, 50); got != 3 {
		t.Errorf("median of 1..5 = %v, want 3", got)
	}
}

// TestMeasureAgainstBaseline runs the measurement loop end to end against the
// built-in hello server, bounded by requests, not by its 5 s.
func TestMeasureAgainstBaseline(t *testing.T) {
	base, stop, err := startBaseline()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	w, err := scenarios["healthz"](context.Background(), &target{})
	if err != nil {
		t.Fatal(err)
	}
	r := gatehouseMeter(phase{concurrency: 4, requests: 200}, base, w)
	measure(context.Background(), phase{duration: 5 * time.Second, warmup: 10 * time.Millisecond, rounds: 3}, r)
	if r.requests != 200 || r.errors != 0 || len(r.latencies) != 200 || !slices.IsSorted(r.latencies) {
		t.Fatalf("measure: %d requests, %d errors, %d latencies (first error %v); want 200, 0, 200 sorted",
			r.requests, r.errors, len(r.latencies), r.firstErr)
	}
	if r.rps() <= 0 {
		t.Fatalf("rps = %v", r.rps())
	}
}

// TestRevealTally: each link's answers are tallied, and a link that showed
// its code twice, or never while every answer was the 410 page, is reported.
func TestRevealTally(t *testing.T) {
	r := newReveals("http://localhost:1", []string{"AAAAAAAAAAAAAAAAAAAAA1", "AAAAAAAAAAAAAAAAAAAAA2", "AAAAAAAAAAAAAAAAAAAAA3"}, 2)
	won := []byte(`<p class="pin" data-testid="pin">123456</p>`)
	gone := []byte(`<p data-testid="link-gone">gone</p>`)
	answers := [][2]any{{200, won}, {410, gone}, {200, won}, {200, won}, {410, gone}, {410, gone}}
	for _, a := range answers {
		req, check, err := r.build("http://localhost:1")
		if err != nil || req.Method != "POST" || !strings.HasPrefix(req.URL.Path, "/s/") {
			t.Fatalf("build: %v %v", req, err)
		}
		if err := check(a[0].(int), a[1].([]byte)); err != nil {
			t.Fatalf("check: %v", err)
		}
	}
	if _, _, err := r.build("http://localhost:1"); err != errDone {
		t.Errorf("build after the last link: got %v, want errDone", err)
	}
	check := r.check(0)
	if err := check(200, []byte("no code here")); err == nil {
		t.Error("a 200 without the code passed the check")
	}
	if err := check(500, nil); err == nil {
		t.Error("a 500 passed the check")
	}
	f := figures{Seconds: 2, Statuses: map[string]int{"200": 3}, Status5xx: 1}
	bad := r.finish(&f)
	if f.Reveal == nil || f.Reveal.OneWinner != 1 || f.Reveal.ManyWinners != 1 || f.Reveal.NoWinner != 1 || f.Reveal.RevealsPerS != 2 {
		t.Errorf("figures: %+v", f.Reveal)
	}
	if len(bad) != 3 {
		t.Errorf("violations: got %q, want 3 (two winners, no winner, a 5xx)", bad)
	}
}

// TestMeasureStopsWhenFixturesRunOut: a workload that has nothing more to
// send ends its side's rounds early, without counting errors.
func TestMeasureStopsWhenFixturesRunOut(t *testing.T) {
	base, stop, err := startBaseline()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	r := newReveals(base, []string{"AAAAAAAAAAAAAAAAAAAAA1", "AAAAAAAAAAAAAAAAAAAAA2"}, 3)
	m := newMeter(phase{concurrency: 4, requests: 1000}, base, func(base string) (*http.Request, check, error) {
		req, _, err := r.build(base)
		return req, statusIs(http.StatusOK), err
	})
	start := time.Now()
	measure(context.Background(), phase{duration: 5 * time.Second, rounds: 2}, m)
	if m.requests != 6 || m.errors != 0 || m.statuses[200] != 6 {
		t.Errorf("got %d requests, %d errors, statuses %v; want 6, 0, 6 × 200", m.requests, m.errors, m.statuses)
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("measuring took %v: it did not stop when the links ran out", time.Since(start))
	}
}

func TestSampleRSS(t *testing.T) {
	s := sampleRSS(os.Getpid(), time.Millisecond) // reads once before its first tick
	kb, err := s.stop()
	if err != nil || kb <= 0 {
		t.Errorf("own VmRSS: %d kB, %v", kb, err)
	}
	if kb, err := (*rssSampler)(nil).stop(); kb != 0 || err != nil {
		t.Errorf("no sampler: %d %v", kb, err)
	}
	if _, err := sampleRSS(1<<30, time.Millisecond).stop(); err == nil {
		t.Error("a process that does not exist: no error")
	}
}
