// Package hook is a fast webhook receiver for the benchmarks: it counts the
// calls it gets, can hold them back until it is opened (a receiver that is
// down, without failed attempts), and can keep each call's arrival time.
package hook

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Receiver answers webhook calls. Paths under /_ control it:
//
//	GET  /_stats     Stats as JSON
//	POST /_open      let held and later calls through
//	GET  /_arrivals  one line per recorded call: "<entity id> <arrival unix ns>"
//
// Every other request is a webhook call. The entity id recorded for a call
// is the last segment of its X-Contentful-CRN header.
type Receiver struct {
	status int
	record bool

	gate     chan struct{}
	openOnce sync.Once
	openedAt atomic.Int64
	held     atomic.Int64

	mu              sync.Mutex
	count           int64
	firstAt, lastAt int64
	arrivals        []Arrival
}

// Arrival is when the call about one entity arrived.
type Arrival struct {
	// ID is the entity id, the last segment of X-Contentful-CRN.
	ID string
	// At is the arrival time.
	At time.Time
}

// Stats is what /_stats answers.
type Stats struct {
	// Count is the number of calls answered.
	Count int64 `json:"count"`
	// FirstNs and LastNs are the arrival times (unix ns) of the first and
	// latest call; 0 before the first.
	FirstNs int64 `json:"first_ns"`
	LastNs  int64 `json:"last_ns"`
	// OpenedNs is when the receiver was opened (unix ns); 0 while closed.
	OpenedNs int64 `json:"opened_ns"`
	// Held is the number of calls waiting for the receiver to open.
	Held int64 `json:"held"`
}

// Options configures New.
type Options struct {
	// Status is the answer to every call; default 200.
	Status int
	// Closed holds every call until POST /_open.
	Closed bool
	// Record keeps each call's entity id and arrival time for /_arrivals.
	Record bool
}

// New returns a receiver.
func New(opts Options) *Receiver {
	r := &Receiver{status: opts.Status, record: opts.Record, gate: make(chan struct{})}
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if !opts.Closed {
		r.Open()
	}
	return r
}

// Open lets held and later calls through.
func (r *Receiver) Open() {
	r.openOnce.Do(func() {
		r.openedAt.Store(time.Now().UnixNano())
		close(r.gate)
	})
}

// Stats returns the counts so far.
func (r *Receiver) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return Stats{Count: r.count, FirstNs: r.firstAt, LastNs: r.lastAt, OpenedNs: r.openedAt.Load(), Held: r.held.Load()}
}

// Arrivals returns the recorded calls in arrival order.
func (r *Receiver) Arrivals() []Arrival {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Arrival(nil), r.arrivals...)
}

// ServeHTTP answers a control request or a webhook call.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	switch {
	case req.URL.Path == "/_stats" && req.Method == http.MethodGet:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(r.Stats())
	case req.URL.Path == "/_open" && req.Method == http.MethodPost:
		r.Open()
		w.WriteHeader(http.StatusNoContent)
	case req.URL.Path == "/_arrivals" && req.Method == http.MethodGet:
		w.Header().Set("Content-Type", "text/plain")
		for _, a := range r.Arrivals() {
			fmt.Fprintf(w, "%s %d\n", a.ID, a.At.UnixNano())
		}
	case strings.HasPrefix(req.URL.Path, "/_"):
		http.Error(w, "unknown control request; use GET /_stats, POST /_open or GET /_arrivals", http.StatusNotFound)
	default:
		r.call(w, req)
	}
}

// call answers one webhook call once the receiver is open.
func (r *Receiver) call(w http.ResponseWriter, req *http.Request) {
	r.held.Add(1)
	select {
	case <-r.gate:
		r.held.Add(-1)
	case <-req.Context().Done():
		r.held.Add(-1)
		return
	}
	_, _ = io.Copy(io.Discard, req.Body)
	now := time.Now()
	r.mu.Lock()
	r.count++
	if r.count == 1 {
		r.firstAt = now.UnixNano()
	}
	r.lastAt = now.UnixNano()
	if r.record {
		crn := req.Header.Get("X-Contentful-CRN")
		r.arrivals = append(r.arrivals, Arrival{ID: crn[strings.LastIndexByte(crn, '/')+1:], At: now})
	}
	r.mu.Unlock()
	w.WriteHeader(r.status)
}
