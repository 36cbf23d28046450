package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		args []string
		want string // part of the one-line error; empty means valid
	}{
		{nil, ""},
		{[]string{"--public-url", "https://door.example.com"}, ""},
		{[]string{"--public-url", "door.example.com"}, "invalid --public-url"},
		{[]string{"--public-url", "http://door.example.com"}, "https, or http://localhost"},
		{[]string{"--public-url", "https://192.168.1.2"}, "not an IP address"},
		{[]string{"--public-url", "https://door.example.com/gate"}, "root of its host"},
		{[]string{"--trusted-proxies", "10.0.0.0/8, 192.168.0.0/16"}, ""},
		{[]string{"--trusted-proxies", "10.0.0.1/99"}, "invalid --trusted-proxies"},
		{[]string{"--log-level", "loud"}, "invalid --log-level"},
		{[]string{"--session-idle", "48h", "--session-max", "24h"}, "session lifetimes"},
		{[]string{"--invite-ttl", "-1h"}, "invalid --invite-ttl"},
	}
	for _, tt := range tests {
		var c config
		var stderr bytes.Buffer
		fs := newFlagSet("serve", &c, &stderr)
		fs.serveFlags(&c)
		err := fs.parse(&c, tt.args)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%v: got error %v, want valid", tt.args, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%v: got %v, want an error containing %q", tt.args, err, tt.want)
		case err != nil && strings.Contains(err.Error(), "\n"):
			t.Errorf("%v: error spans lines: %q", tt.args, err)
		}
	}
}

func TestEnvironmentVariables(t *testing.T) {
	t.Setenv("GATEHOUSE_PUBLIC_URL", "https://door.example.com")
	t.Setenv("GATEHOUSE_LOG_LEVEL", "debug")
	var c config
	fs := newFlagSet("serve", &c, &bytes.Buffer{})
	fs.serveFlags(&c)
	if err := fs.parse(&c, []string{"--log-level", "warn"}); err != nil {
		t.Fatal(err)
	}
	if c.PublicURL.String() != "https://door.example.com" {
		t.Errorf("public URL from env: got %s", c.PublicURL)
	}
	if c.LogLevel.String() != "WARN" {
		t.Errorf("flag over env: got %s, want WARN", c.LogLevel)
	}
	t.Setenv("GATEHOUSE_SESSION_IDLE", "soon")
	fs = newFlagSet("serve", &c, &bytes.Buffer{})
	fs.serveFlags(&c)
	if err := fs.parse(&c, nil); err == nil || !strings.Contains(err.Error(), "GATEHOUSE_SESSION_IDLE") {
		t.Errorf("bad env var: got %v, want an error naming it", err)
	}
}

func TestUnknownCommand(t *testing.T) {
	if err := run(context.Background(), []string{"frobnicate"}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
		t.Error("unknown command: got nil error")
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, &out, &bytes.Buffer{}); err != nil || !strings.HasPrefix(out.String(), "gatehouse ") {
		t.Errorf("version: %q %v", out.String(), err)
	}
}
