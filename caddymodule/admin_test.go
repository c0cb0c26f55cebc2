package caddymodule

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"
)

// admin sends a request to Caddy's admin endpoint and decodes the JSON
// answer into out (when not nil); it returns the status and raw body.
func admin(t *testing.T, method, path string, out any) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, "http://localhost:2999"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, path, err, raw)
		}
	}
	return res.StatusCode, string(raw)
}

type queueState struct {
	Depth     int      `json:"depth"`
	Due       int      `json:"due"`
	OldestDue *string  `json:"oldestDue"`
	Failed    int      `json:"failed"`
	Paused    []string `json:"paused"`
}

// waitQueue polls the queue endpoint until done holds.
func waitQueue(t *testing.T, what string, done func(queueState) bool) queueState {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var q queueState
		admin(t, "GET", "/cms_events/queue", &q)
		if done(q) {
			return q
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; queue %+v", what, q)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestReceiverOutage lets every delivery fail while the receiver is down,
// checks the call log, health and queue, then redelivers them all.
func TestReceiverOutage(t *testing.T) {
	rx := newReceiver(t)
	rx.status.Store(http.StatusServiceUnavailable)
	g := startGateway(t, gatewayConfig{handler: fmt.Sprintf(`		webhook "Outage" %s/hook {
			topics Entry.create
			secret_header X-Api-Key hidden-value-123
			basic_auth ci hidden-password-456
			retry 2 50ms
		}`, rx.URL)})
	for i := range 5 {
		g.write(201, "PUT", fmt.Sprintf("/spaces/sp1/environments/master/entries/o%d", i), map[string]string{"X-Contentful-Content-Type": "post"}, `{"fields":{}}`)
	}
	waitQueue(t, "5 failed deliveries", func(q queueState) bool { return q.Failed == 5 && q.Depth == 0 })

	var list struct {
		Sys   map[string]string `json:"sys"`
		Items []struct {
			Sys        map[string]any `json:"sys"`
			StatusCode int            `json:"statusCode"`
			EventType  string         `json:"eventType"`
			URL        string         `json:"url"`
			RequestAt  string         `json:"requestAt"`
			ResponseAt string         `json:"responseAt"`
		} `json:"items"`
		Total int `json:"total"`
		Skip  int `json:"skip"`
		Limit int `json:"limit"`
	}
	if status, body := admin(t, "GET", "/cms_events/webhooks/outage/calls?limit=3&skip=1", &list); status != 200 {
		t.Fatalf("calls: %d %s", status, body)
	}
	if list.Sys["type"] != "Array" || list.Total != 10 || list.Skip != 1 || list.Limit != 3 || len(list.Items) != 3 {
		t.Fatalf("calls page: %+v", list)
	}
	first := list.Items[0]
	if first.StatusCode != 503 || first.EventType != "create" || first.URL != rx.URL+"/hook" || first.Sys["type"] != "WebhookCallOverview" {
		t.Errorf("call overview: %+v", first)
	}
	callID, _ := first.Sys["id"].(string)
	status, details := admin(t, "GET", "/cms_events/webhooks/outage/calls/"+callID, nil)
	if status != 200 || !strings.Contains(details, `"WebhookCallDetails"`) || !strings.Contains(details, `"statusCode":503`) {
		t.Errorf("call details: %d %s", status, details)
	}
	var health struct {
		Calls struct{ Total, Healthy int } `json:"calls"`
	}
	admin(t, "GET", "/cms_events/webhooks/outage/health", &health)
	if health.Calls.Total != 10 || health.Calls.Healthy != 0 {
		t.Errorf("health %+v", health)
	}
	// Secrets show nowhere in the admin API.
	_, webhooks := admin(t, "GET", "/cms_events/webhooks", nil)
	for _, body := range []string{webhooks, details} {
		if strings.Contains(body, "hidden-value-123") || strings.Contains(body, "hidden-password-456") ||
			strings.Contains(body, "aGlkZGVu") /* base64 of "hidden" in the Authorization header */ {
			t.Errorf("a secret shows in an admin answer: %s", body)
		}
	}
	if !strings.Contains(webhooks, `"outage"`) || !strings.Contains(webhooks, "X-Api-Key") {
		t.Errorf("webhooks listing: %s", webhooks)
	}

	rx.status.Store(http.StatusOK)
	var redelivered struct{ Redelivered int }
	if status, body := admin(t, "POST", "/cms_events/webhooks/outage/redeliver", &redelivered); status != 202 || redelivered.Redelivered != 5 {
		t.Fatalf("redeliver: %d %s", status, body)
	}
	rx.waitFor(t, 15*time.Second, "5 delivered calls", func(c []call) bool {
		ok := 0
		for _, x := range c {
			if x.Status == 200 {
				ok++
			}
		}
		return ok == 5
	})
	waitQueue(t, "an empty queue", func(q queueState) bool { return q.Failed == 0 && q.Depth == 0 })

	// One call of a delivered event can be sent again, with its key.
	if status, body := admin(t, "POST", "/cms_events/webhooks/outage/calls/"+callID+"/redeliver", nil); status != 202 {
		t.Fatalf("redeliver one call: %d %s", status, body)
	}
	rx.waitFor(t, 15*time.Second, "the call sent again", func(c []call) bool { return len(c) == 16 })
	calls := rx.snapshot()
	if key := calls[15].Header.Get("X-Contentful-Idempotency-Key"); key == "" {
		t.Error("redelivered call has no idempotency key")
	}
}

// TestPauseAndErrors pauses a webhook, checks that it queues without
// sending, resumes it, and checks the API's refusals.
func TestPauseAndErrors(t *testing.T) {
	rx := newReceiver(t)
	g := startGateway(t, gatewayConfig{handler: webhookAll(rx, "")})
	if status, body := admin(t, "POST", "/cms_events/webhooks/test-hook/pause", nil); status != 200 {
		t.Fatalf("pause: %d %s", status, body)
	}
	for i := range 3 {
		g.write(201, "PUT", fmt.Sprintf("/spaces/sp1/environments/master/entries/p%d", i), map[string]string{"X-Contentful-Content-Type": "post"}, `{"fields":{}}`)
	}
	q := waitQueue(t, "3 queued deliveries", func(q queueState) bool { return q.Depth == 3 })
	if len(q.Paused) != 1 || q.Paused[0] != "test-hook" || q.OldestDue == nil {
		t.Errorf("queue while paused: %+v", q)
	}
	if n := len(rx.snapshot()); n != 0 {
		t.Fatalf("a paused webhook sent %d calls", n)
	}
	if status, body := admin(t, "POST", "/cms_events/webhooks/test-hook/resume", nil); status != 200 {
		t.Fatalf("resume: %d %s", status, body)
	}
	rx.waitCalls(t, 3)

	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/cms_events/webhooks/nope/calls", 404},
		{"GET", "/cms_events/webhooks/test-hook/calls/nope", 404},
		{"POST", "/cms_events/webhooks/test-hook/calls/nope/redeliver", 404},
		{"GET", "/cms_events/webhooks/test-hook/calls?limit=-1", 400},
		{"POST", "/cms_events/webhooks/test-hook/redeliver?since=yesterday", 400},
		{"POST", "/cms_events/queue", 405},
		{"GET", "/cms_events/nothing", 404},
	} {
		if status, body := admin(t, tc.method, tc.path, nil); status != tc.want {
			t.Errorf("%s %s: %d, want %d: %s", tc.method, tc.path, status, tc.want, body)
		}
	}
}

// TestHangingReceiver checks that a receiver that does not answer ends the
// call as a TimeoutError and frees the worker for the next delivery.
func TestHangingReceiver(t *testing.T) {
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(release) })
	rx := newReceiver(t)
	g := startGateway(t, gatewayConfig{handler: fmt.Sprintf(`		webhook "Hangs" %s/hook {
			topics Entry.create
			retry 1
			timeout 300ms
		}
		webhook "Fine" %s/hook {
			topics Entry.create
		}`, hang.URL, rx.URL)})
	// One worker: the calls to the good receiver only go out if the
	// hanging ones give the worker back.
	for _, id := range []string{"h1", "h2"} {
		g.write(201, "PUT", "/spaces/sp1/environments/master/entries/"+id, map[string]string{"X-Contentful-Content-Type": "post"}, `{"fields":{}}`)
	}
	rx.waitCalls(t, 2)
	waitQueue(t, "the hanging calls failed", func(q queueState) bool { return q.Failed == 2 && q.Depth == 0 })
	_, body := admin(t, "GET", "/cms_events/webhooks/hangs/calls", nil)
	if !strings.Contains(body, "TimeoutError") {
		t.Errorf("call log of a hanging receiver: %s", body)
	}
}

// TestMetrics checks that the plugin's metrics are on Caddy's /metrics.
func TestMetrics(t *testing.T) {
	rx := newReceiver(t)
	g := startGateway(t, gatewayConfig{handler: webhookAll(rx, "")})
	g.write(201, "PUT", "/spaces/sp1/environments/master/entries/m1", map[string]string{"X-Contentful-Content-Type": "post"}, `{"fields":{}}`)
	rx.waitCalls(t, 1)
	want := []string{
		`caddy_cms_events_events_total{topic="ContentManagement.Entry.create"}`,
		`caddy_cms_events_deliveries_total{outcome="delivered",webhook="test-hook"}`,
		`caddy_cms_events_delivery_duration_seconds_count{webhook="test-hook"}`,
		`caddy_cms_events_enqueue_duration_seconds_count`,
		`caddy_cms_events_queue_depth`,
		`caddy_cms_events_failed_deliveries`,
		`caddy_cms_events_followed_actions 0`,
	}
	// The outcome is counted once it is recorded, just after the
	// receiver has answered.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, body := admin(t, "GET", "/metrics", nil)
		var missing []string
		for _, w := range want {
			if !strings.Contains(body, w) {
				missing = append(missing, w)
			}
		}
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics lacks %v", missing)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestUnusableStorageDir checks that a storage directory that cannot be
// created fails the config load with a clear error.
func TestUnusableStorageDir(t *testing.T) {
	caddytest.NewTester(t).InitServer("{\n\tadmin localhost:2999\n}\n", "caddyfile")
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	config := fmt.Sprintf("{\n\tadmin localhost:2999\n\tcms_events {\n\t\tstorage_dir %s/events\n\t}\n}\n\nhttp://127.0.0.1:%d {\n\tcms_events\n\trespond ok\n}\n", file, freePort(t))
	res, err := http.Post("http://localhost:2999/load", "text/caddyfile", strings.NewReader(config))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode == 200 || !strings.Contains(string(body), "is not writable") || !strings.Contains(string(body), "set storage_dir (or storage badger's dir) to a writable directory") {
		t.Fatalf("load with an unusable storage dir: %d %s", res.StatusCode, body)
	}
}
