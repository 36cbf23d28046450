package lock

import "github.com/gatehouse/gatehouse/domain"

// Names the demo world (demo/) still uses; they are domain's, not copies.
// Remove this file when demo speaks domain.
type (
	Window   = domain.Window
	PINRules = domain.PINRules
)

var GeneratePIN = domain.GeneratePIN
