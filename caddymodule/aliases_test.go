package caddymodule

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

const aliasToProd = `{"environment":{"sys":{"type":"Link","linkType":"Environment","id":"prod-2"}}}`

// TestAliasWritesThroughGateway makes master an alias of prod-2 by a write
// through the gateway, then checks Contentful's rule: a webhook for master
// fires for writes made through the alias (both path forms) and not for
// writes made to prod-2 by its own id.
func TestAliasWritesThroughGateway(t *testing.T) {
	rx := newReceiver(t)
	g := startGateway(t, gatewayConfig{handler: webhookAll(rx, "")})
	g.direct(201, "PUT", "/spaces/sp1/environments/prod-2", nil, `{"name":"prod-2"}`)
	g.write(201, "PUT", "/spaces/sp1/environment_aliases/master", nil, aliasToProd)

	ct := map[string]string{"X-Contentful-Content-Type": "post"}
	g.write(201, "PUT", "/spaces/sp1/environments/master/entries/via-alias", ct, `{"fields":{}}`)
	g.write(201, "PUT", "/spaces/sp1/entries/via-legacy", ct, `{"fields":{}}`)
	g.write(201, "PUT", "/spaces/sp1/environments/prod-2/entries/via-target", ct, `{"fields":{}}`)
	calls := marker(t, g, rx, "last")

	got := topics(calls)
	want := "SpaceManagement.EnvironmentAlias.create ContentManagement.Entry.create ContentManagement.Entry.create ContentManagement.Entry.create"
	if strings.Join(got, " ") != want {
		t.Fatalf("calls %v, want %s", got, want)
	}
	if id := dig(calls[0].json(t), "environment", "sys", "id"); id != "prod-2" {
		t.Errorf("alias create payload names target %v", id)
	}
	for _, c := range calls[1:] {
		b := c.json(t)
		if dig(b, "sys", "id") == "via-target" {
			t.Errorf("a write to the target environment's own id fired the master webhook")
		}
		env := dig(b, "sys", "environment", "sys")
		if dig(env, "id") != "master" || dig(env, "linkType") != "EnvironmentAlias" {
			t.Errorf("%v: sys.environment %v, want the master alias", dig(b, "sys", "id"), env)
		}
		if !strings.HasPrefix(c.Header.Get("X-Contentful-CRN"), "crn:contentful:::content:spaces/sp1/environments/master/") {
			t.Errorf("CRN %q does not name the alias used", c.Header.Get("X-Contentful-CRN"))
		}
	}
}

// TestAliasFetchedFromCMS checks that the gateway asks the CMS for a
// space's aliases it has not seen change, without holding up the write.
func TestAliasFetchedFromCMS(t *testing.T) {
	rx := newReceiver(t)
	g := startGateway(t, gatewayConfig{handler: webhookAll(rx, "")})
	g.direct(201, "PUT", "/spaces/sp1/environments/prod-2", nil, `{"name":"prod-2"}`)
	g.direct(201, "PUT", "/spaces/sp1/environment_aliases/master", nil, aliasToProd)

	ct := map[string]string{"X-Contentful-Content-Type": "post"}
	deadline := time.Now().Add(15 * time.Second)
	for i := 0; ; i++ {
		id := fmt.Sprintf("e%d", i)
		g.write(201, "PUT", "/spaces/sp1/environments/master/entries/"+id, ct, `{"fields":{}}`)
		calls := rx.waitFor(t, 15*time.Second, "the call for "+id, func(c []call) bool {
			return len(c) > 0 && dig(c[len(c)-1].json(t), "sys", "id") == id
		})
		if dig(calls[len(calls)-1].json(t), "sys", "environment", "sys", "linkType") == "EnvironmentAlias" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %d writes the gateway still does not know master is an alias", i+1)
		}
	}
}

// TestStaticAliasAndOneDocument checks an `alias` config line, and that one
// entry reached through its alias and through its environment id is one
// document for auto_save windows.
func TestStaticAliasAndOneDocument(t *testing.T) {
	rx := newReceiver(t)
	g := startGateway(t, gatewayConfig{handler: "\t\talias master prod-2\n\t\tauto_save {\n\t\t\twindow 2s\n\t\t}\n" + webhookAll(rx, "\t\t\tfilter in sys.environment.sys.id master prod-2")})
	g.direct(201, "PUT", "/spaces/sp1/environments/prod-2", nil, `{"name":"prod-2"}`)
	g.direct(201, "PUT", "/spaces/sp1/environment_aliases/master", nil, aliasToProd)

	e := g.write(201, "PUT", "/spaces/sp1/environments/master/entries/doc", map[string]string{"X-Contentful-Content-Type": "post"}, `{"fields":{}}`)
	editor := func(path string, n int) {
		e = g.write(200, "PUT", path, map[string]string{"X-Contentful-Version": version(t, e), "X-Contentful-UI-Content-Auto-Save": "true"},
			fmt.Sprintf(`{"fields":{"n":{"en-US":%d}}}`, n))
	}
	editor("/spaces/sp1/environments/master/entries/doc", 1)
	editor("/spaces/sp1/environments/prod-2/entries/doc", 2)
	editor("/spaces/sp1/environments/master/entries/doc", 3)

	calls := rx.waitFor(t, 15*time.Second, "the auto_save", func(c []call) bool {
		return len(c) >= 2 && c[len(c)-1].topic() == "ContentManagement.Entry.auto_save"
	})
	if got := topics(calls); strings.Join(got, " ") != "ContentManagement.Entry.create ContentManagement.Entry.auto_save" {
		t.Fatalf("calls %v, want one create and one auto_save for the one document", got)
	}
	b := calls[0].json(t)
	if dig(b, "sys", "environment", "sys", "linkType") != "EnvironmentAlias" {
		t.Errorf("the static alias was not applied: %s", calls[0].Body)
	}
	if n := dig(calls[1].json(t), "fields", "n", "en-US"); n != float64(3) {
		t.Errorf("auto_save carries draft %v, want the latest (3)", n)
	}
}
