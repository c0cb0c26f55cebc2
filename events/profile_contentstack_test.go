package events

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func csHeader(branch string) http.Header {
	h := http.Header{"Api_key": {"blt0123456789abcdef"}}
	if branch != "" {
		h["Branch"] = []string{branch}
	}
	return h
}

func TestContentstackMatch(t *testing.T) {
	p, ok := LookupProfile("contentstack")
	if !ok {
		t.Fatal("no contentstack profile")
	}
	tests := []struct {
		method, path string
		want         Route
		ok           bool
	}{
		{"POST", "/v3/content_types", Route{EntityType: ModuleContentType}, true},
		{"PUT", "/v3/content_types/blog", Route{EntityType: ModuleContentType, EntityID: "blog"}, true},
		{"DELETE", "/v3/content_types/blog", Route{EntityType: ModuleContentType, EntityID: "blog"}, true},
		{"POST", "/v3/content_types/blog/entries?locale=en-us", Route{EntityType: ModuleEntry, Parent: "blog"}, true},
		{"PUT", "/v3/content_types/blog/entries/blt1", Route{EntityType: ModuleEntry, Parent: "blog", EntityID: "blt1"}, true},
		{"POST", "/v3/content_types/blog/entries/blt1/publish", Route{EntityType: ModuleEntry, Parent: "blog", EntityID: "blt1", Sub: "publish"}, true},
		{"POST", "/v3/content_types/blog/entries/blt1/unpublish", Route{EntityType: ModuleEntry, Parent: "blog", EntityID: "blt1", Sub: "unpublish"}, true},
		{"POST", "/v3/assets", Route{EntityType: ModuleAsset}, true},
		{"DELETE", "/v3/assets/blt2", Route{EntityType: ModuleAsset, EntityID: "blt2"}, true},
		{"POST", "/v3/assets/blt2/publish", Route{EntityType: ModuleAsset, EntityID: "blt2", Sub: "publish"}, true},
		{"GET", "/v3/assets/blt2", Route{}, false},
		{"PUT", "/v3/assets/blt2/publish", Route{}, false},
		{"POST", "/v3/environments", Route{}, false},
		{"POST", "/v3/content_types/blog/entries/blt1/publish/x", Route{}, false},
		{"DELETE", "/v3/content_types/../entries/blt1", Route{}, false},
		{"POST", "/spaces/s/entries", Route{}, false},
	}
	for _, tt := range tests {
		got, ok := p.MatchRequest(tt.method, tt.path, csHeader(""))
		if ok != tt.ok {
			t.Errorf("%s %s: ok %v, want %v", tt.method, tt.path, ok, tt.ok)
			continue
		}
		if !ok {
			continue
		}
		tt.want.Space, tt.want.Method, tt.want.Branch = "blt0123456789abcdef", tt.method, "main"
		if got != tt.want {
			t.Errorf("%s %s: %+v, want %+v", tt.method, tt.path, got, tt.want)
		}
	}
	if _, ok := p.MatchRequest("POST", "/v3/assets", http.Header{}); ok {
		t.Error("a write without api_key matched")
	}
	if r, _ := p.MatchRequest("POST", "/v3/assets", csHeader("dev")); r.Branch != "dev" {
		t.Errorf("branch %q, want dev", r.Branch)
	}
	h := csHeader("")
	if n := testing.AllocsPerRun(100, func() { p.MatchRequest("GET", "/v3/content_types/blog/entries/blt1", h) }); n != 0 {
		t.Errorf("a GET allocates %v times", n)
	}
}

func TestChannelPatterns(t *testing.T) {
	ch := []string{"content_types.entries.update", "content_types.blog.entries.update", "content_types.blog.entries.blt1.update"}
	for pattern, want := range map[string]bool{
		"content_types.entries.update":           true,
		"content_types.blog.entries.blt1.update": true,
		"content_types.*.entries.update":         true,
		"content_types.*.entries.*.update":       true,
		"content_types.news.entries.update":      false,
		"content_types.entries.*":                true,
		"content_types.entries":                  false,
		"assets.update":                          false,
		"$all":                                   true,
	} {
		p, err := parseChannel(pattern)
		if err != nil {
			t.Fatalf("%s: %v", pattern, err)
		}
		if got := p.matchAny(ch); got != want {
			t.Errorf("%s: %v, want %v", pattern, got, want)
		}
	}
	for _, bad := range []string{"", "assets", "assets..delete", "assets.de lete", "assets/delete"} {
		if _, err := parseChannel(bad); err == nil {
			t.Errorf("channel %q accepted", bad)
		}
	}
	if _, err := CompileWith(Definition{Name: "x", URL: "http://a/", Topics: []string{"*.*"}, Channels: []string{"$all"}}, ContentfulDefaults); err == nil {
		t.Error("topics and channels together accepted")
	}
}

func TestContentstackDerive(t *testing.T) {
	p := contentstack{}
	now := time.Date(2026, 12, 4, 10, 0, 0, 123e6, time.UTC)
	r, _ := p.MatchRequest("POST", "/v3/content_types/blog/entries/blt1/publish", csHeader(""))
	needs := p.Needs(r)
	paths := []string{}
	for _, l := range needs.Lookups {
		paths = append(paths, l.Path)
	}
	if !needs.RequestBody || !slices.Equal(paths, []string{"/v3/content_types/blog/entries/blt1", "/v3/content_types/blog", "/v3/environments"}) {
		t.Fatalf("needs %+v", needs)
	}
	d := p.Derive(Input{
		Route: r, Status: 200, Now: now, Body: []byte(`{"notice":"The requested action has been performed."}`),
		RequestBody: []byte(`{"entry":{"environments":["staging","production","staging"],"locales":["en-us"]}}`),
		Lookups: map[string][]byte{
			"/v3/content_types/blog/entries/blt1": []byte(`{"entry":{"uid":"blt1","title":"Hi"}}`),
			"/v3/content_types/blog":              []byte(`{"content_type":{"uid":"blog","title":"Blog"}}`),
			"/v3/environments":                    []byte(`{"environments":[{"name":"production","uid":"bltprod"}]}`),
		},
	})
	if d.Warning != "" || d.Event == nil || len(d.More) != 1 {
		t.Fatalf("derived %+v", d)
	}
	var env struct {
		Module, APIKey, Event, TriggeredAt string
		Data                               map[string]json.RawMessage
	}
	json.Unmarshal(d.More[0].Payload, &env)
	if d.Event.Environment != "staging" || d.More[0].Environment != "production" || d.More[0].Topic != "content_types.entries.publish" ||
		!slices.Contains(d.More[0].Channels, "content_types.entries.environments.production.publish.success") {
		t.Fatalf("events %+v / %+v", d.Event, d.More[0])
	}
	if string(env.Data["environment"]) != `{"name":"production","uid":"bltprod"}` || string(env.Data["entry"]) != `{"uid":"blt1","title":"Hi"}` ||
		!strings.Contains(string(d.More[0].Payload), `"triggered_at":"2026-12-04T10:00:00.123Z"`) || !strings.Contains(string(d.More[0].Payload), `"module":"entry"`) {
		t.Fatalf("payload %s", d.More[0].Payload)
	}

	// Without the lookups the event is thin and says so.
	r, _ = p.MatchRequest("DELETE", "/v3/assets/blt9", csHeader(""))
	d = p.Derive(Input{Route: r, Status: 200, Now: now, Body: []byte(`{"notice":"Asset deleted successfully."}`)})
	if d.Warning != warnCSNoEntity || d.Event.EntityID != "blt9" || !slices.Equal(d.Event.Channels, []string{"assets.delete", "assets.blt9.delete"}) ||
		!strings.Contains(string(d.Event.Payload), `"data":{"asset":{"uid":"blt9"}}`) {
		t.Fatalf("thin delete: %+v %s", d, d.Event.Payload)
	}
	if d := p.Derive(Input{Route: r, Status: 422, Now: now}); d.Event != nil {
		t.Fatal("a refused write made an event")
	}
}

func TestContentstackSignature(t *testing.T) {
	// printf '1700000000.{}' | openssl dgst -sha256 -hmac secret
	const want = "t=1700000000,v1=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163"
	if got := ContentstackSignature("secret", 1700000000, []byte("{}")); got != want {
		t.Fatalf("signature %q, want %q", got, want)
	}
}
