package main

import (
	"fmt"

	"github.com/cmsevents/caddy-cms-events/bench/internal/stats"
)

// metric is one measured quantity of a row, per round and side.
type metric struct {
	name   string
	unit   string
	plain  []float64 // nil when only the plugin side has it
	plugin []float64
	// target, when set, is the goal the medians should meet.
	target *target
}

// target is a goal for a metric.
type target struct {
	desc  string // "≥ 0.85×"
	check func(plainMed, pluginMed float64) bool
}

// ratio returns median(plugin) / median(plain), or 0 without a plain side.
func (m *metric) ratio() float64 {
	p := stats.Median(m.plain)
	if len(m.plain) == 0 || p == 0 {
		return 0
	}
	return stats.Median(m.plugin) / p
}

// verdict says whether the target is met: "yes", "**no**" or "".
func (m *metric) verdict() string {
	if m.target == nil {
		return ""
	}
	if m.target.check(stats.Median(m.plain), stats.Median(m.plugin)) {
		return "yes"
	}
	return "**no**"
}

// ratioAtLeast is a target on the ratio of medians.
func ratioAtLeast(min float64) *target {
	return &target{fmt.Sprintf("≥ %.2f×", min), func(pl, pg float64) bool { return pl > 0 && pg/pl >= min }}
}

// ratioAtMost is a target on the ratio of medians.
func ratioAtMost(max float64) *target {
	return &target{fmt.Sprintf("≤ %.2f×", max), func(pl, pg float64) bool { return pl > 0 && pg/pl <= max }}
}

// pluginAtMost is a target on the plugin's median alone.
func pluginAtMost(max float64, unit string) *target {
	return &target{fmt.Sprintf("≤ %g %s", max, unit), func(_, pg float64) bool { return pg <= max }}
}

// row is one line of the results: what was measured and how.
type row struct {
	title    string
	metrics  []*metric
	notes    []string
	commands []string // exact commands of the first round
	configs  []string // names of the Caddyfiles used
}

// add appends a metric and returns it.
func (r *row) add(name, unit string, withPlain bool) *metric {
	m := &metric{name: name, unit: unit}
	if withPlain {
		m.plain = []float64{}
	}
	r.metrics = append(r.metrics, m)
	return m
}

// record appends one round's value for side s.
func (m *metric) record(s side, v float64) {
	if s == plain {
		m.plain = append(m.plain, v)
	} else {
		m.plugin = append(m.plugin, v)
	}
}

// noteCommand keeps the command of the first round.
func (r *row) noteCommand(round int, s side, cmd string) {
	if round == 0 {
		r.commands = append(r.commands, s.String()+": "+cmd)
	}
}
