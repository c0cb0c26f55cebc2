package autosave

import (
	"container/heap"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/cmsevents/caddy-cms-events/events"
	"go.uber.org/zap"
)

// DefaultWindow is the activity window used when [Options.Window] is not set:
// Contentful's current value (it used to be 20s).
const DefaultWindow = 5 * time.Second

// Options configure a [Tracker].
type Options struct {
	// Window is the length of an activity window. Default: [DefaultWindow].
	Window time.Duration
	// Clock tells the time. Default: the system clock.
	Clock Clock
	// Sink holds pending drafts and emits closed windows. Required.
	Sink Sink
	// Logger receives failed emissions. Default: no logging.
	Logger *zap.Logger
}

// Tracker coalesces editor saves into one auto_save event per document and
// window. Its methods are safe for concurrent use.
type Tracker struct {
	window time.Duration
	clock  Clock
	sink   Sink
	logger *zap.Logger
	// base anchors window ends, kept as offsets so that the real clock's
	// monotonic reading is used.
	base time.Time

	mu sync.Mutex
	// changed is signalled whenever a Hold or an Emit finishes; saves of a
	// document that is being held or emitted wait on it.
	changed *sync.Cond
	// docs maps a document key to its open window.
	docs map[string]*window
	// due orders the open windows that are not parked by due time.
	due windowHeap
	// emitting is the window whose Emit is running, or nil.
	emitting *window
	// done is closed when the scheduler goroutine exits; nil before Start.
	done chan struct{}

	// wake tells the scheduler that the earliest window end may have changed.
	wake chan struct{}
	// stop is closed by Stop.
	stop     chan struct{}
	stopOnce sync.Once
}

// New returns a tracker; call [Tracker.Adopt] for each window held in the
// store, then [Tracker.Start].
func New(opts Options) *Tracker {
	if opts.Window <= 0 {
		opts.Window = DefaultWindow
	}
	if opts.Clock == nil {
		opts.Clock = realClock{}
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	t := &Tracker{
		window: opts.Window,
		clock:  opts.Clock,
		sink:   opts.Sink,
		logger: opts.Logger,
		base:   opts.Clock.Now(),
		docs:   make(map[string]*window),
		wake:   make(chan struct{}, 1),
		stop:   make(chan struct{}),
	}
	t.changed = sync.NewCond(&t.mu)
	return t
}

// Save records an editor save of doc whose auto_save event is ev. If doc has
// no open window, one opens now and ev's ID becomes the window's event id;
// otherwise ev replaces the pending draft and Save sets ev.ID to the window's
// event id. Save takes ownership of ev: the caller must not modify it
// afterwards.
//
// The emitted event is the latest save's event as given (its Time is that
// save's), carrying the window's id. A save that arrives after the window's end
// but before its Emit has begun (a late scheduler, or a failed Emit waiting for
// its retry) joins that window.
//
// Save returns once the draft is held by [Sink.Hold]. A Hold error is returned
// for the caller to log, but the draft is still emitted at the window's end as
// long as the process keeps running. Saves of one document are held one after
// another, and wait while that document's window is being emitted.
func (t *Tracker) Save(doc string, ev *events.Event) error {
	return t.SaveWindow(doc, ev, t.window)
}

// SaveWindow is Save with a window length of its own for a window that this
// save opens, for callers whose documents have different windows. A save
// that joins an open window does not change that window's end.
func (t *Tracker) SaveWindow(doc string, ev *events.Event, length time.Duration) error {
	if length <= 0 {
		length = t.window
	}
	t.mu.Lock()
	w := t.docs[doc]
	for w != nil && (w.holding || w == t.emitting) {
		t.changed.Wait()
		w = t.docs[doc]
	}
	if w == nil {
		end := t.since() + int64(length)
		w = &window{doc: doc, end: end, due: end}
		t.docs[doc] = w
		t.schedule(w)
	} else {
		ev.ID = w.ev.ID
	}
	w.ev = ev
	w.holding = true
	p := t.pending(w)
	t.mu.Unlock()

	err := t.sink.Hold(p)

	t.mu.Lock()
	w.holding = false
	if w.parked {
		w.parked = false
		t.schedule(w)
	}
	t.changed.Broadcast()
	t.mu.Unlock()
	if err != nil {
		return fmt.Errorf("holding the auto_save draft of %s (it is still emitted unless the process stops before the window ends; check the storage directory): %w", doc, err)
	}
	return nil
}

// Adopt takes in a window held in the store: one read back when the store
// is opened, or one that another process sharing the store holds (its
// Hold), so that the window is emitted even if that process stops; of the
// processes that emit it, the store lets one win. p.Event must not be nil.
// A document without an open window opens p's, due at p.WindowEnd (at
// once when that has passed); its event keeps its id. An open window with p's
// event id takes p's draft when it is newer (a later Event.Time). An open
// window with another id keeps p, to open once it has been emitted.
func (t *Tracker) Adopt(p Pending) {
	t.mu.Lock()
	defer t.mu.Unlock()
	w := t.docs[p.Doc]
	switch {
	case w == nil:
		t.open(p)
	case w.ev.ID == p.Event.ID:
		if p.Event.Time.After(w.ev.Time) {
			w.ev = p.Event
		}
	case w.next == nil || w.next.Event.ID != p.Event.ID || p.Event.Time.After(w.next.Event.Time):
		w.next = &p
	}
}

// open opens the window p and schedules it; t.mu must be held and p.Doc
// have no open window.
func (t *Tracker) open(p Pending) {
	end := int64(p.WindowEnd.Sub(t.base))
	w := &window{doc: p.Doc, ev: p.Event, end: end, due: end}
	t.docs[p.Doc] = w
	t.schedule(w)
}

// Active returns the number of documents with an open window.
func (t *Tracker) Active() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.docs)
}

// Start runs the scheduler goroutine, which emits every window at its end.
// Call it once.
func (t *Tracker) Start() {
	t.mu.Lock()
	t.done = make(chan struct{})
	t.mu.Unlock()
	go t.run()
}

// Stop stops the scheduler and waits for an Emit in progress to return, or
// for ctx to end. Open windows are not emitted: they stay held in the [Sink]
// and are emitted by the next tracker that restores them. Saves after Stop
// are still held but not emitted by this tracker. Stop can be called again
// after ctx ended, to wait once more.
func (t *Tracker) Stop(ctx context.Context) error {
	t.stopOnce.Do(func() { close(t.stop) })
	t.mu.Lock()
	done := t.done
	t.mu.Unlock()
	if done == nil {
		return nil
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stopping the auto_save scheduler: an emission is still in progress: %w", ctx.Err())
	}
}

// since returns the current time as an offset from t.base.
func (t *Tracker) since() int64 {
	return int64(t.clock.Now().Sub(t.base))
}

// pending returns the state of w; t.mu must be held.
func (t *Tracker) pending(w *window) Pending {
	return Pending{Doc: w.doc, Event: w.ev, WindowEnd: t.base.Add(time.Duration(w.end)).Round(0)}
}

// schedule puts w on the heap and wakes the scheduler if w is now the first
// window due; t.mu must be held.
func (t *Tracker) schedule(w *window) {
	heap.Push(&t.due, w)
	if t.due[0] == w {
		select {
		case t.wake <- struct{}{}:
		default:
		}
	}
}
