// Package access is the one path that gives, moves and ends a guest's access:
// give (check and save), a new link, a rotation, a changed window, a revoke,
// and a lock page's own codes (add, revoke, retry). The owner pages, the JSON
// API and the coming booking sync all call it; they only translate their
// requests into its request structs and its outcomes into their answers.
//
// It knows no HTTP: who acts is an Actor value, problems with what was asked
// are FieldErrors, and why an action did not happen is a typed error
// (errors.Is). It reaches the database through the small Store it declares,
// and tells the reconciler about every change through the nudge it is given.
package access
