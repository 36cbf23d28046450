package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/web/webauthntest"
)

// A scenario prepares a workload against Gatehouse (signing in, creating the
// data it needs) and returns it. Later scenarios (guest page, reveal storm,
// timeline, API create) plug in here.
type scenario func(ctx context.Context, t *target) (workload, error)

var scenarios = map[string]scenario{
	"healthz":     get("/healthz", false),
	"home":        get("/", true),
	"signin-page": get("/signin", false),
}

func scenarioNames() []string { return slices.Sorted(maps.Keys(scenarios)) }

// workload is what a scenario sends. build makes one request for a base URL:
// Gatehouse's, or the baseline's, which gets the very same requests. ok judges
// Gatehouse's answer (the baseline must answer 200).
type workload struct {
	build func(base string) (*http.Request, error)
	ok    func(status int) bool
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
		return workload{
			build: func(base string) (*http.Request, error) {
				req, err := http.NewRequest(http.MethodGet, base+path, nil)
				if err != nil {
					return nil, err
				}
				req.Header.Set("User-Agent", userAgent)
				req.Header.Set("Accept", "text/html")
				if cookie != "" {
					req.Header.Set("Cookie", cookie)
				}
				return req, nil
			},
			ok: func(status int) bool { return status == http.StatusOK },
		}, nil
	}
}

// target is the Gatehouse under test, and the owner session once enrolled.
type target struct {
	base   *url.URL // scheme://host:port, no path
	invite *url.URL
	cookie *http.Cookie
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
	c, err := enroll(ctx, t.invite)
	if err != nil {
		return nil, fmt.Errorf("enroll: %w", err)
	}
	t.cookie = c
	return c, nil
}

// enroll makes an owner through the invite link with a software passkey, as
// the browser's passkey.js would, and returns the session cookie it gets.
func enroll(ctx context.Context, invite *url.URL) (*http.Cookie, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	origin := invite.Scheme + "://" + invite.Host
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
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
		return nil, err
	}
	credential, err := webauthntest.New(origin).Create(options)
	if err != nil {
		return nil, err
	}
	if _, err := post("finish", credential); err != nil {
		return nil, err
	}
	for _, c := range jar.Cookies(invite) {
		if c.Name == "gatehouse" && c.Value != "" {
			return &http.Cookie{Name: c.Name, Value: c.Value}, nil
		}
	}
	return nil, errors.New(`enrolled, but got no session cookie named "gatehouse" (is the public URL http://localhost:PORT?)`)
}
