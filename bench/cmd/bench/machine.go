package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// machineInfo describes where the run happened.
type machineInfo struct {
	cpus       int
	cpuModel   string
	memory     string
	kernel     string
	filesystem string // of the work directory
	goVersion  string
	caddy      string
	loadStart  string // /proc/loadavg when the run started
}

// machine reads the machine's description.
func (b *bench) machine() (machineInfo, error) {
	m := machineInfo{cpus: runtime.NumCPU(), goVersion: runtime.Version()}
	m.cpuModel = procField("/proc/cpuinfo", "model name")
	m.memory = procField("/proc/meminfo", "MemTotal")
	if raw, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = strings.TrimSpace(string(raw))
	}
	m.filesystem = filesystemOf(b.work)
	m.loadStart = loadAverage()
	out, err := exec.Command(b.caddyBin, "version").Output()
	if err != nil {
		return m, err
	}
	m.caddy = strings.TrimSpace(string(out))
	return m, nil
}

// procField returns the value of the first "name : value" line of a /proc
// file, or "unknown".
func procField(path, name string) string {
	f, err := os.Open(path)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// filesystemOf returns "<device> <type>" of the mount holding dir.
func filesystemOf(dir string) string {
	dir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "unknown"
	}
	raw, err := os.ReadFile("/proc/mounts")
	if err != nil {
		return "unknown"
	}
	best, found := "", "unknown"
	for line := range strings.Lines(string(raw)) {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		mnt := f[1]
		if (dir == mnt || strings.HasPrefix(dir, strings.TrimSuffix(mnt, "/")+"/")) && len(mnt) >= len(best) {
			best, found = mnt, f[0]+" "+f[2]+" mounted on "+mnt
		}
	}
	return found
}

// loadAverage returns the 1, 5 and 15 minute load averages.
func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
