// Command gatehouse-load measures a running Gatehouse on this machine.
//
// It enrolls an owner through a one-time invite link with a software passkey,
// then runs each scenario for a bounded time and number of requests against
// Gatehouse and, with the same client settings, against a bare Echo "hello"
// handler it serves itself on 127.0.0.1. It prints one JSON object per
// scenario, so every figure comes with its ratio to a baseline measured in the
// same run on the same (shared) cores.
//
//	gatehouse invite --db gatehouse.db --public-url http://localhost:8080
//	gatehouse-load -invite http://localhost:8080/enroll/TOKEN -concurrency 50 -duration 5s
//	gatehouse-load -invite ... -pid $(pidof gatehouse) -scenarios reveal,reveal-storm -links 20000
//
// Scenarios that need data make it through the HTTP surface first: the owner
// confirms the passkey again, creates a read-write API token in Settings, adds
// simulated locks, and gives access through POST /api/v1/accesses (fixtures.go).
// With -pid it also reports the server's resident memory per scenario. A broken
// guarantee (a link revealed twice, a 5xx in a reveal scenario) is printed with
// the figures and makes it exit non-zero.
//
// With -wait-healthz it instead starts the command after "--", polls the URL
// and reports the time from just before fork/exec to the first 200:
//
//	gatehouse-load -wait-healthz http://localhost:8080/healthz -- gatehouse serve --db gatehouse.db
//
// It talks to localhost and 127.0.0.1 only, and refuses any other host.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gatehouse-load:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gatehouse-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		opts      fixtureOptions
		pid       = fs.Int("pid", 0, "the server's process id: report its resident memory (VmRSS, from /proc) per scenario")
		target    = fs.String("url", "", "Gatehouse base URL, e.g. http://localhost:8080 (default: the origin of -invite)")
		invite    = fs.String("invite", "", "one-time enrollment link from `gatehouse invite --admin`, used to sign in for signed-in scenarios")
		names     = fs.String("scenarios", "healthz,home,signin-page", "comma-separated scenarios: "+strings.Join(scenarioNames(), ", "))
		p         phase
		waitURL   = fs.String("wait-healthz", "", "start the command after -- and report ms from fork/exec to the first 200 from this URL")
		waitLimit = fs.Duration("wait-limit", 10*time.Second, "give up -wait-healthz after this long")
	)
	fs.IntVar(&p.concurrency, "concurrency", 50, "concurrent connections, each with one request in flight")
	fs.DurationVar(&p.duration, "duration", 5*time.Second, "measured time per scenario and per baseline")
	fs.IntVar(&p.requests, "requests", 1_000_000, "at most this many measured requests per scenario and per baseline")
	fs.DurationVar(&p.warmup, "warmup", 500*time.Millisecond, "unmeasured time per scenario and per baseline before measuring (capped by -requests too)")
	fs.IntVar(&p.rounds, "rounds", 5, "split -duration into this many rounds, alternating between baseline and Gatehouse")
	fs.IntVar(&opts.links, "links", 4000, "share links created (through the API) for the reveal scenario; reveal-storm gets half as many, mixed a quarter")
	fs.IntVar(&opts.openedLinks, "opened-links", 8000, "links opened (GET, before measuring) and then revealed by reveal-opened; keep it under the server's share cache (10,000 links)")
	fs.IntVar(&opts.perLink, "per-link", 5, "reveal-storm: concurrent reveals sent to each link")
	fs.IntVar(&opts.guestLinks, "guest-links", 300, "links whose guest page is fetched in turn")
	fs.IntVar(&opts.locks, "locks", 20, "simulated locks to spread the accesses over (each access checks its PIN against every live code on its lock)")
	fs.IntVar(&opts.fixtureConcurrency, "fixture-concurrency", 8, "concurrent API calls while creating fixtures")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *waitURL != "" {
		return waitHealthz(ctx, *waitURL, fs.Args(), *waitLimit, stdout)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q (a command is only taken with -wait-healthz)", fs.Args())
	}
	switch {
	case p.concurrency < 1 || p.concurrency > 1000:
		return fmt.Errorf("-concurrency %d: want 1 to 1000", p.concurrency)
	case p.duration <= 0 || p.duration > 5*time.Minute:
		return fmt.Errorf("-duration %s: want more than 0 and at most 5m", p.duration)
	case p.requests < 1:
		return fmt.Errorf("-requests %d: want at least 1", p.requests)
	case p.rounds < 1 || p.rounds > 100:
		return fmt.Errorf("-rounds %d: want 1 to 100", p.rounds)
	case p.warmup < 0 || p.warmup > time.Minute:
		return fmt.Errorf("-warmup %s: want 0 to 1m", p.warmup)
	case opts.links < 1 || opts.links > 200_000, opts.guestLinks < 1 || opts.guestLinks > 100_000,
		opts.openedLinks < 1 || opts.openedLinks > 200_000:
		return fmt.Errorf("-links %d, -guest-links %d, -opened-links %d: want 1 to 200000, 1 to 100000 and 1 to 200000",
			opts.links, opts.guestLinks, opts.openedLinks)
	case opts.perLink < 2 || opts.perLink > 100:
		return fmt.Errorf("-per-link %d: want 2 to 100", opts.perLink)
	case opts.locks < 1 || opts.locks > 100, opts.fixtureConcurrency < 1 || opts.fixtureConcurrency > 100:
		return fmt.Errorf("-locks %d, -fixture-concurrency %d: want 1 to 100 each", opts.locks, opts.fixtureConcurrency)
	}

	t, err := newTarget(*target, *invite)
	if err != nil {
		return err
	}
	t.opts = opts
	var chosen []string
	for _, name := range strings.Split(*names, ",") {
		name = strings.TrimSpace(name)
		if _, ok := scenarios[name]; !ok {
			return fmt.Errorf("unknown scenario %q; known: %s", name, strings.Join(scenarioNames(), ", "))
		}
		chosen = append(chosen, name)
	}

	baseURL, stopBaseline, err := startBaseline()
	if err != nil {
		return err
	}
	defer stopBaseline()

	enc := json.NewEncoder(stdout)
	var broken []string
	for _, name := range chosen {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		fig, err := runScenario(ctx, name, t, baseURL, p, *pid, stderr)
		if err != nil {
			return fmt.Errorf("scenario %s: %w", name, err)
		}
		if err := enc.Encode(fig); err != nil {
			return err
		}
		for _, v := range fig.Violations {
			broken = append(broken, name+": "+v)
		}
	}
	if len(broken) > 0 {
		return fmt.Errorf("%d broken guarantees, first: %s", len(broken), broken[0])
	}
	return nil
}

// figures is the line printed per scenario. rps and the percentiles count
// successful requests only; errors are requests that failed or got an
// unexpected answer.
type figures struct {
	Scenario       string         `json:"scenario"`
	Concurrency    int            `json:"concurrency"`
	Seconds        float64        `json:"seconds"`
	Requests       int            `json:"requests"`
	Errors         int            `json:"errors"`
	RPS            float64        `json:"rps"`
	P50            float64        `json:"p50_ms"`
	P90            float64        `json:"p90_ms"`
	P99            float64        `json:"p99_ms"`
	BaselineRPS    float64        `json:"baseline_rps"`
	BaselineErrors int            `json:"baseline_errors"`
	Ratio          float64        `json:"ratio_to_baseline"`
	Statuses       map[string]int `json:"statuses"` // Gatehouse's answers in the measured rounds, by status
	Status5xx      int            `json:"status_5xx"`
	// The server's resident memory (with -pid): the most seen while the
	// scenario made its fixtures and ran, sampled every 50 ms, and the
	// process's peak so far (VmHWM).
	RSSMaxKB int `json:"rss_max_kb,omitempty"`
	RSSHWMKB int `json:"rss_hwm_kb,omitempty"`
	// CPU per request in the measured rounds, in microseconds: the server's
	// (with -pid), this tool's as the client of Gatehouse, and this tool's in
	// the baseline rounds (client and hello server together). See cpu.go.
	ServerCPUUs   float64 `json:"server_cpu_us,omitempty"`
	ClientCPUUs   float64 `json:"client_cpu_us,omitempty"`
	BaselineCPUUs float64 `json:"baseline_cpu_us,omitempty"`
	// What the run had created through the API by the end of the scenario, and
	// how long that took in all.
	FixtureAccesses int            `json:"fixture_accesses,omitempty"`
	FixtureSeconds  float64        `json:"fixture_seconds,omitempty"`
	Reveal          *revealFigures `json:"reveal,omitempty"`
	Violations      []string       `json:"violations,omitempty"` // broken guarantees: the run fails
}

// runScenario measures the bare Echo baseline and Gatehouse in alternating
// rounds, with the same requests, client settings, concurrency and bounds.
func runScenario(ctx context.Context, name string, t *target, baseURL string, p phase, pid int, stderr io.Writer) (figures, error) {
	var rss *rssSampler
	if pid > 0 {
		rss = sampleRSS(pid, 50*time.Millisecond)
	}
	w, err := scenarios[name](ctx, t)
	if err != nil {
		rss.stop()
		return figures{}, err
	}
	if w.noWarmup {
		p.warmup = 0
	}
	base := baselineMeter(p, baseURL, w)
	got := gatehouseMeter(p, t.base.String(), w)
	got.cpu.pid = pid
	measure(ctx, p, base, got)
	rssMax, rssErr := rss.stop()
	if base.succeeded() == 0 {
		return figures{}, fmt.Errorf("the baseline answered no request (first error: %v)", base.firstErr)
	}
	f := figures{
		Scenario: name, Concurrency: p.concurrency, Seconds: round(got.elapsed.Seconds(), 2),
		Requests: got.requests, Errors: got.errors, RPS: round(got.rps(), 0),
		P50: ms(got.percentile(50)), P90: ms(got.percentile(90)), P99: ms(got.percentile(99)),
		BaselineRPS: round(base.rps(), 0), BaselineErrors: base.errors,
		Ratio:           round(got.rps()/base.rps(), 3),
		Statuses:        map[string]int{},
		FixtureAccesses: t.accesses, FixtureSeconds: round(t.fixtureTime.Seconds(), 1),
		ServerCPUUs:   perRequest(got.cpu.server, got.requests),
		ClientCPUUs:   perRequest(got.cpu.self, got.requests),
		BaselineCPUUs: perRequest(base.cpu.self, base.requests),
	}
	for status, n := range got.statuses {
		f.Statuses[strconv.Itoa(status)] = n
		if status >= 500 {
			f.Status5xx += n
		}
	}
	if rss != nil {
		if rssErr != nil {
			return figures{}, fmt.Errorf("reading the server's memory (-pid %d): %w", pid, rssErr)
		}
		f.RSSMaxKB = rssMax
		f.RSSHWMKB, _ = procStatusKB(pid, "VmHWM:")
	}
	if w.finish != nil {
		f.Violations = w.finish(&f)
	}
	if got.firstErr != nil {
		fmt.Fprintf(stderr, "gatehouse-load: %s: %d errors, first: %v\n", name, got.errors, got.firstErr)
	}
	return f, nil
}

func ms(d time.Duration) float64 { return round(float64(d)/float64(time.Millisecond), 2) }

func round(x float64, places int) float64 {
	f := math.Pow10(places)
	return math.Round(x*f) / f
}
