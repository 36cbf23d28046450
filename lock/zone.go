package lock

import (
	"os"
	"strings"
	"sync"
	"time"
)

// ServerZone returns the IANA name of the server's time zone, the zone given to
// locks whose connector reports none. It looks, in order, at the TZ variable, at
// /etc/timezone, and at where the /etc/localtime symlink points under zoneinfo/;
// the first name that time.LoadLocation accepts wins, else "UTC". Go's own
// time.Local knows the offsets but not the name, which is what a lock's page shows
// and what a window's times are entered in.
func ServerZone() string {
	return serverZone(os.LookupEnv, os.ReadFile, os.Readlink)
}

func serverZone(lookupEnv func(string) (string, bool), readFile func(string) ([]byte, error), readlink func(string) (string, error)) string {
	if tz, ok := lookupEnv("TZ"); ok {
		tz = strings.TrimPrefix(tz, ":")
		if tz == "" {
			return "UTC" // POSIX: an empty TZ is UTC
		}
		if strings.HasPrefix(tz, "/") {
			// A path to a zone file, often ":/etc/localtime" itself.
			if target, err := readlink(tz); err == nil {
				tz = target
			}
			tz = zoneFromPath(tz)
		}
		if validZone(tz) {
			return tz
		}
	}
	if b, err := readFile("/etc/timezone"); err == nil {
		if line, _, _ := strings.Cut(string(b), "\n"); validZone(strings.TrimSpace(line)) {
			return strings.TrimSpace(line)
		}
	}
	if target, err := readlink("/etc/localtime"); err == nil {
		if z := zoneFromPath(target); validZone(z) {
			return z
		}
	}
	return "UTC"
}

// zoneFromPath turns ".../zoneinfo/Europe/Paris" into "Europe/Paris"; the
// "posix/" and "right/" trees hold the same zones under the same names.
func zoneFromPath(p string) string {
	i := strings.LastIndex(p, "zoneinfo/")
	if i < 0 {
		return ""
	}
	z := p[i+len("zoneinfo/"):]
	for _, tree := range []string{"posix/", "right/"} {
		z = strings.TrimPrefix(z, tree)
	}
	return z
}

// validZone reports whether name is a zone time.LoadLocation knows. "Local" is
// refused: it names whatever this process runs in, not a place.
func validZone(name string) bool {
	if name == "" || name == "Local" {
		return false
	}
	if ok, seen := knownZones.Load(name); seen {
		return ok.(bool)
	}
	_, err := time.LoadLocation(name) // reads the zone file: remembered below
	knownZones.Store(name, err == nil)
	return err == nil
}

// knownZones remembers validZone's answers: every discovery pass asks about every
// lock's zone, and the zone database does not change while Gatehouse runs.
var knownZones sync.Map // zone name → bool

// deviceZone is the zone to record for a lock: the one its connector reports when
// that is a zone this server knows, else empty, so the store falls back to the
// default zone.
func deviceZone(reported string) string {
	if validZone(reported) {
		return reported
	}
	return ""
}
