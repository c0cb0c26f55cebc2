package delivery

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
)

// Headers of a call-log message: the call id, "1" when it was answered
// with a status below 300, and its requestAt in unix nanoseconds.
const (
	headerCall      = "Cms-Events-Call"
	headerHealthy   = "Cms-Events-Healthy"
	headerRequestAt = "Cms-Events-Request-At"
)

// jsCalls is the in-memory index of the call-log stream: every gateway
// follows the stream's headers, so listing, counting and finding calls read
// no messages, and a page reads only its own.
type jsCalls struct {
	index callIndex
	// mu guards seen, the stream sequence of the last message indexed;
	// indexed is closed and replaced whenever seen grows.
	mu      sync.Mutex
	seen    uint64
	indexed chan struct{}
	// follow stops following the stream.
	follow jetstream.ConsumeContext
}

// waitIndexed waits until the index holds the message at seq, or ctx ends.
func (jc *jsCalls) waitIndexed(ctx context.Context, seq uint64) {
	for {
		jc.mu.Lock()
		seen, indexed := jc.seen, jc.indexed
		jc.mu.Unlock()
		if seen >= seq {
			return
		}
		select {
		case <-indexed:
		case <-ctx.Done():
			return
		}
	}
}

// markIndexed records that the index holds the messages up to seq.
func (jc *jsCalls) markIndexed(seq uint64) {
	jc.mu.Lock()
	defer jc.mu.Unlock()
	if seq > jc.seen {
		jc.seen = seq
		close(jc.indexed)
		jc.indexed = make(chan struct{})
	}
}

// followCalls loads the call-log index from the stream's headers and keeps
// following it; it returns once the calls stored before it started are in
// the index.
func (b *JetStream) followCalls() error {
	ctx, cancel := b.ctx()
	defer cancel()
	info, err := b.calls.Info(ctx)
	if err != nil {
		return fmt.Errorf("read the call log stream %s_CALLS: %w", b.name, err)
	}
	c, err := b.calls.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{HeadersOnly: true})
	if err != nil {
		return fmt.Errorf("follow the call log stream %s_CALLS: %w", b.name, err)
	}
	b.callLog.indexed = make(chan struct{})
	loaded := make(chan struct{})
	var once sync.Once
	if info.State.Msgs == 0 {
		once.Do(func() { close(loaded) })
	}
	last := info.State.LastSeq
	b.callLog.follow, err = c.Consume(func(m jetstream.Msg) {
		md, err := m.Metadata()
		if err != nil {
			return
		}
		b.indexCall(m.Subject(), m.Headers(), md.Sequence.Stream)
		b.callLog.markIndexed(md.Sequence.Stream)
		if md.Sequence.Stream >= last {
			once.Do(func() { close(loaded) })
		}
	})
	if err != nil {
		return fmt.Errorf("follow the call log stream %s_CALLS: %w", b.name, err)
	}
	select {
	case <-loaded:
		return nil
	case <-ctx.Done():
		b.callLog.follow.Stop()
		return fmt.Errorf("read the call log stream %s_CALLS: no answer within %s", b.name, b.timeout)
	}
}

// indexCall adds the call-log message with subject, headers and stream
// sequence seq to the index.
func (b *JetStream) indexCall(subject string, h nats.Header, seq uint64) {
	webhookID, ok := webhookOfSubject(subject)
	id := h.Get(headerCall)
	at, err := strconv.ParseInt(h.Get(headerRequestAt), 10, 64)
	if !ok || id == "" || err != nil {
		return
	}
	b.addCall(webhookID, id, time.Unix(0, at), h.Get(headerHealthy) == "1", seq)
}

// addCall adds one call to the index.
func (b *JetStream) addCall(webhookID, id string, requestAt time.Time, healthy bool, seq uint64) {
	now := time.Now()
	e := callEntry{seq: uint64(requestAt.UnixNano()), id: id, expiresAt: expiresAt(now, b.retention), healthy: healthy, msgSeq: seq}
	b.callLog.index.add(webhookID, e, MaxCallsPerWebhook, now.Unix())
}

// recordCall publishes a call-log entry and waits until the index holds
// it, so that the call is listed once its outcome is recorded; the
// stream keeps the newest MaxCallsPerWebhook of each webhook for the
// retention. A failure is logged: the outcome of the attempt is recorded
// all the same.
func (b *JetStream) recordCall(ctx context.Context, c *callWrite) {
	at := c.requestAt
	if at.IsZero() || at.After(time.Now()) {
		at = time.Now()
	}
	m := nats.NewMsg(b.callSubject(c.webhookID))
	m.Data = c.value
	m.Header.Set(headerCall, c.id)
	m.Header.Set(headerRequestAt, strconv.FormatInt(at.UnixNano(), 10))
	healthy := "0"
	if c.healthy {
		healthy = "1"
	}
	m.Header.Set(headerHealthy, healthy)
	m.Header.Set(jetstream.MsgIDHeader, "c."+c.id)
	if max := b.nc.MaxPayload(); int64(len(m.Data)) > max-1024 {
		b.log.Error("a webhook call is larger than the NATS servers take and is left out of the call log; raise max_payload on the servers",
			zap.String("webhook", c.webhookID), zap.String("call", c.id), zap.Int("bytes", len(m.Data)), zap.Int64("max_payload", max))
		return
	}
	ack, err := b.js.PublishMsg(ctx, m)
	if err != nil {
		b.log.Error("recording a webhook call in the call log failed", zap.String("webhook", c.webhookID), zap.String("call", c.id), zap.Error(err))
		return
	}
	b.callLog.waitIndexed(ctx, ack.Sequence)
}

// eachCall calls decode with the stored value of every entry of a page of
// the webhook's call log, newest first, and returns how many entries there
// are in all. An entry gone from the stream is left out; one decode fails
// on is logged and left out.
func (b *JetStream) eachCall(webhookID string, skip, limit int, decode func(v []byte) error) (total int, err error) {
	total, entries := b.callLog.index.page(webhookID, skip, limit, time.Now().Unix())
	ctx, cancel := b.ctx()
	defer cancel()
	for _, e := range entries {
		v, ok, err := b.callValue(ctx, e)
		if err != nil {
			return 0, fmt.Errorf("read the call log of webhook %s: %w", webhookID, err)
		}
		if !ok {
			continue
		}
		if err := decode(v); err != nil {
			b.log.Warn("unreadable call-log entry left out of the list; it expires with the retention",
				zap.String("webhook", webhookID), zap.String("call", e.id), zap.Error(err))
		}
	}
	return total, nil
}

// callValue reads the stored value of the call e; ok is false when the
// stream no longer has it.
func (b *JetStream) callValue(ctx context.Context, e callEntry) (v []byte, ok bool, err error) {
	m, err := b.calls.GetMsg(ctx, e.msgSeq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return m.Data, true, nil
}

// readCallRecord reads the stored call callID of the webhook with read;
// ok is false when there is none.
func (b *JetStream) readCallRecord(webhookID, callID string, read func(v []byte) error) (ok bool, err error) {
	e, ok := b.callLog.index.find(webhookID, callID, time.Now().Unix())
	if !ok {
		return false, nil
	}
	ctx, cancel := b.ctx()
	defer cancel()
	v, ok, err := b.callValue(ctx, e)
	if err != nil {
		return false, fmt.Errorf("read call %s of webhook %s: %w", callID, webhookID, err)
	}
	if !ok {
		return false, nil
	}
	return true, read(v)
}

// Calls returns the webhook's call-log entries newest first, skipping skip
// and returning at most limit of them, and how many there are in all.
func (b *JetStream) Calls(webhookID string, skip, limit int) (items []CallOverview, total int, err error) {
	items = make([]CallOverview, 0, min(limit, 64))
	total, err = b.eachCall(webhookID, skip, limit, func(v []byte) error {
		ov, err := decodeOverview(v)
		if err == nil {
			items = append(items, ov)
		}
		return err
	})
	return items, total, err
}

// CallActivity returns a page of the webhook's call log, newest first by
// requestAt, with the event and attempt of each call.
func (b *JetStream) CallActivity(webhookID string, skip, limit int) (items []CallActivity, total int, err error) {
	items = make([]CallActivity, 0, min(limit, 64))
	total, err = b.eachCall(webhookID, skip, limit, func(v []byte) error {
		ov, ex, err := decodeCall(v)
		if err == nil {
			items = append(items, activityOf(ov, ex))
		}
		return err
	})
	return items, total, err
}

// Call returns the call callID of the webhook; ok is false when there is
// no such call (or it is no longer kept).
func (b *JetStream) Call(webhookID, callID string) (details CallDetails, ok bool, err error) {
	return callDetailsFrom(func(read func(v []byte) error) (bool, error) {
		return b.readCallRecord(webhookID, callID, read)
	})
}

// Health returns how many calls of the webhook the log holds and how many
// of them were answered with a status below 300. It reads the index.
func (b *JetStream) Health(webhookID string) (total, healthy int, err error) {
	total, healthy = b.callLog.index.health(webhookID, time.Now().Unix())
	return total, healthy, nil
}
