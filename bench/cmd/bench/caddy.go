package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// hookSetup is the webhook and the storage of the PLUGIN side.
type hookSetup struct {
	url     string
	retry   string // `retry` arguments
	timeout string
	async   bool // `durability async`
	extra   int  // webhooks besides the first, named bench-2, bench-3, …
	// nats, when set, holds the queue in JetStream on these servers
	// (`storage nats`, one replica per server) instead of Badger.
	nats *natsRun
}

// caddyRun is a running caddy.
type caddyRun struct {
	p   *proc
	cfg caddyConfig
	dir string
}

// base is the site's URL.
func (c *caddyRun) base() string { return fmt.Sprintf("http://127.0.0.1:%d", c.cfg.Port) }

// admin is the admin endpoint's URL.
func (c *caddyRun) admin() string { return fmt.Sprintf("http://localhost:%d", c.cfg.Admin) }

// configName names the Caddyfile of a row's side in the results: PLAIN is
// the same for every row.
func configName(key string, s side) string {
	if s == plain {
		return "PLAIN"
	}
	return key + " PLUGIN"
}

// startCaddy writes the Caddyfile of side s of the row key and runs caddy
// with it in a fresh directory.
func (b *bench) startCaddy(key string, s side, hook hookSetup) (*caddyRun, error) {
	dir, err := b.newDir("caddy-" + s.String())
	if err != nil {
		return nil, err
	}
	admin, err := freePort()
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cfg := caddyConfig{
		Side: s, Admin: admin, Port: port, Upstream: b.upstream.addr,
		Storage: filepath.Join(dir, "queue"), Workers: b.workers,
		Hook: hook.url, Retry: hook.retry, Timeout: hook.timeout, Secret: benchSecret,
		Async: hook.async,
	}
	for i := range hook.extra {
		cfg.Extra = append(cfg.Extra, fmt.Sprintf("bench-%d", i+2))
	}
	if hook.nats != nil {
		cfg.Storage, cfg.NATS, cfg.Replicas = "", hook.nats.url(), hook.nats.nodes
	}
	b.caddyfiles[configName(key, s)] = cfg.shown()
	path := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(path, cfg.render(), 0o600); err != nil {
		return nil, err
	}
	env := []string{"XDG_DATA_HOME=" + filepath.Join(dir, "data"), "XDG_CONFIG_HOME=" + filepath.Join(dir, "config")}
	p, err := startProc(dir, "caddy", b.caddyBin, env, "run", "--config", path, "--adapter", "caddyfile")
	if err != nil {
		return nil, err
	}
	c := &caddyRun{p: p, cfg: cfg, dir: dir}
	if err := waitHTTP(p, c.base()+"/"); err != nil {
		p.stop()
		return nil, err
	}
	return c, nil
}

// stop stops caddy and removes its Badger queue; its log stays.
func (c *caddyRun) stop() {
	c.p.stop()
	if c.cfg.Storage == "" {
		return
	}
	if err := os.RemoveAll(c.cfg.Storage); err != nil {
		fmt.Fprintf(os.Stderr, "bench: cannot remove %s: %v\n", c.cfg.Storage, err)
	}
}

// pauseWebhook pauses the bench webhook through the admin API when the
// running plugin has one; it reports whether it did.
func (c *caddyRun) pauseWebhook() (bool, error) {
	resp, err := ctl.Get(c.admin() + "/cms_events/queue")
	if err != nil {
		return false, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, nil
	}
	resp, err = ctl.Post(c.admin()+"/cms_events/webhooks/bench/pause", "", nil)
	if err != nil {
		return false, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("pausing the webhook through the admin API answered %s", resp.Status)
	}
	return true, nil
}

// resumeWebhook resumes the bench webhook through the admin API.
func (c *caddyRun) resumeWebhook() error {
	resp, err := ctl.Post(c.admin()+"/cms_events/webhooks/bench/resume", "", nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("resuming the webhook through the admin API answered %s", resp.Status)
	}
	return nil
}

// queueDepth reads the queue depth through the admin API; ok is false when
// the running plugin has no `/cms_events/queue`.
func (c *caddyRun) queueDepth() (depth int, ok bool, err error) {
	resp, err := ctl.Get(c.admin() + "/cms_events/queue")
	if err != nil {
		return 0, false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, false, nil
	}
	var q struct {
		Depth int `json:"depth"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&q); err != nil {
		return 0, false, fmt.Errorf("queue statistics from the admin API: %w", err)
	}
	return q.Depth, true, nil
}

// liveHeap has caddy collect its garbage and returns the heap it still
// holds: runtime.MemStats.HeapAlloc, which the admin endpoint's heap
// profile (`/debug/pprof/heap?gc=1&debug=1`) prints after the collection.
func (c *caddyRun) liveHeap() (int64, error) {
	resp, err := ctl.Get(c.admin() + "/debug/pprof/heap?gc=1&debug=1")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("heap profile from the admin API: %s", resp.Status)
	}
	return heapAllocOf(resp.Body)
}

// heapAllocOf reads the "# HeapAlloc = N" line of a text heap profile.
func heapAllocOf(r io.Reader) (int64, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "# HeapAlloc = "); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("heap profile from the admin API: %w", err)
	}
	return 0, errors.New("heap profile from the admin API has no HeapAlloc line")
}

// pid is caddy's process id.
func (c *caddyRun) pid() int { return c.p.cmd.Process.Pid }

// memory reads caddy's resident memory.
func (c *caddyRun) memory() (memory, error) { return readMemory(c.pid()) }

// cpu reads the CPU time caddy has used so far.
func (c *caddyRun) cpu() (time.Duration, error) { return readCPU(c.pid()) }
