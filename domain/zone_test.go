package domain

import (
	"errors"
	"io/fs"
	"testing"
)

func TestServerZone(t *testing.T) {
	cases := []struct {
		name     string
		env      map[string]string
		files    map[string]string
		links    map[string]string
		wantZone string
	}{
		{"nothing known", nil, nil, nil, "UTC"},
		{"TZ", map[string]string{"TZ": "Europe/Paris"}, map[string]string{"/etc/timezone": "Asia/Tokyo\n"}, nil, "Europe/Paris"},
		{"TZ with colon", map[string]string{"TZ": ":America/New_York"}, nil, nil, "America/New_York"},
		{"TZ empty is UTC", map[string]string{"TZ": ""}, map[string]string{"/etc/timezone": "Asia/Tokyo\n"}, nil, "UTC"},
		{"TZ a zone file path", map[string]string{"TZ": "/usr/share/zoneinfo/Europe/Lisbon"}, nil, nil, "Europe/Lisbon"},
		{"TZ the localtime link", map[string]string{"TZ": ":/etc/localtime"}, nil,
			map[string]string{"/etc/localtime": "/usr/share/zoneinfo/Australia/Sydney"}, "Australia/Sydney"},
		{"TZ unknown falls through", map[string]string{"TZ": "Mars/Olympus"}, map[string]string{"/etc/timezone": "Asia/Tokyo\n"}, nil, "Asia/Tokyo"},
		{"TZ Local is not a place", map[string]string{"TZ": "Local"}, nil, nil, "UTC"},
		{"etc timezone", nil, map[string]string{"/etc/timezone": "  Europe/Berlin  \nignored\n"},
			map[string]string{"/etc/localtime": "/usr/share/zoneinfo/Asia/Tokyo"}, "Europe/Berlin"},
		{"etc timezone unknown", nil, map[string]string{"/etc/timezone": "Nowhere/At_All\n"},
			map[string]string{"/etc/localtime": "/usr/share/zoneinfo/Asia/Tokyo"}, "Asia/Tokyo"},
		{"localtime link", nil, nil, map[string]string{"/etc/localtime": "/usr/share/zoneinfo/America/Sao_Paulo"}, "America/Sao_Paulo"},
		{"localtime relative link", nil, nil, map[string]string{"/etc/localtime": "../usr/share/zoneinfo/Europe/Dublin"}, "Europe/Dublin"},
		{"localtime posix tree", nil, nil, map[string]string{"/etc/localtime": "/usr/share/zoneinfo/posix/Europe/Rome"}, "Europe/Rome"},
		{"localtime elsewhere", nil, nil, map[string]string{"/etc/localtime": "/opt/tz/Europe/Rome"}, "UTC"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok }
			read := func(p string) ([]byte, error) {
				if v, ok := tc.files[p]; ok {
					return []byte(v), nil
				}
				return nil, fs.ErrNotExist
			}
			link := func(p string) (string, error) {
				if v, ok := tc.links[p]; ok {
					return v, nil
				}
				return "", errors.New("not a symlink")
			}
			if got := serverZone(env, read, link); got != tc.wantZone {
				t.Errorf("got %q, want %q", got, tc.wantZone)
			}
		})
	}
}

func TestServerZoneHere(t *testing.T) {
	if z := ServerZone(); !ValidZone(z) {
		t.Errorf("ServerZone() = %q, want a zone time.LoadLocation knows", z)
	}
}

func TestDeviceZone(t *testing.T) {
	for in, want := range map[string]string{"Europe/Lisbon": "Europe/Lisbon", "": "", "GMT+25": "", "Local": ""} {
		if got := DeviceZone(in); got != want {
			t.Errorf("DeviceZone(%q): got %q, want %q", in, got, want)
		}
	}
}

func TestZoneOf(t *testing.T) {
	for in, want := range map[string]string{"Europe/Lisbon": "Europe/Lisbon", "": "UTC", "Mars/Olympus": "UTC", "UTC": "UTC"} {
		for range 2 { // the second time from the cache
			if got := ZoneOf(in).String(); got != want {
				t.Errorf("ZoneOf(%q): got %q, want %q", in, got, want)
			}
		}
	}
}

func TestValidZone(t *testing.T) {
	for in, want := range map[string]bool{"Europe/Berlin": true, "America/New_York": true, "UTC": true, "": false, "Local": false, "Europe/Nowhere": false, "GMT+25": false} {
		if got := ValidZone(in); got != want {
			t.Errorf("ValidZone(%q): got %v, want %v", in, got, want)
		}
	}
}
