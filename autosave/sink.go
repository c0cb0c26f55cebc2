package autosave

import (
	"time"

	"github.com/cmsevents/caddy-cms-events/events"
)

// Sink receives the tracker's results; the caller implements it over its
// durable store.
//
// Hold and Emit of one document never overlap, and Emit of a window happens
// after every Hold of that window has returned, so a store that keys the held
// record by [Pending.Doc] never sees a stale draft come back after its Emit.
type Sink interface {
	// Hold durably records the pending latest draft of a document together
	// with the end of its window, replacing any record held for the same
	// document, so that a restart (even a kill) inside the window still emits
	// it. It is called synchronously from [Tracker.Save], once per editor save.
	Hold(p Pending) error
	// Emit is called once per window, after its end, with the latest draft. It
	// must durably queue the event's deliveries and drop the held record of the
	// document in one atomic step. On error the window is emitted again one
	// window length later, with the same event id. It is only called from the
	// scheduler goroutine.
	Emit(p Pending) error
}

// Pending is the state of one open window.
type Pending struct {
	// Doc is the document key (space/environment/Type/id, canonical).
	Doc string
	// Event is the auto_save event carrying the latest draft seen in the
	// window. Its ID is the id of the window's first save and stays the same
	// for every Hold and Emit of the window. A Sink must not modify it.
	Event *events.Event
	// WindowEnd is the end of the window, when its Emit is due (a restored
	// window whose end has passed is emitted at once).
	WindowEnd time.Time
}
