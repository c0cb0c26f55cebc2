package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/cmsevents/caddy-cms-events/bench/internal/load"
	"github.com/cmsevents/caddy-cms-events/bench/internal/stats"
)

// drainCount is how many deliveries the drain row queues (its titles say so).
const drainCount = 50_000

// drain queues 50,000 deliveries while they are held, lets them go and
// measures the delivery rate, against a plain Go client posting the same
// number of calls to the same receiver with as many connections as there
// are delivery workers. It also reads caddy's memory with them queued.
func (b *bench) drain() (*row, error) {
	const key = "drain"
	r := &row{title: "Drain of 50,000 queued deliveries vs a plain Go client; memory with them queued"}
	rate := r.add(fmt.Sprintf("deliveries/s (PLAIN: plain Go client POSTing 1 KB to the receiver, %d connections)", b.workers), "req/s", true)
	rate.target = ratioAtLeast(0.8)
	signedRate := r.add(fmt.Sprintf("deliveries/s (PLAIN: plain Go client POSTing 1 KB with the gateway's signed Contentful headers, %d connections)", b.workers), "req/s", true)
	signedRate.target = ratioAtLeast(0.7)
	cpu := r.add("CPU per delivery (PLUGIN: caddy's utime+stime while draining ÷ 50,000; PLAIN: the signed-header client's own CPU ÷ its requests)", "µs", true)
	cpu.target = pluginAtMost(35, "µs")
	rss := r.add("caddy VmRSS after 50,000 writes (PLUGIN: all queued)", "MB", true)
	hwm := r.add("caddy VmHWM (peak) at that point", "MB", true)
	anon := r.add("of which RssAnon (heap, stacks)", "MB", true)
	file := r.add("of which RssFile (mapped files: database tables and logs)", "MB", true)
	queueing := r.add("writes/s while queueing (64 connections)", "req/s", true)
	setup := sideSetup{hold: holdByPause}
	n := strconv.Itoa(drainCount)

	fill := func(round int, s side, c *caddyRun) error {
		res, cmd, err := b.runLoad(writeArgs(c, "-c", "64", "-n", n, "-id-prefix", b.idPrefix(key, round, s))...)
		if err != nil {
			return err
		}
		r.noteCommand(round, s, cmd)
		mem, err := c.memory()
		if err != nil {
			return err
		}
		queueing.record(s, res.PerSecond)
		rss.record(s, mb(mem.rss))
		hwm.record(s, mb(mem.peak))
		anon.record(s, mb(mem.anon))
		file.record(s, mb(mem.file))
		return nil
	}
	// release lets the held deliveries go, waits for all of them and
	// returns the delivery rate and the CPU time caddy used meanwhile.
	release := func(c *caddyRun, rcv *receiver) (float64, time.Duration, error) {
		before, err := c.cpu()
		if err != nil {
			return 0, 0, err
		}
		start := time.Now()
		if err := rcv.open(); err != nil {
			return 0, 0, err
		}
		if b.pauseHow == heldPaused {
			start = time.Now()
			if err := c.resumeWebhook(); err != nil {
				return 0, 0, err
			}
		}
		st, err := rcv.waitCount(drainCount, 5*time.Minute)
		if err != nil {
			return 0, 0, err
		}
		after, err := c.cpu()
		if err != nil {
			return 0, 0, err
		}
		if b.pauseHow == heldNoAdmin {
			start = time.Unix(0, st.OpenedNs)
		}
		return drainCount / time.Unix(0, st.LastNs).Sub(start).Seconds(), after - before, nil
	}
	for round := range b.rounds {
		for _, s := range order(round) {
			err := b.withSide(key, s, setup, func(c *caddyRun, rcv *receiver) error {
				if err := fill(round, s, c); err != nil {
					return err
				}
				if s == plain {
					return nil
				}
				v, used, err := release(c, rcv)
				if err != nil {
					return err
				}
				rate.record(plugin, v)
				signedRate.record(plugin, v)
				cpu.record(plugin, perRequest(used, drainCount))
				return nil
			})
			if err == nil && s == plain {
				err = b.plainClients(r, round, rate, signedRate, cpu)
			}
			if err != nil {
				return nil, fmt.Errorf("%s, round %d, %s: %w", r.title, round+1, s, err)
			}
		}
	}
	r.configs = []string{configName(key, plain), configName(key, plugin)}
	r.notes = append(r.notes,
		"How deliveries are held while queueing: "+b.pauseHow+"; the receiver holds calls too and opens when the webhook is resumed.",
		"PLUGIN drain rate = 50,000 / (last call's arrival − the moment the webhook was resumed, or without an admin API the receiver opened).",
		"The signed-header client is the plain Go client sending, per request, what a call of the bench webhook carries (`-contentful-webhook bench`): Content-Type, X-Contentful-Topic, -Webhook-Name, -Idempotency-Key, -CRN, -Event-Datetime and -Webhook-Request-Attempt, signed over the method, path, those headers and the body with the gateway's own `delivery.Sign` (HMAC-SHA256, X-Contentful-Signature, -Signed-Headers and -Timestamp; it keys a new HMAC per call, where the gateway reuses keyed ones); its ratio is the drain against a client that does the same per-call work, without the queue.",
		fmt.Sprintf("CPU per delivery: PLUGIN is caddy's utime+stime from `/proc/<pid>/stat` (%d ticks/s, from AT_CLKTCK), read before the deliveries are let go and once the receiver has all 50,000, divided by 50,000; PLAIN is the signed-header client's own user and system CPU time (the whole process, from wait4) divided by its requests.", clockTicks()))
	if b.pprof {
		err := b.withSide(key, plugin, setup, func(c *caddyRun, rcv *receiver) error {
			if err := fill(b.rounds, plugin, c); err != nil {
				return err
			}
			if err := b.heapProfile(r.title+", all queued", c); err != nil {
				return err
			}
			d := time.Duration(float64(time.Second) * drainCount / stats.Median(rate.plugin))
			return b.cpuProfileDuring(r.title+", draining", c, d, func() error {
				_, _, err := release(c, rcv)
				return err
			})
		})
		if err != nil {
			return nil, fmt.Errorf("%s, profiled run: %w", r.title, err)
		}
		for _, m := range []*metric{rss, hwm, anon, file, queueing} {
			m.plugin = m.plugin[:b.rounds]
		}
	}
	return r, nil
}

// loadSecretEnv is the load tool's variable for the secret that
// -contentful-webhook signs with.
const loadSecretEnv = "LOAD_SIGNING_SECRET"

// plainClients posts drainCount calls to a fresh receiver with a plain Go
// client, once bare and once with the headers and signature the gateway
// sends, and records their rates and the signed client's CPU per call.
func (b *bench) plainClients(r *row, round int, rate, signedRate, cpu *metric) error {
	args := []string{"-method", "POST", "-body-size", "1024",
		"-H", "Content-Type: application/vnd.contentful.management.v1+json",
		"-c", strconv.Itoa(b.workers), "-n", strconv.Itoa(drainCount)}
	bare, cmd, _, err := b.postToReceiver(nil, "", args...)
	if err != nil {
		return err
	}
	signed, signedCmd, used, err := b.postToReceiver([]string{loadSecretEnv + "=" + benchSecret}, loadSecretEnv+"='<64 characters>'",
		append(args, "-contentful-webhook", "bench")...)
	if err != nil {
		return err
	}
	if round == 0 {
		r.commands = append(r.commands, "PLAIN client: "+cmd, "PLAIN signed-header client: "+signedCmd)
	}
	rate.record(plain, bare.PerSecond)
	signedRate.record(plain, signed.PerSecond)
	cpu.record(plain, perRequest(used, signed.OK))
	return nil
}

// postToReceiver runs the load tool with args against a fresh receiver and
// returns its result, its command line and its own CPU time.
func (b *bench) postToReceiver(env []string, shownEnv string, args ...string) (load.Result, string, time.Duration, error) {
	rcv, err := b.startReceiver()
	if err != nil {
		return load.Result{}, "", 0, err
	}
	defer rcv.stop()
	return b.runLoadEnv(env, shownEnv, append([]string{"-url", rcv.url()}, args...)...)
}

// rssMillion queues 1,000,000 deliveries and reads caddy's memory.
func (b *bench) rssMillion() (*row, error) {
	const key, count = "rss-1m", 1_000_000
	r := &row{title: "Memory with 1,000,000 queued deliveries (PLUGIN only, one run)"}
	rss := r.add("caddy VmRSS right after the last write", "MB", false)
	rss.target = pluginAtMost(150, "MB")
	anon := r.add("of which RssAnon (heap, stacks)", "MB", false)
	file := r.add("of which RssFile (mapped files: database tables and logs)", "MB", false)
	hwm := r.add("caddy VmHWM (peak)", "MB", false)
	later := r.add("caddy VmRSS 10 s later", "MB", false)
	laterAnon := r.add("of which RssAnon", "MB", false)
	took := r.add("time to queue them (64 connections)", "s", false)
	rate := r.add("writes/s while queueing", "req/s", false)
	disk := r.add("storage directory, apparent size", "MB", false)
	// Paused deliveries would be walked by every claim (see the paused
	// rows), which makes queueing a million of them far too slow.
	setup := sideSetup{hold: holdByReceiver}
	err := b.withSide(key, plugin, setup, func(c *caddyRun, _ *receiver) error {
		start := time.Now()
		res, cmd, err := b.runLoad(writeArgs(c, "-c", "64", "-n", strconv.Itoa(count), "-id-prefix", b.idPrefix(key, 0, plugin))...)
		if err != nil {
			return err
		}
		took.record(plugin, time.Since(start).Seconds())
		r.noteCommand(0, plugin, cmd)
		rate.record(plugin, res.PerSecond)
		mem, err := c.memory()
		if err != nil {
			return err
		}
		rss.record(plugin, mb(mem.rss))
		anon.record(plugin, mb(mem.anon))
		file.record(plugin, mb(mem.file))
		hwm.record(plugin, mb(mem.peak))
		size, err := dirSize(c.cfg.Storage)
		if err != nil {
			return err
		}
		disk.record(plugin, mb(size))
		if b.pprof {
			if err := b.heapProfile(r.title, c); err != nil {
				return err
			}
		}
		time.Sleep(10 * time.Second) // the figure is memory after ten idle seconds
		if mem, err = c.memory(); err != nil {
			return err
		}
		later.record(plugin, mb(mem.rss))
		laterAnon.record(plugin, mb(mem.anon))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.title, err)
	}
	r.configs = []string{configName(key, plugin)}
	r.notes = append(r.notes, "How deliveries are held: "+heldByReceiverNote+". (Not paused: a paused webhook's deliveries are walked by every claim, which slows queueing down more the longer the queue is; see the paused rows.)")
	return r, nil
}

// measureFsync runs the fsync tool in dir.
func (b *bench) measureFsync(dir string) (stats.Summary, string, error) {
	args := []string{"-dir", dir, "-d", "2s", "-size", "1024"}
	cmdline := "$TOOLS/fsync " + shellQuote(args)
	fmt.Fprintf(os.Stderr, "  $ %s\n", cmdline)
	var s stats.Summary
	out, err := exec.Command(b.tool("fsync"), args...).Output()
	if err != nil {
		return s, cmdline, fmt.Errorf("fsync: %w", err)
	}
	return s, cmdline, json.Unmarshal(out, &s)
}

// mb converts bytes to megabytes (10⁶ bytes).
func mb(n int64) float64 { return float64(n) / 1e6 }

// dirSize adds up the apparent sizes of the files under dir.
func dirSize(dir string) (int64, error) {
	var total int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		total += info.Size()
		return nil
	})
	return total, err
}
