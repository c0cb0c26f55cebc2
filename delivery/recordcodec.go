package delivery

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cmsevents/caddy-cms-events/events"
)

// deliveryLayout is the first byte of a stored delivery: the version of the
// layout below. Version 1, written by earlier releases, is read too: its
// events have no channels. deliveryLayoutShared is a delivery whose event
// is stored once for all the deliveries of its write: it ends with the
// name of that record instead of the event.
const (
	deliveryLayout       byte = 2
	deliveryLayoutV1     byte = 1
	deliveryLayoutShared byte = 3
)

// A stored delivery starts with fixed-size fields, which a claim rewrites in
// place without decoding the rest:
//
//	[0]      deliveryLayout
//	[1:5]    Attempt, uint32 big-endian
//	[5:13]   DueAt, Unix seconds, int64 big-endian
//	[13:17]  DueAt, nanoseconds, uint32 big-endian
//
// then CreatedAt, ID, WebhookID, LastError and the event (appendEvent), or,
// in deliveryLayoutShared, the name of the shared event record.
const (
	deliveryAttemptAt = 1
	deliveryDueAt     = 5
	deliveryHeadLen   = 17
)

// encodeDelivery returns the stored value of d: with its event, or with
// the name of its shared event record when it has one.
func encodeDelivery(d *Delivery) []byte {
	return encodeDeliveryShared(d, d.share)
}

// encodeDeliveryShared returns the stored value of d with the name of the
// shared event record share instead of its event; share "" stores the
// event.
func encodeDeliveryShared(d *Delivery, share string) []byte {
	size := deliveryHeadLen + timeSize + stringSize(len(d.ID)) + stringSize(len(d.WebhookID)) +
		stringSize(len(d.LastError))
	if share != "" {
		size += stringSize(len(share))
	} else {
		size += eventSize(d.Event)
	}
	b := make([]byte, deliveryHeadLen, size)
	b[0] = deliveryLayout
	if share != "" {
		b[0] = deliveryLayoutShared
	}
	setDeliveryHead(b, d.Attempt, d.DueAt)
	b = appendTime(b, d.CreatedAt)
	b = appendString(b, d.ID)
	b = appendString(b, d.WebhookID)
	b = appendString(b, d.LastError)
	if share != "" {
		return appendString(b, share)
	}
	return appendEvent(b, d.Event)
}

// setDeliveryHead writes the attempt count and due time into the stored
// delivery v (at least deliveryHeadLen bytes).
func setDeliveryHead(v []byte, attempt int, due time.Time) {
	binary.BigEndian.PutUint32(v[deliveryAttemptAt:], uint32(max(attempt, 0)))
	binary.BigEndian.PutUint64(v[deliveryDueAt:], uint64(due.Unix()))
	binary.BigEndian.PutUint32(v[deliveryDueAt+8:], uint32(due.Nanosecond()))
}

// decodeDelivery decodes a stored delivery. The event's payload aliases v.
// A delivery of deliveryLayoutShared comes back without its event, and with
// share set: withEvent reads it.
func decodeDelivery(v []byte) (*Delivery, error) {
	if len(v) == 0 {
		return nil, errors.New("stored delivery is empty")
	}
	if v[0] != deliveryLayout && v[0] != deliveryLayoutV1 && v[0] != deliveryLayoutShared {
		return nil, layoutError("delivery", v[0], deliveryLayoutShared)
	}
	if len(v) < deliveryHeadLen {
		return nil, fmt.Errorf("stored delivery: %w", errTruncated)
	}
	d := &Delivery{
		Attempt: int(binary.BigEndian.Uint32(v[deliveryAttemptAt:])),
		DueAt: time.Unix(int64(binary.BigEndian.Uint64(v[deliveryDueAt:])),
			int64(binary.BigEndian.Uint32(v[deliveryDueAt+8:]))).UTC(),
	}
	r := reader{b: v[deliveryHeadLen:]}
	d.CreatedAt = r.time()
	d.ID = r.string()
	d.WebhookID = r.string()
	d.LastError = r.string()
	if v[0] == deliveryLayoutShared {
		if d.share = r.string(); d.share == "" {
			r.fail()
		}
	} else {
		d.Event = r.event(v[0] != deliveryLayoutV1)
	}
	if err := r.end(); err != nil {
		return nil, fmt.Errorf("stored delivery: %w", err)
	}
	return d, nil
}

// end reports the reader's error, or an error if bytes are left over.
func (r *reader) end() error {
	if r.err == nil && len(r.b) > 0 {
		r.err = errTruncated
	}
	return r.err
}

// layoutError says that a stored value of the kind starts with a layout
// version other than the one this package reads.
func layoutError(kind string, got, want byte) error {
	if got == '{' {
		return fmt.Errorf("stored %s is JSON, a layout of an earlier development version that this version does not read", kind)
	}
	return fmt.Errorf("stored %s has layout version %d; this version reads versions 1 to %d", kind, got, want)
}

// eventSize is what appendEvent adds for ev, at most.
func eventSize(ev *events.Event) int {
	if ev == nil {
		return 1
	}
	n := 1 + stringSize(len(ev.ID)) + stringSize(len(ev.Topic)) + stringSize(len(ev.Space)) +
		stringSize(len(ev.Environment)) + stringSize(len(ev.EntityID)) + stringSize(len(ev.CRN)) +
		timeSize + uvarintSize(uint64(len(ev.Headers))) + uvarintSize(uint64(len(ev.Channels))) + stringSize(len(ev.Payload))
	for k, v := range ev.Headers {
		n += stringSize(len(k)) + stringSize(len(v))
	}
	for _, c := range ev.Channels {
		n += stringSize(len(c))
	}
	return n
}

// appendEvent appends ev: a byte telling whether there is one, then its
// fields, its headers (a count, then name and value of each, sorted by
// name), its channels (a count, then each) and its payload as it is.
func appendEvent(b []byte, ev *events.Event) []byte {
	b = appendBool(b, ev != nil)
	if ev == nil {
		return b
	}
	b = appendString(b, ev.ID)
	b = appendString(b, ev.Topic)
	b = appendString(b, ev.Space)
	b = appendString(b, ev.Environment)
	b = appendString(b, ev.EntityID)
	b = appendString(b, ev.CRN)
	b = appendTime(b, ev.Time)
	b = binary.AppendUvarint(b, uint64(len(ev.Headers)))
	if len(ev.Headers) > 0 {
		names := make([]string, 0, len(ev.Headers))
		for k := range ev.Headers {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, k := range names {
			b = appendString(b, k)
			b = appendString(b, ev.Headers[k])
		}
	}
	b = binary.AppendUvarint(b, uint64(len(ev.Channels)))
	for _, c := range ev.Channels {
		b = appendString(b, c)
	}
	return appendBytes(b, ev.Payload)
}

// event reads what appendEvent wrote; channels is false for layout 1,
// which has none. The payload aliases the value read.
func (r *reader) event(channels bool) *events.Event {
	if !r.bool() {
		return nil
	}
	ev := &events.Event{
		ID:          r.string(),
		Topic:       r.string(),
		Space:       r.string(),
		Environment: r.string(),
		EntityID:    r.string(),
		CRN:         r.string(),
		Time:        r.time(),
	}
	if n := r.count(2); n > 0 {
		ev.Headers = make(map[string]string, n)
		for range n {
			k := r.string()
			ev.Headers[k] = r.string()
		}
	}
	if channels {
		if n := r.count(1); n > 0 {
			ev.Channels = make([]string, n)
			for i := range ev.Channels {
				ev.Channels[i] = r.string()
			}
		}
	}
	if p := r.raw(); len(p) > 0 {
		ev.Payload = p
	}
	return ev
}
