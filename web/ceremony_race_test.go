package web

import (
	"net/http"
	"testing"
)

// The sign-in page's passkey autofill and its button each begin a ceremony;
// whichever finishes, in whichever order, must be accepted (issue 11, item 6).
func TestOverlappingSignInCeremoniesAreIndependent(t *testing.T) {
	for _, order := range []string{"earlier finishes first", "later finishes first"} {
		t.Run(order, func(t *testing.T) {
			app := newTestApp(t, testOrigin)
			_, auth := app.newOwner("Ana")
			c := app.client()
			var begun [2][]byte
			for i := range begun {
				res := c.postJSON("/signin/begin", nil)
				if res.Status != http.StatusOK {
					t.Fatalf("begin %d: got %d %s, want 200", i, res.Status, res.Body)
				}
				begun[i] = []byte(res.Body)
			}
			finishOrder := []int{0, 1}
			if order == "later finishes first" {
				finishOrder = []int{1, 0}
			}
			// The authenticator answers each ceremony just before it finishes,
			// so its signature counter rises in the order of the finishes.
			for _, i := range finishOrder {
				assertion, err := auth.Get(begun[i])
				if err != nil {
					t.Fatal(err)
				}
				if res := c.postJSON("/signin/finish", assertion); res.Status != http.StatusOK {
					t.Errorf("finish of ceremony %d: got %d %s, want 200", i, res.Status, res.Body)
				}
			}
		})
	}
}

// A ceremony begun in one browser cannot be finished from another, even with
// the authenticator's valid answer to its challenge.
func TestCeremonyBoundToItsBrowser(t *testing.T) {
	app := newTestApp(t, testOrigin)
	_, auth := app.newOwner("Ana")
	begun, other := app.client(), app.client()
	other.get("/signin") // the other browser has its own binding
	res := begun.postJSON("/signin/begin", nil)
	assertion, err := auth.Get([]byte(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	if res := other.postJSON("/signin/finish", assertion); res.Status != http.StatusBadRequest {
		t.Errorf("finish from another browser: got %d %s, want 400", res.Status, res.Body)
	}
	if res := begun.postJSON("/signin/finish", assertion); res.Status != http.StatusOK {
		t.Errorf("finish from the browser that began it: got %d %s, want 200", res.Status, res.Body)
	}
}
