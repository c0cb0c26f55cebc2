package events

import (
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	p, ok := LookupProfile("contentful")
	if !ok || p.Name() != "contentful" {
		t.Fatalf("LookupProfile(contentful) = %v, %v", p, ok)
	}
	env := func(typ, id, sub, method string) Route {
		return Route{Space: "sp1", Environment: "staging", EntityType: typ, EntityID: id, Sub: sub, Method: method}
	}
	legacy := func(typ, id, sub, method string) Route {
		return Route{Space: "sp1", Environment: "master", Legacy: true, EntityType: typ, EntityID: id, Sub: sub, Method: method}
	}
	release := func(typ, id, sub, method string) Route {
		r := env(typ, id, sub, method)
		r.Release = "r1"
		return r
	}
	space := func(typ, id, method string) Route {
		return Route{Space: "sp1", EntityType: typ, EntityID: id, Method: method}
	}
	tests := []struct {
		method, path string
		want         Route
		ok           bool
	}{
		{"POST", "/spaces/sp1/environments/staging/entries", env("Entry", "", "", "POST"), true},
		{"POST", "/spaces/sp1/entries", legacy("Entry", "", "", "POST"), true},
		{"POST", "/spaces/sp1/environments/staging/assets", env("Asset", "", "", "POST"), true},
		{"POST", "/spaces/sp1/environments/staging/content_types", env("ContentType", "", "", "POST"), true},
		{"PUT", "/spaces/sp1/environments/staging/entries/post-1", env("Entry", "post-1", "", "PUT"), true},
		{"PATCH", "/spaces/sp1/environments/staging/entries/post-1", env("Entry", "post-1", "", "PATCH"), true},
		{"DELETE", "/spaces/sp1/environments/staging/entries/post-1", env("Entry", "post-1", "", "DELETE"), true},
		{"PUT", "/spaces/sp1/entries/post-1", legacy("Entry", "post-1", "", "PUT"), true},
		{"PUT", "/spaces/sp1/environments/staging/entries/post-1/published", env("Entry", "post-1", "published", "PUT"), true},
		{"DELETE", "/spaces/sp1/entries/post-1/published", legacy("Entry", "post-1", "published", "DELETE"), true},
		{"PUT", "/spaces/sp1/environments/staging/assets/a.1_x/archived", env("Asset", "a.1_x", "archived", "PUT"), true},
		{"DELETE", "/spaces/sp1/assets/a1/archived", legacy("Asset", "a1", "archived", "DELETE"), true},
		{"PUT", "/spaces/sp1/environments/staging/content_types/blogPost", env("ContentType", "blogPost", "", "PUT"), true},
		{"PUT", "/spaces/sp1/environments/staging/content_types/blogPost/published", env("ContentType", "blogPost", "published", "PUT"), true},
		{"DELETE", "/spaces/sp1/content_types/blogPost", legacy("ContentType", "blogPost", "", "DELETE"), true},
		{"PUT", "/spaces/sp1/environment_aliases/master", space("EnvironmentAlias", "master", "PUT"), true},
		{"DELETE", "/spaces/sp1/environment_aliases/old", space("EnvironmentAlias", "old", "DELETE"), true},
		{"POST", "/spaces/sp1/environments/staging/releases", env("Release", "", "", "POST"), true},
		{"PUT", "/spaces/sp1/environments/staging/releases/r1", env("Release", "r1", "", "PUT"), true},
		{"DELETE", "/spaces/sp1/releases/r1", legacy("Release", "r1", "", "DELETE"), true},
		{"PUT", "/spaces/sp1/environments/staging/releases/r1/archived", env("Release", "r1", "archived", "PUT"), true},
		{"PUT", "/spaces/sp1/environments/staging/releases/r1/published", release("ReleaseAction", "", "published", "PUT"), true},
		{"DELETE", "/spaces/sp1/environments/staging/releases/r1/published", release("ReleaseAction", "", "published", "DELETE"), true},
		{"POST", "/spaces/sp1/environments/staging/releases/r1/validate", release("ReleaseAction", "", "", "POST"), true},
		{"POST", "/spaces/sp1/environments/staging/releases/r1/entries", release("ReleaseEntry", "", "", "POST"), true},
		{"PUT", "/spaces/sp1/environments/staging/releases/r1/entries/e1", release("ReleaseEntry", "e1", "", "PUT"), true},
		{"PATCH", "/spaces/sp1/environments/staging/releases/r1/entries/e1", release("ReleaseEntry", "e1", "", "PATCH"), true},
		{"POST", "/spaces/sp1/environments/staging/bulk_actions", env("BulkAction", "", "", "POST"), true},
		{"POST", "/spaces/sp1/environments/staging/bulk_actions/publish", env("BulkAction", "", "", "POST"), true},
		{"POST", "/spaces/sp1/bulk_actions/unpublish", legacy("BulkAction", "", "", "POST"), true},
		{"POST", "/spaces/sp1/scheduled_actions", space("ScheduledAction", "", "POST"), true},
		{"PUT", "/spaces/sp1/scheduled_actions/sa1", space("ScheduledAction", "sa1", "PUT"), true},
		{"DELETE", "/spaces/sp1/scheduled_actions/sa1?environment.sys.id=master", space("ScheduledAction", "sa1", "DELETE"), true},
		{"PUT", "/spaces/sp1/environments/staging/entries/post-1?x=1", env("Entry", "post-1", "", "PUT"), true},
		{"PUT", "/spaces/sp1/entries/" + strings.Repeat("a", 64), legacy("Entry", strings.Repeat("a", 64), "", "PUT"), true},

		// not writes, or writes that make no event
		{"GET", "/spaces/sp1/entries/post-1", Route{}, false},
		{"HEAD", "/spaces/sp1/entries", Route{}, false},
		{"OPTIONS", "/spaces/sp1/entries", Route{}, false},
		{"put", "/spaces/sp1/entries/post-1", Route{}, false},
		{"PUT", "/spaces/sp1/environments/staging", Route{}, false},
		{"DELETE", "/spaces/sp1/environments/staging", Route{}, false},
		{"PUT", "/spaces/sp1", Route{}, false},
		{"PUT", "/spaces/sp1/locales/en", Route{}, false},
		{"PUT", "/spaces/sp1/environments/staging/tags/t1", Route{}, false},
		{"PUT", "/spaces/sp1/webhook_definitions/w1", Route{}, false},
		{"PUT", "/spaces/sp1/environments/staging/assets/a1/files/en-US/process", Route{}, false},
		{"PUT", "/spaces/sp1/environments/staging/content_types/ct/editor_interface", Route{}, false},
		{"PUT", "/spaces/sp1/environments/staging/content_types/ct/archived", Route{}, false},

		// wrong method for the route
		{"PUT", "/spaces/sp1/entries", Route{}, false},
		{"DELETE", "/spaces/sp1/entries", Route{}, false},
		{"POST", "/spaces/sp1/entries/post-1", Route{}, false},
		{"PATCH", "/spaces/sp1/entries/post-1/published", Route{}, false},
		{"POST", "/spaces/sp1/entries/post-1/published", Route{}, false},
		{"POST", "/spaces/sp1/environment_aliases/master", Route{}, false},
		{"PATCH", "/spaces/sp1/releases/r1", Route{}, false},
		{"POST", "/spaces/sp1/releases/r1/published", Route{}, false},
		{"PUT", "/spaces/sp1/releases/r1/validate", Route{}, false},
		{"DELETE", "/spaces/sp1/releases/r1/entries/e1", Route{}, false},
		{"PUT", "/spaces/sp1/releases/r1/entries", Route{}, false},
		{"PUT", "/spaces/sp1/releases/r1/entries/e1/published", Route{}, false},
		{"PUT", "/spaces/sp1/releases/r1/entries/../published", Route{}, false},
		{"GET", "/spaces/sp1/releases/r1/published", Route{}, false},
		{"PUT", "/spaces/sp1/releases/r1/actions", Route{}, false},
		{"PUT", "/spaces/sp1/bulk_actions/publish", Route{}, false},
		{"PATCH", "/spaces/sp1/scheduled_actions/sa1", Route{}, false},

		// odd paths
		{"PUT", "", Route{}, false},
		{"PUT", "/", Route{}, false},
		{"PUT", "/spaces/", Route{}, false},
		{"PUT", "spaces/sp1/entries/post-1", Route{}, false},
		{"PUT", "/v1/spaces/sp1/entries/post-1", Route{}, false},
		{"PUT", "/spaces//entries/post-1", Route{}, false},
		{"PUT", "/spaces/sp1//entries/post-1", Route{}, false},
		{"PUT", "/spaces/sp1/entries//post-1", Route{}, false},
		{"PUT", "/spaces/sp1/entries/post-1/", Route{}, false},
		{"POST", "/spaces/sp1/entries/", Route{}, false},
		{"PUT", "/spaces/sp1/entries/post-1/published/", Route{}, false},
		{"PUT", "/spaces/sp1/entries/post-1/published/x", Route{}, false},
		{"PUT", "/spaces/sp1/entries/post-1/draft", Route{}, false},
		{"PUT", "/spaces/sp1/entries/..", Route{}, false},
		{"PUT", "/spaces/sp1/entries/.", Route{}, false},
		{"PUT", "/spaces/../entries/x", Route{}, false},
		{"PUT", "/spaces/sp1/environments/../entries/x", Route{}, false},
		{"PUT", "/spaces/sp1/entries/" + strings.Repeat("a", 65), Route{}, false},
		{"PUT", "/spaces/sp1/entries/post 1", Route{}, false},
		{"PUT", "/spaces/sp1/entries/pöst", Route{}, false},
		{"PUT", "/spaces/sp1/entries/post%2F1", Route{}, false},
		{"PUT", "/spaces/sp1/environment_aliases/master/x", Route{}, false},
		{"PUT", "/spaces/sp1/environment_aliases", Route{}, false},
		{"PUT", "/spaces/sp1/environment_aliases/", Route{}, false},
		{"PUT", "/spaces/sp1/scheduled_actions/sa1/x", Route{}, false},
		{"POST", "/spaces/sp1/bulk_actions/publish/x", Route{}, false},
		{"POST", "/spaces/sp1/bulk_actions/archive", Route{}, false},
		{"PUT", "/spaces/sp1/environments/staging/environments/x/entries/y", Route{}, false},
		{"PUT", "/SPACES/sp1/entries/post-1", Route{}, false},
		{"PUT", "/spaces/sp1/Entries/post-1", Route{}, false},
	}
	for _, tt := range tests {
		got, ok := p.MatchRequest(tt.method, tt.path, nil)
		if ok != tt.ok || got != tt.want {
			t.Errorf("Match(%s %s) = %+v, %v; want %+v, %v", tt.method, tt.path, got, ok, tt.want, tt.ok)
		}
	}
}

func TestLookupProfileUnknown(t *testing.T) {
	if p, ok := LookupProfile("strapi"); ok || p != nil {
		t.Fatalf("LookupProfile(strapi) = %v, %v; want nil, false", p, ok)
	}
}

func TestMatchDoesNotAllocate(t *testing.T) {
	p, _ := LookupProfile("contentful")
	cases := []struct{ method, path string }{
		{"GET", "/spaces/sp1/environments/master/entries/post-1"},
		{"PUT", "/static/app.js"},
		{"PUT", "/spaces/sp1/environments/master/locales/en"},
		{"PUT", "/spaces/sp1/environments/master/entries/post-1"},
		{"DELETE", "/spaces/sp1/entries/post-1/published"},
	}
	for _, c := range cases {
		allocs := testing.AllocsPerRun(100, func() { p.MatchRequest(c.method, c.path, nil) })
		if allocs != 0 {
			t.Errorf("Match(%s %s) allocates %v times; want 0", c.method, c.path, allocs)
		}
	}
}

func TestRouteHelpers(t *testing.T) {
	p, _ := LookupProfile("contentful")
	tests := []struct {
		method, path    string
		key, entityPath string
		needsPrior      bool
	}{
		{"DELETE", "/spaces/sp1/environments/staging/entries/post-1", "sp1/staging/Entry/post-1", "/spaces/sp1/environments/staging/entries/post-1", true},
		{"DELETE", "/spaces/sp1/entries/post-1", "sp1/master/Entry/post-1", "/spaces/sp1/entries/post-1", true},
		{"DELETE", "/spaces/sp1/assets/a1", "sp1/master/Asset/a1", "/spaces/sp1/assets/a1", true},
		{"DELETE", "/spaces/sp1/environments/e/content_types/ct", "sp1/e/ContentType/ct", "/spaces/sp1/environments/e/content_types/ct", true},
		{"DELETE", "/spaces/sp1/entries/post-1/published", "sp1/master/Entry/post-1", "/spaces/sp1/entries/post-1", false},
		{"PUT", "/spaces/sp1/environments/e/assets/a1/archived", "sp1/e/Asset/a1", "/spaces/sp1/environments/e/assets/a1", false},
		{"PUT", "/spaces/sp1/entries/post-1", "sp1/master/Entry/post-1", "/spaces/sp1/entries/post-1", false},
		{"POST", "/spaces/sp1/entries", "", "", false},
		{"DELETE", "/spaces/sp1/environment_aliases/al", "sp1//EnvironmentAlias/al", "/spaces/sp1/environment_aliases/al", false},
		{"DELETE", "/spaces/sp1/scheduled_actions/sa", "sp1//ScheduledAction/sa", "/spaces/sp1/scheduled_actions/sa", false},
		{"DELETE", "/spaces/sp1/environments/e/releases/r1", "sp1/e/Release/r1", "/spaces/sp1/environments/e/releases/r1", false},
	}
	for _, tt := range tests {
		r, ok := p.MatchRequest(tt.method, tt.path, nil)
		if !ok {
			t.Fatalf("Match(%s %s) did not match", tt.method, tt.path)
		}
		if got := r.EntityKey(); got != tt.key {
			t.Errorf("%s %s: EntityKey() = %q; want %q", tt.method, tt.path, got, tt.key)
		}
		if got := r.EntityPath(); got != tt.entityPath {
			t.Errorf("%s %s: EntityPath() = %q; want %q", tt.method, tt.path, got, tt.entityPath)
		}
		if got := r.NeedsPrior(); got != tt.needsPrior {
			t.Errorf("%s %s: NeedsPrior() = %v; want %v", tt.method, tt.path, got, tt.needsPrior)
		}
	}
}
