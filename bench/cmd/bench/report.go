package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/cmsevents/caddy-cms-events/bench/internal/stats"
)

// results is everything the results file shows.
type results struct {
	machine    machineInfo
	rows       []*row
	caddyfiles map[string]string
	profiles   []profile
	took       time.Duration
	settings   *bench
	findings   string // the hand-kept record of changes and their before/after figures
}

// markdown renders the results file.
func (res results) markdown() []byte {
	var w strings.Builder
	b, m := res.settings, res.machine
	invocation := os.Getenv("BENCH_INVOCATION")
	if invocation == "" {
		invocation = "bench/run.sh"
	}
	fmt.Fprintf(&w, "# Benchmark: cms_events vs plain reverse_proxy\n\n")
	source := os.Getenv("BENCH_SOURCE")
	if source == "" {
		source = "unknown"
	}
	fmt.Fprintf(&w, "Written by `%s` on %s from source %s; the run took %v. Every figure below comes from that run.\n\n",
		invocation, time.Now().UTC().Format("2006-01-02 15:04 MST"), source, res.took.Round(time.Second))

	fmt.Fprintf(&w, "## Machine\n\n")
	fmt.Fprintf(&w, "| | |\n|---|---|\n")
	fmt.Fprintf(&w, "| CPUs (nproc) | %d |\n| CPU model | %s |\n| memory | %s |\n| kernel | %s |\n| work directory filesystem | %s |\n| Go | %s |\n| Caddy | %s |\n| load average (1, 5, 15 min) at start / end | %s / %s |\n| clock ticks per second of `/proc/<pid>/stat` (AT_CLKTCK) | %d |\n\n",
		m.cpus, m.cpuModel, m.memory, m.kernel, m.filesystem, m.goVersion, m.caddy, m.loadStart, loadAverage(), clockTicks())

	fmt.Fprintf(&w, "## Method\n\n")
	fmt.Fprintf(&w, "One `caddy` binary built from this checkout runs two configurations: **PLAIN** (`reverse_proxy` only) and "+
		"**PLUGIN** (`cms_events` with one signed webhook on `Entry.*`, then `reverse_proxy`), both in front of the same "+
		"stand-in CMS (`bench/cmd/upstream`: PUT entries → 201 with a ~1 KB entity, GET → 200). Webhooks go to "+
		"`bench/cmd/receiver` (answers 200, counts calls, can hold them and record arrival times). Load comes from "+
		"`bench/cmd/load`. Everything listens on 127.0.0.1 only. Each row runs PLAIN and PLUGIN alternately "+
		"(PLAIN first in odd rounds, PLUGIN first in even ones), %d rounds per side (%d for reads), each with a fresh caddy "+
		"and a fresh queue directory; timed runs measure %v after a %v warmup. Figures are medians of the rounds; "+
		"ratios are median(PLUGIN) / median(PLAIN). The delivery workers: %d. `$TOOLS` in the commands is the "+
		"directory `bench/run.sh` builds the tools into; ports are picked free at run time. Run it again with "+
		"`bench/run.sh` (add `-rss-1m` for the 1,000,000-delivery memory row, `-soak 10m` for the memory soak, `-pprof` for the profiles).\n\n",
		b.rounds, b.getRounds, b.d, b.warmup, b.workers)

	fmt.Fprintf(&w, "## Summary\n\n")
	fmt.Fprintf(&w, "| row | metric | PLAIN | PLUGIN | PLUGIN / PLAIN | target | met |\n|---|---|--:|--:|--:|---|---|\n")
	var missed []string
	for _, r := range res.rows {
		for i, mt := range r.metrics {
			title := ""
			if i == 0 {
				title = "**" + r.title + "**"
			}
			plainCell, ratioCell := "—", "—"
			if mt.plain != nil {
				plainCell = format(stats.Median(mt.plain), mt.unit)
			}
			if q := mt.ratio(); q > 0 {
				ratioCell = fmt.Sprintf("%.3f", q)
			}
			target := ""
			if mt.target != nil {
				target = mt.target.desc
			}
			fmt.Fprintf(&w, "| %s | %s | %s | %s | %s | %s | %s |\n", title, mt.name, plainCell,
				format(stats.Median(mt.plugin), mt.unit), ratioCell, target, mt.verdict())
			if mt.verdict() == "**no**" {
				missed = append(missed, fmt.Sprintf("%s — %s: target %s", r.title, mt.name, target))
			}
		}
	}
	fmt.Fprintf(&w, "\n")
	if len(missed) > 0 {
		fmt.Fprintf(&w, "Targets missed:\n\n")
		for _, s := range missed {
			fmt.Fprintf(&w, "- %s\n", s)
		}
		fmt.Fprintf(&w, "\n")
	} else {
		fmt.Fprintf(&w, "Every target was met.\n\n")
	}
	if res.findings != "" {
		fmt.Fprintf(&w, "## Before and after\n\nWhat was profiled and changed where targets were missed, with the figures of the runs named there "+
			"(not of this run). Kept in `bench/FINDINGS.md` and copied here by every run.\n\n%s\n", strings.TrimSpace(res.findings))
	}

	fmt.Fprintf(&w, "## Rows\n\n")
	for _, r := range res.rows {
		fmt.Fprintf(&w, "### %s\n\n", r.title)
		fmt.Fprintf(&w, "| metric | PLAIN rounds | PLUGIN rounds |\n|---|---|---|\n")
		for _, mt := range r.metrics {
			fmt.Fprintf(&w, "| %s (%s) | %s | %s |\n", mt.name, mt.unit, rounds(mt.plain, mt.unit), rounds(mt.plugin, mt.unit))
		}
		fmt.Fprintf(&w, "\n")
		for _, n := range r.notes {
			fmt.Fprintf(&w, "%s\n\n", n)
		}
		fmt.Fprintf(&w, "Caddyfiles: %s. Commands (first round):\n\n```sh\n", strings.Join(quoted(r.configs), ", "))
		for _, c := range r.commands {
			fmt.Fprintf(&w, "# %s\n", c)
		}
		fmt.Fprintf(&w, "```\n\n")
	}

	fmt.Fprintf(&w, "## Caddyfiles\n\nAs run (ports from the last run; the signing secret left out). PLAIN is the same in every row.\n\n")
	names := make([]string, 0, len(res.caddyfiles))
	for n := range res.caddyfiles {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(&w, "<details><summary>%s</summary>\n\n```caddyfile\n%s```\n\n</details>\n\n", n, res.caddyfiles[n])
	}

	if len(res.profiles) > 0 {
		fmt.Fprintf(&w, "## Profiles of caddy (PLUGIN)\n\nFrom one extra, unmeasured PLUGIN run per row, taken through caddy's admin endpoint (`/debug/pprof/profile` during the load, `/debug/pprof/heap` after it) and summarised with `go tool pprof -top -nodecount=25`. The CPU profile is shown twice: by own time, and by cumulative time with `-cum -show='caddy-cms-events|badger|ristretto|nats-io'`; in that second view percentages are of all of caddy's CPU time and only the cum column is meaningful (flat there includes the hidden callees).\n\n")
		for _, p := range res.profiles {
			fmt.Fprintf(&w, "<details><summary>%s — %s</summary>\n\n```\n%s```\n\n</details>\n\n", p.row, p.kind, p.top)
		}
	}
	return []byte(w.String())
}

// format renders a value in its unit's precision.
func format(v float64, unit string) string {
	switch unit {
	case "req/s", "calls", "writes", "deliveries":
		return fmt.Sprintf("%.0f", v)
	case "ms", "MB/min":
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.1f", v)
	}
}

// rounds renders the values of the rounds, or "—".
func rounds(values []float64, unit string) string {
	if len(values) == 0 {
		return "—"
	}
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = format(v, unit)
	}
	return strings.Join(out, ", ")
}

// quoted wraps each name in backticks.
func quoted(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "`" + n + "`"
	}
	return out
}
