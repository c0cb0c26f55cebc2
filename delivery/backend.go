package delivery

import (
	"context"
	"errors"
	"time"
)

// Backend is the durable storage of a gateway: the delivery queue, the
// failed list, pauses, the call log and the index records (auto_save
// windows, followed actions, aliases, definitions made through the APIs).
// Store keeps them in Badger, for one process; JetStream keeps them in NATS
// JetStream, shared by every process connected to the same streams.
//
// The methods a Dispatcher uses to claim and settle deliveries are
// unexported: a backend is implemented in this package.
type Backend interface {
	// Enqueue durably commits b; see Store.Enqueue.
	Enqueue(ctx context.Context, b Batch) error
	// Get reads the index record key; ok is false when there is none.
	Get(key string) (value []byte, ok bool, err error)
	// Scan calls fn with every index record whose key starts with prefix.
	Scan(prefix string, fn func(key string, value []byte) error) error
	// Follow calls fn, from a goroutine of its own and one change at a
	// time, with every index record under prefix (which ends in "/") that
	// another process sharing the backend writes from now on: its new
	// value, or nil when it was deleted. Changes made through this backend
	// may come too. stop ends it. A backend that no other process shares
	// has nothing to report.
	Follow(prefix string, fn func(key string, value []byte)) (stop func(), err error)

	// QueueStats counts the queue: depth is every pending delivery
	// (including those being sent), due those due now, failed those kept
	// as failed; oldestDue is the earliest due time of those waiting.
	QueueStats() (depth, due, failed int, oldestDue time.Time, err error)
	// QueueByWebhook counts the queue by webhook.
	QueueByWebhook() (map[string]WebhookQueue, error)
	// Counts returns the pending and failed deliveries, cheaply.
	Counts() (depth, failed int)

	// SetPaused records that the webhook is paused or resumed and tells
	// every dispatcher on the backend.
	SetPaused(webhookID string, paused bool) error
	// PausedIDs returns the paused webhooks, sorted.
	PausedIDs() []string
	// Redeliver makes the delivery of a logged call due now; an unknown
	// call gives an error wrapping ErrNotFound.
	Redeliver(webhookID, callID string) error
	// RedeliverFailed makes the webhook's failed deliveries created at or
	// after since due now and returns how many there were.
	RedeliverFailed(webhookID string, since time.Time) (int, error)

	// Calls returns a page of the webhook's call log, newest first, and
	// how many entries it holds.
	Calls(webhookID string, skip, limit int) (items []CallOverview, total int, err error)
	// Call returns one call of the webhook; ok is false when there is none.
	Call(webhookID, callID string) (details CallDetails, ok bool, err error)
	// Health returns how many calls the log holds and how many of them
	// were answered with a status below 300.
	Health(webhookID string) (total, healthy int, err error)
	// CallActivity returns a page of the call log with the event and
	// attempt of each call.
	CallActivity(webhookID string, skip, limit int) (items []CallActivity, total int, err error)

	// Close closes the backend; dispatchers on it must be stopped first.
	Close() error

	// subscribers returns the dispatchers running on the backend.
	subscribers() *subscribers
	// claim takes due deliveries for a dispatcher, each under a lease.
	claim(req claimRequest) (claimResult, error)
	// settle records the outcome of an attempt of a claimed delivery;
	// lost is true when the lease had ended and the delivery was claimed
	// again meanwhile.
	settle(c claimed, st settlement) (lost bool, err error)
}

// ErrTaken is wrapped by the error of an Enqueue whose Batch.Take found the
// record gone or changed: another process sharing the backend acted first.
var ErrTaken = errors.New("the record was taken by another writer")

// Take makes a batch conditional on an index record, so that of several
// processes sharing a backend only one acts on it (emits a closed auto_save
// window, say).
type Take struct {
	// Key names the index record; the batch deletes it.
	Key string
	// Match reports whether the record's current value is the one the
	// writer holds; nil accepts any value.
	Match func(value []byte) bool
}

// taken reports whether a batch's take, if any, fails on the current
// value of its record.
func (t *Take) taken(value []byte, found bool) bool {
	return t != nil && (!found || (t.Match != nil && !t.Match(value)))
}

var _ Backend = (*Store)(nil)

// subscribers returns the dispatchers running on the store.
func (s *Store) subscribers() *subscribers { return &s.subs }

// Follow reports nothing: a Store's directory is locked by its process, so
// every change to it is made through it.
func (s *Store) Follow(string, func(key string, value []byte)) (stop func(), err error) {
	return func() {}, nil
}
