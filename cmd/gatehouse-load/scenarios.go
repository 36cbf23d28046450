package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/internal/softkey"
)

// A scenario prepares a workload against Gatehouse (signing in, creating the
// data it needs through the API) and returns it.
type scenario func(ctx context.Context, t *target) (workload, error)

var scenarios = map[string]scenario{
	"healthz":       get("/healthz", false),
	"home":          get("/", true),
	"timeline":      get("/timeline", true),
	"signin-page":   get("/signin", false),
	"guest-page":    guestPage,
	"reveal":        revealScenario(false),
	"reveal-storm":  revealScenario(true),
	"reveal-opened": revealOpened,
	"api-create":    apiCreate,
	"mixed":         mixed,
}

func scenarioNames() []string { return slices.Sorted(maps.Keys(scenarios)) }

// workload is what a scenario sends.
type workload struct {
	// build makes Gatehouse's next request for a base URL, and the check of its
	// answer. It returns errDone once the scenario's fixtures are used up (each
	// share link reveals once).
	build func(base string) (*http.Request, check, error)
	// baseline makes the baseline's request: the same method, path shape,
	// headers and body. nil: build's request (it must then use up nothing).
	baseline func(base string) (*http.Request, error)
	// finish adds the scenario's own figures after the measurement, and returns
	// the guarantees it saw broken.
	finish func(f *figures) []string
	// noWarmup: the fixtures already warmed the server, and a warmup would
	// use up what the scenario measures.
	noWarmup bool
}

// check judges one answer from Gatehouse.
type check func(status int, body []byte) error

// errDone stops a worker: the scenario has nothing more to send.
var errDone = errors.New("fixtures used up")

func statusIs(want int) check {
	return func(status int, _ []byte) error {
		if status != want {
			return fmt.Errorf("unexpected status %d, want %d", status, want)
		}
		return nil
	}
}

// baselineRequest is w's request for the baseline.
func (w workload) baselineRequest(base string) (*http.Request, error) {
	if w.baseline != nil {
		return w.baseline(base)
	}
	req, _, err := w.build(base)
	return req, err
}

const userAgent = "gatehouse-load"

// get is a GET of path with Gatehouse's status 200 expected; signedIn sends the
// owner's session cookie, so a redirect to /signin counts as an error.
func get(path string, signedIn bool) scenario {
	return func(ctx context.Context, t *target) (workload, error) {
		var cookie string
		if signedIn {
			c, err := t.session(ctx)
			if err != nil {
				return workload{}, err
			}
			cookie = c.String()
		}
		ok := statusIs(http.StatusOK)
		return workload{build: func(base string) (*http.Request, check, error) {
			req, err := getRequest(base+path, cookie)
			return req, ok, err
		}}, nil
	}
}

func getRequest(u, cookie string) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept", "text/html")
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	return req, nil
}

// guestPage fetches the guest pages (GET /s/TOKEN) of unrevealed links in
// turn. The first fetch of each link records that it was opened (a write, and
// an audit line); the warmup takes most of those.
func guestPage(ctx context.Context, t *target) (workload, error) {
	tokens, err := t.newLinks(ctx, t.opts.guestLinks, t.opts.fixtureConcurrency, t.opts.locks)
	if err != nil {
		return workload{}, err
	}
	var next atomic.Uint64
	ok := statusIs(http.StatusOK)
	return workload{build: func(base string) (*http.Request, check, error) {
		tok := tokens[next.Add(1)%uint64(len(tokens))]
		req, err := getRequest(base+"/s/"+tok, "")
		return req, ok, err
	}}, nil
}

// revealScenario POSTs reveals to fresh links. One reveal per link ("reveal")
// makes every request a durable reveal; the storm sends -per-link reveals to
// each link at once, and exactly one of them may see the code: the others get
// the 410 page. Every link is checked: never two winners, no 5xx.
func revealScenario(storm bool) scenario {
	return func(ctx context.Context, t *target) (workload, error) {
		perLink, links := 1, t.opts.links
		if storm { // each link takes perLink requests, but one commit: half as many links last as long
			perLink, links = t.opts.perLink, max(t.opts.links/2, 1)
		}
		tokens, err := t.newLinks(ctx, links, t.opts.fixtureConcurrency, t.opts.locks)
		if err != nil {
			return workload{}, err
		}
		r := newReveals(t.base.String(), tokens, perLink)
		return workload{build: r.build, baseline: r.baseline, finish: r.finish}, nil
	}
}

// revealOpened reveals links whose guest page was opened first, untimed, as a
// guest's browser does before the "Reveal code" button can be pressed: the
// reveal of a link someone is looking at. "reveal" measures links nobody has
// opened, so that every reveal also reads its link from the database.
func revealOpened(ctx context.Context, t *target) (workload, error) {
	tokens, err := t.newLinks(ctx, t.opts.openedLinks, t.opts.fixtureConcurrency, t.opts.locks)
	if err != nil {
		return workload{}, err
	}
	if err := t.openLinks(ctx, tokens, t.opts.fixtureConcurrency); err != nil {
		return workload{}, err
	}
	r := newReveals(t.base.String(), tokens, 1)
	// The openings warmed the same code paths; a warmup would reveal links
	// the server's share cache (10,000 links) can hold only so many of.
	return workload{build: r.build, baseline: r.baseline, finish: r.finish, noWarmup: true}, nil
}

// reveals hands out reveal POSTs, perLink in a row per link, so the workers
// send them at about the same moment, and tallies what each link answered.
type reveals struct {
	origin  string
	tokens  []string
	index   map[string]int // "/s/TOKEN" -> link
	perLink int
	next    atomic.Int64
	won     []atomic.Int32 // 200s with the code, per link
	gone    []atomic.Int32 // 410s with the gone page, per link
	sent    []atomic.Int32
}

func newReveals(origin string, tokens []string, perLink int) *reveals {
	r := &reveals{origin: origin, tokens: tokens, index: make(map[string]int, len(tokens)), perLink: perLink,
		won: make([]atomic.Int32, len(tokens)), gone: make([]atomic.Int32, len(tokens)), sent: make([]atomic.Int32, len(tokens))}
	for i, tok := range tokens {
		r.index["/s/"+tok] = i
	}
	return r
}

// revealRequest is the guest's "Reveal code" form, posted by a browser on
// the page: no passphrase field (the links have none), same origin.
func (r *reveals) revealRequest(base, token string) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodPost, base+"/s/"+token, strings.NewReader(""))
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept", "text/html")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", r.origin)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return req, nil
}

func (r *reveals) build(base string) (*http.Request, check, error) {
	n := int(r.next.Add(1)) - 1
	i := n / r.perLink
	if i >= len(r.tokens) {
		return nil, nil, errDone
	}
	r.sent[i].Add(1)
	req, err := r.revealRequest(base, r.tokens[i])
	return req, r.check(i), err
}

// baseline posts the same form to a path of the same shape.
func (r *reveals) baseline(base string) (*http.Request, error) {
	return r.revealRequest(base, "AAAAAAAAAAAAAAAAAAAAAA")
}

var (
	pinShown = []byte(`data-testid="pin"`)
	linkGone = []byte(`data-testid="link-gone"`)
)

func (r *reveals) check(i int) check {
	return func(status int, body []byte) error {
		switch {
		case status == http.StatusOK && bytes.Contains(body, pinShown):
			r.won[i].Add(1)
			return nil
		case status == http.StatusGone && bytes.Contains(body, linkGone):
			r.gone[i].Add(1)
			return nil
		}
		return fmt.Errorf("reveal: unexpected answer %d (want 200 with the code, or the 410 page)", status)
	}
}

// revealFigures are the storm's own: what each link answered.
type revealFigures struct {
	PerLink        int     `json:"reveals_per_link"`
	Links          int     `json:"links"`         // links that got at least one reveal
	Reveals        int     `json:"reveals"`       // 200s with the code, measured rounds only
	RevealsPerS    float64 `json:"reveals_per_s"` // durable reveals per second, measured rounds only
	Gone           int     `json:"gone_410"`      // in all rounds, warmup included
	OneWinner      int     `json:"links_one_winner"`
	NoWinner       int     `json:"links_no_winner"`
	ManyWinners    int     `json:"links_many_winners"`
	FixtureCreated int     `json:"fixture_links"`
}

func (r *reveals) finish(f *figures) []string {
	rf := revealFigures{PerLink: r.perLink, Reveals: f.Statuses["200"], FixtureCreated: len(r.tokens)}
	if f.Seconds > 0 {
		rf.RevealsPerS = round(float64(rf.Reveals)/f.Seconds, 0)
	}
	var bad []string
	for i := range r.tokens {
		sent, won, gone := int(r.sent[i].Load()), int(r.won[i].Load()), int(r.gone[i].Load())
		if sent == 0 {
			continue
		}
		rf.Links++
		rf.Gone += gone
		switch {
		case won == 1:
			rf.OneWinner++
		case won == 0:
			rf.NoWinner++ // only possible if every reveal of the link failed in transport
			if gone == sent {
				bad = append(bad, fmt.Sprintf("link %d: %d reveals, all 410: the code was never shown", i, sent))
			}
		default:
			rf.ManyWinners++
			bad = append(bad, fmt.Sprintf("link %d: the code was shown %d times", i, won))
		}
	}
	if n := f.Status5xx; n > 0 {
		bad = append(bad, fmt.Sprintf("%d answers were 5xx", n))
	}
	f.Reveal = &rf
	return bad
}

// apiCreate gives access through the API: each request makes a guest, an
// access with a code on a simulated lock, and a share link (201).
func apiCreate(ctx context.Context, t *target) (workload, error) {
	token, err := t.apiToken(ctx)
	if err != nil {
		return workload{}, err
	}
	locks, err := t.simLocks(ctx, t.opts.locks)
	if err != nil {
		return workload{}, err
	}
	var next atomic.Int64
	now := time.Now()
	ok := statusIs(http.StatusCreated)
	return workload{build: func(base string) (*http.Request, check, error) {
		i := int(next.Add(1))
		req, err := apiRequest(base, token, accessBody(1_000_000+i, locks[i%len(locks)], now))
		return req, ok, err
	}}, nil
}

// mixed interleaves the other scenarios in fixed proportions, out of every 20
// requests: 8 guest pages, 4 reveals (2 per link), 4 signed-in home pages,
// 2 timelines, 2 API creates. Its reveals use links of their own.
func mixed(ctx context.Context, t *target) (workload, error) {
	guests, err := guestPage(ctx, t)
	if err != nil {
		return workload{}, err
	}
	tokens, err := t.newLinks(ctx, max(t.opts.links/4, 1), t.opts.fixtureConcurrency, t.opts.locks)
	if err != nil {
		return workload{}, err
	}
	r := newReveals(t.base.String(), tokens, 2)
	reveal := workload{build: r.build, baseline: r.baseline, finish: r.finish}
	home, err := get("/", true)(ctx, t)
	if err != nil {
		return workload{}, err
	}
	timeline, err := get("/timeline", true)(ctx, t)
	if err != nil {
		return workload{}, err
	}
	create, err := apiCreate(ctx, t)
	if err != nil {
		return workload{}, err
	}
	var plan []workload
	for _, part := range []struct {
		w workload
		n int
	}{{guests, 8}, {reveal, 4}, {home, 4}, {timeline, 2}, {create, 2}} {
		for range part.n {
			plan = append(plan, part.w)
		}
	}
	// Spread each kind over the 20 slots rather than in runs.
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(plan), func(i, j int) { plan[i], plan[j] = plan[j], plan[i] })
	var next, nextBase atomic.Uint64
	return workload{
		build: func(base string) (*http.Request, check, error) {
			for {
				req, c, err := plan[next.Add(1)%uint64(len(plan))].build(base)
				if errors.Is(err, errDone) { // the mix's links ran out: the rest goes on
					continue
				}
				return req, c, err
			}
		},
		baseline: func(base string) (*http.Request, error) {
			return plan[nextBase.Add(1)%uint64(len(plan))].baselineRequest(base)
		},
		finish: func(f *figures) []string {
			bad := r.finish(f)
			f.Reveal.Reveals, f.Reveal.RevealsPerS = 0, 0 // the 200s here are of every kind
			return bad
		},
	}, nil
}

// target is the Gatehouse under test, and the owner session once enrolled.
type target struct {
	base    *url.URL // scheme://host:port, no path
	invite  *url.URL
	cookie  *http.Cookie
	passkey *softkey.Authenticator // the owner's, for the fresh confirmation
	owner   *http.Client           // the owner's browser: a cookie jar
	opts    fixtureOptions

	mu          sync.Mutex // guards token and locks
	token       string     // a read-write API token, made once
	locks       []int64    // simulated locks made for the run
	accesses    int        // made through the API so far
	fixtureTime time.Duration
}

// fixtureOptions size what the scenarios create before they measure.
type fixtureOptions struct {
	links              int // share links per reveal scenario
	openedLinks        int // links opened, then revealed, by reveal-opened
	perLink            int // concurrent reveals per link in the storm
	guestLinks         int // links whose guest page is fetched in turn
	locks              int // simulated locks the accesses are spread over
	fixtureConcurrency int
}

func newTarget(rawBase, rawInvite string) (*target, error) {
	t := &target{}
	if rawInvite != "" {
		u, err := checkLocal(rawInvite)
		if err != nil {
			return nil, err
		}
		u.Path = strings.TrimSuffix(u.Path, "/")
		if !strings.HasPrefix(u.Path, "/enroll/") {
			return nil, errors.New("-invite: want an enrollment link http://localhost:PORT/enroll/TOKEN, as `gatehouse invite` prints")
		}
		t.invite = u
		t.base = &url.URL{Scheme: u.Scheme, Host: u.Host}
	}
	if rawBase != "" {
		u, err := checkLocal(rawBase)
		if err != nil {
			return nil, err
		}
		if u.Path != "" && u.Path != "/" {
			return nil, fmt.Errorf("-url %q: want the base URL only, without a path", rawBase)
		}
		u = &url.URL{Scheme: u.Scheme, Host: u.Host}
		if t.base != nil && *t.base != *u {
			return nil, fmt.Errorf("-url %s and -invite %s must have the same origin: the passkey is bound to it", u, t.base)
		}
		t.base = u
	}
	if t.base == nil {
		return nil, errors.New("pass -invite (or -url for scenarios that need no sign-in)")
	}
	return t, nil
}

// session enrolls an owner once and returns its session cookie.
func (t *target) session(ctx context.Context) (*http.Cookie, error) {
	if t.cookie != nil {
		return t.cookie, nil
	}
	if t.invite == nil {
		return nil, errors.New("needs a signed-in owner: pass -invite with a link from `gatehouse invite --public-url http://localhost:PORT`")
	}
	c, passkey, err := enroll(ctx, t.invite)
	if err != nil {
		return nil, fmt.Errorf("enroll: %w", err)
	}
	t.cookie, t.passkey = c, passkey
	return c, nil
}

// enroll makes an owner through the invite link with a software passkey, as
// the browser's passkey.js would, and returns the session cookie it gets and
// the authenticator that holds the passkey.
func enroll(ctx context.Context, invite *url.URL) (*http.Cookie, *softkey.Authenticator, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	origin := invite.Scheme + "://" + invite.Host
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, nil, err
	}
	client := newClient(1)
	client.Jar = jar
	defer client.CloseIdleConnections()

	post := func(step string, body []byte) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, invite.String()+"/"+step, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Requested-With", "fetch")
		req.Header.Set("Origin", origin)
		req.Header.Set("User-Agent", userAgent)
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			// The path holds the invite token: name the step, not the URL.
			return nil, fmt.Errorf("%s: %s: %s", step, resp.Status, bytes.TrimSpace(b))
		}
		return b, nil
	}

	options, err := post("begin", []byte(`{"name":"Load test"}`))
	if err != nil {
		return nil, nil, err
	}
	passkey := softkey.New(origin)
	credential, err := passkey.Create(options)
	if err != nil {
		return nil, nil, err
	}
	if _, err := post("finish", credential); err != nil {
		return nil, nil, err
	}
	for _, c := range jar.Cookies(invite) {
		if c.Name == "gatehouse" && c.Value != "" {
			return &http.Cookie{Name: c.Name, Value: c.Value}, passkey, nil
		}
	}
	return nil, nil, errors.New(`enrolled, but got no session cookie named "gatehouse" (is the public URL http://localhost:PORT?)`)
}
