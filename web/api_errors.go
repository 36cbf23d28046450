package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/db"
)

// apiError is an error for API callers: the status, a stable code programs can
// branch on, a sentence for the person reading the logs of that program, and
// per-property messages when the request body was invalid.
type apiError struct {
	Status  int
	Code    string
	Message string
	Fields  map[string]string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// API error codes. They are part of the API: never rename one.
const (
	codeBadRequest        = "bad_request"
	codeBadJSON           = "bad_json"
	codeBadCursor         = "bad_cursor"
	codeInvalidParameter  = "invalid_parameter"
	codeUnauthorized      = "unauthorized"
	codeInvalidToken      = "invalid_token"
	codeInsufficientScope = "insufficient_scope"
	codeTokenSuspended    = "token_suspended"
	codeForbidden         = "forbidden"
	codeNotFound          = "not_found"
	codeMethodNotAllowed  = "method_not_allowed"
	codeConflict          = "conflict"
	codeTooLarge          = "too_large"
	codeUnsupportedType   = "unsupported_media_type"
	codeInvalid           = "invalid"
	codeRateLimited       = "rate_limited"
	codeInternal          = "internal"
)

// apiDefaults give errors raised without an apiError (Echo's router, the body
// limit, the cross-origin check, the rate limiter) a code and a sentence.
var apiDefaults = map[int][2]string{
	http.StatusBadRequest:            {codeBadRequest, "Gatehouse could not understand that request."},
	http.StatusUnauthorized:          {codeUnauthorized, "Send an API token: Authorization: Bearer <token>."},
	http.StatusForbidden:             {codeForbidden, "This request is not allowed."},
	http.StatusNotFound:              {codeNotFound, "There is no API endpoint at this address; see /api/v1/openapi.json."},
	http.StatusMethodNotAllowed:      {codeMethodNotAllowed, "This endpoint does not take that method; see /api/v1/openapi.json."},
	http.StatusConflict:              {codeConflict, "That cannot be done in the current state."},
	http.StatusRequestEntityTooLarge: {codeTooLarge, "The request body is larger than Gatehouse accepts (64 KB)."},
	http.StatusUnsupportedMediaType:  {codeUnsupportedType, "Send the body as JSON, with Content-Type: application/json."},
	http.StatusUnprocessableEntity:   {codeInvalid, "Some properties are invalid; see fields."},
	http.StatusTooManyRequests:       {codeRateLimited, "Too many failed requests from your address. Wait a minute and try again."},
	http.StatusInternalServerError:   {codeInternal, "Gatehouse could not finish that. Nothing was half-saved; try again in a moment."},
}

// isAPIPath tells API requests (JSON errors) from pages (HTML errors). It looks
// at the path, not at headers, so that even a 404 for an unknown API route, or
// a 413 raised before routing, answers in the API's shape.
func isAPIPath(c echo.Context) bool {
	p := c.Request().URL.Path
	return p == "/api" || strings.HasPrefix(p, "/api/")
}

type apiErrorBody struct {
	Error apiErrorDetail `json:"error"`
}

type apiErrorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// handleAPIError is handleError for /api/: every failure becomes
// {"error":{"code":"...","message":"..."}} with its status.
func (s *Server) handleAPIError(err error, c echo.Context) {
	var ae *apiError
	var app *appError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &ae):
	case errors.As(err, &app):
		ae = &apiError{Status: app.Status, Message: app.Message, Fields: fieldMap(app.Field, app.Message)}
	case errors.As(err, &he):
		ae = &apiError{Status: he.Code}
	case errors.Is(err, db.ErrNotFound): // as in handleError
		ae = &apiError{Status: http.StatusNotFound, Message: "There is nothing with the id this address names."}
	default:
		s.log.Error("api request failed", slog.String("method", c.Request().Method), slog.String("route", c.Path()), slog.Any("err", err))
		ae = &apiError{Status: http.StatusInternalServerError}
	}
	d := apiDefaults[ae.Status]
	body := apiErrorDetail{Code: ae.Code, Message: ae.Message, Fields: ae.Fields}
	if body.Code == "" {
		body.Code = d[0]
	}
	if body.Code == "" {
		body.Code = strings.ToLower(strings.ReplaceAll(http.StatusText(ae.Status), " ", "_"))
	}
	if body.Message == "" {
		body.Message = d[1]
	}
	if body.Message == "" {
		body.Message = http.StatusText(ae.Status)
	}
	if ae.Status == http.StatusTooManyRequests {
		c.Response().Header().Set("Retry-After", "60")
	}
	var werr error
	if c.Request().Method == http.MethodHead {
		werr = c.NoContent(ae.Status)
	} else {
		werr = c.JSON(ae.Status, apiErrorBody{Error: body})
	}
	if werr != nil {
		s.log.Warn("writing api error response", slog.Any("err", werr))
	}
}

func fieldMap(field, msg string) map[string]string {
	if field == "" {
		return nil
	}
	return map[string]string{field: msg}
}

// apiJSONOnly refuses a request body that is not JSON. Beyond clear errors, it
// keeps the API out of reach of plain HTML forms, which can only send form
// encodings and text/plain.
func apiJSONOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.ContentLength == 0 { // no body at all (ContentLength is -1 when chunked)
			return next(c)
		}
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != "application/json" {
			return &apiError{Status: http.StatusUnsupportedMediaType, Code: codeUnsupportedType,
				Message: "Send the body as JSON, with Content-Type: application/json."}
		}
		return next(c)
	}
}

// decodeJSON reads the request body into v, strictly: one JSON object, only the
// properties v declares, nothing after it. An empty body is allowed when
// optional is true and leaves v as it was.
func decodeJSON(c echo.Context, v any, optional bool) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var he *echo.HTTPError
		if errors.As(err, &he) { // the body limit, hit while reading a chunked body
			return he
		}
		return badJSON("Gatehouse could not read the request body.")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if optional {
			return nil
		}
		return badJSON("The request body is empty; send a JSON object.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case err == nil:
		if _, err := dec.Token(); err != io.EOF {
			return badJSON("Send one JSON object and nothing after it.")
		}
		return nil
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return badJSON("The request body is not valid JSON.")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return badJSON("The request body must be a JSON object.")
		}
		return badJSON(fmt.Sprintf("%s must be %s.", typ.Field, jsonKind(typ.Type)))
	}
	if key := unknownKey(body, reflect.TypeOf(v), ""); key != "" {
		return badJSON(fmt.Sprintf("Unknown property %q; see /api/v1/openapi.json for what this endpoint takes.", key))
	}
	return badJSON("The request body is not the JSON object this endpoint takes; see /api/v1/openapi.json.")
}

func badJSON(msg string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: codeBadJSON, Message: msg}
}

// jsonKind names a Go type the way a JSON client thinks of it.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "an object"
}

// unknownKey finds the first property of body that t does not declare, naming
// nested ones with dots (guest.email). encoding/json reports unknown properties
// only as text, and Gatehouse does not match error strings.
func unknownKey(body []byte, t reflect.Type, prefix string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return ""
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil {
		return ""
	}
	fields := map[string]reflect.Type{}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		fields[strings.ToLower(name)] = f.Type
	}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		raw := obj[k]
		ft, ok := fields[strings.ToLower(k)] // encoding/json matches names case-insensitively
		if !ok {
			return prefix + k
		}
		if nested := unknownKey(raw, ft, prefix+k+"."); nested != "" {
			return nested
		}
	}
	return ""
}
