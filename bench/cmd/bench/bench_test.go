package main

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cmsevents/caddy-cms-events/bench/internal/hook"
)

func TestWebhookLatency(t *testing.T) {
	at := func(ms int) time.Time { return time.Unix(100, 0).Add(time.Duration(ms) * time.Millisecond) }
	tests := []struct {
		name        string
		answers     []hook.Arrival
		arrivals    []hook.Arrival
		want        []time.Duration
		wantMissing int
	}{
		{"none", nil, nil, nil, 0},
		{
			"matched by id, first call counts",
			[]hook.Arrival{{ID: "a", At: at(10)}, {ID: "b", At: at(20)}},
			[]hook.Arrival{{ID: "b", At: at(23)}, {ID: "a", At: at(12)}, {ID: "a", At: at(40)}},
			[]time.Duration{2 * time.Millisecond, 3 * time.Millisecond}, 0,
		},
		{
			"call before the answer is negative",
			[]hook.Arrival{{ID: "a", At: at(10)}},
			[]hook.Arrival{{ID: "a", At: at(9)}},
			[]time.Duration{-time.Millisecond}, 0,
		},
		{
			"missing calls and unrelated ones",
			[]hook.Arrival{{ID: "a", At: at(10)}, {ID: "b", At: at(10)}},
			[]hook.Arrival{{ID: "z", At: at(11)}, {ID: "b", At: at(15)}},
			[]time.Duration{5 * time.Millisecond}, 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, missing := webhookLatency(tt.answers, tt.arrivals)
			if missing != tt.wantMissing || len(got) != len(tt.want) {
				t.Fatalf("got %v, %d missing; want %v, %d missing", got, missing, tt.want, tt.wantMissing)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("latency %d = %v, want %v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestShellQuote(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-c", "64"}, "-c 64"},
		{[]string{"-url", "http://127.0.0.1:1/e/{id}"}, "-url 'http://127.0.0.1:1/e/{id}'"},
		{[]string{"-H", "Authorization: Bearer x"}, "-H 'Authorization: Bearer x'"},
		{[]string{"it's"}, `'it'\''s'`},
		{[]string{""}, "''"},
	}
	for _, tt := range tests {
		if got := shellQuote(tt.args); got != tt.want {
			t.Errorf("shellQuote(%q) = %s, want %s", tt.args, got, tt.want)
		}
	}
}

func TestCaddyfile(t *testing.T) {
	base := caddyConfig{Admin: 2999, Port: 8080, Upstream: "127.0.0.1:9000", Storage: "/tmp/q", Workers: 16,
		Hook: "http://127.0.0.1:9001/hook", Retry: "3 1s", Timeout: "1h", Secret: benchSecret}
	nats := "nats://127.0.0.1:4222,nats://127.0.0.1:4223,nats://127.0.0.1:4224"
	tests := []struct {
		side     side
		async    bool
		nats     string
		replicas int
		want     []string
		notWant  []string
	}{
		{plain, false, "", 0, []string{"admin localhost:2999", "http://:8080 {", "reverse_proxy 127.0.0.1:9000", "default_bind 127.0.0.1"}, []string{"cms_events", benchSecret}},
		{plugin, false, "", 0, []string{"storage_dir /tmp/q", "workers 16", "signing_secret " + benchSecret, "webhook bench http://127.0.0.1:9001/hook {", "retry 3 1s", "timeout 1h", "reverse_proxy 127.0.0.1:9000"}, []string{"durability", "storage nats"}},
		{plugin, true, "", 0, []string{"durability async", "storage_dir /tmp/q"}, nil},
		{plugin, false, "nats://127.0.0.1:4222", 1, []string{"\t\tstorage nats {\n\t\t\turl nats://127.0.0.1:4222\n\t\t\treplicas 1\n\t\t\tstream CMS_EVENTS\n\t\t}\n\t\tworkers 16", "webhook bench"}, []string{"storage_dir", "durability"}},
		{plugin, false, nats, 3, []string{"url " + nats + "\n", "replicas 3\n"}, []string{"storage_dir", "durability"}},
		{plain, false, nats, 3, nil, []string{"cms_events", "nats"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s async=%v nats=%d", tt.side, tt.async, tt.replicas), func(t *testing.T) {
			c := base
			c.Side, c.Async, c.NATS, c.Replicas = tt.side, tt.async, tt.nats, tt.replicas
			if tt.nats != "" {
				c.Storage = ""
			}
			got := string(c.render())
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("Caddyfile lacks %q:\n%s", w, got)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(got, w) {
					t.Errorf("Caddyfile has %q:\n%s", w, got)
				}
			}
			if strings.Contains(c.shown(), benchSecret) {
				t.Errorf("shown Caddyfile holds the signing secret")
			}
			if tt.side == plugin && tt.nats != "" && !strings.Contains(c.shown(), "storage nats {") {
				t.Errorf("shown Caddyfile lacks the storage:\n%s", c.shown())
			}
		})
	}
	t.Run("extra webhooks", func(t *testing.T) {
		c := base
		c.Side, c.Extra = plugin, []string{"bench-2", "bench-3"}
		got := string(c.render())
		for _, name := range []string{"bench", "bench-2", "bench-3"} {
			if w := "webhook " + name + " http://127.0.0.1:9001/hook {\n\t\t\ttopics Entry.*\n\t\t\tretry 3 1s\n\t\t\ttimeout 1h\n"; !strings.Contains(got, w) {
				t.Errorf("Caddyfile lacks %q:\n%s", w, got)
			}
		}
	})
	if len(benchSecret) != 64 {
		t.Errorf("signing secret is %d characters; cms_events wants 64", len(benchSecret))
	}
}

func TestRowNames(t *testing.T) {
	// The NATS rows run right after the Badger rows they stand beside.
	for _, pair := range [][2]string{{"held", "held-nats"}, {"delivering", "delivering-nats"}} {
		i, j := slices.Index(rowNames, pair[0]), slices.Index(rowNames, pair[1])
		if i < 0 || j != i+1 {
			t.Errorf("%s does not run right after %s: %v", pair[1], pair[0], rowNames)
		}
	}
}

func TestOrderAlternates(t *testing.T) {
	for round := range 4 {
		o := order(round)
		if len(o) != 2 || o[0] == o[1] {
			t.Fatalf("order(%d) = %v", round, o)
		}
		if next := order(round + 1); next[0] != o[1] {
			t.Errorf("round %d starts with %v, round %d with %v: want them to alternate", round, o[0], round+1, next[0])
		}
	}
}

func TestMetricVerdicts(t *testing.T) {
	tests := []struct {
		name      string
		plain     []float64
		plugin    []float64
		target    *target
		wantRatio float64
		want      string
	}{
		{"ratio met", []float64{100, 90, 110}, []float64{95, 85, 80}, ratioAtLeast(0.85), 0.85, "yes"},
		{"ratio missed", []float64{100, 100}, []float64{80, 90}, ratioAtLeast(0.9), 0.85, "**no**"},
		{"at most met", []float64{10}, []float64{13}, ratioAtMost(1.3), 1.3, "yes"},
		{"at most missed", []float64{10}, []float64{14}, ratioAtMost(1.3), 1.4, "**no**"},
		{"absolute", nil, []float64{4, 6, 5}, pluginAtMost(5, "ms"), 0, "yes"},
		{"absolute missed", nil, []float64{6, 7}, pluginAtMost(5, "ms"), 0, "**no**"},
		{"no target", []float64{1}, []float64{2}, nil, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &metric{plain: tt.plain, plugin: tt.plugin, target: tt.target}
			if got := m.ratio(); got < tt.wantRatio-1e-9 || got > tt.wantRatio+1e-9 {
				t.Errorf("ratio %v, want %v", got, tt.wantRatio)
			}
			if got := m.verdict(); got != tt.want {
				t.Errorf("verdict %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReadMemory(t *testing.T) {
	m, err := readMemory(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if m.rss <= 0 || m.peak < m.rss || m.anon <= 0 || m.anon+m.file > m.rss {
		t.Errorf("memory of this process: %+v", m)
	}
	if _, err := readMemory(-1); err == nil {
		t.Error("readMemory(-1) gave no error")
	}
}

func TestSlope(t *testing.T) {
	tests := []struct {
		name   string
		xs, ys []float64
		want   float64
	}{
		{"none", nil, nil, 0},
		{"one point", []float64{1}, []float64{5}, 0},
		{"same x", []float64{2, 2, 2}, []float64{1, 5, 9}, 0},
		{"flat", []float64{1, 2, 3, 4}, []float64{50, 50, 50, 50}, 0},
		{"exact line", []float64{0, 1, 2, 3}, []float64{10, 12, 14, 16}, 2},
		{"falling", []float64{1, 2, 3}, []float64{9, 6, 3}, -3},
		{"noisy", []float64{0, 1, 2, 3}, []float64{1, 3, 2, 4}, 0.8},
		{"one spike is not a trend", []float64{0, 1, 2, 3, 4}, []float64{50, 50, 60, 50, 50}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := slope(tt.xs, tt.ys); math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("slope = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSoakWarmupAndTimes(t *testing.T) {
	tests := []struct {
		d          time.Duration
		wantWarmup time.Duration
		wantTimes  []time.Duration
	}{
		{10 * time.Minute, time.Minute, nil},
		{20 * time.Minute, time.Minute, nil},
		{2 * time.Minute, 12 * time.Second, nil},
		{30 * time.Second, 3 * time.Second, []time.Duration{0, 3 * time.Second, 10 * time.Second, 20 * time.Second, 30 * time.Second}},
		{25 * time.Second, 2500 * time.Millisecond, []time.Duration{0, 2500 * time.Millisecond, 10 * time.Second, 20 * time.Second, 25 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.d.String(), func(t *testing.T) {
			w := soakWarmup(tt.d)
			if w != tt.wantWarmup {
				t.Errorf("warm-up %v, want %v", w, tt.wantWarmup)
			}
			ts := soakTimes(tt.d, 10*time.Second, w)
			if tt.wantTimes != nil && !slices.Equal(ts, tt.wantTimes) {
				t.Errorf("times %v, want %v", ts, tt.wantTimes)
			}
			if ts[0] != 0 || ts[len(ts)-1] != tt.d || !slices.Contains(ts, w) || !slices.IsSorted(ts) {
				t.Errorf("times %v: want 0 first, %v last, the warm-up's end %v among them, in order", ts, tt.d, w)
			}
			for i := 1; i < len(ts); i++ {
				if gap := ts[i] - ts[i-1]; gap <= 0 || gap > 10*time.Second {
					t.Errorf("times %v: gap %v between %v and %v", ts, gap, ts[i-1], ts[i])
				}
			}
		})
	}
}

func TestDriftOf(t *testing.T) {
	mbAt := func(sec int, rss, anon float64) soakSample {
		return soakSample{at: time.Duration(sec) * time.Second, mem: memory{rss: int64(rss * 1e6), anon: int64(anon * 1e6)}}
	}
	// Memory climbs during the warm-up, then RSS keeps growing 2 MB/min
	// while the heap stays flat apart from a spike.
	samples := []soakSample{
		mbAt(0, 20, 10), mbAt(30, 60, 40),
		mbAt(60, 100, 50), mbAt(90, 101, 50), mbAt(120, 102, 58), mbAt(150, 103, 50), mbAt(180, 104, 50),
	}
	rss := driftOf(samples, time.Minute, func(s soakSample) int64 { return s.mem.rss })
	anon := driftOf(samples, time.Minute, func(s soakSample) int64 { return s.mem.anon })
	tests := []struct {
		name      string
		got, want drift
	}{
		{"VmRSS", rss, drift{atWarmup: 100, atEnd: 104, max: 104, growth: 4, slope: 2}},
		{"RssAnon", anon, drift{atWarmup: 50, atEnd: 50, max: 58, growth: 0, slope: 0}},
		{"no sample after the warm-up", driftOf(samples[:2], time.Minute, func(s soakSample) int64 { return s.mem.rss }), drift{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, w := tt.got, tt.want
			for _, f := range []struct {
				name      string
				got, want float64
			}{
				{"at warm-up", g.atWarmup, w.atWarmup}, {"at end", g.atEnd, w.atEnd}, {"max", g.max, w.max},
				{"growth", g.growth, w.growth}, {"slope", g.slope, w.slope},
			} {
				if math.Abs(f.got-f.want) > 1e-6 {
					t.Errorf("%s = %v, want %v", f.name, f.got, f.want)
				}
			}
		})
	}
}

func TestSoakTable(t *testing.T) {
	got := soakTable([]soakSample{
		{at: 10*time.Second + 3*time.Millisecond, mem: memory{rss: 80e6, anon: 30e6, file: 50e6}, live: 12e6, depth: 4, calls: 9990},
		{at: time.Minute, mem: memory{rss: 81e6, anon: 30e6, file: 51e6}, live: 12.5e6, depth: -1, calls: 59990},
	})
	for _, want := range []string{
		"| t | VmRSS (MB) | RssAnon (MB) | RssFile (MB) | live heap (MB) | queue depth | webhook calls |",
		"| 10s | 80.0 | 30.0 | 50.0 | 12.0 | 4 | 9990 |",
		"| 1m0s | 81.0 | 30.0 | 51.0 | 12.5 | — | 59990 |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
}

func TestShortDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{10 * time.Minute, "10m"},
		{time.Hour, "1h"},
		{90 * time.Second, "1m30s"},
		{45 * time.Second, "45s"},
		{12 * time.Second, "12s"},
		{90 * time.Minute, "1h30m"},
		{1500 * time.Millisecond, "1.5s"},
	}
	for _, tt := range tests {
		if got := shortDuration(tt.d); got != tt.want {
			t.Errorf("shortDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestFormatUnits(t *testing.T) {
	tests := []struct {
		v    float64
		unit string
		want string
	}{
		{600000, "writes", "600000"},
		{3, "deliveries", "3"},
		{0.123, "MB/min", "0.12"},
		{-0.5, "MB/min", "-0.50"},
		{81.04, "MB", "81.0"},
	}
	for _, tt := range tests {
		if got := format(tt.v, tt.unit); got != tt.want {
			t.Errorf("format(%v, %q) = %q, want %q", tt.v, tt.unit, got, tt.want)
		}
	}
}

func TestStatTicks(t *testing.T) {
	tests := []struct {
		name string
		stat string
		want int64
		bad  bool
	}{
		{"caddy", "4242 (caddy) S 1 4242 4242 0 -1 4194560 25113 0 0 0 1234 567 0 0 20 0 14 0 9876543 1434607616 30123 18446744073709551615 1 1 0 0 0 0 0 0 2143420159 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n", 1234 + 567, false},
		{"name with spaces and parentheses", "7 (a) b (c) R 1 7 7 0 -1 0 0 0 0 0 10 5 0 0 20 0 1 0 1\n", 15, false},
		{"no name", "7 R 1 7", 0, true},
		{"too short", "7 (x) R 1 7 7 0 -1 0 0 0 0 0 10", 0, true},
		{"not a number", "7 (x) R 1 7 7 0 -1 0 0 0 0 0 ten 5 0", 0, true},
	}
	for _, tt := range tests {
		got, err := statTicks(tt.stat)
		if (err != nil) != tt.bad || got != tt.want {
			t.Errorf("%s: statTicks = %d, %v; want %d, error %v", tt.name, got, err, tt.want, tt.bad)
		}
	}
}

func TestClockTicks(t *testing.T) {
	if got := clockTicksOf([][2]uintptr{{6, 4096}, {atClkTck, 250}, {0, 0}}); got != 250 {
		t.Errorf("AT_CLKTCK 250 read as %d", got)
	}
	if got := clockTicksOf([][2]uintptr{{6, 4096}}); got != defaultClockTicks {
		t.Errorf("without AT_CLKTCK: %d, want %d", got, defaultClockTicks)
	}
	if hz := clockTicks(); hz <= 0 || hz > 10000 {
		t.Errorf("clock ticks of this machine: %d", hz)
	}
	if got := ticksToDuration(250, 100); got != 2500*time.Millisecond {
		t.Errorf("250 ticks at 100 Hz = %v, want 2.5s", got)
	}
	if got := ticksToDuration(3, 1000); got != 3*time.Millisecond {
		t.Errorf("3 ticks at 1000 Hz = %v, want 3ms", got)
	}
}

// spin keeps one core busy for d.
func spin(d time.Duration) {
	x := 0
	for end := time.Now().Add(d); time.Now().Before(end); x++ {
	}
	_ = x
}

func TestReadCPU(t *testing.T) {
	before, err := readCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	w := sampleCPU(os.Getpid(), 0, 200*time.Millisecond)
	spin(300 * time.Millisecond)
	used, err := w.wait()
	if err != nil {
		t.Fatal(err)
	}
	after, err := readCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if used <= 0 || used > 2*time.Second || after < before+used {
		t.Errorf("CPU time before %v, after %v, in the 200 ms window %v", before, after, used)
	}
	if _, err := readCPU(-1); err == nil {
		t.Error("readCPU(-1) gave no error")
	}
}

func TestPerRequest(t *testing.T) {
	if got := perRequest(500*time.Millisecond, 10_000); math.Abs(got-50) > 1e-9 {
		t.Errorf("500 ms over 10,000 requests = %v µs, want 50", got)
	}
	if got := perRequest(time.Second, 0); got != 0 {
		t.Errorf("no requests: %v", got)
	}
}

func TestHeapAllocOf(t *testing.T) {
	profile := "heap profile: 1: 2 [3: 4] @ heap/1048576\n1: 2 [3: 4] @ 0x1\n\n# runtime.MemStats\n# Alloc = 31000000\n# TotalAlloc = 90000000\n# Sys = 70000000\n# HeapAlloc = 31220890\n# HeapSys = 60000000\n"
	if got, err := heapAllocOf(strings.NewReader(profile)); err != nil || got != 31220890 {
		t.Fatalf("heapAllocOf = %d, %v; want 31220890", got, err)
	}
	if _, err := heapAllocOf(strings.NewReader("# Alloc = 1\n")); err == nil {
		t.Fatal("a profile without HeapAlloc gave no error")
	}
}
