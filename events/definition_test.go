package events

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// rebuildSite is the definition example of the Contentful facts (§4.2).
const rebuildSite = `{
  "name": "Rebuild site",
  "url": "https://ci.example.com/hooks/{ /payload/sys/space/sys/id }",
  "topics": ["Entry.publish", "Entry.unpublish", "Asset.*"],
  "filters": [
    { "equals": [ { "doc": "sys.environment.sys.id" }, "master" ] },
    { "not": { "in": [ { "doc": "sys.contentType.sys.id" }, ["draftOnly", "internal"] ] } },
    { "regexp": [ { "doc": "sys.id" }, { "pattern": "^post-" } ] }
  ],
  "headers": [
    { "key": "X-Source", "value": "contentful" },
    { "key": "X-Api-Key", "value": "s3cr3t", "secret": true }
  ],
  "httpBasicUsername": "ci",
  "httpBasicPassword": "hunter2",
  "transformation": {
    "method": "POST",
    "contentType": "application/json; charset=utf-8",
    "includeContentLength": true,
    "body": { "id": "{ /payload/sys/id }", "topic": "{ /topic }" }
  },
  "active": true,
  "sys": { "type": "WebhookDefinition", "id": "wh1", "version": 3, "space": { "sys": { "id": "sp1" } } }
}`

func TestDefinitionJSON(t *testing.T) {
	var d Definition
	if err := json.Unmarshal([]byte(rebuildSite), &d); err != nil {
		t.Fatal(err)
	}
	wantFilters := []Filter{
		{Op: FilterEquals, Doc: "sys.environment.sys.id", Value: "master"},
		{Not: true, Op: FilterIn, Doc: "sys.contentType.sys.id", Values: []string{"draftOnly", "internal"}},
		{Op: FilterRegexp, Doc: "sys.id", Pattern: "^post-"},
	}
	if d.Filters == nil || !reflect.DeepEqual(*d.Filters, wantFilters) {
		t.Fatalf("filters = %+v; want %+v", d.Filters, wantFilters)
	}
	if d.Sys == nil || d.Sys.ID != "wh1" || d.Name != "Rebuild site" || len(d.Headers) != 2 || !d.Headers[1].Secret ||
		d.Transformation == nil || !d.Transformation.IncludeContentLength || d.Active == nil || !*d.Active {
		t.Fatalf("definition read wrongly: %+v", d)
	}
	// Marshal and read back: the same definition.
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var back Definition
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	b2, _ := json.Marshal(back)
	if string(b2) != string(b) || !reflect.DeepEqual(*back.Filters, wantFilters) {
		t.Fatalf("round trip changed the definition:\n%s\n%s", b2, b)
	}
	// The filters are written in Contentful's form.
	fb, _ := json.Marshal(*d.Filters)
	want := `[{"equals":[{"doc":"sys.environment.sys.id"},"master"]},{"not":{"in":[{"doc":"sys.contentType.sys.id"},["draftOnly","internal"]]}},{"regexp":[{"doc":"sys.id"},{"pattern":"^post-"}]}]`
	if string(fb) != want {
		t.Fatalf("filters marshal to\n%s\nwant\n%s", fb, want)
	}
}

func TestDefinitionFiltersAbsentNullEmpty(t *testing.T) {
	tests := []struct {
		json    string
		present bool
		out     string
	}{
		{`{"name":"a"}`, false, `{"name":"a","url":"","topics":null}`},
		{`{"name":"a","filters":null}`, false, `{"name":"a","url":"","topics":null}`},
		{`{"name":"a","filters":[]}`, true, `{"name":"a","url":"","topics":null,"filters":[]}`},
	}
	for _, tt := range tests {
		var d Definition
		if err := json.Unmarshal([]byte(tt.json), &d); err != nil {
			t.Fatal(err)
		}
		if (d.Filters != nil) != tt.present {
			t.Errorf("%s: filters present = %v; want %v", tt.json, d.Filters != nil, tt.present)
		}
		b, _ := json.Marshal(d)
		if string(b) != tt.out {
			t.Errorf("%s: marshals to %s; want %s", tt.json, b, tt.out)
		}
	}
}

func TestFilterUnmarshalErrors(t *testing.T) {
	bad := []string{
		`{}`,
		`[]`,
		`"x"`,
		`{"equals":[{"doc":"sys.id"},"a"],"in":[{"doc":"sys.id"},["a"]]}`,
		`{"equals":[{"doc":"sys.id"}]}`,
		`{"equals":[{"doc":"sys.id"},"a","b"]}`,
		`{"equals":[{"doc":"sys.id"},1]}`,
		`{"equals":[{"doc":"sys.id"},null]}`,
		`{"equals":[{"path":"sys.id"},"a"]}`,
		`{"equals":["sys.id","a"]}`,
		`{"in":[{"doc":"sys.id"},"a"]}`,
		`{"in":[{"doc":"sys.id"},null]}`,
		`{"regexp":[{"doc":"sys.id"},"^a"]}`,
		`{"not":{"not":{"equals":[{"doc":"sys.id"},"a"]}}}`,
		`{"not":"x"}`,
		`{"contains":[{"doc":"sys.id"},"a"]}`,
	}
	for _, s := range bad {
		var f Filter
		if err := json.Unmarshal([]byte(s), &f); err == nil {
			t.Errorf("Unmarshal(%s) = %+v; want an error", s, f)
		}
	}
}

func TestDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{`"30s"`, 30 * time.Second, true},
		{`"1.5h"`, 90 * time.Minute, true},
		{`"1d"`, 24 * time.Hour, true},
		{`"1d12h"`, 36 * time.Hour, true},
		{`"500ms"`, 500 * time.Millisecond, true},
		{`30000000000`, 30 * time.Second, true},
		{`"30"`, 0, false},
		{`"soon"`, 0, false},
		{`"d"`, 0, false},
		{`1.5`, 0, false},
		{`true`, 0, false},
	}
	for _, tt := range tests {
		var d Duration
		err := json.Unmarshal([]byte(tt.in), &d)
		if (err == nil) != tt.ok || (tt.ok && time.Duration(d) != tt.want) {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v, ok %v", tt.in, time.Duration(d), err, tt.want, tt.ok)
		}
	}
	b, _ := json.Marshal(Duration(90 * time.Second))
	if string(b) != `"1m30s"` {
		t.Errorf("Marshal = %s; want \"1m30s\"", b)
	}
}

func TestWebhookID(t *testing.T) {
	tests := map[string]string{
		"Rebuild site":        "rebuild-site",
		"  Rebuild   SITE!! ": "rebuild-site",
		"Algolia: index (v2)": "algolia-index-v2",
		"a_b.c-d":             "a-b-c-d",
		"Café crème":          "caf-cr-me",
		"---":                 "",
		"":                    "",
		"Slack #2":            "slack-2",
	}
	for in, want := range tests {
		if got := WebhookID(in); got != want {
			t.Errorf("WebhookID(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	base := func() Definition {
		return Definition{Name: "Hook", URL: "https://example.com/h", Topics: []string{"*.*"}}
	}
	filters := func(f ...Filter) *[]Filter { return &f }
	tests := []struct {
		name   string
		edit   func(*Definition)
		fields []string // the error must mention each
	}{
		{"no name", func(d *Definition) { d.Name = " " }, []string{"name"}},
		{"name without id characters", func(d *Definition) { d.Name = "!!!" }, []string{`"!!!"`, "id"}},
		{"long name", func(d *Definition) { d.Name = strings.Repeat("a", 65) }, []string{"id", "set id"}},
		{"bad explicit id", func(d *Definition) { d.ID = "a/b" }, []string{"id", `"a/b"`}},
		{"bad sys id", func(d *Definition) { d.Sys = &DefinitionSys{ID: "a b"} }, []string{"id"}},
		{"no url", func(d *Definition) { d.URL = "" }, []string{`"Hook"`, "url"}},
		{"relative url", func(d *Definition) { d.URL = "/hooks" }, []string{"url"}},
		{"ftp url", func(d *Definition) { d.URL = "ftp://example.com/" }, []string{"url"}},
		{"url without host", func(d *Definition) { d.URL = "https:///x" }, []string{"url"}},
		{"unclosed template", func(d *Definition) { d.URL = "https://example.com/{ /payload/sys/id" }, []string{"url", "unclosed"}},
		{"unknown pointer root", func(d *Definition) { d.URL = "https://example.com/{ /entity/id }" }, []string{"url", "/payload"}},
		{"helper without count", func(d *Definition) { d.URL = "https://example.com/{ first-chars /topic }" }, []string{"url", "count"}},
		{"helper with bad count", func(d *Definition) { d.URL = "https://example.com/{ first-words 0 /topic }" }, []string{"url", "count"}},
		{"helper with extra argument", func(d *Definition) { d.URL = "https://example.com/{ stringify 3 /topic }" }, []string{"url", "stringify"}},
		{"bad pointer escape", func(d *Definition) { d.URL = "https://example.com/{ /payload/a~2 }" }, []string{"url", "~"}},
		{"template in scheme", func(d *Definition) { d.URL = "{ /payload/sys/id }://x" }, []string{"url"}},
		{"no topics", func(d *Definition) { d.Topics = nil }, []string{"topics"}},
		{"prefixed topic", func(d *Definition) { d.Topics = []string{"ContentManagement.Entry.publish"} }, []string{"topics", "prefix"}},
		{"partial wildcard", func(d *Definition) { d.Topics = []string{"Entry.pub*"} }, []string{"topics", "Entry.pub*"}},
		{"empty topic part", func(d *Definition) { d.Topics = []string{"Entry."} }, []string{"topics"}},
		{"unknown doc path", func(d *Definition) {
			d.Filters = filters(Filter{Op: FilterEquals, Doc: "fields.title", Value: "x"})
		}, []string{"filters[0]", "fields.title"}},
		{"bad regexp", func(d *Definition) {
			d.Filters = filters(Filter{Op: FilterEquals, Doc: "sys.id"}, Filter{Op: FilterRegexp, Doc: "sys.id", Pattern: "(?<=a)b"})
		}, []string{"filters[1]", "regular expression"}},
		{"unknown operator", func(d *Definition) { d.Filters = filters(Filter{Op: "like", Doc: "sys.id"}) }, []string{"filters[0]", "like"}},
		{"bad header name", func(d *Definition) { d.Headers = []Header{{Key: "X Bad", Value: "v"}} }, []string{"headers", "X Bad"}},
		{"reserved header", func(d *Definition) { d.Headers = []Header{{Key: "x-contentful-topic", Value: "v"}} }, []string{"headers", "X-Contentful-Topic"}},
		{"content-type header", func(d *Definition) { d.Headers = []Header{{Key: "Content-Type", Value: "v"}} }, []string{"headers", "Content-Type"}},
		{"duplicate header", func(d *Definition) { d.Headers = []Header{{Key: "X-A", Value: "1"}, {Key: "x-a", Value: "2"}} }, []string{"headers", "twice"}},
		{"header value with newline", func(d *Definition) { d.Headers = []Header{{Key: "X-A", Value: "a\nb"}} }, []string{"headers", "control"}},
		{"header template", func(d *Definition) { d.Headers = []Header{{Key: "X-A", Value: "{ /payload"}} }, []string{"headers", "X-A", "unclosed"}},
		{"authorization with basic auth", func(d *Definition) {
			d.HTTPBasicUsername, d.HTTPBasicPassword = "u", "p"
			d.Headers = []Header{{Key: "Authorization", Value: "Bearer x"}}
		}, []string{"headers", "Authorization"}},
		{"password without user", func(d *Definition) { d.HTTPBasicPassword = "p" }, []string{"httpBasicUsername"}},
		{"colon in user", func(d *Definition) { d.HTTPBasicUsername = "a:b" }, []string{"httpBasicUsername"}},
		{"bad method", func(d *Definition) { d.Transformation = &Transformation{Method: "post"} }, []string{"transformation", "method"}},
		{"bad content type", func(d *Definition) { d.Transformation = &Transformation{ContentType: "text/plain"} }, []string{"transformation", "contentType"}},
		{"invalid body", func(d *Definition) { d.Transformation = &Transformation{Body: json.RawMessage(`{"a":`)} }, []string{"transformation", "body"}},
		{"body template error", func(d *Definition) {
			d.Transformation = &Transformation{Body: json.RawMessage(`{"a":"{ /payload"}`)}
		}, []string{"transformation", "body", "unclosed"}},
		{"form body not an object", func(d *Definition) {
			d.Transformation = &Transformation{ContentType: "application/x-www-form-urlencoded", Body: json.RawMessage(`["a"]`)}
		}, []string{"transformation", "object"}},
		{"too many attempts", func(d *Definition) { d.Retry = &Retry{Attempts: 101} }, []string{"retry.attempts"}},
		{"negative attempts", func(d *Definition) { d.Retry = &Retry{Attempts: -1} }, []string{"retry.attempts"}},
		{"negative delay", func(d *Definition) { d.Retry = &Retry{Delay: -1} }, []string{"retry.delay"}},
		{"unknown backoff", func(d *Definition) { d.Retry = &Retry{Backoff: "linear"} }, []string{"retry.backoff", "linear"}},
		{"max delay under delay", func(d *Definition) {
			d.Retry = &Retry{Delay: Duration(time.Minute), MaxDelay: Duration(time.Second)}
		}, []string{"retry.maxDelay", "shorter"}},
		{"negative timeout", func(d *Definition) { d.Timeout = -1 }, []string{"timeout"}},
	}
	for _, tt := range tests {
		d := base()
		tt.edit(&d)
		w, err := Compile(d)
		if err == nil {
			t.Errorf("%s: Compile succeeded (id %s); want an error", tt.name, w.ID())
			continue
		}
		for _, f := range tt.fields {
			if !strings.Contains(err.Error(), f) {
				t.Errorf("%s: error %q does not mention %q", tt.name, err, f)
			}
		}
	}
}

func TestCompile(t *testing.T) {
	var d Definition
	if err := json.Unmarshal([]byte(rebuildSite), &d); err != nil {
		t.Fatal(err)
	}
	w, err := Compile(d)
	if err != nil {
		t.Fatal(err)
	}
	if w.ID() != "wh1" || w.Name() != "Rebuild site" {
		t.Errorf("id, name = %q, %q; want wh1, Rebuild site", w.ID(), w.Name())
	}
	if w.Attempts() != 3 || w.RetryDelay() != 30*time.Second || w.Timeout() != 30*time.Second {
		t.Errorf("defaults = %d, %v, %v; want 3, 30s, 30s", w.Attempts(), w.RetryDelay(), w.Timeout())
	}
	if !reflect.DeepEqual(w.Definition(), d) {
		t.Errorf("Definition() = %+v; want as configured %+v", w.Definition(), d)
	}

	// The compiled webhook does not share memory with the caller's definition.
	(*d.Filters)[0].Value = "changed"
	d.Headers[0].Value = "changed"
	d.Topics[0] = "changed"
	if got := w.Definition(); (*got.Filters)[0].Value != "master" || got.Headers[0].Value != "contentful" || got.Topics[0] != "Entry.publish" {
		t.Errorf("Definition() follows changes made to the input after Compile: %+v", got)
	}
	w.Definition().Headers[0].Value = "changed again"
	if w.Definition().Headers[0].Value != "contentful" {
		t.Error("Definition() returns shared memory")
	}

	// Redacted drops the secrets and says the id.
	r := w.Redacted()
	b, _ := json.Marshal(r)
	for _, secret := range []string{"s3cr3t", "hunter2"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("Redacted() shows %q: %s", secret, b)
		}
	}
	if r.Sys == nil || r.Sys.ID != "wh1" || r.Sys.Type != "WebhookDefinition" || r.Headers[1].Key != "X-Api-Key" || !r.Headers[1].Secret ||
		r.Headers[0].Value != "contentful" || r.HTTPBasicUsername != "ci" {
		t.Errorf("Redacted() = %s", b)
	}
	if w.Definition().HTTPBasicPassword != "hunter2" {
		t.Error("Redacted() changed the webhook's own definition")
	}
}

func TestCompileIDs(t *testing.T) {
	tests := []struct {
		def  Definition
		want string
	}{
		{Definition{Name: "Rebuild site"}, "rebuild-site"},
		{Definition{Name: "Rebuild site", Sys: &DefinitionSys{ID: "5KsDBWseXY6QegucYAoacS"}}, "5KsDBWseXY6QegucYAoacS"},
		{Definition{Name: "Rebuild site", ID: "rebuild", Sys: &DefinitionSys{ID: "5Ks"}}, "rebuild"},
	}
	for _, tt := range tests {
		tt.def.URL, tt.def.Topics = "https://example.com", []string{"*.*"}
		w, err := Compile(tt.def)
		if err != nil || w.ID() != tt.want {
			t.Errorf("Compile(%+v) id = %v, %v; want %s", tt.def, w, err, tt.want)
		}
	}
}

func TestCompileRetryAndTimeout(t *testing.T) {
	w, err := Compile(Definition{Name: "a", URL: "http://x", Topics: []string{"*.*"},
		Retry: &Retry{Attempts: 5, Delay: Duration(time.Minute)}, Timeout: Duration(5 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	if w.Attempts() != 5 || w.RetryDelay() != time.Minute || w.Timeout() != 5*time.Second {
		t.Fatalf("retry, timeout = %d, %v, %v; want 5, 1m, 5s", w.Attempts(), w.RetryDelay(), w.Timeout())
	}
}

func TestCompileRetryPolicy(t *testing.T) {
	w, err := Compile(Definition{Name: "r", URL: "https://example.com/", Topics: []string{"*.*"},
		Retry: &Retry{Attempts: 10, Delay: Duration(5 * time.Second), Backoff: BackoffExponential, MaxDelay: Duration(10 * time.Minute)}})
	if err != nil {
		t.Fatal(err)
	}
	if w.Attempts() != 10 || w.RetryDelay() != 5*time.Second || w.Backoff() != BackoffExponential || w.MaxDelay() != 10*time.Minute {
		t.Errorf("retry policy %d %v %q %v", w.Attempts(), w.RetryDelay(), w.Backoff(), w.MaxDelay())
	}
}
