package sandbox

import (
	"net/http"
	"regexp"
	"testing"
)

func TestEntryLifecycle(t *testing.T) {
	h := newHarness(t)
	const e = "/spaces/sp1/environments/master/entries/post-1"
	ct := hdr(contentTypeHeader, "blogPost")
	steps := []step{
		{name: "create without content type", method: "PUT", path: e, body: `{"fields":{}}`, status: 422,
			want: []kv{{"sys.id", "ValidationFailed"}, {"sys.type", "Error"}}},
		{name: "create with a version of nothing", method: "PUT", path: e, header: hdr(contentTypeHeader, "blogPost", versionHeader, "3"), status: 404},
		{name: "create", method: "PUT", path: e, header: ct, body: `{"fields":{"title":{"en-US":"Hello"}}}`, status: 201, want: []kv{
			{"sys.id", "post-1"}, {"sys.type", "Entry"}, {"sys.version", 1}, {"sys.publishedCounter", 0},
			{"sys.space", map[string]any{"sys": map[string]any{"type": "Link", "linkType": "Space", "id": "sp1"}}},
			{"sys.environment", map[string]any{"sys": map[string]any{"type": "Link", "linkType": "Environment", "id": "master"}}},
			{"sys.contentType.sys.id", "blogPost"}, {"sys.contentType.sys.linkType", "ContentType"},
			{"sys.createdAt", "2025-01-02T03:04:05.678Z"}, {"sys.updatedAt", "2025-01-02T03:04:05.678Z"},
			{"sys.createdBy", userLink}, {"sys.updatedBy", userLink},
			{"sys.automationTags", []any{}},
			{"sys.urn", "crn:contentful:::content:spaces/sp1/environments/master/entries/post-1"},
			{"sys.publishedVersion", absent}, {"sys.publishedAt", absent}, {"sys.archivedVersion", absent},
			{"metadata", map[string]any{"tags": []any{}, "concepts": []any{}}},
			{"fields.title.en-US", "Hello"},
		}},
		{name: "create the same id again", method: "PUT", path: e, header: ct, status: 409, want: []kv{{"sys.id", "VersionMismatch"}}},
		{name: "update without version", method: "PUT", path: e, body: `{"fields":{}}`, status: 409, want: []kv{{"sys.id", "VersionMismatch"}}},
		{name: "update with a stale version", method: "PUT", path: e, header: ver(0), body: `{"fields":{}}`, status: 409},
		{name: "update with a bad version", method: "PUT", path: e, header: hdr(versionHeader, "one"), body: `{"fields":{}}`, status: 409},
		{name: "update with a non-object body", method: "PUT", path: e, header: ver(1), body: `[1]`, status: 400, want: []kv{{"sys.id", "BadRequest"}}},
		{name: "update with non-object fields", method: "PUT", path: e, header: ver(1), body: `{"fields":[1]}`, status: 422},
		{name: "update", at: "2025-01-02T04:00:00Z", method: "PUT", path: e, header: ver(1),
			body:   `{"fields":{"title":{"en-US":"Hi"},"body":{"en-US":"Text"}},"metadata":{"tags":[{"sys":{"type":"Link","linkType":"Tag","id":"news"}}]}}`,
			status: 200, want: []kv{
				{"sys.version", 2}, {"sys.createdAt", "2025-01-02T03:04:05.678Z"}, {"sys.updatedAt", "2025-01-02T04:00:00.000Z"},
				{"fields.title.en-US", "Hi"}, {"fields.body.en-US", "Text"},
				{"metadata.tags.0.sys.id", "news"}, {"metadata.concepts", []any{}},
			}},
		{name: "update keeps metadata when the body has none", method: "PUT", path: e, header: ver(2),
			body: `{"fields":{"title":{"en-US":"Hi"}}}`, status: 200, want: []kv{
				{"sys.version", 3}, {"fields.body", absent}, {"metadata.tags.0.sys.id", "news"},
			}},
		{name: "patch without the JSON Patch type", method: "PATCH", path: e, header: ver(3), body: `[]`, status: 415},
		{name: "patch with a stale version", method: "PATCH", path: e, header: hdr(versionHeader, "2", "Content-Type", jsonPatchType),
			body: `[{"op":"replace","path":"/fields/title/en-US","value":"P"}]`, status: 409},
		{name: "patch", method: "PATCH", path: e, header: hdr(versionHeader, "3", "Content-Type", jsonPatchType),
			body:   `[{"op":"replace","path":"/fields/title/en-US","value":"Patched"},{"op":"add","path":"/fields/slug","value":{"en-US":"p"}}]`,
			status: 200, want: []kv{{"sys.version", 4}, {"fields.title.en-US", "Patched"}, {"fields.slug.en-US", "p"}}},
		{name: "patch a missing path", method: "PATCH", path: e, header: hdr(versionHeader, "4", "Content-Type", jsonPatchType),
			body: `[{"op":"replace","path":"/fields/nope/en-US","value":1}]`, status: 422},
		{name: "locale-based unpublish", method: "PUT", path: e + "/published", header: ver(4), body: `{"remove":{"fields":{"*":["en-US"]}}}`, status: 422},
		{name: "publish without version", method: "PUT", path: e + "/published", status: 409},
		{name: "publish with a stale version", method: "PUT", path: e + "/published", header: ver(3), status: 409},
		{name: "publish", at: "2025-01-02T05:00:00Z", method: "PUT", path: e + "/published", header: ver(4), status: 200, want: []kv{
			{"sys.version", 5}, {"sys.publishedVersion", 4}, {"sys.publishedCounter", 1},
			{"sys.publishedAt", "2025-01-02T05:00:00.000Z"}, {"sys.firstPublishedAt", "2025-01-02T05:00:00.000Z"},
			{"sys.publishedBy", userLink}, {"sys.updatedAt", "2025-01-02T05:00:00.000Z"},
		}},
		{name: "archive while published", method: "PUT", path: e + "/archived", status: 400, want: []kv{{"sys.id", "BadRequest"}}},
		{name: "delete while published", method: "DELETE", path: e, status: 400, want: []kv{{"sys.id", "BadRequest"}}},
		{name: "save a published entry", method: "PUT", path: e, header: ver(5), body: `{"fields":{"title":{"en-US":"Changed"}}}`, status: 200,
			want: []kv{{"sys.version", 6}, {"sys.publishedVersion", 4}}},
		{name: "publish again, locale-based", at: "2025-01-02T06:00:00Z", method: "PUT", path: e + "/published", header: ver(6), body: `{"add":{"fields":{"*":["en-US"]}}}`, status: 200, want: []kv{
			{"sys.version", 7}, {"sys.publishedVersion", 6}, {"sys.publishedCounter", 2},
			{"sys.publishedAt", "2025-01-02T06:00:00.000Z"}, {"sys.firstPublishedAt", "2025-01-02T05:00:00.000Z"},
		}},
		{name: "unpublish with a stale version", method: "DELETE", path: e + "/published", header: ver(1), status: 409},
		{name: "unpublish", method: "DELETE", path: e + "/published", status: 200, want: []kv{
			{"sys.version", 8}, {"sys.publishedVersion", absent}, {"sys.publishedAt", absent}, {"sys.publishedBy", absent},
			{"sys.publishedCounter", 2}, {"sys.firstPublishedAt", "2025-01-02T05:00:00.000Z"},
		}},
		{name: "unpublish a draft", method: "DELETE", path: e + "/published", status: 400},
		{name: "archive", at: "2025-01-02T07:00:00Z", method: "PUT", path: e + "/archived", status: 200, want: []kv{
			{"sys.version", 9}, {"sys.archivedVersion", 8}, {"sys.archivedAt", "2025-01-02T07:00:00.000Z"}, {"sys.archivedBy", userLink},
		}},
		{name: "archive twice", method: "PUT", path: e + "/archived", status: 400},
		{name: "update while archived", method: "PUT", path: e, header: ver(9), body: `{}`, status: 400},
		{name: "patch while archived", method: "PATCH", path: e, header: hdr(versionHeader, "9", "Content-Type", jsonPatchType), body: `[]`, status: 400},
		{name: "publish while archived", method: "PUT", path: e + "/published", header: ver(9), status: 400},
		{name: "unarchive", method: "DELETE", path: e + "/archived", header: ver(9), status: 200, want: []kv{
			{"sys.version", 10}, {"sys.archivedVersion", absent}, {"sys.archivedAt", absent}, {"sys.archivedBy", absent},
		}},
		{name: "unarchive twice", method: "DELETE", path: e + "/archived", status: 400},
		{name: "get", method: "GET", path: e, status: 200, want: []kv{{"sys.version", 10}, {"fields.title.en-US", "Changed"}}},
		{name: "delete with a stale version", method: "DELETE", path: e, header: ver(3), status: 409},
		{name: "delete", method: "DELETE", path: e, status: 204},
		{name: "get after delete", method: "GET", path: e, status: 404, want: []kv{
			{"sys.id", "NotFound"}, {"details.type", "Entry"}, {"details.id", "post-1"}, {"details.environment", "master"}, {"details.space", "sp1"},
		}},
		{name: "update after delete", method: "PUT", path: e, header: ver(10), body: `{}`, status: 404},
		{name: "delete twice", method: "DELETE", path: e, status: 404},
		{name: "recreate", method: "PUT", path: e, header: ct, body: `{}`, status: 201, want: []kv{
			{"sys.version", 1}, {"fields", map[string]any{}}, {"sys.publishedCounter", 0}, {"sys.firstPublishedAt", absent},
		}},
	}
	h.run(t, steps)
}

func TestPostGeneratesIDs(t *testing.T) {
	h := newHarness(t)
	seen := map[string]bool{}
	for range 20 {
		status, got, _ := h.do(t, "POST", "/spaces/sp1/entries", hdr(contentTypeHeader, "post"), `{"fields":{"n":{"en-US":1}}}`)
		if status != http.StatusCreated {
			t.Fatalf("POST: status %d, want 201: %v", status, got)
		}
		id, _ := got.at("sys.id")
		s, _ := id.(string)
		if !regexp.MustCompile(`^[0-9a-zA-Z]{22}$`).MatchString(s) || seen[s] {
			t.Fatalf("generated id %q is not a fresh 22-character id", s)
		}
		seen[s] = true
		if status, _, _ := h.do(t, "GET", "/spaces/sp1/environments/master/entries/"+s, nil, ""); status != http.StatusOK {
			t.Fatalf("GET the created entry: status %d", status)
		}
	}
	h.run(t, []step{
		{name: "post without content type", method: "POST", path: "/spaces/sp1/entries", body: `{}`, status: 422},
		{name: "post with a bad content type id", method: "POST", path: "/spaces/sp1/entries", header: hdr(contentTypeHeader, "a b"), status: 422},
		{name: "post to an entry", method: "POST", path: "/spaces/sp1/entries/x", status: 404},
	})
}
