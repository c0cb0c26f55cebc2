package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cmsevents/caddy-cms-events/events"
)

// benchWorkers is the number of concurrent sends (and of connections of the
// plain client) in the drain benchmarks, as in bench/run.sh.
const benchWorkers = 16

// benchDrainTimeout bounds one drain of a benchmark.
const benchDrainTimeout = 5 * time.Minute

// newBenchReceiver starts a receiver that reads each call and answers 200
// with a small body, and nothing else: the fast receiver of bench/run.sh.
func newBenchReceiver(b *testing.B) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "ok")
	}))
	b.Cleanup(srv.Close)
	return srv
}

// benchPayload is a 1 KB entry payload.
var benchPayload = func() json.RawMessage {
	body := strings.Repeat("x", 1024-len(`{"sys":{"type":"Entry","id":"bench"},"fields":{"body":""}}`))
	return json.RawMessage(`{"sys":{"type":"Entry","id":"bench"},"fields":{"body":"` + body + `"}}`)
}()

// benchEvent returns an entry publish event with the id i and a 1 KB payload.
func benchEvent(i int) *events.Event {
	ev := testEvent(fmt.Sprintf("%032x", i))
	ev.Payload = benchPayload
	return ev
}

// BenchmarkDrain measures how fast a dispatcher with benchWorkers workers
// empties a queue of b.N deliveries into a fast local receiver, signing
// every call: ns/op and allocs/op are per delivery, from the start of the
// dispatcher until every outcome is recorded. Compare deliveries/s with
// BenchmarkPlainPost.
func BenchmarkDrain(b *testing.B) {
	rc := newBenchReceiver(b)
	s := openTestStore(b, b.TempDir())
	for i := 0; i < b.N; i += 500 {
		var batch Batch
		for j := i; j < min(i+500, b.N); j++ {
			batch.Deliveries = append(batch.Deliveries, NewDelivery("w", benchEvent(j), time.Now()))
		}
		if err := s.Enqueue(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
	var settled atomic.Int64
	done := make(chan struct{})
	d := NewDispatcher(DispatcherOptions{
		Store:     s,
		Workers:   benchWorkers,
		Endpoints: map[string]*Endpoint{"w": {ID: "w", Name: "Bench", Secret: exampleSecret, Render: postTo(rc.URL + "/hook")}},
		OnResult: func(r Result) {
			if r.Outcome != Delivered {
				b.Errorf("outcome %s: %v", r.Outcome, r.Err)
			}
			if settled.Add(1) == int64(b.N) {
				close(done)
			}
		},
	})
	b.Cleanup(func() { d.Stop(context.Background()) }) // after a failure; before the store closes
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	d.Start()
	select {
	case <-done:
	case <-time.After(benchDrainTimeout):
		b.Fatalf("%d of %d deliveries settled after %s", settled.Load(), b.N, benchDrainTimeout)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	if err := d.Stop(context.Background()); err != nil {
		b.Fatal(err)
	}
	if depth, failed := s.Counts(); depth != 0 || failed != 0 {
		b.Fatalf("after the drain: depth %d, failed %d; want 0, 0", depth, failed)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "deliveries/s")
}

// BenchmarkPlainPost is the reference for BenchmarkDrain: benchWorkers
// goroutines of a plain Go client POST the same 1 KB bodies to the same kind
// of receiver, b.N calls in all.
func BenchmarkPlainPost(b *testing.B) {
	rc := newBenchReceiver(b)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchWorkers}}
	b.Cleanup(client.CloseIdleConnections)
	url := rc.URL + "/hook"
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range benchWorkers {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(benchPayload))
				if err != nil {
					b.Error(err)
					return
				}
				req.Header.Set("Content-Type", "application/vnd.contentful.management.v1+json")
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Errorf("receiver answered %s", resp.Status)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "deliveries/s")
}
