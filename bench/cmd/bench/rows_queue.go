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
	// release lets the held deliveries go and waits for all of them.
	release := func(c *caddyRun, rcv *receiver) (float64, error) {
		start := time.Now()
		if err := rcv.open(); err != nil {
			return 0, err
		}
		if b.pauseHow == heldPaused {
			start = time.Now()
			if err := c.resumeWebhook(); err != nil {
				return 0, err
			}
		}
		st, err := rcv.waitCount(drainCount, 5*time.Minute)
		if err != nil {
			return 0, err
		}
		if b.pauseHow == heldNoAdmin {
			start = time.Unix(0, st.OpenedNs)
		}
		return drainCount / time.Unix(0, st.LastNs).Sub(start).Seconds(), nil
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
				v, err := release(c, rcv)
				rate.record(plugin, v)
				return err
			})
			if err == nil && s == plain {
				err = b.plainClient(r, round, rate)
			}
			if err != nil {
				return nil, fmt.Errorf("%s, round %d, %s: %w", r.title, round+1, s, err)
			}
		}
	}
	r.configs = []string{configName(key, plain), configName(key, plugin)}
	r.notes = append(r.notes,
		"How deliveries are held while queueing: "+b.pauseHow+"; the receiver holds calls too and opens when the webhook is resumed.",
		"PLUGIN drain rate = 50,000 / (last call's arrival − the moment the webhook was resumed, or without an admin API the receiver opened).")
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
				_, err := release(c, rcv)
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

// plainClient posts drainCount calls to a fresh receiver with a plain Go
// client and records the rate.
func (b *bench) plainClient(r *row, round int, rate *metric) error {
	rcv, err := b.startReceiver()
	if err != nil {
		return err
	}
	defer rcv.stop()
	res, cmd, err := b.runLoad("-url", rcv.url(), "-method", "POST", "-body-size", "1024",
		"-H", "Content-Type: application/vnd.contentful.management.v1+json",
		"-c", strconv.Itoa(b.workers), "-n", strconv.Itoa(drainCount))
	if err != nil {
		return err
	}
	if round == 0 {
		r.commands = append(r.commands, "PLAIN client: "+cmd)
	}
	rate.record(plain, res.PerSecond)
	return nil
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
