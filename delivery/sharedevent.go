package delivery

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cmsevents/caddy-cms-events/events"
	"github.com/dgraph-io/badger/v4"
)

// A write whose event goes to several webhooks stores the event once: under
// a shared event key, beside a count of the deliveries that still need it,
// and each of its deliveries names that record (deliveryLayoutShared)
// instead of holding a copy. The record is named after the first delivery
// of the write, so names never repeat. The delivery that is delivered last
// deletes the record; deliveries kept as failed keep it, as a redelivery
// needs it. A write with a single delivery stores the event in it, as
// before.
var (
	sharedEventPrefix = []byte("e/")
	sharedCountPrefix = []byte("n/")
)

// sharedEventLayout is the first byte of a shared event record: the
// version of its layout, the event as appendEvent writes it.
const sharedEventLayout byte = 1

// sharedEventKey returns the key of the shared event record share.
func sharedEventKey(share string) []byte {
	return append(append([]byte(nil), sharedEventPrefix...), share...)
}

// sharedCountKey returns the key of the count of deliveries that need the
// shared event record share.
func sharedCountKey(share string) []byte {
	return append(append([]byte(nil), sharedCountPrefix...), share...)
}

// enqueueWrites returns the writes that queue ds: the deliveries of one
// event that has several share one event record. Deliveries of one event
// hold the same *events.Event.
func enqueueWrites(ds []*Delivery) []write {
	writes := make([]write, 0, len(ds)+2)
	if len(ds) == 1 {
		d := ds[0]
		return append(writes, write{key: queueKey(d.DueAt, d.ID, d.WebhookID), value: encodeDelivery(d)})
	}
	counts := make(map[*events.Event]int, 1)
	for _, d := range ds {
		counts[d.Event]++
	}
	shares := make(map[*events.Event]string, 1)
	for _, d := range ds {
		n := counts[d.Event]
		if n < 2 {
			writes = append(writes, write{key: queueKey(d.DueAt, d.ID, d.WebhookID), value: encodeDelivery(d)})
			continue
		}
		share, ok := shares[d.Event]
		if !ok {
			share = d.ID
			shares[d.Event] = share
			writes = append(writes,
				write{key: sharedEventKey(share), value: encodeSharedEvent(d.Event)},
				write{key: sharedCountKey(share), value: binary.AppendUvarint(nil, uint64(n))})
		}
		writes = append(writes, write{key: queueKey(d.DueAt, d.ID, d.WebhookID), value: encodeDeliveryShared(d, share)})
	}
	return writes
}

// encodeSharedEvent returns the stored value of a shared event record.
func encodeSharedEvent(ev *events.Event) []byte {
	return appendEvent(append(make([]byte, 0, 1+eventSize(ev)), sharedEventLayout), ev)
}

// withEvent reads the shared event of d, if it has one, into d.Event; the
// payload aliases a copy of the record.
func withEvent(txn *badger.Txn, d *Delivery) error {
	if d.share == "" {
		return nil
	}
	item, err := txn.Get(sharedEventKey(d.share))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return fmt.Errorf("its event (record %s) is missing", d.share)
	}
	if err != nil {
		return fmt.Errorf("read its event: %w", err)
	}
	v, err := item.ValueCopy(nil)
	if err != nil {
		return fmt.Errorf("read its event: %w", err)
	}
	if len(v) == 0 {
		return errors.New("its event record is empty")
	}
	if v[0] != sharedEventLayout {
		return layoutError("event", v[0], sharedEventLayout)
	}
	r := reader{b: v[1:]}
	d.Event = r.event(true)
	if err := r.end(); err != nil {
		return fmt.Errorf("its event record: %w", err)
	}
	return nil
}

// releaseShared returns the writes that drop d's need of its shared event
// record, now that d is delivered: the count goes down by one, and the
// last delivery deletes the record and its count. Committer only: the
// count read sees the writes of the ops before in the group.
func releaseShared(txn *badger.Txn, d *Delivery) ([]write, error) {
	if d.share == "" {
		return nil, nil
	}
	ck := sharedCountKey(d.share)
	item, err := txn.Get(ck)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the delivery count of event record %s: %w", d.share, err)
	}
	var n uint64
	err = item.Value(func(v []byte) error {
		var size int
		if n, size = binary.Uvarint(v); size <= 0 {
			return errTruncated
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the delivery count of event record %s: %w", d.share, err)
	}
	if n <= 1 {
		return []write{{key: ck, del: true}, {key: sharedEventKey(d.share), del: true}}, nil
	}
	return []write{{key: ck, value: binary.AppendUvarint(nil, n-1)}}, nil
}
