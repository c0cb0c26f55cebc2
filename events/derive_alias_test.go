package events

import (
	"bytes"
	"net/http"
	"testing"
)

// linkAliasMaster is sys.environment of a write made through the alias master.
const linkAliasMaster = `{"sys":{"id":"master","type":"Link","linkType":"EnvironmentAlias"}}`

func TestDeriveThroughAlias(t *testing.T) {
	entry := fixture(t, "entry.json")
	asset := fixture(t, "asset.json")
	ctype := fixture(t, "content_type.json")
	release := []byte(`{"sys":{"type":"Release","id":"rel-1","environment":{"sys":{"type":"Link","linkType":"Environment","id":"master"}}},"title":"Launch"}`)
	prior := &Entity{Type: "Entry", ID: "post-1", ContentType: "blogPost", Revision: 7, UpdatedBy: "u9"}
	tests := []struct {
		name         string
		method, path string
		status       int
		body         []byte
		truncated    bool
		autoSave     bool
		prior        *Entity
		key          string // Derived.Key through the alias
		noEnv        bool   // the payload has no sys.environment
	}{
		{name: "create by POST", method: "POST", path: "/spaces/sp1/environments/master/entries", status: 201, body: entry, key: "sp1/prod-2/Entry/post-1"},
		{name: "create, legacy path", method: "PUT", path: "/spaces/sp1/entries/post-1", status: 201, body: entry, key: "sp1/prod-2/Entry/post-1"},
		{name: "save", method: "PUT", path: "/spaces/sp1/environments/master/entries/post-1", status: 200, body: entry, key: "sp1/prod-2/Entry/post-1"},
		{name: "save by PATCH", method: "PATCH", path: "/spaces/sp1/environments/master/entries/post-1", status: 200, body: entry, key: "sp1/prod-2/Entry/post-1"},
		{name: "auto_save", method: "PUT", path: "/spaces/sp1/environments/master/assets/img-1", status: 200, body: asset, autoSave: true, key: "sp1/prod-2/Asset/img-1"},
		{name: "content type save", method: "PUT", path: "/spaces/sp1/environments/master/content_types/blogPost", status: 200, body: ctype, key: "sp1/prod-2/ContentType/blogPost"},
		{name: "archive", method: "PUT", path: "/spaces/sp1/environments/master/entries/post-1/archived", status: 200, body: entry, key: "sp1/prod-2/Entry/post-1"},
		{name: "unarchive", method: "DELETE", path: "/spaces/sp1/environments/master/assets/img-1/archived", status: 200, body: asset, key: "sp1/prod-2/Asset/img-1"},
		{name: "publish", method: "PUT", path: "/spaces/sp1/environments/master/entries/post-1/published", status: 200, body: entry, key: "sp1/prod-2/Entry/post-1"},
		{name: "publish content type", method: "PUT", path: "/spaces/sp1/content_types/blogPost/published", status: 200, body: ctype, key: "sp1/prod-2/ContentType/blogPost"},
		{name: "unpublish", method: "DELETE", path: "/spaces/sp1/environments/master/entries/post-1/published", status: 200, body: entry, key: "sp1/prod-2/Entry/post-1"},
		{name: "delete with prior", method: "DELETE", path: "/spaces/sp1/environments/master/entries/post-1", status: 204, prior: prior, key: "sp1/prod-2/Entry/post-1"},
		{name: "delete never seen", method: "DELETE", path: "/spaces/sp1/assets/img-1", status: 204, key: "sp1/prod-2/Asset/img-1"},
		{name: "thin: truncated", method: "PUT", path: "/spaces/sp1/environments/master/entries/post-1", status: 200, truncated: true, key: "sp1/prod-2/Entry/post-1"},
		{name: "thin: malformed", method: "PUT", path: "/spaces/sp1/environments/master/entries/post-1", status: 200, body: []byte(`{"sys":`), key: "sp1/prod-2/Entry/post-1"},
		{name: "thin: empty", method: "PUT", path: "/spaces/sp1/environments/master/entries/post-1", status: 200, key: "sp1/prod-2/Entry/post-1"},
		{name: "release", method: "POST", path: "/spaces/sp1/environments/master/releases", status: 201, body: release, key: "sp1/prod-2/Release/rel-1"},
		{name: "answer without sys.environment", method: "PUT", path: "/spaces/sp1/environments/master/releases/rel-1", status: 200,
			body: []byte(`{"sys":{"type":"Release","id":"rel-1"},"title":"Launch"}`), key: "sp1/prod-2/Release/rel-1", noEnv: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := Input{
				Route: route(t, tt.method, tt.path), Status: tt.status, Body: tt.body, Truncated: tt.truncated,
				Prior: tt.prior, Now: now, AutoSave: tt.autoSave,
			}
			plain := Derive(in)
			in.AliasTarget = "prod-2"
			d := Derive(in)
			if d.Event == nil || plain.Event == nil {
				t.Fatalf("no event: %+v", d)
			}
			ev, pev := d.Event, plain.Event
			if ev.Topic != pev.Topic || ev.Environment != "master" || ev.CRN != pev.CRN || ev.EntityID != pev.EntityID {
				t.Errorf("event = topic %q env %q crn %q id %q; want %q master %q %q (the segment used)",
					ev.Topic, ev.Environment, ev.CRN, ev.EntityID, pev.Topic, pev.CRN, pev.EntityID)
			}
			if d.Key != tt.key {
				t.Errorf("key = %q; want %q (the alias target)", d.Key, tt.key)
			}
			if d.Forget != plain.Forget || (d.Entity == nil) != (plain.Entity == nil) || (d.Entity != nil && *d.Entity != *plain.Entity) {
				t.Errorf("forget, entity = %v, %+v; want %v, %+v as without the alias", d.Forget, d.Entity, plain.Forget, plain.Entity)
			}
			if d.Warning != plain.Warning {
				t.Errorf("warning = %q; want %q", d.Warning, plain.Warning)
			}
			env, ok := lookup(ev.Payload, []string{"sys", "environment"})
			if tt.noEnv {
				if ok || !bytes.Equal(ev.Payload, tt.body) {
					t.Fatalf("payload =\n%s\nwant the answer unchanged:\n%s", ev.Payload, tt.body)
				}
				return
			}
			if !ok || string(env) != linkAliasMaster {
				t.Fatalf("sys.environment = %s; want %s\npayload: %s", env, linkAliasMaster, ev.Payload)
			}
			penv, _ := lookup(pev.Payload, []string{"sys", "environment"})
			if n := bytes.Count(pev.Payload, penv); n != 1 {
				t.Fatalf("the plain payload holds its environment link %d times; the test needs it once", n)
			}
			want := bytes.Replace(pev.Payload, penv, []byte(linkAliasMaster), 1)
			if !bytes.Equal(ev.Payload, want) {
				t.Errorf("payload =\n%s\nwant the plain payload with only sys.environment changed:\n%s", ev.Payload, want)
			}
		})
	}
}

func TestDeriveThroughAliasKeepsOtherBytes(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{
			name: "environment elsewhere and whitespace",
			body: "{ \"fields\": {\"environment\": {\"en-US\": \"x\"}},\n \"sys\" : { \"id\":\"post-1\", \"environment\" : {\"sys\":{\"id\":\"master\",\"type\":\"Link\",\"linkType\":\"Environment\"}} , \"type\":\"Entry\"} }",
			want: "{ \"fields\": {\"environment\": {\"en-US\": \"x\"}},\n \"sys\" : { \"id\":\"post-1\", \"environment\" : " + linkAliasMaster + " , \"type\":\"Entry\"} }",
		},
		{
			name: "escaped key, last member",
			body: `{"sys":{"id":"post-1","environ\u006dent":{"sys":{"id":"master"}}}}`,
			want: `{"sys":{"id":"post-1","environ\u006dent":` + linkAliasMaster + `}}`,
		},
		{
			name: "first of duplicate members",
			body: `{"sys":{"environment":null,"environment":{"sys":{"id":"master"}}}}`,
			want: `{"sys":{"environment":` + linkAliasMaster + `,"environment":{"sys":{"id":"master"}}}}`,
		},
		{name: "sys not an object", body: `{"sys":"x","environment":{}}`, want: `{"sys":"x","environment":{}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Derive(Input{Route: route(t, "PUT", "/spaces/sp1/environments/master/entries/post-1"), Status: 200,
				Body: []byte(tt.body), Now: now, AliasTarget: "prod-2"})
			if string(d.Event.Payload) != tt.want {
				t.Fatalf("payload =\n%s\nwant\n%s", d.Event.Payload, tt.want)
			}
		})
	}
}

func TestDeriveAliasTargetIgnoredWithoutEnvironment(t *testing.T) {
	body := []byte(`{"sys":{"type":"ScheduledAction","id":"sa-1","environment":{"sys":{"id":"master"}}}}`)
	d := Derive(Input{Route: route(t, "PUT", "/spaces/sp1/scheduled_actions/sa-1"), Status: 200, Body: body, Now: now, AliasTarget: "prod-2"})
	if !bytes.Equal(d.Event.Payload, body) || d.Key != "sp1//ScheduledAction/sa-1" {
		t.Fatalf("payload, key = %s, %q; want the answer unchanged and the space-level key", d.Event.Payload, d.Key)
	}
}

func TestDocumentKeyIsOneForAliasAndTarget(t *testing.T) {
	body := fixture(t, "entry.json")
	viaAlias := Derive(Input{Route: route(t, "PUT", "/spaces/sp1/environments/master/entries/post-1"), Status: 200, Body: body, Now: now, AliasTarget: "prod-2"})
	viaLegacy := Derive(Input{Route: route(t, "PUT", "/spaces/sp1/entries/post-1"), Status: 200, Body: body, Now: now, AliasTarget: "prod-2"})
	direct := Derive(Input{Route: route(t, "PUT", "/spaces/sp1/environments/prod-2/entries/post-1"), Status: 200, Body: body, Now: now})
	want := DocumentKey("sp1", "prod-2", TypeEntry, "post-1")
	if want != "sp1/prod-2/Entry/post-1" {
		t.Fatalf("DocumentKey = %q; want sp1/prod-2/Entry/post-1", want)
	}
	for name, d := range map[string]Derived{"alias": viaAlias, "legacy": viaLegacy, "direct": direct} {
		if d.Key != want {
			t.Errorf("%s: key = %q; want %q", name, d.Key, want)
		}
	}
	if r := route(t, "DELETE", "/spaces/sp1/environments/prod-2/entries/post-1"); r.EntityKey() != want {
		t.Errorf("EntityKey = %q; want %q", r.EntityKey(), want)
	}
}

func TestDeriveAliasChange(t *testing.T) {
	alias := []byte(`{"environment":{"sys":{"type":"Link","linkType":"Environment","id":"release-2"}},"sys":{"type":"EnvironmentAlias","id":"master","version":2}}`)
	tests := []struct {
		name         string
		method, path string
		status       int
		body         []byte
		truncated    bool
		want         *AliasChange
		topic        string
		payload      string // "=": the answer unchanged
		warning      bool
	}{
		{
			name: "create", method: "PUT", path: "/spaces/sp1/environment_aliases/master", status: 201, body: alias,
			want: &AliasChange{Space: "sp1", Alias: "master", Target: "release-2"}, topic: "SpaceManagement.EnvironmentAlias.create", payload: "=",
		},
		{
			name: "change_target", method: "PUT", path: "/spaces/sp1/environment_aliases/master", status: 200, body: alias,
			want: &AliasChange{Space: "sp1", Alias: "master", Target: "release-2"}, topic: "SpaceManagement.EnvironmentAlias.change_target", payload: "=",
		},
		{
			name: "delete", method: "DELETE", path: "/spaces/sp1/environment_aliases/old", status: 204,
			want: &AliasChange{Space: "sp1", Alias: "old", Deleted: true}, topic: "SpaceManagement.EnvironmentAlias.delete",
			payload: `{"sys":{"type":"EnvironmentAlias","id":"old","space":` + linkSp1 + `}}`,
		},
		{
			name: "answer without a target", method: "PUT", path: "/spaces/sp1/environment_aliases/master", status: 200,
			body: []byte(`{"sys":{"type":"EnvironmentAlias","id":"master"}}`), topic: "SpaceManagement.EnvironmentAlias.change_target", payload: "=", warning: true,
		},
		{
			name: "invalid target", method: "PUT", path: "/spaces/sp1/environment_aliases/master", status: 201,
			body: []byte(`{"environment":{"sys":{"id":"a b"}}}`), topic: "SpaceManagement.EnvironmentAlias.create", payload: "=", warning: true,
		},
		{
			name: "truncated answer", method: "PUT", path: "/spaces/sp1/environment_aliases/master", status: 201, truncated: true,
			topic: "SpaceManagement.EnvironmentAlias.create", payload: `{"sys":{"type":"EnvironmentAlias","id":"master","space":` + linkSp1 + `}}`, warning: true,
		},
		{name: "failed write", method: "PUT", path: "/spaces/sp1/environment_aliases/master", status: 422, body: alias},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Derive(Input{Route: route(t, tt.method, tt.path), Status: tt.status, Body: tt.body, Truncated: tt.truncated, Now: now})
			switch {
			case tt.want == nil && d.Alias != nil:
				t.Errorf("alias change = %+v; want none", *d.Alias)
			case tt.want != nil && (d.Alias == nil || *d.Alias != *tt.want):
				t.Errorf("alias change = %+v; want %+v", d.Alias, *tt.want)
			}
			if tt.topic == "" {
				if d.Event != nil {
					t.Errorf("event %s; want none", d.Event.Topic)
				}
				return
			}
			if d.Event.Topic != tt.topic || d.Event.Environment != "" || d.Event.CRN != "" {
				t.Errorf("event = topic %q env %q crn %q; want %q, no environment, no CRN", d.Event.Topic, d.Event.Environment, d.Event.CRN, tt.topic)
			}
			if tt.payload == "=" {
				if !bytes.Equal(d.Event.Payload, tt.body) {
					t.Errorf("payload = %s; want the answer unchanged", d.Event.Payload)
				}
			} else if string(d.Event.Payload) != tt.payload {
				t.Errorf("payload = %s; want %s", d.Event.Payload, tt.payload)
			}
			if (d.Warning != "") != tt.warning {
				t.Errorf("warning = %q; want one: %v", d.Warning, tt.warning)
			}
		})
	}
}

func TestFilterOnAliasThroughDerive(t *testing.T) {
	// master is an alias of prod-2 in space s. Webhook environment identity
	// follows the path used (facts §1.1).
	tbl := NewAliasTable()
	tbl.SetFetched("s", map[string]string{"master": "prod-2"}, tbl.Changes("s"))
	onMaster := mustCompile(t, Definition{Topics: []string{"Entry.*"}, Filters: &[]Filter{{Op: FilterEquals, Doc: "sys.environment.sys.id", Value: "master"}}})
	masterOnly := mustCompile(t, Definition{Topics: []string{"Entry.*"}}) // filters absent: master only
	onProd := mustCompile(t, Definition{Topics: []string{"Entry.*"}, Filters: &[]Filter{{Op: FilterIn, Doc: "sys.environment.sys.id", Values: []string{"prod-2"}}}})
	notMaster := mustCompile(t, Definition{Topics: []string{"Entry.*"}, Filters: &[]Filter{{Not: true, Op: FilterEquals, Doc: "sys.environment.sys.id", Value: "master"}}})
	// The CMS answers with the environment's own id, also through the alias.
	entry := bytes.Replace(fixture(t, "entry.json"), []byte(`"id": "master"`), []byte(`"id": "prod-2"`), 1)
	tests := []struct {
		method, path string
		status       int
		body         []byte
		onMaster     bool // also the master-only webhook
		onProd       bool // also the webhook negating master
	}{
		{"PUT", "/spaces/s/entries/x", 200, entry, true, false},
		{"PUT", "/spaces/s/environments/master/entries/x", 200, entry, true, false},
		{"PUT", "/spaces/s/environments/prod-2/entries/x", 200, entry, false, true},
		{"PUT", "/spaces/s/environments/master/entries/x/published", 200, entry, true, false},
		{"DELETE", "/spaces/s/entries/x", 204, nil, true, false},
		{"DELETE", "/spaces/s/environments/prod-2/entries/x", 204, nil, false, true},
	}
	for _, tt := range tests {
		r := route(t, tt.method, tt.path)
		in := Input{Route: r, Status: tt.status, Body: tt.body, Now: now, Header: http.Header{}}
		if target, ok := tbl.Resolve(r.Space, r.Environment); ok {
			in.AliasTarget = target
		}
		d := Derive(in)
		for _, c := range []struct {
			name string
			w    *Webhook
			want bool
		}{{"equals master", onMaster, tt.onMaster}, {"no filters", masterOnly, tt.onMaster}, {"in prod-2", onProd, tt.onProd}, {"not master", notMaster, tt.onProd}} {
			if got := c.w.Matches(d.Event); got != c.want {
				t.Errorf("%s %s, webhook %s: Matches = %v; want %v", tt.method, tt.path, c.name, got, c.want)
			}
		}
		// A receiver filtering on the payload sees the same environment.
		if id, _ := stringAt(d.Event.Payload, "sys", "environment", "sys", "id"); id != d.Event.Environment {
			t.Errorf("%s %s: payload sys.environment.sys.id = %q; want %q", tt.method, tt.path, id, d.Event.Environment)
		}
		if d.Key != "s/prod-2/Entry/x" {
			t.Errorf("%s %s: key = %q; want s/prod-2/Entry/x", tt.method, tt.path, d.Key)
		}
	}
}
