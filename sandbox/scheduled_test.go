package sandbox

import (
	"fmt"
	"testing"
	"time"
)

// scheduled is the path of the scheduled actions of space sp1.
const scheduled = "/spaces/sp1/scheduled_actions"

// onMaster is the query naming the master environment.
const onMaster = "?environment.sys.id=master"

// schedule builds the body of a scheduled action write.
func schedule(linkType, id, envID, action, datetime string) string {
	return fmt.Sprintf(`{"entity":{"sys":{"type":"Link","linkType":%q,"id":%q}},`+
		`"environment":{"sys":{"type":"Link","linkType":"Environment","id":%q}},`+
		`"action":%q,"scheduledFor":{"datetime":%q,"timezone":"Europe/Berlin"}}`, linkType, id, envID, action, datetime)
}

// past is a time before the test clock.
const past = "2020-01-01T00:00:00.000Z"

func TestScheduledActionRequests(t *testing.T) {
	h := newHarness(t)
	h.run(t, []step{
		{name: "entity not a link", method: "POST", path: scheduled, body: `{"entity":{}}`, status: 422, want: []kv{{"details.errors.0.path", []any{"entity"}}}},
		{name: "content type", method: "POST", path: scheduled, body: schedule("ContentType", "ct", "master", "publish", past), status: 422},
		{name: "no environment", method: "POST", path: scheduled, body: schedule("Entry", "e1", "", "publish", past), status: 422,
			want: []kv{{"details.errors.0.path", []any{"environment"}}}},
		{name: "unknown environment", method: "POST", path: scheduled, body: schedule("Entry", "e1", "staging", "publish", past), status: 422},
		{name: "unknown action", method: "POST", path: scheduled, body: schedule("Entry", "e1", "master", "archive", past), status: 422,
			want: []kv{{"details.errors.0.path", []any{"action"}}}},
		{name: "not a time", method: "POST", path: scheduled, body: schedule("Entry", "e1", "master", "publish", "tomorrow"), status: 422,
			want: []kv{{"details.errors.0.path", []any{"scheduledFor", "datetime"}}}},
		{name: "no time zone offset", method: "POST", path: scheduled, body: schedule("Entry", "e1", "master", "publish", "2026-11-23T10:00:00"), status: 422},
		{name: "not JSON", method: "POST", path: scheduled, body: `{`, status: 400},
		{name: "failed on purpose", method: "POST", path: scheduled, header: hdr(FailHeader, "502"), body: schedule("Entry", "e1", "master", "publish", past), status: 502},
		{name: "list needs the environment", method: "GET", path: scheduled, status: 400},
		{name: "nothing scheduled", method: "GET", path: scheduled + onMaster, status: 200, want: []kv{{"total", 0}, {"items", []any{}}}},
		{name: "unknown", method: "GET", path: scheduled + "/nope" + onMaster, status: 404},
		{name: "below an environment", method: "GET", path: envPath + "/scheduled_actions", status: 404},
		{name: "too deep", method: "GET", path: scheduled + "/a/b", status: 404},
	})
}

func TestScheduledActionsInThePast(t *testing.T) {
	h := newHarness(t, WithActionDelay(time.Millisecond))
	seed(t, h, "/entries/e1")
	h.run(t, []step{{name: "staging", method: "PUT", path: "/spaces/sp1/environments/staging", status: 201}})

	id, got := h.create(t, "POST", scheduled, asOther, schedule("Entry", "e1", "master", "publish", "2020-01-01T01:00:00+01:00"), 201)
	checkAll(t, "create", got,
		kv{"sys.type", "ScheduledAction"}, kv{"sys.version", 1}, kv{"sys.status", "scheduled"},
		kv{"sys.space", linkTo("Space", "sp1")}, kv{"sys.createdBy", linkTo("User", otherUser)}, kv{"sys.updatedBy", linkTo("User", otherUser)},
		kv{"sys.createdAt", "2025-01-02T03:04:05.678Z"}, kv{"sys.updatedAt", "2025-01-02T03:04:05.678Z"},
		kv{"entity", linkTo("Entry", "e1")}, kv{"environment", linkTo("Environment", "master")}, kv{"action", "publish"},
		kv{"scheduledFor", map[string]any{"datetime": past, "timezone": "Europe/Berlin"}}, kv{"error", absent},
	)
	done := h.waitFor(t, scheduled+"/"+id+onMaster, "sys.status", "succeeded")
	checkAll(t, "executed", done, kv{"sys.version", 1}, kv{"error", absent})
	h.run(t, []step{
		{name: "published as the creator", method: "GET", path: envPath + "/entries/e1", status: 200, want: []kv{
			{"sys.version", 2}, {"sys.publishedVersion", 1}, {"sys.publishedCounter", 1}, {"sys.publishedBy", linkTo("User", otherUser)},
		}},
		{name: "without the environment", method: "GET", path: scheduled + "/" + id, status: 200, want: []kv{{"sys.id", id}}},
		{name: "in another environment", method: "GET", path: scheduled + "/" + id + "?environment.sys.id=staging", status: 404},
	})

	id, _ = h.create(t, "POST", scheduled, nil, schedule("Entry", "e1", "master", "unpublish", past), 201)
	h.waitFor(t, scheduled+"/"+id+onMaster, "sys.status", "succeeded")
	h.run(t, []step{{name: "unpublished", method: "GET", path: envPath + "/entries/e1", status: 200, want: []kv{
		{"sys.version", 3}, {"sys.publishedVersion", absent}, {"sys.publishedCounter", 1},
	}}})

	tests := []struct {
		name, body, errID string
		entity            map[string]any
	}{
		{"unpublish a draft", schedule("Entry", "e1", "master", "unpublish", past), "NotPublished", linkTo("Entry", "e1")},
		{"publish a missing asset", schedule("Asset", "nope", "master", "publish", past), "NotFound", linkTo("Asset", "nope")},
		{"publish in an environment without it", schedule("Entry", "e1", "staging", "publish", past), "NotFound", linkTo("Entry", "e1")},
	}
	for _, tt := range tests {
		id, got := h.create(t, "POST", scheduled, nil, tt.body, 201)
		envID, _ := got.at("environment.sys.id")
		failed := h.waitFor(t, fmt.Sprintf("%s/%s?environment.sys.id=%s", scheduled, id, envID), "sys.status", "failed")
		checkAll(t, tt.name, failed,
			kv{"error.sys", map[string]any{"type": "Error", "id": "ScheduledActionFailed"}},
			kv{"error.details.errors.0.entity", tt.entity}, kv{"error.details.errors.0.error.sys.id", tt.errID},
		)
	}
	h.run(t, []step{
		{name: "nothing changed", method: "GET", path: envPath + "/entries/e1", status: 200, want: []kv{{"sys.version", 3}}},
		{name: "list master", method: "GET", path: scheduled + onMaster, status: 200, want: []kv{
			{"total", 4}, {"items.0.action", "publish"}, {"items.1.action", "unpublish"}, {"items.3.entity.sys.id", "nope"},
		}},
		{name: "list staging", method: "GET", path: scheduled + "?environment.sys.id=staging", status: 200, want: []kv{{"total", 1}}},
		{name: "list paged", method: "GET", path: scheduled + onMaster + "&skip=1&limit=1", status: 200, want: []kv{
			{"total", 4}, {"items.0.action", "unpublish"}, {"items.1", absent},
		}},
	})
}

func TestScheduledActionInTheNearFuture(t *testing.T) {
	h := newHarness(t, WithClock(time.Now))
	seed(t, h, "/entries/e1")
	at := time.Now().Add(200 * time.Millisecond).UTC().Format(time.RFC3339Nano)
	id, got := h.create(t, "POST", scheduled, nil, schedule("Entry", "e1", "master", "publish", at), 201)
	checkAt(t, "create", got, kv{"sys.status", "scheduled"})
	due := timeAt(t, got, "scheduledFor.datetime")
	done := h.waitFor(t, scheduled+"/"+id+onMaster, "sys.status", "succeeded")
	if updated := timeAt(t, done, "sys.updatedAt"); updated.Before(due) {
		t.Errorf("executed at %v, before its time %v", updated, due)
	}
	_, entry, _ := h.do(t, "GET", envPath+"/entries/e1", nil, "")
	if published := timeAt(t, entry, "sys.publishedAt"); published.Before(due) {
		t.Errorf("published at %v, before its time %v", published, due)
	}
}

func TestScheduledActionReschedule(t *testing.T) {
	h := newHarness(t)
	seed(t, h, "/entries/e1", "/assets/a1")
	later := "2025-01-02T04:04:05.678Z"
	id, _ := h.create(t, "POST", scheduled, nil, schedule("Entry", "e1", "master", "publish", later), 201)
	a := scheduled + "/" + id + onMaster
	soon := "2025-01-02T03:30:00.100Z"
	h.run(t, []step{
		{name: "without version", method: "PUT", path: a, body: schedule("Asset", "a1", "master", "publish", soon), status: 409},
		{name: "with a stale version", method: "PUT", path: a, header: ver(2), body: schedule("Asset", "a1", "master", "publish", soon), status: 409},
		{name: "bad body", method: "PUT", path: a, header: ver(1), body: schedule("Asset", "a1", "master", "publish", "soon"), status: 422},
		{name: "in another environment", method: "PUT", path: scheduled + "/" + id + "?environment.sys.id=staging", header: ver(1),
			body: schedule("Asset", "a1", "master", "publish", soon), status: 404},
		{name: "unknown id", method: "PUT", path: scheduled + "/nope" + onMaster, header: ver(1), body: schedule("Asset", "a1", "master", "publish", soon), status: 404},
		{name: "still as created", method: "GET", path: a, status: 200, want: []kv{
			{"sys.version", 1}, {"sys.status", "scheduled"}, {"scheduledFor.datetime", later}, {"entity.sys.id", "e1"},
		}},
		{name: "reschedule another entity", at: "2025-01-02T03:30:00Z", method: "PUT", path: a, header: hdr(versionHeader, "1", "Authorization", "Bearer "+otherToken),
			body: schedule("Asset", "a1", "master", "publish", soon), status: 200, want: []kv{
				{"sys.version", 2}, {"sys.status", "scheduled"}, {"scheduledFor.datetime", soon}, {"entity", linkTo("Asset", "a1")},
				{"sys.updatedBy", linkTo("User", otherUser)}, {"sys.createdBy", userLink}, {"sys.updatedAt", "2025-01-02T03:30:00.000Z"},
			}},
	})
	h.waitFor(t, a, "sys.status", "succeeded")
	h.run(t, []step{
		{name: "the asset is published", method: "GET", path: envPath + "/assets/a1", status: 200, want: []kv{
			{"sys.publishedVersion", 1}, {"sys.publishedBy", userLink},
		}},
		{name: "the entry is not", method: "GET", path: envPath + "/entries/e1", status: 200, want: []kv{{"sys.publishedVersion", absent}}},
		{name: "change after execution", method: "PUT", path: a, header: ver(2), body: schedule("Entry", "e1", "master", "publish", soon), status: 422},
		{name: "cancel after execution", method: "DELETE", path: a, status: 400},
	})
	if n := armed(h.sb); n != 0 {
		t.Errorf("%d timers armed after the rescheduled action ran, want 0: the first schedule must be disarmed", n)
	}
}

func TestScheduledActionCancel(t *testing.T) {
	h := newHarness(t)
	seed(t, h, "/entries/e1", "/entries/e2")
	id, _ := h.create(t, "POST", scheduled, nil, schedule("Entry", "e1", "master", "publish", "2025-01-02T04:00:00Z"), 201)
	a := scheduled + "/" + id + onMaster
	if n := armed(h.sb); n != 1 {
		t.Fatalf("%d timers armed for one scheduled action, want 1", n)
	}
	h.run(t, []step{
		{name: "cancel with a stale version", method: "DELETE", path: a, header: ver(3), status: 409},
		{name: "cancel", at: "2025-01-02T03:30:00Z", method: "DELETE", path: a, header: asOther, status: 200, want: []kv{
			{"sys.status", "canceled"}, {"sys.version", 2}, {"sys.canceledAt", "2025-01-02T03:30:00.000Z"},
			{"sys.canceledBy", linkTo("User", otherUser)}, {"sys.updatedAt", "2025-01-02T03:30:00.000Z"},
		}},
		{name: "cancel twice", method: "DELETE", path: a, status: 400},
		{name: "change a canceled action", method: "PUT", path: a, header: ver(2), body: schedule("Entry", "e1", "master", "publish", past), status: 422},
	})
	if n := armed(h.sb); n != 0 {
		t.Fatalf("%d timers armed after the cancel, want 0", n)
	}
	other, _ := h.create(t, "POST", scheduled, nil, schedule("Entry", "e2", "master", "publish", past), 201)
	h.waitFor(t, scheduled+"/"+other+onMaster, "sys.status", "succeeded")
	h.run(t, []step{
		{name: "still canceled", method: "GET", path: a, status: 200, want: []kv{{"sys.status", "canceled"}, {"sys.version", 2}}},
		{name: "e1 not published", method: "GET", path: envPath + "/entries/e1", status: 200, want: []kv{{"sys.version", 1}, {"sys.publishedVersion", absent}}},
		{name: "e2 published", method: "GET", path: envPath + "/entries/e2", status: 200, want: []kv{{"sys.publishedVersion", 1}}},
	})
}

// armed counts the timers of pending actions.
func armed(sb *Sandbox) int {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	return len(sb.timers)
}

func TestScheduleDelay(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		at   time.Time
		want time.Duration
	}{
		{now.Add(200 * time.Millisecond), 200 * time.Millisecond},
		{now.Add(time.Hour), time.Hour},
		{now, 7 * time.Millisecond},
		{now.Add(-time.Hour), 7 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := scheduleDelay(now, tt.at, 7*time.Millisecond); got != tt.want {
			t.Errorf("scheduleDelay(now, now%+v) = %v, want %v", tt.at.Sub(now), got, tt.want)
		}
	}
}
