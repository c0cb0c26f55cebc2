package events

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"testing"
	"time"
)

// now is the time of every write in these tests.
var now = time.Date(2024, 5, 2, 12, 9, 0, 123e6, time.FixedZone("CEST", 2*3600))

// fixture reads a file from testdata.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// route matches a request with the contentful profile.
func route(t testing.TB, method, path string) Route {
	t.Helper()
	p, _ := LookupProfile("contentful")
	r, ok := p.MatchRequest(method, path, nil)
	if !ok {
		t.Fatalf("%s %s does not match", method, path)
	}
	return r
}

// compactJSON returns s without insignificant whitespace.
func compactJSON(t testing.TB, s string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatalf("invalid JSON %s: %v", s, err)
	}
	return b.String()
}

const (
	linkSp1    = `{"sys":{"type":"Link","linkType":"Space","id":"sp1"}}`
	linkMaster = `{"sys":{"type":"Link","linkType":"Environment","id":"master"}}`
	linkBlog   = `{"sys":{"type":"Link","linkType":"ContentType","id":"blogPost"}}`
	atNow      = `"2024-05-02T10:09:00.123Z"`
)

func TestDerive(t *testing.T) {
	entry := fixture(t, "entry.json")
	asset := fixture(t, "asset.json")
	ctype := fixture(t, "content_type.json")
	prior := &Entity{Type: "Entry", ID: "post-1", ContentType: "blogPost", Revision: 7, Version: 20, UpdatedBy: "u9"}
	alias := []byte(`{"environment":{"sys":{"type":"Link","linkType":"Environment","id":"release-2"}},"sys":{"type":"EnvironmentAlias","id":"master","version":2}}`)
	tests := []struct {
		name         string
		method, path string
		status       int
		body         []byte
		truncated    bool
		prior        *Entity
		autoSave     bool
		header       http.Header

		topic    string // "" = no event
		env      string
		entityID string
		crn      string
		payload  string // expected payload; "=" means the answer body unchanged
		entity   *Entity
		forget   bool
		key      string
		warning  bool
	}{
		{
			name: "create by POST", method: "POST", path: "/spaces/sp1/environments/master/entries", status: 201, body: entry,
			topic: "ContentManagement.Entry.create", env: "master", entityID: "post-1",
			crn:     "crn:contentful:::content:spaces/sp1/environments/master/entries/post-1",
			payload: "=", key: "sp1/master/Entry/post-1",
			entity: &Entity{Type: "Entry", ID: "post-1", ContentType: "blogPost", Revision: 2, Version: 6, CreatedBy: "u1", UpdatedBy: "u2"},
		},
		{
			name: "create by PUT, legacy path", method: "PUT", path: "/spaces/sp1/entries/post-1", status: 201, body: entry,
			topic: "ContentManagement.Entry.create", env: "master", entityID: "post-1",
			crn:     "crn:contentful:::content:spaces/sp1/environments/master/entries/post-1",
			payload: "=", key: "sp1/master/Entry/post-1",
			entity: &Entity{Type: "Entry", ID: "post-1", ContentType: "blogPost", Revision: 2, Version: 6, CreatedBy: "u1", UpdatedBy: "u2"},
		},
		{
			name: "save", method: "PUT", path: "/spaces/sp1/environments/staging/entries/post-1", status: 200, body: entry,
			topic: "ContentManagement.Entry.save", env: "staging", entityID: "post-1",
			crn:     "crn:contentful:::content:spaces/sp1/environments/staging/entries/post-1",
			payload: "=", key: "sp1/staging/Entry/post-1",
			entity: &Entity{Type: "Entry", ID: "post-1", ContentType: "blogPost", Revision: 2, Version: 6, CreatedBy: "u1", UpdatedBy: "u2"},
		},
		{
			name: "save by PATCH", method: "PATCH", path: "/spaces/sp1/environments/master/entries/post-1", status: 200, body: entry,
			topic: "ContentManagement.Entry.save", env: "master", entityID: "post-1",
			crn:     "crn:contentful:::content:spaces/sp1/environments/master/entries/post-1",
			payload: "=", key: "sp1/master/Entry/post-1",
			entity: &Entity{Type: "Entry", ID: "post-1", ContentType: "blogPost", Revision: 2, Version: 6, CreatedBy: "u1", UpdatedBy: "u2"},
		},
		{
			name: "auto_save", method: "PUT", path: "/spaces/sp1/environments/master/assets/img-1", status: 200, body: asset, autoSave: true,
			topic: "ContentManagement.Asset.auto_save", env: "master", entityID: "img-1",
			crn:     "crn:contentful:::content:spaces/sp1/environments/master/assets/img-1",
			payload: "=", key: "sp1/master/Asset/img-1",
			entity: &Entity{Type: "Asset", ID: "img-1", Revision: 1, Version: 3, CreatedBy: "u1", UpdatedBy: "u1"},
		},
		{
			name: "content types have no auto_save", method: "PUT", path: "/spaces/sp1/environments/master/content_types/blogPost", status: 200, body: ctype, autoSave: true,
			topic: "ContentManagement.ContentType.save", env: "master", entityID: "blogPost",
			crn:     "crn:contentful:::content:spaces/sp1/environments/master/content_types/blogPost",
			payload: "=", key: "sp1/master/ContentType/blogPost",
			entity: &Entity{Type: "ContentType", ID: "blogPost", Revision: 5, Version: 11, CreatedBy: "u1", UpdatedBy: "u1"},
		},
		{
			name: "publish entry", method: "PUT", path: "/spaces/sp1/environments/master/entries/post-1/published", status: 200, body: entry,
			topic: "ContentManagement.Entry.publish", env: "master", entityID: "post-1",
			crn: "crn:contentful:::content:spaces/sp1/environments/master/entries/post-1",
			payload: `{"metadata":{"tags":[],"concepts":[]},"sys":{"type":"Entry","id":"post-1","space":` + linkSp1 + `,"environment":` + linkMaster +
				`,"contentType":` + linkBlog + `,"createdBy":{"sys":{"type":"Link","linkType":"User","id":"u1"}},"updatedBy":{"sys":{"type":"Link","linkType":"User","id":"u2"}},"revision":2,"createdAt":"2024-05-02T10:00:00.000Z","updatedAt":"2024-05-02T10:05:00.000Z","publishedVersion":4},"fields":{"title":{"en-US":"Hello","de-DE":"Hallo"}}}`,
			key:    "sp1/master/Entry/post-1",
			entity: &Entity{Type: "Entry", ID: "post-1", ContentType: "blogPost", Revision: 2, Version: 6, CreatedBy: "u1", UpdatedBy: "u2"},
		},
		{
			name: "publish content type keeps its members", method: "PUT", path: "/spaces/sp1/content_types/blogPost/published", status: 200, body: ctype,
			topic: "ContentManagement.ContentType.publish", env: "master", entityID: "blogPost",
			crn: "crn:contentful:::content:spaces/sp1/environments/master/content_types/blogPost",
			payload: `{"sys":{"type":"ContentType","id":"blogPost","space":` + linkSp1 + `,"environment":` + linkMaster +
				`,"createdBy":{"sys":{"type":"Link","linkType":"User","id":"u1"}},"updatedBy":{"sys":{"type":"Link","linkType":"User","id":"u1"}},"revision":5,"createdAt":"2024-05-01T09:00:00.000Z","updatedAt":"2024-05-01T09:10:00.000Z","publishedVersion":10},"name":"Blog post","description":"","displayField":"title","fields":[{"id":"title","name":"Title","type":"Symbol","localized":true,"required":true}]}`,
			key:    "sp1/master/ContentType/blogPost",
			entity: &Entity{Type: "ContentType", ID: "blogPost", Revision: 5, Version: 11, CreatedBy: "u1", UpdatedBy: "u1"},
		},
		{
			name: "unpublish entry", method: "DELETE", path: "/spaces/sp1/entries/post-1/published", status: 200, body: entry,
			topic: "ContentManagement.Entry.unpublish", env: "master", entityID: "post-1",
			crn: "crn:contentful:::content:spaces/sp1/environments/master/entries/post-1",
			payload: `{"sys":{"type":"DeletedEntry","id":"post-1","space":` + linkSp1 + `,"environment":` + linkMaster + `,"contentType":` + linkBlog +
				`,"revision":2,"createdAt":` + atNow + `,"updatedAt":` + atNow + `,"deletedAt":` + atNow + `,"deletedBy":{"sys":{"type":"Link","linkType":"User","id":"u2"}}}}`,
			key:    "sp1/master/Entry/post-1",
			entity: &Entity{Type: "Entry", ID: "post-1", ContentType: "blogPost", Revision: 2, Version: 6, CreatedBy: "u1", UpdatedBy: "u2"},
		},
		{
			name: "archive", method: "PUT", path: "/spaces/sp1/environments/master/entries/post-1/archived", status: 200, body: entry,
			topic: "ContentManagement.Entry.archive", env: "master", entityID: "post-1",
			crn: "crn:contentful:::content:spaces/sp1/environments/master/entries/post-1", payload: "=", key: "sp1/master/Entry/post-1",
			entity: &Entity{Type: "Entry", ID: "post-1", ContentType: "blogPost", Revision: 2, Version: 6, CreatedBy: "u1", UpdatedBy: "u2"},
		},
		{
			name: "unarchive", method: "DELETE", path: "/spaces/sp1/environments/master/assets/img-1/archived", status: 200, body: asset,
			topic: "ContentManagement.Asset.unarchive", env: "master", entityID: "img-1",
			crn: "crn:contentful:::content:spaces/sp1/environments/master/assets/img-1", payload: "=", key: "sp1/master/Asset/img-1",
			entity: &Entity{Type: "Asset", ID: "img-1", Revision: 1, Version: 3, CreatedBy: "u1", UpdatedBy: "u1"},
		},
		{
			name: "delete entry with prior", method: "DELETE", path: "/spaces/sp1/environments/master/entries/post-1", status: 204, prior: prior,
			topic: "ContentManagement.Entry.delete", env: "master", entityID: "post-1",
			crn: "crn:contentful:::content:spaces/sp1/environments/master/entries/post-1",
			payload: `{"sys":{"type":"DeletedEntry","id":"post-1","space":` + linkSp1 + `,"environment":` + linkMaster + `,"contentType":` + linkBlog +
				`,"revision":7,"createdAt":` + atNow + `,"updatedAt":` + atNow + `,"deletedAt":` + atNow + `,"deletedBy":{"sys":{"type":"Link","linkType":"User","id":"u9"}}}}`,
			forget: true, key: "sp1/master/Entry/post-1",
		},
		{
			name: "delete entry never seen", method: "DELETE", path: "/spaces/sp1/environments/dev/entries/post-1", status: 204,
			topic: "ContentManagement.Entry.delete", env: "dev", entityID: "post-1",
			crn: "crn:contentful:::content:spaces/sp1/environments/dev/entries/post-1",
			payload: `{"sys":{"type":"DeletedEntry","id":"post-1","space":` + linkSp1 + `,"environment":{"sys":{"type":"Link","linkType":"Environment","id":"dev"}}` +
				`,"createdAt":` + atNow + `,"updatedAt":` + atNow + `,"deletedAt":` + atNow + `}}`,
			forget: true, key: "sp1/dev/Entry/post-1",
		},
		{
			name: "delete asset", method: "DELETE", path: "/spaces/sp1/assets/img-1", status: 204, prior: &Entity{Type: "Asset", ID: "img-1", Revision: 3, UpdatedBy: "u1"},
			topic: "ContentManagement.Asset.delete", env: "master", entityID: "img-1",
			crn: "crn:contentful:::content:spaces/sp1/environments/master/assets/img-1",
			payload: `{"sys":{"type":"DeletedAsset","id":"img-1","space":` + linkSp1 + `,"environment":` + linkMaster +
				`,"revision":3,"createdAt":` + atNow + `,"updatedAt":` + atNow + `,"deletedAt":` + atNow + `,"deletedBy":{"sys":{"type":"Link","linkType":"User","id":"u1"}}}}`,
			forget: true, key: "sp1/master/Asset/img-1",
		},
		{
			name: "delete content type answered 200", method: "DELETE", path: "/spaces/sp1/content_types/blogPost", status: 200, prior: &Entity{Type: "ContentType", ID: "blogPost"},
			topic: "ContentManagement.ContentType.delete", env: "master", entityID: "blogPost",
			crn: "crn:contentful:::content:spaces/sp1/environments/master/content_types/blogPost",
			payload: `{"sys":{"type":"DeletedContentType","id":"blogPost","space":` + linkSp1 + `,"environment":` + linkMaster +
				`,"revision":0,"createdAt":` + atNow + `,"updatedAt":` + atNow + `,"deletedAt":` + atNow + `}}`,
			forget: true, key: "sp1/master/ContentType/blogPost",
		},
		{
			name: "alias create", method: "PUT", path: "/spaces/sp1/environment_aliases/master", status: 201, body: alias,
			topic: "SpaceManagement.EnvironmentAlias.create", entityID: "master", payload: "=", key: "sp1//EnvironmentAlias/master",
		},
		{
			name: "alias change_target", method: "PUT", path: "/spaces/sp1/environment_aliases/master", status: 200, body: alias,
			topic: "SpaceManagement.EnvironmentAlias.change_target", entityID: "master", payload: "=", key: "sp1//EnvironmentAlias/master",
		},
		{
			name: "alias delete", method: "DELETE", path: "/spaces/sp1/environment_aliases/old", status: 204,
			topic: "SpaceManagement.EnvironmentAlias.delete", entityID: "old",
			payload: `{"sys":{"type":"EnvironmentAlias","id":"old","space":` + linkSp1 + `}}`, forget: true, key: "sp1//EnvironmentAlias/old",
		},
		{
			name: "release create", method: "POST", path: "/spaces/sp1/environments/master/releases", status: 201, body: []byte(`{"sys":{"type":"Release","id":"rel-1"},"title":"Launch"}`),
			topic: "ContentManagement.Release.create", env: "master", entityID: "rel-1", payload: "=", key: "sp1/master/Release/rel-1",
		},
		{
			name: "release archive", method: "PUT", path: "/spaces/sp1/environments/master/releases/rel-1/archived", status: 200, body: []byte(`{"sys":{"type":"Release","id":"rel-1"}}`),
			topic: "ContentManagement.Release.archive", env: "master", entityID: "rel-1", payload: "=", key: "sp1/master/Release/rel-1",
		},
		{
			name: "bulk action accepted", method: "POST", path: "/spaces/sp1/environments/master/bulk_actions/publish", status: 202, body: []byte(`{"sys":{"type":"BulkAction","id":"ba-1"},"action":"publish"}`),
			topic: "ContentManagement.BulkAction.create", env: "master", entityID: "ba-1", payload: "=", key: "sp1/master/BulkAction/ba-1",
		},
		{
			name: "release publish starts an action", method: "PUT", path: "/spaces/sp1/environments/master/releases/rel-1/published", status: 200,
			body:  []byte(`{"sys":{"type":"ReleaseAction","id":"ra-1","status":"inProgress"},"action":"publish"}`),
			topic: "ContentManagement.ReleaseAction.create", env: "master", entityID: "ra-1", payload: "=", key: "sp1/master/ReleaseAction/ra-1",
		},
		{
			name: "release unpublish starts an action", method: "DELETE", path: "/spaces/sp1/environments/master/releases/rel-1/published", status: 200,
			body:  []byte(`{"sys":{"type":"ReleaseAction","id":"ra-2","status":"inProgress"},"action":"unpublish"}`),
			topic: "ContentManagement.ReleaseAction.create", env: "master", entityID: "ra-2", payload: "=", key: "sp1/master/ReleaseAction/ra-2",
		},
		{
			name: "release validate starts an action", method: "POST", path: "/spaces/sp1/releases/rel-1/validate", status: 200,
			body:  []byte(`{"sys":{"type":"ReleaseAction","id":"ra-3"},"action":"validate"}`),
			topic: "ContentManagement.ReleaseAction.create", env: "master", entityID: "ra-3", payload: "=", key: "sp1/master/ReleaseAction/ra-3",
		},
		{
			name: "release entry update is a save", method: "PUT", path: "/spaces/sp1/environments/master/releases/rel-1/entries/post-1", status: 200,
			body:  []byte(`{"sys":{"type":"Entry","id":"post-1","version":3}}`),
			topic: "ContentManagement.ReleaseEntry.save", env: "master", entityID: "post-1", payload: "=", key: "sp1/master/ReleaseEntry/rel-1/post-1",
		},
		{
			name: "release entry editor save", method: "PATCH", path: "/spaces/sp1/environments/master/releases/rel-1/entries/post-1", status: 200, autoSave: true,
			body:  []byte(`{"sys":{"type":"Entry","id":"post-1","version":4}}`),
			topic: "ContentManagement.ReleaseEntry.auto_save", env: "master", entityID: "post-1", payload: "=", key: "sp1/master/ReleaseEntry/rel-1/post-1",
		},
		{
			name: "release entry added is a save", method: "POST", path: "/spaces/sp1/environments/master/releases/rel-1/entries", status: 201,
			body:  []byte(`{"sys":{"type":"Entry","id":"post-2","version":1}}`),
			topic: "ContentManagement.ReleaseEntry.save", env: "master", entityID: "post-2", payload: "=", key: "sp1/master/ReleaseEntry/rel-1/post-2",
		},
		{
			name: "scheduled action delete", method: "DELETE", path: "/spaces/sp1/scheduled_actions/sa-1", status: 200, body: []byte(`{"sys":{"type":"ScheduledAction","id":"sa-1","status":"canceled"}}`),
			topic: "ContentManagement.ScheduledAction.delete", entityID: "sa-1", payload: "=", forget: true, key: "sp1//ScheduledAction/sa-1",
		},
		{
			name: "malformed answer", method: "PUT", path: "/spaces/sp1/environments/master/entries/post-1", status: 200, body: []byte(`{"sys":`),
			topic: "ContentManagement.Entry.save", env: "master", entityID: "post-1",
			crn:     "crn:contentful:::content:spaces/sp1/environments/master/entries/post-1",
			payload: `{"sys":{"type":"Entry","id":"post-1","space":` + linkSp1 + `,"environment":` + linkMaster + `}}`,
			key:     "sp1/master/Entry/post-1", warning: true,
		},
		{
			name: "answer not an object", method: "PUT", path: "/spaces/sp1/environments/master/assets/img-1", status: 200, body: []byte(`[1,2]`),
			topic: "ContentManagement.Asset.save", env: "master", entityID: "img-1",
			crn:     "crn:contentful:::content:spaces/sp1/environments/master/assets/img-1",
			payload: `{"sys":{"type":"Asset","id":"img-1","space":` + linkSp1 + `,"environment":` + linkMaster + `}}`,
			key:     "sp1/master/Asset/img-1", warning: true,
		},
		{
			name: "truncated create with content type header", method: "PUT", path: "/spaces/sp1/environments/master/entries/post-1", status: 201, truncated: true,
			header: http.Header{"X-Contentful-Content-Type": {"blogPost"}},
			topic:  "ContentManagement.Entry.create", env: "master", entityID: "post-1",
			crn:     "crn:contentful:::content:spaces/sp1/environments/master/entries/post-1",
			payload: `{"sys":{"type":"Entry","id":"post-1","space":` + linkSp1 + `,"environment":` + linkMaster + `,"contentType":` + linkBlog + `}}`,
			key:     "sp1/master/Entry/post-1", warning: true,
		},
		{
			name: "truncated publish", method: "PUT", path: "/spaces/sp1/environments/master/entries/post-1/published", status: 200, truncated: true, prior: prior,
			topic: "ContentManagement.Entry.publish", env: "master", entityID: "post-1",
			crn:     "crn:contentful:::content:spaces/sp1/environments/master/entries/post-1",
			payload: `{"sys":{"type":"Entry","id":"post-1","space":` + linkSp1 + `,"environment":` + linkMaster + `,"contentType":` + linkBlog + `}}`,
			key:     "sp1/master/Entry/post-1", warning: true,
		},
		{
			name: "malformed POST answer has no id", method: "POST", path: "/spaces/sp1/environments/master/entries", status: 201, body: []byte(`not json`),
			topic: "ContentManagement.Entry.create", env: "master",
			payload: `{"sys":{"type":"Entry","space":` + linkSp1 + `,"environment":` + linkMaster + `}}`, warning: true,
		},
		{
			name: "POST answer with an invalid id", method: "POST", path: "/spaces/sp1/environments/master/entries", status: 201, body: []byte(`{"sys":{"id":"a/b","type":"Entry"}}`),
			topic: "ContentManagement.Entry.create", env: "master", payload: "=", warning: true,
		},
		{
			name: "empty save answer", method: "PUT", path: "/spaces/sp1/environments/master/entries/post-1", status: 200,
			topic: "ContentManagement.Entry.save", env: "master", entityID: "post-1",
			crn:     "crn:contentful:::content:spaces/sp1/environments/master/entries/post-1",
			payload: `{"sys":{"type":"Entry","id":"post-1","space":` + linkSp1 + `,"environment":` + linkMaster + `}}`,
			key:     "sp1/master/Entry/post-1", warning: true,
		},

		// no event
		{name: "conflict", method: "PUT", path: "/spaces/sp1/entries/post-1", status: 409, body: []byte(`{"sys":{"type":"Error","id":"VersionMismatch"}}`)},
		{name: "not found", method: "DELETE", path: "/spaces/sp1/entries/post-1", status: 404},
		{name: "server error", method: "POST", path: "/spaces/sp1/entries", status: 500},
		{name: "redirect", method: "PUT", path: "/spaces/sp1/entries/post-1", status: 302},
		{name: "POST answered 200", method: "POST", path: "/spaces/sp1/entries", status: 200, body: entry},
		{name: "PUT answered 204", method: "PUT", path: "/spaces/sp1/entries/post-1", status: 204},
		{name: "publish answered 201", method: "PUT", path: "/spaces/sp1/entries/post-1/published", status: 201, body: entry},
		{name: "PATCH answered 201", method: "PATCH", path: "/spaces/sp1/entries/post-1", status: 201, body: entry},
		{name: "delete answered 202", method: "DELETE", path: "/spaces/sp1/entries/post-1", status: 202},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := Input{
				Route: route(t, tt.method, tt.path), Status: tt.status, Header: tt.header, Body: tt.body,
				Truncated: tt.truncated, Prior: tt.prior, Now: now, AutoSave: tt.autoSave,
			}
			d := Derive(in)
			if tt.topic == "" {
				if d.Event != nil || d.Entity != nil || d.Forget || d.Warning != "" {
					t.Fatalf("Derive = %+v; want nothing", d)
				}
				return
			}
			ev := d.Event
			if ev == nil {
				t.Fatalf("Derive made no event; want %s", tt.topic)
			}
			if ev.Topic != tt.topic || ev.Environment != tt.env || ev.EntityID != tt.entityID || ev.CRN != tt.crn || ev.Space != "sp1" {
				t.Errorf("event = topic %q env %q id %q crn %q space %q; want %q %q %q %q sp1",
					ev.Topic, ev.Environment, ev.EntityID, ev.CRN, ev.Space, tt.topic, tt.env, tt.entityID, tt.crn)
			}
			if !ev.Time.Equal(now) || ev.Time.Location() != time.UTC {
				t.Errorf("event time = %v; want %v in UTC", ev.Time, now)
			}
			if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(ev.ID) {
				t.Errorf("event id %q is not 32 lowercase hex characters", ev.ID)
			}
			want := tt.payload
			if want == "=" {
				if !bytes.Equal(ev.Payload, tt.body) {
					t.Errorf("payload =\n%s\nwant the answer unchanged:\n%s", ev.Payload, tt.body)
				}
			} else if got := string(ev.Payload); got != compactJSON(t, want) {
				t.Errorf("payload =\n%s\nwant\n%s", got, compactJSON(t, want))
			}
			if !json.Valid(ev.Payload) {
				t.Errorf("payload is not valid JSON: %s", ev.Payload)
			}
			switch {
			case tt.entity == nil && d.Entity != nil:
				t.Errorf("entity = %+v; want none", *d.Entity)
			case tt.entity != nil && (d.Entity == nil || *d.Entity != *tt.entity):
				t.Errorf("entity = %+v; want %+v", d.Entity, *tt.entity)
			}
			if d.Forget != tt.forget || d.Key != tt.key {
				t.Errorf("forget, key = %v, %q; want %v, %q", d.Forget, d.Key, tt.forget, tt.key)
			}
			if (d.Warning != "") != tt.warning {
				t.Errorf("warning = %q; want one: %v", d.Warning, tt.warning)
			}
		})
	}
}

func TestDeriveCopiesBody(t *testing.T) {
	body := fixture(t, "entry.json")
	d := Derive(Input{Route: route(t, "PUT", "/spaces/sp1/entries/post-1"), Status: 200, Body: body, Now: now})
	want := string(body)
	for i := range body {
		body[i] = 'x'
	}
	if string(d.Event.Payload) != want {
		t.Fatal("the payload changed with the answer buffer: Derive must copy it")
	}
}

func TestDeriveEventIDsDiffer(t *testing.T) {
	in := Input{Route: route(t, "DELETE", "/spaces/sp1/entries/post-1"), Status: 204, Now: now}
	seen := map[string]bool{}
	for range 100 {
		id := Derive(in).Event.ID
		if seen[id] {
			t.Fatalf("event id %s repeated", id)
		}
		seen[id] = true
	}
}

func TestDeriveWarningHasNoPayloadContent(t *testing.T) {
	secret := []byte(`{"sys":{"id":"x","type":"Entry"},"fields":{"password":"hunter2"`)
	d := Derive(Input{Route: route(t, "PUT", "/spaces/sp1/entries/x"), Status: 200, Body: secret, Now: now})
	if d.Warning == "" || bytes.Contains([]byte(d.Warning), []byte("hunter2")) {
		t.Fatalf("warning = %q; want a warning without payload content", d.Warning)
	}
}
