package delivery

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cmsevents/caddy-cms-events/events"
	"github.com/dgraph-io/badger/v4"
)

// secretRender returns a renderer posting to url with a visible and a
// secret custom header.
func secretRender(url string) func(ev *events.Event) (Rendered, error) {
	return func(ev *events.Event) (Rendered, error) {
		r, _ := postTo(url)(ev)
		r.Header = http.Header{"X-Source": {"contentful"}, "X-Api-Key": {"header-secret"}}
		r.SecretHeaders = []string{"x-api-key"}
		return r, nil
	}
}

// jsonKeys returns the sorted keys of the JSON object v encodes to, and the
// object.
func jsonKeys(t *testing.T, v any) ([]string, map[string]any) {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys, m
}

// checkKeys fails unless the JSON object m has exactly the keys want.
func checkKeys(t *testing.T, what string, m map[string]any, want ...string) {
	t.Helper()
	got := make([]string, 0, len(m))
	for k := range m {
		got = append(got, k)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s keys = %v, want %v", what, got, want)
	}
}

func TestCallLogRecordsAttempts(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	rc := newReceiver(t, func(n int, r *http.Request) int {
		if n == 1 {
			return 503
		}
		return 200
	})
	var results resultLog
	ep := &Endpoint{ID: "w", Name: "W", Delay: 10 * time.Millisecond, Secret: exampleSecret, BasicUser: "ci", BasicPassword: "basic-secret", Render: secretRender(rc.URL + "/hook")}
	ev := testEvent("ev1")
	enqueue(t, s, "w", "ev1")
	startDispatcher(t, DispatcherOptions{Store: s, Endpoints: map[string]*Endpoint{"w": ep}, OnResult: results.add})
	waitFor(t, 5*time.Second, "two attempts", func() bool { return len(results.all()) == 2 })
	res := results.all()

	items, total, err := s.Calls("w", 0, 10)
	if err != nil || total != 2 || len(items) != 2 {
		t.Fatalf("Calls = %d items, total %d, %v; want 2, 2", len(items), total, err)
	}
	if items[0].Sys.ID != res[1].CallID || items[1].Sys.ID != res[0].CallID || len(res[0].CallID) != 32 {
		t.Fatalf("call ids %s, %s; want the results' %s, %s newest first", items[0].Sys.ID, items[1].Sys.ID, res[1].CallID, res[0].CallID)
	}
	for i, want := range []int{200, 503} {
		ov := items[i]
		if ov.StatusCode != want || len(ov.Errors) != 0 || ov.EventType != "publish" || ov.URL != rc.URL+"/hook" ||
			ov.Sys.Type != CallOverviewType || ov.Sys.Space != newLink("Space", "sp1") || ov.Sys.CreatedBy != newLink("WebhookDefinition", "w") {
			t.Errorf("item %d = %+v", i, ov)
		}
		for _, ts := range []string{ov.Sys.CreatedAt, ov.RequestAt, ov.ResponseAt} {
			if _, err := time.Parse(CallTimeLayout, ts); err != nil || len(ts) != len("2006-01-02T15:04:05.000Z") {
				t.Errorf("item %d timestamp %q is not in Contentful's layout", i, ts)
			}
		}
	}

	_, m := jsonKeys(t, items[1])
	checkKeys(t, "overview", m, "sys", "statusCode", "errors", "eventType", "url", "requestAt", "responseAt")
	checkKeys(t, "overview sys", m["sys"].(map[string]any), "id", "type", "space", "createdBy", "createdAt")
	if errs, ok := m["errors"].([]any); !ok || len(errs) != 0 {
		t.Errorf("errors = %#v, want []", m["errors"])
	}
	link := m["sys"].(map[string]any)["createdBy"].(map[string]any)["sys"].(map[string]any)
	if link["type"] != "Link" || link["linkType"] != "WebhookDefinition" || link["id"] != "w" {
		t.Errorf("createdBy = %v", link)
	}

	d, ok, err := s.Call("w", items[1].Sys.ID)
	if err != nil || !ok {
		t.Fatalf("Call = %v, %v", ok, err)
	}
	if d.Sys.Type != CallDetailsType || d.StatusCode != 503 || d.Sys.ID != items[1].Sys.ID {
		t.Errorf("details = %+v", d.CallOverview)
	}
	rq := d.Request
	if rq.Method != "POST" || rq.URL != rc.URL+"/hook" || rq.Body != string(ev.Payload) ||
		rq.Headers["X-Api-Key"] != "[redacted]" || rq.Headers["Authorization"] != "[redacted]" ||
		rq.Headers["X-Source"] != "contentful" || rq.Headers[HeaderTopic] != ev.Topic || rq.Headers[HeaderSignature] == "" {
		t.Errorf("request = %+v", rq)
	}
	rs := d.Response
	if rs.StatusCode != 503 || rs.Body != "ok" || rs.URL != rc.URL+"/hook" || rs.Headers["Content-Length"] != "2" {
		t.Errorf("response = %+v", rs)
	}
	_, m = jsonKeys(t, d)
	checkKeys(t, "details", m, "sys", "statusCode", "errors", "eventType", "url", "requestAt", "responseAt", "request", "response")
	checkKeys(t, "details request", m["request"].(map[string]any), "url", "method", "headers", "body")
	checkKeys(t, "details response", m["response"].(map[string]any), "url", "headers", "body", "statusCode")
	if m["sys"].(map[string]any)["type"] != "WebhookCallDetails" {
		t.Errorf("details sys.type = %v", m["sys"].(map[string]any)["type"])
	}

	if total, healthy, err := s.Health("w"); total != 2 || healthy != 1 || err != nil {
		t.Errorf("Health = %d, %d, %v; want 2, 1", total, healthy, err)
	}
	for _, tc := range []struct{ webhook, call string }{{"w", "0123456789abcdef0123456789abcdef"}, {"other", items[0].Sys.ID}, {"w", ""}} {
		if _, ok, err := s.Call(tc.webhook, tc.call); ok || err != nil {
			t.Errorf("Call(%q, %q) = %v, %v; want not found", tc.webhook, tc.call, ok, err)
		}
	}
}

func TestCallsPaging(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	var ids []string
	for i := range 5 {
		ids = append(ids, recordTestCall(t, s, "w", 200+i))
	}
	recordTestCall(t, s, "w/x", 200) // shares a textual prefix with "w"
	tests := []struct {
		skip, limit int
		want        []string
	}{
		{0, 2, []string{ids[4], ids[3]}},
		{2, 2, []string{ids[2], ids[1]}},
		{4, 10, []string{ids[0]}},
		{5, 10, nil},
		{-1, 1, []string{ids[4]}},
		{0, 0, nil},
	}
	for _, tt := range tests {
		items, total, err := s.Calls("w", tt.skip, tt.limit)
		var got []string
		for _, it := range items {
			got = append(got, it.Sys.ID)
		}
		if err != nil || total != 5 || !slices.Equal(got, tt.want) {
			t.Errorf("Calls(skip %d, limit %d) = %v, total %d, %v; want %v, 5", tt.skip, tt.limit, got, total, err, tt.want)
		}
	}
	if items, total, err := s.Calls("unknown", 0, 10); len(items) != 0 || total != 0 || err != nil {
		t.Errorf("Calls(unknown) = %v, %d, %v", items, total, err)
	}
}

// recordTestCall records a call of webhookID answered with status, as a
// settle with a lost lease does, and returns its id.
func recordTestCall(t testing.TB, s *Store, webhookID string, status int) string {
	t.Helper()
	dl := NewDelivery(webhookID, testEvent("ev"), time.Now())
	dl.Attempt = 1
	now := time.Now()
	a := attempt{requestAt: now, responseAt: now, request: CallRequest{Method: "POST", URL: "http://receiver/"}, response: CallResponse{StatusCode: status}}
	id := newCallID()
	cw := newCallWrite(id, dl, &a, Delivered)
	lost, err := s.settle(claimed{d: dl, leaseKey: leaseKey(now, dl.ID, webhookID)}, settlement{kind: settleDone, call: cw})
	if err != nil || !lost {
		t.Fatalf("settle = %v, %v; want a lost lease", lost, err)
	}
	return id
}

// callKeys counts the stored call keys of webhookID.
func callKeys(t *testing.T, s *Store, webhookID string) int {
	t.Helper()
	n := 0
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: callWebhookPrefix(webhookID)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCallLogCap records more than MaxCallsPerWebhook calls and checks that
// the oldest are dropped, from the index and the database, and that the
// counts survive reopening.
func TestCallLogCap(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenStore(StoreOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	const extra = 10
	var oldest []string
	for range extra {
		oldest = append(oldest, recordTestCall(t, s, "w", 500))
	}
	var wg sync.WaitGroup
	for i := range MaxCallsPerWebhook {
		wg.Go(func() {
			status := 200
			if i%4 == 0 {
				status = 502
			}
			recordTestCall(t, s, "w", status)
		})
	}
	wg.Wait()
	wantHealthy := MaxCallsPerWebhook - MaxCallsPerWebhook/4
	check := func(when string) {
		t.Helper()
		if total, healthy, _ := s.Health("w"); total != MaxCallsPerWebhook || healthy != wantHealthy {
			t.Errorf("%s: Health = %d, %d; want %d, %d", when, total, healthy, MaxCallsPerWebhook, wantHealthy)
		}
		if _, total, _ := s.Calls("w", 0, 1); total != MaxCallsPerWebhook {
			t.Errorf("%s: Calls total = %d", when, total)
		}
		if n := callKeys(t, s, "w"); n != MaxCallsPerWebhook {
			t.Errorf("%s: %d call keys stored, want %d", when, n, MaxCallsPerWebhook)
		}
		for _, id := range oldest {
			if _, ok, _ := s.Call("w", id); ok {
				t.Errorf("%s: oldest call %s is still there", when, id)
			}
		}
		items, _, _ := s.Calls("w", MaxCallsPerWebhook-1, 1)
		if len(items) != 1 || items[0].StatusCode == 500 {
			t.Errorf("%s: oldest kept call = %+v; want one of the later calls", when, items)
		}
	}
	check("after recording")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTestStore(t, dir)
	check("after reopening")
	// One more healthy call drops the oldest, healthy or not.
	items, _, _ := s.Calls("w", MaxCallsPerWebhook-1, 1)
	want := wantHealthy + 1
	if items[0].StatusCode < 300 {
		want--
	}
	recordTestCall(t, s, "w", 200)
	if total, healthy, _ := s.Health("w"); total != MaxCallsPerWebhook || healthy != want {
		t.Errorf("after one more call: Health = %d, %d; want %d, %d", total, healthy, MaxCallsPerWebhook, want)
	}
	if _, ok, _ := s.Call("w", items[0].Sys.ID); ok {
		t.Errorf("the oldest call %s was not dropped", items[0].Sys.ID)
	}
}

func TestCallLogRetention(t *testing.T) {
	s, err := OpenStore(StoreOptions{Dir: t.TempDir(), Retention: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	id := recordTestCall(t, s, "w", 200)
	if total, healthy, _ := s.Health("w"); total != 1 || healthy != 1 {
		t.Fatalf("Health = %d, %d right after the call", total, healthy)
	}
	if _, ok, _ := s.Call("w", id); !ok {
		t.Fatal("call not found right after it was recorded")
	}
	waitFor(t, 5*time.Second, "the call to expire", func() bool {
		total, _, _ := s.Health("w")
		_, listed, _ := s.Calls("w", 0, 10)
		_, ok, _ := s.Call("w", id)
		return total == 0 && listed == 0 && !ok
	})
	if n := callKeys(t, s, "w"); n != 0 {
		t.Fatalf("%d call keys readable after expiry", n)
	}
}

// TestCallLogKeepsNoSecrets sends calls with every kind of secret and checks
// that none appears anywhere in the database files.
func TestCallLogKeepsNoSecrets(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenStore(StoreOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	rc := newReceiver(t, func(n int, r *http.Request) int { return 200 + 300*(n%2) })
	var results resultLog
	ep := &Endpoint{ID: "w", Name: "W", Attempts: 1, Secret: exampleSecret, BasicUser: "ci", BasicPassword: "basic-secret", Render: secretRender("http://user:url-secret@" + rc.Listener.Addr().String() + "/hook")}
	enqueue(t, s, "w", "ev1", "ev2")
	d := NewDispatcher(DispatcherOptions{Store: s, Endpoints: map[string]*Endpoint{"w": ep}, OnResult: results.add})
	d.Start()
	waitFor(t, 5*time.Second, "two calls", func() bool { return len(results.all()) == 2 })
	if err := d.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, total, _ := s.Calls("w", 0, 10); total != 2 {
		t.Fatalf("%d calls logged, want 2", total)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	var stored []byte
	err = filepath.WalkDir(dir, func(path string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		stored = append(stored, b...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// The files are readable as they are: what the log keeps is there.
	for _, kept := range []string{"[redacted]", string(appendString(appendString(nil, "X-Source"), "contentful")), "e-ev1"} {
		if !bytes.Contains(stored, []byte(kept)) {
			t.Fatalf("stored bytes lack %q; the check below would prove nothing", kept)
		}
	}
	for _, secret := range []string{"header-secret", "basic-secret", "url-secret", exampleSecret, base64.StdEncoding.EncodeToString([]byte("ci:basic-secret"))} {
		if bytes.Contains(stored, []byte(secret)) {
			t.Errorf("the store holds the secret %q", secret)
		}
	}
}

// TestCallLogTimeoutFreesWorker has a receiver that never answers: the
// call is logged as a TimeoutError and the only worker goes on to the next
// delivery.
func TestCallLogTimeoutFreesWorker(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	release := make(chan struct{})
	defer close(release)
	rc := newReceiver(t, func(_ int, r *http.Request) int {
		if r.URL.Path == "/hang" {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}
		return 200
	})
	var results resultLog
	enqueue(t, s, "hang", "ev1")
	enqueue(t, s, "ok", "ev2")
	startDispatcher(t, DispatcherOptions{Store: s, Workers: 1, OnResult: results.add, Endpoints: map[string]*Endpoint{
		"hang": {ID: "hang", Name: "Hang", Attempts: 1, Timeout: 100 * time.Millisecond, Render: postTo(rc.URL + "/hang")},
		"ok":   {ID: "ok", Name: "OK", Render: postTo(rc.URL + "/ok")},
	}})
	waitFor(t, 5*time.Second, "both deliveries", func() bool { return len(results.all()) == 2 })
	items, _, err := s.Calls("hang", 0, 10)
	if err != nil || len(items) != 1 || items[0].StatusCode != 0 || !slices.Equal(items[0].Errors, []string{"TimeoutError"}) {
		t.Fatalf("hanging receiver's calls = %+v, %v; want one TimeoutError", items, err)
	}
	items, _, err = s.Calls("ok", 0, 10)
	if err != nil || len(items) != 1 || items[0].StatusCode != 200 {
		t.Fatalf("next receiver's calls = %+v, %v; want one 200", items, err)
	}
	if total, healthy, _ := s.Health("hang"); total != 1 || healthy != 0 {
		t.Errorf("Health(hang) = %d, %d; want 1, 0", total, healthy)
	}
}

func TestCallLogConnectionRefused(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String() + "/hook"
	l.Close()
	var results resultLog
	enqueue(t, s, "w", "ev")
	startDispatcher(t, DispatcherOptions{Store: s, OnResult: results.add, Endpoints: map[string]*Endpoint{
		"w": {ID: "w", Name: "W", Attempts: 1, Render: postTo(url)},
	}})
	waitFor(t, 5*time.Second, "the attempt", func() bool { return len(results.all()) == 1 })
	items, _, err := s.Calls("w", 0, 10)
	if err != nil || len(items) != 1 || !slices.Equal(items[0].Errors, []string{"ConnectionRefusedError"}) || items[0].StatusCode != 0 {
		t.Fatalf("calls = %+v, %v; want one ConnectionRefusedError", items, err)
	}
	d, ok, err := s.Call("w", items[0].Sys.ID)
	if !ok || err != nil || d.Response.StatusCode != 0 || d.Response.Body != "" || d.Response.Headers == nil {
		t.Fatalf("details = %+v, %v, %v", d, ok, err)
	}
}

func TestCallKeyRoundTrip(t *testing.T) {
	for _, webhook := range []string{"w", "w/x", "", "rebuild-site"} {
		id := newCallID()
		k := callKey(webhook, 42, id)
		gotWebhook, seq, gotID, ok := parseCallKey(k)
		if !ok || gotWebhook != webhook || seq != 42 || gotID != id {
			t.Errorf("parseCallKey(callKey(%q)) = %q, %d, %q, %v", webhook, gotWebhook, seq, gotID, ok)
		}
		if !bytes.HasPrefix(k, callWebhookPrefix(webhook)) {
			t.Errorf("key of %q lacks its webhook prefix", webhook)
		}
	}
	if bytes.HasPrefix(callKey("w/x", 1, newCallID()), callWebhookPrefix("w")) {
		t.Error("a call of w/x sorts under the prefix of w")
	}
	for _, bad := range [][]byte{[]byte("c/"), []byte("c/\x00\x05ab"), append(callKey("w", 1, newCallID()), 'x')} {
		if _, _, _, ok := parseCallKey(bad); ok {
			t.Errorf("parseCallKey(%q) accepted a malformed key", bad)
		}
	}
}

func TestExpiresAtRoundsUp(t *testing.T) {
	tests := []struct {
		now       time.Time
		retention time.Duration
		want      int64
	}{
		{time.Unix(100, 0), time.Second, 101},
		{time.Unix(100, 1), time.Second, 102},
		{time.Unix(100, 999_999_999), 168 * time.Hour, 100 + 168*3600 + 1},
	}
	for _, tt := range tests {
		if got := expiresAt(tt.now, tt.retention); got != uint64(tt.want) {
			t.Errorf("expiresAt(%v, %v) = %d, want %d", tt.now, tt.retention, got, tt.want)
		}
	}
}
