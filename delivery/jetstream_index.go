package delivery

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
)

// headerDelivery names a queued or failed message's delivery id.
const headerDelivery = "Cms-Events-Delivery"

// bucketKey is the bucket key of the index record key: bucket keys allow
// few characters, so the part up to the first slash and the rest are each
// written in hex ("_" when empty), which lets Scan list one prefix's keys.
func bucketKey(key string) string {
	head, rest := key, ""
	if i := strings.IndexByte(key, '/'); i >= 0 {
		head, rest = key[:i+1], key[i+1:]
	}
	return indexKeyPrefix + keyToken(head) + "." + keyToken(rest)
}

// keyToken writes s in hex, or "_" when empty.
func keyToken(s string) string {
	if s == "" {
		return "_"
	}
	return hex.EncodeToString([]byte(s))
}

// indexKeyOf returns the index record key of a bucket key.
func indexKeyOf(bk string) (string, bool) {
	parts := strings.Split(strings.TrimPrefix(bk, indexKeyPrefix), ".")
	if len(parts) != 2 || !strings.HasPrefix(bk, indexKeyPrefix) {
		return "", false
	}
	var key strings.Builder
	for _, p := range parts {
		if p == "_" {
			continue
		}
		b, err := hex.DecodeString(p)
		if err != nil {
			return "", false
		}
		key.Write(b)
	}
	return key.String(), true
}

// requestCtx bounds ctx by the backend's timeout unless it has a deadline.
func (b *JetStream) requestCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, b.timeout)
}

// Enqueue publishes the batch's deliveries and writes its index records,
// and returns once the servers have stored them all. A Take is done first:
// its record is deleted only at the revision that was read and matched, so
// of several gateways taking it one succeeds and the others get ErrTaken.
// Unlike Store, the writes are not one transaction: an error may leave
// some of them done, and a repeated Enqueue of the same batch is safe
// (an event queued twice for a webhook within two minutes is stored once).
func (b *JetStream) Enqueue(ctx context.Context, bt Batch) error {
	if len(bt.Deliveries)+len(bt.Put)+len(bt.Delete) == 0 && bt.Take == nil {
		return nil
	}
	msgs := make([]*nats.Msg, 0, len(bt.Deliveries))
	for _, d := range bt.Deliveries {
		if err := checkDelivery(d); err != nil {
			return err
		}
		m := b.deliveryMsg(b.queueSubject(d.WebhookID), d)
		if d.Event != nil && d.Event.ID != "" {
			// The event's id, so that the same event queued again
			// for the webhook within two minutes is stored once.
			m.Header.Set(jetstream.MsgIDHeader, "e."+d.Event.ID+"."+webhookToken(d.WebhookID))
		}
		if max := b.nc.MaxPayload(); int64(len(m.Data)) > max-1024 {
			return fmt.Errorf("delivery %s is %d bytes, more than the NATS servers take (max_payload %d); raise max_payload on the servers or lower max_body", d.ID, len(m.Data), max)
		}
		msgs = append(msgs, m)
	}
	ctx, cancel := b.requestCtx(ctx)
	defer cancel()
	var held []byte
	if bt.Take != nil {
		var err error
		if held, err = b.take(ctx, bt.Take); err != nil {
			return err
		}
	}
	if err := b.publish(ctx, msgs); err != nil {
		if bt.Take != nil {
			b.untake(bt.Take.Key, held)
		}
		return err
	}
	for _, kv := range bt.Put {
		err := b.retry(ctx, fmt.Sprintf("write index record %q", kv.Key), func(ctx context.Context) error {
			_, err := b.index.Put(ctx, bucketKey(kv.Key), kv.Value)
			return err
		})
		if err != nil {
			return err
		}
	}
	for _, k := range bt.Delete {
		err := b.retry(ctx, fmt.Sprintf("delete index record %q", k), func(ctx context.Context) error {
			if err := b.index.Delete(ctx, bucketKey(k)); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
				return err
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if len(msgs) > 0 {
		b.wake()
	}
	return nil
}

// deliveryMsg is the message of d on subject; the delivery id is its
// message id, so that a repeated publish is stored once.
func (b *JetStream) deliveryMsg(subject string, d *Delivery) *nats.Msg {
	m := nats.NewMsg(subject)
	m.Data = encodeDelivery(d)
	m.Header.Set(headerDelivery, d.ID)
	m.Header.Set(jetstream.MsgIDHeader, d.ID)
	return m
}

// publishTry bounds the wait for one publish's acknowledgement: an
// acknowledgement lost with a server that stopped never comes, and the
// message is published again, to the servers left.
const publishTry = 2 * time.Second

// publish publishes msgs side by side and waits for every ack; a publish
// that fails or is not acknowledged within publishTry (a server being
// replaced, say) is repeated until ctx ends, with its message id, so it
// is never stored twice.
func (b *JetStream) publish(ctx context.Context, msgs []*nats.Msg) error {
	futures := make([]jetstream.PubAckFuture, len(msgs))
	for i, m := range msgs {
		f, err := b.js.PublishMsgAsync(m)
		if err != nil {
			continue // published again below
		}
		futures[i] = f
	}
	try := time.NewTimer(publishTry)
	defer try.Stop()
	for i, f := range futures {
		if f != nil {
			select {
			case <-f.Ok():
				continue
			case <-f.Err():
			case <-try.C:
				try.Reset(0) // the others have had their time too
			case <-ctx.Done():
				return fmt.Errorf("publish deliveries: %w", ctx.Err())
			}
		}
		if err := b.publishSync(ctx, msgs[i]); err != nil {
			return err
		}
	}
	return nil
}

// publishSync publishes m, trying again every 100ms, each try waiting
// publishTry at most, until ctx ends.
func (b *JetStream) publishSync(ctx context.Context, m *nats.Msg) error {
	return b.retry(ctx, "publish to "+m.Subject, func(ctx context.Context) error {
		_, err := b.js.PublishMsg(ctx, m)
		return err
	})
}

// retry calls op until it succeeds or ctx ends, every 100ms, each call
// bounded by publishTry; op must be safe to repeat.
func (b *JetStream) retry(ctx context.Context, what string, op func(ctx context.Context) error) error {
	for {
		tctx, cancel := context.WithTimeout(ctx, publishTry)
		err := op(tctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", what, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// take deletes the take's record at the revision read, if it matches, and
// returns the value it had.
func (b *JetStream) take(ctx context.Context, t *Take) ([]byte, error) {
	bk := bucketKey(t.Key)
	e, err := b.index.Get(ctx, bk)
	found := err == nil
	if err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, fmt.Errorf("read index record %q: %w", t.Key, err)
	}
	var value []byte
	if found {
		value = e.Value()
	}
	if t.taken(value, found) {
		return nil, fmt.Errorf("index record %q: %w", t.Key, ErrTaken)
	}
	if err := b.index.Delete(ctx, bk, jetstream.LastRevision(e.Revision())); err != nil {
		if now, gerr := b.index.Get(ctx, bk); errors.Is(gerr, jetstream.ErrKeyNotFound) || gerr == nil && now.Revision() != e.Revision() {
			return nil, fmt.Errorf("index record %q: %w", t.Key, ErrTaken)
		}
		return nil, fmt.Errorf("take index record %q: %w", t.Key, err)
	}
	return value, nil
}

// untake puts back a taken record whose batch could not be published, so
// that the batch can be taken again; a record written since is kept.
func (b *JetStream) untake(key string, value []byte) {
	ctx, cancel := b.ctx()
	defer cancel()
	if _, err := b.index.Create(ctx, bucketKey(key), value); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
		b.log.Error("putting back an index record whose events could not be queued failed; they are lost",
			zap.String("key", key), zap.Error(err))
	}
}

// Get reads the index record key; ok is false when there is none.
func (b *JetStream) Get(key string) (value []byte, ok bool, err error) {
	ctx, cancel := b.ctx()
	defer cancel()
	e, err := b.index.Get(ctx, bucketKey(key))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read index record %q: %w", key, err)
	}
	return e.Value(), true, nil
}

// Scan calls fn with every index record whose key starts with prefix, in
// key order. Records written meanwhile may or may not be seen.
func (b *JetStream) Scan(prefix string, fn func(key string, value []byte) error) error {
	ctx, cancel := b.ctx()
	defer cancel()
	filter := indexKeyPrefix + ">"
	if i := strings.IndexByte(prefix, '/'); i == len(prefix)-1 {
		filter = indexKeyPrefix + keyToken(prefix) + ".*"
	}
	lister, err := b.index.ListKeysFiltered(ctx, filter)
	if err != nil {
		if errors.Is(err, jetstream.ErrNoKeysFound) {
			return nil
		}
		return fmt.Errorf("scan index records %q: %w", prefix, err)
	}
	var keys []string
	for bk := range lister.Keys() {
		if k, ok := indexKeyOf(bk); ok && strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	lister.Stop()
	slices.Sort(keys)
	for _, k := range keys {
		e, err := b.index.Get(ctx, bucketKey(k))
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return fmt.Errorf("scan index records %q: %w", prefix, err)
		}
		if err := fn(k, e.Value()); err != nil {
			return err
		}
	}
	return nil
}

// Follow calls fn with every change to the index records under prefix
// (which ends in "/") from now on, made by any gateway on the bucket,
// this one included.
func (b *JetStream) Follow(prefix string, fn func(key string, value []byte)) (stop func(), err error) {
	if !strings.HasSuffix(prefix, "/") || strings.Count(prefix, "/") != 1 {
		return nil, fmt.Errorf("follow index records %q: the prefix must end in its only /", prefix)
	}
	ctx, cancel := context.WithCancel(context.Background())
	w, err := b.index.Watch(ctx, indexKeyPrefix+keyToken(prefix)+".*", jetstream.UpdatesOnly())
	if err != nil {
		cancel()
		return nil, fmt.Errorf("follow index records %q: %w", prefix, err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for e := range w.Updates() {
			if e == nil {
				continue
			}
			key, ok := indexKeyOf(e.Key())
			if !ok {
				continue
			}
			if e.Operation() == jetstream.KeyValuePut {
				fn(key, e.Value())
			} else {
				fn(key, nil)
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}, nil
}
