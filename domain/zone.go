package domain

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
		if ValidZone(tz) {
			return tz
		}
	}
	if b, err := readFile("/etc/timezone"); err == nil {
		if line, _, _ := strings.Cut(string(b), "\n"); ValidZone(strings.TrimSpace(line)) {
			return strings.TrimSpace(line)
		}
	}
	if target, err := readlink("/etc/localtime"); err == nil {
		if z := zoneFromPath(target); ValidZone(z) {
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

// ValidZone reports whether name is a zone time.LoadLocation knows, as a lock's
// zone must be. "" and "Local" are refused: they name whatever this process runs
// in, not a place.
func ValidZone(name string) bool {
	if name == "" || name == "Local" {
		return false
	}
	_, ok := loadZone(name)
	return ok
}

// ZoneOf is the zone named name (a lock's, an access's); a zone that stopped
// loading falls back to UTC rather than failing a page or a message.
func ZoneOf(name string) *time.Location {
	if loc, ok := loadZone(name); ok {
		return loc
	}
	return time.UTC
}

// DeviceZone is the zone to record for a lock: the one its connector reports
// when that is a zone this server knows, else empty, so the store falls back to
// the default zone.
func DeviceZone(reported string) string {
	if ValidZone(reported) {
		return reported
	}
	return ""
}

// loadZone is time.LoadLocation through zones.
func loadZone(name string) (*time.Location, bool) {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), true
	}
	loc, err := time.LoadLocation(name) // reads and parses the zone file
	if err != nil {
		return nil, false
	}
	zones.Store(name, loc)
	return loc, true
}

// zones remembers the zones loadZone loaded: time.LoadLocation reads and parses
// the zone file on every call, the home page asks once per lock (with 100 locks
// that was a quarter of the server's CPU under load) and every discovery pass
// asks about every lock's zone; the zone database does not change while
// Gatehouse runs. Only names that load are stored, so the map stays as small as
// the zone database whatever names are typed or reported.
var zones sync.Map // name → *time.Location
