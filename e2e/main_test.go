// Package e2e holds the end-to-end tests of Gatehouse: each builds the real
// gatehouse binary (once per test run, see testkit/binary), runs it as a
// child process as an owner would, and drives it over HTTP or through a real
// browser. The browser journeys, crash and fault tests, the restore drill and
// the secret scans of the binary's log and audit table live here.
package e2e

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/testkit/binary"
)

func TestMain(m *testing.M) { binary.Main(m) }
