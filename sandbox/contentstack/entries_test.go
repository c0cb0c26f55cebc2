package contentstack

import (
	"net/http"
	"regexp"
	"testing"
)

func TestEntryLifecycle(t *testing.T) {
	h := newHarness(t)
	h.do(t, "POST", "/v3/content_types", blogType, http.StatusCreated)
	created := h.do(t, "POST", "/v3/content_types/blog/entries?locale=en-us", `{"entry":{"title":"Hello","url":"/hello","tags":["a"]}}`, http.StatusCreated)
	uid := created.str(t, "entry.uid")
	if !regexp.MustCompile(`^blt[0-9a-f]{16}$`).MatchString(uid) {
		t.Fatalf("entry uid %q is not blt and 16 hex characters", uid)
	}
	expect(t, created, map[string]any{
		"notice":      "Entry created successfully.",
		"entry.title": "Hello", "entry.url": "/hello", "entry.locale": "en-us", "entry._version": 1,
		"entry.created_at": "2025-01-02T03:04:05.678Z", "entry.updated_at": "2025-01-02T03:04:05.678Z",
		"entry.created_by": testUser, "entry.updated_by": testUser,
		"entry.ACL": map[string]any{}, "entry.tags": []string{"a"}, "entry._in_progress": false,
		"entry.publish_details": []any{}, "entry._branch": absent,
	})
	path := "/v3/content_types/blog/entries/" + uid
	expect(t, h.do(t, "GET", path, "", http.StatusOK), map[string]any{"entry.uid": uid, "entry.title": "Hello", "notice": absent})
	expect(t, h.do(t, "GET", path+"?include_branch=true", "", http.StatusOK), map[string]any{"entry._branch": "main"})

	// An update replaces the schema fields and ignores what the SDK sends
	// back; tags stay unless sent.
	h.clock.set(t, "2025-01-02T05:00:00.5Z")
	updated := h.do(t, "PUT", path, `{"entry":{"title":"Hello again","_version":1,"ACL":{},"publish_details":[],
		"content_type_uid":"blog","locale":"en-us","_in_progress":false,"not_in_schema":1}}`, http.StatusOK)
	expect(t, updated, map[string]any{
		"notice": "Entry updated successfully.", "entry.uid": uid, "entry._version": 2,
		"entry.title": "Hello again", "entry.url": absent, "entry.not_in_schema": absent, "entry.content_type_uid": absent,
		"entry.tags": []string{"a"}, "entry.created_at": "2025-01-02T03:04:05.678Z", "entry.updated_at": "2025-01-02T05:00:00.500Z",
	})
	expect(t, h.do(t, "PUT", path, `{"entry":{"title":"Third","url":"/3","tags":[]}}`, http.StatusOK), map[string]any{
		"entry._version": 3, "entry.url": "/3", "entry.tags": []any{},
	})

	expect(t, h.do(t, "DELETE", path, "", http.StatusOK), map[string]any{"notice": "Entry deleted successfully.", "entry": absent})
	gone := h.do(t, "GET", path, "", http.StatusUnprocessableEntity)
	expect(t, gone, map[string]any{"error_code": 141, "errors.uid": []string{"is not valid."}})
	if msg := gone.str(t, "error_message"); !regexp.MustCompile(`^The requested object doesn't exist\.`).MatchString(msg) {
		t.Errorf("error_message %q does not start with Contentstack's message", msg)
	}
	h.do(t, "PUT", path, `{"entry":{"title":"x"}}`, http.StatusUnprocessableEntity)
	h.do(t, "DELETE", path, "", http.StatusUnprocessableEntity)
}

func TestEntryRefusals(t *testing.T) {
	h := newHarness(t)
	uid := h.newEntry(t, `{"entry":{"title":"Hello"}}`)
	path := "/v3/content_types/blog/entries/" + uid
	for _, tc := range []struct {
		name, method, path, body string
		status, code             int
		field                    string
	}{
		{"unknown content type", "POST", "/v3/content_types/nope/entries", `{"entry":{"title":"x"}}`, http.StatusUnprocessableEntity, 118, "uid"},
		{"list of unknown content type", "GET", "/v3/content_types/nope/entries", "", http.StatusUnprocessableEntity, 118, "uid"},
		{"missing mandatory title", "POST", "/v3/content_types/blog/entries", `{"entry":{"url":"/x"}}`, http.StatusUnprocessableEntity, 119, "title"},
		{"empty mandatory title", "POST", "/v3/content_types/blog/entries", `{"entry":{"title":""}}`, http.StatusUnprocessableEntity, 119, "title"},
		{"null mandatory title on update", "PUT", path, `{"entry":{"title":null}}`, http.StatusUnprocessableEntity, 119, "title"},
		{"tags not strings", "POST", "/v3/content_types/blog/entries", `{"entry":{"title":"x","tags":[1]}}`, http.StatusUnprocessableEntity, 119, "tags"},
		{"no entry object", "POST", "/v3/content_types/blog/entries", `{"title":"x"}`, http.StatusUnprocessableEntity, 119, "entry"},
		{"not JSON", "POST", "/v3/content_types/blog/entries", `[`, http.StatusBadRequest, 119, ""},
		{"other locale on create", "POST", "/v3/content_types/blog/entries?locale=fr-fr", `{"entry":{"title":"x"}}`, http.StatusUnprocessableEntity, 141, "locale"},
		{"other locale on read", "GET", path + "?locale=fr-fr", "", http.StatusUnprocessableEntity, 141, "locale"},
		{"other locale on update", "PUT", path + "?locale=fr-fr", `{"entry":{"title":"x"}}`, http.StatusUnprocessableEntity, 141, "locale"},
		{"other locale on delete", "DELETE", path + "?locale=fr-fr", "", http.StatusUnprocessableEntity, 141, "locale"},
		{"other locale on list", "GET", "/v3/content_types/blog/entries?locale=de-de", "", http.StatusUnprocessableEntity, 141, "locale"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := h.do(t, tc.method, tc.path, tc.body, tc.status)
			expect(t, got, map[string]any{"error_code": tc.code})
			if tc.field != "" {
				if _, found := got.at("errors." + tc.field); !found {
					t.Errorf("errors has no %q: %v", tc.field, got)
				}
			}
		})
	}
	// Nothing changed.
	expect(t, h.do(t, "GET", "/v3/content_types/blog/entries?include_count=true", "", http.StatusOK), map[string]any{
		"count": 1, "entries.0.title": "Hello", "entries.0._version": 1,
	})
}

func TestEntryList(t *testing.T) {
	h := newHarness(t)
	var uids []string
	for _, title := range []string{"one", "two", "three"} {
		uids = append(uids, h.newEntry(t, `{"entry":{"title":"`+title+`"}}`))
	}
	expect(t, h.do(t, "GET", "/v3/content_types/blog/entries?include_count=true&skip=1&limit=5", "", http.StatusOK), map[string]any{
		"count": 3, "entries.0.uid": uids[1], "entries.1.title": "three", "entries.2": absent,
	})
	expect(t, h.do(t, "GET", "/v3/content_types/blog/entries?count=true", "", http.StatusOK), map[string]any{"entries": 3})
	expect(t, h.do(t, "GET", "/v3/content_types/blog/entries?limit=1000", "", http.StatusOK), map[string]any{"entries.2.title": "three"})
}
