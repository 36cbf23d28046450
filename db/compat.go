package db

import "github.com/gatehouse/gatehouse/domain"

// Names cmd/gatehouse/seed.go still uses while it moves into demo/; they are
// domain's, not copies. Remove this file when the demo world speaks domain.
const (
	StatusOnLock      = domain.StatusOnLock
	StatusRemoved     = domain.StatusRemoved
	KindOfflineLong   = string(domain.EventOfflineLong)
	KindCodeUnused    = string(domain.EventCodeUnused)
	OfflineAlertAfter = domain.OfflineAlertAfter
	UnusedAlertAfter  = domain.UnusedAlertAfter
)
