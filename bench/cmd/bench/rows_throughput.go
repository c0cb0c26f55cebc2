package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/cmsevents/caddy-cms-events/bench/internal/load"
)

// throughputRow is a closed-loop load measured on both sides.
type throughputRow struct {
	key    string // short name, for ids and config names
	title  string
	setup  sideSetup
	rounds int
	// args returns the load flags against c for one run.
	args func(c *caddyRun, idPrefix string) []string
	// rpsTarget and p99Target, when set, are the targets of the ratios.
	rpsTarget, p99Target *target
	// cpu also reads caddy's CPU time over each timed window, on both
	// sides, and reports it per write and as PLUGIN − PLAIN.
	cpu bool
	// cpuTarget, when set, is the target of PLUGIN − PLAIN.
	cpuTarget *target
	// after, when set, adds figures of the PLUGIN side after its load.
	after func(r *row, res load.Result, rcv *receiver) error
	// note, when set, returns notes for the results, once the row ran.
	note func() []string
}

// measureEach measures the rows one after the other.
func (b *bench) measureEach(ts ...throughputRow) ([]*row, error) {
	rows := make([]*row, 0, len(ts))
	for _, t := range ts {
		r, err := b.measure(t)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// measure runs the row's rounds and, with -pprof, one profiled PLUGIN run.
func (b *bench) measure(t throughputRow) (*row, error) {
	r := &row{title: t.title}
	rps := r.add("throughput", "req/s", true)
	p50 := r.add("latency p50", "ms", true)
	p99 := r.add("latency p99", "ms", true)
	rps.target, p99.target = t.rpsTarget, t.p99Target
	var cpu, cpuAbove *metric
	if t.cpu {
		cpu = r.add("caddy CPU per write (utime+stime in the timed window ÷ writes answered in it)", "µs", true)
		cpuAbove = r.add("caddy CPU per write, PLUGIN − PLAIN (same round)", "µs", false)
		cpuAbove.target = t.cpuTarget
	}
	for round := range t.rounds {
		for _, s := range order(round) {
			err := b.withSide(t.key, s, t.setup, func(c *caddyRun, rcv *receiver) error {
				args := t.args(c, b.idPrefix(t.key, round, s))
				var res load.Result
				var cmd string
				var used time.Duration
				var err error
				if t.cpu {
					res, cmd, used, err = b.runLoadCPU(c.pid(), args...)
				} else {
					res, cmd, err = b.runLoad(args...)
				}
				if err != nil {
					return err
				}
				r.noteCommand(round, s, cmd)
				if t.cpu {
					cpu.record(s, perRequest(used, res.OK))
				}
				rps.record(s, res.PerSecond)
				p50.record(s, ms(res.Latency.P50))
				p99.record(s, ms(res.Latency.P99))
				if s == plugin && t.after != nil {
					return t.after(r, res, rcv)
				}
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("%s, round %d, %s: %w", t.title, round+1, s, err)
			}
		}
		if t.cpu {
			cpuAbove.record(plugin, cpu.plugin[round]-cpu.plain[round])
		}
	}
	r.configs = []string{configName(t.key, plain), configName(t.key, plugin)}
	if t.note != nil {
		r.notes = append(r.notes, t.note()...)
	}
	if t.cpu {
		r.notes = append(r.notes, cpuPerWriteNote())
	}
	if b.pprof {
		err := b.withSide(t.key, plugin, t.setup, func(c *caddyRun, _ *receiver) error {
			err := b.cpuProfileDuring(t.title, c, b.warmup+b.d, func() error {
				_, _, err := b.runLoad(t.args(c, b.idPrefix(t.key+"-pprof", 0, plugin))...)
				return err
			})
			if err != nil {
				return err
			}
			return b.heapProfile(t.title, c)
		})
		if err != nil {
			return nil, fmt.Errorf("%s, profiled run: %w", t.title, err)
		}
	}
	return r, nil
}

// cpuPerWriteTarget is the target of caddy's CPU per enqueue-only write
// above PLAIN's.
var cpuPerWriteTarget = pluginAtMost(25, "µs")

// cpuPerWriteNote says what the CPU per write figures measure.
func cpuPerWriteNote() string {
	return fmt.Sprintf("caddy CPU per write: caddy's utime+stime from `/proc/<pid>/stat` (%d ticks/s, from AT_CLKTCK), read when the load's warmup ends and when its measured window ends (both timed from the load tool's start), divided by the writes answered in the window; the PLUGIN − PLAIN line is the CPU the gateway adds to a write, the median over rounds of the difference within a round.", clockTicks())
}

// timed are the load flags of a timed run at the given connections.
func (b *bench) timed(conns int) []string {
	return []string{"-c", strconv.Itoa(conns), "-d", b.d.String(), "-warmup", b.warmup.String()}
}

// ms converts a duration to milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// writesHeld measures writes at 64 connections while deliveries stay queued,
// held by pausing the webhook (as the admin API offers) or by a receiver
// that holds the calls (pure enqueue).
func (b *bench) writesHeld() ([]*row, error) {
	heldNote := func() []string { return []string{"How deliveries are held: " + heldByReceiverNote + "."} }
	return b.measureEach(throughputRow{
		key:       "writes-paused",
		title:     "Writes (PUT, unique ids, 1 KB), 64 connections, webhook paused (enqueue only)",
		setup:     sideSetup{hold: holdByPause},
		rounds:    b.rounds,
		args:      b.writes(64),
		rpsTarget: ratioAtLeast(0.8),
		p99Target: ratioAtMost(1.3),
		cpu:       true,
		cpuTarget: cpuPerWriteTarget,
		note:      func() []string { return []string{"How deliveries are held: " + b.pauseHow + "."} },
	}, throughputRow{
		key:       "writes-held",
		title:     "Writes (PUT, unique ids, 1 KB), 64 connections, receiver holding the calls (enqueue only, no claims)",
		setup:     sideSetup{hold: holdByReceiver},
		rounds:    b.rounds,
		args:      b.writes(64),
		rpsTarget: ratioAtLeast(0.8),
		p99Target: ratioAtMost(1.3),
		cpu:       true,
		cpuTarget: cpuPerWriteTarget,
		note:      heldNote,
	}, throughputRow{
		key:       "writes-held-async",
		title:     "Writes (PUT, unique ids, 1 KB), 64 connections, receiver holding the calls, `durability async`",
		setup:     sideSetup{hold: holdByReceiver, async: true},
		rounds:    b.rounds,
		args:      b.writes(64),
		rpsTarget: ratioAtLeast(0.92),
		cpu:       true,
		note: func() []string {
			return append([]string{"The answer does not wait for the disk sync; a crash may lose the last few milliseconds of events."}, heldNote()...)
		},
	})
}

// writesHeldThree measures enqueue-only writes at 64 connections with three
// webhooks on the writes' topic: each write queues three deliveries.
func (b *bench) writesHeldThree() (*row, error) {
	return b.measure(throughputRow{
		key:    "writes-held3",
		title:  "Writes (PUT, unique ids, 1 KB), 64 connections, three webhooks, receiver holding the calls (enqueue only, three deliveries per write)",
		setup:  sideSetup{hold: holdByReceiver, extraHooks: 2},
		rounds: b.rounds,
		args:   b.writes(64),
		cpu:    true,
		note: func() []string {
			return []string{"Three webhooks on `Entry.*` to the same receiver: every write queues three deliveries of one event.", "How deliveries are held: " + heldByReceiverNote + "."}
		},
	})
}

// writes returns the load flags of timed writes at conns connections.
func (b *bench) writes(conns int) func(c *caddyRun, idPrefix string) []string {
	return func(c *caddyRun, id string) []string {
		return writeArgs(c, append(b.timed(conns), "-id-prefix", id)...)
	}
}

// writesDelivering measures writes at 64 connections while the workers
// deliver to a receiver that answers 200.
func (b *bench) writesDelivering() (*row, error) {
	t := b.delivering("writes-delivering", "Writes (PUT, unique ids, 1 KB), 64 connections, delivery running", sideSetup{}, pluginAtMost(5, "s"), func() []string {
		return []string{"On the PLUGIN side, caddy's CPU per write includes the delivery of the calls sent during the window."}
	})
	t.cpu = true
	t.rpsTarget = ratioAtLeast(0.7)
	return b.measure(t)
}

// lastCallWait bounds how long a delivering row waits, after the load, for
// the webhook calls of every write sent.
const lastCallWait = 60 * time.Second

// delivering is a row of writes at 64 connections with delivery running,
// which also reports how many webhook calls arrived during the load and how
// long after its end the last one arrived.
// lastCall, when set, is the target of the wait for the last call.
func (b *bench) delivering(key, title string, setup sideSetup, lastCall *target, note func() []string) throughputRow {
	t := throughputRow{
		key:    key,
		title:  title,
		setup:  setup,
		rounds: b.rounds,
		args:   b.writes(64),
		note:   note,
	}
	var calls, last *metric
	t.after = func(r *row, res load.Result, rcv *receiver) error {
		ended := time.Now()
		st, err := rcv.stats()
		if err != nil {
			return err
		}
		if calls == nil {
			calls = r.add("webhook calls received by the end of the load, % of writes sent", "%", false)
			last = r.add(fmt.Sprintf("seconds from the load's end until the call of every write sent had arrived (%v: not within %v)", lastCallWait.Seconds(), lastCallWait), "s", false)
			last.target = lastCall
		}
		calls.record(plugin, 100*float64(st.Count)/float64(res.Sent))
		if _, err := rcv.waitCount(int64(res.Sent), lastCallWait); err != nil {
			last.record(plugin, lastCallWait.Seconds())
			return nil
		}
		last.record(plugin, time.Since(ended).Seconds())
		return nil
	}
	return t
}

// Notes of the `storage nats` rows.
const (
	natsServersNote = "The NATS servers (all of a cluster's in one process) run in `bench/cmd/nats` on 127.0.0.1, sharing the machine's cores with caddy, the stand-in CMS and the load; they are started fresh for each PLUGIN run (data in the work directory) and stopped after it, and PLAIN runs without them."
	natsSyncNote    = "The servers keep NATS's default file sync (every 2 minutes), so a write is answered once its deliveries are stored, not synced to disk, whereas the Badger rows (`durability sync`) sync before each answer."
)

// writesHeldNATS measures enqueue-only writes at 64 connections with the
// queue in JetStream: on one NATS server, and on a cluster of three with
// three replicas.
func (b *bench) writesHeldNATS() ([]*row, error) {
	note := func(what string) func() []string {
		return func() []string {
			return []string{what, natsServersNote, natsSyncNote, "How deliveries are held: " + b.pauseHow + "."}
		}
	}
	return b.measureEach(throughputRow{
		key:    "writes-paused-nats1",
		title:  "Writes (PUT, unique ids, 1 KB), 64 connections, webhook paused (enqueue only), `storage nats` on 1 server",
		setup:  sideSetup{hold: holdByPause, nats: 1},
		rounds: b.rounds,
		args:   b.writes(64),
		note:   note("Measures enqueue-only writes with the queue in JetStream on one NATS server instead of Badger: each answer waits for the server's acknowledgement of the publish of its deliveries."),
	}, throughputRow{
		key:    "writes-paused-nats3",
		title:  "Writes (PUT, unique ids, 1 KB), 64 connections, webhook paused (enqueue only), `storage nats` on a 3-server cluster, `replicas 3`",
		setup:  sideSetup{hold: holdByPause, nats: 3},
		rounds: b.rounds,
		args:   b.writes(64),
		note:   note("Measures the same writes with JetStream on a cluster of three NATS servers and three replicas: each answer waits until two of the three servers have stored its deliveries."),
	})
}

// writesDeliveringNATS measures writes at 64 connections with delivery
// running and the queue in JetStream on a cluster of three NATS servers.
func (b *bench) writesDeliveringNATS() (*row, error) {
	return b.measure(b.delivering("writes-delivering-nats3",
		"Writes (PUT, unique ids, 1 KB), 64 connections, delivery running, `storage nats` on a 3-server cluster, `replicas 3`",
		sideSetup{nats: 3}, nil,
		func() []string {
			return []string{"Measures writes while the workers fetch their deliveries from JetStream on a cluster of three NATS servers (three replicas), send them and acknowledge them.",
				natsServersNote, natsSyncNote}
		}))
}

// writesOneConnection measures writes one at a time, which the synced
// commit bounds, beside the disk's fsync latency: once with deliveries held
// (one commit per write) and once with delivery running (the claim and the
// outcome of each delivery are commits too).
func (b *bench) writesOneConnection() ([]*row, error) {
	dir, err := b.newDir("fsync")
	if err != nil {
		return nil, err
	}
	fsync, cmd, err := b.measureFsync(dir)
	if err != nil {
		return nil, err
	}
	heldNote := "How deliveries are held: " + heldByReceiverNote + "."
	return b.measureEach(throughputRow{
		key:    "writes-1conn-held",
		title:  "Writes (PUT, unique ids, 1 KB), 1 connection, receiver holding the calls (enqueue only, no claims)",
		setup:  sideSetup{hold: holdByReceiver},
		rounds: b.rounds,
		args:   b.writes(1),
		note: func() []string {
			return []string{fmt.Sprintf("fsync latency of this disk (1 KB append + fsync in a loop for 2 s, in the work directory next to the databases): p50 %.3f ms, p99 %.3f ms, mean %.3f ms over %d syncs (`%s`).",
				ms(fsync.P50), ms(fsync.P99), ms(fsync.Mean), fsync.N, cmd), heldNote}
		},
	}, throughputRow{
		key:    "writes-1conn-held-async",
		title:  "Writes (PUT, unique ids, 1 KB), 1 connection, receiver holding the calls, `durability async`",
		setup:  sideSetup{hold: holdByReceiver, async: true},
		rounds: b.rounds,
		args:   b.writes(1),
		note:   func() []string { return []string{"The answer does not wait for the disk sync.", heldNote} },
	}, throughputRow{
		key:    "writes-1conn-delivering",
		title:  "Writes (PUT, unique ids, 1 KB), 1 connection, delivery running",
		setup:  sideSetup{},
		rounds: b.rounds,
		args:   b.writes(1),
	})
}

// gets measures reads, which the plugin passes through untouched.
func (b *bench) gets() (*row, error) {
	return b.measure(throughputRow{
		key:    "gets",
		title:  "Reads (GET), 64 connections",
		setup:  sideSetup{},
		rounds: b.getRounds,
		args: func(c *caddyRun, id string) []string {
			return append([]string{
				"-url", c.base() + "/spaces/bench/environments/master/entries/{id}",
				"-H", "Authorization: Bearer bench",
				"-id-prefix", id,
			}, b.timed(64)...)
		},
		rpsTarget: ratioAtLeast(0.98),
	})
}
