package caddymodule

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// apiSecretValue is a space signing secret set through the webhooks API.
const apiSecretValue = "apiSigningSecret-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJK"

// api sends a webhooks API request through the gateway and returns the
// status and the decoded JSON answer (nil when it has none).
func (g *gateway) api(method, path string, header map[string]string, body string) (int, map[string]any) {
	g.t.Helper()
	res, out := g.do(method, g.base+path, header, body)
	var m map[string]any
	if len(out) > 0 {
		if err := json.Unmarshal(out, &m); err != nil {
			g.t.Fatalf("%s %s: answer is not JSON: %v\n%s", method, path, err, out)
		}
	}
	return res.StatusCode, m
}

// wantAPI sends a webhooks API request and fails unless it gets want.
func (g *gateway) wantAPI(want int, method, path string, header map[string]string, body string) map[string]any {
	g.t.Helper()
	status, m := g.api(method, path, header, body)
	if status != want {
		g.t.Fatalf("%s %s: status %d, want %d: %v", method, path, status, want, m)
	}
	return m
}

// wantCMAError checks an error answer's sys.id.
func wantCMAError(t *testing.T, m map[string]any, id string) {
	t.Helper()
	if dig(m, "sys", "type") != "Error" || dig(m, "sys", "id") != id {
		t.Fatalf("answer is not a Contentful %s error: %v", id, m)
	}
}

// apiConfig is a gateway with the webhooks API and one config webhook.
func apiConfig(rx *receiver) gatewayConfig {
	return gatewayConfig{handler: fmt.Sprintf(`		webhooks_api
		webhook "From config" %s/config {
			topics ContentType.*
		}`, rx.URL)}
}

func TestWebhooksAPI(t *testing.T) {
	rx := newReceiver(t)
	g := startGateway(t, apiConfig(rx))
	const defs = "/spaces/sp1/webhook_definitions"

	// A token the CMS refuses gets the CMS's answer, and nothing is made.
	status, m := g.api("POST", defs, map[string]string{"Authorization": "Bearer invalid-token"},
		`{"name":"Nope","url":"`+rx.URL+`/nope","topics":["*.*"]}`)
	if status != http.StatusUnauthorized {
		t.Fatalf("invalid token: status %d, want 401: %v", status, m)
	}
	wantCMAError(t, m, "AccessTokenInvalid")
	if list := g.wantAPI(200, "GET", defs, nil, ""); dig(list, "total") != 1.0 {
		t.Fatalf("the refused POST made a webhook: %v", list)
	}

	created := g.wantAPI(201, "POST", defs, nil, `{
		"name": "Site build",
		"url": "`+rx.URL+`/api",
		"topics": ["Entry.create", "Entry.save"],
		"filters": [],
		"headers": [{"key": "X-Plain", "value": "plain"}, {"key": "X-Api-Key", "value": "key-one", "secret": true}],
		"httpBasicUsername": "ci",
		"httpBasicPassword": "hunter2"
	}`)
	id, _ := dig(created, "sys", "id").(string)
	if len(id) != 22 {
		t.Fatalf("generated id %q is not 22 characters", id)
	}
	for _, want := range []struct {
		path []string
		v    any
	}{
		{[]string{"sys", "type"}, "WebhookDefinition"},
		{[]string{"sys", "version"}, 0.0},
		{[]string{"sys", "space", "sys", "id"}, "sp1"},
		{[]string{"sys", "space", "sys", "linkType"}, "Space"},
		{[]string{"name"}, "Site build"},
		{[]string{"httpBasicUsername"}, "ci"},
		{[]string{"active"}, true},
	} {
		if got := dig(created, want.path...); got != want.v {
			t.Errorf("created %s = %v, want %v", strings.Join(want.path, "."), got, want.v)
		}
	}
	if dig(created, "sys", "createdAt") == nil || dig(created, "sys", "updatedAt") == nil {
		t.Errorf("created sys lacks createdAt or updatedAt: %v", created["sys"])
	}
	raw, _ := json.Marshal(created)
	if strings.Contains(string(raw), "hunter2") || strings.Contains(string(raw), "key-one") {
		t.Fatalf("an answer holds a secret: %s", raw)
	}

	list := g.wantAPI(200, "GET", defs, nil, "")
	items, _ := list["items"].([]any)
	if len(items) != 2 || dig(items[0], "sys", "id") != "from-config" || dig(items[0], "sys", "readOnly") != true || dig(items[1], "sys", "id") != id {
		t.Fatalf("list: want the config webhook (read-only), then %s: %v", id, list)
	}
	if got := g.wantAPI(200, "GET", defs+"/"+id, nil, ""); dig(got, "name") != "Site build" {
		t.Fatalf("GET one: %v", got)
	}
	wantCMAError(t, g.wantAPI(404, "GET", "/spaces/sp2/webhook_definitions/"+id, nil, ""), "NotFound")

	// A write of the space reaches the API webhook, with its headers.
	g.write(201, "PUT", "/spaces/sp1/environments/master/entries/e1", map[string]string{"X-Contentful-Content-Type": "post"}, `{"fields":{}}`)
	calls := rx.waitFor(t, 10*time.Second, "the API webhook's call", func(cs []call) bool { return len(cs) >= 1 })
	c := calls[0]
	if c.Path != "/api" || c.topic() != "ContentManagement.Entry.create" || c.Header.Get("X-Api-Key") != "key-one" || c.Header.Get("X-Plain") != "plain" {
		t.Fatalf("call: %s %s %v", c.Path, c.topic(), c.Header)
	}
	if user, pass, ok := (&http.Request{Header: c.Header}).BasicAuth(); !ok || user != "ci" || pass != "hunter2" {
		t.Fatalf("basic auth %q %q %v", user, pass, ok)
	}
	if c.Header.Get("X-Contentful-Signature") != "" {
		t.Fatalf("a call was signed before the space had a secret")
	}

	// An update needs the current version; secrets sent without a value
	// keep theirs.
	update := `{"name": "Site build 2", "url": "` + rx.URL + `/api", "topics": ["Entry.*"], "filters": [],
		"headers": [{"key": "X-Api-Key", "secret": true}], "httpBasicUsername": "ci"}`
	wantCMAError(t, g.wantAPI(409, "PUT", defs+"/"+id, map[string]string{"X-Contentful-Version": "5"}, update), "VersionMismatch")
	wantCMAError(t, g.wantAPI(409, "PUT", defs+"/"+id, nil, update), "VersionMismatch")
	updated := g.wantAPI(200, "PUT", defs+"/"+id, map[string]string{"X-Contentful-Version": "0"}, update)
	if dig(updated, "sys", "version") != 1.0 || dig(updated, "name") != "Site build 2" || dig(updated, "sys", "createdAt") != dig(created, "sys", "createdAt") {
		t.Fatalf("updated: %v", updated)
	}

	// The space's signing secret signs every call of the space from now on.
	wantCMAError(t, g.wantAPI(404, "GET", "/spaces/sp1/webhook_settings/signing_secret", nil, ""), "NotFound")
	wantCMAError(t, g.wantAPI(422, "PUT", "/spaces/sp1/webhook_settings/signing_secret", nil, `{"value":"short"}`), "ValidationFailed")
	secret := g.wantAPI(200, "PUT", "/spaces/sp1/webhook_settings/signing_secret", nil, `{"value":"`+apiSecretValue+`"}`)
	if secret["redactedValue"] != apiSecretValue[60:] || dig(secret, "sys", "type") != "WebhookSigningSecret" {
		t.Fatalf("signing secret answer: %v", secret)
	}
	if raw, _ := json.Marshal(g.wantAPI(200, "GET", "/spaces/sp1/webhook_settings/signing_secret", nil, "")); strings.Contains(string(raw), apiSecretValue) {
		t.Fatalf("GET signing_secret shows the secret: %s", raw)
	}

	g.write(200, "PUT", "/spaces/sp1/environments/master/entries/e1", map[string]string{"X-Contentful-Version": "1"}, `{"fields":{"a":{"en-US":1}}}`)
	calls = rx.waitFor(t, 10*time.Second, "the updated webhook's call", func(cs []call) bool { return len(cs) >= 2 })
	c = calls[1]
	if c.topic() != "ContentManagement.Entry.save" || c.Header.Get("X-Contentful-Webhook-Name") != "Site build 2" || c.Header.Get("X-Api-Key") != "key-one" {
		t.Fatalf("call after the update: %s %v", c.topic(), c.Header)
	}
	if user, pass, _ := (&http.Request{Header: c.Header}).BasicAuth(); user != "ci" || pass != "hunter2" {
		t.Fatalf("basic auth after the update: %q %q", user, pass)
	}
	verifySignatureWith(t, c, apiSecretValue)

	// The config webhook is signed with the space's secret too.
	g.write(201, "PUT", "/spaces/sp1/environments/master/content_types/ct1", nil, `{"name":"CT","fields":[]}`)
	calls = rx.waitFor(t, 10*time.Second, "the config webhook's call", func(cs []call) bool { return len(cs) >= 3 })
	if calls[2].Path != "/config" {
		t.Fatalf("third call went to %s", calls[2].Path)
	}
	verifySignatureWith(t, calls[2], apiSecretValue)

	// Calls, one call and health, in the admin API's shapes; secrets
	// redacted.
	page := g.wantAPI(200, "GET", "/spaces/sp1/webhooks/"+id+"/calls", nil, "")
	overviews, _ := page["items"].([]any)
	if dig(page, "sys", "type") != "Array" || page["total"] != 2.0 || len(overviews) != 2 {
		t.Fatalf("calls: %v", page)
	}
	first, second := dig(overviews[0], "requestAt").(string), dig(overviews[1], "requestAt").(string)
	if first < second || dig(overviews[0], "eventType") != "save" {
		t.Fatalf("calls are not newest first: %v", overviews)
	}
	callID := dig(overviews[0], "sys", "id").(string)
	details := g.wantAPI(200, "GET", "/spaces/sp1/webhooks/"+id+"/calls/"+callID, nil, "")
	if dig(details, "sys", "type") != "WebhookCallDetails" || dig(details, "request", "headers", "X-Api-Key") != "[redacted]" {
		t.Fatalf("call details: %v", details)
	}
	if raw, _ := json.Marshal(details); strings.Contains(string(raw), "key-one") || strings.Contains(string(raw), "hunter2") {
		t.Fatalf("call details hold a secret: %s", raw)
	}
	health := g.wantAPI(200, "GET", "/spaces/sp1/webhooks/"+id+"/health", nil, "")
	if dig(health, "calls", "total") != 2.0 || dig(health, "calls", "healthy") != 2.0 || dig(health, "sys", "space", "sys", "id") != "sp1" {
		t.Fatalf("health: %v", health)
	}
	wantCMAError(t, g.wantAPI(404, "GET", "/spaces/sp1/webhooks/nope/calls", nil, ""), "NotFound")
	wantCMAError(t, g.wantAPI(404, "GET", "/spaces/sp1/webhooks/"+id+"/calls/nope", nil, ""), "NotFound")

	// The admin API sees the API webhook too.
	res, err := http.Get("http://localhost:2999/cms_events/webhooks/" + id + "/health")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("admin health of the API webhook: %v %v", res, err)
	}
	res.Body.Close()

	// Config webhooks are read-only; bad definitions name the field.
	wantCMAError(t, g.wantAPI(403, "PUT", defs+"/from-config", map[string]string{"X-Contentful-Version": "0"}, update), "AccessDenied")
	wantCMAError(t, g.wantAPI(403, "DELETE", defs+"/from-config", nil, ""), "AccessDenied")
	for _, bad := range []struct{ body, field string }{
		{`{"name":"x","url":"ftp://example.com/","topics":["*.*"]}`, "url"},
		{`{"name":"x","url":"http://example.com/","topics":["Entry"]}`, "topics"},
		{`{"name":"x","url":"http://example.com/","topics":["*.*"],"filters":[{"regexp":[{"doc":"sys.id"},{"pattern":"("}]}]}`, "filters"},
		{`{"name":"x","url":"http://example.com/{ /payload","topics":["*.*"]}`, "url"},
		{`{"name":"x","url":"http://example.com/","topics":["*.*"],"headers":[{"key":"X-New","secret":true}]}`, "headers"},
	} {
		m := g.wantAPI(422, "PUT", defs+"/bad-one", nil, bad.body)
		wantCMAError(t, m, "ValidationFailed")
		if field := dig(m, "details", "errors"); field == nil || dig(m["details"].(map[string]any)["errors"].([]any)[0], "path") == nil ||
			m["details"].(map[string]any)["errors"].([]any)[0].(map[string]any)["path"].([]any)[0] != bad.field {
			t.Errorf("%s: want a ValidationFailed naming %s, got %v", bad.body, bad.field, m)
		}
	}
	wantCMAError(t, g.wantAPI(400, "POST", defs, nil, `{not json`), "BadRequest")
	wantCMAError(t, g.wantAPI(404, "GET", defs+"/bad-one", nil, ""), "NotFound")

	// PUT of a new id creates it; ids are unique across spaces.
	g.wantAPI(201, "PUT", defs+"/by-id", nil, `{"name":"By id","url":"`+rx.URL+`/by-id","topics":["Asset.*"]}`)
	m = g.wantAPI(422, "PUT", "/spaces/sp2/webhook_definitions/by-id", nil, `{"name":"Other","url":"`+rx.URL+`/x","topics":["*.*"]}`)
	wantCMAError(t, m, "ValidationFailed")

	// DELETE: 204, then gone, and no more calls.
	g.wantAPI(204, "DELETE", defs+"/"+id, nil, "")
	wantCMAError(t, g.wantAPI(404, "GET", defs+"/"+id, nil, ""), "NotFound")
	wantCMAError(t, g.wantAPI(404, "DELETE", defs+"/"+id, nil, ""), "NotFound")
	g.write(200, "PUT", "/spaces/sp1/environments/master/entries/e1", map[string]string{"X-Contentful-Version": "2"}, `{"fields":{}}`)
	g.write(200, "PUT", "/spaces/sp1/environments/master/content_types/ct1", map[string]string{"X-Contentful-Version": "1"}, `{"name":"CT2","fields":[]}`)
	calls = rx.waitFor(t, 10*time.Second, "the config webhook's second call", func(cs []call) bool { return len(cs) >= 4 })
	for _, c := range calls[3:] {
		if c.Path == "/api" {
			t.Fatalf("the deleted webhook was called: %s", c.topic())
		}
	}
	g.wantAPI(204, "DELETE", "/spaces/sp1/webhook_settings/signing_secret", nil, "")
	wantCMAError(t, g.wantAPI(404, "GET", "/spaces/sp1/webhook_settings/signing_secret", nil, ""), "NotFound")

	m = g.wantAPI(405, "PATCH", defs, nil, "")
	wantCMAError(t, m, "MethodNotAllowed")
}

// Without webhooks_api, the routes reach the CMS (the sandbox has none).
func TestWebhooksAPIOff(t *testing.T) {
	g := startGateway(t, gatewayConfig{})
	status, m := g.api("POST", "/spaces/sp1/webhook_definitions", nil, `{"name":"x","url":"http://example.com/","topics":["*.*"]}`)
	if status != http.StatusNotFound {
		t.Fatalf("status %d, want the sandbox's 404: %v", status, m)
	}
	if msg, _ := m["message"].(string); !strings.Contains(msg, "sandbox") {
		t.Fatalf("the answer did not come from the CMS: %v", m)
	}
}

// Definitions and secrets made through the API survive a restart, and a
// config webhook may not take an API webhook's id.
func TestWebhooksAPIRestart(t *testing.T) {
	rx := newReceiver(t)
	g := newGateway(t)
	cfg := gatewayConfig{handler: "\t\twebhooks_api"}
	g.load(cfg)

	g.wantAPI(201, "PUT", "/spaces/sp1/webhook_definitions/kept", nil,
		`{"name":"Kept","url":"`+rx.URL+`/kept","topics":["Entry.create"],"headers":[{"key":"X-Key","value":"k1","secret":true}]}`)
	g.wantAPI(200, "PUT", "/spaces/sp1/webhook_settings/signing_secret", nil, `{"value":"`+apiSecretValue+`"}`)

	// Unloading closes the store; the next config opens it from disk.
	unloadConfig(t)
	g.load(cfg)
	got := g.wantAPI(200, "GET", "/spaces/sp1/webhook_definitions/kept", nil, "")
	if dig(got, "name") != "Kept" || dig(got, "sys", "version") != 0.0 {
		t.Fatalf("after a restart: %v", got)
	}
	g.write(201, "PUT", "/spaces/sp1/environments/master/entries/r1", map[string]string{"X-Contentful-Content-Type": "post"}, `{"fields":{}}`)
	c := rx.waitCalls(t, 1)[0]
	if c.Header.Get("X-Key") != "k1" {
		t.Fatalf("the secret header was not kept across the restart: %v", c.Header)
	}
	verifySignatureWith(t, c, apiSecretValue)

	// A config whose webhook takes the id is refused; the old one runs on.
	clash := cfg
	clash.handler += fmt.Sprintf(`
		webhook "Kept" %s/clash {
			topics *.*
		}`, rx.URL)
	res, err := http.Post("http://localhost:2999/load", "text/caddyfile", strings.NewReader(g.caddyfile(clash)))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode == http.StatusOK || !strings.Contains(string(body), "webhooks API") {
		t.Fatalf("a config webhook took the id of an API webhook: status %d: %s", res.StatusCode, body)
	}
	g.wantAPI(200, "GET", "/spaces/sp1/webhook_definitions/kept", nil, "")
}
