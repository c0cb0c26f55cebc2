package delivery

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// lastCall returns the id of the webhook's newest call.
func lastCall(t *testing.T, s *Store, webhookID string) string {
	t.Helper()
	items, _, err := s.Calls(webhookID, 0, 1)
	if err != nil || len(items) != 1 {
		t.Fatalf("Calls(%s) = %+v, %v", webhookID, items, err)
	}
	return items[0].Sys.ID
}

// callsTo returns the calls the receiver got on path.
func callsTo(rc *receiver, path string) []call {
	var out []call
	for _, c := range rc.got() {
		if c.RequestURI == path {
			out = append(out, c)
		}
	}
	return out
}

// okRetryFail starts a receiver and a dispatcher on s with three webhooks:
// "ok" (answers 200), "retry" (503 on a first attempt, retried after
// retryDelay) and "fail" (400 while failing is set, which it is at first).
func okRetryFail(t *testing.T, s *Store, retryDelay time.Duration) (rc *receiver, failing *atomic.Bool, results *resultLog) {
	t.Helper()
	failing, results = new(atomic.Bool), new(resultLog)
	failing.Store(true)
	rc = newReceiver(t, func(n int, r *http.Request) int {
		switch {
		case r.URL.Path == "/retry" && r.Header.Get(HeaderAttempt) == "1":
			return 503
		case r.URL.Path == "/fail" && failing.Load():
			return 400
		}
		return 200
	})
	startDispatcher(t, DispatcherOptions{Store: s, OnResult: results.add, Endpoints: map[string]*Endpoint{
		"fail":  {ID: "fail", Name: "Fail", Render: postTo(rc.URL + "/fail")},
		"ok":    {ID: "ok", Name: "OK", Render: postTo(rc.URL + "/ok")},
		"retry": {ID: "retry", Name: "Retry", Delay: retryDelay, Render: postTo(rc.URL + "/retry")},
	}})
	return rc, failing, results
}

func TestRedeliver(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	rc, failing, results := okRetryFail(t, s, time.Hour)
	enqueue(t, s, "fail", "ev-fail")
	enqueue(t, s, "ok", "ev-ok")
	enqueue(t, s, "retry", "ev-retry")
	waitFor(t, 5*time.Second, "the first attempts", func() bool { return len(results.all()) == 3 })
	if depth, failed := s.Counts(); depth != 1 || failed != 1 {
		t.Fatalf("Counts = %d, %d; want the retry pending and one failed", depth, failed)
	}

	t.Run("failed delivery gets a full set of attempts", func(t *testing.T) {
		failing.Store(false)
		if err := s.Redeliver("fail", lastCall(t, s, "fail")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 5*time.Second, "the redelivery", func() bool { return len(callsTo(rc, "/fail")) == 2 })
		c := callsTo(rc, "/fail")[1]
		if c.Header.Get(HeaderAttempt) != "1" || c.Header.Get(HeaderIdempotencyKey) != IdempotencyKey("fail", "ev-fail") {
			t.Errorf("redelivered call: attempt %s, key %s", c.Header.Get(HeaderAttempt), c.Header.Get(HeaderIdempotencyKey))
		}
		waitFor(t, 5*time.Second, "no failed delivery", func() bool { _, failed := s.Counts(); return failed == 0 })
	})

	t.Run("pending delivery is due now", func(t *testing.T) {
		due, _ := dueOf(t, s, "retry")
		if due.Before(time.Now().Add(50 * time.Minute)) {
			t.Fatalf("retry due in %v, want about an hour", time.Until(due))
		}
		if err := s.Redeliver("retry", lastCall(t, s, "retry")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 5*time.Second, "the early retry", func() bool { return len(callsTo(rc, "/retry")) == 2 })
		if got := callsTo(rc, "/retry")[1].Header.Get(HeaderAttempt); got != "2" {
			t.Errorf("attempt header = %q, want 2 (a pending delivery keeps its count)", got)
		}
	})

	t.Run("delivered event is sent again", func(t *testing.T) {
		if err := s.Redeliver("ok", lastCall(t, s, "ok")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 5*time.Second, "the second delivery", func() bool { return len(callsTo(rc, "/ok")) == 2 })
		first, second := callsTo(rc, "/ok")[0], callsTo(rc, "/ok")[1]
		if first.Header.Get(HeaderIdempotencyKey) != second.Header.Get(HeaderIdempotencyKey) || second.Header.Get(HeaderAttempt) != "1" {
			t.Errorf("second delivery: key %s (first %s), attempt %s", second.Header.Get(HeaderIdempotencyKey), first.Header.Get(HeaderIdempotencyKey), second.Header.Get(HeaderAttempt))
		}
		if string(second.Body) != string(first.Body) {
			t.Errorf("second delivery body %s, first %s", second.Body, first.Body)
		}
	})

	t.Run("unknown call", func(t *testing.T) {
		for _, tc := range []struct{ webhook, call string }{{"ok", "0123456789abcdef0123456789abcdef"}, {"nope", lastCall(t, s, "ok")}} {
			if err := s.Redeliver(tc.webhook, tc.call); !errors.Is(err, ErrNotFound) {
				t.Errorf("Redeliver(%s, %s) = %v, want ErrNotFound", tc.webhook, tc.call, err)
			}
		}
	})
	waitFor(t, 5*time.Second, "an empty queue", func() bool { depth, failed := s.Counts(); return depth == 0 && failed == 0 })
}

// TestRedeliverLeftAlone checks what Redeliver does with a delivery being
// sent (nothing) and with one already due (nothing either).
func TestRedeliverLeftAlone(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	sub := s.subs.add(nil)
	defer s.subs.remove(sub)
	d := enqueue(t, s, "w", "ev")[0]
	now := time.Now()
	res, err := s.claim(claimRequest{now: now, max: 1, sub: sub, lease: func(string) (time.Duration, bool, bool) { return time.Minute, true, true }})
	if err != nil || len(res.claimed) != 1 {
		t.Fatalf("claim = %+v, %v", res, err)
	}
	a := attempt{requestAt: now, responseAt: now, response: CallResponse{StatusCode: 503}}
	cw := newCallWrite(newCallID(), d, &a, Retrying)
	// Record the call while the delivery is still claimed.
	if lost, err := s.settle(claimed{d: d, leaseKey: []byte("l/none")}, settlement{kind: settleDone, call: cw}); err != nil || !lost {
		t.Fatalf("settle = %v, %v", lost, err)
	}
	if err := s.Redeliver("w", cw.id); err != nil {
		t.Fatal(err)
	}
	if q := records(t, s, queuePrefix); len(q) != 1 || q[0].ID != d.ID {
		t.Fatalf("%d pending deliveries; want the claimed one only, not queued again", len(q))
	}
	if _, err := s.settle(res.claimed[0], settlement{kind: settleRetry, at: now.Add(-time.Second)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Redeliver("w", cw.id); err != nil {
		t.Fatal(err)
	}
	q := records(t, s, queuePrefix)
	if len(q) != 1 || q[0].ID != d.ID || !q[0].DueAt.Equal(now.Add(-time.Second)) {
		t.Fatalf("queue = %+v; want the delivery left at its earlier due time", q)
	}
	if depth, _ := s.Counts(); depth != 1 {
		t.Fatalf("Counts depth = %d, want 1", depth)
	}
}

func TestRedeliverFailed(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	var failing atomic.Bool
	failing.Store(true)
	rc := newReceiver(t, func(int, *http.Request) int {
		if failing.Load() {
			return 400
		}
		return 200
	})
	var results resultLog
	startDispatcher(t, DispatcherOptions{Store: s, OnResult: results.add, Endpoints: map[string]*Endpoint{
		"w":   {ID: "w", Name: "W", Render: postTo(rc.URL + "/w")},
		"w/x": {ID: "w/x", Name: "WX", Render: postTo(rc.URL + "/wx")},
	}})
	now := time.Now()
	var batch Batch
	for i, age := range []time.Duration{2 * time.Hour, time.Hour, 0} {
		batch.Deliveries = append(batch.Deliveries, NewDelivery("w", testEvent(fmt.Sprint("ev", i)), now.Add(-age)))
	}
	batch.Deliveries = append(batch.Deliveries, NewDelivery("w/x", testEvent("evx"), now))
	if err := s.Enqueue(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "four failures", func() bool { _, failed := s.Counts(); return failed == 4 })
	failing.Store(false)

	n, err := s.RedeliverFailed("w", now.Add(-90*time.Minute))
	if err != nil || n != 2 {
		t.Fatalf("RedeliverFailed(since 90 minutes ago) = %d, %v; want 2", n, err)
	}
	waitFor(t, 5*time.Second, "two redeliveries", func() bool { return len(callsTo(rc, "/w")) == 5 })
	if _, failed := s.Counts(); failed != 2 {
		t.Fatalf("failed = %d, want the old one and w/x's", failed)
	}
	n, err = s.RedeliverFailed("w", time.Time{})
	if err != nil || n != 1 {
		t.Fatalf("RedeliverFailed(all) = %d, %v; want 1", n, err)
	}
	waitFor(t, 5*time.Second, "the last redelivery", func() bool { return len(callsTo(rc, "/w")) == 6 })
	if n, err := s.RedeliverFailed("w", time.Time{}); err != nil || n != 0 {
		t.Fatalf("RedeliverFailed with nothing failed = %d, %v", n, err)
	}
	if f := records(t, s, failedPrefix); len(f) != 1 || f[0].WebhookID != "w/x" {
		t.Fatalf("failed = %+v; want w/x's delivery only", f)
	}
	if n := len(callsTo(rc, "/wx")); n != 1 {
		t.Fatalf("w/x got %d calls, want 1", n)
	}
}

// TestRedeliverFailedInChunks moves more failed deliveries than one
// transaction looks at.
func TestRedeliverFailedInChunks(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenStore(StoreOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	total := 2*redeliverChunk + 17
	wb := s.db.NewWriteBatch() // more entries than one transaction takes
	for i := range total {
		d := NewDelivery("w", testEvent(fmt.Sprint(i)), time.Now())
		d.Attempt = 3
		if err := wb.Set(failedKey("w", d.ID), encodeDelivery(d)); err != nil {
			t.Fatal(err)
		}
	}
	if err := wb.Set(failedKey("w", "unreadable"), []byte("{")); err != nil {
		t.Fatal(err)
	}
	if err := wb.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTestStore(t, dir)
	if depth, failed := s.Counts(); depth != 0 || failed != total+1 {
		t.Fatalf("Counts after reopening = %d, %d; want 0, %d", depth, failed, total+1)
	}
	n, err := s.RedeliverFailed("w", time.Time{})
	if err != nil || n != total {
		t.Fatalf("RedeliverFailed = %d, %v; want %d", n, err, total)
	}
	if depth, failed := s.Counts(); depth != total || failed != 1 {
		t.Fatalf("Counts = %d, %d; want %d, 1", depth, failed, total)
	}
	q := records(t, s, queuePrefix)
	if len(q) != total || q[0].Attempt != 0 {
		t.Fatalf("%d pending, first attempt %d; want %d with no attempts", len(q), q[0].Attempt, total)
	}
}
