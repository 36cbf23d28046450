package web

import (
	"errors"
	"net/http"
	"net/url"
	"reflect"

	"github.com/labstack/echo/v4"
)

// Every owner form follows one idiom: a struct with `form` tags, read from the
// request by readForm, whose Validate cleans its values (trims them) and
// returns a message per wrong field. On failure the handler renders the same
// component again with 422 and the messages beside the fields. Checks that need
// the store or a lock (a free code, a lock's zone) add to the same fieldErrors.

// fieldErrors maps a form field (or API property) to what is wrong with it.
type fieldErrors map[string]string

// add records msg for field unless it is empty or the field has a message
// already: the first problem found is the one the owner sees.
func (e fieldErrors) add(field, msg string) {
	if _, ok := e[field]; !ok && msg != "" {
		e[field] = msg
	}
}

// merge adds more's messages for the fields that have none yet.
func (e fieldErrors) merge(more fieldErrors) {
	for k, v := range more {
		e.add(k, v)
	}
}

// form is a posted form that can check itself.
type form interface {
	Validate() fieldErrors
}

// readForm binds the posted form into f (a pointer to a struct) and validates it.
func readForm(c echo.Context, f form) fieldErrors {
	bindForm(c, f)
	return f.Validate()
}

// bindForm fills the `form`-tagged fields of the struct dst points to: a string
// takes the value as posted, a bool is a checkbox (true when sent with any
// value), a []string takes every value of a repeated field. Like FormValue it
// reads the query too, and a body it cannot parse leaves the fields empty, so
// Validate answers with messages rather than a bare 400.
func bindForm(c echo.Context, dst any) {
	v := reflect.ValueOf(dst).Elem()
	t := v.Type()
	var params url.Values
	for i := range t.NumField() {
		name := t.Field(i).Tag.Get("form")
		if name == "" {
			continue
		}
		switch fv := v.Field(i); fv.Kind() {
		case reflect.String:
			fv.SetString(c.FormValue(name))
		case reflect.Bool:
			fv.SetBool(c.FormValue(name) != "")
		case reflect.Slice:
			if params == nil {
				params, _ = c.FormParams()
			}
			fv.Set(reflect.ValueOf(params[name]))
		default:
			panic("web: bindForm: field " + t.Field(i).Name + " of " + t.String() + " is not a string, bool or []string")
		}
	}
}

var errBadJSON = &appError{Status: http.StatusBadRequest, Message: "Gatehouse could not read that request."}

// bindJSON reads a small JSON body into v.
func bindJSON(c echo.Context, v any) error {
	if err := (&echo.DefaultBinder{}).BindBody(c, v); err != nil {
		// The binder wraps what the body limit returns, mid-read, in its own 400.
		if errors.Is(err, echo.ErrStatusRequestEntityTooLarge) {
			return echo.ErrStatusRequestEntityTooLarge
		}
		return errBadJSON
	}
	return nil
}
