package delivery

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// heldReceiver starts a receiver whose first call waits until release is
// closed or the call is cancelled; arrived gets a value when it comes.
func heldReceiver(t *testing.T) (rc *receiver, arrived chan struct{}, release chan struct{}) {
	arrived, release = make(chan struct{}, 1), make(chan struct{})
	rc = newReceiver(t, func(n int, r *http.Request) int {
		if n == 1 {
			arrived <- struct{}{}
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		return 200
	})
	return rc, arrived, release
}

// waitArrival waits for the held call.
func waitArrival(t *testing.T, arrived chan struct{}) {
	t.Helper()
	select {
	case <-arrived:
	case <-time.After(5 * time.Second):
		t.Fatal("the first call did not arrive")
	}
}

// leaseCount returns the number of claimed deliveries.
func leaseCount(t *testing.T, s *Store) int {
	t.Helper()
	return keyCount(t, s, leasePrefix)
}

// TestDispatcherStopGivesBackHeld checks that a dispatcher holds claims for
// twice its workers, and that Stop gives the deliveries it holds but has
// not sent back to the queue, with no attempt counted and no result.
func TestDispatcherStopGivesBackHeld(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	rc, arrived, release := heldReceiver(t)
	defer close(release)
	var results resultLog
	enqueue(t, s, "w", "ev1", "ev2", "ev3", "ev4")
	d := NewDispatcher(DispatcherOptions{Store: s, Workers: 1, OnResult: results.add,
		Endpoints: map[string]*Endpoint{"w": {ID: "w", Name: "W", Render: postTo(rc.URL)}}})
	d.Start()
	waitArrival(t, arrived)
	waitFor(t, 5*time.Second, "a second claim", func() bool { return leaseCount(t, s) == 2 })

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := d.Stop(ctx); err == nil || !strings.Contains(err.Error(), "1 webhook calls were interrupted") {
		t.Fatalf("Stop = %v, want one interrupted call", err)
	}
	if r := results.all(); len(r) != 1 || r[0].Outcome != Interrupted {
		t.Fatalf("results = %+v; want the interrupted call only", r)
	}
	if n := leaseCount(t, s); n != 0 {
		t.Fatalf("%d deliveries still claimed after Stop", n)
	}
	q := records(t, s, queuePrefix)
	if len(q) != 4 {
		t.Fatalf("%d deliveries queued after Stop, want 4", len(q))
	}
	for _, dl := range q {
		if dl.Attempt != 0 {
			t.Errorf("delivery %s has attempt %d after Stop, want 0", dl.Event.ID, dl.Attempt)
		}
	}
	if n := len(rc.got()); n != 1 {
		t.Fatalf("receiver got %d calls, want 1", n)
	}
}

// TestDispatcherPausedWhileHeld pauses a webhook while a claimed delivery
// waits for a worker: it goes back to the queue unsent, and is sent after
// the resume as the first attempt.
func TestDispatcherPausedWhileHeld(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	rc, arrived, release := heldReceiver(t)
	d := startDispatcher(t, DispatcherOptions{Store: s, Workers: 1,
		Endpoints: map[string]*Endpoint{"w": {ID: "w", Name: "W", Render: postTo(rc.URL)}}})
	enqueue(t, s, "w", "ev1", "ev2")
	waitArrival(t, arrived)
	waitFor(t, 5*time.Second, "the second delivery to be claimed", func() bool { return leaseCount(t, s) == 2 })
	d.SetPaused("w", true)
	close(release)
	waitFor(t, 5*time.Second, "the held delivery back in the queue", func() bool {
		q := records(t, s, queuePrefix)
		return leaseCount(t, s) == 0 && len(q) == 1 && q[0].Attempt == 0
	})
	if n := len(rc.got()); n != 1 {
		t.Fatalf("receiver got %d calls while paused, want 1", n)
	}
	d.SetPaused("w", false)
	waitFor(t, 5*time.Second, "the call after the resume", func() bool { return len(rc.got()) == 2 })
	calls := rc.got()
	if c := calls[1]; c.Header.Get(HeaderAttempt) != "1" || string(c.Body) == string(calls[0].Body) {
		t.Errorf("call after the resume: attempt %q, body %s; want the other event's first attempt", c.Header.Get(HeaderAttempt), c.Body)
	}
}

// TestDeliverGivesBackShortLease checks that a claimed delivery whose lease
// would end before a call taking the whole timeout could be recorded is
// given back instead of sent.
func TestDeliverGivesBackShortLease(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	rc := newReceiver(t, nil)
	d := NewDispatcher(DispatcherOptions{Store: s, Workers: 1,
		Endpoints: map[string]*Endpoint{"w": {ID: "w", Name: "W", Timeout: 10 * time.Second, Render: postTo(rc.URL)}}})
	ep, _ := d.endpoint("w")
	sub := s.subs.add(nil)
	defer s.subs.remove(sub)
	enqueue(t, s, "w", "ev1", "ev2")
	for _, tt := range []struct {
		lease time.Duration
		sent  bool
	}{
		{ep.lease(), true},
		{ep.Timeout + leaseMargin/2 - time.Second, false},
	} {
		res, err := s.claim(claimRequest{now: time.Now(), max: 1, sub: sub, lease: func(string) (time.Duration, bool, bool) { return tt.lease, true, true }})
		if err != nil || len(res.claimed) != 1 {
			t.Fatalf("claim = %+v, %v", res, err)
		}
		d.held.Add(1)
		d.deliver(res.claimed[0])
		d.sends.Wait()
		if n := d.held.Load(); n != 0 {
			t.Fatalf("held = %d after delivering with a lease of %s, want 0", n, tt.lease)
		}
		if tt.sent {
			if n := len(rc.got()); n != 1 {
				t.Fatalf("receiver got %d calls with a lease of %s, want 1", n, tt.lease)
			}
			continue
		}
		if n := len(rc.got()); n != 1 {
			t.Fatalf("receiver got %d calls; the delivery with a short lease was sent", n)
		}
		q := records(t, s, queuePrefix)
		if len(q) != 1 || q[0].ID != res.claimed[0].d.ID || q[0].Attempt != 0 {
			t.Fatalf("queue after the give-back = %+v; want the delivery with no attempt counted", q)
		}
	}
}

// TestDispatcherOneWorkerKeepsOrder checks that with one worker the calls
// are made in due order although the dispatcher claims ahead.
func TestDispatcherOneWorkerKeepsOrder(t *testing.T) {
	t.Run("due one after another", func(t *testing.T) {
		testOneWorkerOrder(t, time.Millisecond)
	})
	t.Run("due at the same time, in the order made", func(t *testing.T) {
		testOneWorkerOrder(t, 0)
	})
}

// testOneWorkerOrder queues deliveries due step apart (made in due order)
// and checks that one worker sends them in that order.
func testOneWorkerOrder(t *testing.T, step time.Duration) {
	s := openTestStore(t, t.TempDir())
	rc := newReceiver(t, nil)
	const n = 40
	now := time.Now()
	var batch Batch
	for i := range n {
		batch.Deliveries = append(batch.Deliveries, NewDelivery("w", testEvent(fmt.Sprint(i)), now.Add(time.Duration(i-n)*step)))
	}
	if err := s.Enqueue(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	startDispatcher(t, DispatcherOptions{Store: s, Workers: 1,
		Endpoints: map[string]*Endpoint{"w": {ID: "w", Name: "W", Render: postTo(rc.URL)}}})
	waitFor(t, 10*time.Second, "every call", func() bool { return len(rc.got()) == n })
	for i, c := range rc.got() {
		if want := fmt.Sprintf(`"e-%d"`, i); !strings.Contains(string(c.Body), want) {
			t.Fatalf("call %d has body %s; want the event due %d-th", i, c.Body, i)
		}
	}
}
