package delivery

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cmsevents/caddy-cms-events/events"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// resultLog collects OnResult calls.
type resultLog struct {
	mu      sync.Mutex
	results []Result
}

func (l *resultLog) add(r Result) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.results = append(l.results, r)
}

func (l *resultLog) all() []Result {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Result(nil), l.results...)
}

// verifySignature checks a received call the way verifyRequest does: it
// signs again the headers the call names as signed, with its timestamp.
func verifySignature(t *testing.T, secret string, c call) {
	t.Helper()
	names := strings.Split(c.Header.Get(HeaderSignedHeaders), ",")
	signed := map[string]string{}
	for _, n := range names {
		if n == "x-contentful-signed-headers" || n == "x-contentful-timestamp" {
			continue
		}
		vals := c.Header.Values(n)
		if len(vals) != 1 {
			t.Fatalf("signed header %s sent %d times", n, len(vals))
		}
		signed[n] = vals[0]
	}
	ms, err := strconv.ParseInt(c.Header.Get(HeaderTimestamp), 10, 64)
	if err != nil {
		t.Fatalf("timestamp: %v", err)
	}
	sig, list, _ := Sign(secret, c.Method, c.RequestURI, signed, c.Body, time.UnixMilli(ms))
	if list != c.Header.Get(HeaderSignedHeaders) {
		t.Errorf("signed-headers list %q, recomputed %q", c.Header.Get(HeaderSignedHeaders), list)
	}
	if sig != c.Header.Get(HeaderSignature) {
		t.Errorf("signature does not verify")
	}
}

func TestDispatcherSendsContentfulHeaders(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	rc := newReceiver(t, nil)
	var results resultLog
	ep := &Endpoint{
		ID:            "site",
		Name:          "Site rebuild ü",
		Secret:        exampleSecret,
		BasicUser:     "ci",
		BasicPassword: "pa55",
		Render: func(ev *events.Event) (Rendered, error) {
			return Rendered{
				Method:        http.MethodPost,
				URL:           rc.URL + "/hooks/a b?source=cf&env=master",
				ContentType:   "application/json; charset=utf-8",
				Header:        http.Header{"X-Source": {"contentful"}, "X-Api-Key": {"top-secret"}, "X-Contentful-Topic": {"spoofed"}},
				SecretHeaders: []string{"x-api-key"},
				Body:          ev.Payload,
			}, nil
		},
	}
	ev := testEvent("ev1")
	ev.Headers = map[string]string{"x-contentful-bulk-action-id": "bulk1"}
	d := NewDelivery("site", ev, time.Now())
	if err := s.Enqueue(context.Background(), Batch{Deliveries: []*Delivery{d}}); err != nil {
		t.Fatal(err)
	}
	startDispatcher(t, DispatcherOptions{Store: s, Endpoints: map[string]*Endpoint{"site": ep}, OnResult: results.add})
	waitFor(t, 5*time.Second, "the call", func() bool { return len(results.all()) == 1 })

	calls := rc.got()
	if len(calls) != 1 {
		t.Fatalf("receiver got %d calls, want 1", len(calls))
	}
	c := calls[0]
	if c.Method != http.MethodPost || c.RequestURI != "/hooks/a%20b?source=cf&env=master" || string(c.Body) != string(ev.Payload) {
		t.Errorf("request %s %s %s", c.Method, c.RequestURI, c.Body)
	}
	want := map[string]string{
		"Content-Type":                         "application/json; charset=utf-8",
		"X-Contentful-Topic":                   "ContentManagement.Entry.publish",
		"X-Contentful-Webhook-Name":            "Site%20rebuild%20%C3%BC",
		"X-Contentful-Idempotency-Key":         IdempotencyKey("site", "ev1"),
		"X-Contentful-Crn":                     ev.CRN,
		"X-Contentful-Event-Datetime":          "2026-06-22T18:42:22.587Z",
		"X-Contentful-Webhook-Request-Attempt": "1",
		"X-Contentful-Bulk-Action-Id":          "bulk1",
		"X-Source":                             "contentful",
		"X-Api-Key":                            "top-secret",
		"Content-Length":                       strconv.Itoa(len(ev.Payload)),
		"X-Contentful-Signed-Headers":          "content-type,x-contentful-bulk-action-id,x-contentful-crn,x-contentful-event-datetime,x-contentful-idempotency-key,x-contentful-signed-headers,x-contentful-timestamp,x-contentful-topic,x-contentful-webhook-name,x-contentful-webhook-request-attempt",
	}
	for name, v := range want {
		if got := c.Header.Values(name); len(got) != 1 || got[0] != v {
			t.Errorf("%s = %q, want %q", name, got, v)
		}
	}
	if u, p, ok := (&http.Request{Header: c.Header}).BasicAuth(); !ok || u != "ci" || p != "pa55" {
		t.Errorf("basic auth = %q, %q, %v", u, p, ok)
	}
	verifySignature(t, exampleSecret, c)

	r := results.all()[0]
	if r.Outcome != Delivered || r.Err != nil || r.Response.StatusCode != 200 || string(r.Response.Body) != "ok" || r.Delivery.Attempt != 1 {
		t.Errorf("result = %+v", r)
	}
	for _, name := range []string{"Authorization", "X-Api-Key"} {
		if got := r.Request.Header.Get(name); got != "[redacted]" {
			t.Errorf("result request header %s = %q, want [redacted]", name, got)
		}
	}
	if r.Request.Header.Get("X-Source") != "contentful" || string(r.Request.Body) != string(ev.Payload) || r.Request.Method != "POST" {
		t.Errorf("result request = %+v", r.Request)
	}
	if n := queueLen(t, s); n != 0 {
		t.Errorf("queue depth after delivery = %d", n)
	}
}

func TestDispatcherBodylessMethods(t *testing.T) {
	for _, method := range []string{http.MethodGet, http.MethodDelete} {
		t.Run(method, func(t *testing.T) {
			s := openTestStore(t, t.TempDir())
			rc := newReceiver(t, nil)
			ep := &Endpoint{ID: "w", Name: "W", Secret: exampleSecret, Render: func(ev *events.Event) (Rendered, error) {
				return Rendered{Method: method, URL: rc.URL + "/x", ContentType: "application/json", Body: []byte("ignored")}, nil
			}}
			enqueue(t, s, "w", "1")
			startDispatcher(t, DispatcherOptions{Store: s, Endpoints: map[string]*Endpoint{"w": ep}})
			waitFor(t, 5*time.Second, "the call", func() bool { return len(rc.got()) == 1 })
			c := rc.got()[0]
			if c.Method != method || len(c.Body) != 0 || c.Header.Get("Content-Type") != "" {
				t.Fatalf("call = %s, body %q, content-type %q", c.Method, c.Body, c.Header.Get("Content-Type"))
			}
			verifySignature(t, exampleSecret, c)
		})
	}
}

func TestDispatcherRetryPolicy(t *testing.T) {
	tests := []struct {
		name       string
		attempts   int
		statuses   []int // answers in order; 200 after the list
		wantCalls  int
		wantFailed bool
		wantError  string
	}{
		{"503 then success", 3, []int{503}, 2, false, ""},
		{"429 twice then success", 3, []int{429, 429}, 3, false, ""},
		{"503 until out of attempts", 2, []int{503, 503, 503}, 2, true, "503"},
		{"400 is final", 3, []int{400}, 1, true, "400 Bad Request"},
		{"302 is final and not followed", 3, []int{302}, 1, true, "302"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTestStore(t, t.TempDir())
			rc := newReceiver(t, func(n int, r *http.Request) int {
				if n <= len(tt.statuses) {
					return tt.statuses[n-1]
				}
				return 200
			})
			var results resultLog
			ep := &Endpoint{ID: "w", Name: "W", Attempts: tt.attempts, Delay: 50 * time.Millisecond, Render: postTo(rc.URL)}
			d := enqueue(t, s, "w", "ev")[0]
			startDispatcher(t, DispatcherOptions{Store: s, Endpoints: map[string]*Endpoint{"w": ep}, OnResult: results.add})
			waitFor(t, 5*time.Second, "the last attempt", func() bool {
				r := results.all()
				return len(r) > 0 && r[len(r)-1].Outcome != Retrying
			})

			calls := rc.got()
			if len(calls) != tt.wantCalls {
				t.Fatalf("receiver got %d calls, want %d", len(calls), tt.wantCalls)
			}
			for i, c := range calls {
				if got := c.Header.Get(HeaderAttempt); got != strconv.Itoa(i+1) {
					t.Errorf("call %d attempt header = %q", i+1, got)
				}
				if got := c.Header.Get(HeaderIdempotencyKey); got != IdempotencyKey("w", "ev") {
					t.Errorf("call %d idempotency key = %q", i+1, got)
				}
			}
			if n := queueLen(t, s); n != 0 {
				t.Errorf("queue depth = %d, want 0", n)
			}
			failed := records(t, s, failedPrefix)
			if !tt.wantFailed {
				if len(failed) != 0 {
					t.Fatalf("failed = %+v, want none", failed)
				}
				return
			}
			if len(failed) != 1 || failed[0].ID != d.ID || failed[0].Attempt != tt.wantCalls || !strings.Contains(failed[0].LastError, tt.wantError) {
				t.Fatalf("failed = %+v, want %s after %d attempts with %q", failed, d.ID, tt.wantCalls, tt.wantError)
			}
			if last := results.all(); last[len(last)-1].Outcome != Failed {
				t.Errorf("last outcome = %v, want failed", last[len(last)-1].Outcome)
			}
		})
	}
}

func TestDispatcherTimeoutRetried(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	release := make(chan struct{})
	defer close(release)
	rc := newReceiver(t, func(n int, r *http.Request) int {
		if n == 1 {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}
		return 200
	})
	var results resultLog
	ep := &Endpoint{ID: "w", Name: "W", Timeout: 100 * time.Millisecond, Delay: 20 * time.Millisecond, Render: postTo(rc.URL)}
	enqueue(t, s, "w", "ev")
	startDispatcher(t, DispatcherOptions{Store: s, Endpoints: map[string]*Endpoint{"w": ep}, OnResult: results.add})
	waitFor(t, 5*time.Second, "delivery after a timeout", func() bool {
		r := results.all()
		return len(r) == 2 && r[1].Outcome == Delivered
	})
	first := results.all()[0]
	if first.Outcome != Retrying || !errors.Is(first.Err, context.DeadlineExceeded) || !strings.Contains(first.Err.Error(), "no answer within 100ms") {
		t.Fatalf("first attempt = %v, %v; want a retried timeout", first.Outcome, first.Err)
	}
	if n := queueLen(t, s); n != 0 {
		t.Fatalf("queue depth = %d", n)
	}
}

// TestDispatchersShareStore runs two dispatchers on one store (a reload
// overlap) and checks that every delivery is sent exactly once.
func TestDispatchersShareStore(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	var mu sync.Mutex
	hits := map[string]int{}
	rc := newReceiver(t, func(n int, r *http.Request) int {
		mu.Lock()
		hits[r.Header.Get(HeaderIdempotencyKey)]++
		mu.Unlock()
		return 200
	})
	const total = 300
	ids := make([]string, total)
	for i := range ids {
		ids[i] = fmt.Sprint("ev", i)
	}
	var done sync.WaitGroup
	done.Add(total)
	var countA, countB resultLog
	mk := func(l *resultLog) DispatcherOptions {
		return DispatcherOptions{
			Store:     s,
			Workers:   4,
			Endpoints: map[string]*Endpoint{"w": {ID: "w", Name: "W", Render: postTo(rc.URL)}},
			OnResult:  func(r Result) { l.add(r); done.Done() },
		}
	}
	startDispatcher(t, mk(&countA))
	startDispatcher(t, mk(&countB))
	for i := 0; i < total; i += 50 {
		enqueue(t, s, "w", ids[i:i+50]...)
	}
	waitFor(t, 20*time.Second, "every delivery", func() bool { return len(countA.all())+len(countB.all()) >= total })

	mu.Lock()
	defer mu.Unlock()
	for _, id := range ids {
		if n := hits[IdempotencyKey("w", id)]; n != 1 {
			t.Errorf("event %s sent %d times, want once", id, n)
		}
	}
	if len(hits) != total {
		t.Errorf("receiver saw %d distinct deliveries, want %d", len(hits), total)
	}
	if n := queueLen(t, s); n != 0 {
		t.Errorf("queue depth = %d", n)
	}
	t.Logf("dispatcher A sent %d, B sent %d", len(countA.all()), len(countB.all()))
}

// TestDispatcherAfterCrash claims a delivery, closes the store without
// recording an outcome (as a crash would) and checks that the delivery is
// due at once when the store opens again, with the crashed attempt counted.
func TestDispatcherAfterCrash(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenStore(StoreOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	enqueue(t, s, "w", "ev")
	sub := s.subs.add(nil)
	res, err := s.claim(claimRequest{now: time.Now(), max: 1, sub: sub, lease: func(string) (time.Duration, bool, bool) { return time.Hour, true, true }})
	if err != nil || len(res.claimed) != 1 {
		t.Fatalf("claim = %+v, %v", res, err)
	}
	if n := keyCount(t, s, leasePrefix); n != 1 {
		t.Fatalf("%d claimed records, want 1", n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	before := time.Now()
	s = openTestStore(t, dir)
	if n := keyCount(t, s, leasePrefix); n != 0 {
		t.Fatalf("%d claimed records after reopening, want 0", n)
	}
	depth, due, _, _, err := s.QueueStats()
	if err != nil || depth != 1 || due != 1 {
		t.Fatalf("QueueStats after reopening = depth %d, due %d, %v; want the delivery due at once", depth, due, err)
	}
	if depth, failed := s.Counts(); depth != 1 || failed != 0 {
		t.Fatalf("Counts after reopening = %d, %d; want 1, 0", depth, failed)
	}
	q := records(t, s, queuePrefix)
	if q[0].Attempt != 1 || q[0].DueAt.Before(before) || q[0].DueAt.After(time.Now()) {
		t.Fatalf("requeued delivery = %+v; want attempt 1 due at the reopening", q[0])
	}

	rc := newReceiver(t, nil)
	endpoints := map[string]*Endpoint{"w": {ID: "w", Name: "W", Render: postTo(rc.URL)}}
	startDispatcher(t, DispatcherOptions{Store: s, Endpoints: endpoints})
	waitFor(t, 2*time.Second, "the delivery right after reopening", func() bool { return len(rc.got()) == 1 })
	if got := rc.got()[0].Header.Get(HeaderAttempt); got != "2" {
		t.Errorf("attempt header = %q, want 2 (the crashed attempt counts)", got)
	}
	waitFor(t, 5*time.Second, "an empty queue", func() bool { return queueLen(t, s) == 0 })
	if depth, _ := s.Counts(); depth != 0 {
		t.Errorf("Counts depth = %d after delivery", depth)
	}
}

// TestRemovedWebhookNewestOnly checks that only the newest dispatcher fails
// deliveries of webhooks it does not know, and that paused webhooks are
// left queued.
func TestRemovedWebhookNewestOnly(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	rc := newReceiver(t, nil)
	var results resultLog

	// A is older and knows only "ok"; B is newest, knows both but has them
	// paused. Both run before anything is queued. A sends "ok", which is due
	// after "gone", so A has passed over "gone" by then and must have left
	// it alone.
	a := startDispatcher(t, DispatcherOptions{Store: s, Endpoints: map[string]*Endpoint{
		"ok": {ID: "ok", Name: "OK", Render: postTo(rc.URL)},
	}, OnResult: results.add})
	b := startDispatcher(t, DispatcherOptions{Store: s, Endpoints: map[string]*Endpoint{
		"ok":   {ID: "ok", Name: "OK", Render: postTo(rc.URL), Paused: true},
		"gone": {ID: "gone", Name: "Gone", Render: postTo(rc.URL), Paused: true},
	}})
	gone := enqueue(t, s, "gone", "ev-gone")[0]
	enqueue(t, s, "ok", "ev-ok")
	waitFor(t, 5*time.Second, "the ok delivery", func() bool { return len(results.all()) == 1 })
	stop := func(d *Dispatcher) {
		if err := d.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	stop(a)
	stop(b)
	if q := records(t, s, queuePrefix); len(q) != 1 || q[0].ID != gone.ID {
		t.Fatalf("queue = %+v; want the gone delivery still queued", q)
	}
	if n := failedLen(t, s); n != 0 {
		t.Fatalf("failed = %d; an older dispatcher failed a delivery", n)
	}

	// C is the newest and does not know "gone": it keeps it as failed.
	startDispatcher(t, DispatcherOptions{Store: s, Endpoints: map[string]*Endpoint{
		"ok": {ID: "ok", Name: "OK", Render: postTo(rc.URL)},
	}})
	waitFor(t, 5*time.Second, "the removed webhook's delivery to fail", func() bool { return failedLen(t, s) == 1 })
	failed := records(t, s, failedPrefix)
	if failed[0].ID != gone.ID || failed[0].LastError != "webhook gone was removed from the configuration" {
		t.Fatalf("failed = %+v", failed[0])
	}
	if n := queueLen(t, s); n != 0 {
		t.Fatalf("queue depth = %d", n)
	}
	if n := len(rc.got()); n != 1 {
		t.Fatalf("receiver got %d calls, want 1", n)
	}
}

func TestDispatcherPausedEndpoint(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	pausedRc, activeRc := newReceiver(t, nil), newReceiver(t, nil)
	enqueue(t, s, "paused", "ev1")
	enqueue(t, s, "active", "ev2")
	d := startDispatcher(t, DispatcherOptions{Store: s, Endpoints: map[string]*Endpoint{
		"paused": {ID: "paused", Name: "P", Render: postTo(pausedRc.URL), Paused: true},
		"active": {ID: "active", Name: "A", Render: postTo(activeRc.URL)},
	}})
	waitFor(t, 5*time.Second, "the active webhook's call", func() bool { return len(activeRc.got()) == 1 })
	if n := len(pausedRc.got()); n != 0 {
		t.Fatalf("paused webhook got %d calls", n)
	}
	if !d.Paused("paused") || d.Paused("active") {
		t.Fatal("Paused reports the wrong state")
	}
	if n := queueLen(t, s); n != 1 {
		t.Fatalf("queue depth = %d, want the paused delivery", n)
	}
	if d.SetPaused("unknown", false) {
		t.Fatal("SetPaused accepted an unknown webhook")
	}
	if !d.SetPaused("paused", false) {
		t.Fatal("SetPaused refused a known webhook")
	}
	waitFor(t, 3*time.Second, "the resumed webhook's call", func() bool { return len(pausedRc.got()) == 1 })
}

// TestDispatcherWakesOnEnqueue checks that a sleeping dispatcher picks up a
// new delivery well before its periodic rescan.
func TestDispatcherWakesOnEnqueue(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	rc := newReceiver(t, nil)
	startDispatcher(t, DispatcherOptions{Store: s, Endpoints: map[string]*Endpoint{"w": {ID: "w", Name: "W", Render: postTo(rc.URL)}}})
	for i := range 3 {
		enqueue(t, s, "w", fmt.Sprint(i))
		waitFor(t, rescanInterval/2, "the call after enqueue", func() bool { return len(rc.got()) == i+1 })
	}
}

// TestDispatcherStopInterrupts stops a dispatcher while a call hangs: the
// call is cancelled and the delivery is due again with its attempt given back.
func TestDispatcherStopInterrupts(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	arrived := make(chan struct{}, 1)
	rc := newReceiver(t, func(n int, r *http.Request) int {
		if n == 1 {
			arrived <- struct{}{}
			<-r.Context().Done()
		}
		return 200
	})
	endpoints := map[string]*Endpoint{"w": {ID: "w", Name: "W", Render: postTo(rc.URL)}}
	var results resultLog
	enqueue(t, s, "w", "ev")
	d := NewDispatcher(DispatcherOptions{Store: s, Endpoints: endpoints, OnResult: results.add})
	d.Start()
	select {
	case <-arrived:
	case <-time.After(5 * time.Second):
		t.Fatal("the call did not arrive")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := d.Stop(ctx)
	if err == nil || !strings.Contains(err.Error(), "1 webhook calls were interrupted") {
		t.Fatalf("Stop = %v, want one interrupted call", err)
	}
	if r := results.all(); len(r) != 1 || r[0].Outcome != Interrupted {
		t.Fatalf("results = %+v", r)
	}
	q := records(t, s, queuePrefix)
	if len(q) != 1 || q[0].Attempt != 0 || q[0].DueAt.After(time.Now()) {
		t.Fatalf("queue = %+v; want the delivery due now with no attempt counted", q)
	}

	startDispatcher(t, DispatcherOptions{Store: s, Endpoints: endpoints})
	waitFor(t, 5*time.Second, "the call by the next dispatcher", func() bool { return len(rc.got()) == 2 })
	if got := rc.got()[1].Header.Get(HeaderAttempt); got != "1" {
		t.Errorf("attempt header = %q, want 1", got)
	}
}

func TestDispatcherFinalFailures(t *testing.T) {
	tests := []struct {
		name   string
		render func(ev *events.Event) (Rendered, error)
		want   string
	}{
		{"render error", func(*events.Event) (Rendered, error) { return Rendered{}, errors.New("template broke") }, "render webhook request: template broke"},
		{"no renderer", nil, "webhook w has no renderer"},
		{"unparsable URL with credentials", func(*events.Event) (Rendered, error) { return Rendered{URL: "http://user:hunter2@host/%zz"}, nil }, `invalid URL escape "%zz"`},
		{"relative URL", func(*events.Event) (Rendered, error) { return Rendered{URL: "/hooks"}, nil }, "not an absolute http or https URL"},
		{"bad scheme", func(*events.Event) (Rendered, error) { return Rendered{URL: "ftp://example.com/"}, nil }, "not an absolute http or https URL"},
		{"header with a newline", func(*events.Event) (Rendered, error) {
			return Rendered{URL: "http://127.0.0.1:9/", Header: http.Header{"X-Note": {"a\nb"}}}, nil
		}, "header X-Note has a control character"},
		{"header name with a space", func(*events.Event) (Rendered, error) {
			return Rendered{URL: "http://127.0.0.1:9/", Header: http.Header{"X Note": {"a"}}}, nil
		}, `header name "X Note" is not valid`},
		{"metadata address", postTo("http://169.254.169.254/latest/meta-data"), "cloud metadata address"},
		{"link-local address", postTo("http://[fe80::1%25lo]:9/"), "link-local address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTestStore(t, t.TempDir())
			var results resultLog
			enqueue(t, s, "w", "ev")
			startDispatcher(t, DispatcherOptions{Store: s, Endpoints: map[string]*Endpoint{"w": {ID: "w", Name: "W", Render: tt.render}}, OnResult: results.add})
			waitFor(t, 5*time.Second, "the attempt", func() bool { return len(results.all()) == 1 })
			r := results.all()[0]
			if r.Outcome != Failed || r.Err == nil || !strings.Contains(r.Err.Error(), tt.want) {
				t.Fatalf("result = %v, %v; want failed with %q", r.Outcome, r.Err, tt.want)
			}
			if strings.Contains(r.Err.Error(), "hunter2") {
				t.Fatalf("error %q reveals the URL's password", r.Err)
			}
			waitFor(t, 5*time.Second, "the failed record", func() bool { return failedLen(t, s) == 1 })
		})
	}
}

func TestDispatcherDenyPrivate(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	var results resultLog
	enqueue(t, s, "w", "ev")
	startDispatcher(t, DispatcherOptions{Store: s, DenyPrivate: true, Endpoints: map[string]*Endpoint{"w": {ID: "w", Name: "W", Render: postTo("http://10.0.0.1:9/")}}, OnResult: results.add})
	waitFor(t, 5*time.Second, "the attempt", func() bool { return len(results.all()) == 1 })
	if r := results.all()[0]; r.Outcome != Failed || !errors.Is(r.Err, ErrForbiddenAddress) {
		t.Fatalf("result = %v, %v; want a refused private address", r.Outcome, r.Err)
	}
}

func TestEncodeWebhookName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"My webhook", "My webhook"},
		{"100% (ok) ~!*'", "100% (ok) ~!*'"},
		{"Café", "Caf%C3%A9"},
		{"a b/ü", "a%20b%2F%C3%BC"},
		{"tab\there", "tab%09here"},
		{"日本", "%E6%97%A5%E6%9C%AC"},
	}
	for _, tt := range tests {
		if got := encodeWebhookName(tt.in); got != tt.want {
			t.Errorf("encodeWebhookName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// BenchmarkDeliver measures enqueue-to-delivered throughput against a local
// receiver with the default client and workers.
func BenchmarkDeliver(b *testing.B) {
	s := openTestStore(b, b.TempDir())
	rc := newReceiver(b, func(int, *http.Request) int { return 200 })
	var done sync.WaitGroup
	d := NewDispatcher(DispatcherOptions{
		Store:     s,
		Endpoints: map[string]*Endpoint{"w": {ID: "w", Name: "W", Secret: exampleSecret, Render: postTo(rc.URL)}},
		OnResult:  func(Result) { done.Done() },
	})
	d.Start()
	defer d.Stop(context.Background())
	ev := testEvent("bench")
	b.ResetTimer()
	for i := 0; i < b.N; i += 100 {
		batch := Batch{}
		for j := i; j < min(i+100, b.N); j++ {
			batch.Deliveries = append(batch.Deliveries, NewDelivery("w", ev, time.Now()))
		}
		done.Add(len(batch.Deliveries))
		if err := s.Enqueue(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
	done.Wait()
}

// TestDispatcherLogsOutcomes checks the level of each outcome's log entry,
// its fields, and that no secret or payload is logged.
func TestDispatcherLogsOutcomes(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	rc := newReceiver(t, func(_ int, r *http.Request) int {
		switch {
		case r.URL.Path == "/ok":
			return 200
		case r.Header.Get(HeaderAttempt) == "1":
			return 503
		}
		return 400
	})
	core, logs := observer.New(zapcore.DebugLevel)
	var results resultLog
	render := func(path string) func(ev *events.Event) (Rendered, error) {
		return func(ev *events.Event) (Rendered, error) {
			r, _ := postTo(rc.URL + path)(ev)
			r.Header = http.Header{"X-Api-Key": {"header-secret"}}
			r.SecretHeaders = []string{"X-Api-Key"}
			return r, nil
		}
	}
	enqueue(t, s, "bad", "ev1")
	startDispatcher(t, DispatcherOptions{Store: s, Logger: zap.New(core), OnResult: results.add, Endpoints: map[string]*Endpoint{
		"bad": {ID: "bad", Name: "Bad", Attempts: 2, Delay: 20 * time.Millisecond, Secret: exampleSecret, BasicPassword: "basic-secret", Render: render("/bad")},
		"ok":  {ID: "ok", Name: "OK", Secret: exampleSecret, Render: render("/ok")},
	}})
	waitFor(t, 5*time.Second, "two attempts", func() bool { return len(results.all()) == 2 })
	enqueue(t, s, "ok", "ev2")
	waitFor(t, 5*time.Second, "the third attempt", func() bool { return len(results.all()) == 3 })

	want := []struct {
		level   zapcore.Level
		webhook string
		attempt int64
		status  int64
	}{
		{zapcore.WarnLevel, "bad", 1, 503},
		{zapcore.ErrorLevel, "bad", 2, 400},
		{zapcore.DebugLevel, "ok", 1, 200},
	}
	entries := logs.All()
	if len(entries) != len(want) {
		t.Fatalf("got %d log entries, want %d: %v", len(entries), len(want), entries)
	}
	for i, w := range want {
		e := entries[i]
		f := e.ContextMap()
		if e.Level != w.level || f["webhook"] != w.webhook || f["attempt"] != w.attempt || f["status"] != w.status || f["delivery"] == "" || f["duration"] == nil {
			t.Errorf("entry %d = %v %q %v; want level %v webhook %s attempt %d status %d", i, e.Level, e.Message, f, w.level, w.webhook, w.attempt, w.status)
		}
		text := fmt.Sprint(e.Message, f)
		for _, secret := range []string{exampleSecret, "header-secret", "basic-secret", "e-ev1", "e-ev2"} {
			if strings.Contains(text, secret) {
				t.Errorf("entry %d contains %q: %s", i, secret, text)
			}
		}
	}
}
