package main

import (
	"fmt"
	"os"
)

// holdMode says whether and how the PLUGIN side keeps its deliveries queued.
type holdMode int

const (
	// deliver lets the receiver answer every call at once.
	deliver holdMode = iota
	// holdByPause pauses the webhook through the admin API; the receiver
	// holds calls too, which is all that holds them when the plugin has no
	// admin API.
	holdByPause
	// holdByReceiver only has the receiver hold the calls: each delivery
	// worker waits on one call and nothing more is claimed.
	holdByReceiver
)

// sideSetup says how a row runs the PLUGIN side's webhook and receiver.
type sideSetup struct {
	hold holdMode
	// record makes the receiver keep every call's arrival time.
	record bool
	// async runs the plugin with `durability async`.
	async bool
	// nats, when above 0, runs the plugin on `storage nats` instead of
	// Badger: that many NATS servers (a cluster from 2 on), started fresh
	// for the run, and as many replicas.
	nats int
	// extraHooks adds that many webhooks like the first (to the same
	// receiver, on the same topics), so each write has 1+extraHooks
	// deliveries.
	extraHooks int
}

// Descriptions of how deliveries were held, for the results.
const (
	heldPaused         = "the webhook is paused through the admin API (`POST /cms_events/webhooks/bench/pause`) right after caddy starts"
	heldNoAdmin        = "the admin API has no `/cms_events/queue` in this build, so the receiver holds every call instead: each delivery worker waits on one call (timeout 1h) and nothing more is claimed"
	heldByReceiverNote = "the receiver holds every call (webhook timeout 1h): each delivery worker waits on one call, so nothing more is claimed and each write costs exactly its enqueue"
)

// withSide starts what side s needs (a receiver, the NATS servers of a
// PLUGIN side on `storage nats`, and caddy), runs fn and stops them again.
func (b *bench) withSide(key string, s side, st sideSetup, fn func(c *caddyRun, r *receiver) error) error {
	var flags []string
	if st.hold != deliver {
		flags = append(flags, "-closed")
	}
	if st.record {
		flags = append(flags, "-record")
	}
	rcv, err := b.startReceiver(flags...)
	if err != nil {
		return err
	}
	defer rcv.stop()
	hook := hookSetup{url: rcv.url(), retry: "3 1s", timeout: "10s", async: st.async, extra: st.extraHooks}
	if st.hold != deliver {
		hook.timeout = "1h"
	}
	if s == plugin && st.nats > 0 {
		if hook.nats, err = b.startNATS(st.nats); err != nil {
			return err
		}
		// Stopped after caddy, which the deferred calls below stop first.
		defer hook.nats.stop()
	}
	fmt.Fprintf(os.Stderr, "%s %s\n", key, s)
	c, err := b.startCaddy(key, s, hook)
	if err != nil {
		return err
	}
	defer c.stop()
	// Held calls are let go first, so caddy stops without waiting.
	defer rcv.open()
	if s == plugin && st.hold == holdByPause {
		paused, err := c.pauseWebhook()
		if err != nil {
			return err
		}
		b.pauseHow = heldNoAdmin
		if paused {
			b.pauseHow = heldPaused
		}
	}
	return fn(c, rcv)
}
