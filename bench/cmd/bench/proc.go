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
	"syscall"
	"time"
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
