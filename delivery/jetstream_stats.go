package delivery

import (
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// countsMaxAge is how long Counts answers from its last reading.
const countsMaxAge = 500 * time.Millisecond

// jsCounts is the last reading of Counts.
type jsCounts struct {
	at            time.Time
	depth, failed int
}

// QueueStats counts the queue from the streams and consumers: depth is
// every queued delivery (including those being sent or waiting for a
// retry), due those neither handed out nor waiting for a retry, failed
// those kept as failed; oldestDue is when the oldest queued delivery was
// queued.
func (b *JetStream) QueueStats() (depth, due, failed int, oldestDue time.Time, err error) {
	ctx, cancel := b.ctx()
	defer cancel()
	qi, err := b.queue.Info(ctx)
	if err != nil {
		return 0, 0, 0, time.Time{}, fmt.Errorf("read queue statistics: %w", err)
	}
	fi, err := b.failedList.Info(ctx)
	if err != nil {
		return 0, 0, 0, time.Time{}, fmt.Errorf("read queue statistics: %w", err)
	}
	depth, failed = int(qi.State.Msgs), int(fi.State.Msgs)
	due = depth
	lister := b.queue.ListConsumers(ctx)
	for ci := range lister.Info() {
		due -= ci.NumAckPending
	}
	if err := lister.Err(); err != nil {
		return 0, 0, 0, time.Time{}, fmt.Errorf("read queue statistics: %w", err)
	}
	if depth > 0 {
		oldestDue = qi.State.FirstTime
	}
	return depth, max(due, 0), failed, oldestDue, nil
}

// QueueByWebhook counts the queue by webhook, from the streams' subjects.
func (b *JetStream) QueueByWebhook() (map[string]WebhookQueue, error) {
	ctx, cancel := b.ctx()
	defer cancel()
	out := make(map[string]WebhookQueue)
	for _, st := range []struct {
		s      jetstream.Stream
		filter string
		add    func(q *WebhookQueue, n int)
	}{
		{b.queue, b.name + ".d.>", func(q *WebhookQueue, n int) { q.Queued += n }},
		{b.failedList, b.name + "_FAILED.>", func(q *WebhookQueue, n int) { q.Failed += n }},
	} {
		info, err := st.s.Info(ctx, jetstream.WithSubjectFilter(st.filter))
		if err != nil {
			return nil, fmt.Errorf("read queue statistics: %w", err)
		}
		for subject, n := range info.State.Subjects {
			if id, ok := webhookOfSubject(subject); ok {
				q := out[id]
				st.add(&q, int(n))
				out[id] = q
			}
		}
	}
	return out, nil
}

// Counts returns the number of queued deliveries (including those being
// sent) and of failed ones, from the streams' state read at most
// countsMaxAge ago; a failed reading gives the last one.
func (b *JetStream) Counts() (depth, failed int) {
	b.mu.Lock()
	last := b.counts
	b.mu.Unlock()
	if time.Since(last.at) < countsMaxAge {
		return last.depth, last.failed
	}
	ctx, cancel := b.ctx()
	defer cancel()
	qi, err := b.queue.Info(ctx)
	if err != nil {
		return last.depth, last.failed
	}
	fi, err := b.failedList.Info(ctx)
	if err != nil {
		return last.depth, last.failed
	}
	now := jsCounts{at: time.Now(), depth: int(qi.State.Msgs), failed: int(fi.State.Msgs)}
	b.mu.Lock()
	b.counts = now
	b.mu.Unlock()
	return now.depth, now.failed
}
