package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
)

// decodeFuzzed runs decodeJSON on body as a request's, and checks what every
// body type shares: a refusal is a 400 bad_json with a message, never a
// panic or another error; an accepted body is one valid JSON object.
func decodeFuzzed[T any](t *testing.T, body []byte, optional bool) (T, bool) {
	t.Helper()
	var v T
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	c := echo.New().NewContext(req, httptest.NewRecorder())
	err := decodeJSON(c, &v, optional)
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest || ae.Code != codeBadJSON || ae.Message == "" {
			t.Fatalf("body %q: got %#v, want a 400 bad_json with a message", body, err)
		}
		return v, false
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if !optional {
			t.Fatalf("empty body accepted where one is required")
		}
		return v, true
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil {
		t.Fatalf("accepted %q, which is not one JSON object", body)
	}
	return v, true
}

// apiFieldNamesAll are every property an API field message may name.
var apiFieldNamesAll = map[string]bool{"guest_id": true, "guest": true, "guest.name": true, "guest.note": true,
	"lock_ids": true, "starts_at": true, "ends_at": true, "permanent": true, "pin": true, "pin_length": true,
	"link_ttl_hours": true, "passphrase": true}

func checkFields(t *testing.T, body []byte, fields map[string]string) {
	t.Helper()
	for k, msg := range fields {
		if !apiFieldNamesAll[k] || msg == "" {
			t.Fatalf("body %q: field message %q: %q names no property, or says nothing", body, k, msg)
		}
	}
}

// FuzzAPIAccessBody: POST /api/v1/accesses's body, decoded and checked as the
// handler does before anything is stored.
func FuzzAPIAccessBody(f *testing.F) {
	for _, s := range []string{
		`{"guest":{"name":"Cleo"},"lock_ids":[1],"starts_at":"2026-12-01T15:00:00+01:00","ends_at":"2026-12-03T11:00:00+01:00"}`,
		`{"guest_id":3,"lock_ids":[1,2],"permanent":true,"pin_length":8,"passphrase":"blue heron","link_ttl_hours":24}`,
		`{"guest":{"name":"Cleo","email":"x"}}`, `{"GUEST":{"NAME":"x"}}`, `{"guest_id":-1,"guest":{}}`,
		`{"lock_ids":"1"}`, `{"link_ttl_hours":1e400}`, `{"link_ttl_hours":9223372036854775807}`, `[]`, `null`,
		`{} {}`, `{"starts_at":"2026-02-30T25:00:00Z"}`, `{"pin":"583920","pin_length":6}`, ``, `{"guest":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		b, ok := decodeFuzzed[apiAccessBody](t, body, false)
		if !ok {
			return
		}
		req, errs := b.request()
		checkFields(t, body, apiFields(errs, b.PIN == ""))
		if len(errs) == 0 && req.GuestID == 0 && b.Guest == nil {
			t.Fatalf("body %q: accepted with neither guest_id nor guest", body)
		}
	})
}

// FuzzAPIRotateBody: POST /api/v1/accesses/{id}/rotate's optional body.
func FuzzAPIRotateBody(f *testing.F) {
	for _, s := range []string{``, `{}`, `{"link_ttl_hours":24,"passphrase":"blue heron"}`, `{"passphrase":"heron"}`,
		`{"link_ttl_hours":-1}`, `{"passphrase":null}`, `{"Passphrase":"x"}`, `{"extra":1}`, `"x"`, ` `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		b, ok := decodeFuzzed[apiRotateBody](t, body, true)
		if !ok {
			return
		}
		checkFields(t, body, b.problems())
	})
}
