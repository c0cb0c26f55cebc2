package events

import (
	"testing"
)

// mkEvent builds an event for matching tests.
func mkEvent(topic, env, payload string) *Event {
	return &Event{Topic: topic, Environment: env, Space: "sp1", Payload: []byte(payload)}
}

// mustCompile compiles a definition or fails the test.
func mustCompile(t testing.TB, d Definition) *Webhook {
	t.Helper()
	if d.Name == "" {
		d.Name = "test"
	}
	if d.URL == "" {
		d.URL = "https://receiver.example/hook"
	}
	w, err := Compile(d)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestMatchesTopics(t *testing.T) {
	publish := mkEvent("ContentManagement.Entry.publish", "master", `{}`)
	autoSave := mkEvent("ContentManagement.Asset.auto_save", "master", `{}`)
	alias := mkEvent("SpaceManagement.EnvironmentAlias.change_target", "", `{}`)
	tests := []struct {
		topics []string
		ev     *Event
		want   bool
	}{
		{[]string{"*.*"}, publish, true},
		{[]string{"*.*"}, alias, true},
		{[]string{"Entry.*"}, publish, true},
		{[]string{"Entry.*"}, autoSave, false},
		{[]string{"*.publish"}, publish, true},
		{[]string{"*.publish"}, autoSave, false},
		{[]string{"Entry.publish"}, publish, true},
		{[]string{"Entry.save"}, publish, false},
		{[]string{"Asset.save"}, autoSave, false},
		{[]string{"Entry.save", "Asset.auto_save"}, autoSave, true},
		{[]string{"EnvironmentAlias.change_target"}, alias, true},
		{[]string{"EnvironmentAlias.*"}, publish, false},
		{[]string{"entry.publish"}, publish, false},
	}
	for _, tt := range tests {
		w := mustCompile(t, Definition{Topics: tt.topics, Filters: &[]Filter{}})
		if got := w.Matches(tt.ev); got != tt.want {
			t.Errorf("topics %v, event %s: Matches = %v; want %v", tt.topics, tt.ev.Topic, got, tt.want)
		}
	}
}

func TestMatchesInactive(t *testing.T) {
	off := false
	w := mustCompile(t, Definition{Topics: []string{"*.*"}, Active: &off})
	if w.Matches(mkEvent("ContentManagement.Entry.save", "master", `{}`)) {
		t.Fatal("an inactive webhook matched")
	}
	if mustCompile(t, Definition{Topics: []string{"*.*"}}).Matches(nil) {
		t.Fatal("a nil event matched")
	}
}

func TestMatchesFilters(t *testing.T) {
	entry := `{"sys":{"type":"Entry","id":"post-1","environment":{"sys":{"id":"target-env","type":"Link","linkType":"Environment"}},` +
		`"contentType":{"sys":{"type":"Link","linkType":"ContentType","id":"blogPost"}},` +
		`"createdBy":{"sys":{"type":"Link","linkType":"User","id":"u1"}},"updatedBy":{"sys":{"type":"Link","linkType":"User","id":"u2"}}},` +
		`"fields":{"sys":{"id":"not-this-one"}}}`
	asset := `{"fields":{"title":{"en-US":"x"}},"sys":{"type":"Asset","id":"img-1","environment":{"sys":{"id":"master"}}}}`
	deleted := `{"sys":{"type":"DeletedEntry","id":"post-2","contentType":{"sys":{"id":"internal"}},"deletedBy":{"sys":{"id":"u3"}}}}`
	aliasEv := `{"environment":{"sys":{"id":"target-env"}},"sys":{"type":"EnvironmentAlias","id":"master"}}`
	scheduled := `{"sys":{"type":"ScheduledAction","id":"sa-1","environment":{"sys":{"id":"master"}}}}`

	eq := func(doc, v string) Filter { return Filter{Op: FilterEquals, Doc: doc, Value: v} }
	in := func(doc string, vs ...string) Filter { return Filter{Op: FilterIn, Doc: doc, Values: vs} }
	re := func(doc, p string) Filter { return Filter{Op: FilterRegexp, Doc: doc, Pattern: p} }
	not := func(f Filter) Filter { f.Not = true; return f }
	fs := func(f ...Filter) *[]Filter { return &f }

	tests := []struct {
		name    string
		filters *[]Filter
		ev      *Event
		want    bool
	}{
		{"absent: master", nil, mkEvent("ContentManagement.Entry.save", "master", entry), true},
		{"absent: other environment", nil, mkEvent("ContentManagement.Entry.save", "staging", entry), false},
		{"absent: space-level event", nil, mkEvent("SpaceManagement.EnvironmentAlias.create", "", aliasEv), true},
		{"empty: any environment", fs(), mkEvent("ContentManagement.Entry.save", "staging", entry), true},

		{"environment is the path segment, not the payload's", fs(eq("sys.environment.sys.id", "master")), mkEvent("ContentManagement.Entry.save", "master", entry), true},
		{"target environment id does not match the alias", fs(eq("sys.environment.sys.id", "target-env")), mkEvent("ContentManagement.Entry.save", "master", entry), false},
		{"environment in", fs(in("sys.environment.sys.id", "dev", "staging")), mkEvent("ContentManagement.Entry.save", "staging", entry), true},
		{"environment regexp", fs(re("sys.environment.sys.id", "^release-")), mkEvent("ContentManagement.Entry.save", "release-7", entry), true},
		{"space-level event: environment from the payload sys", fs(eq("sys.environment.sys.id", "master")), mkEvent("ContentManagement.ScheduledAction.create", "", scheduled), true},
		{"space-level event without sys.environment", fs(eq("sys.environment.sys.id", "master")), mkEvent("SpaceManagement.EnvironmentAlias.create", "", aliasEv), false},
		{"space-level event without sys.environment, negated", fs(not(eq("sys.environment.sys.id", "master"))), mkEvent("SpaceManagement.EnvironmentAlias.create", "", aliasEv), false},

		{"sys.id equals", fs(eq("sys.id", "post-1")), mkEvent("ContentManagement.Entry.save", "master", entry), true},
		{"sys.id equals other", fs(eq("sys.id", "post-2")), mkEvent("ContentManagement.Entry.save", "master", entry), false},
		{"sys.id not equals", fs(not(eq("sys.id", "post-2"))), mkEvent("ContentManagement.Entry.save", "master", entry), true},
		{"sys.id regexp", fs(re("sys.id", "^post-")), mkEvent("ContentManagement.Entry.save", "master", entry), true},
		{"sys.id regexp no match", fs(re("sys.id", "^img-")), mkEvent("ContentManagement.Entry.save", "master", entry), false},
		{"sys.id not regexp", fs(not(re("sys.id", "^img-"))), mkEvent("ContentManagement.Entry.save", "master", entry), true},
		{"content type in", fs(in("sys.contentType.sys.id", "page", "blogPost")), mkEvent("ContentManagement.Entry.save", "master", entry), true},
		{"content type not in", fs(not(in("sys.contentType.sys.id", "internal", "draftOnly"))), mkEvent("ContentManagement.Entry.save", "master", entry), true},
		{"content type not in, listed", fs(not(in("sys.contentType.sys.id", "internal"))), mkEvent("ContentManagement.Entry.delete", "master", deleted), false},
		{"empty in list", fs(in("sys.id")), mkEvent("ContentManagement.Entry.save", "master", entry), false},
		{"missing property: content type on an asset", fs(eq("sys.contentType.sys.id", "blogPost")), mkEvent("ContentManagement.Asset.save", "master", asset), false},
		{"missing property under not is still false", fs(not(eq("sys.contentType.sys.id", "blogPost"))), mkEvent("ContentManagement.Asset.save", "master", asset), false},
		{"missing property under not in is still false", fs(not(in("sys.contentType.sys.id", "internal"))), mkEvent("ContentManagement.Asset.save", "master", asset), false},
		{"createdBy", fs(eq("sys.createdBy.sys.id", "u1")), mkEvent("ContentManagement.Entry.save", "master", entry), true},
		{"updatedBy", fs(eq("sys.updatedBy.sys.id", "u2")), mkEvent("ContentManagement.Entry.save", "master", entry), true},
		{"deletedBy", fs(eq("sys.deletedBy.sys.id", "u3")), mkEvent("ContentManagement.Entry.delete", "master", deleted), true},
		{"deletedBy missing", fs(eq("sys.deletedBy.sys.id", "u3")), mkEvent("ContentManagement.Entry.save", "master", entry), false},
		{"all filters must hold", fs(eq("sys.id", "post-1"), eq("sys.updatedBy.sys.id", "u9")), mkEvent("ContentManagement.Entry.save", "master", entry), false},
		{"all filters hold", fs(eq("sys.environment.sys.id", "master"), not(in("sys.contentType.sys.id", "internal")), re("sys.id", "^post-")), mkEvent("ContentManagement.Entry.save", "master", entry), true},
		{"non-string value is missing", fs(eq("sys.id", "5")), mkEvent("ContentManagement.Entry.save", "master", `{"sys":{"id":5}}`), false},
		{"escaped value", fs(eq("sys.id", "a-b")), mkEvent("ContentManagement.Entry.save", "master", `{"sys":{"id":"a\u002db"}}`), true},
		{"payload not JSON", fs(eq("sys.id", "post-1")), mkEvent("ContentManagement.Entry.save", "master", `{"sys":`), false},
		{"payload empty", fs(not(eq("sys.id", "post-1"))), mkEvent("ContentManagement.Entry.save", "master", ``), false},
	}
	for _, tt := range tests {
		w := mustCompile(t, Definition{Topics: []string{"*.*"}, Filters: tt.filters})
		if got := w.Matches(tt.ev); got != tt.want {
			t.Errorf("%s: Matches = %v; want %v", tt.name, got, tt.want)
		}
	}
}

func TestMatchesDerivedEvents(t *testing.T) {
	// A webhook filtered on the alias master fires for writes through the
	// alias (and the legacy path), not for writes to the target's own id.
	w := mustCompile(t, Definition{Topics: []string{"Entry.*"}, Filters: &[]Filter{{Op: FilterEquals, Doc: "sys.environment.sys.id", Value: "master"}}})
	body := fixture(t, "entry.json")
	for path, want := range map[string]bool{
		"/spaces/sp1/environments/master/entries/post-1":          true,
		"/spaces/sp1/entries/post-1":                              true,
		"/spaces/sp1/environments/production-2026/entries/post-1": false,
	} {
		d := Derive(Input{Route: route(t, "PUT", path), Status: 200, Body: body, Now: now})
		if got := w.Matches(d.Event); got != want {
			t.Errorf("PUT %s: Matches = %v; want %v", path, got, want)
		}
	}
}

func TestMatchesDoesNotAllocate(t *testing.T) {
	w := mustCompile(t, Definition{Topics: []string{"Asset.*", "Entry.*"}, Filters: &[]Filter{
		{Op: FilterEquals, Doc: "sys.environment.sys.id", Value: "master"},
		{Not: true, Op: FilterIn, Doc: "sys.contentType.sys.id", Values: []string{"internal", "draftOnly"}},
		{Op: FilterRegexp, Doc: "sys.id", Pattern: "^post-"},
	}})
	ev := mkEvent("ContentManagement.Entry.publish", "master", string(fixture(t, "entry.json")))
	if !w.Matches(ev) {
		t.Fatal("no match")
	}
	if n := testing.AllocsPerRun(100, func() { w.Matches(ev) }); n != 0 {
		t.Fatalf("Matches allocates %v times; want 0", n)
	}
}
