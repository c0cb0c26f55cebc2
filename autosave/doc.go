// Package autosave coalesces editor saves of one document into at most one
// auto_save event per activity window, the way Contentful does for saves made
// in its web app.
//
// The first editor save of a document at time t opens a window [t, t+W). Later
// saves inside the window replace its pending draft. At t+W the latest draft is
// emitted and the window closes; the next save opens a new window. Editing one
// document for a minute at one save per second therefore gives 12 events with
// W = 5s and 3 with W = 20s.
//
// Every save is first held durably through a [Sink], so a restart inside a
// window still emits the draft: the held windows are read back and handed to
// [Tracker.Adopt] before [Tracker.Start]. One scheduler goroutine keeps a
// min-heap of window ends and a single timer, so an open window costs under a
// hundred bytes of tracker state and no goroutine. The package does not import
// Caddy.
package autosave
