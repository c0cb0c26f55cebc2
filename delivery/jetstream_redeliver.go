package delivery

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Redeliver makes the delivery of the call callID of the webhook due now:
// a failed delivery goes back to the queue with a full set of attempts;
// otherwise a new delivery of the same event is queued (with the same
// idempotency key: it is the same event), even when the first is still
// queued, as the queue cannot be searched cheaply. An unknown call gives
// an error wrapping ErrNotFound.
func (b *JetStream) Redeliver(webhookID, callID string) error {
	ex, err := callToRedeliver(webhookID, callID, b.readCallRecord)
	if err != nil {
		return err
	}
	now := time.Now()
	if !ex.Delivered {
		moved := 0
		err := b.eachFailed(webhookID, func(d *Delivery, seq uint64) (bool, error) {
			if d.ID != ex.DeliveryID {
				return true, nil
			}
			moved++
			return false, b.requeueFailed(d, seq, now)
		})
		if err != nil || moved > 0 {
			return err
		}
	}
	// Published under the new delivery's id: under the event's, as
	// Enqueue does, it would be taken for the first delivery repeated.
	ctx, cancel := b.ctx()
	defer cancel()
	if err := b.publishSync(ctx, b.deliveryMsg(b.queueSubject(webhookID), NewDelivery(webhookID, ex.Event, now))); err != nil {
		return fmt.Errorf("redeliver call %s of webhook %s: %w", callID, webhookID, err)
	}
	b.wake()
	return nil
}

// RedeliverFailed makes every failed delivery of the webhook created at or
// after since (every one for the zero time) due now, with a full set of
// attempts, and returns how many there were.
func (b *JetStream) RedeliverFailed(webhookID string, since time.Time) (int, error) {
	now := time.Now()
	total := 0
	err := b.eachFailed(webhookID, func(d *Delivery, seq uint64) (bool, error) {
		if d.CreatedAt.Before(since) {
			return true, nil
		}
		if err := b.requeueFailed(d, seq, now); err != nil {
			return false, err
		}
		total++
		return true, nil
	})
	if err != nil {
		return total, fmt.Errorf("redeliver the failed deliveries of webhook %s (%d done): %w", webhookID, total, err)
	}
	return total, nil
}

// eachFailed calls fn with every readable failed delivery of the webhook
// and its stream sequence, oldest first, while fn returns true.
func (b *JetStream) eachFailed(webhookID string, fn func(d *Delivery, seq uint64) (bool, error)) error {
	ctx, cancel := b.ctx()
	defer cancel()
	c, err := b.failedList.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{b.failedSubject(webhookID)}})
	if err != nil {
		return fmt.Errorf("read the failed deliveries of webhook %s: %w", webhookID, err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		return fmt.Errorf("read the failed deliveries of webhook %s: %w", webhookID, err)
	}
	defer b.failedList.DeleteConsumer(context.Background(), info.Name)
	for left := info.NumPending; left > 0; {
		batch, err := c.Fetch(int(min(left, 256)), jetstream.FetchMaxWait(b.timeout))
		if err != nil {
			return fmt.Errorf("read the failed deliveries of webhook %s: %w", webhookID, err)
		}
		n := uint64(0)
		for m := range batch.Messages() {
			n++
			md, err := m.Metadata()
			if err != nil {
				continue
			}
			d, err := decodeDelivery(m.Data())
			if err != nil {
				continue // unreadable: it stays in the failed list
			}
			more, err := fn(d, md.Sequence.Stream)
			if err != nil || !more {
				return err
			}
		}
		if n == 0 {
			return fmt.Errorf("read the failed deliveries of webhook %s: %w", webhookID, batch.Error())
		}
		left -= min(n, left)
	}
	return nil
}

// requeueFailed publishes the failed delivery d, stored at seq in the
// failed list, to the queue due at now with a full set of attempts, then
// removes it from the failed list.
func (b *JetStream) requeueFailed(d *Delivery, seq uint64, now time.Time) error {
	ctx, cancel := b.ctx()
	defer cancel()
	d.Attempt, d.DueAt, d.LastError = 0, now, ""
	m := b.deliveryMsg(b.queueSubject(d.WebhookID), d)
	m.Header.Set(jetstream.MsgIDHeader, d.ID+".q"+strconv.FormatUint(seq, 10))
	if err := b.publishSync(ctx, m); err != nil {
		return err
	}
	if err := b.failedList.DeleteMsg(ctx, seq); err != nil {
		return fmt.Errorf("remove redelivered delivery %s from the failed list: %w", d.ID, err)
	}
	b.wake()
	return nil
}
