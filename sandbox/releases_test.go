package sandbox

import (
	"testing"
	"time"
)

// releaseJSONBody builds the body of a release write.
func releaseJSONBody(title, entities string) string {
	return `{"title":"` + title + `","entities":` + entities + `}`
}

func TestReleases(t *testing.T) {
	h := newHarness(t, WithActionDelay(time.Millisecond))
	seed(t, h, "/entries/e1", "/assets/a1")
	const rs = envPath + "/releases"
	two := items(ref("Entry", "e1", 0), ref("Asset", "a1", 0))
	h.run(t, []step{
		{name: "no title", method: "POST", path: rs, body: `{"entities":` + two + `}`, status: 422, want: []kv{{"details.errors.0.path", []any{"title"}}}},
		{name: "bad entities", method: "POST", path: rs, body: releaseJSONBody("R", items(ref("ContentType", "ct", 0))), status: 422},
		{name: "failed on purpose", method: "POST", path: rs, header: hdr(FailHeader, "500"), body: releaseJSONBody("R", two), status: 500},
		{name: "none yet", method: "GET", path: rs, status: 200, want: []kv{{"total", 0}}},
		{name: "unknown", method: "GET", path: rs + "/nope", status: 404},
	})

	id, got := h.create(t, "POST", rs, nil, releaseJSONBody("Spring", two), 201)
	checkAll(t, "create", got,
		kv{"sys.type", "Release"}, kv{"sys.version", 1}, kv{"sys.status", "active"},
		kv{"sys.space", linkTo("Space", "sp1")}, kv{"sys.environment", linkTo("Environment", "master")},
		kv{"sys.createdAt", "2025-01-02T03:04:05.678Z"}, kv{"sys.updatedAt", "2025-01-02T03:04:05.678Z"},
		kv{"sys.createdBy", userLink}, kv{"sys.updatedBy", userLink}, kv{"sys.archivedAt", absent},
		kv{"title", "Spring"},
		kv{"entities", map[string]any{"sys": map[string]any{"type": "Array"}, "items": []any{linkTo("Entry", "e1"), linkTo("Asset", "a1")}}},
	)
	r := rs + "/" + id
	h.run(t, []step{
		{name: "get", method: "GET", path: r, status: 200, want: []kv{{"sys.id", id}, {"title", "Spring"}}},
		{name: "list", method: "GET", path: rs, status: 200, want: []kv{{"total", 1}, {"items.0.sys.id", id}}},
		{name: "legacy list", method: "GET", path: "/spaces/sp1/releases", status: 200, want: []kv{{"total", 1}}},
		{name: "update without version", method: "PUT", path: r, body: releaseJSONBody("Summer", two), status: 409, want: []kv{{"sys.id", "VersionMismatch"}}},
		{name: "update with a stale version", method: "PUT", path: r, header: ver(2), body: releaseJSONBody("Summer", two), status: 409},
		{name: "update without title", method: "PUT", path: r, header: ver(1), body: `{}`, status: 422},
		{name: "update", at: "2025-01-02T04:00:00Z", method: "PUT", path: r, header: ver(1), body: releaseJSONBody("Summer", two), status: 200, want: []kv{
			{"sys.version", 2}, {"title", "Summer"}, {"sys.updatedAt", "2025-01-02T04:00:00.000Z"},
		}},
		{name: "create by PUT with a version", method: "PUT", path: rs + "/fixed", header: ver(1), body: releaseJSONBody("F", items()), status: 404},
		{name: "create by PUT", method: "PUT", path: rs + "/fixed", body: releaseJSONBody("F", items()), status: 201, want: []kv{
			{"sys.id", "fixed"}, {"sys.version", 1}, {"entities.items", []any{}},
		}},
		{name: "publish without version", method: "PUT", path: r + "/published", status: 409},
		{name: "publish with a stale version", method: "PUT", path: r + "/published", header: ver(1), status: 409},
		{name: "actions of an unknown release", method: "GET", path: rs + "/nope/actions", status: 404},
		{name: "unknown action", method: "GET", path: r + "/actions/nope", status: 404},
	})

	start := func(method, sub string, header map[string]string, verb string) string {
		t.Helper()
		actionID, got := h.create(t, method, r+sub, header, "", 200)
		checkAll(t, verb, got,
			kv{"sys.type", "ReleaseAction"}, kv{"sys.status", "inProgress"}, kv{"action", verb},
			kv{"sys.release", linkTo("Release", id)}, kv{"sys.space", linkTo("Space", "sp1")},
			kv{"sys.environment", linkTo("Environment", "master")}, kv{"sys.createdBy", linkTo("User", otherUser)},
		)
		done := h.waitFor(t, r+"/actions/"+actionID, "sys.status", "succeeded")
		checkAll(t, verb, done, kv{"error", absent}, kv{"sys.completedAt", "2025-01-02T04:00:00.000Z"})
		return actionID
	}
	publishID := start("PUT", "/published", hdr(versionHeader, "2", "Authorization", "Bearer "+otherToken), "publish")
	published := []kv{
		{"sys.version", 2}, {"sys.publishedVersion", 1}, {"sys.publishedCounter", 1},
		{"sys.publishedBy", linkTo("User", otherUser)}, {"sys.publishedAt", "2025-01-02T04:00:00.000Z"},
	}
	h.run(t, []step{
		{name: "entry published", method: "GET", path: envPath + "/entries/e1", status: 200, want: published},
		{name: "asset published", method: "GET", path: envPath + "/assets/a1", status: 200, want: published},
		{name: "release version unchanged", method: "GET", path: r, status: 200, want: []kv{{"sys.version", 2}}},
	})
	unpublishID := start("DELETE", "/published", asOther, "unpublish")
	h.run(t, []step{
		{name: "entry unpublished", method: "GET", path: envPath + "/entries/e1", status: 200, want: []kv{
			{"sys.version", 3}, {"sys.publishedVersion", absent}, {"sys.publishedCounter", 1},
		}},
		{name: "unpublish with a stale version", method: "DELETE", path: r + "/published", header: ver(1), status: 409},
	})
	validateID := start("POST", "/validate", asOther, "validate")
	h.run(t, []step{
		{name: "validate changes nothing", method: "GET", path: envPath + "/entries/e1", status: 200, want: []kv{{"sys.version", 3}}},
		{name: "actions", method: "GET", path: r + "/actions", status: 200, want: []kv{
			{"total", 3}, {"items.0.sys.id", publishID}, {"items.1.sys.id", unpublishID}, {"items.2.sys.id", validateID},
		}},
	})

	failedID, _ := h.create(t, "DELETE", r+"/published", nil, "", 200)
	failed := h.waitFor(t, r+"/actions/"+failedID, "sys.status", "failed")
	checkAll(t, "unpublish drafts", failed,
		kv{"error.sys.id", "BulkActionFailed"},
		kv{"error.details.errors.0.entity", linkTo("Entry", "e1")}, kv{"error.details.errors.0.error.sys.id", "NotPublished"},
		kv{"error.details.errors.1.entity", linkTo("Asset", "a1")}, kv{"error.details.errors.1.error.sys.id", "NotPublished"},
	)
	h.run(t, []step{{name: "add a missing entry", method: "PUT", path: r, header: ver(2),
		body: releaseJSONBody("Summer", items(ref("Entry", "e1", 0), ref("Entry", "gone", 0))), status: 200, want: []kv{{"sys.version", 3}}}})
	failedID, _ = h.create(t, "PUT", r+"/published", ver(3), "", 200)
	failed = h.waitFor(t, r+"/actions/"+failedID, "sys.status", "failed")
	checkAll(t, "publish a missing entry", failed,
		kv{"error.details.errors.0.entity", linkTo("Entry", "gone")}, kv{"error.details.errors.0.error.sys.id", "NotFound"},
		kv{"error.details.errors.1", absent},
	)

	h.run(t, []step{
		{name: "nothing published", method: "GET", path: envPath + "/entries/e1", status: 200, want: []kv{{"sys.version", 3}, {"sys.publishedVersion", absent}}},
		{name: "archive without version", method: "PUT", path: r + "/archived", status: 409},
		{name: "archive", at: "2025-01-02T05:00:00Z", method: "PUT", path: r + "/archived", header: ver(3), status: 200, want: []kv{
			{"sys.version", 4}, {"sys.status", "archived"}, {"sys.archivedAt", "2025-01-02T05:00:00.000Z"}, {"sys.archivedBy", userLink},
		}},
		{name: "archive twice", method: "PUT", path: r + "/archived", header: ver(4), status: 400},
		{name: "publish while archived", method: "PUT", path: r + "/published", header: ver(4), status: 400},
		{name: "unpublish while archived", method: "DELETE", path: r + "/published", status: 400},
		{name: "validate while archived", method: "POST", path: r + "/validate", status: 400},
		{name: "update while archived", method: "PUT", path: r, header: ver(4), body: releaseJSONBody("X", items()), status: 400},
		{name: "unarchive without version", method: "DELETE", path: r + "/archived", status: 409},
		{name: "unarchive", method: "DELETE", path: r + "/archived", header: ver(4), status: 200, want: []kv{
			{"sys.version", 5}, {"sys.status", "active"}, {"sys.archivedAt", absent}, {"sys.archivedBy", absent},
		}},
		{name: "unarchive twice", method: "DELETE", path: r + "/archived", header: ver(5), status: 400},
		{name: "delete with a stale version", method: "DELETE", path: r, header: ver(1), status: 409},
		{name: "delete", method: "DELETE", path: r, status: 204},
		{name: "gone", method: "GET", path: r, status: 404},
		{name: "its actions are gone", method: "GET", path: r + "/actions", status: 404},
		{name: "delete twice", method: "DELETE", path: r, status: 404},
		{name: "the other release stays", method: "GET", path: rs, status: 200, want: []kv{{"total", 1}, {"items.0.sys.id", "fixed"}}},
	})
}

func TestReleaseActionTiming(t *testing.T) {
	h := newHarness(t, WithClock(time.Now), WithActionDelay(20*time.Millisecond))
	seed(t, h, "/entries/e1")
	id, _ := h.create(t, "POST", envPath+"/releases", nil, releaseJSONBody("R", items(ref("Entry", "e1", 0))), 201)
	actionID, got := h.create(t, "PUT", envPath+"/releases/"+id+"/published", ver(1), "", 200)
	created := timeAt(t, got, "sys.createdAt")
	if updated := timeAt(t, got, "sys.updatedAt"); !updated.Equal(created) {
		t.Errorf("updatedAt %v of a new action, want createdAt %v", updated, created)
	}
	done := h.waitFor(t, envPath+"/releases/"+id+"/actions/"+actionID, "sys.status", "succeeded")
	if d := timeAt(t, done, "sys.updatedAt").Sub(created); d < 20*time.Millisecond {
		t.Errorf("updatedAt moved %v after creation, want at least the action delay", d)
	}
}
