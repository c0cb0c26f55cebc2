package delivery

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

func TestRetryDelay(t *testing.T) {
	fixed := newEndpoint(&Endpoint{ID: "w"})
	exp := newEndpoint(&Endpoint{ID: "w", Backoff: BackoffExponential, Delay: time.Second, Jitter: -1})
	jittered := newEndpoint(&Endpoint{ID: "w", Backoff: BackoffExponential, Delay: 10 * time.Second})
	capped := newEndpoint(&Endpoint{ID: "w", Backoff: BackoffExponential, Delay: time.Second, MaxDelay: time.Minute, Jitter: -1})
	slow := newEndpoint(&Endpoint{ID: "w", Delay: time.Hour})
	fives := newEndpoint(&Endpoint{ID: "w", Backoff: BackoffExponential, Delay: 5 * time.Second, Factor: 5, MaxDelay: 625 * time.Second, Jitter: -1})
	tests := []struct {
		name          string
		ep            *endpoint
		attempt       int
		retryAfter    time.Duration
		hasRetryAfter bool
		random        float64
		want          time.Duration
	}{
		{"fixed default, first retry", fixed, 1, 0, false, 0.5, 30 * time.Second},
		{"fixed default, second retry", fixed, 2, 0, false, 0.9, 30 * time.Second},
		{"Retry-After honoured", fixed, 1, 2 * time.Minute, true, 0.5, 2 * time.Minute},
		{"Retry-After below Delay", fixed, 1, time.Second, true, 0.5, 30 * time.Second},
		{"Retry-After zero", fixed, 1, 0, true, 0.5, 30 * time.Second},
		{"Retry-After above MaxDelay", fixed, 1, time.Hour, true, 0.5, 15 * time.Minute},
		{"MaxDelay never below Delay", slow, 1, 2 * time.Hour, true, 0.5, time.Hour},
		{"exponential 1", exp, 1, 0, false, 0.5, time.Second},
		{"exponential 2", exp, 2, 0, false, 0.5, 2 * time.Second},
		{"exponential 3", exp, 3, 0, false, 0.5, 4 * time.Second},
		{"exponential 10", exp, 10, 0, false, 0.5, 512 * time.Second},
		{"exponential capped at 15m", exp, 11, 0, false, 0.5, 15 * time.Minute},
		{"exponential 99 does not overflow", exp, 99, 0, false, 0.5, 15 * time.Minute},
		{"exponential with a set cap", capped, 8, 0, false, 0.5, time.Minute},
		{"jitter low end", jittered, 1, 0, false, 0, 8 * time.Second},
		{"jitter middle", jittered, 2, 0, false, 0.5, 20 * time.Second},
		{"jitter high end", jittered, 3, 0, false, 1, 48 * time.Second},
		{"jitter never above the cap", jittered, 20, 0, false, 0.99, 15 * time.Minute},
		{"jitter below the cap", jittered, 20, 0, false, 0, 12 * time.Minute},
		{"Retry-After wins over exponential", exp, 5, 3 * time.Second, true, 0.5, 3 * time.Second},
		{"factor 5, first retry", fives, 1, 0, false, 0.5, 5 * time.Second},
		{"factor 5, second retry", fives, 2, 0, false, 0.5, 25 * time.Second},
		{"factor 5, fourth retry", fives, 4, 0, false, 0.5, 625 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.ep.retryDelay(tt.attempt, tt.retryAfter, tt.hasRetryAfter, tt.random); got != tt.want {
				t.Fatalf("retryDelay = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEndpointBackoffDefaults(t *testing.T) {
	tests := []struct {
		in         Endpoint
		wantMax    time.Duration
		wantJitter float64
	}{
		{Endpoint{}, DefaultMaxDelay, DefaultJitter},
		{Endpoint{MaxDelay: time.Minute, Jitter: 0.5}, time.Minute, 0.5},
		{Endpoint{Delay: time.Hour}, time.Hour, DefaultJitter},
		{Endpoint{Jitter: -1}, DefaultMaxDelay, 0},
		{Endpoint{Jitter: 3}, DefaultMaxDelay, 1},
	}
	for _, tt := range tests {
		ep := newEndpoint(&tt.in)
		if ep.MaxDelay != tt.wantMax || ep.Jitter != tt.wantJitter {
			t.Errorf("newEndpoint(%+v): MaxDelay %v, Jitter %v; want %v, %v", tt.in, ep.MaxDelay, ep.Jitter, tt.wantMax, tt.wantJitter)
		}
	}
	for _, ok := range []string{"", BackoffFixed, BackoffExponential} {
		if err := ValidBackoff(ok); err != nil {
			t.Errorf("ValidBackoff(%q) = %v", ok, err)
		}
	}
	if err := ValidBackoff("linear"); err == nil {
		t.Error("ValidBackoff accepted linear")
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 6, 22, 18, 0, 0, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"120", 2 * time.Minute, true},
		{" 5 ", 5 * time.Second, true},
		{"0", 0, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{"", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{"Monday, 22-Jun-26 18:01:00 GMT", time.Minute, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"99999999999999", 365 * 24 * time.Hour, true},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

// fakeClock is a clock that only moves when told to.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestDispatcherBackoff drives retries with a fake clock: exponential
// delays, Retry-After in seconds and as a date (only on 429 and 503), and
// 410 as final.
func TestDispatcherBackoff(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	start := time.Now().Add(time.Minute).Truncate(time.Second)
	clock := &fakeClock{t: start}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/gone":
			w.WriteHeader(http.StatusGone)
		case "/limited":
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusTooManyRequests)
		case "/unavailable":
			w.Header().Set("Retry-After", clock.now().Add(5*time.Minute).Format(http.TimeFormat))
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			w.Header().Set("Retry-After", "600") // not honoured on a 502
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	defer srv.Close()
	var results resultLog
	outcomes := func(webhookID string) []Outcome {
		var out []Outcome
		for _, r := range results.all() {
			if r.Delivery.WebhookID == webhookID {
				out = append(out, r.Outcome)
			}
		}
		return out
	}
	startDispatcher(t, DispatcherOptions{Store: s, Now: clock.now, OnResult: results.add, Endpoints: map[string]*Endpoint{
		"exp":         {ID: "exp", Name: "Exp", Backoff: BackoffExponential, Delay: 10 * time.Second, Jitter: -1, Render: postTo(srv.URL + "/exp")},
		"gone":        {ID: "gone", Name: "Gone", Render: postTo(srv.URL + "/gone")},
		"limited":     {ID: "limited", Name: "Limited", Delay: time.Second, Render: postTo(srv.URL + "/limited")},
		"unavailable": {ID: "unavailable", Name: "Unavailable", Delay: time.Second, MaxDelay: time.Minute, Render: postTo(srv.URL + "/unavailable")},
	}})
	for _, id := range []string{"exp", "gone", "limited", "unavailable"} {
		enqueue(t, s, id, "ev-"+id)
	}
	waitFor(t, 5*time.Second, "the first attempts", func() bool { return len(results.all()) == 4 })

	if got := outcomes("gone"); len(got) != 1 || got[0] != Failed {
		t.Errorf("410 outcomes = %v, want one failure", got)
	}
	if f := records(t, s, failedPrefix); len(f) != 1 || f[0].WebhookID != "gone" {
		t.Errorf("failed = %+v, want the 410 delivery", f)
	}
	check := func(webhookID string, wantDue time.Time, wantAttempt int) {
		t.Helper()
		due, attempt := dueOf(t, s, webhookID)
		if !due.Equal(wantDue) || attempt != wantAttempt {
			t.Errorf("%s: due %v after attempt %d; want %v after attempt %d", webhookID, due.Sub(start), attempt, wantDue.Sub(start), wantAttempt)
		}
	}
	check("limited", start.Add(2*time.Minute), 1)
	check("unavailable", start.Add(time.Minute), 1)
	check("exp", start.Add(10*time.Second), 1)

	// Let the clock reach the retry and wake the dispatcher (a resume
	// wakes it).
	step := func(d time.Duration, wantResults int) {
		t.Helper()
		clock.advance(d)
		if err := s.SetPaused("exp", false); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 5*time.Second, "the next attempt", func() bool { return len(results.all()) == wantResults })
	}
	step(10*time.Second, 5)
	check("exp", start.Add(30*time.Second), 2)
	step(20*time.Second, 6)
	if got := outcomes("exp"); len(got) != 3 || got[2] != Failed {
		t.Errorf("exponential outcomes = %v, want two retries and a failure", got)
	}
	if n := failedLen(t, s); n != 2 {
		t.Errorf("failed = %d, want 2", n)
	}
}

// dueOf returns the due time and attempt count of the pending delivery of
// webhookID.
func dueOf(t *testing.T, s *Store, webhookID string) (time.Time, int) {
	t.Helper()
	for _, d := range records(t, s, queuePrefix) {
		if d.WebhookID == webhookID {
			return d.DueAt, d.Attempt
		}
	}
	t.Fatalf("no pending delivery of %s", webhookID)
	return time.Time{}, 0
}
