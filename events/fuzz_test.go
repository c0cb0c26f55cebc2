package events

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

func FuzzMatch(f *testing.F) {
	for _, s := range []string{
		"/spaces/sp1/environments/master/entries/post-1",
		"/spaces/sp1/entries/post-1/published",
		"/spaces/sp1/environments/e/assets/a/archived",
		"/spaces/sp1/environment_aliases/master",
		"/spaces/sp1/scheduled_actions/sa?environment.sys.id=x",
		"/spaces/sp1/environments/e/bulk_actions/publish",
		"/spaces/sp1/environments/e/releases/r/archived",
		"/spaces//entries/x", "/spaces/sp1/entries/../x", "/",
	} {
		for _, m := range []string{"PUT", "POST", "DELETE", "PATCH", "GET"} {
			f.Add(m, s)
		}
	}
	p, _ := LookupProfile("contentful")
	f.Fuzz(func(t *testing.T, method, path string) {
		r, ok := p.MatchRequest(method, path, nil)
		if !ok {
			if r != (Route{}) {
				t.Fatalf("no match but route %+v", r)
			}
			return
		}
		switch {
		case method != "PUT" && method != "POST" && method != "PATCH" && method != "DELETE":
			t.Fatalf("matched method %q", method)
		case r.Method != method || !ValidID(r.Space) || collectionOf(r.EntityType) == "":
			t.Fatalf("bad route %+v", r)
		case r.EntityID != "" && !ValidID(r.EntityID):
			t.Fatalf("bad entity id in %+v", r)
		case r.Environment != "" && !ValidID(r.Environment):
			t.Fatalf("bad environment in %+v", r)
		case r.Legacy && r.Environment != "master":
			t.Fatalf("legacy route without master: %+v", r)
		case r.Sub != "" && r.Sub != SubPublished && r.Sub != SubArchived:
			t.Fatalf("bad sub-resource in %+v", r)
		}
		clean, _, _ := strings.Cut(path, "?")
		if ep := r.EntityPath(); ep != "" {
			if !strings.HasPrefix(clean, ep) {
				t.Fatalf("entity path %q is not a prefix of %q", ep, clean)
			}
			back, ok := p.MatchRequest("DELETE", ep, nil)
			if !ok || back.EntityKey() != r.EntityKey() {
				t.Fatalf("entity path %q does not match back to %q (got %+v)", ep, r.EntityKey(), back)
			}
		}
	})
}

var hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

func FuzzDerive(f *testing.F) {
	entry := fixture(f, "entry.json")
	for _, c := range []struct {
		method, path string
		status       int
		body         []byte
	}{
		{"POST", "/spaces/sp1/entries", 201, entry},
		{"PUT", "/spaces/sp1/environments/e/entries/x/published", 200, entry},
		{"DELETE", "/spaces/sp1/entries/x/published", 200, entry},
		{"DELETE", "/spaces/sp1/entries/x", 204, nil},
		{"PUT", "/spaces/sp1/environment_aliases/master", 201, []byte(`{"sys":{"id":"master"}}`)},
		{"PUT", "/spaces/sp1/entries/x", 200, []byte(`{"sys":{"id":1,"contentType":[],"publishedCounter":"x"}}`)},
		{"PUT", "/spaces/sp1/entries/x/published", 200, []byte(`{"sys":{"updatedBy":{"sys":{"id":"\u0000"}}}}`)},
		{"POST", "/spaces/sp1/entries", 201, []byte(`{"sys":{"id":"\ud800"}}`)},
	} {
		f.Add(c.method, c.path, c.status, c.body, false, false, "blogPost", 3, "u1", "")
		f.Add(c.method, c.path, c.status, c.body, false, false, "", 0, "", "prod-2")
	}
	p, _ := LookupProfile("contentful")
	f.Fuzz(func(t *testing.T, method, path string, status int, body []byte, truncated, autoSave bool, ct string, rev int, user, aliasTarget string) {
		r, ok := p.MatchRequest(method, path, nil)
		if !ok {
			r = Route{Space: "sp1", Environment: "master", EntityType: TypeEntry, EntityID: "x", Method: method}
		}
		var prior *Entity
		if ct != "" || user != "" {
			prior = &Entity{Type: r.EntityType, ID: r.EntityID, ContentType: ct, Revision: rev, UpdatedBy: user}
		}
		d := Derive(Input{Route: r, Status: status, Body: body, Truncated: truncated, AutoSave: autoSave, Prior: prior, Now: now, AliasTarget: aliasTarget})
		if d.Event == nil {
			return
		}
		ev := d.Event
		if ev.Environment != r.Environment {
			t.Fatalf("event environment %q; want the segment %q", ev.Environment, r.Environment)
		}
		if aliasTarget != "" && r.Environment != "" && d.Key != "" && !strings.HasPrefix(d.Key, r.Space+"/"+aliasTarget+"/") {
			t.Fatalf("key %q does not use the alias target %q", d.Key, aliasTarget)
		}
		if !json.Valid(ev.Payload) || !isObject(ev.Payload) {
			t.Fatalf("payload is not a JSON object: %q", ev.Payload)
		}
		if strings.Count(ev.Topic, ".") != 2 || !hex32.MatchString(ev.ID) {
			t.Fatalf("bad event %+v", ev)
		}
		if _, err := json.Marshal(ev); err != nil {
			t.Fatalf("event does not marshal: %v", err)
		}
		if d.Entity != nil {
			if _, err := json.Marshal(d.Entity); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func FuzzRender(f *testing.F) {
	payload := fixture(f, "render_payload.json")
	f.Add(`{"a":"{ /payload/sys/id }","b":"x { stringify /payload/fields } y"}`, "https://r.example/{ /payload/sys/id }", "{ /topic }", payload, false)
	f.Add(`"{ /payload }"`, "https://r.example/", "", []byte(`{"sys":`), true)
	f.Add(`[1,"{ first-paragraphs 2 /payload/fields/body/en-US }",{"u":"{ /user }"}]`, "http://r.example/{ /user/sys/id }", "v", payload, false)
	f.Add(`{"m":"{ strip-markdown /payload/fields/body/en-US }","w":"{ first-words 3 /payload/x }"}`, "https://r.example/", "", []byte(`{"sys":{"updatedBy":"x"}}`), true)
	f.Fuzz(func(t *testing.T, body, url, headerValue string, payload []byte, form bool) {
		def := Definition{Name: "fuzz", URL: url, Topics: []string{"*.*"}, Filters: &[]Filter{},
			Headers: []Header{{Key: "X-Value", Value: headerValue}}}
		ctype := "application/json"
		if form {
			ctype = "application/x-www-form-urlencoded"
		}
		def.Transformation = &Transformation{ContentType: ctype}
		if json.Valid([]byte(body)) {
			def.Transformation.Body = json.RawMessage(body)
		}
		w, err := Compile(def)
		if err != nil {
			return
		}
		ev := &Event{Topic: "ContentManagement.Entry.save", Environment: "master", Payload: payload}
		w.Matches(ev)
		r, err := w.Render(ev)
		if err != nil {
			return
		}
		if !form && json.Valid(payload) && !json.Valid(r.Body) {
			t.Fatalf("rendered body is not JSON: %q", r.Body)
		}
		if v := r.Header.Get("X-Value"); strings.ContainsAny(v, "\r\n") {
			t.Fatalf("header value with a line break: %q", v)
		}
	})
}

func FuzzFilterJSON(f *testing.F) {
	for _, s := range []string{
		`{"equals":[{"doc":"sys.id"},"a"]}`,
		`{"not":{"in":[{"doc":"sys.contentType.sys.id"},["a","b"]]}}`,
		`{"regexp":[{"doc":"sys.id"},{"pattern":"^a"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var fl Filter
		if json.Unmarshal(b, &fl) != nil {
			return
		}
		out, err := json.Marshal(fl)
		if err != nil {
			t.Fatalf("Marshal(%+v): %v", fl, err)
		}
		var back Filter
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("Unmarshal(%s): %v", out, err)
		}
		again, _ := json.Marshal(back)
		if string(again) != string(out) {
			t.Fatalf("round trip changed %s to %s", out, again)
		}
		if c, err := compileFilter(fl); err == nil {
			doc := filterDoc{ev: &Event{Payload: []byte(`{"sys":{"id":"a","contentType":{"sys":{"id":"b"}}}}`)}}
			doc.eval(&c)
		}
	})
}

// FuzzContentstackDerive feeds the Contentstack profile arbitrary routes,
// answers, publish bodies and lookups: it never panics, and every event has
// a JSON envelope, a channel topic and one environment per event.
func FuzzContentstackDerive(f *testing.F) {
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	f.Add("POST", "/v3/content_types/blog/entries/blt1/publish", 200, []byte(`{"notice":"ok"}`),
		[]byte(`{"entry":{"environments":["a","b"],"locales":["en-us"]}}`), []byte(`{"entry":{"uid":"blt1"}}`), []byte(`{"environments":[{"name":"a"}]}`))
	f.Add("POST", "/v3/assets", 201, []byte(`{"asset":{"uid":"blt2"}}`), []byte(nil), []byte(nil), []byte(nil))
	f.Add("DELETE", "/v3/content_types/blog", 200, []byte(`{"notice":1}`), []byte(`[]`), []byte(`{"content_type":[]}`), []byte(`{"environments":{}}`))
	f.Add("PUT", "/v3/content_types/blog/entries/blt1", 200, []byte(`{"entry":"x"}`), []byte(`{"entry":{"environments":[1,"\u0000"]}}`), []byte(`nul`), []byte(`{"environments":[1]}`))
	p, _ := LookupProfile("contentstack")
	h := http.Header{"Api_key": {"blt1"}}
	f.Fuzz(func(t *testing.T, method, path string, status int, body, reqBody, entity, envs []byte) {
		r, ok := p.MatchRequest(method, path, h)
		if !ok {
			return
		}
		lookups := map[string][]byte{}
		for i, l := range p.Needs(r).Lookups {
			lookups[l.Path] = [][]byte{entity, entity, envs}[i%3]
		}
		d := p.Derive(Input{Route: r, Status: status, Body: body, RequestBody: reqBody, Lookups: lookups, Now: now})
		if d.Event == nil {
			return
		}
		for _, ev := range append([]*Event{d.Event}, d.More...) {
			if !json.Valid(ev.Payload) || !isObject(ev.Payload) || len(ev.Channels) == 0 || ev.Topic != ev.Channels[0] {
				t.Fatalf("bad event %+v", ev)
			}
			if r.Sub == "" && ev.Environment != "" {
				t.Fatalf("a write that is not a publish has environment %q", ev.Environment)
			}
		}
	})
}
