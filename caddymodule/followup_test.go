package caddymodule

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cmsevents/caddy-cms-events/sandbox"
)

// entryLinks returns a Contentful array of links to entries at version 1.
func entryLinks(ids ...string) string {
	items := make([]string, len(ids))
	for i, id := range ids {
		items[i] = `{"sys":{"type":"Link","linkType":"Entry","id":"` + id + `","version":1}}`
	}
	return `{"sys":{"type":"Array"},"items":[` + strings.Join(items, ",") + `]}`
}

// waitTopic waits until a call with the topic and entity id has arrived
// and returns the calls so far.
func (rx *receiver) waitTopic(t *testing.T, topic, id string) []call {
	t.Helper()
	return rx.waitFor(t, 20*time.Second, topic+" of "+id, func(calls []call) bool {
		return slices.ContainsFunc(calls, func(c call) bool { return c.topic() == topic && callEntity(c) == id })
	})
}

// callEntity returns the sys.id of a call's body.
func callEntity(c call) string {
	var body struct{ Sys struct{ ID string } }
	_ = json.Unmarshal(c.Body, &body)
	return body.Sys.ID
}

// checkContext checks that every call in calls with topic about ids carries
// exactly the wanted context headers, signed.
func checkContext(t *testing.T, calls []call, topic string, ids []string, want map[string]string) {
	t.Helper()
	seen := map[string]bool{}
	for _, c := range calls {
		if c.topic() != topic || !slices.Contains(ids, callEntity(c)) {
			continue
		}
		seen[callEntity(c)] = true
		for _, name := range []string{"X-Contentful-Bulk-Action-Id", "X-Contentful-Scheduled-Action-Id", "X-Contentful-Release-Id",
			"X-Contentful-Release-Action-Id", "X-Contentful-Release-Version"} {
			if got := c.Header.Get(name); got != want[name] {
				t.Errorf("%s of %s: %s = %q, want %q", topic, callEntity(c), name, got, want[name])
			}
		}
		verifySignature(t, c)
	}
	if len(seen) != len(ids) {
		t.Errorf("%s arrived for %v, want %v", topic, seen, ids)
	}
}

// TestActionsFollowed starts a bulk action, a release action and a
// scheduled action through the gateway and checks that the per-entity
// events the CMS carries out later arrive with their context headers, and
// then each action's execute event.
func TestActionsFollowed(t *testing.T) {
	rx := newReceiver(t)
	g := startGateway(t, gatewayConfig{handler: "\t\tsigning_secret " + testSecret + "\n" + webhookAll(rx, "")})
	const env = "/spaces/sp1/environments/master"
	for _, id := range []string{"b1", "b2", "r1", "r2", "s1"} {
		g.write(201, "PUT", env+"/entries/"+id, map[string]string{"X-Contentful-Content-Type": "post"}, `{"fields":{"title":{"en-US":"`+id+`"}}}`)
	}

	bulk := g.write(201, "POST", env+"/bulk_actions/publish", nil, `{"entities":`+entryLinks("b1", "b2")+`}`)
	bulkID := dig(bulk, "sys", "id").(string)

	rel := g.write(201, "POST", env+"/releases", nil, `{"title":"Launch","entities":`+entryLinks("r1", "r2")+`}`)
	relID := dig(rel, "sys", "id").(string)
	ra := g.write(200, "PUT", env+"/releases/"+relID+"/published", map[string]string{"X-Contentful-Version": "1"}, "")
	raID := dig(ra, "sys", "id").(string)

	due := time.Now().Add(time.Second).UTC().Format(time.RFC3339Nano)
	sa := g.write(201, "POST", "/spaces/sp1/scheduled_actions", nil, `{"entity":{"sys":{"type":"Link","linkType":"Entry","id":"s1"}},`+
		`"environment":{"sys":{"type":"Link","linkType":"Environment","id":"master"}},"action":"publish","scheduledFor":{"datetime":"`+due+`"}}`)
	saID := dig(sa, "sys", "id").(string)

	// The scheduled action cannot have run: it is due a second after its write.
	if n := followedActions(t); n < 1 || n > 3 {
		t.Errorf("%v actions counted as followed, want 1 to 3", n)
	}

	// Calls of one commit may arrive in any order, as Contentful's may.
	calls := rx.waitFor(t, 20*time.Second, "5 publishes and 3 executes", func(calls []call) bool {
		return countTopics(calls, is("ContentManagement.Entry.publish")) == 5 &&
			countTopics(calls, func(topic string) bool { return strings.HasSuffix(topic, ".execute") }) == 3
	})
	for _, c := range calls {
		if strings.HasSuffix(c.topic(), ".execute") && dig(c.json(t), "sys", "status") != "succeeded" {
			t.Errorf("%s: the action did not succeed: %s", c.topic(), c.Body)
		}
	}

	for _, want := range []struct{ topic, id string }{
		{"ContentManagement.BulkAction.create", bulkID},
		{"ContentManagement.ReleaseAction.create", raID},
		{"ContentManagement.ScheduledAction.create", saID},
	} {
		if !slices.ContainsFunc(calls, func(c call) bool { return c.topic() == want.topic && callEntity(c) == want.id }) {
			t.Errorf("no %s of %s", want.topic, want.id)
		}
	}
	checkContext(t, calls, "ContentManagement.Entry.publish", []string{"b1", "b2"}, map[string]string{"X-Contentful-Bulk-Action-Id": bulkID})
	checkContext(t, calls, "ContentManagement.Entry.publish", []string{"r1", "r2"}, map[string]string{
		"X-Contentful-Release-Id": relID, "X-Contentful-Release-Action-Id": raID, "X-Contentful-Release-Version": "1"})
	checkContext(t, calls, "ContentManagement.Entry.publish", []string{"s1"}, map[string]string{"X-Contentful-Scheduled-Action-Id": saID})
	for _, c := range calls {
		if c.topic() == "ContentManagement.Entry.publish" && dig(c.json(t), "sys", "revision") != float64(1) {
			t.Errorf("publish of %s has revision %v, want the published entry with revision 1", callEntity(c), dig(c.json(t), "sys", "revision"))
		}
	}

	// The CMS says the entries are published: the gateway saw what happened.
	for _, id := range []string{"b1", "r1", "s1"} {
		e := g.direct(200, "GET", env+"/entries/"+id, nil, "")
		if dig(e, "sys", "publishedVersion") == nil {
			t.Errorf("entry %s is not published in the CMS", id)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for followedActions(t) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("actions still counted as followed after they ran")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := len(calls); n != 5+1+3+5+3 {
		t.Errorf("%d calls, want 17 (5 entry creates, a release create, 3 action creates, 5 publishes, 3 executes): %v", n, topics(calls))
	}
}

// TestScheduledActionCanceledThroughGateway checks that a scheduled action
// deleted through the gateway is no longer followed: its time passes
// without a publish.
func TestScheduledActionCanceledThroughGateway(t *testing.T) {
	rx := newReceiver(t)
	g := startGateway(t, gatewayConfig{handler: webhookAll(rx, "")})
	const env = "/spaces/sp1/environments/master"
	g.write(201, "PUT", env+"/entries/s1", map[string]string{"X-Contentful-Content-Type": "post"}, `{"fields":{}}`)
	due := time.Now().Add(300 * time.Millisecond).UTC().Format(time.RFC3339Nano)
	sa := g.write(201, "POST", "/spaces/sp1/scheduled_actions", nil, `{"entity":{"sys":{"type":"Link","linkType":"Entry","id":"s1"}},`+
		`"environment":{"sys":{"type":"Link","linkType":"Environment","id":"master"}},"action":"publish","scheduledFor":{"datetime":"`+due+`"}}`)
	saID := dig(sa, "sys", "id").(string)
	g.write(200, "DELETE", "/spaces/sp1/scheduled_actions/"+saID+"?environment.sys.id=master", nil, "")
	time.Sleep(time.Second) // past the action's time
	g.write(200, "PUT", env+"/entries/s1", map[string]string{"X-Contentful-Version": "1"}, `{"fields":{}}`)
	calls := rx.waitTopic(t, "ContentManagement.Entry.save", "s1")
	if got, want := topics(calls), []string{"ContentManagement.Entry.create", "ContentManagement.ScheduledAction.create",
		"ContentManagement.ScheduledAction.delete", "ContentManagement.Entry.save"}; !slices.Equal(got, want) {
		t.Errorf("calls %v, want %v", got, want)
	}
	if e := g.direct(200, "GET", env+"/entries/s1", nil, ""); dig(e, "sys", "publishedVersion") != nil {
		t.Error("the canceled action published the entry")
	}
}

// followedActions reads the caddy_cms_events_followed_actions gauge.
func followedActions(t *testing.T) float64 {
	t.Helper()
	_, metrics := admin(t, "GET", "/metrics", nil)
	for _, l := range strings.Split(metrics, "\n") {
		if v, ok := strings.CutPrefix(l, "caddy_cms_events_followed_actions "); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metric line %q: %v", l, err)
			}
			return n
		}
	}
	t.Fatal("/metrics has no caddy_cms_events_followed_actions")
	return 0
}

// TestFollowedActionSurvivesReload reloads the config while a bulk action
// runs in the CMS and checks that its publishes are sent, once a request
// to the space has passed through the new config.
func TestFollowedActionSurvivesReload(t *testing.T) {
	rx := newReceiver(t)
	sb := sandbox.New(sandbox.WithActionDelay(time.Second))
	cms := httptest.NewServer(sb)
	t.Cleanup(func() {
		cms.Close()
		sb.Close()
	})
	g := startGateway(t, gatewayConfig{handler: "\t\tsigning_secret " + testSecret + "\n" + webhookAll(rx, ""),
		upstream: strings.TrimPrefix(cms.URL, "http://")})
	g.cms = cms.URL
	const env = "/spaces/sp1/environments/master"
	g.write(201, "PUT", env+"/entries/e1", map[string]string{"X-Contentful-Content-Type": "post"}, `{"fields":{}}`)
	bulk := g.write(201, "POST", env+"/bulk_actions/publish", nil, `{"entities":`+entryLinks("e1")+`}`)
	bulkID := dig(bulk, "sys", "id").(string)

	// A config change through the admin API is a reload.
	req, _ := http.NewRequest(http.MethodPatch, "http://localhost:2999/config/apps/cms_events/workers", strings.NewReader("2"))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("reload: status %d", res.StatusCode)
	}

	g.waitBulkRan(env, bulkID)
	g.write(201, "PUT", env+"/entries/e2", map[string]string{"X-Contentful-Content-Type": "post"}, `{"fields":{}}`)
	calls := rx.waitTopic(t, "ContentManagement.Entry.publish", "e1")
	checkContext(t, calls, "ContentManagement.Entry.publish", []string{"e1"}, map[string]string{"X-Contentful-Bulk-Action-Id": bulkID})
}
