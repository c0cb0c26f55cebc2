package delivery

import (
	"context"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// TestSharedEventStoredOnce follows the event of one write to three
// webhooks, stored once, across a restart: every webhook gets the whole
// event, a retry and a failure keep the event record, and the last delivery
// deletes it. A write with one delivery keeps its event inline.
func TestSharedEventStoredOnce(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenStore(StoreOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ev := testEvent("shared")
	ev.Payload = benchPayload
	now := time.Now()
	shared := []*Delivery{NewDelivery("ok", ev, now), NewDelivery("retry", ev, now), NewDelivery("fail", ev, now)}
	single := NewDelivery("ok", testEvent("single"), now)
	for _, b := range []Batch{{Deliveries: shared}, {Deliveries: []*Delivery{single}}} {
		if err := s.Enqueue(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	if n, c := keyCount(t, s, sharedEventPrefix), keyCount(t, s, sharedCountPrefix); n != 1 || c != 1 {
		t.Fatalf("%d shared event records and %d counts; want 1 and 1", n, c)
	}
	inline := 0
	for _, v := range storedValues(t, s, queuePrefix) {
		switch {
		case v[0] == deliveryLayout:
			inline++
		case v[0] != deliveryLayoutShared || len(v) >= valueThreshold:
			t.Errorf("queued delivery of layout %d, %d bytes; want the shared layout, below the value threshold (%d)", v[0], len(v), valueThreshold)
		}
	}
	if inline != 1 {
		t.Errorf("%d deliveries hold their event; want 1 (the write with one delivery)", inline)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTestStore(t, dir)

	rc, failing, _ := okRetryFail(t, s, 100*time.Millisecond)
	waitFor(t, 10*time.Second, "ok and retry delivered, fail failed", func() bool {
		depth, failed := s.Counts()
		return depth == 0 && failed == 1
	})
	wantBody := func(path string, n int) {
		t.Helper()
		calls := callsTo(rc, path)
		if len(calls) != n {
			t.Fatalf("%s got %d calls, want %d", path, len(calls), n)
		}
		for _, c := range calls {
			if string(c.Body) != string(ev.Payload) {
				t.Fatalf("%s got body %.60q…, want the event's payload", path, c.Body)
			}
		}
	}
	wantBody("/retry", 2)
	wantBody("/fail", 1)
	if n, c := keyCount(t, s, sharedEventPrefix), keyCount(t, s, sharedCountPrefix); n != 1 || c != 1 {
		t.Fatalf("with a delivery failed: %d shared event records and %d counts; want both kept", n, c)
	}

	failing.Store(false)
	if moved, err := s.RedeliverFailed("fail", time.Time{}); err != nil || moved != 1 {
		t.Fatalf("RedeliverFailed = %d, %v; want 1", moved, err)
	}
	waitFor(t, 10*time.Second, "the redelivery", func() bool {
		depth, failed := s.Counts()
		return depth == 0 && failed == 0 && len(callsTo(rc, "/fail")) == 2
	})
	wantBody("/fail", 2)
	okCalls := callsTo(rc, "/ok")
	if len(okCalls) != 2 {
		t.Fatalf("/ok got %d calls, want 2 (the shared event and the single one)", len(okCalls))
	}
	waitFor(t, 5*time.Second, "the shared event record deleted", func() bool {
		return keyCount(t, s, sharedEventPrefix) == 0 && keyCount(t, s, sharedCountPrefix) == 0
	})
}

// TestSharedEventMissing checks that a delivery whose shared event record
// is gone is moved to the failed list with the reason logged, not sent.
func TestSharedEventMissing(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	ev := testEvent("gone")
	now := time.Now()
	ds := []*Delivery{NewDelivery("a", ev, now), NewDelivery("b", ev, now)}
	if err := s.Enqueue(context.Background(), Batch{Deliveries: ds}); err != nil {
		t.Fatal(err)
	}
	err := s.db.Update(func(txn *badger.Txn) error { return txn.Delete(sharedEventKey(ds[0].ID)) })
	if err != nil {
		t.Fatal(err)
	}
	sub := s.subs.add(nil)
	defer s.subs.remove(sub)
	res, err := s.claim(claimRequest{now: now, max: 2, sub: sub, lease: func(string) (time.Duration, bool, bool) { return time.Minute, true, true }})
	if err != nil || len(res.claimed) != 0 {
		t.Fatalf("claim = %+v, %v; want nothing claimed", res, err)
	}
	if depth, failed := s.Counts(); depth != 0 || failed != 2 {
		t.Fatalf("Counts = %d, %d; want both deliveries failed", depth, failed)
	}
}
