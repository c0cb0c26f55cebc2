package caddymodule

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

var hex64 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// webhookAll is a webhook block that subscribes rx to every topic, with
// fast retries so that tests do not wait for Contentful's 30 s.
func webhookAll(rx *receiver, extra string) string {
	return fmt.Sprintf(`		webhook "Test hook" %s/hook {
			topics *.*
			retry 5 100ms
			timeout 5s
%s
		}`, rx.URL, extra)
}

// TestEntryLifecycle drives an entry and its content type through every
// write and checks each webhook call's topic, headers and body shape.
func TestEntryLifecycle(t *testing.T) {
	rx := newReceiver(t)
	g := startGateway(t, gatewayConfig{handler: webhookAll(rx, "")})
	const env = "/spaces/sp1/environments/master"

	ct := g.write(201, "PUT", env+"/content_types/post", nil,
		`{"name":"Post","displayField":"title","fields":[{"id":"title","name":"Title","type":"Symbol"}]}`)
	g.write(200, "PUT", env+"/content_types/post/published", map[string]string{"X-Contentful-Version": version(t, ct)}, "")
	e := g.write(201, "PUT", env+"/entries/post-1", map[string]string{"X-Contentful-Content-Type": "post"},
		`{"fields":{"title":{"en-US":"Hello"}}}`)
	e = g.write(200, "PUT", env+"/entries/post-1", map[string]string{"X-Contentful-Version": version(t, e)},
		`{"fields":{"title":{"en-US":"Hello again"}}}`)
	g.write(200, "PUT", env+"/entries/post-1/published", map[string]string{"X-Contentful-Version": version(t, e)}, "")
	g.write(200, "DELETE", env+"/entries/post-1/published", nil, "")
	g.write(200, "PUT", env+"/entries/post-1/archived", nil, "")
	g.write(200, "DELETE", env+"/entries/post-1/archived", nil, "")
	g.write(204, "DELETE", env+"/entries/post-1", nil, "")
	created := g.write(201, "POST", env+"/entries", map[string]string{"X-Contentful-Content-Type": "post"},
		`{"fields":{"title":{"en-US":"Posted"}}}`)
	g.write(200, "DELETE", env+"/content_types/post/published", nil, "")
	g.write(204, "DELETE", env+"/content_types/post", nil, "")

	want := []string{
		"ContentManagement.ContentType.create",
		"ContentManagement.ContentType.publish",
		"ContentManagement.Entry.create",
		"ContentManagement.Entry.save",
		"ContentManagement.Entry.publish",
		"ContentManagement.Entry.unpublish",
		"ContentManagement.Entry.archive",
		"ContentManagement.Entry.unarchive",
		"ContentManagement.Entry.delete",
		"ContentManagement.Entry.create",
		"ContentManagement.ContentType.unpublish",
		"ContentManagement.ContentType.delete",
	}
	calls := rx.waitCalls(t, len(want))
	if got := topics(calls); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("topics:\n got %v\nwant %v", got, want)
	}

	keys := map[string]bool{}
	for i, c := range calls {
		h := c.Header
		if c.Method != "POST" || c.Path != "/hook" {
			t.Errorf("call %d: %s %s, want POST /hook", i, c.Method, c.Path)
		}
		if got := h.Get("Content-Type"); got != "application/vnd.contentful.management.v1+json" {
			t.Errorf("call %d: Content-Type %q", i, got)
		}
		if got := h.Get("X-Contentful-Webhook-Name"); got != "Test hook" {
			t.Errorf("call %d: X-Contentful-Webhook-Name %q", i, got)
		}
		if got := h.Get("X-Contentful-Webhook-Request-Attempt"); got != "1" {
			t.Errorf("call %d: X-Contentful-Webhook-Request-Attempt %q", i, got)
		}
		key := h.Get("X-Contentful-Idempotency-Key")
		if !hex64.MatchString(key) || keys[key] {
			t.Errorf("call %d: idempotency key %q is not a fresh SHA-256 hex", i, key)
		}
		keys[key] = true
		if _, err := time.Parse("2006-01-02T15:04:05.000Z", h.Get("X-Contentful-Event-Datetime")); err != nil {
			t.Errorf("call %d: X-Contentful-Event-Datetime %q: %v", i, h.Get("X-Contentful-Event-Datetime"), err)
		}
	}
	if got, want := calls[2].Header.Get("X-Contentful-CRN"), "crn:contentful:::content:spaces/sp1/environments/master/entries/post-1"; got != want {
		t.Errorf("entry CRN %q, want %q", got, want)
	}
	if got, want := calls[0].Header.Get("X-Contentful-CRN"), "crn:contentful:::content:spaces/sp1/environments/master/content_types/post"; got != want {
		t.Errorf("content type CRN %q, want %q", got, want)
	}

	// create and save carry the CMA draft.
	for _, i := range []int{2, 3} {
		b := calls[i].json(t)
		if dig(b, "sys", "type") != "Entry" || dig(b, "sys", "version") == nil || dig(b, "sys", "id") != "post-1" {
			t.Errorf("%s body is not the CMA draft: %s", calls[i].topic(), calls[i].Body)
		}
	}
	if got := dig(calls[3].json(t), "fields", "title", "en-US"); got != "Hello again" {
		t.Errorf("save body has title %v", got)
	}
	// publish: CDA-style sys with revision and no version.
	pub := calls[4].json(t)
	if dig(pub, "sys", "version") != nil || dig(pub, "sys", "revision") != float64(1) || dig(pub, "sys", "publishedVersion") == nil {
		t.Errorf("publish body sys is not CDA-style: %s", calls[4].Body)
	}
	if dig(pub, "sys", "contentType", "sys", "id") != "post" || dig(pub, "fields", "title", "en-US") != "Hello again" {
		t.Errorf("publish body lacks content type or fields: %s", calls[4].Body)
	}
	// unpublish and delete: deletion objects.
	for _, i := range []int{5, 8} {
		b := calls[i].json(t)
		if dig(b, "sys", "type") != "DeletedEntry" || dig(b, "sys", "id") != "post-1" ||
			dig(b, "sys", "contentType", "sys", "id") != "post" || dig(b, "sys", "revision") != float64(1) ||
			dig(b, "sys", "deletedAt") == nil || dig(b, "sys", "environment", "sys", "id") != "master" {
			t.Errorf("%s body is not a DeletedEntry with content type and revision: %s", calls[i].topic(), calls[i].Body)
		}
		if dig(b, "fields") != nil {
			t.Errorf("%s body carries fields: %s", calls[i].topic(), calls[i].Body)
		}
	}
	// archive carries the draft with archive metadata.
	if b := calls[6].json(t); dig(b, "sys", "archivedVersion") == nil {
		t.Errorf("archive body lacks sys.archivedVersion: %s", calls[6].Body)
	}
	// a POST to the collection takes the id from the answer.
	if got, want := dig(calls[9].json(t), "sys", "id"), dig(created, "sys", "id"); got != want || got == nil {
		t.Errorf("POST create body id %v, answer id %v", got, want)
	}
	// content types: publish is CDA-style, unpublish and delete are
	// DeletedContentType objects.
	if b := calls[1].json(t); dig(b, "sys", "version") != nil || dig(b, "sys", "revision") == nil || dig(b, "name") != "Post" {
		t.Errorf("content type publish body: %s", calls[1].Body)
	}
	for _, i := range []int{10, 11} {
		if b := calls[i].json(t); dig(b, "sys", "type") != "DeletedContentType" || dig(b, "sys", "id") != "post" {
			t.Errorf("%s body is not a DeletedContentType: %s", calls[i].topic(), calls[i].Body)
		}
	}
}

// TestAssetLifecycle checks the asset topics and the DeletedAsset shape.
func TestAssetLifecycle(t *testing.T) {
	rx := newReceiver(t)
	g := startGateway(t, gatewayConfig{handler: webhookAll(rx, "")})
	const env = "/spaces/sp1/environments/master"

	a := g.write(201, "PUT", env+"/assets/img-1", nil,
		`{"fields":{"title":{"en-US":"Logo"},"file":{"en-US":{"contentType":"image/png","fileName":"logo.png","upload":"https://example.com/logo.png"}}}}`)
	g.write(204, "PUT", env+"/assets/img-1/files/en-US/process", map[string]string{"X-Contentful-Version": version(t, a)}, "")
	a = g.direct(200, "GET", env+"/assets/img-1", nil, "")
	g.write(200, "PUT", env+"/assets/img-1/published", map[string]string{"X-Contentful-Version": version(t, a)}, "")
	g.write(200, "DELETE", env+"/assets/img-1/published", nil, "")
	g.write(200, "PUT", env+"/assets/img-1/archived", nil, "")
	g.write(200, "DELETE", env+"/assets/img-1/archived", nil, "")
	g.write(204, "DELETE", env+"/assets/img-1", nil, "")

	want := []string{
		"ContentManagement.Asset.create",
		"ContentManagement.Asset.publish",
		"ContentManagement.Asset.unpublish",
		"ContentManagement.Asset.archive",
		"ContentManagement.Asset.unarchive",
		"ContentManagement.Asset.delete",
	}
	calls := rx.waitCalls(t, len(want))
	if got := topics(calls); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("topics:\n got %v\nwant %v", got, want)
	}
	if got := calls[0].Header.Get("X-Contentful-CRN"); got != "crn:contentful:::content:spaces/sp1/environments/master/assets/img-1" {
		t.Errorf("asset CRN %q", got)
	}
	if b := calls[1].json(t); dig(b, "sys", "version") != nil || dig(b, "sys", "revision") == nil || dig(b, "fields", "file") == nil {
		t.Errorf("asset publish body: %s", calls[1].Body)
	}
	for _, i := range []int{2, 5} {
		b := calls[i].json(t)
		if dig(b, "sys", "type") != "DeletedAsset" || dig(b, "sys", "contentType") != nil || dig(b, "sys", "id") != "img-1" {
			t.Errorf("%s body is not a DeletedAsset: %s", calls[i].topic(), calls[i].Body)
		}
	}
}
