package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/cmsevents/caddy-cms-events/bench/internal/hook"
	"github.com/cmsevents/caddy-cms-events/bench/internal/stats"
)

// latencyRate is the fixed write rate of the latency row (its title says so).
const latencyRate = 1000

// latency measures, at a fixed write rate, the client's latency on both
// sides and, for PLUGIN, the time from the client's 2xx answer to the
// webhook call's arrival at the receiver (same machine, same clock).
func (b *bench) latency() (*row, error) {
	const key = "latency"
	r := &row{title: "Event → webhook latency at a fixed 1,000 writes/s (open loop)"}
	rate := r.add("writes answered", "req/s", true)
	cp50 := r.add("client latency p50", "ms", true)
	cp99 := r.add("client latency p99", "ms", true)
	wp50 := r.add("webhook latency p50 (receiver arrival − client's 2xx time)", "ms", false)
	wp99 := r.add("webhook latency p99", "ms", false)
	missing := r.add("webhook calls missing 60 s after the load", "calls", false)
	wp50.target, wp99.target = pluginAtMost(5, "ms"), pluginAtMost(50, "ms")
	setup := sideSetup{record: true}

	run := func(round int, s side, c *caddyRun, rcv *receiver) error {
		dir, err := b.newDir("answers")
		if err != nil {
			return err
		}
		file := filepath.Join(dir, "answers.txt")
		res, cmd, err := b.runLoad(writeArgs(c,
			"-rate", fmt.Sprint(latencyRate), "-c", "512", "-d", b.d.String(), "-warmup", b.warmup.String(),
			"-id-prefix", b.idPrefix(key, round, s), "-record", file)...)
		if err != nil {
			return err
		}
		r.noteCommand(round, s, cmd)
		rate.record(s, res.PerSecond)
		cp50.record(s, ms(res.Latency.P50))
		cp99.record(s, ms(res.Latency.P99))
		if s == plain {
			return nil
		}
		if _, err := rcv.waitCount(int64(res.Sent), time.Minute); err != nil {
			fmt.Fprintf(os.Stderr, "  %v\n", err)
		}
		arrivals, err := rcv.arrivals()
		if err != nil {
			return err
		}
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		answers, err := hook.ReadArrivals(f) // the same "<id> <unix ns>" lines
		f.Close()
		if err != nil {
			return err
		}
		lat, miss := webhookLatency(answers, arrivals)
		sum := stats.Summarize(lat)
		wp50.record(plugin, ms(sum.P50))
		wp99.record(plugin, ms(sum.P99))
		missing.record(plugin, float64(miss))
		return nil
	}
	for round := range b.rounds {
		for _, s := range order(round) {
			if err := b.withSide(key, s, setup, func(c *caddyRun, rcv *receiver) error { return run(round, s, c, rcv) }); err != nil {
				return nil, fmt.Errorf("%s, round %d, %s: %w", r.title, round+1, s, err)
			}
		}
	}
	r.configs = []string{configName(key, plain), configName(key, plugin)}
	r.notes = append(r.notes, "Webhook latency is taken over the measured writes (after the warmup); each write's entry id is matched to the call's `X-Contentful-CRN`.")
	if b.pprof {
		err := b.withSide(key, plugin, setup, func(c *caddyRun, rcv *receiver) error {
			return b.cpuProfileDuring(r.title, c, b.warmup+b.d, func() error { return run(b.rounds, plugin, c, rcv) })
		})
		if err != nil {
			return nil, fmt.Errorf("%s, profiled run: %w", r.title, err)
		}
		// The profiled run's figures are not part of the rounds.
		for _, m := range r.metrics {
			m.plugin = m.plugin[:b.rounds]
		}
	}
	return r, nil
}

// webhookLatency matches each answer to the first call about the same id
// and returns arrival − answer for each; missing counts answers without a
// call.
func webhookLatency(answers, arrivals []hook.Arrival) (lat []time.Duration, missing int) {
	first := make(map[string]time.Time, len(arrivals))
	for _, a := range arrivals {
		if _, seen := first[a.ID]; !seen {
			first[a.ID] = a.At
		}
	}
	for _, a := range answers {
		at, ok := first[a.ID]
		if !ok {
			missing++
			continue
		}
		lat = append(lat, at.Sub(a.At))
	}
	return lat, missing
}
