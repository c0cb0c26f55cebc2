package autosave

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestEmitErrorIsRetried(t *testing.T) {
	clock := newFakeClock()
	sink := newMemSink(clock)
	sink.failEmit = 2
	core, logs := observer.New(zapcore.InfoLevel)
	tr := New(Options{Clock: clock, Sink: sink, Logger: zap.New(core)})
	tr.Start()
	defer stop(t, tr)

	mustSave(t, tr, "a", "a0", "draft 0")
	clock.set(time.Second)
	mustSave(t, tr, "a", "a1", "draft 1")
	clock.set(5 * time.Second) // first attempt fails, retried at 10s
	settle(t, tr)
	clock.set(7 * time.Second)
	mustSave(t, tr, "a", "a7", "draft 7") // joins the window that is not emitted yet
	clock.set(10 * time.Second)           // second attempt fails, retried at 15s
	settle(t, tr)

	got, held := sink.snapshot(t)
	if len(got) != 0 || tr.Active() != 1 {
		t.Fatalf("%d emissions and %d active windows after failed emits, want 0 and 1", len(got), tr.Active())
	}
	if p := held["a"]; p.Event == nil || p.Event.ID != "a0" || string(p.Event.Payload) != "draft 7" {
		t.Fatalf("held record %+v, want window a0 with draft 7", p)
	}
	clock.set(15 * time.Second)
	settle(t, tr)
	got, held = sink.snapshot(t)
	if len(got) != 1 || len(held) != 0 || tr.Active() != 0 {
		t.Fatalf("%d emissions, %d held, %d active after the retry, want 1, 0, 0", len(got), len(held), tr.Active())
	}
	if e := got[0]; e.Event.ID != "a0" || e.payload != "draft 7" || !e.at.Equal(epoch.Add(15*time.Second)) {
		t.Errorf("emitted window %s with %q at %v, want a0 with draft 7 at 15s", e.Event.ID, e.payload, e.at.Sub(epoch))
	}
	failures := logs.FilterMessageSnippet("emitting auto_save failed").All()
	if len(failures) != 2 {
		t.Fatalf("%d failures logged, want 2", len(failures))
	}
	if f := failures[0].ContextMap(); f["doc"] != "a" || f["event_id"] != "a0" || f["error"] != "store unavailable" {
		t.Errorf("failure logged with %v", f)
	}
}

func TestHoldErrorStillEmits(t *testing.T) {
	tr, clock, sink := startTracker(t, 5*time.Second)
	sink.failHold = errors.New("disk full")

	err := tr.Save("space/master/Entry/x", draft("x0", "draft 0"))
	if err == nil || !errors.Is(err, sink.failHold) || !strings.Contains(err.Error(), "space/master/Entry/x") {
		t.Fatalf("Save error %v, want one naming the document and wrapping the Hold error", err)
	}
	clock.set(5 * time.Second)
	settle(t, tr)
	if got, _ := sink.snapshot(t); len(got) != 1 || got[0].Event.ID != "x0" {
		t.Fatalf("emissions %+v, want window x0", got)
	}
}

func TestAdoptStored(t *testing.T) {
	s := time.Second
	tests := []struct {
		name         string
		end          time.Duration // window end relative to the tracker's start
		afterStart   bool          // Adopt after Start instead of before
		emittedAt    time.Duration
		wantID       string
		quietUntilAt time.Duration // no emission is expected before this
	}{
		{name: "overdue window is emitted at once", end: -10 * s, emittedAt: 0, wantID: "r"},
		{name: "overdue window restored after start", end: -10 * s, afterStart: true, emittedAt: 0, wantID: "r"},
		{name: "future window is emitted at its end", end: 3 * s, emittedAt: 3 * s, wantID: "r", quietUntilAt: 2 * s},
		{name: "future window restored after start", end: 3 * s, afterStart: true, emittedAt: 3 * s, wantID: "r", quietUntilAt: 2 * s},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			sink := newMemSink(clock)
			tr := New(Options{Clock: clock, Sink: sink})
			restored := Pending{Doc: "a", Event: draft("r", "restored"), WindowEnd: epoch.Add(tt.end)}
			if !tt.afterStart {
				tr.Adopt(restored)
			}
			tr.Start()
			defer stop(t, tr)
			if tt.afterStart {
				tr.Adopt(restored)
			}
			if n := tr.Active(); n != 1 && tt.emittedAt > 0 {
				t.Errorf("Active() = %d, want 1", n)
			}
			if tt.quietUntilAt > 0 {
				clock.set(tt.quietUntilAt)
				settle(t, tr)
				if got, _ := sink.snapshot(t); len(got) != 0 {
					t.Fatalf("emitted %+v before the window end", got)
				}
			}
			clock.set(tt.emittedAt)
			settle(t, tr)
			got, _ := sink.snapshot(t)
			if len(got) != 1 {
				t.Fatalf("%d emissions, want 1", len(got))
			}
			if e := got[0]; e.Event.ID != tt.wantID || !e.at.Equal(epoch.Add(tt.emittedAt)) {
				t.Errorf("emitted window %s at %v, want %s at %v", e.Event.ID, e.at.Sub(epoch), tt.wantID, tt.emittedAt)
			}
			if tr.Active() != 0 {
				t.Errorf("Active() = %d after the emission, want 0", tr.Active())
			}
		})
	}
}

func TestStopLeavesPendingHeld(t *testing.T) {
	clock := newFakeClock()
	sink := newMemSink(clock)
	tr := New(Options{Clock: clock, Sink: sink})
	tr.Start()
	mustSave(t, tr, "a", "a0", "draft a")
	clock.set(time.Second)
	mustSave(t, tr, "b", "b1", "draft b")
	stop(t, tr)
	select {
	case <-tr.done:
	default:
		t.Fatal("Stop returned before the scheduler exited")
	}
	clock.set(10 * time.Second)
	mustSave(t, tr, "c", "c10", "draft c") // held, not emitted by a stopped tracker

	got, held := sink.snapshot(t)
	if len(got) != 0 || len(held) != 3 || tr.Active() != 3 {
		t.Fatalf("after Stop: %d emissions, %d held, %d active; want 0, 3, 3", len(got), len(held), tr.Active())
	}

	// The next tracker restores what the store holds.
	next := New(Options{Clock: clock, Sink: sink})
	for _, p := range held {
		next.Adopt(p)
	}
	next.Start()
	defer stop(t, next)
	settle(t, next)
	got, _ = sink.snapshot(t)
	if len(got) != 2 || next.Active() != 1 {
		t.Fatalf("after restart: %d emissions and %d active windows, want the 2 overdue ones emitted and 1 open", len(got), next.Active())
	}
	clock.set(15 * time.Second)
	settle(t, next)
	got, held = sink.snapshot(t)
	ids := map[string]string{}
	for _, e := range got {
		ids[e.Event.ID] = e.payload
	}
	if len(got) != 3 || len(held) != 0 || ids["a0"] != "draft a" || ids["b1"] != "draft b" || ids["c10"] != "draft c" {
		t.Errorf("emitted %v with %d still held; want a0, b1 and c10 with their drafts and none held", ids, len(held))
	}
}

// blockingSink is a memSink whose Emit waits for release.
type blockingSink struct {
	*memSink
	entered chan string
	release chan struct{}
}

// waitEmit waits until an Emit has started and returns its event id.
func (s *blockingSink) waitEmit(t *testing.T) string {
	t.Helper()
	select {
	case id := <-s.entered:
		return id
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting for Emit")
		return ""
	}
}

func (s *blockingSink) Emit(p Pending) error {
	s.entered <- p.Event.ID
	<-s.release
	return s.memSink.Emit(p)
}

func TestStopWaitsForEmit(t *testing.T) {
	clock := newFakeClock()
	sink := &blockingSink{newMemSink(clock), make(chan string, 1), make(chan struct{})}
	tr := New(Options{Clock: clock, Sink: sink})
	tr.Start()
	mustSave(t, tr, "a", "a0", "draft")
	clock.set(5 * time.Second)
	sink.waitEmit(t)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := tr.Stop(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Stop during an emission with an ended context: %v, want context.Canceled", err)
	}
	close(sink.release)
	stop(t, tr)
	if got, _ := sink.snapshot(t); len(got) != 1 {
		t.Fatalf("%d emissions, want the one in progress to finish", len(got))
	}
}

func TestStopWithoutStart(t *testing.T) {
	tr := New(Options{Sink: newMemSink(newFakeClock())})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := tr.Stop(ctx); err != nil {
		t.Fatalf("Stop of a tracker never started: %v", err)
	}
}

func TestSaveWaitsWhileEmitting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := newFakeClock()
		sink := &blockingSink{newMemSink(clock), make(chan string, 1), make(chan struct{})}
		tr := New(Options{Clock: clock, Sink: sink})
		tr.Start()
		mustSave(t, tr, "a", "a0", "draft 0")
		clock.set(5 * time.Second)
		sink.waitEmit(t)

		saved := make(chan error)
		go func() { saved <- tr.Save("a", draft("a5", "draft 5")) }()
		synctest.Wait() // the save is blocked while its document is emitted
		sink.mu.Lock()
		holds := sink.holds
		sink.mu.Unlock()
		if holds != 1 {
			t.Fatalf("%d holds while the window was being emitted, want only the first", holds)
		}
		close(sink.release)
		if err := <-saved; err != nil {
			t.Fatal(err)
		}
		got, held := sink.snapshot(t)
		if len(got) != 1 || got[0].Event.ID != "a0" || held["a"].Event.ID != "a5" || tr.Active() != 1 {
			t.Errorf("emitted %+v, held %+v, %d active; want a0 emitted and a new window a5 held", got, held, tr.Active())
		}
		stop(t, tr)
	})
}

// mustSave saves a draft of doc with the given event id and payload.
func mustSave(t *testing.T, tr *Tracker, doc, id, payload string) {
	t.Helper()
	if err := tr.Save(doc, draft(id, payload)); err != nil {
		t.Fatal(err)
	}
}

// stop stops tr, failing the test if that takes too long.
func stop(t *testing.T, tr *Tracker) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tr.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestRealClock(t *testing.T) {
	const window = 20 * time.Millisecond
	sink := &stampSink{}
	tr := New(Options{Window: window, Sink: sink})
	tr.Start()
	defer stop(t, tr)
	start := time.Now()
	mustSave(t, tr, "a", "a0", "draft")
	waitFor(t, "the window to be emitted", func() bool { return tr.Active() == 0 })
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if sink.emitted.Sub(start) < window {
		t.Errorf("emitted %v after the save, before the %v window ended", sink.emitted.Sub(start), window)
	}
	if d := sink.end.Sub(start); d < window || d > window+time.Second {
		t.Errorf("window end %v after the save, want %v", d, window)
	}
}

// stampSink records when Emit is called, on the real clock.
type stampSink struct {
	mu           sync.Mutex
	emitted, end time.Time
}

func (s *stampSink) Hold(Pending) error { return nil }

func (s *stampSink) Emit(p Pending) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.emitted, s.end = time.Now(), p.WindowEnd
	return nil
}

// TestSaveWindowLengths checks that two documents saved with different
// window lengths close at their own ends, and that joining an open window
// does not move its end.
func TestSaveWindowLengths(t *testing.T) {
	clock := newFakeClock()
	sink := newMemSink(clock)
	tr := New(Options{Clock: clock, Sink: sink})
	tr.Start()
	defer stop(t, tr)

	if err := tr.SaveWindow("short", draft("s0", "s"), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := tr.SaveWindow("long", draft("l0", "l"), 20*time.Second); err != nil {
		t.Fatal(err)
	}
	clock.set(4 * time.Second)
	if err := tr.SaveWindow("short", draft("s4", "s later"), 20*time.Second); err != nil {
		t.Fatal(err)
	}
	clock.set(5 * time.Second)
	settle(t, tr)
	got, _ := sink.snapshot(t)
	if len(got) != 1 || got[0].Event.ID != "s0" || got[0].payload != "s later" {
		t.Fatalf("emissions at 5s: %+v, want the short window with its latest draft", got)
	}
	clock.set(19 * time.Second)
	settle(t, tr)
	if got, _ = sink.snapshot(t); len(got) != 1 {
		t.Fatalf("the 20s window closed early: %+v", got)
	}
	clock.set(20 * time.Second)
	settle(t, tr)
	if got, _ = sink.snapshot(t); len(got) != 2 || got[1].Event.ID != "l0" {
		t.Fatalf("emissions at 20s: %+v, want the long window too", got)
	}
}
