package db

import "github.com/gatehouse/gatehouse/domain"

// Names the demo world (demo/) still uses; they are domain's, not copies.
// Remove this file when demo speaks domain.
const (
	StatusOnLock      = domain.StatusOnLock
	StatusRemoved     = domain.StatusRemoved
	KindOfflineLong   = string(domain.EventOfflineLong)
	KindCodeUnused    = string(domain.EventCodeUnused)
	OfflineAlertAfter = domain.OfflineAlertAfter
	UnusedAlertAfter  = domain.UnusedAlertAfter
)
