package events

import (
	"encoding/json"
	"testing"
)

func BenchmarkMatchHit(b *testing.B) {
	p, _ := LookupProfile("contentful")
	b.ReportAllocs()
	for b.Loop() {
		p.MatchRequest("PUT", "/spaces/sp1/environments/master/entries/post-1/published", nil)
	}
}

func BenchmarkMatchMiss(b *testing.B) {
	p, _ := LookupProfile("contentful")
	b.ReportAllocs()
	for b.Loop() {
		p.MatchRequest("GET", "/spaces/sp1/environments/master/entries/post-1", nil)
		p.MatchRequest("PUT", "/spaces/sp1/environments/master/locales/en-US", nil)
		p.MatchRequest("POST", "/api/v1/upload", nil)
	}
}

func BenchmarkDeriveSave(b *testing.B) {
	in := Input{Route: route(b, "PUT", "/spaces/sp1/environments/master/entries/post-1"), Status: 200, Body: fixture(b, "entry.json"), Now: now}
	b.ReportAllocs()
	for b.Loop() {
		Derive(in)
	}
}

func BenchmarkDerivePublish(b *testing.B) {
	in := Input{Route: route(b, "PUT", "/spaces/sp1/environments/master/entries/post-1/published"), Status: 200, Body: fixture(b, "entry.json"), Now: now}
	b.ReportAllocs()
	for b.Loop() {
		Derive(in)
	}
}

func BenchmarkAliasResolve(b *testing.B) {
	tbl := NewAliasTable()
	tbl.SetStatic("", "staging", "st-1")
	tbl.SetFetched("sp1", map[string]string{"master": "prod-2"}, tbl.Changes("sp1"))
	b.ReportAllocs()
	for b.Loop() {
		tbl.Resolve("sp1", "master")
		tbl.Resolve("sp1", "prod-2")
	}
}

func BenchmarkDeriveSaveThroughAlias(b *testing.B) {
	in := Input{Route: route(b, "PUT", "/spaces/sp1/environments/master/entries/post-1"), Status: 200, Body: fixture(b, "entry.json"), Now: now, AliasTarget: "prod-2"}
	b.ReportAllocs()
	for b.Loop() {
		Derive(in)
	}
}

func BenchmarkMatchesFilters(b *testing.B) {
	w := mustCompile(b, Definition{Topics: []string{"Asset.*", "Entry.*"}, Filters: &[]Filter{
		{Op: FilterEquals, Doc: "sys.environment.sys.id", Value: "master"},
		{Not: true, Op: FilterIn, Doc: "sys.contentType.sys.id", Values: []string{"internal", "draftOnly"}},
		{Op: FilterRegexp, Doc: "sys.id", Pattern: "^post-"},
	}})
	ev := mkEvent("ContentManagement.Entry.publish", "master", string(fixture(b, "entry.json")))
	b.ReportAllocs()
	for b.Loop() {
		if !w.Matches(ev) {
			b.Fatal("no match")
		}
	}
}

func BenchmarkRenderDefault(b *testing.B) {
	w := mustCompile(b, Definition{Topics: []string{"*.*"}, Headers: []Header{{Key: "X-Source", Value: "contentful"}}})
	ev := renderEvent(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := w.Render(ev); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderTemplate(b *testing.B) {
	w := mustCompile(b, Definition{
		Topics: []string{"*.*"},
		URL:    "https://ci.example.com/hooks/{ /payload/sys/space/sys/id }",
		Transformation: &Transformation{ContentType: "application/json; charset=utf-8", Body: json.RawMessage(
			`{"id":"{ /payload/sys/id }","topic":"{ /topic }","user":"{ /user }","title":"Published: { /payload/fields/title/en-US }","summary":"{ first-words 10 /payload/fields/body/en-US }"}`)},
	})
	ev := renderEvent(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := w.Render(ev); err != nil {
			b.Fatal(err)
		}
	}
}
