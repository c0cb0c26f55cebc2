package contentstack

import (
	"net/http"
	"testing"
)

func TestContentTypeLifecycle(t *testing.T) {
	h := newHarness(t)
	created := h.do(t, "POST", "/v3/content_types", blogType, http.StatusCreated)
	expect(t, created, map[string]any{
		"notice":           "Content Type created successfully.",
		"content_type.uid": "blog", "content_type.title": "Blog", "content_type._version": 1,
		"content_type.schema.0.uid": "title", "content_type.schema.1.uid": "url",
		"content_type.options.publishable": true, "content_type.description": "",
		"content_type.created_at": "2025-01-02T03:04:05.678Z", "content_type.updated_at": "2025-01-02T03:04:05.678Z",
		"content_type.created_by": testUser, "content_type.inbuilt_class": false,
	})
	expect(t, h.do(t, "GET", "/v3/content_types/blog", "", http.StatusOK), map[string]any{"content_type.title": "Blog", "notice": absent})

	h.clock.set(t, "2025-01-02T04:00:00Z")
	updated := h.do(t, "PUT", "/v3/content_types/blog", `{"content_type":{"title":"Blog posts","description":"d","options":{"is_page":true},"_version":1,"inbuilt_class":false}}`, http.StatusOK)
	expect(t, updated, map[string]any{
		"notice": "Content Type updated successfully.", "content_type._version": 2,
		"content_type.title": "Blog posts", "content_type.description": "d", "content_type.options": map[string]any{"is_page": true},
		"content_type.schema.1.uid": "url", "content_type.updated_at": "2025-01-02T04:00:00.000Z",
		"content_type.created_at": "2025-01-02T03:04:05.678Z",
	})
	// The schema sent replaces the stored one.
	h.do(t, "PUT", "/v3/content_types/blog", `{"content_type":{"schema":[{"uid":"title","mandatory":true}]}}`, http.StatusOK)
	expect(t, h.do(t, "GET", "/v3/content_types/blog", "", http.StatusOK), map[string]any{"content_type._version": 3, "content_type.schema.1": absent})

	h.newEntry(t, `{"entry":{"title":"Hi"}}`)
	expect(t, h.do(t, "DELETE", "/v3/content_types/blog", "", http.StatusOK), map[string]any{"notice": "Content Type deleted successfully.", "content_type": absent})
	notFound := h.do(t, "GET", "/v3/content_types/blog", "", http.StatusUnprocessableEntity)
	expect(t, notFound, map[string]any{
		"error_message": "The Content Type 'blog' was not found. Please try again.", "error_code": 118,
		"errors.uid": []string{"is not valid."},
	})
	// Its entries went with it; a new content type of that uid starts empty.
	h.do(t, "POST", "/v3/content_types", blogType, http.StatusCreated)
	expect(t, h.do(t, "GET", "/v3/content_types/blog/entries?include_count=true", "", http.StatusOK), map[string]any{"count": 0})
	h.do(t, "PUT", "/v3/content_types/nope", `{"content_type":{"title":"x"}}`, http.StatusUnprocessableEntity)
	h.do(t, "DELETE", "/v3/content_types/nope", "", http.StatusUnprocessableEntity)
}

func TestContentTypeRefusals(t *testing.T) {
	h := newHarness(t)
	h.do(t, "POST", "/v3/content_types", blogType, http.StatusCreated)
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		field                    string
	}{
		{"duplicate uid", "POST", "/v3/content_types", blogType, http.StatusUnprocessableEntity, "uid"},
		{"uppercase uid", "POST", "/v3/content_types", `{"content_type":{"title":"A","uid":"Blog"}}`, http.StatusUnprocessableEntity, "uid"},
		{"no uid", "POST", "/v3/content_types", `{"content_type":{"title":"A"}}`, http.StatusUnprocessableEntity, "uid"},
		{"no title", "POST", "/v3/content_types", `{"content_type":{"uid":"a"}}`, http.StatusUnprocessableEntity, "title"},
		{"field without uid", "POST", "/v3/content_types", `{"content_type":{"title":"A","uid":"a","schema":[{"data_type":"text"}]}}`, http.StatusUnprocessableEntity, "schema"},
		{"two fields one uid", "POST", "/v3/content_types", `{"content_type":{"title":"A","uid":"a","schema":[{"uid":"x"},{"uid":"x"}]}}`, http.StatusUnprocessableEntity, "schema"},
		{"options not an object", "POST", "/v3/content_types", `{"content_type":{"title":"A","uid":"a","options":[]}}`, http.StatusUnprocessableEntity, "options"},
		{"no content_type object", "POST", "/v3/content_types", `{"title":"A","uid":"a"}`, http.StatusUnprocessableEntity, "content_type"},
		{"content_type not an object", "POST", "/v3/content_types", `{"content_type":"a"}`, http.StatusUnprocessableEntity, "content_type"},
		{"empty title on update", "PUT", "/v3/content_types/blog", `{"content_type":{"title":""}}`, http.StatusUnprocessableEntity, "title"},
		{"not JSON", "POST", "/v3/content_types", `{`, http.StatusBadRequest, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := h.do(t, tc.method, tc.path, tc.body, tc.status)
			want := map[string]any{"error_code": 115}
			if tc.field != "" {
				if _, found := got.at("errors." + tc.field); !found {
					t.Errorf("errors has no %q: %v", tc.field, got)
				}
			}
			expect(t, got, want)
		})
	}
	// Nothing was created or changed.
	expect(t, h.do(t, "GET", "/v3/content_types?include_count=true", "", http.StatusOK), map[string]any{"count": 1, "content_types.0._version": 1})
}

func TestContentTypeList(t *testing.T) {
	h := newHarness(t)
	for _, uid := range []string{"a", "b", "c"} {
		h.do(t, "POST", "/v3/content_types", `{"content_type":{"title":"T","uid":"`+uid+`"}}`, http.StatusCreated)
	}
	expect(t, h.do(t, "GET", "/v3/content_types?include_count=true&skip=1&limit=1", "", http.StatusOK), map[string]any{
		"count": 3, "content_types.0.uid": "b", "content_types.1": absent,
	})
	expect(t, h.do(t, "GET", "/v3/content_types", "", http.StatusOK), map[string]any{"content_types.2.uid": "c", "count": absent})
	expect(t, h.do(t, "GET", "/v3/content_types?count=true", "", http.StatusOK), map[string]any{"content_types": 3})
	expect(t, h.do(t, "GET", "/v3/content_types?skip=9", "", http.StatusOK), map[string]any{"content_types": []any{}})
	expect(t, h.do(t, "GET", "/v3/content_types?limit=x", "", http.StatusUnprocessableEntity), map[string]any{"error_code": 141, "errors.limit": []string{"is not valid."}})
	h.do(t, "GET", "/v3/content_types?skip=-1", "", http.StatusUnprocessableEntity)
}
