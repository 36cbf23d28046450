package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Fixtures: what the scenarios need, made the way an owner and their booking
// system make it. The owner (enrolled with the software passkey) confirms the
// passkey again (POST /reauth/begin and /finish), creates a read-write API token
// in Settings → API tokens, and adds simulated locks (POST /locks/sim: the API
// has no lock creation). Guests, accesses and their share links then come from
// POST /api/v1/accesses, as a booking system would make them.

// ownerPost sends a same-origin POST with the owner's cookies (the session, and
// the ceremony cookie between a passkey ceremony's begin and finish), as
// passkey.js or a form in the page would, and returns the answer, body read.
func (t *target) ownerPost(ctx context.Context, path, contentType string, body []byte) (*http.Response, []byte, error) {
	cookie, err := t.session(ctx)
	if err != nil {
		return nil, nil, err
	}
	if t.owner == nil {
		jar, err := cookiejar.New(nil)
		if err != nil {
			return nil, nil, err
		}
		jar.SetCookies(t.base, []*http.Cookie{cookie})
		t.owner = newClient(1)
		t.owner.Jar = jar
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.base.String()+path, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Origin", t.base.String())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("User-Agent", userAgent)
	if contentType == "application/json" {
		req.Header.Set("X-Requested-With", "fetch")
	}
	resp, err := t.owner.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	return resp, b, err
}

// reauth confirms the owner's passkey again, which makes the session fresh for
// five minutes (Settings actions such as creating an API token need it).
func (t *target) reauth(ctx context.Context) error {
	resp, options, err := t.ownerPost(ctx, "/reauth/begin", "application/json", nil)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("reauth begin: %s: %.200s", resp.Status, options)
	}
	assertion, err := t.passkey.Get(options)
	if err != nil {
		return fmt.Errorf("reauth: %w", err)
	}
	resp, b, err := t.ownerPost(ctx, "/reauth/finish", "application/json", assertion)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("reauth finish: %s: %.200s", resp.Status, b)
	}
	return nil
}

var apiTokenPattern = regexp.MustCompile(`<code id="new-api-token-text">(gh_[A-Za-z0-9_-]{43})</code>`)

// apiToken makes (once) a read-write API token in Settings → API tokens and
// returns it. The page shows it once; it is kept in memory only.
func (t *target) apiToken(ctx context.Context) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token != "" {
		return t.token, nil
	}
	if err := t.reauth(ctx); err != nil {
		return "", err
	}
	form := url.Values{"name": {"gatehouse-load " + time.Now().UTC().Format("15:04:05")}, "scope": {"read-write"}}
	resp, page, err := t.ownerPost(ctx, "/settings/api-tokens", "application/x-www-form-urlencoded", []byte(form.Encode()))
	if err != nil {
		return "", err
	}
	m := apiTokenPattern.FindSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		return "", fmt.Errorf("create API token: %s, and no token in the page", resp.Status)
	}
	t.token = string(m[1])
	return t.token, nil
}

// simLocks adds simulated locks (once) until there are n of ours, and returns
// their ids. The API has no lock creation: this is the Locks page's button.
func (t *target) simLocks(ctx context.Context, n int) ([]int64, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for len(t.locks) < n {
		resp, b, err := t.ownerPost(ctx, "/locks/sim", "application/x-www-form-urlencoded", nil)
		if err != nil {
			return nil, err
		}
		loc := resp.Header.Get("Location")
		id, err := strconv.ParseInt(strings.TrimPrefix(strings.SplitN(loc, "?", 2)[0], "/locks/"), 10, 64)
		if resp.StatusCode != http.StatusSeeOther || err != nil {
			return nil, fmt.Errorf("add a simulated lock: %s %q: %.200s", resp.Status, loc, b)
		}
		t.locks = append(t.locks, id)
	}
	return t.locks[:n], nil
}

// accessBody is the JSON of POST /api/v1/accesses for guest number i. The
// window opens in 30 days, more than a day ahead: the codes stay "scheduled"
// and the reconciler leaves the simulated locks alone while we measure the web
// side. The link lives 7 days, the default.
func accessBody(i int, lockID int64, now time.Time) []byte {
	starts := now.AddDate(0, 0, 30).Truncate(time.Hour)
	b, _ := json.Marshal(map[string]any{
		"guest":     map[string]string{"name": fmt.Sprintf("Load guest %d", i), "note": "gatehouse-load"},
		"lock_ids":  []int64{lockID},
		"starts_at": starts.Format(time.RFC3339),
		"ends_at":   starts.Add(72 * time.Hour).Format(time.RFC3339),
	})
	return b
}

// apiRequest is a request as a booking system sends it: bearer token, JSON, no
// cookie, no Origin.
func apiRequest(base, token string, body []byte) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodPost, base+"/api/v1/accesses", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	return req, nil
}

// created is what the API answers a new access with; the share URL is in
// this one response only.
type created struct {
	Access struct {
		ID int64 `json:"id"`
	} `json:"access"`
	ShareURL string `json:"share_url"`
}

// shareToken takes the token out of a share URL of this Gatehouse.
func (t *target) shareToken(shareURL string) (string, error) {
	u, err := url.Parse(shareURL)
	if err != nil || u.Host != t.base.Host {
		return "", fmt.Errorf("share_url %q is not on %s (is --public-url this server's?)", shareURL, t.base.Host)
	}
	tok, ok := strings.CutPrefix(u.Path, "/s/")
	if !ok || len(tok) != 22 {
		return "", errors.New("share_url has no token")
	}
	return tok, nil
}

// newLinks creates n accesses through the API, concurrently, spread over the
// simulated locks, and returns their share-link tokens. They stay in memory.
func (t *target) newLinks(ctx context.Context, n, concurrency, locks int) ([]string, error) {
	token, err := t.apiToken(ctx)
	if err != nil {
		return nil, err
	}
	ids, err := t.simLocks(ctx, locks)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	client := newClient(concurrency)
	defer client.CloseIdleConnections()
	out := make([]string, n)
	err = inParallel(ctx, n, concurrency, func(i int) error {
		tok, err := t.createAccess(ctx, client, token, i, ids[i%len(ids)])
		out[i] = tok
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create accesses: %w", err)
	}
	t.fixtureTime += time.Since(start)
	t.accesses += n
	return out, nil
}

// createAccess makes one access with its share link and returns the link's token.
func (t *target) createAccess(ctx context.Context, client *http.Client, token string, i int, lockID int64) (string, error) {
	req, err := apiRequest(t.base.String(), token, accessBody(t.accesses+i, lockID, time.Now()))
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("POST /api/v1/accesses: %s: %.300s", resp.Status, b)
	}
	var c created
	if err := json.Unmarshal(b, &c); err != nil {
		return "", fmt.Errorf("POST /api/v1/accesses: %w", err)
	}
	return t.shareToken(c.ShareURL)
}

// openLinks fetches each link's guest page once, as its guest would before
// revealing, and wants a 200 from each. The time counts as fixture time.
func (t *target) openLinks(ctx context.Context, tokens []string, concurrency int) error {
	start := time.Now()
	client := newClient(concurrency)
	defer client.CloseIdleConnections()
	if err := inParallel(ctx, len(tokens), concurrency, func(i int) error { return t.open(ctx, client, tokens[i]) }); err != nil {
		return fmt.Errorf("open links: %w", err)
	}
	t.fixtureTime += time.Since(start)
	return nil
}

// inParallel runs do(0) … do(n-1) on up to concurrency goroutines. The first
// error stops the others from starting more, and is returned; so is the
// context's error if it ended first.
func inParallel(ctx context.Context, n, concurrency int, do func(i int) error) error {
	var (
		next     atomic.Int64
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	for range min(concurrency, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := do(i); err != nil {
					mu.Lock()
					firstErr = cmpOr(firstErr, err)
					mu.Unlock()
					next.Store(int64(n)) // stop the others too
					return
				}
			}
		})
	}
	wg.Wait()
	return cmpOr(firstErr, ctx.Err())
}

func (t *target) open(ctx context.Context, client *http.Client, token string) error {
	req, err := getRequest(t.base.String()+"/s/"+token, "")
	if err != nil {
		return err
	}
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /s/:token: %d, want 200", resp.StatusCode)
	}
	return nil
}
