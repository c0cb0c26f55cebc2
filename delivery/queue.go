package delivery

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/nats-io/nats.go/jetstream"
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
	// webhooks lists the webhooks the dispatcher has.
	webhooks func() []string
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

// claimed is a delivery held by a lease: in a Store, leaseKey is the key
// of its lease; in JetStream, msg is the message handed out.
type claimed struct {
	d        *Delivery
	leaseKey []byte
	msg      jetstream.Msg
}

// claim takes up to req.max due deliveries of claimable webhooks: each gets
// a lease key ending at now+lease beside it, with its attempt counted, in
// one transaction; the delivery itself is not rewritten. Claims whose lease has ended (their dispatcher is stuck) are
// due too. When the caller is the newest dispatcher on the store, due
// deliveries of webhooks it does not know are moved to the failed list.
// Claims run in the committer one after another, so two dispatchers never
// claim the same delivery.
func (s *Store) claim(req claimRequest) (claimResult, error) {
	var res claimResult
	o := newOp(func(txn *badger.Txn) ([]write, error) {
		return s.scanDue(txn, req, &res)
	})
	o.lazy = true // a lost claim leaves the delivery due
	// Background context: a claim that is committed must be reported back,
	// or its deliveries would wait until the store is opened again.
	if err := s.submit(context.Background(), o); err != nil {
		return claimResult{}, err
	}
	return res, nil
}

// claimScan gathers what one claim does, to apply it to the store's state
// once nothing can fail.
type claimScan struct {
	s *Store
	// txn is the committer's transaction the claim reads through.
	txn    *badger.Txn
	req    claimRequest
	res    *claimResult
	newest bool
	writes []write
	// ended are lease keys that are gone; started the new leases.
	ended   [][]byte
	started map[string]lease
	// toFailed counts deliveries moved to the failed list.
	toFailed int64
}

// scanDue claims for claim: first the claims whose lease has ended, then
// the pending deliveries in due order.
func (s *Store) scanDue(txn *badger.Txn, req claimRequest, res *claimResult) ([]write, error) {
	sc := &claimScan{s: s, txn: txn, req: req, res: res, newest: s.subs.newest(req.sub), started: make(map[string]lease)}
	if err := sc.endedLeases(); err != nil {
		return nil, err
	}
	if err := sc.pending(); err != nil {
		return nil, err
	}
	for _, k := range sc.ended {
		s.endLease(string(k))
	}
	for k, l := range sc.started {
		s.startLease(k, l)
	}
	s.depth.Add(-sc.toFailed)
	s.failed.Add(sc.toFailed)
	return sc.writes, nil
}

// endedLeases claims again the deliveries whose lease has ended, and notes
// the next lease end among the others as a due time.
func (sc *claimScan) endedLeases() error {
	var keys []string
	for k, l := range sc.s.leases {
		if sc.skip(l.webhookID) {
			continue
		}
		if l.end.After(sc.req.now) {
			sc.noteNext(l.end)
			continue
		}
		keys = append(keys, k)
	}
	slices.Sort(keys) // lease keys sort by lease end
	for _, k := range keys {
		if sc.full() {
			sc.res.more = true
			return nil
		}
		l := sc.s.leases[k]
		item, err := sc.txn.Get(l.queueKey)
		if errors.Is(err, badger.ErrKeyNotFound) {
			sc.s.log.Error("a claimed delivery is gone; its lease is dropped", zap.String("webhook", l.webhookID), zap.String("delivery", l.deliveryID))
			sc.writes = append(sc.writes, write{key: []byte(k), del: true})
			sc.ended = append(sc.ended, []byte(k))
			continue
		}
		if err != nil {
			return fmt.Errorf("read claimed delivery %s: %w", l.deliveryID, err)
		}
		prior := l.attempt
		if err := sc.take(item, []byte(k), &prior, l.deliveryID, l.webhookID); err != nil {
			return err
		}
	}
	return nil
}

// pending claims due pending deliveries in due order, passing over those
// claimed already.
func (sc *claimScan) pending() error {
	s := sc.s
	it := sc.txn.NewIterator(badger.IteratorOptions{Prefix: queuePrefix})
	defer it.Close()
	it.Seek(queueSeekKey(s.queueFloor))
	if !it.Valid() {
		// Nothing is pending: later writes lower the floor again.
		s.queueFloor = uint64(sc.req.now.UnixNano())
	} else if k := it.Item().Key(); len(k) >= len(queuePrefix)+8 {
		s.queueFloor = queueDueBits(k)
	}
	for ; it.Valid(); it.Next() {
		item := it.Item()
		if s.leasedQueue[string(item.Key())] {
			continue
		}
		due, id, webhookID, ok := parseDueKey(item.Key())
		if !ok {
			s.log.Error("malformed queue key skipped", zap.Binary("key", item.KeyCopy(nil)))
			continue
		}
		if due.After(sc.req.now) {
			sc.noteNext(due)
			return nil
		}
		if sc.skip(webhookID) {
			continue
		}
		if sc.full() {
			sc.res.more = true
			return nil
		}
		if err := sc.take(item, nil, nil, id, webhookID); err != nil {
			return err
		}
	}
	return nil
}

// noteNext keeps the earliest due time after now.
func (sc *claimScan) noteNext(due time.Time) {
	if sc.res.next.IsZero() || due.Before(sc.res.next) {
		sc.res.next = due
	}
}

// skip reports whether the caller leaves deliveries of webhookID alone:
// those of paused webhooks, and of webhooks it does not know unless it is
// the newest dispatcher.
func (sc *claimScan) skip(webhookID string) bool {
	_, claimable, known := sc.req.lease(webhookID)
	return !known && !sc.newest || known && !claimable
}

// full reports whether the claim has taken all it may.
func (sc *claimScan) full() bool {
	return len(sc.res.claimed) == sc.req.max || sc.res.removed == maxRemovalsPerClaim
}

// take claims the due delivery stored in item (under its pending key), or
// moves it to the failed list when it is unreadable or its webhook was
// removed. ended is the key of its ended lease, if any, and prior the
// attempts that lease counted; without one, the stored attempt counts.
func (sc *claimScan) take(item *badger.Item, ended []byte, prior *int, id, webhookID string) error {
	qk := item.KeyCopy(nil)
	if ended != nil {
		sc.writes = append(sc.writes, write{key: ended, del: true})
		sc.ended = append(sc.ended, ended)
	}
	raw, err := item.ValueCopy(nil)
	if err != nil {
		return fmt.Errorf("read delivery %s: %w", id, err)
	}
	d, err := decodeDelivery(raw)
	if err == nil {
		err = withEvent(sc.txn, d)
	}
	if err != nil {
		sc.s.log.Error("unreadable delivery moved to the failed list; it cannot be sent or redelivered",
			zap.String("webhook", webhookID), zap.String("delivery", id), zap.Error(err))
		sc.writes = append(sc.writes, write{key: qk, del: true}, write{key: failedKey(webhookID, id), value: raw})
		sc.toFailed++
		return nil
	}
	if prior != nil && *prior != d.Attempt {
		// The ended lease's attempt may have reached the receiver: it
		// counts, also if this claim is given back.
		d.Attempt = *prior
		setDeliveryHead(raw, d.Attempt, d.DueAt)
		sc.writes = append(sc.writes, write{key: qk, value: raw})
	}
	leaseFor, _, known := sc.req.lease(webhookID)
	if !known {
		d.LastError = fmt.Sprintf("webhook %s was removed from the configuration", webhookID)
		sc.writes = append(sc.writes, write{key: qk, del: true}, write{key: failedKey(webhookID, id), value: encodeDelivery(d)})
		sc.res.removed++
		sc.toFailed++
		return nil
	}
	// d.Event.Payload aliases raw (or the shared event's copy), which is
	// not changed again.
	d.Attempt++
	d.DueAt = sc.req.now.Add(leaseFor)
	lk := leaseKey(d.DueAt, d.ID, d.WebhookID)
	sc.writes = append(sc.writes, write{key: lk, value: encodeLeaseRef(d.Attempt, qk)})
	sc.started[string(lk)] = lease{end: d.DueAt, deliveryID: d.ID, webhookID: d.WebhookID, queueKey: qk, attempt: d.Attempt}
	sc.res.claimed = append(sc.res.claimed, claimed{d: d, leaseKey: lk})
	return nil
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
	// call, if set, is added to the call log.
	call *callWrite
}

// settle records the outcome of a claimed delivery and the call log entry
// of its attempt. lost is true when the lease had ended and someone else
// claimed the delivery meanwhile; only the call is recorded then.
func (s *Store) settle(c claimed, st settlement) (lost bool, err error) {
	o := newOp(func(txn *badger.Txn) ([]write, error) {
		writes, err := s.settleWrites(txn, c, st)
		if err != nil {
			return nil, err
		}
		lost = writes == nil
		if !lost {
			s.endLease(string(c.leaseKey))
			switch st.kind {
			case settleDone:
				s.depth.Add(-1)
			case settleFail:
				s.depth.Add(-1)
				s.failed.Add(1)
			}
		}
		if st.call != nil {
			writes = append(writes, s.recordCall(st.call, time.Now())...)
		}
		return writes, nil
	})
	o.wake = st.kind == settleRetry || st.kind == settleRelease
	o.lazy = true // a lost outcome makes the delivery due again
	if err := s.submit(context.Background(), o); err != nil {
		return false, err
	}
	return lost, nil
}

// settleWrites returns the writes that settle c; nil when its lease is gone.
// The store's leases mirror the lease keys, so no key is read. A claim given
// back leaves the delivery as it is stored: due already, with the attempt
// of the lease uncounted. A delivered delivery releases its shared event
// record (releaseShared). Committer only.
func (s *Store) settleWrites(txn *badger.Txn, c claimed, st settlement) ([]write, error) {
	l, ok := s.leases[string(c.leaseKey)]
	if !ok {
		return nil, nil
	}
	writes := []write{{key: c.leaseKey, del: true}}
	if st.kind == settleRelease {
		return writes, nil
	}
	writes = append(writes, write{key: l.queueKey, del: true})
	if st.kind == settleDone {
		shared, err := releaseShared(txn, c.d)
		return append(writes, shared...), err
	}
	d := *c.d
	if st.lastError != "" {
		d.LastError = st.lastError
	}
	key := failedKey(d.WebhookID, d.ID)
	if st.kind == settleRetry {
		d.DueAt = st.at
		key = queueKey(d.DueAt, d.ID, d.WebhookID)
	}
	return append(writes, write{key: key, value: encodeDelivery(&d)}), nil
}

// QueueStats counts the queue by scanning its keys: depth is every pending
// delivery (including those being sent), due those waiting that are due now
// or overdue (claimed ones are not waiting), failed those kept as failed;
// oldestDue is the earliest due time of those pending (zero when none is).
// Counts is the cheap way to get depth and failed.
func (s *Store) QueueStats() (depth, due, failed int, oldestDue time.Time, err error) {
	now := time.Now()
	claimed := 0
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
		it = txn.NewIterator(badger.IteratorOptions{Prefix: leasePrefix})
		for it.Rewind(); it.Valid(); it.Next() {
			claimed++
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
	return depth, max(due-claimed, 0), failed, oldestDue, nil
}
