// Package delivery sends webhook calls from a durable queue.
//
// A [Store] is the Badger outbox: deliveries are committed by one committer
// goroutine that gathers every pending [Store.Enqueue] into a single synced
// transaction (group commit). A [Dispatcher] claims due deliveries with a lease,
// renders, signs ([Sign]) and sends them, and retries (fixed or exponential
// backoff, Retry-After honoured) or keeps failed ones, which
// [Store.Redeliver] and [Store.RedeliverFailed] queue again. Claims last no
// longer than the process: opening a store makes every claim left in it due.
// Only enqueues (and admin changes) wait for a sync of Badger's logs; claims
// and outcomes are committed without one, since losing them in a crash only
// makes a delivery due again: delivery is at least once, and receivers drop
// repeats by their idempotency key.
// Every attempt is kept in a call log in Contentful's shapes ([Store.Calls],
// [Store.Call], [Store.Health]); pauses are kept in the store
// ([Store.SetPaused]). Deliveries and calls are stored in a compact binary
// layout that starts with a version byte; a stored value in another layout
// is logged and moved to the failed list (a delivery) or left out of the
// listing (a call), never sent. The package does not import Caddy.
package delivery
