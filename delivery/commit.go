package delivery

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
	"go.uber.org/zap"
)

// maxGroupOps bounds how many ops one group commit gathers (and the queue of
// ops waiting for the committer).
const maxGroupOps = 4096

// asyncSyncInterval is how long asynchronous writes may wait for a sync of
// the logs: they are synced together at most this often. A sync costs the
// machine far more than the writes it covers, so syncing every group of
// asynchronous writes made them hardly cheaper than synchronous ones.
const asyncSyncInterval = 10 * time.Millisecond

// write is one key to set or delete.
type write struct {
	key, value []byte
	del        bool
	meta       byte   // Badger user metadata of the entry
	expiresAt  uint64 // unix seconds after which Badger drops the entry; 0: never
}

// size estimates what the write adds to a transaction, as Badger counts it.
func (w write) size() int64 {
	v := int64(len(w.value))
	if v >= valueThreshold {
		v = 12 // a value pointer
	}
	return int64(len(w.key)) + v + 2 + 10
}

// entry returns the Badger entry that sets w.
func (w write) entry() *badger.Entry {
	e := badger.NewEntry(w.key, w.value).WithMeta(w.meta)
	e.ExpiresAt = w.expiresAt
	return e
}

// op is one unit of work for the committer. run reads through txn (seeing
// the writes of the ops before it in the group) and returns its writes. run
// may also update the store's in-memory state (counters, leases, call log),
// but only once it can no longer fail: the committer is the only writer, and
// when a commit fails it reloads that state from the database.
type op struct {
	run  func(txn *badger.Txn) ([]write, error)
	wake bool // signal dispatchers after a successful commit
	// applied, if set, runs after a successful commit, in commit order.
	applied func()
	// async: nobody waits for the result; a failure is logged.
	async bool
	// lazy: the writes need not reach the disk before the op reports
	// success. Losing them in a crash only makes a delivery due again, so
	// a receiver may get a call twice (it has the idempotency key).
	lazy bool
	err  error
	done chan error
}

// newOp returns an op for run.
func newOp(run func(txn *badger.Txn) ([]write, error)) *op {
	return &op{run: run, done: make(chan error, 1)}
}

// submit hands o to the committer and waits for its result or ctx's end;
// for an async op it returns once the committer has it.
func (s *Store) submit(ctx context.Context, o *op) error {
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return ErrClosed
	}
	select {
	case s.ops <- o:
		s.mu.RUnlock()
	case <-ctx.Done():
		s.mu.RUnlock()
		return ctx.Err()
	}
	if o.async {
		return nil
	}
	select {
	case err := <-o.done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("%w (the write may still be committed)", ctx.Err())
	}
}

// commitLoop is the single committer: it takes every op waiting, commits them
// together and reports the results. On Close it commits what is left.
func (s *Store) commitLoop() {
	defer s.wg.Done()
	group := make([]*op, 0, maxGroupOps)
	syncTimer := time.NewTimer(0)
	<-syncTimer.C
	armed := false // syncTimer runs for the pending asynchronous writes
	for {
		select {
		case o := <-s.ops:
			group = s.gather(append(group[:0], o))
			s.commitGroup(group)
		case <-syncTimer.C:
			armed = false
			s.syncPending()
		case <-s.quit:
			for {
				group = s.gather(group[:0])
				if len(group) == 0 {
					s.syncPending()
					return
				}
				s.commitGroup(group)
			}
		}
		if s.unsynced && !armed {
			syncTimer.Reset(s.asyncSyncEvery - time.Since(s.lastSync))
			armed = true
		}
	}
}

// gather appends the ops already waiting, without blocking.
func (s *Store) gather(group []*op) []*op {
	for len(group) < maxGroupOps {
		select {
		case o := <-s.ops:
			group = append(group, o)
		default:
			return group
		}
	}
	return group
}

// commitGroup applies every op of group in order and commits their writes
// in as few transactions as fit: a new transaction starts before an op
// whose writes would not fit in the current one, so that an op's writes
// are committed together (a crash keeps all or none of them), and within
// an op only when the op alone exceeds Badger's limits. Then the logs are synced as syncGroup
// decides, each op's result is reported, and the dispatchers are woken if
// deliveries became due. After a failure the in-memory state is reloaded
// from the database.
//
// The committer is the only writer of the database, so ops never conflict
// and a claim can never be made twice (Badger's conflict detection is off).
func (s *Store) commitGroup(group []*op) {
	txn := s.db.NewTransaction(true)
	var members []*op
	var size, count int64
	failed := false
	commit := func() {
		if err := txn.Commit(); err != nil {
			for _, m := range members {
				m.err = fmt.Errorf("commit to delivery store: %w", err)
			}
			failed = true
		}
		txn = s.db.NewTransaction(true)
		members = members[:0]
		size, count = 0, 0
	}
	for _, o := range group {
		writes, err := o.run(txn)
		if err != nil {
			o.err = err
			continue
		}
		var opSize int64
		for _, w := range writes {
			opSize += w.size()
		}
		if count > 0 && (size+opSize > s.maxTxnSize || count+int64(len(writes)) > s.maxTxnCount) {
			commit()
		}
		for _, w := range writes {
			ws := w.size()
			if count > 0 && (size+ws > s.maxTxnSize || count+1 > s.maxTxnCount) {
				commit()
			}
			if len(members) == 0 || members[len(members)-1] != o {
				members = append(members, o)
			}
			s.lowerQueueFloor(w)
			if w.del {
				err = txn.Delete(w.key)
			} else {
				err = txn.SetEntry(w.entry())
			}
			if err != nil {
				o.err = fmt.Errorf("write to delivery store: %w", err)
				failed = true
				break
			}
			size += ws
			count++
		}
	}
	if count > 0 {
		commit()
	}
	txn.Discard()
	s.syncGroup(group)
	if failed {
		s.reload()
	}

	wake := false
	for _, o := range group {
		if o.err == nil && o.applied != nil {
			o.applied()
		}
		if o.async && o.err != nil {
			s.log.Error("an asynchronous write to the delivery store failed; its deliveries are lost", zap.Error(o.err))
		}
		wake = wake || (o.wake && o.err == nil)
		o.done <- o.err
	}
	if wake {
		s.subs.signal()
	}
}

// syncGroup makes the writes of group durable as its ops need: an op that
// is waited for is on disk before it reports, and a failed sync fails it.
// Asynchronous writes are synced at most every asyncSyncEvery, with
// whatever came before them; until then they are left unsynced. Claims
// and outcomes (lazy ops) never need a sync of their own.
func (s *Store) syncGroup(group []*op) {
	waited, async := false, false
	for _, o := range group {
		if o.err != nil || o.lazy {
			continue
		}
		if o.async {
			async = true
		} else {
			waited = true
		}
	}
	if !waited && !(async && time.Since(s.lastSync) >= s.asyncSyncEvery) {
		s.unsynced = s.unsynced || async
		return
	}
	if err := s.sync(); err != nil {
		for _, o := range group {
			if o.err == nil && !o.lazy {
				o.err = fmt.Errorf("sync the delivery store: %w", err)
			}
		}
	}
}

// syncPending syncs the asynchronous writes left unsynced; a failure is
// logged, as nobody waits for them.
func (s *Store) syncPending() {
	if !s.unsynced {
		return
	}
	if err := s.sync(); err != nil {
		s.log.Error("syncing asynchronous writes to the delivery store failed; a crash now may lose their deliveries", zap.Error(err))
	}
}

// sync syncs Badger's logs: everything committed so far is on disk.
func (s *Store) sync() error {
	s.syncs.Add(1)
	err := s.db.Sync()
	s.lastSync, s.unsynced = time.Now(), false
	return err
}

// lowerQueueFloor keeps the queue floor at or below every pending key written.
func (s *Store) lowerQueueFloor(w write) {
	if w.del || len(w.key) < len(queuePrefix)+8 || !bytes.HasPrefix(w.key, queuePrefix) {
		return
	}
	s.queueFloor = min(s.queueFloor, queueDueBits(w.key))
}
