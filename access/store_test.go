package access_test

import (
	"github.com/gatehouse/gatehouse/access"
	"github.com/gatehouse/gatehouse/db"
)

// The database the server runs on is the service's store.
var _ access.Store = (*db.DB)(nil)
