package delivery

import (
	"bytes"
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// Endpoints added, replaced and removed while the dispatcher runs.
func TestSetAndRemoveEndpoint(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	rc := newReceiver(t, nil)
	var results resultLog
	d := startDispatcher(t, DispatcherOptions{Store: s, Workers: 2, OnResult: results.add})

	// A webhook added while the dispatcher runs gets its calls.
	d.SetEndpoint(&Endpoint{ID: "late", Name: "Late", Render: postTo(rc.URL + "/v1")})
	enqueue(t, s, "late", "ev1")
	waitFor(t, 5*time.Second, "the call of the added webhook", func() bool { return len(rc.got()) == 1 })
	if c := rc.got()[0]; c.RequestURI != "/v1" || c.Header.Get("X-Contentful-Webhook-Name") != "Late" {
		t.Fatalf("call %s named %q", c.RequestURI, c.Header.Get("X-Contentful-Webhook-Name"))
	}

	// A replaced endpoint's later calls carry the new settings.
	d.SetEndpoint(&Endpoint{ID: "late", Name: "Late 2", Render: postTo(rc.URL + "/v2")})
	enqueue(t, s, "late", "ev2")
	waitFor(t, 5*time.Second, "the call of the replaced webhook", func() bool { return len(rc.got()) == 2 })
	if c := rc.got()[1]; c.RequestURI != "/v2" || c.Header.Get("X-Contentful-Webhook-Name") != "Late 2" {
		t.Fatalf("call after the replace: %s named %q", c.RequestURI, c.Header.Get("X-Contentful-Webhook-Name"))
	}

	// A removed endpoint sends nothing more; its deliveries are kept as
	// failed, as those of a webhook removed from the configuration.
	d.RemoveEndpoint("late")
	enqueue(t, s, "late", "ev3")
	d.signalRescan()
	waitFor(t, 10*time.Second, "the removed webhook's delivery kept as failed", func() bool { return failedLen(t, s) == 1 })
	if n := len(rc.got()); n != 2 {
		t.Fatalf("the removed webhook was called: %d calls", n)
	}

	// A pause recorded in the store applies to an endpoint added later.
	if err := s.SetPaused("paused", true); err != nil {
		t.Fatal(err)
	}
	d.SetEndpoint(&Endpoint{ID: "paused", Name: "Paused", Render: postTo(rc.URL + "/paused")})
	if !d.Paused("paused") {
		t.Fatal("the stored pause did not apply to the added endpoint")
	}
	enqueue(t, s, "paused", "ev4")
	if err := s.SetPaused("paused", false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the resumed webhook's call", func() bool { return len(rc.got()) == 3 })
}

// Endpoints changed from many goroutines while calls are under way.
func TestSetEndpointConcurrently(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	rc := newReceiver(t, nil)
	var results resultLog
	d := startDispatcher(t, DispatcherOptions{Store: s, Workers: 4, OnResult: results.add, Endpoints: map[string]*Endpoint{
		"w": {ID: "w", Name: "W", Render: postTo(rc.URL)},
	}})
	ids := make([]string, 40)
	for i := range ids {
		ids[i] = "ev" + strconv.Itoa(i)
	}
	enqueue(t, s, "w", ids...)
	done := make(chan struct{})
	for g := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 50 {
				id := "other" + strconv.Itoa(g)
				d.SetEndpoint(&Endpoint{ID: id, Name: id, Render: postTo(rc.URL)})
				if i%2 == 1 {
					d.RemoveEndpoint(id)
				}
				d.SetEndpoint(&Endpoint{ID: "w", Name: "W", Render: postTo(rc.URL)})
			}
		}()
	}
	for range 4 {
		<-done
	}
	waitFor(t, 10*time.Second, "every delivery", func() bool { return len(results.all()) == len(ids) })
}

// A space's signing secret takes precedence over the endpoint's.
func TestSpaceSecrets(t *testing.T) {
	const endpointSecret = "endpointSecret-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM"
	const spaceSecret = "spaceSecret-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"
	s := openTestStore(t, t.TempDir())
	rc := newReceiver(t, nil)
	var results resultLog
	secrets := &fakeSecrets{}
	secrets.set("sp1", spaceSecret)
	startDispatcher(t, DispatcherOptions{Store: s, Workers: 1, OnResult: results.add, SpaceSecrets: secrets, Endpoints: map[string]*Endpoint{
		"signed":   {ID: "signed", Name: "Signed", Secret: endpointSecret, Render: postTo(rc.URL + "/signed")},
		"unsigned": {ID: "unsigned", Name: "Unsigned", Render: postTo(rc.URL + "/unsigned")},
	}})

	other := NewDelivery("signed", testEvent("ev2"), time.Now())
	other.Event.Space = "sp2"
	enqueue(t, s, "signed", "ev1")
	if err := s.Enqueue(context.Background(), Batch{Deliveries: []*Delivery{other}}); err != nil {
		t.Fatal(err)
	}
	enqueue(t, s, "unsigned", "ev3")
	waitFor(t, 5*time.Second, "three calls", func() bool { return len(rc.got()) == 3 })
	for _, c := range rc.got() {
		want := spaceSecret
		if bytes.Contains(c.Body, []byte(`"e-ev2"`)) {
			want = endpointSecret // its event is of sp2, which has no secret
		}
		verifySignature(t, want, c)
	}

	// Without the space's secret, the endpoint's (or none) is used again.
	secrets.set("sp1", "")
	enqueue(t, s, "signed", "ev4")
	enqueue(t, s, "unsigned", "ev5")
	waitFor(t, 5*time.Second, "two more calls", func() bool { return len(rc.got()) == 5 })
	for _, c := range rc.got()[3:] {
		if c.RequestURI == "/signed" {
			verifySignature(t, endpointSecret, c)
		} else if c.Header.Get("X-Contentful-Signature") != "" {
			t.Fatal("a call of a space without a secret was signed by an endpoint without one")
		}
	}
}

// fakeSecrets is a SpaceSecrets whose answers a test changes.
type fakeSecrets struct {
	m atomic.Pointer[map[string]string]
}

func (f *fakeSecrets) set(space, secret string) {
	m := map[string]string{space: secret}
	f.m.Store(&m)
}

func (f *fakeSecrets) SpaceSecret(space string) string {
	if m := f.m.Load(); m != nil {
		return (*m)[space]
	}
	return ""
}
