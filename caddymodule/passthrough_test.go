package caddymodule

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// marker makes one write that always makes an event, and waits for its
// call: everything sent before it has been delivered by then (one worker,
// due-time order), so the calls before it are all the earlier writes made.
func marker(t *testing.T, g *gateway, rx *receiver, id string) []call {
	t.Helper()
	g.write(201, "PUT", "/spaces/sp1/environments/master/entries/"+id, map[string]string{"X-Contentful-Content-Type": "post"}, `{"fields":{}}`)
	return rx.waitFor(t, 15e9, "the marker event "+id, func(calls []call) bool {
		for _, c := range calls {
			if strings.HasSuffix(c.Header.Get("X-Contentful-CRN"), "/entries/"+id) {
				return true
			}
		}
		return false
	})
}

// TestNoEventWithoutSuccess checks that failed writes, reads, unknown
// routes and writes outside the master environment (a webhook without
// filters) make no webhook call, and that the client's answer is intact.
func TestNoEventWithoutSuccess(t *testing.T) {
	rx := newReceiver(t)
	g := startGateway(t, gatewayConfig{handler: webhookAll(rx, "")})
	const env = "/spaces/sp1/environments/master"

	e := g.write(201, "PUT", env+"/entries/a", map[string]string{"X-Contentful-Content-Type": "post"}, `{"fields":{}}`)
	marker(t, g, rx, "m1")
	before := len(rx.snapshot())

	g.write(409, "PUT", env+"/entries/a", map[string]string{"X-Contentful-Version": "99"}, `{"fields":{}}`)
	g.write(503, "PUT", env+"/entries/a", map[string]string{"X-Contentful-Version": version(t, e), "X-Sandbox-Fail": "503"}, `{"fields":{}}`)
	g.write(404, "DELETE", env+"/entries/nope", nil, "")
	g.write(404, "PUT", env+"/entries/nope/published", map[string]string{"X-Contentful-Version": "1"}, "")
	g.write(200, "GET", env+"/entries/a", nil, "")
	g.write(200, "GET", env+"/entries", nil, "")
	g.write(404, "PUT", "/spaces/sp1/environments/master/no_such_things/x", nil, "{}")
	g.write(404, "PUT", "/spaces/sp1//entries/x", nil, "{}")
	g.direct(201, "PUT", "/spaces/sp1/environments/staging", nil, `{"name":"staging"}`)
	g.write(201, "PUT", "/spaces/sp1/environments/staging/entries/s1", map[string]string{"X-Contentful-Content-Type": "post"}, `{"fields":{}}`)

	calls := marker(t, g, rx, "m2")
	if extra := calls[before : len(calls)-1]; len(extra) != 0 {
		t.Fatalf("writes that failed or were outside master made calls: %v", topics(extra))
	}
}

// TestLegacyPath checks that /spaces/{s}/entries/{id} is the master
// environment.
func TestLegacyPath(t *testing.T) {
	rx := newReceiver(t)
	g := startGateway(t, gatewayConfig{handler: webhookAll(rx, "")})
	g.write(201, "PUT", "/spaces/sp1/entries/old-1", map[string]string{"X-Contentful-Content-Type": "post"}, `{"fields":{}}`)
	calls := rx.waitCalls(t, 1)
	if got := calls[0].Header.Get("X-Contentful-CRN"); got != "crn:contentful:::content:spaces/sp1/environments/master/entries/old-1" {
		t.Errorf("CRN %q", got)
	}
	if got := dig(calls[0].json(t), "sys", "environment", "sys", "id"); got != "master" {
		t.Errorf("sys.environment.sys.id %v", got)
	}
}

// TestAnswersPassUnchanged compares answers through the gateway with the
// upstream's own, for a read and for a write.
func TestAnswersPassUnchanged(t *testing.T) {
	rx := newReceiver(t)
	g := startGateway(t, gatewayConfig{handler: webhookAll(rx, "")})
	const path = "/spaces/sp1/environments/master/entries/same"
	g.direct(201, "PUT", path, map[string]string{"X-Contentful-Content-Type": "post"}, `{"fields":{"n":{"en-US":1}}}`)

	_, viaGateway := g.do("GET", g.base+path, nil, "")
	_, direct := g.do("GET", g.cms+path, nil, "")
	if !bytes.Equal(viaGateway, direct) {
		t.Errorf("GET through the gateway differs:\n%s\n%s", viaGateway, direct)
	}

	res, body := g.do("PUT", g.base+path, map[string]string{"X-Contentful-Version": "1"}, `{"fields":{"n":{"en-US":2}}}`)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") == "" {
		t.Fatalf("PUT: %d %v", res.StatusCode, res.Header)
	}
	_, now := g.do("GET", g.cms+path, nil, "")
	if !bytes.Equal(body, now) {
		t.Errorf("the write's answer differs from the entity:\n%s\n%s", body, now)
	}
	calls := rx.waitCalls(t, 1)
	if !bytes.Equal(bytes.TrimSpace(calls[0].Body), bytes.TrimSpace(body)) {
		t.Errorf("save payload differs from the answer the client got:\n%s\n%s", calls[0].Body, body)
	}
}

// TestLargeAnswer checks that an answer over max_body passes through whole
// and still makes a (thin) event.
func TestLargeAnswer(t *testing.T) {
	rx := newReceiver(t)
	g := startGateway(t, gatewayConfig{global: "\t\tmax_body 1KiB", handler: webhookAll(rx, "")})
	const path = "/spaces/sp1/environments/master/entries/big"
	big := strings.Repeat("x", 8000)
	res, body := g.do("PUT", g.base+path, map[string]string{"X-Contentful-Content-Type": "post"},
		fmt.Sprintf(`{"fields":{"text":{"en-US":%q}}}`, big))
	if res.StatusCode != 201 || !bytes.Contains(body, []byte(big)) {
		t.Fatalf("large answer did not pass through whole: %d, %d bytes", res.StatusCode, len(body))
	}
	calls := rx.waitCalls(t, 1)
	b := calls[0].json(t)
	if calls[0].topic() != "ContentManagement.Entry.create" || dig(b, "sys", "id") != "big" {
		t.Errorf("thin event: %s %s", calls[0].topic(), calls[0].Body)
	}
}

// TestMalformedAnswer checks that a 2xx answer that is not JSON still makes
// an event with what the path says, and reaches the client unchanged.
func TestMalformedAnswer(t *testing.T) {
	rx := newReceiver(t)
	broken := freePort(t)
	g := startGateway(t, gatewayConfig{
		handler:  webhookAll(rx, ""),
		upstream: fmt.Sprintf("127.0.0.1:%d", broken),
		extra:    fmt.Sprintf("http://127.0.0.1:%d {\n\trespond `{\"sys\": broken` 200\n}\n", broken),
	})
	res, body := g.do("PUT", g.base+"/spaces/sp1/environments/master/entries/odd", nil, `{}`)
	if res.StatusCode != 200 || string(body) != `{"sys": broken` {
		t.Fatalf("answer changed: %d %q", res.StatusCode, body)
	}
	calls := rx.waitCalls(t, 1)
	b := calls[0].json(t)
	if calls[0].topic() != "ContentManagement.Entry.save" || dig(b, "sys", "id") != "odd" || dig(b, "sys", "type") != "Entry" {
		t.Errorf("event from the path: %s %s", calls[0].topic(), calls[0].Body)
	}
}

// TestDeleteOfUnseenEntity checks that the gateway fetches an entity it
// never saw before forwarding its DELETE, for the deletion object.
func TestDeleteOfUnseenEntity(t *testing.T) {
	rx := newReceiver(t)
	g := startGateway(t, gatewayConfig{handler: webhookAll(rx, "")})
	const path = "/spaces/sp1/environments/master/entries/unseen"
	g.direct(201, "PUT", path, map[string]string{"X-Contentful-Content-Type": "article"}, `{"fields":{}}`)
	g.write(204, "DELETE", path, nil, "")
	g.direct(404, "GET", path, nil, "")
	calls := rx.waitCalls(t, 1)
	b := calls[0].json(t)
	if calls[0].topic() != "ContentManagement.Entry.delete" || dig(b, "sys", "type") != "DeletedEntry" ||
		dig(b, "sys", "contentType", "sys", "id") != "article" {
		t.Errorf("delete of an unseen entry: %s %s", calls[0].topic(), calls[0].Body)
	}
}
