package delivery

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/cmsevents/caddy-cms-events/events"
)

// CallActivity is a call-log entry as an activity view lists it: the
// overview with the event's topic and entity, the attempt, the duration
// and whether the call delivered its delivery.
type CallActivity struct {
	CallOverview
	// DurationMs is the time from request to response, in milliseconds.
	DurationMs int64 `json:"durationMs"`
	// Topic is the event's topic.
	Topic string `json:"topic"`
	// Entity is the id of the entity the event is about.
	Entity string `json:"entity"`
	// Attempt counts the attempts of the delivery from 1.
	Attempt int `json:"attempt"`
	// Delivered is true when the call delivered its delivery.
	Delivered bool `json:"delivered"`
}

// CallActivity returns a page of the webhook's call log, newest first by
// requestAt, with the event and attempt of each call.
func (s *Store) CallActivity(webhookID string, skip, limit int) (items []CallActivity, total int, err error) {
	items = make([]CallActivity, 0, min(limit, 64))
	total, err = s.eachCall(webhookID, skip, limit, func(v []byte) error {
		ov, ex, err := decodeCall(v)
		if err == nil {
			items = append(items, activityOf(ov, ex))
		}
		return err
	})
	return items, total, err
}

// activityOf adds what the stored call says beyond its overview.
func activityOf(ov CallOverview, ex callExtra) CallActivity {
	a := CallActivity{CallOverview: ov, Delivered: ex.Delivered}
	req, err1 := time.Parse(CallTimeLayout, ov.RequestAt)
	res, err2 := time.Parse(CallTimeLayout, ov.ResponseAt)
	if err1 == nil && err2 == nil {
		a.DurationMs = res.Sub(req).Milliseconds()
	}
	if ex.Event != nil {
		a.Topic, a.Entity = ex.Event.Topic, ex.Event.EntityID
	}
	for name, v := range ex.Request.Headers {
		if strings.EqualFold(name, HeaderAttempt) || strings.EqualFold(name, events.HeaderRequestAttempt) {
			a.Attempt, _ = strconv.Atoi(v)
		}
	}
	return a
}

// WebhookQueue counts one webhook's deliveries.
type WebhookQueue struct {
	// Queued are pending or being sent.
	Queued int `json:"queued"`
	// Failed ran out of attempts and wait for a redelivery.
	Failed int `json:"failed"`
}

// QueueByWebhook counts the queue by webhook by scanning its keys.
func (s *Store) QueueByWebhook() (map[string]WebhookQueue, error) {
	out := make(map[string]WebhookQueue)
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: queuePrefix})
		for it.Rewind(); it.Valid(); it.Next() {
			if _, _, id, ok := parseDueKey(it.Item().Key()); ok {
				q := out[id]
				q.Queued++
				out[id] = q
			}
		}
		it.Close()
		it = txn.NewIterator(badger.IteratorOptions{Prefix: failedPrefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			rest := it.Item().Key()[len(failedPrefix):]
			if i := strings.LastIndexByte(string(rest), '/'); i > 0 {
				q := out[string(rest[:i])]
				q.Failed++
				out[string(rest[:i])] = q
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read queue statistics: %w", err)
	}
	return out, nil
}
