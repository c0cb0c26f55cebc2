package delivery

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/cmsevents/caddy-cms-events/events"
)

// A call that takes long is recorded after a quicker one made later; the
// log still lists them newest first by requestAt, also after a reopen.
func TestCallLogOrderedByRequestAt(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenStore(StoreOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	slowArrived, release := make(chan struct{}), make(chan struct{})
	rc := newReceiver(t, func(_ int, r *http.Request) int {
		if r.URL.Path == "/slow" {
			close(slowArrived)
			<-release
		}
		return 200
	})
	var results resultLog
	render := func(ev *events.Event) (Rendered, error) {
		r, _ := postTo(rc.URL + "/" + ev.ID)(ev)
		return r, nil
	}
	d := NewDispatcher(DispatcherOptions{Store: s, Workers: 2, OnResult: results.add, Endpoints: map[string]*Endpoint{
		"w": {ID: "w", Name: "W", Render: render},
	}})
	d.Start()
	enqueue(t, s, "w", "slow")
	<-slowArrived
	enqueue(t, s, "w", "quick")
	waitFor(t, 5*time.Second, "the quick call", func() bool { return len(results.all()) == 1 })
	close(release)
	waitFor(t, 5*time.Second, "the slow call", func() bool { return len(results.all()) == 2 })

	check := func(when string) {
		t.Helper()
		items, total, err := s.Calls("w", 0, 10)
		if err != nil || total != 2 || len(items) != 2 {
			t.Fatalf("%s: Calls = %+v, %d, %v", when, items, total, err)
		}
		if items[0].URL != rc.URL+"/quick" || items[1].URL != rc.URL+"/slow" || items[0].RequestAt < items[1].RequestAt {
			t.Fatalf("%s: calls not newest first by requestAt: %s at %s, then %s at %s",
				when, items[0].URL, items[0].RequestAt, items[1].URL, items[1].RequestAt)
		}
	}
	check("before a reopen")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := d.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTestStore(t, dir)
	check("after a reopen")
}

// The cap drops the call made first, whatever order outcomes came in.
func TestCallIndexCapDropsOldestRequest(t *testing.T) {
	var ci callIndex
	now := time.Now()
	ci.add("w", callEntry{seq: 30, id: "c", expiresAt: uint64(now.Unix()) + 100}, 2, now.Unix())
	ci.add("w", callEntry{seq: 10, id: "a", expiresAt: uint64(now.Unix()) + 100}, 2, now.Unix())
	dropped := ci.add("w", callEntry{seq: 20, id: "b", expiresAt: uint64(now.Unix()) + 100}, 2, now.Unix())
	if len(dropped) != 1 || dropped[0].id != "a" {
		t.Fatalf("dropped %+v, want the entry made first (a)", dropped)
	}
	_, page := ci.page("w", 0, 10, now.Unix())
	if len(page) != 2 || page[0].id != "c" || page[1].id != "b" {
		t.Fatalf("page %+v, want c then b", page)
	}
}
