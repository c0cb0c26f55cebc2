package autosave

import (
	"container/heap"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// run is the scheduler goroutine: it emits due windows and sleeps on one
// timer until the next window end, a wake-up or Stop.
func (t *Tracker) run() {
	defer close(t.done)
	for {
		next, ok := t.emitDue()
		var fire <-chan time.Time
		var timer Timer
		if ok {
			timer = t.clock.NewTimer(next)
			fire = timer.C()
		}
		select {
		case <-t.stop:
		case <-fire:
		case <-t.wake:
		}
		if timer != nil {
			timer.Stop()
		}
		select {
		case <-t.stop:
			return
		default:
		}
	}
}

// emitDue emits every window whose end has passed, one at a time, and
// returns when the next one is due (ok is false when no window is open or
// Stop was called).
func (t *Tracker) emitDue() (next time.Time, ok bool) {
	for {
		select {
		case <-t.stop:
			return time.Time{}, false
		default:
		}
		t.mu.Lock()
		if len(t.due) == 0 {
			t.mu.Unlock()
			return time.Time{}, false
		}
		w := t.due[0]
		if w.due > t.since() {
			t.mu.Unlock()
			return t.base.Add(time.Duration(w.due)), true
		}
		heap.Pop(&t.due)
		if w.holding {
			w.parked = true
			t.mu.Unlock()
			continue
		}
		t.emitting = w
		p := t.pending(w)
		t.mu.Unlock()

		err := t.sink.Emit(p)

		t.mu.Lock()
		t.emitting = nil
		if err != nil {
			w.due = t.since() + int64(t.window)
			heap.Push(&t.due, w)
		} else {
			delete(t.docs, w.doc)
			if len(t.docs) == 0 {
				// Maps never shrink: let a burst of documents go.
				t.docs = make(map[string]*window)
				t.due = nil
			}
			if w.next != nil {
				t.open(*w.next)
			}
		}
		t.changed.Broadcast()
		t.mu.Unlock()
		t.logEmit(p, err)
	}
}

// logEmit logs a failed emission, and a successful one at debug level.
func (t *Tracker) logEmit(p Pending, err error) {
	if err != nil {
		t.logger.Error("emitting auto_save failed; the draft stays held and is retried",
			zap.String("doc", p.Doc),
			zap.String("event_id", p.Event.ID),
			zap.Duration("retry_in", t.window),
			zap.Error(err))
		return
	}
	if ce := t.logger.Check(zapcore.DebugLevel, "auto_save emitted"); ce != nil {
		ce.Write(zap.String("doc", p.Doc), zap.String("event_id", p.Event.ID), zap.Time("window_end", p.WindowEnd))
	}
}
