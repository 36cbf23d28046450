package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/access"
)

// TestBindForm reads every kind of field bindForm knows: strings as posted,
// checkboxes as present or not, repeated fields in order, untagged fields left.
func TestBindForm(t *testing.T) {
	var f struct {
		Name      string   `form:"name"`
		Permanent bool     `form:"permanent"`
		Off       bool     `form:"off"`
		Locks     []string `form:"locks"`
		Kept      string
	}
	f.Kept = "kept"
	body := url.Values{"name": {"  Ana  "}, "permanent": {"on"}, "locks": {"3", "1"}, "Kept": {"posted"}}
	req := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(body.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	bindForm(echo.New().NewContext(req, httptest.NewRecorder()), &f)
	if f.Name != "  Ana  " || !f.Permanent || f.Off || !slices.Equal(f.Locks, []string{"3", "1"}) || f.Kept != "kept" {
		t.Errorf("got %+v, want name as posted, permanent, not off, locks [3 1], Kept untouched", f)
	}
}

// TestFormValidate checks that Validate cleans what it checks and reports each
// wrong field under its form name, the first problem only.
func TestFormValidate(t *testing.T) {
	g := guestForm{Name: "  Ana Lima ", Note: " ana@example.com  "}
	if errs := g.Validate(); len(errs) != 0 || g.Name != "Ana Lima" || g.Note != "ana@example.com" {
		t.Errorf("got %+v with %v, want trimmed values and no errors", g, errs)
	}
	g = guestForm{Name: " ", Note: strings.Repeat("x", 5000)}
	if errs := g.Validate(); errs["name"] == "" || errs["note"] == "" || len(errs) != 2 {
		t.Errorf("got %v, want messages for name and note", errs)
	}
	a := accessForm{Guest: "x", Locks: []string{"2", "y"}, PINMode: "own", PIN: " ", LinkTTL: "0"}
	errs := a.Validate()
	for _, k := range []string{access.FieldGuest, access.FieldLocks, access.FieldPIN, access.FieldLinkTTL} {
		if errs[k] == "" {
			t.Errorf("got no message for %s in %v, want one", k, errs)
		}
	}
	if !slices.Equal(a.lockIDs, []int64{2}) {
		t.Errorf("got lock ids %v, want [2]", a.lockIDs)
	}
	e := fieldErrors{"pin": "first"}
	e.merge(fieldErrors{"pin": "second", "ends": "late"})
	e.add("starts", "")
	if e["pin"] != "first" || e["ends"] != "late" || len(e) != 2 {
		t.Errorf("got %v, want the first message kept, the new field added, empty messages dropped", e)
	}
}
