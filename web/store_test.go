package web

import "github.com/gatehouse/gatehouse/db"

// The store web is built with in cmd/gatehouse satisfies web's interface.
var _ Store = (*db.DB)(nil)
