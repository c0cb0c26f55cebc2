package delivery

import (
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
	"go.uber.org/zap"
)

// Counts returns the number of pending deliveries (including those being
// sent) and of failed ones. It reads counters the committer keeps, so it is
// cheap enough for a metrics scrape; a batch being committed may already be
// counted.
func (s *Store) Counts() (depth, failed int) {
	return int(s.depth.Load()), int(s.failed.Load())
}

// releaseLeases makes every claimed delivery due at now, keeping its attempt
// count (the attempt in flight may have reached the receiver). Only a
// dispatcher of the process holding the database's directory lock can hold a
// claim, so when the store opens, every claim left is one a crash or an
// unrecorded outcome abandoned. It runs before the committer starts. A lease
// written by an earlier release holds its delivery itself, which goes back
// to the queue the same way.
func (s *Store) releaseLeases(now time.Time) (int, error) {
	var moves []write
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: leasePrefix, PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			key := item.KeyCopy(nil)
			moves = append(moves, write{key: key, del: true})
			_, id, webhookID, ok := parseDueKey(key)
			if !ok {
				s.log.Error("malformed lease key dropped", zap.Binary("key", key))
				continue
			}
			raw, err := item.ValueCopy(nil)
			if err != nil {
				return fmt.Errorf("read claimed delivery %s: %w", id, err)
			}
			attempt, qk, isRef := decodeLeaseRef(raw)
			if isRef {
				stored, err := txn.Get(qk)
				if errors.Is(err, badger.ErrKeyNotFound) {
					continue // settled, with the lease left behind
				}
				if err == nil {
					raw, err = stored.ValueCopy(nil)
				}
				if err != nil {
					return fmt.Errorf("read claimed delivery %s: %w", id, err)
				}
				moves = append(moves, write{key: qk, del: true})
			} else if d, err := decodeDelivery(raw); err == nil {
				attempt = d.Attempt
			}
			if len(raw) >= deliveryHeadLen && raw[0] != leaseRef {
				setDeliveryHead(raw, attempt, now)
			}
			// An unreadable value is queued as it is: the next claim
			// moves it to the failed list and logs why.
			moves = append(moves, write{key: queueKey(now, id, webhookID), value: raw})
		}
		return nil
	})
	if err != nil || len(moves) == 0 {
		return 0, err
	}
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	n := 0
	for _, w := range moves {
		if w.del {
			err = wb.Delete(w.key)
		} else {
			err = wb.SetEntry(w.entry())
			n++
		}
		if err != nil {
			return 0, fmt.Errorf("release claimed deliveries: %w", err)
		}
	}
	if err := wb.Flush(); err != nil {
		return 0, fmt.Errorf("release claimed deliveries: %w", err)
	}
	return n, nil
}

// load reads the in-memory state from the database with key-only scans:
// the delivery counters, the claims and the call-log index. It runs before
// the committer starts, and in the committer after a failed commit.
func (s *Store) load() error {
	var depth, failed int64
	leases := make(map[string]lease)
	leasedQueue := make(map[string]bool)
	calls := make(map[string]*webhookCalls)
	cutoff := uint64(time.Now().Add(s.retention).Unix()) + 1
	err := s.db.View(func(txn *badger.Txn) error {
		scan := func(prefix []byte, each func(item *badger.Item)) {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
			defer it.Close()
			for it.Rewind(); it.Valid(); it.Next() {
				each(it.Item())
			}
		}
		scan(queuePrefix, func(*badger.Item) { depth++ })
		scan(leasePrefix, func(item *badger.Item) {
			k := item.KeyCopy(nil)
			end, id, webhookID, ok := parseDueKey(k)
			if !ok {
				return
			}
			var attempt int
			var qk []byte
			isRef := false
			item.Value(func(v []byte) error {
				attempt, qk, isRef = decodeLeaseRef(v)
				return nil
			})
			if !isRef {
				// An earlier release's claim, holding its delivery:
				// released to the queue at the next open.
				depth++
				return
			}
			leases[string(k)] = lease{end: end, deliveryID: id, webhookID: webhookID, queueKey: qk, attempt: attempt}
			leasedQueue[string(qk)] = true
		})
		scan(failedPrefix, func(*badger.Item) { failed++ })
		scan(callPrefix, func(item *badger.Item) {
			webhookID, n, id, ok := parseCallKey(item.Key())
			if !ok {
				return
			}
			wc := calls[webhookID]
			if wc == nil {
				wc = &webhookCalls{}
				calls[webhookID] = wc
			}
			// A retention shortened since the entry was written
			// applies to it in the index (Badger drops it later).
			wc.add(callEntry{seq: n, id: id, expiresAt: min(item.ExpiresAt(), cutoff), healthy: item.UserMeta()&metaHealthy != 0})
		})
		return nil
	})
	if err != nil {
		return fmt.Errorf("read delivery store state: %w", err)
	}
	s.depth.Store(depth)
	s.failed.Store(failed)
	s.leases, s.leasedQueue = leases, leasedQueue
	s.calls.replace(calls)
	s.queueFloor = 0
	return nil
}

// reload reloads the in-memory state after a failed commit, which may have
// left it ahead of the database.
func (s *Store) reload() {
	if err := s.load(); err != nil {
		s.log.Error("reloading the delivery store state after a failed commit failed; counters may be off until the store is opened again", zap.Error(err))
	}
}
