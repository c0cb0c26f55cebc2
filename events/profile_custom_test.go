package events

import (
	"strings"
	"testing"
	"time"
)

func strapiLike(t *testing.T) Profile {
	t.Helper()
	p, err := NewCustomProfile(CustomSpec{
		Routes: []CustomRoute{
			{Method: "POST", Path: "/api/{collection}", Status: []int{200, 201}, Action: "create"},
			{Method: "PUT", Path: "/api/{collection}/{id}", Action: "save"},
			{Method: "POST", Path: "/api/{collection}/{id}/actions/publish", Action: "publish"},
			{Method: "DELETE", Path: "/api/{collection}/{id}", Action: "delete"},
			{Method: "POST", Path: "/upload", Action: "create", Type: "file"},
		},
		Type:        "{collection}",
		ID:          "/data/documentId",
		Environment: "production",
		Payload:     "/data",
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCustomProfileMatch(t *testing.T) {
	p := strapiLike(t)
	for _, tt := range []struct {
		method, path, typ, id, action string
		ok                            bool
	}{
		{"POST", "/api/articles", "articles", "", "create", true},
		{"PUT", "/api/articles/abc123?locale=en", "articles", "abc123", "save", true},
		{"POST", "/api/articles/abc123/actions/publish", "articles", "abc123", "publish", true},
		{"DELETE", "/api/blog-posts/7", "blog-posts", "7", "delete", true},
		{"POST", "/upload", "file", "", "create", true},
		{"GET", "/api/articles", "", "", "", false},
		{"POST", "/api/articles/abc/actions", "", "", "", false},
		{"PUT", "/api/articles/..", "", "", "", false},
		{"PUT", "/api/articles/a%2Fb", "", "", "", false},
		{"POST", "/api/", "", "", "", false},
	} {
		r, ok := p.MatchRequest(tt.method, tt.path, nil)
		if ok != tt.ok || ok && (r.EntityType != tt.typ || r.EntityID != tt.id || r.Sub != tt.action || r.Environment != "production") {
			t.Errorf("%s %s: %+v %v", tt.method, tt.path, r, ok)
		}
	}
	if n := testing.AllocsPerRun(100, func() { p.MatchRequest("PUT", "/other/path/x", nil) }); n != 0 {
		t.Errorf("a miss allocates %v times", n)
	}
}

func TestCustomProfileDerive(t *testing.T) {
	p := strapiLike(t)
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	r, _ := p.MatchRequest("POST", "/api/articles", nil)
	d := p.Derive(Input{Route: r, Status: 201, Now: now, Body: []byte(`{"data": {"id": 3, "documentId": "doc3", "title": "Hi"}, "meta": {}}`)})
	if d.Event == nil || d.Event.Topic != "Custom.articles.create" || d.Event.EntityID != "doc3" ||
		string(d.Event.Payload) != `{"id":3,"documentId":"doc3","title":"Hi"}` || d.Event.Environment != "production" {
		t.Fatalf("create: %+v %s", d.Event, d.Event.Payload)
	}
	r, _ = p.MatchRequest("DELETE", "/api/articles/doc3", nil)
	d = p.Derive(Input{Route: r, Status: 204, Now: now, Body: []byte{}})
	if d.Event == nil || d.Event.EntityID != "doc3" || string(d.Event.Payload) != `{"action":"delete","id":"doc3","type":"articles"}` {
		t.Fatalf("delete: %+v", d.Event)
	}
	r, _ = p.MatchRequest("POST", "/api/articles", nil)
	if d := p.Derive(Input{Route: r, Status: 202, Now: now, Body: []byte(`{}`)}); d.Event != nil {
		t.Fatal("a status the route does not list made an event")
	}
	if d := p.Derive(Input{Route: r, Status: 201, Now: now, Body: []byte(`{nope`)}); d.Event == nil || d.Warning == "" {
		t.Fatalf("a malformed answer: %+v", d)
	}
}

func TestCustomProfileErrors(t *testing.T) {
	for _, tt := range []struct {
		spec CustomSpec
		want string
	}{
		{CustomSpec{}, "at least one route"},
		{CustomSpec{Routes: []CustomRoute{{Method: "GET", Path: "/a", Action: "x"}}, Type: "t"}, `method "GET"`},
		{CustomSpec{Routes: []CustomRoute{{Method: "POST", Path: "a", Action: "x"}}, Type: "t"}, "absolute path"},
		{CustomSpec{Routes: []CustomRoute{{Method: "POST", Path: "/a", Action: "x"}}}, "no type"},
		{CustomSpec{Routes: []CustomRoute{{Method: "POST", Path: "/a", Action: "x"}}, Type: "{collection}"}, "no such parameter"},
		{CustomSpec{Routes: []CustomRoute{{Method: "POST", Path: "/a", Action: "x", Status: []int{404}}}, Type: "t"}, "2xx"},
		{CustomSpec{Routes: []CustomRoute{{Method: "POST", Path: "/a", Action: "x"}}, Type: "t", ID: "data.id"}, "JSON pointer"},
		{CustomSpec{Routes: []CustomRoute{{Method: "POST", Path: "/{a}/{a}", Action: "x"}}, Type: "t"}, "twice"},
	} {
		if _, err := NewCustomProfile(tt.spec); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v, want %q", tt.spec, err, tt.want)
		}
	}
}
