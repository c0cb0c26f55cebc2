package delivery

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/cmsevents/caddy-cms-events/events"
	"github.com/dgraph-io/badger/v4"
)

// openTestStore opens a store in dir and closes it when the test ends.
func openTestStore(t testing.TB, dir string) *Store {
	t.Helper()
	s, err := OpenStore(StoreOptions{Dir: dir})
	if err != nil {
		t.Fatalf("OpenStore: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// testEvent returns an entry publish event with the given id.
func testEvent(id string) *events.Event {
	return &events.Event{
		ID:          id,
		Topic:       "ContentManagement.Entry.publish",
		Space:       "sp1",
		Environment: "master",
		EntityID:    "e-" + id,
		CRN:         "crn:contentful:::content:spaces/sp1/environments/master/entries/e-" + id,
		Time:        time.Date(2026, 6, 22, 18, 42, 22, 587_000_000, time.UTC),
		Payload:     json.RawMessage(fmt.Sprintf(`{"sys":{"type":"Entry","id":"e-%s"}}`, id)),
	}
}

// enqueue commits deliveries of the given events to webhookID, due now.
func enqueue(t testing.TB, s *Store, webhookID string, ids ...string) []*Delivery {
	t.Helper()
	var ds []*Delivery
	for _, id := range ids {
		ds = append(ds, NewDelivery(webhookID, testEvent(id), time.Now()))
	}
	if err := s.Enqueue(context.Background(), Batch{Deliveries: ds}); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	return ds
}

// waitFor fails the test unless cond becomes true before the deadline.
func waitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// records lists the stored deliveries under prefix.
func records(t testing.TB, s *Store, prefix []byte) []*Delivery {
	t.Helper()
	var out []*Delivery
	for _, v := range storedValues(t, s, prefix) {
		d, err := decodeDelivery(v)
		if err != nil {
			t.Fatalf("read %s records: %v", prefix, err)
		}
		out = append(out, d)
	}
	return out
}

// storedValues returns the raw values stored under prefix.
func storedValues(t testing.TB, s *Store, prefix []byte) [][]byte {
	t.Helper()
	var out [][]byte
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("read %s values: %v", prefix, err)
	}
	return out
}

// keyCount returns how many keys the store holds under prefix.
func keyCount(t testing.TB, s *Store, prefix []byte) int {
	t.Helper()
	n := 0
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatalf("count %s keys: %v", prefix, err)
	}
	return n
}

// call is one request a receiver got.
type call struct {
	Method, RequestURI string
	Header             http.Header
	Body               []byte
}

// receiver is a test webhook receiver; answer decides each status by the
// number of the call (1, 2, …).
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	calls  []call
	answer func(n int, r *http.Request) int
}

// newReceiver starts a receiver answering 200 unless answer is set.
func newReceiver(t testing.TB, answer func(n int, r *http.Request) int) *receiver {
	rc := &receiver{answer: answer}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.calls = append(rc.calls, call{Method: r.Method, RequestURI: r.RequestURI, Header: r.Header.Clone(), Body: body})
		n := len(rc.calls)
		rc.mu.Unlock()
		status := http.StatusOK
		if rc.answer != nil {
			status = rc.answer(n, r)
		}
		w.WriteHeader(status)
		io.WriteString(w, "ok")
	}))
	t.Cleanup(rc.Close)
	return rc
}

// got returns a copy of the calls so far.
func (rc *receiver) got() []call {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]call(nil), rc.calls...)
}

// postTo returns a renderer posting the event payload to url.
func postTo(url string) func(ev *events.Event) (Rendered, error) {
	return func(ev *events.Event) (Rendered, error) {
		return Rendered{
			Method:      http.MethodPost,
			URL:         url,
			ContentType: "application/vnd.contentful.management.v1+json",
			Body:        ev.Payload,
		}, nil
	}
}

// startDispatcher starts a dispatcher and stops it when the test ends
// (before the store closes, as cleanups run last-in first-out).
func startDispatcher(t testing.TB, opts DispatcherOptions) *Dispatcher {
	t.Helper()
	d := NewDispatcher(opts)
	d.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := d.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return d
}

// queueLen returns the number of pending deliveries.
func queueLen(t testing.TB, s *Store) int {
	t.Helper()
	depth, _, _, _, err := s.QueueStats()
	if err != nil {
		t.Fatalf("QueueStats: %v", err)
	}
	return depth
}

// failedLen returns the number of failed deliveries.
func failedLen(t testing.TB, s *Store) int {
	t.Helper()
	_, _, failed, _, err := s.QueueStats()
	if err != nil {
		t.Fatalf("QueueStats: %v", err)
	}
	return failed
}
