package main

import (
	"fmt"
	"os"
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
	tests := []struct {
		side    side
		async   bool
		want    []string
		notWant []string
	}{
		{plain, false, []string{"admin localhost:2999", "http://:8080 {", "reverse_proxy 127.0.0.1:9000", "default_bind 127.0.0.1"}, []string{"cms_events", benchSecret}},
		{plugin, false, []string{"storage_dir /tmp/q", "workers 16", "signing_secret " + benchSecret, "webhook bench http://127.0.0.1:9001/hook {", "retry 3 1s", "timeout 1h", "reverse_proxy 127.0.0.1:9000"}, []string{"durability"}},
		{plugin, true, []string{"durability async", "storage_dir /tmp/q"}, nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s async=%v", tt.side, tt.async), func(t *testing.T) {
			c := base
			c.Side, c.Async = tt.side, tt.async
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
		})
	}
	if len(benchSecret) != 64 {
		t.Errorf("signing secret is %d characters; cms_events wants 64", len(benchSecret))
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
