package caddymodule

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cmsevents/caddy-cms-events/delivery"
)

const testSecret = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ01"

// TestWebhookParity runs one webhook with filters, a transformation, custom
// and secret headers, basic auth and signing through real Caddy, and checks
// which writes call it and what each call looks like.
func TestWebhookParity(t *testing.T) {
	rx := newReceiver(t)
	g := startGateway(t, gatewayConfig{handler: fmt.Sprintf(`		signing_secret %s
		webhook "Parity" "%s/hooks/{ /payload/sys/space/sys/id }?src=gw" {
			topics Entry.save Entry.publish
			filter equals sys.environment.sys.id master
			filter not in sys.contentType.sys.id internal draftOnly
			filter regexp sys.id ^post-
			header X-Source contentful
			secret_header X-Api-Key topsecret-value
			basic_auth ci hunter2-password
			retry 3 100ms
			transform {
				method PUT
				content_type "application/json; charset=utf-8"
				include_content_length
				body `+"`"+`{"id": "{ /payload/sys/id }", "topic": "{ /topic }", "short": "{ first-chars 3 /payload/fields/title/en-US }", "fields": "{ /payload/fields }", "user": "{ /user/sys/id }"}`+"`"+`
			}
		}`, testSecret, rx.URL)})
	const env = "/spaces/sp1/environments/master"
	ct := map[string]string{"X-Contentful-Content-Type": "blog"}

	g.direct(201, "PUT", "/spaces/sp1/environments/staging", nil, `{"name":"staging"}`)
	for _, path := range []string{env + "/entries/post-1", env + "/entries/other-1", "/spaces/sp1/environments/staging/entries/post-3"} {
		g.direct(201, "PUT", path, ct, `{"fields":{}}`)
	}
	g.direct(201, "PUT", env+"/entries/post-2", map[string]string{"X-Contentful-Content-Type": "internal"}, `{"fields":{}}`)

	// Saves that the filters refuse: wrong id, refused content type, other environment.
	g.write(200, "PUT", env+"/entries/other-1", map[string]string{"X-Contentful-Version": "1"}, `{"fields":{}}`)
	g.write(200, "PUT", env+"/entries/post-2", map[string]string{"X-Contentful-Version": "1"}, `{"fields":{}}`)
	g.write(200, "PUT", "/spaces/sp1/environments/staging/entries/post-3", map[string]string{"X-Contentful-Version": "1"}, `{"fields":{}}`)
	// A save and a publish that pass.
	g.write(200, "PUT", env+"/entries/post-1", map[string]string{"X-Contentful-Version": "1"}, `{"fields":{"title":{"en-US":"Hello"}}}`)
	g.write(200, "PUT", env+"/entries/post-1/published", map[string]string{"X-Contentful-Version": "2"}, "")
	// A last matching save: with one worker, calls arrive in the order of
	// the writes, so once it is in, any wrongly matched call would be too.
	g.write(200, "PUT", env+"/entries/post-1", map[string]string{"X-Contentful-Version": "3"}, `{"fields":{"title":{"en-US":"Hello"}}}`)

	calls := rx.waitFor(t, 15*time.Second, "the last save", func(c []call) bool {
		return len(c) > 0 && c[len(c)-1].topic() == "ContentManagement.Entry.save" && len(c) >= 3
	})
	if got := topics(calls); strings.Join(got, " ") != "ContentManagement.Entry.save ContentManagement.Entry.publish ContentManagement.Entry.save" {
		t.Fatalf("calls: %v", got)
	}
	for i, c := range calls {
		h := c.Header
		if c.Method != "PUT" || c.Path != "/hooks/sp1?src=gw" {
			t.Errorf("call %d: %s %s, want PUT /hooks/sp1?src=gw", i, c.Method, c.Path)
		}
		if h.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Errorf("call %d: Content-Type %q", i, h.Get("Content-Type"))
		}
		if n, _ := strconv.Atoi(h.Get("Content-Length")); n != len(c.Body) || n == 0 {
			t.Errorf("call %d: Content-Length %q for a %d-byte body", i, h.Get("Content-Length"), len(c.Body))
		}
		if h.Get("X-Source") != "contentful" || h.Get("X-Api-Key") != "topsecret-value" {
			t.Errorf("call %d: custom headers %q %q", i, h.Get("X-Source"), h.Get("X-Api-Key"))
		}
		if want := "Basic " + base64.StdEncoding.EncodeToString([]byte("ci:hunter2-password")); h.Get("Authorization") != want {
			t.Errorf("call %d: Authorization %q", i, h.Get("Authorization"))
		}
		b := c.json(t)
		if b["id"] != "post-1" || b["topic"] != c.topic() || b["short"] != "Hel" || b["user"] == "" {
			t.Errorf("call %d: transformed body %s", i, c.Body)
		}
		if dig(b, "fields", "title", "en-US") != "Hello" {
			t.Errorf("call %d: whole-value pointer did not keep the object: %s", i, c.Body)
		}
		verifySignature(t, c)
	}
}

// verifySignature recomputes a call's signature from what was received, as
// Contentful's verifyRequest does.
func verifySignature(t *testing.T, c call) {
	t.Helper()
	verifySignatureWith(t, c, testSecret)
}

// verifySignatureWith checks a call's signature against secret.
func verifySignatureWith(t *testing.T, c call, secret string) {
	t.Helper()
	signed := strings.Split(c.Header.Get("X-Contentful-Signed-Headers"), ",")
	headers := map[string]string{}
	for _, name := range signed {
		if name == "x-contentful-signed-headers" || name == "x-contentful-timestamp" {
			continue
		}
		if c.Header.Values(name) == nil {
			t.Fatalf("signed header %s was not sent", name)
		}
		headers[name] = c.Header.Get(name)
	}
	for name := range c.Header {
		lower := strings.ToLower(name)
		if (lower == "content-type" || strings.HasPrefix(lower, "x-contentful-")) && lower != "x-contentful-signature" && !contains(signed, lower) {
			t.Errorf("%s was sent but not signed", lower)
		}
	}
	ms, err := strconv.ParseInt(c.Header.Get("X-Contentful-Timestamp"), 10, 64)
	if err != nil {
		t.Fatalf("timestamp: %v", err)
	}
	sig, _, _ := delivery.Sign(secret, c.Method, c.Path, headers, c.Body, time.UnixMilli(ms))
	if sig != c.Header.Get("X-Contentful-Signature") {
		t.Errorf("signature %s does not verify (want %s)", c.Header.Get("X-Contentful-Signature"), sig)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
