package sandbox

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestAuth(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name   string
		path   string
		header map[string]string
		status int
		user   string
	}{
		{"no token", "/spaces/sp1", hdr("Authorization", ""), 401, ""},
		{"basic auth is no token", "/spaces/sp1", hdr("Authorization", "Basic dTpw"), 401, ""},
		{"empty bearer", "/spaces/sp1", hdr("Authorization", "Bearer "), 401, ""},
		{"bearer", "/spaces/sp1", nil, 200, testUser},
		{"lower-case scheme", "/spaces/sp1", hdr("Authorization", "bearer "+testToken), 200, testUser},
		{"query token", "/spaces/sp1?access_token=" + testToken, hdr("Authorization", ""), 200, testUser},
		{"other token", "/spaces/sp2", hdr("Authorization", "Bearer other"), 200, "user-d9298a10"},
		{"no token on an unknown route", "/nowhere", hdr("Authorization", ""), 401, ""},
		{"invalid token", "/spaces/sp1", hdr("Authorization", "Bearer invalid-token"), 401, ""},
		{"invalid query token", "/spaces/sp1?access_token=invalid", hdr("Authorization", ""), 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, got, _ := h.do(t, "GET", tt.path, tt.header, "")
			if status != tt.status {
				t.Fatalf("status %d, want %d: %v", status, tt.status, got)
			}
			if tt.status == 401 {
				checkAt(t, tt.name, got, kv{"sys", map[string]any{"type": "Error", "id": "AccessTokenInvalid"}})
				return
			}
			checkAt(t, tt.name, got, kv{"sys.createdBy.sys.id", tt.user})
		})
	}
}

func TestUserID(t *testing.T) {
	for token, want := range map[string]string{testToken: testUser, "other": "user-d9298a10", "": "user-e3b0c442"} {
		if got := UserID(token); got != want {
			t.Errorf("UserID(%q) = %q, want %q", token, got, want)
		}
	}
}

func TestAnswerShape(t *testing.T) {
	h := newHarness(t)
	status, got, header := h.do(t, "GET", "/spaces/sp1/entries/missing", nil, "")
	if status != 404 {
		t.Fatalf("status %d, want 404", status)
	}
	if ct := header.Get("Content-Type"); ct != contentType {
		t.Errorf("Content-Type %q, want %q", ct, contentType)
	}
	id := header.Get("X-Contentful-Request-Id")
	if len(id) != 32 || got["requestId"] != id {
		t.Errorf("requestId %v and header %q must be the same 32 hex characters", got["requestId"], id)
	}
	checkAt(t, "404", got, kv{"sys", map[string]any{"type": "Error", "id": "NotFound"}})
	if msg, _ := got["message"].(string); msg == "" {
		t.Error("an error needs a message")
	}
	status, got, header = h.do(t, "PUT", "/spaces/sp1/entries/x", hdr(contentTypeHeader, "post"), `{"fields":{"t":{"en-US":"<b>&"}}}`)
	if status != 201 || header.Get("Content-Type") != contentType {
		t.Fatalf("create: %d %q", status, header.Get("Content-Type"))
	}
	checkAt(t, "html stays", got, kv{"fields.t.en-US", "<b>&"})
	status, got, _ = h.do(t, "DELETE", "/spaces/sp1/entries/x", nil, "")
	if status != 204 || got != nil {
		t.Fatalf("delete: %d with body %v, want 204 without body", status, got)
	}
}

func TestUnknownRoutes(t *testing.T) {
	h := newHarness(t)
	tests := []struct{ method, path string }{
		{"GET", "/"},
		{"GET", "/spaces"},
		{"GET", "/spaces/"},
		{"GET", "/spaces/sp1/"},
		{"GET", "/spaces/sp1/webhooks"},
		{"POST", "/spaces/sp1"},
		{"DELETE", "/spaces/sp1/environments"},
		{"GET", "/spaces/sp1/environments/master/entries/x/published"},
		{"POST", "/spaces/sp1/environments/master/entries/x"},
		{"PUT", "/spaces/sp1/environments/master/entries"},
		{"PUT", "/spaces/sp1/entries/x/snapshots"},
		{"PUT", "/spaces/sp1/entries/x/files/en-US/process"},
		{"PUT", "/spaces/sp1/assets/x/files/en-US"},
		{"PUT", "/spaces/sp1/environments/master/locales"},
		{"GET", "/spaces/sp1/environment_aliases/a/b"},
		{"GET", "/spaces/sp%201/entries"},
		{"GET", "/spaces/sp1/entries/a%2Fb"},
		{"GET", "/spaces/sp1/entries/" + strings.Repeat("a", 65)},
	}
	for _, tt := range tests {
		status, got, _ := h.do(t, tt.method, tt.path, nil, "")
		if status != 404 {
			t.Errorf("%s %s: status %d, want 404 (%v)", tt.method, tt.path, status, got)
		}
	}
}

func TestInjectedFailures(t *testing.T) {
	h := newHarness(t)
	ct := hdr(contentTypeHeader, "post")
	h.run(t, []step{
		{name: "failed create", method: "PUT", path: "/spaces/sp1/entries/a", header: hdr(contentTypeHeader, "post", FailHeader, "503"), status: 503, want: []kv{
			{"sys.id", "ServiceUnavailable"}, {"sys.type", "Error"},
		}},
		{name: "nothing created", method: "GET", path: "/spaces/sp1/entries/a", status: 404},
		{name: "create", method: "PUT", path: "/spaces/sp1/entries/a", header: ct, body: `{}`, status: 201},
		{name: "failed publish", method: "PUT", path: "/spaces/sp1/entries/a/published", header: hdr(versionHeader, "1", FailHeader, "500"), status: 500},
		{name: "failed read", method: "GET", path: "/spaces/sp1/entries/a", header: hdr(FailHeader, "429"), status: 429, want: []kv{{"sys.id", "RateLimitExceeded"}}},
		{name: "not published", method: "GET", path: "/spaces/sp1/entries/a", status: 200, want: []kv{{"sys.version", 1}, {"sys.publishedVersion", absent}}},
		{name: "failure without a token", method: "GET", path: "/spaces/sp1", header: hdr("Authorization", "", FailHeader, "502"), status: 502},
		{name: "not a status", method: "PUT", path: "/spaces/sp1/entries/b", header: hdr(contentTypeHeader, "post", FailHeader, "boom"), status: 400},
		{name: "a success status", method: "PUT", path: "/spaces/sp1/entries/b", header: hdr(contentTypeHeader, "post", FailHeader, "200"), status: 400},
		{name: "b not created", method: "GET", path: "/spaces/sp1/entries/b", status: 404},
	})

	if err := h.sb.FailNextWrites(2, 503); err != nil {
		t.Fatal(err)
	}
	h.run(t, []step{
		{name: "reads pass", method: "GET", path: "/spaces/sp1/entries/a", status: 200},
		{name: "first write fails", method: "DELETE", path: "/spaces/sp1/entries/a", status: 503},
		{name: "second write fails", method: "PUT", path: "/spaces/sp1/entries/c", header: ct, status: 503},
		{name: "still there", method: "GET", path: "/spaces/sp1/entries/a", status: 200},
		{name: "third write passes", method: "DELETE", path: "/spaces/sp1/entries/a", status: 204},
	})
	if err := h.sb.FailNextWrites(5, 500); err != nil {
		t.Fatal(err)
	}
	if err := h.sb.FailNextWrites(0, 500); err != nil {
		t.Fatal(err)
	}
	h.run(t, []step{{name: "cleared", method: "PUT", path: "/spaces/sp1/entries/c", header: ct, status: 201}})

	for _, bad := range []struct{ n, status int }{{-1, 500}, {1, 200}, {1, 600}, {1, 0}} {
		if err := h.sb.FailNextWrites(bad.n, bad.status); err == nil {
			t.Errorf("FailNextWrites(%d, %d) accepted", bad.n, bad.status)
		}
	}
}

func TestCollections(t *testing.T) {
	h := newHarness(t)
	for i, ct := range []string{"post", "page", "post", "post", "page"} {
		status, _, _ := h.do(t, "PUT", fmt.Sprintf("/spaces/sp1/entries/e%d", i), hdr(contentTypeHeader, ct), `{}`)
		if status != 201 {
			t.Fatalf("create e%d: %d", i, status)
		}
	}
	const c = "/spaces/sp1/environments/master/entries"
	h.run(t, []step{
		{name: "all", method: "GET", path: c, status: 200, want: []kv{
			{"sys", map[string]any{"type": "Array"}}, {"total", 5}, {"skip", 0}, {"limit", 100},
			{"items.0.sys.id", "e0"}, {"items.4.sys.id", "e4"}, {"items.0.sys.type", "Entry"},
		}},
		{name: "page", method: "GET", path: c + "?skip=1&limit=2", status: 200, want: []kv{
			{"total", 5}, {"skip", 1}, {"limit", 2}, {"items.0.sys.id", "e1"}, {"items.1.sys.id", "e2"}, {"items.2", absent},
		}},
		{name: "skip past the end", method: "GET", path: c + "?skip=9", status: 200, want: []kv{{"total", 5}, {"items", []any{}}}},
		{name: "limit 0", method: "GET", path: c + "?limit=0", status: 200, want: []kv{{"total", 5}, {"items", []any{}}}},
		{name: "by content type", method: "GET", path: c + "?content_type=page", status: 200, want: []kv{
			{"total", 2}, {"items.0.sys.id", "e1"}, {"items.1.sys.id", "e4"},
		}},
		{name: "by ids", method: "GET", path: c + "?sys.id[in]=e3,e0,nope", status: 200, want: []kv{
			{"total", 2}, {"items.0.sys.id", "e0"}, {"items.1.sys.id", "e3"},
		}},
		{name: "by id", method: "GET", path: c + "?sys.id=e2", status: 200, want: []kv{{"total", 1}, {"items.0.sys.id", "e2"}}},
		{name: "limit too big", method: "GET", path: c + "?limit=1001", status: 400},
		{name: "negative skip", method: "GET", path: c + "?skip=-1", status: 400},
		{name: "empty assets", method: "GET", path: "/spaces/sp1/assets", status: 200, want: []kv{{"total", 0}, {"items", []any{}}}},
		{name: "empty content types", method: "GET", path: "/spaces/sp1/environments/master/content_types", status: 200, want: []kv{{"total", 0}}},
	})
}

func TestConcurrentWrites(t *testing.T) {
	h := newHarness(t)
	const workers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				req, _ := http.NewRequest("PUT", fmt.Sprintf("%s/spaces/sp1/entries/w%d-%d", h.url, w, i), nil)
				req.Header.Set("Authorization", "Bearer t")
				req.Header.Set(contentTypeHeader, "post")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					errs <- err
					continue
				}
				resp.Body.Close()
				if resp.StatusCode != 201 {
					errs <- fmt.Errorf("w%d-%d: status %d", w, i, resp.StatusCode)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	h.run(t, []step{{name: "all stored", method: "GET", path: "/spaces/sp1/entries?limit=1", status: 200, want: []kv{{"total", workers * each}}}})
}
