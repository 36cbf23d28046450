package lock

import "github.com/gatehouse/gatehouse/domain"

// Names cmd/gatehouse/seed.go still uses while it moves into demo/; they are
// domain's, not copies. Remove this file when the demo world speaks domain.
type (
	Window   = domain.Window
	PINRules = domain.PINRules
)

var GeneratePIN = domain.GeneratePIN
