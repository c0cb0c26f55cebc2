package delivery

import (
	"bytes"
	"context"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// maxGroupOps bounds how many ops one group commit gathers (and the queue of
// ops waiting for the committer).
const maxGroupOps = 4096

// write is one key to set or delete.
type write struct {
	key, value []byte
	del        bool
}

// size estimates what the write adds to a transaction, as Badger counts it.
func (w write) size() int64 {
	v := int64(len(w.value))
	if v >= valueThreshold {
		v = 12 // a value pointer
	}
	return int64(len(w.key)) + v + 2 + 10
}

// op is one unit of work for the committer. run reads through txn (seeing
// the writes of the ops before it in the group) and returns its writes.
type op struct {
	run  func(txn *badger.Txn) ([]write, error)
	wake bool // signal dispatchers after a successful commit
	err  error
	done chan error
}

// newOp returns an op for run.
func newOp(run func(txn *badger.Txn) ([]write, error)) *op {
	return &op{run: run, done: make(chan error, 1)}
}

// submit hands o to the committer and waits for its result or ctx's end.
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
	for {
		select {
		case o := <-s.ops:
			group = s.gather(append(group[:0], o))
			s.commitGroup(group)
		case <-s.quit:
			for {
				group = s.gather(group[:0])
				if len(group) == 0 {
					return
				}
				s.commitGroup(group)
			}
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
// in as few synced transactions as fit: a new transaction starts whenever the
// next write would exceed Badger's limits. Then it reports each op's result
// and wakes the dispatchers if deliveries became due.
//
// The committer is the only writer of the database, so ops never conflict
// and a claim can never be made twice (Badger's conflict detection is off).
func (s *Store) commitGroup(group []*op) {
	txn := s.db.NewTransaction(true)
	var members []*op
	var size, count int64
	commit := func() {
		if err := txn.Commit(); err != nil {
			for _, m := range members {
				m.err = fmt.Errorf("commit to delivery store: %w", err)
			}
			// A claim scan may have raised the floor over keys this
			// transaction would have deleted: scan from the start again.
			s.queueFloor = 0
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
				err = txn.SetEntry(badger.NewEntry(w.key, w.value))
			}
			if err != nil {
				o.err = fmt.Errorf("write to delivery store: %w", err)
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

	wake := false
	for _, o := range group {
		wake = wake || (o.wake && o.err == nil)
		o.done <- o.err
	}
	if wake {
		s.subs.signal()
	}
}

// lowerQueueFloor keeps the queue floor at or below every pending key written.
func (s *Store) lowerQueueFloor(w write) {
	if w.del || len(w.key) < len(queuePrefix)+8 || !bytes.HasPrefix(w.key, queuePrefix) {
		return
	}
	s.queueFloor = min(s.queueFloor, queueDueBits(w.key))
}
