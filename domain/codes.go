package domain

// CodeStatus is a stored code's status: what the reconciler last observed of it
// on the lock, never what we hoped. It is stored as is in access_codes.status.
type CodeStatus string

const (
	StatusScheduled CodeStatus = "scheduled" // window not open yet; not on the lock
	StatusSetting   CodeStatus = "setting"   // on its way to the lock
	StatusOnLock    CodeStatus = "on_lock"   // the lock confirmed it
	StatusRemoving  CodeStatus = "removing"  // on its way off the lock
	StatusRemoved   CodeStatus = "removed"   // the lock confirmed it gone (or it never got there)
	StatusFailed    CodeStatus = "failed"    // the lock refused it; LastError says why
)

// CodeStatuses are every stored code status, in the order of a code's life.
var CodeStatuses = []CodeStatus{StatusScheduled, StatusSetting, StatusOnLock, StatusRemoving, StatusRemoved, StatusFailed}
