package contentstack

import (
	"net/http"
	"regexp"
	"testing"
)

// assetURL matches the url of an asset of the test stack.
var assetURL = regexp.MustCompile(`^https://images\.sandbox\.local/v3/assets/` + testKey + `/(blt[0-9a-f]{16})/([0-9a-f]{24})/(.+)$`)

func TestAssetUpload(t *testing.T) {
	h := newHarness(t)
	created := h.upload(t, "POST", "/v3/assets", form{
		values:   map[string]string{"asset[title]": "Logo", "asset[description]": "the logo", "asset[tags]": "brand, logo,,"},
		fileName: "my logo.png", fileType: "image/png", content: "PNG bytes",
	}, http.StatusCreated)
	expect(t, created, map[string]any{
		"notice":      "Asset created successfully.",
		"asset.title": "Logo", "asset.description": "the logo", "asset.tags": []string{"brand", "logo"},
		"asset.filename": "my_logo.png", "asset.content_type": "image/png", "asset.file_size": "9",
		"asset._version": 1, "asset.is_dir": false, "asset.parent_uid": nil, "asset.ACL": map[string]any{},
		"asset.created_at": "2025-01-02T03:04:05.678Z", "asset.created_by": testUser,
		"asset.publish_details": []any{},
	})
	m := assetURL.FindStringSubmatch(created.str(t, "asset.url"))
	if m == nil || m[1] != created.str(t, "asset.uid") || m[3] != "my_logo.png" {
		t.Fatalf("asset url %q is not https://images.sandbox.local/v3/assets/{api_key}/{uid}/{key}/{filename}", created.str(t, "asset.url"))
	}

	// Without a title the file name is the title; without a part type the
	// extension names it.
	plain := h.upload(t, "POST", "/v3/assets", form{fileName: `C:\\docs\\notes.json`, content: ""}, http.StatusCreated)
	expect(t, plain, map[string]any{"asset.title": "notes.json", "asset.filename": "notes.json", "asset.content_type": "application/json", "asset.file_size": "0", "asset.tags": []any{}, "asset.description": ""})
	blob := h.upload(t, "POST", "/v3/assets", form{fileName: "blob", fileType: "application/octet-stream", content: "x"}, http.StatusCreated)
	expect(t, blob, map[string]any{"asset.content_type": "application/octet-stream"})

	expect(t, h.do(t, "GET", "/v3/assets?include_count=true", "", http.StatusOK), map[string]any{"count": 3, "assets.0.title": "Logo", "assets.2.filename": "blob"})
	expect(t, h.do(t, "GET", "/v3/assets/"+created.str(t, "asset.uid")+"?include_branch=true", "", http.StatusOK), map[string]any{"asset.title": "Logo", "asset._branch": "main"})
}

func TestAssetUploadRefusals(t *testing.T) {
	h := newHarness(t)
	for name, got := range map[string]doc{
		"no file":   h.upload(t, "POST", "/v3/assets", form{values: map[string]string{"asset[title]": "x"}}, http.StatusUnprocessableEntity),
		"JSON body": h.do(t, "POST", "/v3/assets", `{"asset":{"title":"x"}}`, http.StatusUnprocessableEntity),
		"folder":    h.upload(t, "POST", "/v3/assets", form{values: map[string]string{"asset[parent_uid]": "bltfolder"}, fileName: "a.png", content: "x"}, http.StatusUnprocessableEntity),
	} {
		if got["error_code"] != float64(141) {
			t.Errorf("%s: error_code = %v, want 141", name, got["error_code"])
		}
	}
	h.must(t, request{method: "POST", path: "/v3/assets", body: "--x\r\nbroken", header: map[string]string{"Content-Type": "multipart/form-data; boundary=x"}}, http.StatusBadRequest)
	expect(t, h.do(t, "GET", "/v3/assets?include_count=true", "", http.StatusOK), map[string]any{"count": 0})
}

func TestAssetUpdateReplaceDelete(t *testing.T) {
	h := newHarness(t)
	uid := h.newAsset(t)
	path := "/v3/assets/" + uid
	before := h.do(t, "GET", path, "", http.StatusOK)

	// A JSON update, as asset.update() sends it: the whole asset back.
	h.clock.set(t, "2025-02-01T00:00:00Z")
	updated := h.do(t, "PUT", path, `{"asset":{"title":"Logo 2","description":"new","tags":["t"],"filename":"ignored.png",
		"file_size":"1","url":"x","_version":1,"parent_uid":null,"publish_details":[]}}`, http.StatusOK)
	expect(t, updated, map[string]any{
		"notice": "Asset updated successfully.", "asset._version": 2, "asset.title": "Logo 2", "asset.description": "new",
		"asset.tags": []string{"t"}, "asset.filename": "logo.png", "asset.file_size": "4",
		"asset.url": before.str(t, "asset.url"), "asset.updated_at": "2025-02-01T00:00:00.000Z",
	})

	// A multipart PUT, as asset.replace() sends it: a new file, a new url.
	replaced := h.upload(t, "PUT", path, form{fileName: "logo v2.gif", fileType: "image/gif", content: "GIF89a"}, http.StatusOK)
	expect(t, replaced, map[string]any{
		"notice": "Asset updated successfully.", "asset._version": 3, "asset.title": "Logo 2",
		"asset.filename": "logo_v2.gif", "asset.content_type": "image/gif", "asset.file_size": "6",
	})
	if replaced.str(t, "asset.url") == before.str(t, "asset.url") {
		t.Error("replacing the file kept the url")
	}

	h.do(t, "PUT", path, `{"asset":{"parent_uid":"bltfolder"}}`, http.StatusUnprocessableEntity)
	h.do(t, "PUT", path, `{"asset":{"tags":"a"}}`, http.StatusUnprocessableEntity)
	h.do(t, "PUT", path, `{"title":"x"}`, http.StatusUnprocessableEntity)
	expect(t, h.do(t, "GET", path, "", http.StatusOK), map[string]any{"asset._version": 3})

	expect(t, h.do(t, "DELETE", path, "", http.StatusOK), map[string]any{"notice": "Asset deleted successfully.", "asset": absent})
	expect(t, h.do(t, "GET", path, "", http.StatusUnprocessableEntity), map[string]any{"error_code": 141})
	h.do(t, "PUT", path, `{"asset":{"title":"x"}}`, http.StatusUnprocessableEntity)
	h.do(t, "DELETE", path, "", http.StatusUnprocessableEntity)
}
