package sandbox

import "testing"

func TestAssetLifecycle(t *testing.T) {
	h := newHarness(t)
	const a = "/spaces/sp1/environments/master/assets/pic"
	const create = `{"fields":{"title":{"en-US":"Pic"},"file":{"en-US":{"contentType":"image/png","fileName":"my pic.png","upload":"https://example.com/pic.png"},"de-DE":{"contentType":"text/plain","fileName":"a.txt","uploadFrom":{"sys":{"type":"Link","linkType":"Upload","id":"up1"}}}}}}`
	h.run(t, []step{
		{name: "create", method: "PUT", path: a, body: create, status: 201, want: []kv{
			{"sys.type", "Asset"}, {"sys.version", 1}, {"sys.contentType", absent}, {"sys.automationTags", []any{}},
			{"sys.urn", "crn:contentful:::content:spaces/sp1/environments/master/assets/pic"},
			{"fields.file.en-US.url", absent}, {"metadata.tags", []any{}},
		}},
		{name: "publish unprocessed", method: "PUT", path: a + "/published", header: ver(1), status: 422, want: []kv{
			{"sys.id", "ValidationFailed"}, {"details.errors.0.path", []any{"fields", "file", "de-DE"}},
		}},
		{name: "process a stale version", method: "PUT", path: a + "/files/en-US/process", header: ver(7), status: 409},
		{name: "process a missing locale", method: "PUT", path: a + "/files/fr-FR/process", status: 422},
		{name: "process en-US", method: "PUT", path: a + "/files/en-US/process", header: ver(1), status: 204},
		{name: "processed en-US", method: "GET", path: a, status: 200, want: []kv{
			{"sys.version", 2},
			{"fields.file.en-US.url", "//assets.sandbox.local/sp1/pic/my%20pic.png"},
			{"fields.file.en-US.fileName", "my pic.png"},
			{"fields.file.en-US.contentType", "image/png"},
			{"fields.file.en-US.details", map[string]any{"size": 1024, "image": map[string]any{"width": 640, "height": 480}}},
			{"fields.file.en-US.upload", absent},
			{"fields.file.de-DE.url", absent},
			{"fields.title.en-US", "Pic"},
		}},
		{name: "publish with one locale unprocessed", method: "PUT", path: a + "/published", header: ver(2), status: 422},
		{name: "process de-DE", method: "PUT", path: a + "/files/de-DE/process", status: 204},
		{name: "processed de-DE", method: "GET", path: a, status: 200, want: []kv{
			{"sys.version", 3},
			{"fields.file.de-DE.url", "//assets.sandbox.local/sp1/pic/a.txt"},
			{"fields.file.de-DE.details", map[string]any{"size": 1024}},
			{"fields.file.de-DE.uploadFrom", absent},
		}},
		{name: "publish", method: "PUT", path: a + "/published", header: ver(3), status: 200, want: []kv{
			{"sys.version", 4}, {"sys.publishedVersion", 3}, {"sys.publishedCounter", 1},
		}},
		{name: "archive while published", method: "PUT", path: a + "/archived", status: 400},
		{name: "delete while published", method: "DELETE", path: a, status: 400},
		{name: "unpublish", method: "DELETE", path: a + "/published", status: 200, want: []kv{{"sys.version", 5}, {"sys.publishedVersion", absent}}},
		{name: "archive", method: "PUT", path: a + "/archived", status: 200, want: []kv{{"sys.version", 6}, {"sys.archivedVersion", 5}}},
		{name: "process while archived", method: "PUT", path: a + "/files/en-US/process", status: 400},
		{name: "unarchive", method: "DELETE", path: a + "/archived", status: 200, want: []kv{{"sys.version", 7}, {"sys.archivedVersion", absent}}},
		{name: "patch an asset", method: "PATCH", path: a, header: hdr(versionHeader, "7", "Content-Type", jsonPatchType), body: `[]`, status: 404},
		{name: "delete", method: "DELETE", path: a, status: 204},
		{name: "gone", method: "GET", path: a, status: 404, want: []kv{{"details.type", "Asset"}}},
		{name: "an asset without a file publishes", method: "POST", path: "/spaces/sp1/assets", body: `{"fields":{"title":{"en-US":"none"}}}`, status: 201},
	})
	status, got, _ := h.do(t, "GET", "/spaces/sp1/assets?sys.id[in]=nothing", nil, "")
	if status != 200 || got["total"] != float64(0) {
		t.Fatalf("asset collection filtered on a missing id: %d %v", status, got)
	}
	status, got, _ = h.do(t, "GET", "/spaces/sp1/assets", nil, "")
	if status != 200 || got["total"] != float64(1) {
		t.Fatalf("asset collection: %d %v", status, got)
	}
	id, _ := got.at("items.0.sys.id")
	h.run(t, []step{{name: "publish a file-less asset", method: "PUT", path: "/spaces/sp1/assets/" + id.(string) + "/published", header: ver(1), status: 200}})
}

func TestContentTypeLifecycle(t *testing.T) {
	h := newHarness(t)
	const c = "/spaces/sp1/environments/master/content_types/blogPost"
	const body = `{"name":"Blog post","displayField":"title","fields":[{"id":"title","name":"Title","type":"Symbol"}]}`
	h.run(t, []step{
		{name: "create without a name", method: "PUT", path: c, body: `{"fields":[]}`, status: 422},
		{name: "create with object fields", method: "PUT", path: c, body: `{"name":"x","fields":{}}`, status: 422},
		{name: "create", method: "PUT", path: c, body: body, status: 201, want: []kv{
			{"sys.type", "ContentType"}, {"sys.id", "blogPost"}, {"sys.version", 1}, {"sys.publishedCounter", 0},
			{"sys.urn", "crn:contentful:::content:spaces/sp1/environments/master/content_types/blogPost"},
			{"sys.automationTags", absent}, {"sys.contentType", absent}, {"metadata", absent},
			{"name", "Blog post"}, {"displayField", "title"}, {"description", nil}, {"fields.0.id", "title"},
		}},
		{name: "update without version", method: "PUT", path: c, body: body, status: 409},
		{name: "update", method: "PUT", path: c, header: ver(1), body: `{"name":"Post","description":"d"}`, status: 200, want: []kv{
			{"sys.version", 2}, {"name", "Post"}, {"description", "d"}, {"displayField", nil}, {"fields", []any{}},
		}},
		{name: "activate with a stale version", method: "PUT", path: c + "/published", header: ver(1), status: 409},
		{name: "activate", method: "PUT", path: c + "/published", header: ver(2), status: 200, want: []kv{
			{"sys.version", 3}, {"sys.publishedVersion", 2}, {"sys.publishedCounter", 1}, {"sys.publishedBy", userLink},
		}},
		{name: "delete while active", method: "DELETE", path: c, status: 400},
		{name: "archive a content type", method: "PUT", path: c + "/archived", status: 404},
		{name: "deactivate", method: "DELETE", path: c + "/published", status: 200, want: []kv{{"sys.version", 4}, {"sys.publishedVersion", absent}}},
		{name: "delete", method: "DELETE", path: c, status: 204},
		{name: "gone", method: "GET", path: c, status: 404},
		{name: "post", method: "POST", path: "/spaces/sp1/content_types", body: body, status: 201, want: []kv{{"sys.version", 1}}},
	})
}
