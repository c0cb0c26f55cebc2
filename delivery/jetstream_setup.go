package delivery

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
)

// pauseKeyPrefix starts the bucket keys of pauses; index records start
// with indexKeyPrefix.
const (
	pauseKeyPrefix = "p."
	indexKeyPrefix = "i."
)

// setUp makes (or updates) the streams and the bucket, loads the pauses and
// starts watching them and the wake subject.
func (b *JetStream) setUp(opts JetStreamOptions) error {
	ctx, cancel := b.ctx()
	defer cancel()
	streams := []struct {
		s   *jetstream.Stream
		cfg jetstream.StreamConfig
	}{
		{&b.queue, jetstream.StreamConfig{
			Name:        b.name,
			Description: "cms_events webhook deliveries",
			Subjects:    []string{b.name + ".d.>"},
			Retention:   jetstream.WorkQueuePolicy,
			Duplicates:  2 * time.Minute,
		}},
		{&b.failedList, jetstream.StreamConfig{
			Name:        b.name + "_FAILED",
			Description: "cms_events webhook deliveries that failed for good",
			Subjects:    []string{b.name + "_FAILED.>"},
			Duplicates:  2 * time.Minute,
		}},
		{&b.calls, jetstream.StreamConfig{
			Name:              b.name + "_CALLS",
			Description:       "cms_events webhook call log",
			Subjects:          []string{b.name + "_CALLS.>"},
			MaxMsgsPerSubject: MaxCallsPerWebhook,
			MaxAge:            b.retention,
		}},
	}
	for _, st := range streams {
		st.cfg.Storage = jetstream.FileStorage
		st.cfg.Replicas = opts.Replicas
		s, err := b.createStream(ctx, st.cfg)
		if err != nil {
			return fmt.Errorf("make JetStream stream %s: %w; check that JetStream is enabled on the servers and that replicas (%d) is at most the cluster size", st.cfg.Name, err, opts.Replicas)
		}
		*st.s = s
	}
	kv, err := b.bucket(ctx, opts)
	if err != nil {
		return err
	}
	b.index = kv
	if err := b.followCalls(); err != nil {
		return err
	}
	if err := b.watchPauses(); err != nil {
		b.callLog.follow.Stop()
		return err
	}
	sub, err := b.nc.Subscribe(b.wakeSubject(), func(*nats.Msg) { b.subs.signal() })
	if err != nil {
		b.callLog.follow.Stop()
		b.stop()
		return fmt.Errorf("subscribe to %s: %w", b.wakeSubject(), err)
	}
	b.wakeSub = sub
	return nil
}

// createStream makes or updates a stream, trying again until ctx ends
// while the servers cannot place it: a cluster that has just started, or
// lost a server, may not know its peers for a moment.
func (b *JetStream) createStream(ctx context.Context, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	for {
		s, err := b.js.CreateOrUpdateStream(ctx, cfg)
		var apiErr *jetstream.APIError
		if err == nil || !errors.As(err, &apiErr) || apiErr.ErrorCode != jsErrCodeNoPeers && apiErr.ErrorCode != jsErrCodeUnavailable {
			return s, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// The servers' error codes for a stream they have no peers to place on
// ("no suitable peers for placement") and for a cluster without a leader
// ("JetStream system temporarily unavailable").
const (
	jsErrCodeNoPeers     jetstream.ErrorCode = 10005
	jsErrCodeUnavailable jetstream.ErrorCode = 10008
)

// bucket returns the index bucket, made if missing. Its reads go to the
// stream's leader: a take compares the revision it read with the leader's,
// and a follower's copy (a direct get) may be behind.
func (b *JetStream) bucket(ctx context.Context, opts JetStreamOptions) (jetstream.KeyValue, error) {
	name := b.name + "_INDEX"
	kv, err := b.js.KeyValue(ctx, name)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		_, err = b.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket:      name,
			Description: "cms_events index records and pauses",
			History:     1,
			Storage:     jetstream.FileStorage,
			Replicas:    opts.Replicas,
		})
		if errors.Is(err, jetstream.ErrBucketExists) {
			err = nil // made by another gateway meanwhile
		}
		if err == nil {
			kv, err = b.js.KeyValue(ctx, name)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("make JetStream key-value bucket %s: %w", name, err)
	}
	s, err := b.js.Stream(ctx, "KV_"+name)
	if err != nil {
		return nil, fmt.Errorf("read JetStream key-value bucket %s: %w", name, err)
	}
	if cfg := s.CachedInfo().Config; cfg.AllowDirect {
		cfg.AllowDirect = false
		if _, err := b.js.UpdateStream(ctx, cfg); err != nil {
			return nil, fmt.Errorf("set up JetStream key-value bucket %s: %w", name, err)
		}
		if kv, err = b.js.KeyValue(ctx, name); err != nil {
			return nil, fmt.Errorf("read JetStream key-value bucket %s: %w", name, err)
		}
	}
	return kv, nil
}

// watchPauses loads the pause records and follows their changes, made by
// this gateway or another, until Close.
func (b *JetStream) watchPauses() error {
	ctx, stop := context.WithCancel(context.Background())
	w, err := b.index.Watch(ctx, pauseKeyPrefix+"*")
	if err != nil {
		stop()
		return fmt.Errorf("watch the pauses in %s_INDEX: %w", b.name, err)
	}
	paused := make(map[string]bool)
	timeout := time.After(b.timeout)
	for loaded := false; !loaded; {
		select {
		case e := <-w.Updates():
			if e == nil {
				loaded = true
				break
			}
			if id, ok := pauseOfKey(e.Key()); ok && e.Operation() == jetstream.KeyValuePut {
				paused[id] = true
			}
		case <-timeout:
			stop()
			return fmt.Errorf("read the pauses in %s_INDEX: no answer within %s", b.name, b.timeout)
		}
	}
	b.subs.paused = paused
	b.watch, b.stop = w, stop
	go b.followPauses()
	return nil
}

// followPauses applies pause changes until the watch stops.
func (b *JetStream) followPauses() {
	defer close(b.done)
	for e := range b.watch.Updates() {
		if e == nil {
			continue
		}
		id, ok := pauseOfKey(e.Key())
		if !ok {
			continue
		}
		paused := e.Operation() == jetstream.KeyValuePut
		b.subs.setPaused(id, paused)
		if !paused {
			b.subs.signal()
		}
	}
}

// pauseOfKey returns the webhook id of a pause key.
func pauseOfKey(key string) (string, bool) {
	if !strings.HasPrefix(key, pauseKeyPrefix) {
		return "", false
	}
	return webhookOfSubject(key)
}

// SetPaused records in the bucket that the webhook is paused (its
// deliveries stay queued) or resumed; every gateway's dispatchers follow.
func (b *JetStream) SetPaused(webhookID string, paused bool) error {
	if webhookID == "" || len(webhookID) > maxWebhookIDLen {
		return fmt.Errorf("webhook id %q is invalid; give the id of a configured webhook", webhookID)
	}
	ctx, cancel := b.ctx()
	defer cancel()
	key := pauseKeyPrefix + webhookToken(webhookID)
	var err error
	if paused {
		_, err = b.index.Put(ctx, key, []byte{1})
	} else {
		err = b.index.Delete(ctx, key)
	}
	if err != nil {
		return fmt.Errorf("record the pause of webhook %s: %w", webhookID, err)
	}
	// Applied here at once; the watch brings it to the other gateways.
	b.subs.setPaused(webhookID, paused)
	if !paused {
		b.wake()
	}
	return nil
}

// PausedIDs returns the ids of the webhooks recorded as paused, sorted.
func (b *JetStream) PausedIDs() []string {
	ids := b.subs.pausedIDs()
	slices.Sort(ids)
	return ids
}

// wake tells every gateway's dispatchers that deliveries are due.
func (b *JetStream) wake() {
	b.subs.signal()
	if err := b.nc.Publish(b.wakeSubject(), nil); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
		b.log.Debug("telling other gateways of new deliveries failed; they find them at their next rescan", zap.Error(err))
	}
}
