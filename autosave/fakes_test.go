package autosave

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/cmsevents/caddy-cms-events/events"
)

// epoch is the fake clock's start.
var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// fakeClock is a Clock whose time only moves when the test says so.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

// fakeTimer fires when its clock reaches at.
type fakeTimer struct {
	at time.Time
	c  chan time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: epoch} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTimer(at time.Time) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	ft := &fakeTimer{at: at, c: make(chan time.Time, 1)}
	if !at.After(c.now) {
		ft.c <- c.now
		return &fakeTimerHandle{clock: c, t: ft}
	}
	c.timers = append(c.timers, ft)
	return &fakeTimerHandle{clock: c, t: ft}
}

// set moves the clock to epoch+d (never backwards) and fires due timers.
func (c *fakeClock) set(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := epoch.Add(d)
	if now.Before(c.now) {
		panic("fake clock moved backwards")
	}
	c.now = now
	kept := c.timers[:0]
	for _, ft := range c.timers {
		if ft.at.After(now) {
			kept = append(kept, ft)
			continue
		}
		ft.c <- now
	}
	clear(c.timers[len(kept):])
	c.timers = kept
}

// fakeTimerHandle is the Timer handed to the tracker.
type fakeTimerHandle struct {
	clock *fakeClock
	t     *fakeTimer
}

func (h *fakeTimerHandle) C() <-chan time.Time { return h.t.c }

func (h *fakeTimerHandle) Stop() {
	h.clock.mu.Lock()
	defer h.clock.mu.Unlock()
	for i, ft := range h.clock.timers {
		if ft == h.t {
			h.clock.timers = append(h.clock.timers[:i], h.clock.timers[i+1:]...)
			return
		}
	}
}

// emission is one Emit call seen by memSink.
type emission struct {
	Pending
	// at is the fake time of the call.
	at time.Time
	// payload is the draft emitted.
	payload string
}

// memSink is a Sink over a map that checks the ordering promised to a Sink:
// Hold and Emit of one document never overlap, an Emit matches the held
// record, and no Hold for a window arrives after its Emit.
type memSink struct {
	clock *fakeClock

	mu        sync.Mutex
	held      map[string]Pending
	busy      map[string]bool
	emitted   map[string]bool // event ids already emitted
	emissions []emission
	holds     int
	failEmit  int   // the next failEmit Emit calls fail
	failHold  error // every Hold fails with it when set
	violation error
}

func newMemSink(clock *fakeClock) *memSink {
	return &memSink{clock: clock, held: map[string]Pending{}, busy: map[string]bool{}, emitted: map[string]bool{}}
}

// enter marks doc busy, recording a violation if it already was.
func (s *memSink) enter(op, doc string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.busy[doc] {
		s.violate(fmt.Errorf("%s of %s overlaps another call for it", op, doc))
	}
	s.busy[doc] = true
}

func (s *memSink) violate(err error) {
	if s.violation == nil {
		s.violation = err
	}
}

func (s *memSink) Hold(p Pending) error {
	s.enter("Hold", p.Doc)
	runtime.Gosched() // give an overlapping call a chance to show up
	s.mu.Lock()
	defer s.mu.Unlock()
	s.busy[p.Doc] = false
	s.holds++
	if s.emitted[p.Event.ID] {
		s.violate(fmt.Errorf("Hold of %s after its window %s was emitted", p.Doc, p.Event.ID))
	}
	if old, ok := s.held[p.Doc]; ok && old.Event.ID != p.Event.ID {
		s.violate(fmt.Errorf("Hold of %s opened window %s while window %s was still held", p.Doc, p.Event.ID, old.Event.ID))
	}
	if s.failHold != nil {
		return s.failHold
	}
	s.held[p.Doc] = p
	return nil
}

func (s *memSink) Emit(p Pending) error {
	s.enter("Emit", p.Doc)
	runtime.Gosched()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.busy[p.Doc] = false
	if s.failEmit > 0 {
		s.failEmit--
		return errors.New("store unavailable")
	}
	if old, ok := s.held[p.Doc]; ok && (old.Event != p.Event || !old.WindowEnd.Equal(p.WindowEnd)) {
		s.violate(fmt.Errorf("Emit of %s window %s differs from the held record (window %s)", p.Doc, p.Event.ID, old.Event.ID))
	}
	if s.emitted[p.Event.ID] {
		s.violate(fmt.Errorf("window %s of %s emitted twice", p.Event.ID, p.Doc))
	}
	s.emitted[p.Event.ID] = true
	delete(s.held, p.Doc)
	s.emissions = append(s.emissions, emission{Pending: p, at: s.clock.Now(), payload: string(p.Event.Payload)})
	return nil
}

// snapshot returns the emissions so far and the held records.
func (s *memSink) snapshot(t *testing.T) ([]emission, map[string]Pending) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.violation != nil {
		t.Fatalf("sink contract violated: %v", s.violation)
	}
	held := make(map[string]Pending, len(s.held))
	for k, v := range s.held {
		held[k] = v
	}
	return append([]emission(nil), s.emissions...), held
}

// draft returns an auto_save event with the given id and payload.
func draft(id, payload string) *events.Event {
	return &events.Event{ID: id, Topic: "ContentManagement.Entry.auto_save", Space: "s", Environment: "master", EntityID: "e", Payload: []byte(payload)}
}

// settle waits until the tracker has emitted every window due at the fake
// clock's current time.
func settle(t *testing.T, tr *Tracker) {
	t.Helper()
	waitFor(t, "due windows to be emitted", func() bool {
		tr.mu.Lock()
		defer tr.mu.Unlock()
		return tr.emitting == nil && (len(tr.due) == 0 || tr.due[0].due > tr.since())
	})
}

// waitFor polls cond until it holds, failing the test after a deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// startTracker returns a started tracker over a fresh fake clock and sink,
// stopped when the test ends.
func startTracker(t *testing.T, window time.Duration) (*Tracker, *fakeClock, *memSink) {
	t.Helper()
	clock := newFakeClock()
	sink := newMemSink(clock)
	tr := New(Options{Window: window, Clock: clock, Sink: sink})
	tr.Start()
	t.Cleanup(func() { stop(t, tr) })
	return tr, clock, sink
}
