package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// waitHealthz starts argv, polls rawURL every millisecond, and prints the time
// from just before fork/exec to the first 200, with the child's VmRSS at that
// moment. It then stops the child (SIGTERM, SIGKILL after 5 s).
func waitHealthz(ctx context.Context, rawURL string, argv []string, limit time.Duration, stdout io.Writer) error {
	u, err := checkLocal(rawURL)
	if err != nil {
		return err
	}
	if len(argv) == 0 {
		return errors.New("-wait-healthz: give the command to start after --")
	}
	client := newClient(1)
	client.Timeout = time.Second
	defer client.CloseIdleConnections()
	// The port must be free, or we would time an older server.
	if resp, err := client.Get(u.String()); err == nil {
		resp.Body.Close()
		return fmt.Errorf("-wait-healthz: %s already answers before the command starts", u.Host)
	}

	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer stopChild(cmd, exited)

	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		if ok(client, u.String()) {
			elapsed := time.Since(start)
			rss, _ := vmRSS(cmd.Process.Pid)
			return json.NewEncoder(stdout).Encode(map[string]any{
				"start_to_first_200_ms": ms(elapsed), "rss_kb": rss, "pid": cmd.Process.Pid,
			})
		}
		select {
		case err := <-exited:
			exited <- err // for stopChild
			return fmt.Errorf("-wait-healthz: the command exited before answering: %v", err)
		case <-ctx.Done():
			return fmt.Errorf("-wait-healthz: no 200 from %s within %s", u, limit)
		case <-tick.C:
		}
	}
}

func ok(client *http.Client, u string) bool {
	resp, err := client.Get(u)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func stopChild(cmd *exec.Cmd, exited chan error) {
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		<-exited
	}
}
