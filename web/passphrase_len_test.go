package web

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// A share passphrase is at least access.MinPassphraseLen characters: the give form
// says so beside the field, the API answers 422 naming the field, for giving
// and for rotating alike.
func TestPassphraseMinimumLength(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Olivia")
	l := app.addSimLock("Front door")
	form := app.giveForm("Ana", l)
	form.Set("passphrase", "heron")
	res := c.postForm("/access", form)
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "at least 8 characters") {
		t.Errorf("give with a 5-character passphrase: got %d, want 422 with the field message\n%s", res.Status, errorsIn(res.Body))
	}
	form.Set("passphrase", "ä herons") // 8 characters, 9 bytes
	if res := c.postForm("/access", form); res.Status != http.StatusSeeOther {
		t.Errorf("give with an 8-character passphrase: got %d, want 303\n%s", res.Status, errorsIn(res.Body))
	}

	api := newAPIApp(t)
	id := api.giveCleo(72, nil).Access.ID
	res = api.api(http.MethodPost, "/api/v1/accesses/"+strconv.FormatInt(id, 10)+"/rotate", api.rwToken, map[string]any{"passphrase": "heron"})
	if res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("API rotate with a 5-character passphrase: got %d, want 422 (%s)", res.Status, res.Body)
	}
	if e := errorOf(t, res); !strings.Contains(e.Fields["passphrase"], "at least 8") {
		t.Errorf("API rotate with a short passphrase: fields %v, want a passphrase message", e.Fields)
	}
}
