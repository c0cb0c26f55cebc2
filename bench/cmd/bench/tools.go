package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cmsevents/caddy-cms-events/bench/internal/hook"
	"github.com/cmsevents/caddy-cms-events/bench/internal/load"
)

// ctl talks to the bench's own servers.
var ctl = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil}}

// receiver is a running bench receiver.
type receiver struct{ p *proc }

// startReceiver starts a receiver with the given flags.
func (b *bench) startReceiver(flags ...string) (*receiver, error) {
	dir, err := b.newDir("receiver")
	if err != nil {
		return nil, err
	}
	p, err := startTool(dir, "receiver", b.tool("receiver"), flags...)
	if err != nil {
		return nil, err
	}
	return &receiver{p: p}, nil
}

// url is where webhooks go.
func (r *receiver) url() string { return "http://" + r.p.addr + "/hook" }

// stats asks the receiver for its counts.
func (r *receiver) stats() (hook.Stats, error) {
	var s hook.Stats
	resp, err := ctl.Get("http://" + r.p.addr + "/_stats")
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	return s, json.NewDecoder(resp.Body).Decode(&s)
}

// open lets held calls through.
func (r *receiver) open() error {
	resp, err := ctl.Post("http://"+r.p.addr+"/_open", "", nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// arrivals returns the recorded arrivals.
func (r *receiver) arrivals() ([]hook.Arrival, error) {
	resp, err := ctl.Get("http://" + r.p.addr + "/_arrivals")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return hook.ReadArrivals(resp.Body)
}

// waitCount waits until the receiver has answered n calls or the deadline
// passes, and returns its last stats.
func (r *receiver) waitCount(n int64, within time.Duration) (hook.Stats, error) {
	deadline := time.Now().Add(within)
	for {
		s, err := r.stats()
		if err != nil || s.Count >= n {
			return s, err
		}
		if time.Now().After(deadline) {
			return s, fmt.Errorf("receiver got %d of %d webhook calls within %v", s.Count, n, within)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stop stops the receiver.
func (r *receiver) stop() {
	if r != nil {
		r.p.stop()
	}
}

// natsRun is a running bench nats tool: NATS servers with JetStream.
type natsRun struct {
	p     *proc
	nodes int
	data  string // the servers' JetStream data, removed when they stop
}

// startNATS starts the given number of NATS servers, a cluster when there
// are several, in a process of their own.
func (b *bench) startNATS(nodes int) (*natsRun, error) {
	dir, err := b.newDir("nats")
	if err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	p, err := startToolWithin(time.Minute, dir, "nats", b.tool("nats"), "-dir", data, "-nodes", strconv.Itoa(nodes))
	if err != nil {
		return nil, err
	}
	return &natsRun{p: p, nodes: nodes, data: data}, nil
}

// url returns the servers' client URLs, comma-separated.
func (n *natsRun) url() string { return n.p.addr }

// stop stops the servers and removes their data; their log stays.
func (n *natsRun) stop() {
	if n == nil {
		return
	}
	n.p.stop()
	if err := os.RemoveAll(n.data); err != nil {
		fmt.Fprintf(os.Stderr, "bench: cannot remove %s: %v\n", n.data, err)
	}
}

// runLoad runs the load tool and returns its result and its command line.
// Requests without an answer or with a non-2xx answer fail the run.
func (b *bench) runLoad(args ...string) (load.Result, string, error) {
	res, cmdline, err := b.loadResult(context.Background(), args...)
	if err != nil {
		return res, cmdline, err
	}
	return res, cmdline, checkLoad(res)
}

// checkLoad fails a run with requests that got no answer or a non-2xx one.
func checkLoad(res load.Result) error {
	if res.Errors > 0 || res.OK != res.Requests || res.OK == 0 {
		return fmt.Errorf("load run failed: %d of %d measured requests got a 2xx answer (status %v, first error %q)",
			res.OK, res.Requests, res.Status, res.FirstError)
	}
	return nil
}

// runLoadCPU is runLoad for a timed run (-warmup and -d) that also returns
// the CPU time process pid used in the load's measured window: read when
// the warmup ends and when the window ends, both timed from the load
// tool's start.
func (b *bench) runLoadCPU(pid int, args ...string) (load.Result, string, time.Duration, error) {
	var w *cpuWindow
	res, cmdline, _, err := b.execLoad(context.Background(), loadExec{started: func() {
		w = sampleCPU(pid, b.warmup, b.warmup+b.d)
	}}, args...)
	if err == nil {
		err = checkLoad(res)
	}
	if err != nil {
		return res, cmdline, 0, err
	}
	used, err := w.wait()
	if err != nil {
		return res, cmdline, 0, fmt.Errorf("CPU time of process %d: %w", pid, err)
	}
	return res, cmdline, used, nil
}

// runLoadEnv is runLoad with variables added to the load tool's
// environment (shown before the command line as given in shown) that also
// returns the tool's own CPU time, user and system, the whole process.
func (b *bench) runLoadEnv(env []string, shown string, args ...string) (load.Result, string, time.Duration, error) {
	res, cmdline, st, err := b.execLoad(context.Background(), loadExec{env: env, shownEnv: shown}, args...)
	if err == nil {
		err = checkLoad(res)
	}
	if err != nil {
		return res, cmdline, 0, err
	}
	return res, cmdline, st.UserTime() + st.SystemTime(), nil
}

// loadResult runs the load tool until it ends or ctx is done and returns
// its result, whatever the answers were, and its command line.
func (b *bench) loadResult(ctx context.Context, args ...string) (load.Result, string, error) {
	res, cmdline, _, err := b.execLoad(ctx, loadExec{}, args...)
	return res, cmdline, err
}

// loadExec is how the load tool runs, besides its flags.
type loadExec struct {
	env      []string // added to its environment
	shownEnv string   // shown before the command line in its place
	started  func()   // called once the process has started
}

// execLoad runs the load tool until it ends or ctx is done and returns its
// result, whatever the answers were, its command line and how it ended.
func (b *bench) execLoad(ctx context.Context, x loadExec, args ...string) (load.Result, string, *os.ProcessState, error) {
	cmdline := "$TOOLS/load " + shellQuote(args)
	if x.shownEnv != "" {
		cmdline = x.shownEnv + " " + cmdline
	}
	fmt.Fprintf(os.Stderr, "  $ %s\n", cmdline)
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, b.tool("load"), args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if x.env != nil {
		cmd.Env = append(os.Environ(), x.env...)
	}
	err := cmd.Start()
	if err == nil {
		if x.started != nil {
			x.started()
		}
		err = cmd.Wait()
	}
	fmt.Fprintf(os.Stderr, "    %s", stderr.String())
	if err != nil {
		return load.Result{}, cmdline, cmd.ProcessState, fmt.Errorf("load: %w: %s", err, stderr.String())
	}
	var res load.Result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return res, cmdline, cmd.ProcessState, fmt.Errorf("load printed no result: %w", err)
	}
	return res, cmdline, cmd.ProcessState, nil
}

// writeArgs are the load flags of entry writes against c.
func writeArgs(c *caddyRun, extra ...string) []string {
	return append([]string{
		"-url", c.base() + "/spaces/bench/environments/master/entries/{id}",
		"-method", "PUT",
		"-body-size", "1024",
		"-H", "Authorization: Bearer bench",
		"-H", "Content-Type: application/vnd.contentful.management.v1+json",
		"-H", "X-Contentful-Content-Type: post",
	}, extra...)
}

// shellQuote renders args as a shell command line.
func shellQuote(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a != "" && !strings.ContainsAny(a, " '\"{}*?$&;|<>()\\`!#~") {
			out[i] = a
		} else {
			out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(out, " ")
}
