package caddymodule

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/cmsevents/caddy-cms-events/delivery"
	"github.com/cmsevents/caddy-cms-events/events"
	"github.com/cmsevents/caddy-cms-events/sandbox"
)

// peer is one gateway process on a NATS stream, without Caddy: its shared
// state and a handler in front of the CMS, and, when it dispatches, a
// running dispatcher with the API webhooks and the apps.
type peer struct {
	t    *testing.T
	sh   *shared
	h    *Handler
	d    *delivery.Dispatcher // nil unless it dispatches
	next caddyhttp.Handler
}

// startPeer opens the shared state of a gateway on the stream of the NATS
// server at url, as a gateway process does, with cms as its upstream, and
// starts a dispatcher if dispatch is set. All of it stops when the test
// ends.
func startPeer(t *testing.T, url, stream string, cms http.Handler, dispatch bool) *peer {
	t.Helper()
	if err := initMetrics(prometheus.NewRegistry()); err != nil {
		t.Fatal(err)
	}
	s := &NATSStorage{URLs: []string{url}, Stream: stream, Timeout: caddy.Duration(5 * time.Second)}
	if err := s.Provision(caddy.Context{}); err != nil {
		t.Fatal(err)
	}
	store, err := s.open(storeOptions{}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	sh, err := openShared(store, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := sh.Destruct(); err != nil {
			t.Errorf("closing a gateway: %v", err)
		}
	})
	// No requests for aliases or app installations beside the writes.
	sh.aliasesAsked.Store("sp1", true)
	sh.apps.markAsked("sp1", "master")
	h := directHandler(sh, zap.NewNop())
	h.WebhooksAPI, h.auth = true, new(authCache)
	h.app.endpoints = &endpointSet{} // a config without webhooks
	p := &peer{t: t, sh: sh, h: h, next: caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		cms.ServeHTTP(w, r)
		return nil
	})}
	if !dispatch {
		return p
	}
	p.d = sh.apps.attach(map[string]*delivery.Endpoint{}, func(eps map[string]*delivery.Endpoint) *delivery.Dispatcher {
		return sh.api.attach(eps, func(eps map[string]*delivery.Endpoint) *delivery.Dispatcher {
			return delivery.NewDispatcher(delivery.DispatcherOptions{Store: store, Workers: 2, Endpoints: eps, Logger: zap.NewNop(), SpaceSecrets: sh.api})
		})
	})
	p.d.Start()
	t.Cleanup(func() {
		sh.api.detach(p.d)
		sh.apps.detach(p.d)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := p.d.Stop(ctx); err != nil {
			t.Errorf("stopping a dispatcher: %v", err)
		}
	})
	return p
}

// send serves a request through the peer's handler, with a token the CMS
// takes, checks its status and returns its decoded JSON answer (nil when it has none).
func (p *peer) send(want int, method, path string, header map[string]string, body string) map[string]any {
	p.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer peer-token")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	if err := p.h.ServeHTTP(rec, req, p.next); err != nil {
		p.t.Fatalf("%s %s: %v", method, path, err)
	}
	if rec.Code != want {
		p.t.Fatalf("%s %s: status %d, want %d: %s", method, path, rec.Code, want, rec.Body)
	}
	var m map[string]any
	if rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			p.t.Fatalf("%s %s: answer is not JSON: %v\n%s", method, path, err, rec.Body)
		}
	}
	return m
}

// dispatches reports whether the peer's dispatcher has the webhook id;
// resuming a webhook that is not paused changes nothing.
func (p *peer) dispatches(id string) bool {
	return p.d.SetPaused(id, false)
}

// waitUntil checks cond until it holds, or fails the test after within.
func waitUntil(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// hasWebhook reports whether whs holds the webhook id.
func hasWebhook(whs []*events.Webhook, id string) bool {
	return slices.ContainsFunc(whs, func(wh *events.Webhook) bool { return wh.ID() == id })
}

// startPeers starts two gateways on one NATS server and stream, in front
// of one CMS: a, which only takes requests, and b, which also dispatches.
func startPeers(t *testing.T, stream string) (a, b *peer) {
	ns := startNATS(t)
	cms := sandbox.New()
	t.Cleanup(cms.Close)
	return startPeer(t, ns.ClientURL(), stream, cms, false), startPeer(t, ns.ClientURL(), stream, cms, true)
}

// A webhook and a space signing secret made through the webhooks API of
// one gateway apply to another gateway on the same NATS stream: its
// events go to the webhook, its dispatcher calls it, signed with the
// secret, and it sees later versions and removals.
func TestFollowedWebhooksAPI(t *testing.T) {
	a, b := startPeers(t, "FOLLOW_API")
	rx := newReceiver(t)
	const id = "followed"
	const def = "/spaces/sp1/webhook_definitions/" + id
	ct := map[string]string{"X-Contentful-Content-Type": "post"}

	a.send(201, "PUT", def, nil, `{"name":"Followed","url":"`+rx.URL+`/v1","topics":["Entry.create"]}`)
	waitUntil(t, 10*time.Second, "gateway b matches the webhook made through a", func() bool {
		return hasWebhook(b.sh.api.matching("sp1"), id)
	})
	if !b.dispatches(id) {
		t.Fatal("gateway b matches the webhook but its dispatcher does not have it")
	}
	b.send(201, "PUT", "/spaces/sp1/environments/master/entries/e1", ct, `{"fields":{}}`)
	if c := rx.waitCalls(t, 1)[0]; c.Path != "/v1" || c.topic() != "ContentManagement.Entry.create" {
		t.Fatalf("call %s %s, want the Entry.create to /v1", c.Path, c.topic())
	}

	a.send(200, "PUT", "/spaces/sp1/webhook_settings/signing_secret", nil, `{"value":"`+apiSecretValue+`"}`)
	waitUntil(t, 10*time.Second, "gateway b has the signing secret set through a", func() bool {
		return b.sh.api.SpaceSecret("sp1") == apiSecretValue
	})
	b.send(201, "PUT", "/spaces/sp1/environments/master/entries/e2", ct, `{"fields":{}}`)
	verifySignatureWith(t, rx.waitCalls(t, 2)[1], apiSecretValue)

	// The version b holds is the one a made: b updates it, and a follows.
	b.send(200, "PUT", def, map[string]string{"X-Contentful-Version": "0"}, `{"name":"Followed","url":"`+rx.URL+`/v2","topics":["Entry.create"]}`)
	waitUntil(t, 10*time.Second, "gateway a has the version made through b", func() bool {
		h, ok := a.sh.api.get(id)
		return ok && h.rec.Version == 1 && strings.HasSuffix(h.rec.Definition.URL, "/v2")
	})

	a.send(204, "DELETE", def, nil, "")
	waitUntil(t, 10*time.Second, "gateway b drops the webhook deleted through a", func() bool {
		_, ok := b.sh.api.get(id)
		return !ok && !hasWebhook(b.sh.api.matching("sp1"), id)
	})
	if b.dispatches(id) {
		t.Fatal("the dispatcher of gateway b still has the webhook deleted through a")
	}
	a.send(204, "DELETE", "/spaces/sp1/webhook_settings/signing_secret", nil, "")
	waitUntil(t, 10*time.Second, "gateway b drops the signing secret deleted through a", func() bool {
		_, ok := b.sh.api.secret("sp1")
		return !ok
	})
}

// An app subscription, signing secret and installation learned from writes
// through one gateway apply to another gateway on the same NATS stream:
// its events go to the app, signed with the app's secret, and it sees the
// installation and subscription removed.
func TestFollowedApps(t *testing.T) {
	a, b := startPeers(t, "FOLLOW_APPS")
	rx := newReceiver(t)
	created := a.send(201, "POST", "/organizations/org1/app_definitions", nil, `{"name":"Followed","src":"https://app.example/","locations":[{"location":"app-config"}]}`)
	app, _ := dig(created, "sys", "id").(string)
	appDef := "/organizations/org1/app_definitions/" + app
	a.send(201, "PUT", appDef+"/event_subscription", nil, `{"targetUrl":"`+rx.URL+`/app-events","topics":["Entry.create"]}`)
	a.send(201, "PUT", appDef+"/signing_secret", nil, `{"value":"`+appSecretValue+`"}`)
	install := "/spaces/sp1/environments/master/app_installations/" + app
	a.send(201, "PUT", install, nil, `{"parameters":{}}`)

	endpoint := appEndpointPrefix + app
	waitUntil(t, 10*time.Second, "gateway b sends the events of master to the app learned through a", func() bool {
		return hasWebhook(b.sh.apps.matching("sp1", "master"), endpoint)
	})
	if !b.dispatches(endpoint) {
		t.Fatal("gateway b matches the app but its dispatcher does not have it")
	}
	b.send(201, "PUT", "/spaces/sp1/environments/master/entries/e1", map[string]string{"X-Contentful-Content-Type": "post"}, `{"fields":{}}`)
	c := rx.waitCalls(t, 1)[0]
	if c.Path != "/app-events" || c.topic() != "ContentManagement.Entry.create" || c.Header.Get("X-Contentful-App-Id") != app {
		t.Fatalf("call %s %s (app %q), want the Entry.create to /app-events of app %s", c.Path, c.topic(), c.Header.Get("X-Contentful-App-Id"), app)
	}
	verifySignatureWith(t, c, appSecretValue)

	a.send(204, "DELETE", install, nil, "")
	waitUntil(t, 10*time.Second, "gateway b drops the installation removed through a", func() bool {
		return !b.sh.apps.installed("sp1", "master", app)
	})
	a.send(204, "DELETE", appDef+"/event_subscription", nil, "")
	waitUntil(t, 10*time.Second, "gateway b drops the subscription deleted through a", func() bool {
		return b.sh.apps.subscription(app) == nil
	})
	if b.dispatches(endpoint) {
		t.Fatal("the dispatcher of gateway b still has the app whose subscription was deleted through a")
	}
}

// orderedBackend is a backend whose Scan reads a record at "v1" after a
// change to "v2" was already followed, as happens when a gateway changes
// a record while another loads.
type orderedBackend struct {
	delivery.Backend
	follow func(key string, value []byte)
}

// Follow keeps fn, to call it from Scan.
func (o *orderedBackend) Follow(_ string, fn func(key string, value []byte)) (func(), error) {
	o.follow = fn
	return func() {}, nil
}

// Scan follows the change to v2 and then reads the older v1.
func (o *orderedBackend) Scan(_ string, fn func(key string, value []byte) error) error {
	o.follow("!f/k", []byte("v2"))
	return fn("!f/k", []byte("v1"))
}

// A change followed while the records load applies after them, so the
// newer value stays.
// TestFollowedAliases checks that an environment alias written through one
// gateway is known to the other, and its removal too.
func TestFollowedAliases(t *testing.T) {
	a, b := startPeers(t, "FOLLOW_ALIASES")
	a.send(201, "PUT", "/spaces/sp1/environment_aliases/prod", nil, `{"environment":{"sys":{"id":"master"}}}`)
	waitUntil(t, 10*time.Second, "gateway b resolves the alias written through a", func() bool {
		target, ok := b.sh.aliases.Resolve("sp1", "prod")
		return ok && target == "master"
	})
	a.send(204, "DELETE", "/spaces/sp1/environment_aliases/prod", nil, "")
	waitUntil(t, 10*time.Second, "gateway b forgets the alias deleted through a", func() bool {
		_, ok := b.sh.aliases.Resolve("sp1", "prod")
		return !ok
	})
}

func TestFollowIndexAppliesChangesAfterLoading(t *testing.T) {
	var applied []string
	stop, err := followIndex(&orderedBackend{}, indexFeed{prefix: "!f/", apply: func(key string, value []byte) {
		applied = append(applied, key+"="+string(value))
	}})
	if err != nil {
		t.Fatal(err)
	}
	stop()
	if want := []string{"!f/k=v1", "!f/k=v2"}; !slices.Equal(applied, want) {
		t.Fatalf("applied %v, want %v", applied, want)
	}
}
