package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/web/secretscan"
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

// TestServeInviteBackup runs the real commands: serve prints a first-run link,
// invite prints another while it runs, backup snapshots the live database, and
// the server shuts down cleanly when its context ends.
func TestServeInviteBackup(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "g.db")
	ctx, cancel := context.WithCancel(context.Background())
	var stdout syncBuffer
	stderr := newLogWatch(regexp.MustCompile(`addr=(127\.0\.0\.1:\d+)`))
	done := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"serve", "--db", dbPath, "--addr", "localhost:0"}, &stdout, stderr)
		stderr.Close() // every log line kept
		done <- err
	}()
	link := regexp.MustCompile(`http://localhost:8080/enroll/[A-Za-z0-9_-]{43}`)
	addr, ok := <-stderr.found
	if !ok {
		cancel()
		t.Fatalf("server did not start: %s", stderr.String())
	}
	if !link.MatchString(stdout.String()) {
		t.Errorf("first start printed no enrollment link: %q", stdout.String())
	}
	res, err := http.Get("http://" + addr + "/healthz")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", res, err)
	}
	res.Body.Close()

	var out bytes.Buffer
	if err := run(context.Background(), []string{"healthcheck", "--addr", addr}, &out, &bytes.Buffer{}); err != nil {
		t.Errorf("healthcheck against the running server: %v", err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"invite", "--db", dbPath, "--name", "Ben"}, &out, &bytes.Buffer{}); err != nil {
		t.Fatalf("invite while serving: %v", err)
	}
	invited := out.String()
	if !link.MatchString(invited) {
		t.Errorf("invite printed %q, want a link", invited)
	}
	res, err = http.Get("http://" + addr + strings.TrimPrefix(strings.TrimSpace(out.String()), "http://localhost:8080"))
	if err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("invite link on the running server: %v %v", res, err)
	}
	res.Body.Close()

	backupPath := filepath.Join(dir, "backup.db")
	out.Reset()
	if err := run(context.Background(), []string{"backup", "--db", dbPath, backupPath}, &out, &bytes.Buffer{}); err != nil {
		t.Fatalf("backup: %v", err)
	}
	if _, err := os.Stat(backupPath); err != nil || !strings.Contains(out.String(), "integrity_check ok") {
		t.Errorf("backup: %v, %q", err, out.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve after shutdown: got %v, want nil", err)
	}
	// Neither invite token (the first-run link, the invite command's) is in
	// the log or the audit table.
	secrets := &secretscan.Set{}
	secrets.AddLink(stdout.String())
	secrets.AddLink(invited)
	if n := len(secrets.Snapshot()); n != 2 {
		t.Errorf("invite tokens recorded: got %d, want 2", n)
	}
	checkNoSecretsLeaked(t, secrets, stderr.String(), dbPath)
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
