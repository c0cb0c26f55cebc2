package events

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/render")

// renderEvent is the event of the rendering tests.
func renderEvent(t testing.TB) *Event {
	t.Helper()
	return &Event{
		ID: "0123456789abcdef0123456789abcdef", Topic: "ContentManagement.Entry.publish",
		Space: "sp1", Environment: "master", EntityID: "post-1",
		Payload: fixture(t, "render_payload.json"),
	}
}

// dump writes a rendered request as golden text.
func dump(r Rendered) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\nContent-Type: %s\nContent-Length: %v\n", r.Method, r.URL, r.ContentType, r.ContentLength)
	names := make([]string, 0, len(r.Header))
	for k := range r.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(&b, "%s: %q\n", k, r.Header[k])
	}
	fmt.Fprintf(&b, "Secret: %v\n", r.SecretHeaders)
	if r.Body == nil {
		b.WriteString("(no body)\n")
	} else {
		b.WriteString("\n")
		b.Write(r.Body)
		b.WriteString("\n")
	}
	return b.String()
}

func TestRenderGolden(t *testing.T) {
	form := "application/x-www-form-urlencoded"
	tests := []struct {
		name string
		def  Definition
	}{
		{"default", Definition{}},
		{"whole_value", Definition{Transformation: &Transformation{Body: json.RawMessage(`{
			"entity": "{ /payload }",
			"id": "{ /payload/sys/id }",
			"revision": "{ /payload/sys/revision }",
			"rating": "{ /payload/fields/rating/en-US }",
			"featured": "{ /payload/fields/featured/en-US }",
			"nothing": "{ /payload/fields/nothing/en-US }",
			"fields": "{/payload/fields/title}",
			"tags": "{ /payload/fields/tags/en-US }",
			"topic": "{ /topic }"
		}`)}}},
		{"string_template", Definition{Transformation: &Transformation{Body: json.RawMessage(`{
			"text": "Entry { /payload/sys/id } revision { /payload/sys/revision } in { /payload/sys/environment/sys/id }",
			"object": "title: { /payload/fields/title }",
			"array": "tags: { /payload/fields/tags/en-US }",
			"number": "rating { /payload/fields/rating/en-US }/5, featured { /payload/fields/featured/en-US }",
			"null": "[{ /payload/fields/nothing/en-US }]",
			"missing": "[{ /payload/fields/absent/en-US }]",
			"padded": " { /payload/sys/id } ",
			"sqs": "{ /topic },{ /payload/sys/id },{ /user/sys/id }",
			"braces": "{not a pointer} {} {{ /payload/sys/id }}",
			"escapes": "quote \" backslash \\ tab \t { /payload/fields/multiline/en-US }"
		}`)}}},
		{"nested", Definition{Transformation: &Transformation{Body: json.RawMessage(`{
			"a": { "b": [ "{ /topic }", 1, 2.50, true, null, { "c": "{ /payload/sys/id }", "d": [] } ] },
			"literal": { "x": [1, 2, {"y": "z"}], "empty": {} },
			"n": -1e3
		}`)}}},
		{"array_body", Definition{Transformation: &Transformation{Body: json.RawMessage(`["{ /payload/sys/id }", "{ /payload/sys/contentType/sys/id }"]`)}}},
		{"scalar_body", Definition{Transformation: &Transformation{Body: json.RawMessage(`"{ /payload/sys/id }"`)}}},
		{"missing_pointer", Definition{Transformation: &Transformation{Body: json.RawMessage(`{
			"absent": "{ /payload/does/not/exist }",
			"index_out_of_range": "{ /payload/fields/tags/en-US/5 }",
			"index": "{ /payload/fields/tags/en-US/1 }",
			"leading_zero": "{ /payload/fields/tags/en-US/01 }",
			"below_string": "{ /payload/sys/id/x }",
			"below_topic": "{ /topic/x }",
			"escaped_key": "{ /payload/a~1b~0c }",
			"helper_on_missing": "{ first-chars 3 /payload/nope }"
		}`)}}},
		{"user", Definition{Transformation: &Transformation{Body: json.RawMessage(`{"user": "{ /user }", "id": "{ /user/sys/id }", "aws": {"topic": "{ /topic }", "user": "{ /user }"}}`)}}},
		{"helpers", Definition{Transformation: &Transformation{Body: json.RawMessage(`{
			"chars": "{ first-chars 9 /payload/fields/title/en-US }",
			"chars_unicode": "{ first-chars 2 /payload/fields/unicode }",
			"words": "{ first-words 4 /payload/fields/body/en-US }",
			"paragraphs": "{ first-paragraphs 2 /payload/fields/body/en-US }",
			"stop_words": "{ strip-stop-words /payload/fields/title/en-US }",
			"markdown": "{ strip-markdown /payload/fields/body/en-US }",
			"stringify": "{ stringify /payload/fields/tags }",
			"stringify_string": "{ stringify /payload/sys/id }",
			"in_text": "Title: { first-words 1 /payload/fields/title/en-US }! Tags: { stringify /payload/fields/tags/en-US }",
			"number": "{ first-chars 2 /payload/fields/rating/en-US }"
		}`)}}},
		{"form", Definition{Transformation: &Transformation{ContentType: form + "; charset=utf-8", IncludeContentLength: true, Body: json.RawMessage(`{
			"to": "team@example.com",
			"subject": "Published { /payload/sys/id }",
			"revision": "{ /payload/sys/revision }",
			"flag": true,
			"space": "{ /payload/sys/space }",
			"tags": "{ /payload/fields/tags/en-US }",
			"none": null,
			"a&b c": "c=d e+f/ü"
		}`)}}},
		{"form_default_body", Definition{Transformation: &Transformation{ContentType: form}}},
		{"get_url_template", Definition{
			URL:            "https://receiver.example/{ /payload/sys/id }/{ /payload/fields/title/en-US }?topic={ /topic }&rev={ /payload/sys/revision }",
			Transformation: &Transformation{Method: "GET", Body: json.RawMessage(`{"ignored": true}`)},
		}},
		{"delete_method", Definition{Transformation: &Transformation{Method: "DELETE"}}},
		{"put_json", Definition{Transformation: &Transformation{Method: "PUT", ContentType: "application/json"}}},
		{"headers", Definition{
			Headers: []Header{
				{Key: "X-Source", Value: "contentful"},
				{Key: "x-entity", Value: "{ /payload/sys/contentType/sys/id }/{ /payload/sys/id }"},
				{Key: "X-Api-Key", Value: "s3cr3t", Secret: true},
				{Key: "X-Multiline", Value: "{ /payload/fields/multiline/en-US }"},
				{Key: "X-Empty", Value: ""},
			},
			HTTPBasicUsername: "ci", HTTPBasicPassword: "hunter2",
		}},
	}
	ev := renderEvent(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def := tt.def
			def.Topics = []string{"*.*"}
			w := mustCompile(t, def)
			r, err := w.Render(ev)
			if err != nil {
				t.Fatal(err)
			}
			if r.Body != nil && !strings.HasPrefix(r.ContentType, form) && !json.Valid(r.Body) {
				t.Errorf("body is not valid JSON: %s", r.Body)
			}
			got := dump(r)
			path := "testdata/render/" + tt.name + ".golden"
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestRenderGolden -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("rendered\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	form := &Transformation{ContentType: "application/x-www-form-urlencoded", Body: json.RawMessage(`"{ /payload/sys/id }"`)}
	tests := []struct {
		name string
		def  Definition
		ev   *Event
	}{
		{"form body resolves to a string", Definition{Transformation: form}, renderEvent(t)},
		{"form default body is not an object", Definition{Transformation: &Transformation{ContentType: "application/x-www-form-urlencoded"}},
			&Event{Topic: "ContentManagement.Entry.save", Payload: []byte(`[1]`)}},
		{"host template gives no valid host", Definition{URL: "https://{ /payload/sys/id }.example.com/"},
			&Event{Topic: "ContentManagement.Entry.save", Payload: []byte(`{"sys":{"id":"a/b c"}}`)}},
		{"no event", Definition{}, nil},
	}
	for _, tt := range tests {
		def := tt.def
		def.Topics = []string{"*.*"}
		w := mustCompile(t, def)
		if r, err := w.Render(tt.ev); err == nil {
			t.Errorf("%s: Render = %s; want an error", tt.name, dump(r))
		}
	}
}

func TestRenderStaticURLNeedsNoPayload(t *testing.T) {
	w := mustCompile(t, Definition{Topics: []string{"*.*"}, URL: "https://r.example/a b"})
	r, err := w.Render(&Event{Topic: "ContentManagement.Entry.save"})
	if err != nil || r.URL != "https://r.example/a b" || r.Body != nil {
		t.Fatalf("Render = %+v, %v", r, err)
	}
}
