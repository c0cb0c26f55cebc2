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
	if res.Errors > 0 || res.OK != res.Requests || res.OK == 0 {
		return res, cmdline, fmt.Errorf("load run failed: %d of %d measured requests got a 2xx answer (status %v, first error %q)",
			res.OK, res.Requests, res.Status, res.FirstError)
	}
	return res, cmdline, nil
}

// loadResult runs the load tool until it ends or ctx is done and returns
// its result, whatever the answers were, and its command line.
func (b *bench) loadResult(ctx context.Context, args ...string) (load.Result, string, error) {
	cmdline := "$TOOLS/load " + shellQuote(args)
	fmt.Fprintf(os.Stderr, "  $ %s\n", cmdline)
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, b.tool("load"), args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	fmt.Fprintf(os.Stderr, "    %s", stderr.String())
	if err != nil {
		return load.Result{}, cmdline, fmt.Errorf("load: %w: %s", err, stderr.String())
	}
	var res load.Result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return res, cmdline, fmt.Errorf("load printed no result: %w", err)
	}
	return res, cmdline, nil
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
