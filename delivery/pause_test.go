package delivery

import (
	"context"
	"slices"
	"testing"
	"time"
)

func TestStorePausePersists(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenStore(StoreOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		id     string
		paused bool
	}{{"a", true}, {"b", true}, {"c", true}, {"b", false}, {"never-paused", false}} {
		if err := s.SetPaused(step.id, step.paused); err != nil {
			t.Fatalf("SetPaused(%s, %v): %v", step.id, step.paused, err)
		}
	}
	if got := s.PausedIDs(); !slices.Equal(got, []string{"a", "c"}) {
		t.Fatalf("PausedIDs = %v, want [a c]", got)
	}
	if err := s.SetPaused("", true); err == nil {
		t.Fatal("SetPaused accepted an empty id")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPaused("a", false); err == nil {
		t.Fatal("SetPaused on a closed store succeeded")
	}
	s = openTestStore(t, dir)
	if got := s.PausedIDs(); !slices.Equal(got, []string{"a", "c"}) {
		t.Fatalf("PausedIDs after reopening = %v, want [a c]", got)
	}
}

// TestDispatcherFollowsStorePauses checks that a dispatcher starts with the
// pauses the store has recorded, follows later ones, and that its own
// SetPaused is recorded for the dispatchers started after it.
func TestDispatcherFollowsStorePauses(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	rc := newReceiver(t, nil)
	endpoints := map[string]*Endpoint{"a": {ID: "a", Name: "A", Render: postTo(rc.URL + "/a")}}
	if err := s.SetPaused("a", true); err != nil {
		t.Fatal(err)
	}
	var results resultLog
	d1 := startDispatcher(t, DispatcherOptions{Store: s, Endpoints: endpoints, OnResult: results.add})
	if !d1.Paused("a") {
		t.Fatal("dispatcher did not start with the recorded pause")
	}
	enqueue(t, s, "a", "ev1")
	// A webhook nobody pauses proves the dispatcher claims meanwhile.
	enqueue(t, s, "b", "ev2")
	waitFor(t, rescanInterval+5*time.Second, "the unknown webhook's delivery to fail at the periodic rescan", func() bool { _, failed := s.Counts(); return failed == 1 })
	if n := len(rc.got()); n != 0 {
		t.Fatalf("paused webhook got %d calls", n)
	}

	d2 := startDispatcher(t, DispatcherOptions{Store: s, Endpoints: endpoints, OnResult: results.add})
	if err := s.SetPaused("a", false); err != nil {
		t.Fatal(err)
	}
	if d1.Paused("a") || d2.Paused("a") {
		t.Fatal("a resume recorded in the store did not reach both dispatchers")
	}
	waitFor(t, 5*time.Second, "the resumed webhook's call", func() bool { return len(rc.got()) == 1 })

	if !d2.SetPaused("a", true) {
		t.Fatal("SetPaused refused a known webhook")
	}
	if !d1.Paused("a") || !slices.Equal(s.PausedIDs(), []string{"a"}) {
		t.Fatalf("Dispatcher.SetPaused was not recorded: d1 paused %v, PausedIDs %v", d1.Paused("a"), s.PausedIDs())
	}
	if d2.SetPaused("unknown", true) || slices.Contains(s.PausedIDs(), "unknown") {
		t.Fatal("SetPaused recorded an unknown webhook")
	}
	for _, d := range []*Dispatcher{d1, d2} {
		if err := d.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	d3 := startDispatcher(t, DispatcherOptions{Store: s, Endpoints: endpoints})
	if !d3.Paused("a") {
		t.Fatal("a dispatcher started later does not see the pause")
	}
	// A webhook configured as paused stays paused without a record.
	d4 := NewDispatcher(DispatcherOptions{Store: s, Endpoints: map[string]*Endpoint{"x": {ID: "x", Paused: true}}})
	d4.Start()
	defer d4.Stop(context.Background())
	if !d4.Paused("x") {
		t.Fatal("a webhook configured as paused is not paused")
	}
}
