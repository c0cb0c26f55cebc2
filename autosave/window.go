package autosave

import "github.com/cmsevents/caddy-cms-events/events"

// window is the in-memory state of one document with an open window; it is
// kept small because one exists per actively edited document.
type window struct {
	// doc is the document key; it shares its bytes with the map key.
	doc string
	// ev is the latest draft; its ID is the window's event id.
	ev *events.Event
	// end is the end of the window, as an offset from Tracker.base.
	end int64
	// due is when the window is emitted next: its end, or later after a
	// failed Emit. It orders the heap.
	due int64
	// holding is true while a Sink.Hold for the document is running.
	holding bool
	// parked is true when the window fell due while holding and was taken
	// off the heap; it goes back on when the Hold returns.
	parked bool
	// next is a window of the same document that another process sharing
	// the store holds (Tracker.Adopt), opened once this one is emitted.
	next *Pending
}

// windowHeap is a min-heap of windows ordered by due time, for container/heap.
type windowHeap []*window

// Len returns the number of windows.
func (h windowHeap) Len() int { return len(h) }

// Less orders windows by due time.
func (h windowHeap) Less(i, j int) bool { return h[i].due < h[j].due }

// Swap swaps two windows.
func (h windowHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }

// Push appends x, a *window.
func (h *windowHeap) Push(x any) { *h = append(*h, x.(*window)) }

// Pop removes and returns the last window.
func (h *windowHeap) Pop() any {
	old := *h
	w := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return w
}
