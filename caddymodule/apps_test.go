package caddymodule

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cmsevents/caddy-cms-events/sandbox"
)

// appSecretValue is the signing secret of the app in the app tests.
const appSecretValue = "appSigningSecret-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJK"

// A Contentful app gets its events from the gateway: the subscription,
// signing secret and installation are learned from writes, each event of
// an environment where the app is installed and whose topic it takes is
// sent to its targetUrl signed with its secret, and all of it survives a
// restart.
func TestAppEvents(t *testing.T) {
	rx := newReceiver(t)
	// The CMS outlives the gateway's restart.
	cms := sandbox.New()
	t.Cleanup(cms.Close)
	upstream := httptest.NewServer(cms)
	t.Cleanup(upstream.Close)
	g := newGateway(t)
	cfg := gatewayConfig{upstream: strings.TrimPrefix(upstream.URL, "http://")}
	g.load(cfg)
	def := g.write(201, "POST", "/organizations/org1/app_definitions", nil, `{"name":"Defaults","src":"https://app.example/","locations":[{"location":"app-config"}]}`)
	app, _ := dig(def, "sys", "id").(string)
	g.write(201, "PUT", "/organizations/org1/app_definitions/"+app+"/event_subscription", nil,
		`{"targetUrl":"`+rx.URL+`/app-events","topics":["Entry.create","AppInstallation.create","AppInstallation.delete"]}`)
	secret := g.write(201, "PUT", "/organizations/org1/app_definitions/"+app+"/signing_secret", nil, `{"value":"`+appSecretValue+`"}`)
	if dig(secret, "redactedValue") != appSecretValue[len(appSecretValue)-4:] {
		t.Fatalf("signing secret answer: %v", secret)
	}
	g.write(201, "PUT", "/spaces/sp1/environments/master/app_installations/"+app, nil, `{"parameters":{}}`)
	calls := rx.waitCalls(t, 1)
	if calls[0].topic() != "AppManagement.AppInstallation.create" || calls[0].Path != "/app-events" {
		t.Fatalf("installation event: %s %s", calls[0].Path, calls[0].topic())
	}
	verifySignatureWith(t, calls[0], appSecretValue)

	// Entry.create goes to the app; Entry.save (not subscribed) and writes
	// in an environment without the app do not.
	ct := map[string]string{"X-Contentful-Content-Type": "post"}
	g.write(201, "PUT", "/spaces/sp1/environments/master/entries/e1", ct, `{"fields":{}}`)
	g.write(200, "PUT", "/spaces/sp1/environments/master/entries/e1", map[string]string{"X-Contentful-Version": "1"}, `{"fields":{"title":{"en-US":"Default"}}}`)
	g.write(201, "PUT", "/spaces/sp1/environments/staging", nil, `{"name":"staging"}`)
	g.write(201, "PUT", "/spaces/sp1/environments/staging/entries/e2", ct, `{"fields":{}}`)
	calls = rx.waitCalls(t, 2)
	c := calls[1]
	if c.topic() != "ContentManagement.Entry.create" || c.Header.Get("X-Contentful-Crn") != "crn:contentful:::content:spaces/sp1/environments/master/entries/e1" {
		t.Fatalf("entry event: %s %v", c.topic(), c.Header)
	}
	verifySignatureWith(t, c, appSecretValue)
	if c.Header.Get("X-Contentful-App-Id") != app || c.Header.Get("X-Contentful-Space-Id") != "sp1" || c.Header.Get("X-Contentful-Environment-Id") != "master" ||
		!strings.Contains(c.Header.Get("X-Contentful-Signed-Headers"), "x-contentful-app-id") {
		t.Fatalf("app event context headers: %v", c.Header)
	}
	if id, _ := dig(c.json(t), "sys", "id").(string); id != "e1" {
		t.Fatalf("entry event body: %s", c.Body)
	}

	// The app's calls are in the admin API's call log as webhook app.<id>.
	res, err := http.Get("http://localhost:2999/cms_events/webhooks/app." + app + "/calls")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("the app's call log: status %d", res.StatusCode)
	}

	// Removing the app sends its AppInstallation.delete and nothing after.
	g.write(204, "DELETE", "/spaces/sp1/environments/master/app_installations/"+app, nil, "")
	calls = rx.waitCalls(t, 3)
	if calls[2].topic() != "AppManagement.AppInstallation.delete" {
		t.Fatalf("uninstall event: %s", calls[2].topic())
	}
	g.write(201, "PUT", "/spaces/sp1/environments/master/entries/e3", ct, `{"fields":{}}`)
	g.write(201, "PUT", "/spaces/sp1/environments/master/app_installations/"+app, nil, `{"parameters":{}}`)
	// The deliveries of e3 (none) were queued before the reinstall's.
	calls = rx.waitCalls(t, 4)
	if len(calls) != 4 || calls[3].topic() != "AppManagement.AppInstallation.create" {
		t.Fatalf("the uninstalled app got %s", topics(calls[3:]))
	}

	// After a restart the app still gets its events.
	unloadConfig(t)
	g.load(cfg)
	g.write(201, "PUT", "/spaces/sp1/environments/master/entries/e4", ct, `{"fields":{}}`)
	calls = rx.waitCalls(t, 5)
	if calls[4].topic() != "ContentManagement.Entry.create" {
		t.Fatalf("after a restart: %s", calls[4].topic())
	}
	verifySignatureWith(t, calls[4], appSecretValue)

	// An installation made elsewhere is learned from the CMS at the first
	// write in its environment after a start.
	g.send(upstream.URL, 201, "PUT", "/spaces/sp1/environments/staging/app_installations/"+app, nil, `{"parameters":{}}`)
	unloadConfig(t)
	g.load(cfg)
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; ; i++ {
		g.write(201, "PUT", fmt.Sprintf("/spaces/sp1/environments/staging/entries/s%d", i), ct, `{"fields":{}}`)
		if slices.ContainsFunc(rx.snapshot(), func(c call) bool { return c.Header.Get("X-Contentful-Environment-Id") == "staging" }) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("an installation made outside the gateway was not learned from the CMS")
		}
		time.Sleep(50 * time.Millisecond)
	}

	// An app whose subscription was made elsewhere is learned from the CMS
	// when its installation passes through the gateway.
	rx2 := newReceiver(t)
	def2 := g.send(upstream.URL, 201, "POST", "/organizations/org1/app_definitions", nil, `{"name":"Elsewhere","src":"https://app2.example/"}`)
	app2, _ := dig(def2, "sys", "id").(string)
	g.send(upstream.URL, 201, "PUT", "/organizations/org1/app_definitions/"+app2+"/event_subscription", nil,
		`{"targetUrl":"`+rx2.URL+`/app2","topics":["Entry.create"]}`)
	g.write(201, "PUT", "/spaces/sp1/environments/master/app_installations/"+app2, nil, `{"parameters":{}}`)
	deadline = time.Now().Add(10 * time.Second)
	for i := 0; len(rx2.snapshot()) == 0; i++ {
		if time.Now().After(deadline) {
			t.Fatal("the subscription of an app installed through the gateway was not learned from the CMS")
		}
		g.write(201, "PUT", fmt.Sprintf("/spaces/sp1/environments/master/entries/x%d", i), ct, `{"fields":{}}`)
		time.Sleep(50 * time.Millisecond)
	}
	if c := rx2.snapshot()[0]; c.topic() != "ContentManagement.Entry.create" || c.Header.Get("X-Contentful-Signature") != "" {
		t.Fatalf("the learned app's event: %s, signed %q (its secret is unknown)", c.topic(), c.Header.Get("X-Contentful-Signature"))
	}
}
