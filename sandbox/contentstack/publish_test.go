package contentstack

import (
	"net/http"
	"testing"
)

// envUIDs returns the uids of the environments by name.
func (h *harness) envUIDs(t *testing.T) map[string]string {
	t.Helper()
	list := h.do(t, "GET", "/v3/environments", "", http.StatusOK)
	uids := map[string]string{}
	for _, v := range list["environments"].([]any) {
		env := doc(v.(map[string]any))
		uids[env.str(t, "name")] = env.str(t, "uid")
	}
	return uids
}

func TestEntryPublishPerEnvironment(t *testing.T) {
	h := newHarness(t)
	uid := h.newEntry(t, `{"entry":{"title":"Hello"}}`)
	path := "/v3/content_types/blog/entries/" + uid
	h.do(t, "PUT", path, `{"entry":{"title":"Hello 2"}}`, http.StatusOK)
	envs := h.envUIDs(t)

	h.clock.set(t, "2025-01-03T00:00:00Z")
	answer := h.do(t, "POST", path+"/publish", `{"entry":{"environments":["development"],"locales":["en-us"]}}`, http.StatusOK)
	expect(t, answer, map[string]any{"notice": "The requested action has been performed.", "entry": absent, "uid": absent})
	expect(t, h.do(t, "GET", path, "", http.StatusOK), map[string]any{
		"entry._version": 2, "entry.updated_at": "2025-01-02T03:04:05.678Z",
		"entry.publish_details": []map[string]any{{
			"environment": envs["development"], "locale": "en-us", "time": "2025-01-03T00:00:00.000Z", "user": testUser, "version": 2,
		}},
	})

	// Two environments at once, one named by uid, version 1; development is
	// published again and keeps one record.
	h.clock.set(t, "2025-01-04T00:00:00Z")
	h.do(t, "POST", path+"/publish", `{"entry":{"environments":["production","`+envs["development"]+`"],"locales":["en-us"]},"locale":"en-us","version":1}`, http.StatusOK)
	got := h.do(t, "GET", path, "", http.StatusOK)
	expect(t, got, map[string]any{
		"entry.publish_details.0.environment": envs["development"], "entry.publish_details.0.version": 1,
		"entry.publish_details.0.time":        "2025-01-04T00:00:00.000Z",
		"entry.publish_details.1.environment": envs["production"], "entry.publish_details.1.version": 1,
		"entry.publish_details.2": absent, "entry._version": 2,
	})

	expect(t, h.do(t, "POST", path+"/unpublish", `{"entry":{"environments":["development"],"locales":["en-us"]}}`, http.StatusOK),
		map[string]any{"notice": "The requested action has been performed.", "entry": absent})
	expect(t, h.do(t, "GET", path, "", http.StatusOK), map[string]any{
		"entry.publish_details.0.environment": envs["production"], "entry.publish_details.1": absent,
	})
	// Unpublishing where it is not published changes nothing; locales
	// default to en-us.
	h.do(t, "POST", path+"/unpublish", `{"entry":{"environments":["development"]}}`, http.StatusOK)
	h.do(t, "POST", path+"/unpublish", `{"entry":{"environments":["production"]}}`, http.StatusOK)
	expect(t, h.do(t, "GET", path, "", http.StatusOK), map[string]any{"entry.publish_details": []any{}})
}

func TestPublishRefusals(t *testing.T) {
	h := newHarness(t)
	uid := h.newEntry(t, `{"entry":{"title":"Hello"}}`)
	asset := h.newAsset(t)
	for _, tc := range []struct {
		name, path, body string
		status, code     int
		field            string
	}{
		{"unknown environment", "/v3/content_types/blog/entries/" + uid + "/publish", `{"entry":{"environments":["development","qa"],"locales":["en-us"]}}`, http.StatusUnauthorized, 161, "environments"},
		{"unknown environment, unpublish", "/v3/content_types/blog/entries/" + uid + "/unpublish", `{"entry":{"environments":["qa"]}}`, http.StatusUnauthorized, 161, "environments"},
		{"unknown environment, asset", "/v3/assets/" + asset + "/publish", `{"asset":{"environments":["qa"]}}`, http.StatusUnauthorized, 161, "environments"},
		{"no environments", "/v3/content_types/blog/entries/" + uid + "/publish", `{"entry":{"environments":[],"locales":["en-us"]}}`, http.StatusUnprocessableEntity, 141, "environments"},
		{"no entry object", "/v3/content_types/blog/entries/" + uid + "/publish", `{"asset":{"environments":["development"]}}`, http.StatusUnprocessableEntity, 141, "entry"},
		{"no asset object", "/v3/assets/" + asset + "/publish", `{"entry":{"environments":["development"]}}`, http.StatusUnprocessableEntity, 141, "asset"},
		{"other locale", "/v3/content_types/blog/entries/" + uid + "/publish", `{"entry":{"environments":["development"],"locales":["fr-fr"]}}`, http.StatusUnprocessableEntity, 141, "locales"},
		{"other master locale", "/v3/content_types/blog/entries/" + uid + "/publish", `{"entry":{"environments":["development"]},"locale":"de-de"}`, http.StatusUnprocessableEntity, 141, "locales"},
		{"future version", "/v3/content_types/blog/entries/" + uid + "/publish", `{"entry":{"environments":["development"]},"version":2}`, http.StatusUnprocessableEntity, 141, "version"},
		{"version zero", "/v3/assets/" + asset + "/publish", `{"asset":{"environments":["development"]},"version":0}`, http.StatusUnprocessableEntity, 141, "version"},
		{"version not a number", "/v3/content_types/blog/entries/" + uid + "/publish", `{"entry":{"environments":["development"]},"version":"1"}`, http.StatusUnprocessableEntity, 141, "version"},
		{"scheduled", "/v3/content_types/blog/entries/" + uid + "/publish", `{"entry":{"environments":["development"]},"scheduled_at":"2030-01-01T00:00:00.000Z"}`, http.StatusUnprocessableEntity, 141, "scheduled_at"},
		{"unknown entry", "/v3/content_types/blog/entries/bltffffffffffffffff/publish", `{"entry":{"environments":["development"]}}`, http.StatusUnprocessableEntity, 141, "uid"},
		{"unknown asset", "/v3/assets/bltffffffffffffffff/unpublish", `{"asset":{"environments":["development"]}}`, http.StatusUnprocessableEntity, 141, "uid"},
		{"unknown content type", "/v3/content_types/nope/entries/" + uid + "/publish", `{"entry":{"environments":["development"]}}`, http.StatusUnprocessableEntity, 118, "uid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := h.do(t, "POST", tc.path, tc.body, tc.status)
			expect(t, got, map[string]any{"error_code": tc.code})
			if _, found := got.at("errors." + tc.field); !found {
				t.Errorf("errors has no %q: %v", tc.field, got)
			}
		})
	}
	got := h.do(t, "POST", "/v3/content_types/blog/entries/"+uid+"/publish", `{"entry":{"environments":["qa"]}}`, http.StatusUnauthorized)
	expect(t, got, map[string]any{"error_message": `Environment doesn't exists or insufficient permission to access it. (The sandbox has no environment "qa": create it with POST /v3/environments.)`})
	// Nothing was published.
	expect(t, h.do(t, "GET", "/v3/content_types/blog/entries/"+uid, "", http.StatusOK), map[string]any{"entry.publish_details": []any{}})
	expect(t, h.do(t, "GET", "/v3/assets/"+asset, "", http.StatusOK), map[string]any{"asset.publish_details": []any{}})
}

func TestAssetPublish(t *testing.T) {
	h := newHarness(t)
	uid := h.newAsset(t)
	path := "/v3/assets/" + uid
	envs := h.envUIDs(t)
	h.do(t, "PUT", path, `{"asset":{"title":"v2"}}`, http.StatusOK)

	expect(t, h.do(t, "POST", path+"/publish", `{"asset":{"environments":["development","production"],"locales":["en-us"]}}`, http.StatusOK),
		map[string]any{"notice": "Asset sent for publishing.", "asset": absent})
	expect(t, h.do(t, "GET", path, "", http.StatusOK), map[string]any{
		"asset._version": 2,
		"asset.publish_details": []map[string]any{
			{"environment": envs["development"], "locale": "en-us", "time": "2025-01-02T03:04:05.678Z", "user": testUser, "version": 2},
			{"environment": envs["production"], "locale": "en-us", "time": "2025-01-02T03:04:05.678Z", "user": testUser, "version": 2},
		},
	})
	expect(t, h.do(t, "POST", path+"/unpublish", `{"asset":{"environments":["production"],"locales":["en-us"]}}`, http.StatusOK),
		map[string]any{"notice": "Asset sent for unpublishing.", "asset": absent})
	expect(t, h.do(t, "GET", path, "", http.StatusOK), map[string]any{
		"asset.publish_details.0.environment": envs["development"], "asset.publish_details.1": absent,
	})
}
