package delivery

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"
)

// backendCase opens one kind of backend for the tests every backend must
// pass.
type backendCase struct {
	name string
	open func(t *testing.T) Backend
}

// backendCases lists the backends the contract tests run on.
func backendCases() []backendCase {
	return []backendCase{
		{"badger", func(t *testing.T) Backend { return openTestStore(t, t.TempDir()) }},
		{"jetstream", func(t *testing.T) Backend { return openTestJetStream(t, startNATS(t).URLs()) }},
	}
}

// eachBackend runs test on every backend.
func eachBackend(t *testing.T, test func(t *testing.T, b Backend)) {
	for _, bc := range backendCases() {
		t.Run(bc.name, func(t *testing.T) { test(t, bc.open(t)) })
	}
}

// enqueueTo commits deliveries of the given events to webhookID, due now.
func enqueueTo(t testing.TB, b Backend, webhookID string, ids ...string) []*Delivery {
	t.Helper()
	var ds []*Delivery
	for _, id := range ids {
		ds = append(ds, NewDelivery(webhookID, testEvent(id), time.Now()))
	}
	if err := b.Enqueue(context.Background(), Batch{Deliveries: ds}); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	return ds
}

// quickEndpoint is a webhook posting to url that retries after 10ms.
func quickEndpoint(id, url string, attempts int) *Endpoint {
	return &Endpoint{ID: id, Render: postTo(url), Attempts: attempts, Delay: 10 * time.Millisecond, Timeout: 5 * time.Second}
}

// callTotal returns how many calls the webhook's log holds.
func callTotal(t testing.TB, b Backend, webhookID string) int {
	t.Helper()
	total, _, err := b.Health(webhookID)
	if err != nil {
		t.Fatalf("Health: %v", err)
	}
	return total
}

func TestBackendIndexRecords(t *testing.T) {
	eachBackend(t, func(t *testing.T, b Backend) {
		ctx := context.Background()
		put := Batch{Put: []KV{{Key: "!a/one", Value: []byte("1")}, {Key: "!a/two", Value: []byte("2")}, {Key: "!b/x", Value: []byte("x")}}}
		if err := b.Enqueue(ctx, put); err != nil {
			t.Fatal(err)
		}
		if v, ok, err := b.Get("!a/two"); err != nil || !ok || string(v) != "2" {
			t.Fatalf("Get = %q, %v, %v", v, ok, err)
		}
		if _, ok, err := b.Get("!a/none"); err != nil || ok {
			t.Fatalf("Get of a missing key = %v, %v", ok, err)
		}
		if err := b.Enqueue(ctx, Batch{Delete: []string{"!a/one"}}); err != nil {
			t.Fatal(err)
		}
		var keys []string
		if err := b.Scan("!a/", func(k string, v []byte) error { keys = append(keys, k+"="+string(v)); return nil }); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(keys, []string{"!a/two=2"}) {
			t.Fatalf("Scan = %q", keys)
		}
	})
}

func TestBackendTake(t *testing.T) {
	eachBackend(t, func(t *testing.T, b Backend) {
		ctx := context.Background()
		if err := b.Enqueue(ctx, Batch{Put: []KV{{Key: "!held/doc", Value: []byte("v1")}}}); err != nil {
			t.Fatal(err)
		}
		is := func(want string) func([]byte) bool { return func(v []byte) bool { return string(v) == want } }

		// A take of another value commits nothing.
		err := b.Enqueue(ctx, Batch{Deliveries: []*Delivery{NewDelivery("wh", testEvent("1"), time.Now())}, Take: &Take{Key: "!held/doc", Match: is("v0")}})
		if !errors.Is(err, ErrTaken) {
			t.Fatalf("take of a changed record = %v; want ErrTaken", err)
		}
		if depth, _ := b.Counts(); depth != 0 {
			t.Fatalf("depth after a failed take = %d; want 0", depth)
		}

		// The matching take commits its deliveries and deletes the record.
		if err := b.Enqueue(ctx, Batch{Deliveries: []*Delivery{NewDelivery("wh", testEvent("2"), time.Now())}, Take: &Take{Key: "!held/doc", Match: is("v1")}}); err != nil {
			t.Fatalf("take = %v", err)
		}
		if _, ok, _ := b.Get("!held/doc"); ok {
			t.Fatal("the taken record is still there")
		}
		if depth, _, _, _, err := b.QueueStats(); err != nil || depth != 1 {
			t.Fatalf("depth after the take = %d, %v; want 1", depth, err)
		}

		// A second take of the same record finds it gone.
		err = b.Enqueue(ctx, Batch{Deliveries: []*Delivery{NewDelivery("wh", testEvent("3"), time.Now())}, Take: &Take{Key: "!held/doc"}})
		if !errors.Is(err, ErrTaken) {
			t.Fatalf("second take = %v; want ErrTaken", err)
		}
		if depth, _, _, _, _ := b.QueueStats(); depth != 1 {
			t.Fatalf("depth after the second take = %d; want 1", depth)
		}
	})
}

func TestBackendDeliversAndLogs(t *testing.T) {
	eachBackend(t, func(t *testing.T, b Backend) {
		rc := newReceiver(t, nil)
		startDispatcher(t, DispatcherOptions{Store: b, Workers: 4, Endpoints: map[string]*Endpoint{"wh": quickEndpoint("wh", rc.URL, 3)}})
		ids := []string{"1", "2", "3", "4", "5", "6", "7", "8"}
		enqueueTo(t, b, "wh", ids...)
		waitFor(t, 10*time.Second, "every delivery logged", func() bool { return callTotal(t, b, "wh") == len(ids) })
		waitFor(t, 5*time.Second, "an empty queue", func() bool { depth, _ := b.Counts(); return depth == 0 })
		if got := len(rc.got()); got != len(ids) {
			t.Fatalf("receiver got %d calls; want %d", got, len(ids))
		}
		items, total, err := b.Calls("wh", 0, 100)
		if err != nil || total != len(ids) || len(items) != len(ids) {
			t.Fatalf("Calls = %d items, total %d, %v", len(items), total, err)
		}
		if _, healthy, _ := b.Health("wh"); healthy != len(ids) {
			t.Fatalf("healthy calls = %d; want %d", healthy, len(ids))
		}
		if _, ok, err := b.Call("wh", items[0].Sys.ID); !ok || err != nil {
			t.Fatalf("Call(%s) = %v, %v", items[0].Sys.ID, ok, err)
		}

		// Redelivering a call sends the event again, with its key.
		if err := b.Redeliver("wh", items[0].Sys.ID); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "the redelivery", func() bool { return len(rc.got()) == len(ids)+1 })
		calls := rc.got()
		last := calls[len(calls)-1].Header.Get("X-Contentful-Idempotency-Key")
		n := 0
		for _, c := range calls {
			if c.Header.Get("X-Contentful-Idempotency-Key") == last {
				n++
			}
		}
		if n != 2 {
			t.Fatalf("the redelivered key was sent %d times; want 2", n)
		}
		if err := b.Redeliver("wh", "nosuchcall"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Redeliver of an unknown call = %v; want ErrNotFound", err)
		}
	})
}

func TestBackendRetryFailAndRedeliver(t *testing.T) {
	eachBackend(t, func(t *testing.T, b Backend) {
		rc := newReceiver(t, func(n int, _ *http.Request) int {
			if n <= 2 {
				return http.StatusServiceUnavailable
			}
			return http.StatusOK
		})
		startDispatcher(t, DispatcherOptions{Store: b, Endpoints: map[string]*Endpoint{"wh": quickEndpoint("wh", rc.URL, 2)}})
		since := time.Now().Add(-time.Second)
		enqueueTo(t, b, "wh", "1")
		waitFor(t, 10*time.Second, "the delivery to fail", func() bool { _, failed := b.Counts(); return failed == 1 })
		if got := len(rc.got()); got != 2 {
			t.Fatalf("receiver got %d calls before the delivery failed; want 2", got)
		}
		byWebhook, err := b.QueueByWebhook()
		if err != nil || byWebhook["wh"].Failed != 1 {
			t.Fatalf("QueueByWebhook = %+v, %v", byWebhook, err)
		}
		n, err := b.RedeliverFailed("wh", since)
		if err != nil || n != 1 {
			t.Fatalf("RedeliverFailed = %d, %v", n, err)
		}
		waitFor(t, 10*time.Second, "the redelivered call", func() bool { return len(rc.got()) == 3 })
		waitFor(t, 5*time.Second, "nothing failed or queued", func() bool {
			depth, failed := b.Counts()
			return depth == 0 && failed == 0
		})
		if _, healthy, _ := b.Health("wh"); healthy != 1 {
			t.Fatalf("healthy calls = %d; want 1", healthy)
		}
	})
}

func TestBackendPause(t *testing.T) {
	eachBackend(t, func(t *testing.T, b Backend) {
		paused, other := newReceiver(t, nil), newReceiver(t, nil)
		if err := b.SetPaused("p", true); err != nil {
			t.Fatal(err)
		}
		if ids := b.PausedIDs(); !slices.Equal(ids, []string{"p"}) {
			t.Fatalf("PausedIDs = %q", ids)
		}
		d := startDispatcher(t, DispatcherOptions{Store: b, Endpoints: map[string]*Endpoint{
			"p": quickEndpoint("p", paused.URL, 3),
			"o": quickEndpoint("o", other.URL, 3),
		}})
		if !d.Paused("p") {
			t.Fatal("the dispatcher does not see the recorded pause")
		}
		enqueueTo(t, b, "p", "1")
		enqueueTo(t, b, "o", "2")
		waitFor(t, 10*time.Second, "the unpaused webhook's call", func() bool { return len(other.got()) == 1 })
		if n := len(paused.got()); n != 0 {
			t.Fatalf("the paused webhook got %d calls", n)
		}
		if !d.SetPaused("p", false) {
			t.Fatal("SetPaused of a configured webhook returned false")
		}
		waitFor(t, 10*time.Second, "the resumed webhook's call", func() bool { return len(paused.got()) == 1 })
		if ids := b.PausedIDs(); len(ids) != 0 {
			t.Fatalf("PausedIDs after resume = %q", ids)
		}
	})
}

func TestBackendFollow(t *testing.T) {
	urls := startNATS(t).URLs()
	writer, reader := openTestJetStream(t, urls), openTestJetStream(t, urls)
	type change struct{ key, value string }
	got := make(chan change, 10)
	stop, err := reader.Follow("!f/", func(key string, value []byte) {
		got <- change{key, string(value)}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	ctx := context.Background()
	if err := writer.Enqueue(ctx, Batch{Put: []KV{{Key: "!f/a", Value: []byte("1")}, {Key: "!other/b", Value: []byte("2")}}}); err != nil {
		t.Fatal(err)
	}
	if err := writer.Enqueue(ctx, Batch{Delete: []string{"!f/a"}}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []change{{"!f/a", "1"}, {"!f/a", ""}} {
		select {
		case c := <-got:
			if c != want {
				t.Fatalf("Follow reported %+v; want %+v", c, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("Follow reported nothing within 10s; want %+v", want)
		}
	}
	if _, err := reader.Follow("!f", nil); err == nil {
		t.Fatal("Follow of a prefix without a / was accepted")
	}
}
