package domain

import (
	"strings"
	"testing"
)

func TestCheckPIN(t *testing.T) {
	lockly := PINRules{MinLen: 6, MaxLen: 8}
	tests := []struct {
		pin    string
		others []string
		want   string // part of the reason; "" means accepted
	}{
		{"583920", nil, ""},
		{"58392017", nil, ""},
		{"", nil, "Enter a code"},
		{"58392a", nil, "digits only"},
		{"58392", nil, "6 to 8 digits"},
		{"583920175", nil, "6 to 8 digits"},
		{"111111", nil, "one repeated digit"},
		{"123456", nil, "consecutive"},
		{"987654", nil, "consecutive"},
		{"789012", nil, "consecutive"},
		{"121212", nil, "repeated pattern"},
		{"123123", nil, "repeated pattern"},
		{"45674567", nil, "repeated pattern"},
		{"583920", []string{"583920"}, "already on the lock"},
		{"583920", []string{"5839201"}, "starts with another"},
		{"58392017", []string{"583920"}, "starts with another"},
		{"583921", []string{"583920"}, ""},
	}
	for _, tt := range tests {
		err := CheckPIN(tt.pin, lockly, tt.others)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("CheckPIN(%q, %v): got %v, want accepted", tt.pin, tt.others, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("CheckPIN(%q, %v): got %v, want a reason containing %q", tt.pin, tt.others, err, tt.want)
		}
	}
}

func TestGeneratePIN(t *testing.T) {
	rules := PINRules{MinLen: 6, MaxLen: 8}
	var others []string
	seen := map[string]bool{}
	for i := range 100_000 {
		n := 6 + i%3
		pin, err := GeneratePIN(n, rules, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(pin) != n {
			t.Fatalf("length: got %d, want %d", len(pin), n)
		}
		if w := weakness(pin); w != "" {
			t.Fatalf("generated weak pin: %s", w)
		}
		seen[pin] = true
	}
	if len(seen) < 99_000 {
		t.Errorf("distinct codes in 100,000: got %d, want nearly all", len(seen))
	}
	// On one lock: no duplicate and no prefix clash, however many codes it holds.
	for range 2000 {
		pin, err := GeneratePIN(6+len(others)%3, rules, others)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range others {
			if strings.HasPrefix(o, pin) || strings.HasPrefix(pin, o) {
				t.Fatalf("generated %s clashes with %s", pin, o)
			}
		}
		others = append(others, pin)
	}
}

func TestPINsClash(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"583920", "583920", true},
		{"583920", "5839201", true},
		{"5839201", "583920", true},
		{"583920", "583921", false},
		{"1234", "01234", false},
	} {
		if got := PINsClash(tc.a, tc.b); got != tc.want {
			t.Errorf("PINsClash(%q, %q): got %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
