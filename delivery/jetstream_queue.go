package delivery

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
)

// claim fetches, without waiting, up to req.max deliveries from the
// consumers of the dispatcher's claimable webhooks, starting each claim at
// the next webhook so that a long backlog does not starve the others. A
// fetched message is leased until its consumer's ack wait ends: the
// servers hand it to no other gateway meanwhile, and hand it out again if
// it is not settled by then. Deliveries of webhooks the dispatcher does
// not know stay queued: another gateway may have them.
func (b *JetStream) claim(req claimRequest) (claimResult, error) {
	var res claimResult
	ids := req.webhooks()
	slices.Sort(ids)
	b.mu.Lock()
	start := b.claims
	b.claims++
	b.mu.Unlock()
	var errs []error
	for i := range ids {
		if len(res.claimed) == req.max {
			res.more = true
			break
		}
		id := ids[(start+i)%len(ids)]
		leaseFor, claimable, known := req.lease(id)
		if !known || !claimable {
			continue
		}
		want := req.max - len(res.claimed)
		got, err := b.fetch(id, leaseFor, want, req.now, &res)
		if err != nil {
			errs = append(errs, err)
		}
		if got == want {
			res.more = true
		}
	}
	res.next = b.nextRetry(req.now)
	return res, errors.Join(errs...)
}

// fetch claims up to n deliveries of the webhook into res and returns how
// many messages it got.
func (b *JetStream) fetch(webhookID string, leaseFor time.Duration, n int, now time.Time, res *claimResult) (int, error) {
	c, err := b.consumer(webhookID, leaseFor)
	if err != nil {
		return 0, err
	}
	batch, err := c.c.FetchNoWait(n)
	if err != nil {
		return 0, fmt.Errorf("fetch deliveries of webhook %s: %w", webhookID, err)
	}
	got := 0
	for m := range batch.Messages() {
		got++
		md, err := m.Metadata()
		if err != nil {
			b.log.Error("delivery message without metadata left for its ack wait", zap.String("webhook", webhookID), zap.Error(err))
			continue
		}
		d, err := decodeDelivery(m.Data())
		if err != nil {
			b.failUnreadable(m, webhookID, err)
			continue
		}
		// The stored attempt counts those made before the message was
		// published; each hand-out of it is one more.
		d.Attempt += int(md.NumDelivered)
		d.DueAt = now.Add(c.ackWait)
		res.claimed = append(res.claimed, claimed{d: d, msg: m})
	}
	if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) {
		return got, fmt.Errorf("fetch deliveries of webhook %s: %w", webhookID, err)
	}
	return got, nil
}

// consumer returns the webhook's durable consumer, made or updated so that
// its ack wait is leaseFor.
func (b *JetStream) consumer(webhookID string, leaseFor time.Duration) (webhookConsumer, error) {
	b.mu.Lock()
	c, ok := b.consumers[webhookID]
	b.mu.Unlock()
	if ok && c.ackWait == leaseFor {
		return c, nil
	}
	ctx, cancel := b.ctx()
	defer cancel()
	cons, err := b.queue.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:       consumerName(webhookID),
		Description:   "cms_events deliveries of webhook " + webhookID,
		FilterSubject: b.queueSubject(webhookID),
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       leaseFor,
		MaxDeliver:    -1,
		MaxAckPending: -1,
		Replicas:      b.replicas,
	})
	if err != nil {
		return webhookConsumer{}, fmt.Errorf("make the consumer of webhook %s: %w", webhookID, err)
	}
	c = webhookConsumer{c: cons, ackWait: leaseFor}
	b.mu.Lock()
	b.consumers[webhookID] = c
	b.mu.Unlock()
	return c, nil
}

// failUnreadable moves a message that is no delivery to the failed list.
func (b *JetStream) failUnreadable(m jetstream.Msg, webhookID string, cause error) {
	b.log.Error("unreadable delivery moved to the failed list; it cannot be sent or redelivered",
		zap.String("webhook", webhookID), zap.Error(cause))
	fm := nats.NewMsg(b.failedSubject(webhookID))
	fm.Data = m.Data()
	if md, err := m.Metadata(); err == nil {
		fm.Header.Set(jetstream.MsgIDHeader, "u."+strconv.FormatUint(md.Sequence.Stream, 10))
	}
	ctx, cancel := b.ctx()
	defer cancel()
	if err := b.publishSync(ctx, fm); err == nil {
		m.Term()
	}
}

// nextRetry returns the earliest retry of this process after now (zero:
// none), dropping those past.
func (b *JetStream) nextRetry(now time.Time) time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.retries = slices.DeleteFunc(b.retries, func(t time.Time) bool { return !t.After(now) })
	var next time.Time
	for _, t := range b.retries {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	return next
}

// settle records the call of an attempt in the call log and then the
// outcome: a delivered message is acknowledged, a retry is a negative
// acknowledgement delayed until the retry is due, a failed delivery is
// published to the failed list and acknowledged, and a claim given back is
// published again with its attempt uncounted and acknowledged. Each waits
// for the servers. lost is true when the lease had ended and the servers no
// longer take the acknowledgement.
func (b *JetStream) settle(c claimed, st settlement) (lost bool, err error) {
	ctx, cancel := b.ctx()
	defer cancel()
	if st.call != nil {
		b.recordCall(ctx, st.call)
	}
	switch st.kind {
	case settleRetry:
		b.mu.Lock()
		b.retries = append(b.retries, st.at)
		b.mu.Unlock()
		if err := c.msg.NakWithDelay(max(time.Until(st.at), 0)); err != nil {
			return false, fmt.Errorf("delay delivery %s: %w", c.d.ID, err)
		}
		return false, nil
	case settleFail:
		d := *c.d
		d.LastError = st.lastError
		if err := b.publishSync(ctx, b.copyMsg(b.failedSubject(d.WebhookID), &d, c.msg, "f")); err != nil {
			return false, fmt.Errorf("move delivery %s to the failed list: %w", d.ID, err)
		}
	case settleRelease:
		d := *c.d
		d.Attempt-- // the next hand-out of the copy counts it again
		d.DueAt = st.at
		if err := b.publishSync(ctx, b.copyMsg(b.queueSubject(d.WebhookID), &d, c.msg, "r")); err != nil {
			return false, fmt.Errorf("give back delivery %s: %w", d.ID, err)
		}
		defer b.wake()
	}
	if err := c.msg.DoubleAck(ctx); err != nil {
		if errors.Is(err, nats.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) {
			return false, fmt.Errorf("acknowledge delivery %s: %w", c.d.ID, err)
		}
		return true, nil
	}
	return false, nil
}

// copyMsg is the message of d on subject, standing for the message m: its
// message id is derived from m's stream sequence, so that a repeated
// publish of the copy is stored once.
func (b *JetStream) copyMsg(subject string, d *Delivery, m jetstream.Msg, kind string) *nats.Msg {
	out := b.deliveryMsg(subject, d)
	if md, err := m.Metadata(); err == nil {
		out.Header.Set(jetstream.MsgIDHeader, d.ID+"."+kind+strconv.FormatUint(md.Sequence.Stream, 10))
	}
	return out
}
