// Command bench measures the gateway side by side with a plain reverse
// proxy: one caddy binary, two configurations (PLAIN: reverse_proxy only;
// PLUGIN: cms_events + reverse_proxy), run alternately against the bench
// upstream and receiver, each row reported as the ratio PLUGIN / PLAIN of
// the medians of its rounds. It writes the results as Markdown.
//
//	bench -caddy ./caddy -tools ./bin -out RESULTS.md [-rss-1m] [-soak 10m] [-pprof] [-rows drain,gets]
//
// bench/run.sh builds everything and runs it.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// bench holds the settings and the shared processes of a run.
type bench struct {
	caddyBin  string
	tools     string
	work      string
	d, warmup time.Duration
	rounds    int
	getRounds int
	workers   int
	pprof     bool
	soak      time.Duration // length of the memory soak; 0: none
	rows      []string      // the rows to measure (-rows); nil: the default set
	findings  string        // path of the before/after record (-findings)
	pauseHow  string        // how holdByPause held deliveries (heldPaused or heldNoAdmin)

	upstream   *proc
	caddyfiles map[string]string // by name, as shown in the results
	profiles   []profile
	seq        int // numbers directories and id prefixes
}

func main() {
	b := &bench{caddyfiles: map[string]string{}}
	flag.StringVar(&b.caddyBin, "caddy", "", "caddy binary built from this checkout")
	flag.StringVar(&b.tools, "tools", "", "directory holding the upstream, receiver, nats, load and fsync binaries")
	flag.StringVar(&b.work, "work", "", "directory for the databases and logs, kept afterwards (default: a temporary directory, removed after a successful run)")
	out := flag.String("out", "RESULTS.md", "results file to write")
	flag.DurationVar(&b.d, "d", 5*time.Second, "measured duration of each timed run")
	flag.DurationVar(&b.warmup, "warmup", time.Second, "warmup before each timed run")
	flag.IntVar(&b.rounds, "rounds", 2, "rounds per row and side")
	flag.IntVar(&b.getRounds, "get-rounds", 5, "rounds of the GET row (its target is tight, and single runs vary by ±3%)")
	flag.StringVar(&b.findings, "findings", "bench/FINDINGS.md", "the record of changes and their before/after figures, copied into the results (skipped if missing)")
	flag.IntVar(&b.workers, "workers", 16, "cms_events delivery workers (and the plain client's connections)")
	rss1m := flag.Bool("rss-1m", false, "also queue 1,000,000 deliveries and measure caddy's memory (takes minutes)")
	flag.DurationVar(&b.soak, "soak", 0, "also write at 1,000/s with delivery running for this long (10m for the 10-minute soak) and sample caddy's memory every 10s (0: no soak)")
	flag.BoolVar(&b.pprof, "pprof", false, "profile caddy (CPU and heap) in one extra PLUGIN run of the main rows")
	only := flag.String("rows", "", "measure only these rows, comma-separated: "+strings.Join(rowNames, ", ")+" (default: all but rss-1m and soak, which have their own flags)")
	flag.Parse()
	if *only != "" {
		for _, name := range strings.Split(*only, ",") {
			if !slices.Contains(rowNames, name) {
				log.Fatalf("bench: -rows: unknown row %q; the rows are %s", name, strings.Join(rowNames, ", "))
			}
		}
		b.rows = strings.Split(*only, ",")
	}
	if b.caddyBin == "" || b.tools == "" {
		log.Fatal("bench: give the caddy binary with -caddy and the tools directory with -tools (bench/run.sh does both)")
	}
	keep := b.work != ""
	if !keep {
		dir, err := os.MkdirTemp("", "cms-events-bench-")
		if err != nil {
			log.Fatalf("bench: %v; set TMPDIR to a writable directory", err)
		}
		b.work = dir
	}
	if err := b.run(*out, *rss1m); err != nil {
		log.Fatalf("bench: %v\nbench: logs are kept in %s", err, b.work)
	}
	if !keep {
		os.RemoveAll(b.work)
	}
}

// run measures every row and writes the results to out.
func (b *bench) run(out string, rss1m bool) error {
	started := time.Now()
	m, err := b.machine()
	if err != nil {
		return err
	}
	dir, err := b.newDir("upstream")
	if err != nil {
		return err
	}
	if b.upstream, err = startTool(dir, "upstream", b.tool("upstream")); err != nil {
		return err
	}
	defer b.upstream.stop()

	steps := map[string]func() ([]*row, error){
		"held": b.writesHeld, "held3": one(b.writesHeldThree), "held-nats": b.writesHeldNATS,
		"delivering": one(b.writesDelivering), "delivering-nats": one(b.writesDeliveringNATS), "one": b.writesOneConnection,
		"gets": one(b.gets), "latency": one(b.latency), "drain": one(b.drain),
		"rss-1m": one(b.rssMillion), "soak": one(b.memorySoak),
	}
	chosen := b.rows
	if chosen == nil { // every row, the long ones when their flags ask for them
		chosen = slices.DeleteFunc(slices.Clone(rowNames), func(name string) bool {
			return name == "rss-1m" && !rss1m || name == "soak" && b.soak == 0
		})
	}
	if slices.Contains(chosen, "soak") && b.soak == 0 {
		b.soak = 10 * time.Minute
	}
	var rows []*row
	for _, name := range rowNames {
		if !slices.Contains(chosen, name) {
			continue
		}
		r, err := steps[name]()
		if err != nil {
			return err
		}
		rows = append(rows, r...)
	}
	findings, err := os.ReadFile(b.findings)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	res := results{machine: m, rows: rows, caddyfiles: b.caddyfiles, profiles: b.profiles, took: time.Since(started), settings: b, findings: string(findings)}
	if err := os.WriteFile(out, res.markdown(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "bench: wrote %s in %v\n", out, time.Since(started).Round(time.Second))
	return nil
}

// rowNames names the rows for -rows, in the order they run.
var rowNames = []string{"held", "held-nats", "held3", "delivering", "delivering-nats", "one", "gets", "latency", "drain", "rss-1m", "soak"}

// one adapts a step that measures one row.
func one(step func() (*row, error)) func() ([]*row, error) {
	return func() ([]*row, error) {
		r, err := step()
		return []*row{r}, err
	}
}

// tool returns the path of a bench tool binary.
func (b *bench) tool(name string) string { return filepath.Join(b.tools, name) }

// newDir makes a fresh directory in the work directory.
func (b *bench) newDir(prefix string) (string, error) {
	b.seq++
	dir := filepath.Join(b.work, fmt.Sprintf("%03d-%s", b.seq, prefix))
	return dir, os.MkdirAll(dir, 0o700)
}

// order is the order of the two sides in a round: PLAIN first in even
// rounds, PLUGIN first in odd ones, so drift over the run hits both alike.
func order(round int) []side {
	if round%2 == 0 {
		return []side{plain, plugin}
	}
	return []side{plugin, plain}
}

// idPrefix makes the entry ids of one load run unique in the whole run.
func (b *bench) idPrefix(row string, round int, s side) string {
	b.seq++
	return fmt.Sprintf("%s-%d-%s-%d-", row, round, s, b.seq)
}
