package caddymodule

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cmsevents/caddy-cms-events/internal/natstest"
	"github.com/cmsevents/caddy-cms-events/sandbox"
)

// startNATSCluster starts a cluster of n NATS servers with JetStream for
// the test.
func startNATSCluster(t *testing.T, n int) *natstest.Cluster {
	t.Helper()
	c, err := natstest.StartCluster(t.TempDir(), n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Shutdown)
	return c
}

// sharedCMS starts one sandbox CMS for several gateways and returns its
// host:port.
func sharedCMS(t *testing.T) string {
	t.Helper()
	sb := sandbox.New()
	cms := httptest.NewServer(sb)
	t.Cleanup(func() {
		cms.Close()
		sb.Close()
	})
	return strings.TrimPrefix(cms.URL, "http://")
}

// natsChildConfig is a Caddyfile for a child caddy: a gateway on the NATS
// servers at natsURL (streams with three replicas) in front of upstream,
// with one webhook to rx that gives up on a call after 2 s. It returns the
// gateway's base URL.
func natsChildConfig(t *testing.T, rx *receiver, natsURL, upstream, handler string) (caddyfile, base string) {
	return childGateway(t, rx, "storage nats {\n\t\t\turl "+natsURL+"\n\t\t\treplicas 3\n\t\t}", handler, "\t\t\ttimeout 2s", upstream)
}

// startNATSPair starts two gateways as child processes on the NATS
// servers at natsURL, in front of upstream, with one webhook to rx and the
// handler lines given; it returns the first process and both gateways.
func startNATSPair(t *testing.T, rx *receiver, natsURL, upstream, handler string) (first *child, a, b *gateway) {
	t.Helper()
	client := &http.Client{Timeout: 15 * time.Second}
	cfgA, baseA := natsChildConfig(t, rx, natsURL, upstream, handler)
	cfgB, baseB := natsChildConfig(t, rx, natsURL, upstream, handler)
	first = startChild(t, cfgA, baseA+"/")
	startChild(t, cfgB, baseB+"/")
	return first, &gateway{t: t, base: baseA, client: client}, &gateway{t: t, base: baseB, client: client}
}

// idempotencyKey matches an X-Contentful-Idempotency-Key.
var idempotencyKey = regexp.MustCompile(`^[0-9a-f]{64}$`)

// TestScaleOutSurvivesKills runs two gateways on a three-node JetStream
// cluster, drives writes through both, kills one gateway with SIGKILL and
// one NATS server in the middle of the load, and checks that every write a
// client saw succeed is delivered with one idempotency key per event, and
// that no event is delivered twice except one a killed process was
// sending.
func TestScaleOutSurvivesKills(t *testing.T) {
	cluster := startNATSCluster(t, 3)
	rx := newReceiver(t)
	a, ga, gb := startNATSPair(t, rx, cluster.URL(), sharedCMS(t), "")

	la := startWriteLoad(ga, "a", 4)
	lb := startWriteLoad(gb, "b", 4)
	la.waitSucceeded(t, 100)
	lb.waitSucceeded(t, 100)
	killed := time.Now()
	a.kill()
	cluster.Kill(1)
	lb.waitSucceeded(t, lb.count()+200) // the other gateway goes on with a server down
	succeeded := append(la.stop(), lb.stop()...)
	if err := cluster.Restart(1); err != nil {
		t.Fatal(err)
	}

	calls := rx.waitDelivered(t, succeeded)
	keyOf := make(map[string]string) // CRN → idempotency key
	delivered := make(map[string][]time.Time)
	for _, c := range calls {
		crn, key := c.Header.Get("X-Contentful-CRN"), c.Header.Get("X-Contentful-Idempotency-Key")
		if !idempotencyKey.MatchString(key) {
			t.Fatalf("call for %s has idempotency key %q", crn, key)
		}
		if k, ok := keyOf[crn]; ok && k != key {
			t.Fatalf("%s was sent with idempotency keys %s and %s", crn, k, key)
		}
		keyOf[crn] = key
		if c.Status == http.StatusOK {
			delivered[key] = append(delivered[key], c.At)
		}
	}
	// A call that a killed process had sent, or whose acknowledgement the
	// killed server was carrying, is sent again; nothing else is.
	window := killed.Add(5 * time.Second)
	for key, at := range delivered {
		if len(at) > 1 && at[0].After(window) {
			t.Errorf("event with idempotency key %s delivered %d times, first at %s, after the kills at %s", key, len(at), at[0].Format(time.StampMilli), killed.Format(time.StampMilli))
		}
	}
	t.Logf("%d writes succeeded; %d calls received", len(succeeded), len(calls))
}

// TestScaleOutOneAutoSavePerWindow saves one entry through two gateways on
// one JetStream cluster, alternately, inside one auto_save window, and
// checks that exactly one auto_save is sent for the window, with the
// latest draft, whichever gateway saw it.
func TestScaleOutOneAutoSavePerWindow(t *testing.T) {
	cluster := startNATSCluster(t, 3)
	rx := newReceiver(t)
	_, ga, gb := startNATSPair(t, rx, cluster.URL(), sharedCMS(t), "\t\tauto_save {\n\t\t\twindow 2s\n\t\t}")
	gws := []*gateway{ga, gb}

	const path = "/spaces/sp1/environments/master/entries/shared-doc"
	e := gws[0].write(201, "PUT", path, map[string]string{"X-Contentful-Content-Type": "post"}, `{"fields":{}}`)
	for round, saves := range [][]int{{0, 1, 0, 1}, {1, 0, 0, 1, 0}} {
		var last string
		var lastSave time.Time
		for i, gw := range saves {
			last = fmt.Sprintf("round %d save %d through gateway %d", round, i, gw)
			e = gws[gw].write(200, "PUT", path, map[string]string{"X-Contentful-Version": version(t, e), "X-Contentful-UI-Content-Auto-Save": "true"},
				fmt.Sprintf(`{"fields":{"title":{"en-US":%q}}}`, last))
			lastSave = time.Now()
		}
		rx.waitFor(t, 20*time.Second, fmt.Sprintf("the auto_save of window %d", round+1), func(c []call) bool {
			return countTopics(c, is("ContentManagement.Entry.auto_save")) == round+1
		})
		// Nothing more may come: wait until every window the saves
		// opened on either gateway has ended, with a margin.
		time.Sleep(time.Until(lastSave.Add(4 * time.Second)))
		calls := rx.snapshot()
		if n := countTopics(calls, is("ContentManagement.Entry.auto_save")); n != round+1 {
			t.Fatalf("after window %d: %d auto_save calls; want %d", round+1, n, round+1)
		}
		var got any
		for _, c := range calls {
			if c.topic() == "ContentManagement.Entry.auto_save" {
				got = dig(c.json(t), "fields", "title", "en-US")
			}
		}
		if got != last {
			t.Fatalf("auto_save of window %d carries %q; want the latest draft %q", round+1, got, last)
		}
	}
}

// TestScaleOutGatewayDiesMidWindow saves an entry through one gateway and
// kills that gateway with SIGKILL inside the auto_save window: the other
// gateway on the same cluster emits the window's draft at its end.
func TestScaleOutGatewayDiesMidWindow(t *testing.T) {
	cluster := startNATSCluster(t, 3)
	rx := newReceiver(t)
	a, ga, _ := startNATSPair(t, rx, cluster.URL(), sharedCMS(t), "\t\tauto_save {\n\t\t\twindow 3s\n\t\t}")

	const path = "/spaces/sp1/environments/master/entries/orphan"
	e := ga.write(201, "PUT", path, map[string]string{"X-Contentful-Content-Type": "post"}, `{"fields":{}}`)
	ga.write(200, "PUT", path, map[string]string{"X-Contentful-Version": version(t, e), "X-Contentful-UI-Content-Auto-Save": "true"},
		`{"fields":{"title":{"en-US":"kept"}}}`)
	a.kill()
	calls := rx.waitFor(t, 20*time.Second, "the auto_save from the other gateway", func(c []call) bool {
		return countTopics(c, is("ContentManagement.Entry.auto_save")) == 1
	})
	for _, c := range calls {
		if c.topic() == "ContentManagement.Entry.auto_save" && dig(c.json(t), "fields", "title", "en-US") != "kept" {
			t.Errorf("auto_save body %s; want the held draft", c.Body)
		}
	}
}

// TestScaleOutGatewayDiesMidAction starts a bulk publish through one
// gateway and kills it before the CMS has run the action: the other
// gateway follows it and sends the publishes once a request to the space
// brings it credentials.
func TestScaleOutGatewayDiesMidAction(t *testing.T) {
	cluster := startNATSCluster(t, 3)
	rx := newReceiver(t)
	cms := slowActionCMS(t)
	a, ga, gb := startNATSPair(t, rx, cluster.URL(), strings.TrimPrefix(cms, "http://"), "")
	ga.cms, gb.cms = cms, cms

	bulkID := ga.startBulkPublish("e1", "e2")
	a.kill()

	gb.waitBulkRan(masterEnv, bulkID)
	gb.write(201, "PUT", masterEnv+"/entries/e3", map[string]string{"X-Contentful-Content-Type": "post"}, `{"fields":{}}`)
	checkBulkPublishes(t, rx, bulkID, "e1", "e2")
}
