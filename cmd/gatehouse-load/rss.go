package main

import (
	"bufio"
	"errors"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// procStatusKB reads one "kB" line of /proc/PID/status, such as "VmRSS:" (the
// resident set now) or "VmHWM:" (its peak).
func procStatusKB(pid int, key string) (int, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, found := strings.CutPrefix(sc.Text(), key); found {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
	return 0, errors.New("no " + key + " in /proc/" + strconv.Itoa(pid) + "/status")
}

// vmRSS reads a process's resident set size in kB from /proc.
func vmRSS(pid int) (int, error) { return procStatusKB(pid, "VmRSS:") }

// rssSampler reads a process's VmRSS every interval and keeps the largest.
type rssSampler struct {
	done chan struct{}
	wg   sync.WaitGroup
	max  int
	err  error
}

func sampleRSS(pid int, every time.Duration) *rssSampler {
	s := &rssSampler{done: make(chan struct{})}
	s.wg.Go(func() {
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			kb, err := vmRSS(pid)
			if err != nil {
				s.err = err
				return
			}
			s.max = max(s.max, kb)
			select {
			case <-s.done:
				return
			case <-tick.C:
			}
		}
	})
	return s
}

// stop ends the sampling and returns the largest VmRSS seen. A nil sampler
// (no -pid) returns 0.
func (s *rssSampler) stop() (int, error) {
	if s == nil {
		return 0, nil
	}
	close(s.done)
	s.wg.Wait()
	return s.max, s.err
}
