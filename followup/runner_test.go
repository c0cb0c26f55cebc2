package followup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cmsevents/caddy-cms-events/events"
	"github.com/cmsevents/caddy-cms-events/sandbox"
)

// cms is a sandbox management API on a real HTTP server, reached by the
// runner through httpFetcher.
type cms struct {
	t      *testing.T
	url    string
	client *http.Client
	// blocked makes the fetcher answer ErrNoUpstream.
	blocked atomic.Bool
	fetches atomic.Int64
}

func newCMS(t *testing.T) *cms {
	sb := sandbox.New(sandbox.WithActionDelay(30 * time.Millisecond))
	srv := httptest.NewServer(sb)
	t.Cleanup(func() {
		srv.Close()
		sb.Close()
	})
	return &cms{t: t, url: srv.URL, client: srv.Client()}
}

// Fetch is the runner's way to the CMS.
func (c *cms) Fetch(ctx context.Context, _ *Action, path, query string) (int, []byte, error) {
	if c.blocked.Load() {
		return 0, nil, ErrNoUpstream
	}
	c.fetches.Add(1)
	url := c.url + path
	if query != "" {
		url += "?" + query
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer user-1")
	res, err := c.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return res.StatusCode, body, err
}

// do sends a request to the CMS and fails the test unless it answers want.
func (c *cms) do(want int, method, path, body string, header ...string) []byte {
	c.t.Helper()
	req, err := http.NewRequest(method, c.url+path, bytes.NewBufferString(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer user-1")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.client.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, res.StatusCode, want, out)
	}
	return out
}

// entry creates an entry of content type post and returns its version.
func (c *cms) entry(id string) int {
	c.t.Helper()
	out := c.do(201, "PUT", "/spaces/sp1/environments/master/entries/"+id, `{"fields":{"title":{"en-US":"`+id+`"}}}`,
		"X-Contentful-Content-Type", "post")
	var e struct{ Sys struct{ Version int } }
	if err := json.Unmarshal(out, &e); err != nil {
		c.t.Fatal(err)
	}
	return e.Sys.Version
}

// publish publishes an entry directly.
func (c *cms) publish(id string, version int) {
	c.t.Helper()
	c.do(200, "PUT", "/spaces/sp1/environments/master/entries/"+id+"/published", "", "X-Contentful-Version", fmt.Sprint(version))
}

// start writes through "the gateway": the request goes to the CMS, and the
// action it starts is tracked, as the handler does. It returns a copy of
// the action as tracked.
func (c *cms) start(r *Runner, want int, method, path, body string, header ...string) *Action {
	c.t.Helper()
	out := c.do(want, method, path, body, header...)
	profile, _ := events.LookupProfile("contentful")
	route, ok := profile.MatchRequest(method, path, nil)
	if !ok {
		c.t.Fatalf("%s %s is not an action route", method, path)
	}
	a := FromWrite(route, path, out, time.Now())
	if a == nil {
		c.t.Fatalf("%s %s started no action: %s", method, path, out)
	}
	seen := *a // the runner owns a once tracked
	r.Track(a)
	return &seen
}

// sink records what finished actions produced.
type sink struct {
	mu       sync.Mutex
	finished map[string][]events.Derived
	failures atomic.Int32 // the next failures calls fail
}

func (s *sink) Finish(a *Action, done []events.Derived) error {
	if s.failures.Load() > 0 {
		s.failures.Add(-1)
		return errors.New("disk full")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.finished[a.Key()]; dup {
		return fmt.Errorf("action %s finished twice", a.Key())
	}
	s.finished[a.Key()] = done
	return nil
}

// wait returns the events of the action once it has finished.
func (s *sink) wait(t *testing.T, a *Action) []events.Derived {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		done, ok := s.finished[a.Key()]
		s.mu.Unlock()
		if ok {
			return done
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("action %s did not finish within 10s", a.Key())
	return nil
}

func newRunner(t *testing.T, c *cms, opts Options) (*Runner, *sink) {
	s := &sink{finished: map[string][]events.Derived{}}
	opts.Fetcher, opts.Sink = c, s
	if opts.Poll == 0 {
		opts.Poll = 10 * time.Millisecond
	}
	r := New(opts)
	r.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := r.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return r, s
}

// summary is what a test checks of one derived event.
type summary struct {
	Topic, Entity, Env string
	Headers            map[string]string
	PayloadType        string
}

func summarize(t *testing.T, done []events.Derived) []summary {
	t.Helper()
	var out []summary
	for _, d := range done {
		var p struct{ Sys struct{ Type string } }
		if err := json.Unmarshal(d.Event.Payload, &p); err != nil {
			t.Fatalf("payload of %s is not JSON: %v", d.Event.Topic, err)
		}
		out = append(out, summary{d.Event.Topic, d.Event.EntityID, d.Event.Environment, d.Event.Headers, p.Sys.Type})
	}
	return out
}

func equal(t *testing.T, got, want []summary) {
	t.Helper()
	g, _ := json.MarshalIndent(got, "", " ")
	w, _ := json.MarshalIndent(want, "", " ")
	if !bytes.Equal(g, w) {
		t.Fatalf("events\n%s\nwant\n%s", g, w)
	}
}

// links returns a Contentful array of entry links; ids alternate id and
// version.
func links(ids ...string) string {
	s := `{"sys":{"type":"Array"},"items":[`
	for i := 0; i+1 < len(ids); i += 2 {
		if i > 0 {
			s += ","
		}
		s += `{"sys":{"type":"Link","linkType":"Entry","id":"` + ids[i] + `","version":` + ids[i+1] + `}}`
	}
	return s + `]}`
}

func TestBulkPublish(t *testing.T) {
	c := newCMS(t)
	r, s := newRunner(t, c, Options{})
	v1, v2 := c.entry("e1"), c.entry("e2")
	a := c.start(r, 201, "POST", "/spaces/sp1/environments/master/bulk_actions/publish",
		`{"entities":`+links("e1", fmt.Sprint(v1), "e2", fmt.Sprint(v2))+`}`)
	done := s.wait(t, a)
	h := map[string]string{HeaderBulkActionID: a.ID}
	equal(t, summarize(t, done), []summary{
		{"ContentManagement.Entry.publish", "e1", "master", h, "Entry"},
		{"ContentManagement.Entry.publish", "e2", "master", h, "Entry"},
		{"ContentManagement.BulkAction.execute", a.ID, "master", nil, "BulkAction"},
	})
	var p struct {
		Fields struct{ Title map[string]string }
		Sys    struct {
			Revision    int
			ContentType struct{ Sys struct{ ID string } }
		}
	}
	if err := json.Unmarshal(done[0].Event.Payload, &p); err != nil || p.Sys.Revision != 1 || p.Sys.ContentType.Sys.ID != "post" || p.Fields.Title["en-US"] != "e1" {
		t.Errorf("publish payload %s: want the published entry with revision 1 and content type post", done[0].Event.Payload)
	}
	if done[0].Entity == nil || done[0].Key != "sp1/master/Entry/e1" {
		t.Errorf("publish event does not update the entity index: key %q, entity %+v", done[0].Key, done[0].Entity)
	}
	var st struct{ Sys struct{ Status string } }
	if err := json.Unmarshal(done[2].Event.Payload, &st); err != nil || st.Sys.Status != "succeeded" {
		t.Errorf("execute payload %s: want the action with status succeeded", done[2].Event.Payload)
	}
}

func TestBulkUnpublishV2LegacyPath(t *testing.T) {
	c := newCMS(t)
	r, s := newRunner(t, c, Options{})
	v := c.entry("e1")
	c.publish("e1", v)
	a := c.start(r, 201, "POST", "/spaces/sp1/bulk_actions", `{"action":"unpublish","entities":`+links("e1", fmt.Sprint(v+1))+`}`)
	done := s.wait(t, a)
	h := map[string]string{HeaderBulkActionID: a.ID}
	equal(t, summarize(t, done), []summary{
		{"ContentManagement.Entry.unpublish", "e1", "master", h, "DeletedEntry"},
		{"ContentManagement.BulkAction.execute", a.ID, "master", nil, "BulkAction"},
	})
}

func TestBulkFailedAndValidateSendOnlyExecute(t *testing.T) {
	c := newCMS(t)
	r, s := newRunner(t, c, Options{})
	v := c.entry("e1")
	failed := c.start(r, 201, "POST", "/spaces/sp1/environments/master/bulk_actions/publish",
		`{"entities":`+links("e1", fmt.Sprint(v), "missing", "1")+`}`)
	validate := c.start(r, 201, "POST", "/spaces/sp1/environments/master/bulk_actions/validate",
		`{"entities":`+links("e1", fmt.Sprint(v))+`}`)
	equal(t, summarize(t, s.wait(t, failed)), []summary{{"ContentManagement.BulkAction.execute", failed.ID, "master", nil, "BulkAction"}})
	equal(t, summarize(t, s.wait(t, validate)), []summary{{"ContentManagement.BulkAction.execute", validate.ID, "master", nil, "BulkAction"}})
}

func TestReleasePublish(t *testing.T) {
	c := newCMS(t)
	r, s := newRunner(t, c, Options{})
	c.entry("e1")
	c.entry("e2")
	out := c.do(201, "POST", "/spaces/sp1/environments/master/releases", `{"title":"Launch","entities":`+links("e1", "1", "e2", "1")+`}`)
	var rel struct{ Sys struct{ ID string } }
	if err := json.Unmarshal(out, &rel); err != nil {
		t.Fatal(err)
	}
	path := "/spaces/sp1/environments/master/releases/" + rel.Sys.ID
	c.do(200, "PUT", path, `{"title":"Launch v2","entities":`+links("e1", "1", "e2", "1")+`}`, "X-Contentful-Version", "1")
	a := c.start(r, 200, "PUT", path+"/published", "", "X-Contentful-Version", "2")
	done := s.wait(t, a)
	h := map[string]string{HeaderReleaseID: rel.Sys.ID, HeaderReleaseActionID: a.ID, HeaderReleaseVersion: "2"}
	equal(t, summarize(t, done), []summary{
		{"ContentManagement.Entry.publish", "e1", "master", h, "Entry"},
		{"ContentManagement.Entry.publish", "e2", "master", h, "Entry"},
		{"ContentManagement.ReleaseAction.execute", a.ID, "master", nil, "ReleaseAction"},
	})

	un := c.start(r, 200, "DELETE", path+"/published", "", "X-Contentful-Version", "2")
	equal(t, summarize(t, s.wait(t, un)), []summary{
		{"ContentManagement.Entry.unpublish", "e1", "master", map[string]string{HeaderReleaseID: rel.Sys.ID, HeaderReleaseActionID: un.ID, HeaderReleaseVersion: "2"}, "DeletedEntry"},
		{"ContentManagement.Entry.unpublish", "e2", "master", map[string]string{HeaderReleaseID: rel.Sys.ID, HeaderReleaseActionID: un.ID, HeaderReleaseVersion: "2"}, "DeletedEntry"},
		{"ContentManagement.ReleaseAction.execute", un.ID, "master", nil, "ReleaseAction"},
	})
}

// scheduled returns the body of a scheduled action on entry id at.
func scheduled(op, id string, at time.Time) string {
	return `{"entity":{"sys":{"type":"Link","linkType":"Entry","id":"` + id + `"}},` +
		`"environment":{"sys":{"type":"Link","linkType":"Environment","id":"master"}},"action":"` + op + `",` +
		`"scheduledFor":{"datetime":"` + at.UTC().Format(time.RFC3339Nano) + `"}}`
}

func TestScheduledPublishWaitsForItsTime(t *testing.T) {
	c := newCMS(t)
	r, s := newRunner(t, c, Options{Poll: time.Millisecond})
	c.entry("e1")
	due := time.Now().Add(300 * time.Millisecond)
	a := c.start(r, 201, "POST", "/spaces/sp1/scheduled_actions", scheduled("publish", "e1", due))
	if !a.Due.Equal(due.UTC().Truncate(time.Millisecond)) && !a.Due.Equal(due.UTC()) {
		t.Fatalf("due %v, want %v", a.Due, due)
	}
	done := s.wait(t, a)
	if time.Now().Before(due) {
		t.Fatal("the scheduled action finished before its time")
	}
	if n := c.fetches.Load(); n > 20 {
		t.Errorf("%d requests to the CMS for one scheduled action: it should not be polled before its time", n)
	}
	equal(t, summarize(t, done), []summary{
		{"ContentManagement.Entry.publish", "e1", "master", map[string]string{HeaderScheduledActionID: a.ID}, "Entry"},
		{"ContentManagement.ScheduledAction.execute", a.ID, "", nil, "ScheduledAction"},
	})
}

func TestScheduledCanceledAndRescheduled(t *testing.T) {
	c := newCMS(t)
	r, s := newRunner(t, c, Options{Poll: time.Millisecond})
	c.entry("e1")
	// Canceled in the CMS directly: the runner finds it canceled at its time.
	a := c.start(r, 201, "POST", "/spaces/sp1/scheduled_actions", scheduled("publish", "e1", time.Now().Add(200*time.Millisecond)))
	c.do(200, "DELETE", "/spaces/sp1/scheduled_actions/"+a.ID+"?environment.sys.id=master", "")
	if done := s.wait(t, a); len(done) != 0 {
		t.Fatalf("a canceled action produced %v", summarize(t, done))
	}

	// Rescheduled through the gateway: Track replaces the action.
	b := c.start(r, 201, "POST", "/spaces/sp1/scheduled_actions", scheduled("publish", "e1", time.Now().Add(time.Hour)))
	later := c.start(r, 200, "PUT", "/spaces/sp1/scheduled_actions/"+b.ID+"?environment.sys.id=master",
		scheduled("publish", "e1", time.Now().Add(100*time.Millisecond)), "X-Contentful-Version", "1")
	if r.Len() != 1 {
		t.Fatalf("%d actions followed, want the rescheduled one only", r.Len())
	}
	equal(t, summarize(t, s.wait(t, later)), []summary{
		{"ContentManagement.Entry.publish", "e1", "master", map[string]string{HeaderScheduledActionID: b.ID}, "Entry"},
		{"ContentManagement.ScheduledAction.execute", b.ID, "", nil, "ScheduledAction"},
	})

	// Canceled through the gateway: Cancel stops following.
	x := c.start(r, 201, "POST", "/spaces/sp1/scheduled_actions", scheduled("unpublish", "e1", time.Now().Add(time.Hour)))
	r.Cancel(x.Key())
	if r.Len() != 0 {
		t.Fatalf("%d actions followed after Cancel", r.Len())
	}
}

func TestWaitsForUpstreamAndSink(t *testing.T) {
	c := newCMS(t)
	c.blocked.Store(true)
	r, s := newRunner(t, c, Options{MaxPoll: time.Hour})
	v := c.entry("e1")
	a := c.start(r, 201, "POST", "/spaces/sp1/environments/master/bulk_actions/publish", `{"entities":`+links("e1", fmt.Sprint(v))+`}`)
	// The action runs in the CMS while the runner has no way to ask.
	deadline := time.Now().Add(10 * time.Second)
	for {
		out := c.do(200, "GET", "/spaces/sp1/environments/master/bulk_actions/actions/"+a.ID, "")
		var st struct{ Sys struct{ Status string } }
		_ = json.Unmarshal(out, &st)
		if st.Sys.Status == "succeeded" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the bulk action did not run: %s", out)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if r.Len() != 1 {
		t.Fatal("the action was dropped while no upstream was known")
	}
	s.failures.Store(2)
	c.blocked.Store(false)
	r.Wake("other-space")
	r.Wake("sp1")
	done := s.wait(t, a)
	if len(done) != 2 || s.failures.Load() != 0 {
		t.Fatalf("%d events, %d sink failures left; want 2 events after 2 failed commits", len(done), s.failures.Load())
	}
	if r.Len() != 0 {
		t.Fatalf("%d actions still followed", r.Len())
	}
}

func TestGoneAndGivenUp(t *testing.T) {
	c := newCMS(t)
	r, s := newRunner(t, c, Options{})
	gone := &Action{Kind: KindBulk, ID: "nope", Space: "sp1", Environment: "master", Op: OpPublish,
		StatusPath: "/spaces/sp1/environments/master/bulk_actions/actions/nope", Started: time.Now()}
	r.Track(gone)
	if done := s.wait(t, gone); len(done) != 0 {
		t.Fatalf("an action the CMS does not know produced %v", summarize(t, done))
	}

	fetches := c.fetches.Load()
	old := &Action{Kind: KindBulk, ID: "old", Space: "sp1", Environment: "master", Op: OpPublish,
		StatusPath: "/spaces/sp1/environments/master/bulk_actions/actions/old", Started: time.Now().Add(-25 * time.Hour)}
	r.Track(old)
	if done := s.wait(t, old); len(done) != 0 {
		t.Fatalf("an action given up produced %v", summarize(t, done))
	}
	if c.fetches.Load() != fetches {
		t.Error("the runner asked the CMS about an action older than GiveUp")
	}
}

func TestTrackBeforeStartAndStop(t *testing.T) {
	c := newCMS(t)
	s := &sink{finished: map[string][]events.Derived{}}
	r := New(Options{Fetcher: c, Sink: s, Poll: 10 * time.Millisecond})
	v := c.entry("e1")
	out := c.do(201, "POST", "/spaces/sp1/environments/master/bulk_actions/publish", `{"entities":`+links("e1", fmt.Sprint(v))+`}`)
	profile, _ := events.LookupProfile("contentful")
	route, _ := profile.MatchRequest("POST", "/spaces/sp1/environments/master/bulk_actions/publish", nil)
	a := FromWrite(route, "/spaces/sp1/environments/master/bulk_actions/publish", out, time.Now())
	r.Track(a)
	time.Sleep(100 * time.Millisecond) // the action has run in the CMS; nothing may happen before Start
	if c.fetches.Load() != 0 {
		t.Fatal("the runner asked the CMS before Start")
	}
	r.Start()
	if done := s.wait(t, a); len(done) != 2 {
		t.Fatalf("%d events, want 2", len(done))
	}
	if err := r.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.Track(a)
	if r.Len() != 0 {
		t.Fatal("Track after Stop followed an action")
	}
}
