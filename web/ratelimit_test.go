package web

import (
	"net/netip"
	"testing"
	"time"
)

// Addresses in one IPv6 /64 are one client (a host picks from its /64 at
// will); IPv4 addresses, and IPv4 mapped into IPv6, are one client each.
func TestLimiterKeys(t *testing.T) {
	for _, tc := range []struct {
		spend, other string
		shared       bool
	}{
		{"2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff", true},
		{"2001:db8:1:2::1", "2001:db8:1:3::1", false},
		{"192.0.2.1", "::ffff:192.0.2.1", true},
		{"192.0.2.1", "192.0.2.2", false},
	} {
		l := newLimiter(time.Hour, 3)
		for range 3 {
			l.Allow(tc.spend)
		}
		if !l.Blocked(tc.spend) {
			t.Fatalf("%s after spending its burst: not blocked", tc.spend)
		}
		if got := l.Blocked(tc.other); got != tc.shared {
			t.Errorf("%s after %s spent its budget: blocked %v, want %v", tc.other, tc.spend, got, tc.shared)
		}
	}
}

// A flood of distinct addresses keeps the table at its cap, refreshes no spent
// budget, leaves clients already known their own budget, and new clients
// from other networks theirs.
func TestLimiterBoundedUnderFlood(t *testing.T) {
	l := newLimiter(time.Hour, 5)
	l.max = 1000
	honest, abuser := "198.51.100.7", "2001:db8:dead:beef::1"
	l.Allow(honest)
	for range 5 {
		l.Allow(abuser)
	}
	granted := 0
	base := netip.MustParseAddr("2001:db8:100::")
	for i := range 50_000 {
		b := base.As16()
		b[6], b[7] = byte(i>>8), byte(i) // a new /64 each time
		addr := netip.AddrFrom16(b).String()
		for range 3 {
			if l.Allow(addr) {
				granted++
			}
		}
		if n := l.size(); n > 2*l.max {
			t.Fatalf("after %d flooding addresses: %d buckets, want at most %d", i+1, n, 2*l.max)
		}
	}
	if max := l.max*5 + l.burst; granted > max {
		t.Errorf("tokens granted to the flood: got %d, want at most %d (the table's buckets and its network's)", granted, max)
	}
	// Newcomers from other networks are counted apart from the flood's.
	for _, newcomer := range []string{"2001:db8:200::1", "203.0.113.9"} {
		if l.Blocked(newcomer) || !l.Allow(newcomer) {
			t.Errorf("%s, new after the flood from another network: refused", newcomer)
		}
	}
	if l.Allow("2001:db8:100:ffff::1") {
		t.Error("a new address of the flooding /48 got a fresh budget")
	}
	if l.Blocked(honest) || !l.Allow(honest) {
		t.Error("a client known before the flood lost its budget to it")
	}
	if !l.Blocked(abuser) {
		t.Error("the flood gave a spent client a fresh budget")
	}
}

// Past both tables, new clients share the overflow bucket: memory stays at
// the cap even when every flooding address is from a network of its own.
func TestLimiterOverflow(t *testing.T) {
	l := newLimiter(time.Hour, 5)
	l.max = 100
	granted := 0
	for i := range 5_000 {
		b := netip.MustParseAddr("2001:db8::").As16()
		b[2], b[3], b[4], b[5] = byte(i>>24), byte(i>>16), byte(i>>8), byte(i) // a new /48 each time
		for range 3 {
			if l.Allow(netip.AddrFrom16(b).String()) {
				granted++
			}
		}
	}
	if n := l.size(); n != 2*l.max {
		t.Errorf("buckets after 5,000 networks: got %d, want %d", n, 2*l.max)
	}
	if max := 2*l.max*3 + l.burst; granted > max {
		t.Errorf("tokens granted: got %d, want at most %d", granted, max)
	}
	if !l.Blocked("2001:db8:ffff:ffff::1") {
		t.Error("a new network past both caps: not counted in the spent overflow bucket")
	}
}
