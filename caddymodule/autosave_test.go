package caddymodule

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestAutoSaveThroughCaddy checks that a burst of editor saves of one entry
// becomes one auto_save with the latest draft and no save, that API saves
// still make save, and that a custom matcher replaces the default.
func TestAutoSaveThroughCaddy(t *testing.T) {
	rx := newReceiver(t)
	g := startGateway(t, gatewayConfig{handler: `		auto_save {
			window 2s
			match header X-Editor yes
		}
` + webhookAll(rx, "")})
	const path = "/spaces/sp1/environments/master/entries/doc"
	e := g.write(201, "PUT", path, map[string]string{"X-Contentful-Content-Type": "post"}, `{"fields":{}}`)
	for i := 1; i <= 10; i++ {
		e = g.write(200, "PUT", path, map[string]string{"X-Contentful-Version": version(t, e), "X-Editor": "yes"},
			fmt.Sprintf(`{"fields":{"n":{"en-US":%d}}}`, i))
	}
	// The default header is not an editor save once a matcher is configured.
	g.write(200, "PUT", path, map[string]string{"X-Contentful-Version": version(t, e), "X-Contentful-UI-Content-Auto-Save": "true"},
		`{"fields":{"n":{"en-US":"api"}}}`)

	calls := rx.waitFor(t, 15*time.Second, "the auto_save", func(c []call) bool {
		for _, x := range c {
			if x.topic() == "ContentManagement.Entry.auto_save" {
				return true
			}
		}
		return false
	})
	got := topics(calls)
	if strings.Join(got, " ") != "ContentManagement.Entry.create ContentManagement.Entry.save ContentManagement.Entry.auto_save" {
		t.Fatalf("calls %v, want create, the API save, then one auto_save", got)
	}
	if n := dig(calls[2].json(t), "fields", "n", "en-US"); n != float64(10) {
		t.Errorf("auto_save carries draft %v, want the latest editor draft 10", n)
	}
	if v := dig(calls[2].json(t), "sys", "version"); v != float64(11) {
		t.Errorf("auto_save carries version %v, want 11", v)
	}
}

// TestAutoSaveDefaultMatcher checks Contentful's web app headers.
func TestAutoSaveDefaultMatcher(t *testing.T) {
	rx := newReceiver(t)
	g := startGateway(t, gatewayConfig{handler: "\t\tauto_save {\n\t\t\twindow 500ms\n\t\t}\n" + webhookAll(rx, "")})
	const env = "/spaces/sp1/environments/master"
	a := g.write(201, "PUT", env+"/entries/a", map[string]string{"X-Contentful-Content-Type": "post"}, `{"fields":{}}`)
	b := g.write(201, "PUT", env+"/entries/b", map[string]string{"X-Contentful-Content-Type": "post"}, `{"fields":{}}`)
	g.write(200, "PUT", env+"/entries/a", map[string]string{"X-Contentful-Version": version(t, a), "X-Contentful-UI-Content-Auto-Save": "true"}, `{"fields":{}}`)
	g.write(200, "PUT", env+"/entries/b", map[string]string{"X-Contentful-Version": version(t, b), "X-Contentful-User-Agent": "app contentful.web-app; platform browser"}, `{"fields":{}}`)
	calls := rx.waitFor(t, 15*time.Second, "two auto_saves", func(c []call) bool {
		return countTopics(c, is("ContentManagement.Entry.auto_save")) == 2
	})
	for _, c := range calls {
		if c.topic() == "ContentManagement.Entry.save" {
			t.Fatalf("an editor save made a save call: %v", topics(calls))
		}
	}
}
