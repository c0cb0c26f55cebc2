package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// profile is a pprof summary of caddy during one row.
type profile struct {
	row  string
	kind string // what the summary shows
	top  string // `go tool pprof -top` output
}

// cpuProfileDuring records caddy's CPU profile for d while fn runs and
// keeps its summary.
func (b *bench) cpuProfileDuring(row string, c *caddyRun, d time.Duration, fn func() error) error {
	file := filepath.Join(c.dir, "cpu.pprof")
	secs := max(int(d.Round(time.Second)/time.Second), 1)
	got := make(chan error, 1)
	go func() {
		got <- fetch(fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", c.admin(), secs), file, d+30*time.Second)
	}()
	if err := fn(); err != nil {
		<-got
		return err
	}
	if err := <-got; err != nil {
		return fmt.Errorf("CPU profile: %w", err)
	}
	if err := b.keepProfile(row, "CPU: top functions by own time", file); err != nil {
		return err
	}
	return b.keepProfile(row, "CPU: the plugin's and its storage's functions by cumulative time", file,
		"-cum", "-show=caddy-cms-events|badger|ristretto|nats-io")
}

// heapProfile records caddy's heap profile now and keeps its summary.
func (b *bench) heapProfile(row string, c *caddyRun) error {
	file := filepath.Join(c.dir, "heap.pprof")
	if err := fetch(c.admin()+"/debug/pprof/heap", file, time.Minute); err != nil {
		return fmt.Errorf("heap profile: %w", err)
	}
	return b.keepProfile(row, "heap in use", file, "-sample_index=inuse_space")
}

// keepProfile summarises a profile file with `go tool pprof -top`.
func (b *bench) keepProfile(row, kind, file string, flags ...string) error {
	args := append([]string{"tool", "pprof", "-top", "-nodecount=25"}, flags...)
	out, err := exec.Command("go", append(args, b.caddyBin, file)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("go tool pprof: %w: %s", err, out)
	}
	b.profiles = append(b.profiles, profile{row: row, kind: kind, top: string(out)})
	return nil
}

// fetch saves the answer of a GET to url in file.
func fetch(url, file string, timeout time.Duration) error {
	client := &http.Client{Timeout: timeout, Transport: &http.Transport{Proxy: nil}}
	defer client.CloseIdleConnections()
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
