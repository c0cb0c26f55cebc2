package followup

import (
	"testing"
	"time"
)

func TestAdoptLeavesAFollowedActionAlone(t *testing.T) {
	c := newCMS(t)
	r, _ := newRunner(t, c, Options{Poll: time.Millisecond})
	c.entry("e1")
	a := c.start(r, 201, "POST", "/spaces/sp1/scheduled_actions", scheduled("publish", "e1", time.Now().Add(time.Hour)))
	followedNow := func() *followed {
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.actions[a.Key()]
	}
	first := followedNow()

	// The same record, as another process's write of it shows it.
	same := *a
	r.Adopt(&same)
	if followedNow() != first {
		t.Fatal("adopting the action followed already started following it anew")
	}

	// Rescheduled by another process: followed with the new time.
	moved := *a
	moved.Due = a.Due.Add(time.Minute)
	r.Adopt(&moved)
	if f := followedNow(); f == first || !f.action.Due.Equal(moved.Due) {
		t.Fatal("an action rescheduled elsewhere is still followed with its old time")
	}

	// An action this process did not know is followed.
	other := *a
	other.ID = "other"
	r.Adopt(&other)
	if r.Len() != 2 {
		t.Fatalf("%d actions followed; want 2", r.Len())
	}
}
