package delivery

import "sync"

// subscribers are the dispatchers running on a store, woken after each
// commit that made deliveries due. Each has a start generation: the highest
// running generation is the newest dispatcher.
type subscribers struct {
	mu   sync.Mutex
	gen  uint64
	subs map[*subscription]struct{}
}

// subscription is one dispatcher's wake-up channel (capacity 1: a pending
// signal is never lost and never piles up).
type subscription struct {
	gen  uint64
	wake chan struct{}
}

// add registers a new, newest subscription.
func (ss *subscribers) add() *subscription {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.subs == nil {
		ss.subs = make(map[*subscription]struct{})
	}
	ss.gen++
	sub := &subscription{gen: ss.gen, wake: make(chan struct{}, 1)}
	ss.subs[sub] = struct{}{}
	return sub
}

// remove unregisters sub.
func (ss *subscribers) remove(sub *subscription) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.subs, sub)
}

// newest reports whether sub is the most recently started subscription
// still registered.
func (ss *subscribers) newest(sub *subscription) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if _, ok := ss.subs[sub]; !ok {
		return false
	}
	for other := range ss.subs {
		if other.gen > sub.gen {
			return false
		}
	}
	return true
}

// signal wakes every subscription.
func (ss *subscribers) signal() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for sub := range ss.subs {
		select {
		case sub.wake <- struct{}{}:
		default:
		}
	}
}
