package main

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Where a request's CPU goes. On a machine where the server and this tool
// share the cores, a rate alone cannot say whether the server or the load
// generator ran out of CPU; these split it. The server's CPU comes from
// /proc/PID/stat (user and system time), the tool's from getrusage. In a
// Gatehouse round the in-process baseline server is idle, so the tool's CPU
// is the client's; in a baseline round it is client and hello server together.

// clockTicks is USER_HZ, the unit of /proc/PID/stat times: 100 on every Linux
// architecture Go supports.
const clockTicks = 100

// procCPU reads a process's user plus system CPU time from /proc/PID/stat.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces: count
	// fields after its closing one, where field 3 (state) is index 0.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, errors.New("unreadable /proc/" + strconv.Itoa(pid) + "/stat")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("short /proc/" + strconv.Itoa(pid) + "/stat")
	}
	var ticks int64
	for _, s := range f[11:13] { // utime (14) and stime (15)
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// selfCPU is this process's user plus system CPU time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuSpent adds up CPU time over the measured rounds of one meter.
type cpuSpent struct {
	pid          int // the server's; 0: not measured
	self, server time.Duration
}

// during runs f and adds the CPU both processes used meanwhile.
func (c *cpuSpent) during(f func()) {
	self := selfCPU()
	server, err := c.serverCPU()
	f()
	c.self += selfCPU() - self
	if after, err2 := c.serverCPU(); err == nil && err2 == nil {
		c.server += after - server
	}
}

func (c *cpuSpent) serverCPU() (time.Duration, error) {
	if c.pid <= 0 {
		return 0, errors.New("no server pid")
	}
	return procCPU(c.pid)
}

// perRequest is microseconds of d per request, 0 when nothing was measured.
func perRequest(d time.Duration, requests int) float64 {
	if d <= 0 || requests == 0 {
		return 0
	}
	return round(float64(d.Microseconds())/float64(requests), 0)
}
