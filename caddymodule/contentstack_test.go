package caddymodule

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cmsevents/caddy-cms-events/events"
)

// csServers lets Contentstack's api_key header through: Caddy drops
// headers with underscores unless a server expects them.
const csServers = "\tservers {\n\t\texpected_underscore_headers api_key\n\t}"

// csSecret signs the calls of the Contentstack tests.
const csSecret = "contentstack-hmac-secret-0123456789"

// csEnvelope is a Contentstack webhook body as a receiver reads it.
type csEnvelope struct {
	Module      string                     `json:"module"`
	APIKey      string                     `json:"api_key"`
	Event       string                     `json:"event"`
	TriggeredAt string                     `json:"triggered_at"`
	Data        map[string]json.RawMessage `json:"data"`
}

func csBody(t *testing.T, c call) csEnvelope {
	t.Helper()
	var env csEnvelope
	if err := json.Unmarshal(c.Body, &env); err != nil {
		t.Fatalf("call body is not an envelope: %v: %s", err, c.Body)
	}
	return env
}

// csVerify checks a call's X-Contentstack-Hmac-Signature as a receiver
// would: HMAC-SHA256 of "<t>.<body>" with the shared secret.
func csVerify(t *testing.T, c call) {
	t.Helper()
	sig := c.Header.Get("X-Contentstack-Hmac-Signature")
	ts, _, ok := strings.Cut(strings.TrimPrefix(sig, "t="), ",")
	if !ok {
		t.Fatalf("no HMAC signature: %q", sig)
	}
	var unix int64
	if err := json.Unmarshal([]byte(ts), &unix); err != nil {
		t.Fatalf("signature timestamp %q: %v", ts, err)
	}
	if want := events.ContentstackSignature(csSecret, unix, c.Body); sig != want {
		t.Fatalf("signature %q does not verify; want %q", sig, want)
	}
	if d := time.Since(time.Unix(unix, 0)); d < -time.Minute || d > time.Minute {
		t.Fatalf("signature timestamp %s is not now", time.Unix(unix, 0))
	}
}

// Contentstack writes through the gateway become Contentstack webhook
// calls: the envelope, the channels, one call per publish environment,
// the HMAC signature, and Contentstack's rule that a 4xx is retried.
func TestContentstackProfile(t *testing.T) {
	all, entries, retried := newReceiver(t), newReceiver(t), newReceiver(t)
	retried.status.Store(http.StatusBadRequest)
	g := startGateway(t, gatewayConfig{sandbox: "contentstack", options: csServers, handler: `		profile contentstack
		signing_secret ` + csSecret + `
		webhook "Everything" ` + all.URL + `/all {
			channels $all
			header X-Source contentstack
			basic_auth ci ci-password
		}
		webhook "Blog entries" ` + entries.URL + `/blog {
			channels content_types.blog.entries.* content_types.entries.environments.production.publish.success
		}
		webhook "Retried" ` + retried.URL + `/retried {
			channels assets.create
			retry 2 50ms
		}`})
	stack := map[string]string{"api_key": "blt0000000000000001", "authorization": "cs-token"}

	g.write(201, "POST", "/v3/content_types", stack, `{"content_type":{"title":"Blog","uid":"blog","schema":[{"uid":"title","data_type":"text","display_name":"Title","mandatory":true}]}}`)
	created := g.write(201, "POST", "/v3/content_types/blog/entries?locale=en-us", stack, `{"entry":{"title":"Hello"}}`)
	uid, _ := dig(created, "entry", "uid").(string)
	g.write(200, "PUT", "/v3/content_types/blog/entries/"+uid, stack, `{"entry":{"title":"Hello again"}}`)
	g.write(200, "POST", "/v3/content_types/blog/entries/"+uid+"/publish", stack, `{"entry":{"environments":["development","production"],"locales":["en-us"]}}`)

	calls := all.waitCalls(t, 5)
	var got []string
	for _, c := range calls {
		env := csBody(t, c)
		got = append(got, env.Module+"."+env.Event)
		csVerify(t, c)
		if c.Header.Get("User-Agent") != "Contentstack" || c.Header.Get("Content-Type") != "application/json" || c.Header.Get("X-Source") != "contentstack" {
			t.Errorf("headers: %v", c.Header)
		}
		if user, pw, ok := (&http.Request{Header: c.Header}).BasicAuth(); !ok || user != "ci" || pw != "ci-password" {
			t.Errorf("basic auth: %q %q %v", user, pw, ok)
		}
		if env.APIKey != stack["api_key"] {
			t.Errorf("api_key = %q", env.APIKey)
		}
		if _, err := time.Parse("2006-01-02T15:04:05.000Z", env.TriggeredAt); err != nil {
			t.Errorf("triggered_at %q: %v", env.TriggeredAt, err)
		}
	}
	want := []string{"content_type.create", "entry.create", "entry.update", "entry.publish", "entry.publish"}
	if !slices.Equal(got, want) {
		t.Fatalf("calls %v, want %v", got, want)
	}
	update := csBody(t, calls[2])
	if !strings.Contains(string(update.Data["entry"]), `"Hello again"`) || !strings.Contains(string(update.Data["content_type"]), `"uid":"blog"`) {
		t.Errorf("update data: %s", calls[2].Body)
	}
	var envs []string
	for _, c := range calls[3:] {
		env := csBody(t, c)
		var e struct {
			Name string `json:"name"`
			UID  string `json:"uid"`
		}
		json.Unmarshal(env.Data["environment"], &e)
		envs = append(envs, e.Name)
		if e.UID == "" || string(env.Data["locale"]) != `"en-us"` || string(env.Data["action"]) != `"publish"` || !strings.Contains(string(env.Data["entry"]), uid) {
			t.Errorf("publish data: %s", c.Body)
		}
	}
	if !slices.Equal(envs, []string{"development", "production"}) {
		t.Errorf("one publish call per environment: %v", envs)
	}

	// The channel webhook got create and update of blog entries, and the
	// publish to production only.
	blog := entries.waitCalls(t, 3)
	got = got[:0]
	for _, c := range blog {
		env := csBody(t, c)
		got = append(got, env.Event)
	}
	if !slices.Equal(got, []string{"create", "update", "publish"}) || !strings.Contains(string(csBody(t, blog[2]).Data["environment"]), "production") {
		t.Fatalf("channel webhook calls: %v", got)
	}

	// A 400 is retried (Contentstack retries every answer that is not 2xx).
	g.write(201, "POST", "/v3/assets", map[string]string{"api_key": stack["api_key"], "authorization": "cs-token", "Content-Type": "multipart/form-data; boundary=XX"},
		"--XX\r\nContent-Disposition: form-data; name=\"asset[upload]\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XX--\r\n")
	tries := retried.waitCalls(t, 2)
	if tries[0].Header.Get("Idempotency-Key") == "" || tries[0].Header.Get("Idempotency-Key") != tries[1].Header.Get("Idempotency-Key") ||
		tries[1].Header.Get("X-Webhook-Request-Attempt") != "2" {
		t.Fatalf("retry headers: %v / %v", tries[0].Header, tries[1].Header)
	}

	// A delete answers only a notice; the event carries the entry as it was.
	g.write(200, "DELETE", "/v3/content_types/blog/entries/"+uid, stack, "")
	calls = all.waitCalls(t, 7)
	del := csBody(t, calls[len(calls)-1])
	if del.Event != "delete" || !strings.Contains(string(del.Data["entry"]), `"Hello again"`) {
		t.Fatalf("delete call: %s", calls[len(calls)-1].Body)
	}
	// The channel webhook's deliveries were all queued before the answers:
	// the delete is its fourth and last call, the development publish none.
	blog = entries.waitCalls(t, 4)
	if len(blog) != 4 || csBody(t, blog[3]).Event != "delete" {
		t.Fatalf("channel webhook calls: %d", len(blog))
	}
}

// Contentful-only subdirectives are refused with the contentstack profile.
func TestContentstackProfileRefusesContentfulOptions(t *testing.T) {
	h := &Handler{Profile: "contentstack", WebhooksAPI: true, generic: true}
	if err := h.checkContentfulOnly(); err == nil || !strings.Contains(err.Error(), "webhooks_api") {
		t.Fatalf("webhooks_api with contentstack: %v", err)
	}
	if err := validSecret(false, "short"); err == nil || strings.Contains(err.Error(), "short") {
		t.Fatalf("a short secret: %v", err)
	}
}
