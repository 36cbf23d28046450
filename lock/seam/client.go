// Package seam is the lock.Connector for the Seam Connect API (https://docs.seam.co):
// one Client per Seam workspace API key, reaching every lock that workspace holds.
//
// Every Seam endpoint is a POST of a JSON body to /<resource>/<action>. This file
// holds the transport: auth, retries with backoff, and turning Seam's error bodies into
// *lock.Error. devices.go, codes.go and events.go hold the mapping of each resource.
package seam

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/lock"
)

const vendor = "seam"

// DefaultBaseURL is Seam's production API.
const DefaultBaseURL = "https://connect.getseam.com"

// Client talks to one Seam workspace. It is safe for concurrent use: it holds no
// per-request state.
type Client struct {
	baseURL string
	apiKey  string
	hc      *http.Client

	// Retry policy for 429, 5xx and network errors. Kept small: the reconciler above
	// retries again with its own, longer backoff, and a poll loop must not stall.
	maxAttempts   int           // total tries of one call, first included
	baseDelay     time.Duration // first backoff; doubles each retry
	maxDelay      time.Duration // cap on one computed backoff
	maxRetryAfter time.Duration // a longer Retry-After is not waited out here

	pageSize      int           // limit sent to list endpoints
	maxPages      int           // bound on pages followed in one call
	eventLookback time.Duration // where Events starts when given no cursor
	eventOverlap  time.Duration // window re-read on each Events call, see events.go

	// Injected so tests neither sleep nor depend on the wall clock.
	sleep func(ctx context.Context, d time.Duration) error
	now   func() time.Time
}

// NewClient returns a client for the Seam API at baseURL (DefaultBaseURL when empty)
// using the workspace API key. hc may be nil.
func NewClient(baseURL, apiKey string, hc *http.Client) *Client {
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	if hc == nil {
		// A bound on every call: a hung connection must not hold the reconciler.
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{
		baseURL:       strings.TrimRight(baseURL, "/"),
		apiKey:        apiKey,
		hc:            hc,
		maxAttempts:   4,
		baseDelay:     250 * time.Millisecond,
		maxDelay:      4 * time.Second,
		maxRetryAfter: 30 * time.Second,
		pageSize:      500,
		maxPages:      100,
		eventLookback: 7 * 24 * time.Hour,
		eventOverlap:  time.Minute,
		sleep:         sleepCtx,
		now:           time.Now,
	}
}

var _ lock.Connector = (*Client)(nil)

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// callOpts says how one call may be retried and what must never leak from it.
type callOpts struct {
	// idempotent calls are retried on 429, 5xx and network errors. A non-idempotent
	// call (access_codes/create) is retried only when Seam cannot have acted on it.
	idempotent bool
	// secrets are redacted from any vendor message before it reaches an error
	// (the PIN of a code being created: Seam echoes it in "duplicate" messages).
	secrets []string
}

// call POSTs body to path and decodes a 2xx response into out.
func (c *Client) call(ctx context.Context, path string, body, out any, o callOpts) error {
	payload, err := json.Marshal(body)
	if err != nil {
		return &lock.Error{Kind: lock.Permanent, Vendor: vendor, Message: "encode request for " + path, Err: err}
	}
	for attempt := 1; ; attempt++ {
		wait, err := c.try(ctx, path, payload, out, o)
		if err == nil {
			return nil
		}
		if wait < 0 || attempt >= c.maxAttempts {
			return err
		}
		if wait == 0 {
			wait = c.backoff(attempt)
		}
		if serr := c.sleep(ctx, wait); serr != nil {
			return &lock.Error{Kind: lock.Transient, Vendor: vendor, Message: path + ": gave up waiting to retry", Err: serr}
		}
	}
}

// try makes one attempt. On failure it also says whether to retry: wait < 0 means
// do not; wait == 0 means use the computed backoff; wait > 0 is Seam's Retry-After.
func (c *Client) try(ctx context.Context, path string, payload []byte, out any, o callOpts) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.baseURL+"/"+path, bytes.NewReader(payload))
	if err != nil {
		return -1, &lock.Error{Kind: lock.Permanent, Vendor: vendor, Message: "build request for " + path, Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+c.apiKey)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")

	resp, err := c.hc.Do(req)
	if err != nil {
		return c.networkRetry(ctx, err, o), &lock.Error{Kind: lock.Transient, Vendor: vendor, Message: path + ": request failed", Err: err}
	}
	defer resp.Body.Close()
	// Bounded: an error page or a runaway list must not exhaust memory.
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		retry := time.Duration(-1)
		if o.idempotent {
			retry = 0
		}
		return retry, &lock.Error{Kind: lock.Transient, Vendor: vendor, Message: path + ": reading response failed", Err: err}
	}

	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if out == nil {
			return 0, nil
		}
		if err := json.Unmarshal(raw, out); err != nil {
			// A 2xx that is not our JSON is a proxy or an outage page, not a verdict.
			return -1, &lock.Error{Kind: lock.Transient, Vendor: vendor, Message: path + ": unexpected response body", Err: err}
		}
		return 0, nil
	}

	lerr := c.httpError(path, resp, raw, o)
	if lerr.Kind != lock.Transient {
		return -1, lerr
	}
	// A 429 was turned away before Seam acted on it, so even create may repeat it.
	// A 5xx after the body was sent may have created the code: see SetCode.
	if resp.StatusCode != http.StatusTooManyRequests && !o.idempotent {
		return -1, lerr
	}
	if ra, ok := retryAfter(resp.Header.Get("Retry-After"), c.now()); ok {
		if ra > c.maxRetryAfter {
			return -1, lerr // too long to hold a caller; the reconciler backs off instead
		}
		if ra == 0 {
			ra = time.Millisecond // "retry now" still counts as Seam's word, not our backoff
		}
		return ra, lerr
	}
	return 0, lerr
}

// networkRetry decides whether a transport error may be retried. Idempotent calls
// always may; others only when the connection was never made (nothing reached Seam).
func (c *Client) networkRetry(ctx context.Context, err error, o callOpts) time.Duration {
	if ctx.Err() != nil {
		return -1
	}
	if o.idempotent {
		return 0
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return 0
	}
	return -1
}

// backoff is exponential with full jitter: it spreads many Gatehouse replicas or locks
// that failed together, so they do not hit Seam again in step.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.baseDelay << (attempt - 1)
	if d <= 0 || d > c.maxDelay {
		d = c.maxDelay
	}
	return d/2 + rand.N(d/2+1)
}

// retryAfter parses a Retry-After header: delay-seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0, false
		}
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// seamError is Seam's error body: {"error": {"type": ..., "message": ...}}. Other
// fields (data, validation_errors, and the fake's stack) are deliberately not read.
type seamError struct {
	Error struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

// authTypes are Seam error types that mean the credentials are wrong whatever the
// status code says.
var authTypes = map[string]bool{
	"unauthorized":                          true,
	"invalid_api_key":                       true,
	"api_key_not_found":                     true,
	"forbidden":                             true,
	"access_token_used_for_api_key":         true,
	"client_session_token_used_for_api_key": true,
}

// httpError classifies a non-2xx response.
func (c *Client) httpError(path string, resp *http.Response, raw []byte, o callOpts) *lock.Error {
	var se seamError
	_ = json.Unmarshal(raw, &se) // an empty or non-JSON body (a 503 from a proxy) is normal
	typ, msg := se.Error.Type, se.Error.Message
	if msg == "" {
		msg = strings.ToLower(http.StatusText(resp.StatusCode))
		if msg == "" {
			msg = "unexpected status"
		}
	}
	msg = fmt.Sprintf("%s: %s (HTTP %d", path, c.redact(msg, o.secrets), resp.StatusCode)
	if id := resp.Header.Get("seam-request-id"); id != "" {
		msg += ", request " + id // what Seam support asks for
	}
	msg += ")"

	e := &lock.Error{Vendor: vendor, Code: typ, Message: msg}
	st := resp.StatusCode
	switch {
	case st == http.StatusUnauthorized || st == http.StatusForbidden || authTypes[typ]:
		e.Kind = lock.Auth
	case st == http.StatusTooManyRequests || st == http.StatusRequestTimeout || st >= 500:
		e.Kind = lock.Transient
	case st == http.StatusNotFound || strings.HasSuffix(typ, "_not_found"):
		e.Kind = lock.Permanent
		e.Err = lock.ErrNotFound
	default:
		// 400, 409, 422 and the rest of 4xx: Seam rejected the request itself
		// (duplicate code, code constraints, no free slots, invalid input).
		e.Kind = lock.Permanent
	}
	return e
}

// redact removes the API key and any per-call secret from text Seam sent back.
func (c *Client) redact(s string, secrets []string) string {
	if c.apiKey != "" {
		s = strings.ReplaceAll(s, c.apiKey, "[redacted]")
	}
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}

// pagination is Seam's list pagination object, present on list endpoints that page.
type pagination struct {
	HasNextPage    bool   `json:"has_next_page"`
	NextPageCursor string `json:"next_page_cursor"`
}

// listAll follows Seam's cursor pagination: it calls path with body plus limit, then
// again with page_cursor while has_next_page. Seam rejects a cursor sent with other
// parameters than the first page's, so body is never changed between pages.
func (c *Client) listAll(ctx context.Context, path string, body map[string]any, page func(raw json.RawMessage) (*pagination, error)) error {
	req := make(map[string]any, len(body)+2)
	for k, v := range body {
		req[k] = v
	}
	req["limit"] = c.pageSize
	seen := map[string]bool{}
	for n := 0; n < c.maxPages; n++ {
		var raw json.RawMessage
		if err := c.call(ctx, path, req, &raw, callOpts{idempotent: true}); err != nil {
			return err
		}
		p, err := page(raw)
		if err != nil {
			return &lock.Error{Kind: lock.Transient, Vendor: vendor, Message: path + ": unexpected response body", Err: err}
		}
		if p == nil || !p.HasNextPage || p.NextPageCursor == "" || seen[p.NextPageCursor] {
			return nil
		}
		seen[p.NextPageCursor] = true
		req["page_cursor"] = p.NextPageCursor
	}
	return &lock.Error{Kind: lock.Transient, Vendor: vendor, Message: fmt.Sprintf("%s: more than %d pages", path, c.maxPages)}
}
