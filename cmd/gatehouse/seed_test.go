package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestSeedDemoFlags(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--events", "-1"}, "invalid --events"},
		{[]string{"--locks", "0"}, "invalid --locks"},
		{[]string{"--locks", "25"}, "invalid --locks"},
		{[]string{"--days", "0"}, "invalid --days"},
		{[]string{"--seed", "x"}, "invalid value"},
	} {
		args := append([]string{"seed-demo", "--db", filepath.Join(dir, "x.db")}, tc.args...)
		var stderr bytes.Buffer
		err := run(context.Background(), args, &bytes.Buffer{}, &stderr)
		if err == nil || !strings.Contains(err.Error()+stderr.String(), tc.want) {
			t.Errorf("%v: got %v, want an error containing %q", tc.args, err, tc.want)
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"seed-demo", "-h"}, &bytes.Buffer{}, &out); err != nil || !strings.Contains(out.String(), "--force") {
		t.Errorf("help: got %v, %q", err, out.String())
	}
}
