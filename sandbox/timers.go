package sandbox

import "time"

// defaultActionDelay is how long bulk and release actions stay in progress
// before they execute.
const defaultActionDelay = 100 * time.Millisecond

// WithActionDelay sets how long bulk and release actions stay in progress
// before they execute, and how soon a scheduled action whose time has
// passed executes (default 100ms; a negative d counts as 0).
func WithActionDelay(d time.Duration) Option {
	return func(s *Sandbox) { s.actionDelay = max(d, 0) }
}

// later arms a timer that runs fn after d under the mutex, with the time of
// the run. The caller holds the mutex. Once the sandbox is closed it arms
// nothing and returns nil.
func (s *Sandbox) later(d time.Duration, fn func(now time.Time)) *time.Timer {
	if s.closed {
		return nil
	}
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if _, armed := s.timers[t]; !armed {
			return
		}
		delete(s.timers, t)
		fn(s.instant())
	})
	s.timers[t] = struct{}{}
	return t
}

// disarm makes sure the function of a timer armed by later never runs; t may
// be nil or have run already. The caller holds the mutex.
func (s *Sandbox) disarm(t *time.Timer) {
	if t == nil {
		return
	}
	t.Stop()
	delete(s.timers, t)
}

// Close stops every pending action: bulk and release actions in progress
// and scheduled actions not yet executed never run, and actions started
// later stay pending. The sandbox keeps answering requests. Close may be
// called more than once.
func (s *Sandbox) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for t := range s.timers {
		s.disarm(t)
	}
}

// scheduleDelay is how long to wait before executing something due at at,
// seen at now: the time left, or the action delay when at has passed.
func scheduleDelay(now, at time.Time, actionDelay time.Duration) time.Duration {
	if d := at.Sub(now); d > 0 {
		return d
	}
	return actionDelay
}
