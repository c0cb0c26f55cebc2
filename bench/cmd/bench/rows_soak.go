package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/cmsevents/caddy-cms-events/bench/internal/load"
)

// soakEvery is how often the soak row samples caddy (its notes say so).
const soakEvery = 10 * time.Second

// soakFlat is the most RssAnon may grow per minute after the warm-up for
// the soak to count as flat (its target says so).
const soakFlat = 1.0

// soakSample is caddy's state at one moment of the soak.
type soakSample struct {
	at    time.Duration // since the load started
	mem   memory
	live  int64 // the heap caddy holds right after a collection (liveHeap)
	depth int   // queue depth; -1 when the admin API does not tell it
	calls int64 // webhook calls the receiver has answered
}

// memorySoak writes at a fixed rate for the soak duration while the
// webhooks are delivered as they come, samples caddy's memory and queue
// depth every 10 s and reports how memory moved after the warm-up.
func (b *bench) memorySoak() (*row, error) {
	const key = "soak"
	warmup := soakWarmup(b.soak)
	r := &row{title: fmt.Sprintf("Memory over a %s soak: writes (PUT, unique ids, 1 KB) at a fixed 1,000/s, delivery running (PLUGIN only, one run)", shortDuration(b.soak))}
	rssWarm := r.add(fmt.Sprintf("caddy VmRSS at the end of the warm-up (%s)", shortDuration(warmup)), "MB", false)
	anonWarm := r.add("of which RssAnon (heap, stacks)", "MB", false)
	rssEnd := r.add(fmt.Sprintf("caddy VmRSS at the end (%s)", shortDuration(b.soak)), "MB", false)
	anonEnd := r.add("of which RssAnon", "MB", false)
	rssMax := r.add("caddy VmRSS, maximum after the warm-up", "MB", false)
	anonMax := r.add("RssAnon, maximum after the warm-up", "MB", false)
	rssGrowth := r.add("VmRSS growth after the warm-up (end − end of warm-up)", "MB", false)
	anonGrowth := r.add("RssAnon growth after the warm-up", "MB", false)
	rssSlope := r.add("VmRSS growth rate after the warm-up (least-squares slope)", "MB/min", false)
	anonSlope := r.add("RssAnon growth rate after the warm-up (least-squares slope)", "MB/min", false)
	anonSlope.target = pluginAtMost(soakFlat, "MB/min")
	liveWarm := r.add("live heap (HeapAlloc right after a forced collection) at the end of the warm-up", "MB", false)
	liveEnd := r.add("live heap at the end", "MB", false)
	liveMax := r.add("live heap, maximum after the warm-up", "MB", false)
	liveSlope := r.add("live heap growth rate after the warm-up (least-squares slope)", "MB/min", false)
	fileEnd := r.add("RssFile at the end (mapped database pages, reclaimable; for information)", "MB", false)
	answered := r.add("writes answered 2xx", "writes", false)
	failed := r.add("writes without a 2xx answer", "writes", false)
	latP50 := r.add("write latency p50 (from its scheduled time, over the whole soak)", "ms", false)
	latP99 := r.add("write latency p99", "ms", false)
	latMax := r.add("write latency, longest", "ms", false)
	callsEnd := r.add("webhook calls received by the end of the load, % of writes answered", "%", false)
	callsLater := r.add("webhook calls received within 60 s after the load, % of writes answered", "%", false)

	var samples []soakSample
	var res load.Result
	err := b.withSide(key, plugin, sideSetup{}, func(c *caddyRun, rcv *receiver) error {
		var cmd string
		var err error
		args := writeArgs(c, "-rate", fmt.Sprint(latencyRate), "-c", "512", "-d", b.soak.String(), "-id-prefix", b.idPrefix(key, 0, plugin))
		samples, res, cmd, err = b.soakLoad(c, rcv, soakTimes(b.soak, soakEvery, warmup), args)
		if err != nil {
			return err
		}
		r.noteCommand(0, plugin, cmd)
		st, err := rcv.stats()
		if err != nil {
			return err
		}
		callsEnd.record(plugin, percentOf(st.Count, res.OK))
		if st, err = rcv.waitCount(int64(res.OK), time.Minute); err != nil {
			fmt.Fprintf(os.Stderr, "  %v\n", err)
		}
		callsLater.record(plugin, percentOf(st.Count, res.OK))
		if b.pprof {
			return b.heapProfile(r.title+", at the end", c)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.title, err)
	}
	rss := driftOf(samples, warmup, func(s soakSample) int64 { return s.mem.rss })
	anon := driftOf(samples, warmup, func(s soakSample) int64 { return s.mem.anon })
	live := driftOf(samples, warmup, func(s soakSample) int64 { return s.live })
	for m, v := range map[*metric]float64{
		rssWarm: rss.atWarmup, anonWarm: anon.atWarmup, rssEnd: rss.atEnd, anonEnd: anon.atEnd,
		rssMax: rss.max, anonMax: anon.max, rssGrowth: rss.growth, anonGrowth: anon.growth,
		rssSlope: rss.slope, anonSlope: anon.slope,
		liveWarm: live.atWarmup, liveEnd: live.atEnd, liveMax: live.max, liveSlope: live.slope,
		fileEnd:  mb(samples[len(samples)-1].mem.file),
		answered: float64(res.OK), failed: float64(res.Requests - res.OK),
		latP50: ms(res.Latency.P50), latP99: ms(res.Latency.P99), latMax: ms(res.Latency.Max),
	} {
		m.record(plugin, v)
	}
	if last := samples[len(samples)-1]; last.depth >= 0 {
		r.add("queue depth at the end of the load", "deliveries", false).record(plugin, float64(last.depth))
	}
	r.configs = []string{configName(key, plugin)}
	r.notes = append(r.notes, fmt.Sprintf("Caddy is sampled every %v from the start of the load: VmRSS, RssAnon and RssFile from `/proc/<pid>/status`, "+
		"the queue depth from the admin API (`GET /cms_events/queue`), the receiver's call count; the receiver answers every call 200 at once. The warm-up is the first minute, "+
		"or a tenth of the soak when that is shorter; \"after the warm-up\" means the samples from its end on, and the growth rates are "+
		"least-squares slopes over them. Flat means RssAnon grows at most %g MB/min. RssFile counts the resident pages of mapped files, "+
		"mostly the database's tables and value log (and caddy's own binary): pages the kernel can reclaim, so it is shown for information "+
		"and VmRSS, which includes it, has no target here. RssAnon also holds heap that the garbage collector freed but the runtime has "+
		"not yet returned to the kernel, so a burst of allocation (a Badger compaction builds its tables in buffers of several MB) "+
		"raises it for a while; the live heap, read from the admin endpoint's heap profile (`/debug/pprof/heap?gc=1&debug=1`, "+
		"`HeapAlloc` right after the forced collection) at every sample, is what caddy keeps, and is the figure that shows a leak. "+
		"That collection, one every %v, can make RssAnon lower than in a run that does not sample the live heap.",
		soakEvery, soakFlat, soakEvery))
	if res.OK != res.Requests {
		r.notes = append(r.notes, fmt.Sprintf("%d writes got no 2xx answer (answers by status %v, first error %q).",
			res.Requests-res.OK, res.Status, res.FirstError))
	}
	r.notes = append(r.notes, "<details><summary>Samples</summary>\n\n"+soakTable(samples)+"\n</details>")
	return r, nil
}

// soakLoad runs the load tool with args and samples caddy at the given
// moments from its start.
func (b *bench) soakLoad(c *caddyRun, rcv *receiver, times []time.Duration, args []string) ([]soakSample, load.Result, string, error) {
	type outcome struct {
		res load.Result
		cmd string
		err error
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // stops the load when sampling fails
	done := make(chan outcome, 1)
	start := time.Now()
	go func() {
		res, cmd, err := b.loadResult(ctx, args...)
		done <- outcome{res, cmd, err}
	}()
	var samples []soakSample
	var out *outcome
	for _, t := range times {
		if out == nil {
			select {
			case o := <-done:
				if o.err != nil {
					return nil, o.res, o.cmd, o.err
				}
				out = &o
			case <-time.After(time.Until(start.Add(t))):
			}
		}
		s, err := sampleSoak(c, rcv, time.Since(start))
		if err != nil {
			return nil, load.Result{}, "", err
		}
		samples = append(samples, s)
		fmt.Fprintf(os.Stderr, "  soak %v: VmRSS %.1f MB (RssAnon %.1f, RssFile %.1f), live heap %.1f MB, queue depth %d, webhook calls %d\n",
			s.at.Round(time.Second), mb(s.mem.rss), mb(s.mem.anon), mb(s.mem.file), mb(s.live), s.depth, s.calls)
	}
	if out == nil {
		o := <-done
		out = &o
	}
	return samples, out.res, out.cmd, out.err
}

// sampleSoak reads caddy's memory and queue depth and the receiver's count.
func sampleSoak(c *caddyRun, rcv *receiver, at time.Duration) (soakSample, error) {
	s := soakSample{at: at, depth: -1}
	var err error
	if s.mem, err = c.memory(); err != nil {
		return s, err
	}
	if s.live, err = c.liveHeap(); err != nil {
		return s, err
	}
	depth, ok, err := c.queueDepth()
	if err != nil {
		return s, err
	}
	if ok {
		s.depth = depth
	}
	st, err := rcv.stats()
	s.calls = st.Count
	return s, err
}

// soakWarmup is the warm-up of a soak of duration d: the first minute, or
// a tenth of d when that is shorter.
func soakWarmup(d time.Duration) time.Duration { return min(time.Minute, d/10) }

// soakTimes are the moments, from the start of a soak of duration d, to
// sample it at: 0 and every `every`, the end of the warm-up and the end.
func soakTimes(d, every, warmup time.Duration) []time.Duration {
	var ts []time.Duration
	for t := time.Duration(0); t < d; t += every {
		ts = append(ts, t)
	}
	ts = append(ts, warmup, d)
	slices.Sort(ts)
	return slices.Compact(ts)
}

// drift is how one memory figure moved after the soak's warm-up, in MB.
type drift struct {
	atWarmup, atEnd, max float64
	growth               float64 // atEnd − atWarmup
	slope                float64 // MB per minute, least squares
}

// driftOf summarises the figure pick picks from the samples taken at or
// after warmup; without such samples it is zero.
func driftOf(samples []soakSample, warmup time.Duration, pick func(soakSample) int64) drift {
	var mins, mbs []float64
	for _, s := range samples {
		if s.at >= warmup {
			mins = append(mins, s.at.Minutes())
			mbs = append(mbs, mb(pick(s)))
		}
	}
	if len(mbs) == 0 {
		return drift{}
	}
	first, last := mbs[0], mbs[len(mbs)-1]
	return drift{atWarmup: first, atEnd: last, max: slices.Max(mbs), growth: last - first, slope: slope(mins, mbs)}
}

// slope is the least-squares slope of ys over xs; it is 0 when the xs do
// not have two distinct values.
func slope(xs, ys []float64) float64 {
	n := float64(len(xs))
	if n == 0 {
		return 0
	}
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx, my = mx/n, my/n
	var sxy, sxx float64
	for i := range xs {
		dx := xs[i] - mx
		sxy += dx * (ys[i] - my)
		sxx += dx * dx
	}
	if sxx == 0 {
		return 0
	}
	return sxy / sxx
}

// percentOf is n as a percentage of total; a zero total gives 0.
func percentOf(n int64, total int) float64 {
	if total == 0 {
		return 0
	}
	return 100 * float64(n) / float64(total)
}

// soakTable renders the samples as a Markdown table.
func soakTable(samples []soakSample) string {
	var w strings.Builder
	w.WriteString("| t | VmRSS (MB) | RssAnon (MB) | RssFile (MB) | live heap (MB) | queue depth | webhook calls |\n|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, s := range samples {
		depth := "—"
		if s.depth >= 0 {
			depth = fmt.Sprint(s.depth)
		}
		fmt.Fprintf(&w, "| %v | %.1f | %.1f | %.1f | %.1f | %s | %d |\n",
			s.at.Round(time.Second), mb(s.mem.rss), mb(s.mem.anon), mb(s.mem.file), mb(s.live), depth, s.calls)
	}
	return w.String()
}

// shortDuration renders d without the zero units Duration.String ends
// whole minutes and hours with: 10m, 1h, 1m30s, 45s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
