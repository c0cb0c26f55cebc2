package main

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// proc is a child process this program started.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string // file holding its output
	addr string // address it listens on, for tools that print it
	done chan error
}

// startProc starts bin with args, its output going to a log file in dir.
func startProc(dir, name, bin string, env []string, args ...string) (*proc, error) {
	logPath := filepath.Join(dir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, log: logPath, done: make(chan error, 1)}
	go func() {
		p.done <- cmd.Wait()
		logFile.Close()
	}()
	return p, nil
}

// startTool starts one of the bench servers, which print the address they
// listen on as their first line.
func startTool(dir, name, bin string, args ...string) (*proc, error) {
	return startToolWithin(10*time.Second, dir, name, bin, args...)
}

// startToolWithin is startTool waiting up to within for the first line.
func startToolWithin(within time.Duration, dir, name, bin string, args ...string) (*proc, error) {
	p, err := startProc(dir, name, bin, nil, args...)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if line, ok := firstLine(p.log); ok {
			p.addr = line
			return p, nil
		}
		select {
		case err := <-p.done:
			return nil, fmt.Errorf("%s exited before listening (%v); see %s", name, err, p.log)
		case <-time.After(10 * time.Millisecond):
		}
	}
	p.stop()
	return nil, fmt.Errorf("%s did not print its address within %v; see %s", name, within, p.log)
}

// firstLine returns the first complete line of the file at path.
func firstLine(path string) (string, bool) {
	f, err := os.Open(path)
	if err != nil {
		return "", false
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil {
		return "", false
	}
	return strings.TrimSpace(line), true
}

// stop ends the process: SIGTERM, then SIGKILL after a grace period.
func (p *proc) stop() {
	if p == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	select {
	case err := <-p.done:
		p.done <- err
		return true
	default:
		return false
	}
}

// waitHTTP polls url until it answers 200, the process exits or a deadline
// passes.
func waitHTTP(p *proc, url string) error {
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{Proxy: nil}}
	defer client.CloseIdleConnections()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if p.exited() {
			return fmt.Errorf("%s exited while starting; see %s", p.name, p.log)
		}
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("%s did not answer %s within 30s; see %s", p.name, url, p.log)
}

// freePort returns a loopback port nothing listens on right now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// memory is a process's resident memory, in bytes.
type memory struct {
	rss, peak int64 // VmRSS and VmHWM
	anon      int64 // RssAnon: heap, stacks
	file      int64 // RssFile: mapped file pages, such as database files
}

// memoryFields maps the /proc/<pid>/status lines read to their fields.
var memoryFields = map[string]func(m *memory) *int64{
	"VmRSS":   func(m *memory) *int64 { return &m.rss },
	"VmHWM":   func(m *memory) *int64 { return &m.peak },
	"RssAnon": func(m *memory) *int64 { return &m.anon },
	"RssFile": func(m *memory) *int64 { return &m.file },
}

// readMemory reads the resident memory lines of /proc/<pid>/status.
func readMemory(pid int) (memory, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}, err
	}
	var m memory
	for line := range strings.Lines(string(raw)) {
		name, value, ok := strings.Cut(line, ":")
		field := memoryFields[name]
		if !ok || field == nil {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return memory{}, fmt.Errorf("/proc/%d/status %s: %w", pid, name, err)
		}
		*field(&m) = kb << 10
	}
	if m.rss == 0 {
		return memory{}, errors.New("no VmRSS in /proc/<pid>/status")
	}
	return m, nil
}

// atClkTck is AT_CLKTCK of <elf.h>: the entry of the auxiliary vector that
// holds the kernel's USER_HZ, the unit of the times in /proc/<pid>/stat
// (what sysconf(_SC_CLK_TCK) returns).
const atClkTck = 17

// defaultClockTicks is the tick rate assumed when the auxiliary vector has
// no AT_CLKTCK, as the C library does.
const defaultClockTicks = 100

// clockTicksOf returns AT_CLKTCK from an auxiliary vector, or
// defaultClockTicks when it has none.
func clockTicksOf(auxv [][2]uintptr) int64 {
	for _, kv := range auxv {
		if kv[0] == atClkTck && kv[1] > 0 {
			return int64(kv[1])
		}
	}
	return defaultClockTicks
}

// clockTicks is the number of ticks per second of /proc/<pid>/stat.
var clockTicks = sync.OnceValue(func() int64 {
	auxv, _ := unix.Auxv() // without it, the default
	return clockTicksOf(auxv)
})

// statTicks returns utime + stime, in clock ticks, from the text of
// /proc/<pid>/stat: the 14th and 15th fields, counted after the command
// name, which is in parentheses and may itself hold spaces and ")".
func statTicks(stat string) (int64, error) {
	end := strings.LastIndexByte(stat, ')')
	if end < 0 {
		return 0, errors.New("no command name in /proc/<pid>/stat")
	}
	fields := strings.Fields(stat[end+1:]) // from the 3rd field, the state
	const utime, stime = 14 - 3, 15 - 3
	if len(fields) <= stime {
		return 0, fmt.Errorf("/proc/<pid>/stat has %d fields, want at least 15", len(fields)+2)
	}
	var sum int64
	for _, i := range []int{utime, stime} {
		n, err := strconv.ParseInt(fields[i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/<pid>/stat field %d: %w", i+3, err)
		}
		sum += n
	}
	return sum, nil
}

// readCPU returns the CPU time process pid has used so far, user and
// system, all its threads: utime + stime of /proc/<pid>/stat.
func readCPU(pid int) (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	ticks, err := statTicks(string(raw))
	if err != nil {
		return 0, fmt.Errorf("process %d: %w", pid, err)
	}
	return ticksToDuration(ticks, clockTicks()), nil
}

// ticksToDuration converts clock ticks at hz ticks per second.
func ticksToDuration(ticks, hz int64) time.Duration {
	return time.Duration(ticks) * time.Second / time.Duration(hz)
}

// cpuWindow is the CPU time a process used between two moments, read by
// sampleCPU.
type cpuWindow struct {
	done chan struct{}
	used time.Duration
	err  error
}

// sampleCPU reads the CPU time of process pid from and until after now, in
// the background; wait returns the difference.
func sampleCPU(pid int, from, until time.Duration) *cpuWindow {
	w := &cpuWindow{done: make(chan struct{})}
	start := time.Now()
	go func() {
		defer close(w.done)
		time.Sleep(time.Until(start.Add(from)))
		first, err := readCPU(pid)
		if err != nil {
			w.err = err
			return
		}
		time.Sleep(time.Until(start.Add(until)))
		last, err := readCPU(pid)
		w.used, w.err = last-first, err
	}()
	return w
}

// wait waits for the second reading and returns the CPU time used between
// the two.
func (w *cpuWindow) wait() (time.Duration, error) {
	<-w.done
	return w.used, w.err
}

// perRequest is the CPU time per request in microseconds.
func perRequest(cpu time.Duration, requests int) float64 {
	if requests <= 0 {
		return 0
	}
	return float64(cpu) / float64(time.Microsecond) / float64(requests)
}
