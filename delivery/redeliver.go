package delivery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
	"go.uber.org/zap"
)

// ErrNotFound is wrapped by the errors about a call the store does not have.
var ErrNotFound = errors.New("not found")

// redeliverChunk bounds how many failed deliveries one transaction of
// RedeliverFailed looks at, so the committer is not held up for long.
const redeliverChunk = 1000

// Redeliver makes the delivery of the call callID of the webhook due now:
// a failed delivery goes back to the queue with a full set of attempts, a
// pending one is due at once (one being sent is left to its attempt), and
// for a delivery already made a new delivery of the same event is queued
// (with the same idempotency key: it is the same event). An unknown call
// gives an error wrapping ErrNotFound.
func (s *Store) Redeliver(webhookID, callID string) error {
	ex, err := callToRedeliver(webhookID, callID, s.readCallRecord)
	if err != nil {
		return err
	}
	now := time.Now()
	o := newOp(func(txn *badger.Txn) ([]write, error) {
		return s.redeliverWrites(txn, webhookID, ex, now)
	})
	o.wake = true
	if err := s.submit(context.Background(), o); err != nil {
		return fmt.Errorf("redeliver call %s of webhook %s: %w", callID, webhookID, err)
	}
	return nil
}

// callToRedeliver reads the call callID of the webhook with readCallRecord
// and returns what redelivering it needs; an unknown call gives an error
// wrapping ErrNotFound.
func callToRedeliver(webhookID, callID string, readCallRecord func(webhookID, callID string, read func(v []byte) error) (bool, error)) (*callExtra, error) {
	var ex callExtra
	ok, err := readCallRecord(webhookID, callID, func(v []byte) error {
		var err error
		_, ex, err = decodeCall(v)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("call %s of webhook %s: %w (the call log keeps the last %d calls)", callID, webhookID, ErrNotFound, MaxCallsPerWebhook)
	}
	if ex.Event == nil {
		return nil, fmt.Errorf("call %s of webhook %s holds no event to redeliver", callID, webhookID)
	}
	return &ex, nil
}

// redeliverWrites returns the writes that make the delivery of a call due
// at now. Unless the call delivered it, the delivery is looked for in the
// failed list, among the claims and in the queue (a scan of the pending
// keys); when it is in none of them it was delivered since.
func (s *Store) redeliverWrites(txn *badger.Txn, webhookID string, ex *callExtra, now time.Time) ([]write, error) {
	if !ex.Delivered {
		fk := failedKey(webhookID, ex.DeliveryID)
		item, err := txn.Get(fk)
		switch {
		case err == nil:
			d, err := readDelivery(item)
			if err != nil {
				return nil, err
			}
			d.Attempt, d.DueAt = 0, now
			s.failed.Add(-1)
			s.depth.Add(1)
			return requeue(fk, d), nil
		case !errors.Is(err, badger.ErrKeyNotFound):
			return nil, fmt.Errorf("read failed delivery %s: %w", ex.DeliveryID, err)
		}
		for _, l := range s.leases {
			if l.deliveryID == ex.DeliveryID && l.webhookID == webhookID {
				return nil, nil // being sent now
			}
		}
		if key := s.findPending(txn, webhookID, ex.DeliveryID); key != nil {
			if !queueDue(key).After(now) {
				return nil, nil // due already
			}
			item, err := txn.Get(key)
			if err != nil {
				return nil, fmt.Errorf("read pending delivery %s: %w", ex.DeliveryID, err)
			}
			d, err := readDelivery(item)
			if err != nil {
				return nil, err
			}
			d.DueAt = now
			return requeue(key, d), nil
		}
	}
	d := NewDelivery(webhookID, ex.Event, now)
	s.depth.Add(1)
	return []write{{key: queueKey(now, d.ID, webhookID), value: encodeDelivery(d)}}, nil
}

// findPending returns the key of the pending delivery deliveryID of the
// webhook, or nil.
func (s *Store) findPending(txn *badger.Txn, webhookID, deliveryID string) []byte {
	suffix := []byte("/" + deliveryID + "/" + webhookID)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: queuePrefix})
	defer it.Close()
	for it.Seek(queueSeekKey(s.queueFloor)); it.Valid(); it.Next() {
		k := it.Item().Key()
		if len(k) == dueKeyHead-1+len(suffix) && bytes.HasSuffix(k, suffix) {
			return it.Item().KeyCopy(nil)
		}
	}
	return nil
}

// RedeliverFailed makes every failed delivery of the webhook created at or
// after since (every one for the zero time) due now, with a full set of
// attempts, and returns how many there were. Large lists are moved in
// several transactions.
func (s *Store) RedeliverFailed(webhookID string, since time.Time) (int, error) {
	total := 0
	var after []byte
	for {
		var moved int
		var done bool
		now := time.Now()
		o := newOp(func(txn *badger.Txn) ([]write, error) {
			var writes []write
			var err error
			writes, moved, after, done, err = s.redeliverFailedChunk(txn, webhookID, since, now, after)
			return writes, err
		})
		o.wake = true
		if err := s.submit(context.Background(), o); err != nil {
			return total, fmt.Errorf("redeliver the failed deliveries of webhook %s (%d done): %w", webhookID, total, err)
		}
		total += moved
		if done {
			return total, nil
		}
	}
}

// redeliverFailedChunk moves failed deliveries of the webhook created at or
// after since back to the queue, due at now, looking at up to
// redeliverChunk of them after the key after. It returns the last key it
// looked at, and done when there are no more.
func (s *Store) redeliverFailedChunk(txn *badger.Txn, webhookID string, since, now time.Time, after []byte) (writes []write, moved int, last []byte, done bool, err error) {
	prefix := failedWebhookPrefix(webhookID)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true})
	defer it.Close()
	if after == nil {
		it.Seek(prefix)
	} else if it.Seek(after); it.Valid() && bytes.Equal(it.Item().Key(), after) {
		it.Next()
	}
	last = after
	for seen := 0; it.Valid(); it.Next() {
		if seen == redeliverChunk {
			return s.movedFailed(writes, moved), moved, last, false, nil
		}
		seen++
		item := it.Item()
		last = item.KeyCopy(nil)
		if !failedKeyOf(last, webhookID) {
			continue
		}
		d, err := readDelivery(item)
		if err != nil {
			s.log.Warn("unreadable failed delivery left in the failed list; it cannot be sent", zap.String("webhook", webhookID), zap.Error(err))
			continue
		}
		if d.CreatedAt.Before(since) {
			continue
		}
		d.Attempt, d.DueAt = 0, now
		writes = append(writes, requeue(last, d)...)
		moved++
	}
	return s.movedFailed(writes, moved), moved, last, true, nil
}

// movedFailed counts n failed deliveries moved back to the queue and
// returns writes.
func (s *Store) movedFailed(writes []write, n int) []write {
	s.failed.Add(-int64(n))
	s.depth.Add(int64(n))
	return writes
}

// readDelivery decodes the delivery stored in item.
func readDelivery(item *badger.Item) (*Delivery, error) {
	v, err := item.ValueCopy(nil)
	if err == nil {
		var d *Delivery
		if d, err = decodeDelivery(v); err == nil {
			return d, nil
		}
	}
	return nil, fmt.Errorf("read delivery %q: %w", item.Key(), err)
}

// requeue returns the writes that move d from key to the queue at d.DueAt.
func requeue(key []byte, d *Delivery) []write {
	return []write{{key: key, del: true}, {key: queueKey(d.DueAt, d.ID, d.WebhookID), value: encodeDelivery(d)}}
}
