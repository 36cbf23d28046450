package web

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// apiTime is a time as the API writes it: RFC 3339 in UTC, or null when it is
// unknown or does not apply. Objects carry the lock's time_zone beside their
// times, so a client can show them as the owner sees them.
type apiTime time.Time

func (t apiTime) MarshalJSON() ([]byte, error) {
	tt := time.Time(t)
	if tt.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + tt.UTC().Format(time.RFC3339) + `"`), nil
}

// optID is an id that may be absent: null rather than 0 in JSON.
func optID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// apiPathID reads the URL's :id; anything but a positive integer is not found.
func apiPathID(c echo.Context, what string) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apiNotFound(what)
	}
	return id, nil
}

func apiNotFound(what string) *apiError {
	return &apiError{Status: http.StatusNotFound, Code: codeNotFound, Message: "There is no " + what + " with this id."}
}

func badParam(name, msg string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: codeInvalidParameter, Message: msg, Fields: map[string]string{name: msg}}
}

// Page sizes of list endpoints.
const (
	apiDefaultLimit = 100
	apiMaxLimit     = 500
)

// queryLimit reads ?limit=, 1 to 500, 100 when absent.
func queryLimit(c echo.Context) (int, error) {
	v := c.QueryParam("limit")
	if v == "" {
		return apiDefaultLimit, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > apiMaxLimit {
		return 0, badParam("limit", fmt.Sprintf("limit must be a whole number from 1 to %d.", apiMaxLimit))
	}
	return n, nil
}

// queryID reads an optional id filter such as ?lock_id=; 0 when absent.
func queryID(c echo.Context, name string) (int64, error) {
	v := c.QueryParam(name)
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, badParam(name, name+" must be a positive whole number.")
	}
	return id, nil
}

// Cursors are opaque to clients: base64url of a kind letter and the key of the
// last row served ("e.<unix seconds>.<id>" for events, "c.<id>" for codes). The
// kind stops a cursor from one list being used on another.

func encodeCursor(kind string, key ...int64) string {
	parts := []string{kind}
	for _, k := range key {
		parts = append(parts, strconv.FormatInt(k, 10))
	}
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, ".")))
}

var errBadCursor = &apiError{Status: http.StatusBadRequest, Code: codeBadCursor,
	Message: "This cursor is not one Gatehouse gave out. Start again without a cursor."}

// decodeCursor reads a cursor of kind with n non-negative numbers in it.
func decodeCursor(s, kind string, n int) ([]int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(raw) > 64 {
		return nil, errBadCursor
	}
	parts := strings.Split(string(raw), ".")
	if len(parts) != n+1 || parts[0] != kind {
		return nil, errBadCursor
	}
	out := make([]int64, n)
	for i, p := range parts[1:] {
		v, err := strconv.ParseInt(p, 10, 64)
		if err != nil || v < 0 {
			return nil, errBadCursor
		}
		out[i] = v
	}
	return out, nil
}
