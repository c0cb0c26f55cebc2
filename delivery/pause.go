package delivery

import (
	"context"
	"fmt"
	"slices"

	"github.com/dgraph-io/badger/v4"
)

// SetPaused records in the store that the webhook is paused (its deliveries
// stay queued) or resumed, and tells every running dispatcher. The record
// outlives reloads and restarts: a dispatcher starting later reads it.
func (s *Store) SetPaused(webhookID string, paused bool) error {
	if webhookID == "" || len(webhookID) > maxWebhookIDLen {
		return fmt.Errorf("webhook id %q is invalid; give the id of a configured webhook", webhookID)
	}
	w := write{key: pauseKey(webhookID), del: !paused}
	o := newOp(func(*badger.Txn) ([]write, error) { return []write{w}, nil })
	o.applied = func() { s.subs.setPaused(webhookID, paused) }
	// A resume makes deliveries claimable.
	o.wake = !paused
	if err := s.submit(context.Background(), o); err != nil {
		return fmt.Errorf("record the pause of webhook %s: %w", webhookID, err)
	}
	return nil
}

// PausedIDs returns the ids of the webhooks recorded as paused, sorted.
func (s *Store) PausedIDs() []string {
	ids := s.subs.pausedIDs()
	slices.Sort(ids)
	return ids
}

// loadPaused reads the pause records.
func (s *Store) loadPaused() (map[string]bool, error) {
	paused := make(map[string]bool)
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: pausePrefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			paused[string(it.Item().Key()[len(pausePrefix):])] = true
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read paused webhooks: %w", err)
	}
	return paused, nil
}
