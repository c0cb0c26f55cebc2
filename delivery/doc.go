// Package delivery sends webhook calls from a durable queue.
//
// A [Store] is the Badger outbox: deliveries are committed by one committer
// goroutine that gathers every pending [Store.Enqueue] into a single synced
// transaction (group commit). A [Dispatcher] claims due deliveries with a lease,
// renders, signs ([Sign]) and sends them, and retries or keeps failed ones.
// The package does not import Caddy.
package delivery
