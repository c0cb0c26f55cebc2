package autosave

import (
	"sync"
	"testing"
	"time"

	"github.com/cmsevents/caddy-cms-events/events"
)

// sharedSink is a Sink as a store shared by several processes is one: a
// Hold replaces the document's record, and an Emit succeeds only while the
// record is the draft it emits, deleting it; otherwise another process
// emitted the window, or holds a newer draft of it, and nothing happens.
type sharedSink struct {
	clock     *fakeClock
	mu        sync.Mutex
	held      map[string]Pending
	emissions []emission
}

func (s *sharedSink) Hold(p Pending) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.held[p.Doc] = p
	return nil
}

func (s *sharedSink) Emit(p Pending) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.held[p.Doc]
	if ok && h.Event.ID == p.Event.ID && h.Event.Time.Equal(p.Event.Time) {
		delete(s.held, p.Doc)
		s.emissions = append(s.emissions, emission{Pending: p, at: s.clock.Now()})
	}
	return nil
}

// snapshot returns the emissions so far.
func (s *sharedSink) snapshot() []emission {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]emission(nil), s.emissions...)
}

// draftAt returns a draft saved at epoch+at.
func draftAt(id, payload string, at time.Duration) *events.Event {
	ev := draft(id, payload)
	ev.Time = epoch.Add(at)
	return ev
}

func TestAdopt(t *testing.T) {
	s := time.Second
	tests := []struct {
		name string
		save bool // the tracker's own save of "own" at 0, window 5s
		// adopted are the Holds of another process, each also told to
		// the tracker with Adopt.
		adopted []Pending
		// want are the emitted event ids and payloads, in order, with
		// the times they are emitted at.
		want []emission
	}{{
		name:    "a window of another process is emitted at its end",
		adopted: []Pending{{Doc: "a", Event: draftAt("w", "theirs", 0), WindowEnd: epoch.Add(3 * s)}},
		want:    []emission{{Pending: Pending{Event: draftAt("w", "theirs", 0)}, at: epoch.Add(3 * s)}},
	}, {
		name: "a newer draft of the open window replaces it",
		save: true,
		adopted: []Pending{
			{Doc: "a", Event: draftAt("own", "newer", 2*s), WindowEnd: epoch.Add(5 * s)},
		},
		want: []emission{{Pending: Pending{Event: draftAt("own", "newer", 2*s)}, at: epoch.Add(5 * s)}},
	}, {
		name: "another window of the document opens once the open one is emitted",
		save: true,
		adopted: []Pending{
			{Doc: "a", Event: draftAt("w", "theirs", s), WindowEnd: epoch.Add(6 * s)},
			{Doc: "a", Event: draftAt("w", "theirs later", 2*s), WindowEnd: epoch.Add(6 * s)},
		},
		// The store holds their draft: the open window's Emit finds it
		// taken, and theirs is emitted at its end.
		want: []emission{
			{Pending: Pending{Event: draftAt("w", "theirs later", 2*s)}, at: epoch.Add(6 * s)},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			sink := &sharedSink{clock: clock, held: map[string]Pending{}}
			tr := New(Options{Clock: clock, Sink: sink})
			tr.Start()
			defer stop(t, tr)
			if tt.save {
				if err := tr.Save("a", draftAt("own", "mine", 0)); err != nil {
					t.Fatal(err)
				}
			}
			for _, p := range tt.adopted {
				sink.Hold(p)
				tr.Adopt(p)
			}
			// An echo of an older draft changes nothing.
			if tt.save {
				tr.Adopt(Pending{Doc: "a", Event: draftAt("own", "echo", 0), WindowEnd: epoch.Add(5 * s)})
			}
			for at := s; at <= 7*s; at += s {
				clock.set(at)
				settle(t, tr)
			}
			got := sink.snapshot()
			if len(got) != len(tt.want) {
				t.Fatalf("%d emissions, want %d: %+v", len(got), len(tt.want), got)
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Event.ID != w.Event.ID || string(g.Event.Payload) != string(w.Event.Payload) || !g.at.Equal(w.at) {
					t.Errorf("emission %d: %s %q at %v; want %s %q at %v", i, g.Event.ID, g.Event.Payload, g.at.Sub(epoch), w.Event.ID, w.Event.Payload, w.at.Sub(epoch))
				}
			}
			if tr.Active() != 0 {
				t.Errorf("Active() = %d after the emissions, want 0", tr.Active())
			}
		})
	}
}
