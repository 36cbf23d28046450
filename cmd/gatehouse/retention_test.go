package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRetentionDaysFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want int
		err  string
	}{
		{nil, 730, ""},
		{[]string{"--retention-days", "0"}, 0, ""},
		{[]string{"--retention-days", "90"}, 90, ""},
		{[]string{"--retention-days", "-1"}, 0, "invalid --retention-days"},
		{[]string{"--retention-days", "forever"}, 0, "invalid value"},
	} {
		var c config
		var stderr bytes.Buffer
		fs := newFlagSet("serve", &c, &stderr)
		fs.serveFlags(&c)
		err := fs.parse(&c, tc.args)
		switch {
		case tc.err == "" && (err != nil || c.RetentionDays != tc.want):
			t.Errorf("%v: got %d, %v; want %d", tc.args, c.RetentionDays, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error()+stderr.String(), tc.err)):
			t.Errorf("%v: got %v, want an error containing %q", tc.args, err, tc.err)
		}
	}
	t.Setenv("GATEHOUSE_RETENTION_DAYS", "365")
	var c config
	fs := newFlagSet("serve", &c, &bytes.Buffer{})
	fs.serveFlags(&c)
	if err := fs.parse(&c, nil); err != nil || c.RetentionDays != 365 {
		t.Errorf("from the environment: got %d, %v; want 365", c.RetentionDays, err)
	}
}
