package delivery

import "sync"

// subscribers are the dispatchers running on a store, woken after each
// commit that made deliveries due and told of every pause and resume. Each
// has a start generation: the highest running generation is the newest
// dispatcher. The set of paused webhooks lives here too, so that a
// dispatcher starting never misses a change.
type subscribers struct {
	mu     sync.Mutex
	gen    uint64
	subs   map[*subscription]struct{}
	paused map[string]bool
}

// subscription is one dispatcher's wake-up channel (capacity 1: a pending
// signal is never lost and never piles up) and pause callback.
type subscription struct {
	gen     uint64
	wake    chan struct{}
	onPause func(webhookID string, paused bool)
}

// add registers a new, newest subscription. onPause, if set, is called
// (quickly, under a lock) for every webhook paused now and then on every
// pause and resume.
func (ss *subscribers) add(onPause func(webhookID string, paused bool)) *subscription {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.subs == nil {
		ss.subs = make(map[*subscription]struct{})
	}
	ss.gen++
	sub := &subscription{gen: ss.gen, wake: make(chan struct{}, 1), onPause: onPause}
	ss.subs[sub] = struct{}{}
	if onPause != nil {
		for id := range ss.paused {
			onPause(id, true)
		}
	}
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

// setPaused records a pause or resume and tells every subscription.
func (ss *subscribers) setPaused(webhookID string, paused bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if paused {
		if ss.paused == nil {
			ss.paused = make(map[string]bool)
		}
		ss.paused[webhookID] = true
	} else {
		delete(ss.paused, webhookID)
	}
	for sub := range ss.subs {
		if sub.onPause != nil {
			sub.onPause(webhookID, paused)
		}
	}
}

// withPaused calls fn with whether webhookID is paused, holding the lock
// that pauses and resumes are told under.
func (ss *subscribers) withPaused(webhookID string, fn func(paused bool)) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	fn(ss.paused[webhookID])
}

// pausedIDs returns the paused webhooks.
func (ss *subscribers) pausedIDs() []string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ids := make([]string, 0, len(ss.paused))
	for id := range ss.paused {
		ids = append(ids, id)
	}
	return ids
}
