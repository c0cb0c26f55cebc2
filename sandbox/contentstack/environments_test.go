package contentstack

import (
	"net/http"
	"testing"
)

func TestEnvironments(t *testing.T) {
	h := newHarness(t)
	expect(t, h.do(t, "GET", "/v3/environments?include_count=true", "", http.StatusOK), map[string]any{
		"count": 2, "environments.0.name": "development", "environments.1.name": "production",
		"environments.0._version": 1, "environments.0.urls": []any{}, "environments.0.ACL": []any{},
	})

	created := h.do(t, "POST", "/v3/environments", `{"environment":{"name":"staging","urls":[{"locale":"en-us","url":"https://staging.example"}],"deploy_content":true}}`, http.StatusCreated)
	expect(t, created, map[string]any{
		"notice": "Environment created successfully.", "environment.name": "staging", "environment._version": 1,
		"environment.urls.0.url": "https://staging.example", "environment.deploy_content": true, "environment.servers": []any{},
		"environment.created_by": testUser, "environment.created_at": "2025-01-02T03:04:05.678Z",
	})
	uid := created.str(t, "environment.uid")
	expect(t, h.do(t, "GET", "/v3/environments/staging", "", http.StatusOK), map[string]any{"environment.uid": uid})
	expect(t, h.do(t, "GET", "/v3/environments/"+uid, "", http.StatusOK), map[string]any{"environment.name": "staging"})

	for name, body := range map[string]string{
		"duplicate name": `{"environment":{"name":"production"}}`,
		"no name":        `{"environment":{"urls":[]}}`,
		"bad name":       `{"environment":{"name":"a b"}}`,
		"no object":      `{"name":"x"}`,
	} {
		got := h.do(t, "POST", "/v3/environments", body, http.StatusUnprocessableEntity)
		if got["error_code"] != float64(141) {
			t.Errorf("%s: error_code = %v, want 141", name, got["error_code"])
		}
	}

	// A rename keeps the uid and the place in the list.
	renamed := h.do(t, "PUT", "/v3/environments/staging", `{"environment":{"name":"qa","urls":[]}}`, http.StatusOK)
	expect(t, renamed, map[string]any{"notice": "Environment updated successfully.", "environment.uid": uid, "environment.name": "qa", "environment._version": 2, "environment.urls": []any{}, "environment.deploy_content": true})
	h.do(t, "GET", "/v3/environments/staging", "", http.StatusUnprocessableEntity)
	expect(t, h.do(t, "GET", "/v3/environments", "", http.StatusOK), map[string]any{"environments.2.name": "qa"})
	h.do(t, "PUT", "/v3/environments/qa", `{"environment":{"name":"development"}}`, http.StatusUnprocessableEntity)
	h.do(t, "PUT", "/v3/environments/qa", `{"environment":{"name":"qa"}}`, http.StatusOK)

	// Publishing goes by the current name; a deleted environment is gone
	// for publishing but stays in publish_details.
	entry := h.newEntry(t, `{"entry":{"title":"Hello"}}`)
	path := "/v3/content_types/blog/entries/" + entry
	h.do(t, "POST", path+"/publish", `{"entry":{"environments":["qa"]}}`, http.StatusOK)
	expect(t, h.do(t, "DELETE", "/v3/environments/qa", "", http.StatusOK), map[string]any{"notice": "Environment deleted successfully."})
	expect(t, h.do(t, "GET", "/v3/environments/qa", "", http.StatusUnprocessableEntity), map[string]any{"error_code": 141})
	h.do(t, "DELETE", "/v3/environments/qa", "", http.StatusUnprocessableEntity)
	h.do(t, "POST", path+"/publish", `{"entry":{"environments":["qa"]}}`, http.StatusUnauthorized)
	expect(t, h.do(t, "GET", path, "", http.StatusOK), map[string]any{"entry.publish_details.0.environment": uid})
}
