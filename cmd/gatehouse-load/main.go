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
		target    = fs.String("url", "", "Gatehouse base URL, e.g. http://localhost:8080 (default: the origin of -invite)")
		invite    = fs.String("invite", "", "one-time enrollment link from `gatehouse invite`, used to sign in for signed-in scenarios")
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
	}

	t, err := newTarget(*target, *invite)
	if err != nil {
		return err
	}
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
	for _, name := range chosen {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		fig, err := runScenario(ctx, name, t, baseURL, p, stderr)
		if err != nil {
			return fmt.Errorf("scenario %s: %w", name, err)
		}
		if err := enc.Encode(fig); err != nil {
			return err
		}
	}
	return nil
}

// figures is the line printed per scenario. rps and the percentiles count
// successful requests only; errors are requests that failed or got an
// unexpected status.
type figures struct {
	Scenario       string  `json:"scenario"`
	Concurrency    int     `json:"concurrency"`
	Seconds        float64 `json:"seconds"`
	Requests       int     `json:"requests"`
	Errors         int     `json:"errors"`
	RPS            float64 `json:"rps"`
	P50            float64 `json:"p50_ms"`
	P90            float64 `json:"p90_ms"`
	P99            float64 `json:"p99_ms"`
	BaselineRPS    float64 `json:"baseline_rps"`
	BaselineErrors int     `json:"baseline_errors"`
	Ratio          float64 `json:"ratio_to_baseline"`
}

// runScenario measures the bare Echo baseline and Gatehouse in alternating
// rounds, with the same requests, client settings, concurrency and bounds.
func runScenario(ctx context.Context, name string, t *target, baseURL string, p phase, stderr io.Writer) (figures, error) {
	w, err := scenarios[name](ctx, t)
	if err != nil {
		return figures{}, err
	}
	base := newMeter(p, baseURL, workload{build: w.build, ok: func(status int) bool { return status == 200 }})
	got := newMeter(p, t.base.String(), w)
	measure(ctx, p, base, got)
	if base.succeeded() == 0 {
		return figures{}, fmt.Errorf("the baseline answered no request (first error: %v)", base.firstErr)
	}
	f := figures{
		Scenario: name, Concurrency: p.concurrency, Seconds: round(got.elapsed.Seconds(), 2),
		Requests: got.requests, Errors: got.errors, RPS: round(got.rps(), 0),
		P50: ms(got.percentile(50)), P90: ms(got.percentile(90)), P99: ms(got.percentile(99)),
		BaselineRPS: round(base.rps(), 0), BaselineErrors: base.errors,
		Ratio: round(got.rps()/base.rps(), 3),
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
