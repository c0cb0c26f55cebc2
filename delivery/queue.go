package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
	"go.uber.org/zap"
)

// maxRemovalsPerClaim bounds how many deliveries of removed webhooks one
// claim moves to the failed list, keeping its transaction small.
const maxRemovalsPerClaim = 1000

// claimRequest asks the committer for due deliveries.
type claimRequest struct {
	now time.Time
	max int
	// lease returns how long a claim on a delivery of the webhook lasts and
	// whether the webhook's deliveries may be claimed now; known is false
	// for a webhook the dispatcher does not have.
	lease func(webhookID string) (lease time.Duration, claimable, known bool)
	// sub identifies the dispatcher, to tell whether it is the newest.
	sub *subscription
}

// claimResult is what one claim got.
type claimResult struct {
	claimed []claimed
	// removed counts deliveries of removed webhooks moved to the failed list.
	removed int
	// next is when the first delivery not yet due becomes due (zero: none).
	next time.Time
	// more is set when the scan stopped before reaching deliveries not yet due.
	more bool
}

// claimed is a delivery held by a lease; leaseKey is its key while claimed.
type claimed struct {
	d        *Delivery
	leaseKey []byte
}

// claim takes up to req.max due deliveries of claimable webhooks: each is
// re-keyed to now+lease with its attempt counted, in one transaction, so a
// crash leaves it due again when the lease ends. When the caller is the
// newest dispatcher on the store, due deliveries of webhooks it does not
// know are moved to the failed list. Claims run in the committer one after
// another, so two dispatchers never claim the same delivery.
func (s *Store) claim(req claimRequest) (claimResult, error) {
	var res claimResult
	o := newOp(func(txn *badger.Txn) ([]write, error) {
		return s.scanDue(txn, req, &res)
	})
	// Background context: a claim that is committed must be reported back,
	// or its deliveries would wait for their lease to end.
	if err := s.submit(context.Background(), o); err != nil {
		return claimResult{}, err
	}
	return res, nil
}

// scanDue walks the due deliveries in due order for claim.
func (s *Store) scanDue(txn *badger.Txn, req claimRequest, res *claimResult) ([]write, error) {
	var writes []write
	newest := s.subs.newest(req.sub)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: queuePrefix})
	defer it.Close()
	it.Seek(queueSeekKey(s.queueFloor))
	if !it.Valid() {
		// Nothing is pending: later writes lower the floor again.
		s.queueFloor = uint64(req.now.UnixNano())
	} else if k := it.Item().Key(); len(k) >= len(queuePrefix)+8 {
		s.queueFloor = queueDueBits(k)
	}
	for ; it.Valid(); it.Next() {
		item := it.Item()
		due, id, webhookID, ok := parseQueueKey(item.Key())
		if !ok {
			s.log.Error("malformed queue key skipped", zap.Binary("key", item.KeyCopy(nil)))
			continue
		}
		if due.After(req.now) {
			res.next = due
			break
		}
		lease, claimable, known := req.lease(webhookID)
		if !known && !newest || known && !claimable {
			continue
		}
		if len(res.claimed) == req.max || res.removed == maxRemovalsPerClaim {
			res.more = true
			break
		}
		key := item.KeyCopy(nil)
		raw, err := item.ValueCopy(nil)
		if err != nil {
			return nil, fmt.Errorf("read delivery %s: %w", id, err)
		}
		var d Delivery
		if err := json.Unmarshal(raw, &d); err != nil {
			s.log.Error("unreadable delivery moved to the failed list",
				zap.String("webhook", webhookID), zap.String("delivery", id), zap.Error(err))
			writes = append(writes, write{key: key, del: true}, write{key: failedKey(webhookID, id), value: raw})
			continue
		}
		if !known {
			d.LastError = fmt.Sprintf("webhook %s was removed from the configuration", webhookID)
			v, err := json.Marshal(&d)
			if err != nil {
				return nil, fmt.Errorf("encode delivery %s: %w", id, err)
			}
			writes = append(writes, write{key: key, del: true}, write{key: failedKey(webhookID, id), value: v})
			res.removed++
			continue
		}
		d.Attempt++
		d.DueAt = req.now.Add(lease)
		v, err := json.Marshal(&d)
		if err != nil {
			return nil, fmt.Errorf("encode delivery %s: %w", id, err)
		}
		leaseKey := queueKey(d.DueAt, d.ID, d.WebhookID)
		writes = append(writes, write{key: key, del: true}, write{key: leaseKey, value: v})
		res.claimed = append(res.claimed, claimed{d: &d, leaseKey: leaseKey})
	}
	return writes, nil
}

// settleKind says what becomes of a claimed delivery after its attempt.
type settleKind int

const (
	// settleDone removes the delivery: it was delivered.
	settleDone settleKind = iota
	// settleRetry makes it due again at a later time.
	settleRetry
	// settleFail moves it to the failed list.
	settleFail
	// settleRelease gives the claim back without counting the attempt.
	settleRelease
)

// settlement is the outcome to record for a claimed delivery.
type settlement struct {
	kind      settleKind
	at        time.Time // new due time for settleRetry and settleRelease
	lastError string
}

// settle records the outcome of a claimed delivery. lost is true when the
// lease had ended and someone else claimed the delivery meanwhile; nothing
// is written then.
func (s *Store) settle(c claimed, st settlement) (lost bool, err error) {
	o := newOp(func(txn *badger.Txn) ([]write, error) {
		_, err := txn.Get(c.leaseKey)
		if errors.Is(err, badger.ErrKeyNotFound) {
			lost = true
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read claimed delivery %s: %w", c.d.ID, err)
		}
		writes := []write{{key: c.leaseKey, del: true}}
		if st.kind == settleDone {
			return writes, nil
		}
		d := *c.d
		if st.lastError != "" {
			d.LastError = st.lastError
		}
		key := failedKey(d.WebhookID, d.ID)
		if st.kind != settleFail {
			d.DueAt = st.at
			if st.kind == settleRelease {
				d.Attempt--
			}
			key = queueKey(d.DueAt, d.ID, d.WebhookID)
		}
		v, err := json.Marshal(&d)
		if err != nil {
			return nil, fmt.Errorf("encode delivery %s: %w", d.ID, err)
		}
		return append(writes, write{key: key, value: v}), nil
	})
	o.wake = st.kind == settleRetry || st.kind == settleRelease
	if err := s.submit(context.Background(), o); err != nil {
		return false, err
	}
	return lost, nil
}

// QueueStats counts the queue: depth is every pending delivery (including
// those being sent), due those due now or overdue, failed those kept as
// failed; oldestDue is the earliest due time (zero when the queue is empty).
func (s *Store) QueueStats() (depth, due, failed int, oldestDue time.Time, err error) {
	now := time.Now()
	err = s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: queuePrefix})
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()
			if len(k) < len(queuePrefix)+8 {
				continue
			}
			at := queueDue(k)
			if depth == 0 {
				oldestDue = at
			}
			depth++
			if !at.After(now) {
				due++
			}
		}
		it.Close()
		it = txn.NewIterator(badger.IteratorOptions{Prefix: failedPrefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			failed++
		}
		return nil
	})
	if err != nil {
		return 0, 0, 0, time.Time{}, fmt.Errorf("read queue statistics: %w", err)
	}
	return depth, due, failed, oldestDue, nil
}
