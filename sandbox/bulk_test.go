package sandbox

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// envPath is the environment prefix of the action tests.
const envPath = "/spaces/sp1/environments/master"

// otherToken acts as a second user; otherUser is its user id.
const (
	otherToken = "other"
	otherUser  = "user-d9298a10"
)

// asOther is the header of requests made by the second user.
var asOther = hdr("Authorization", "Bearer "+otherToken)

// items builds an entities object of links.
func items(links ...string) string {
	return `{"sys":{"type":"Array"},"items":[` + strings.Join(links, ",") + `]}`
}

// ref builds a link to an entity; version 0 leaves the version out.
func ref(linkType, id string, version int) string {
	if version == 0 {
		return fmt.Sprintf(`{"sys":{"type":"Link","linkType":%q,"id":%q}}`, linkType, id)
	}
	return fmt.Sprintf(`{"sys":{"type":"Link","linkType":%q,"id":%q,"version":%d}}`, linkType, id, version)
}

// seed creates the entries and assets named by paths below envPath.
func seed(t *testing.T, h *harness, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if status, got, _ := h.do(t, "PUT", envPath+p, hdr(contentTypeHeader, "post"), `{"fields":{}}`); status != 201 {
			t.Fatalf("create %s: status %d: %v", p, status, got)
		}
	}
}

func TestBulkActionRequests(t *testing.T) {
	h := newHarness(t)
	seed(t, h, "/entries/e1")
	many := make([]string, maxActionItems+1)
	for i := range many {
		many[i] = ref("Entry", fmt.Sprint("e", i), 1)
	}
	body := func(entities string) string { return `{"entities":` + entities + `}` }
	e1 := ref("Entry", "e1", 1)
	invalid := func(path ...any) []kv {
		return []kv{{"sys.id", "ValidationFailed"}, {"details.errors.0.path", path}}
	}
	h.run(t, []step{
		{name: "no entities", method: "POST", path: envPath + "/bulk_actions/publish", body: `{}`, status: 422, want: invalid("entities")},
		{name: "entities not an object", method: "POST", path: envPath + "/bulk_actions/publish", body: body(`[1]`), status: 422},
		{name: "items not an array", method: "POST", path: envPath + "/bulk_actions/publish", body: body(`{"items":{}}`), status: 422},
		{name: "no items", method: "POST", path: envPath + "/bulk_actions/publish", body: body(items()), status: 422, want: invalid("entities", "items")},
		{name: "too many items", method: "POST", path: envPath + "/bulk_actions/unpublish", body: body(items(many...)), status: 422},
		{name: "publish needs versions", method: "POST", path: envPath + "/bulk_actions/publish", body: body(items(ref("Entry", "e1", 0))), status: 422,
			want: invalid("entities", "items", "0", "sys", "version")},
		{name: "version 0", method: "POST", path: envPath + "/bulk_actions/validate", body: body(items(`{"sys":{"type":"Link","linkType":"Entry","id":"e1","version":0}}`)), status: 422},
		{name: "version not a number", method: "POST", path: envPath + "/bulk_actions/validate", body: body(items(`{"sys":{"type":"Link","linkType":"Entry","id":"e1","version":"1"}}`)), status: 422},
		{name: "content type links", method: "POST", path: envPath + "/bulk_actions/publish", body: body(items(ref("ContentType", "ct", 1))), status: 422,
			want: invalid("entities", "items", "0")},
		{name: "not a link", method: "POST", path: envPath + "/bulk_actions/publish", body: body(items(`{"sys":{"type":"Entry","linkType":"Entry","id":"e1","version":1}}`)), status: 422},
		{name: "bad id", method: "POST", path: envPath + "/bulk_actions/publish", body: body(items(ref("Entry", "a b", 1))), status: 422},
		{name: "twice", method: "POST", path: envPath + "/bulk_actions/publish", body: body(items(e1, ref("Entry", "e1", 2))), status: 422,
			want: invalid("entities", "items", "1")},
		{name: "not JSON", method: "POST", path: envPath + "/bulk_actions/publish", body: `{`, status: 400},
		{name: "v2 without action", method: "POST", path: envPath + "/bulk_actions", body: body(items(e1)), status: 422, want: invalid("action")},
		{name: "v2 unknown action", method: "POST", path: envPath + "/bulk_actions", body: `{"action":"archive","entities":` + items(e1) + `}`, status: 422},
		{name: "v1 unknown verb", method: "POST", path: envPath + "/bulk_actions/archive", body: body(items(e1)), status: 404},
		{name: "unknown action", method: "GET", path: envPath + "/bulk_actions/nope", status: 404, want: []kv{{"sys.id", "NotFound"}}},
		{name: "unknown v1 action", method: "GET", path: envPath + "/bulk_actions/actions/nope", status: 404},
		{name: "GET a verb", method: "GET", path: envPath + "/bulk_actions/publish", status: 404},
		{name: "POST a status route", method: "POST", path: envPath + "/bulk_actions/actions/x", status: 404},
		{name: "too deep", method: "GET", path: envPath + "/bulk_actions/actions/x/y", status: 404},
		{name: "failed on purpose", method: "POST", path: envPath + "/bulk_actions/publish", header: hdr(FailHeader, "503"), body: body(items(e1)), status: 503},
		{name: "unpublish needs no version", method: "POST", path: envPath + "/bulk_actions/unpublish", body: body(items(ref("Entry", "e1", 0))), status: 201},
		{name: "legacy path", method: "POST", path: "/spaces/sp1/bulk_actions", body: `{"action":"validate","entities":` + items(e1) + `}`, status: 201},
	})
}

// bulkAPI is one version of the bulk action API: how to start an action
// and where its status is read.
type bulkAPI struct {
	name   string
	start  func(verb, entities string) (path, body string)
	status func(id string) string
}

// bulkAPIs are the two versions of the bulk action API.
var bulkAPIs = []bulkAPI{
	{
		name: "v1",
		start: func(verb, entities string) (string, string) {
			return envPath + "/bulk_actions/" + verb, `{"entities":` + entities + `}`
		},
		status: func(id string) string { return envPath + "/bulk_actions/actions/" + id },
	},
	{
		name: "v2",
		start: func(verb, entities string) (string, string) {
			return envPath + "/bulk_actions", `{"action":"` + verb + `","entities":` + entities + `}`
		},
		status: func(id string) string { return envPath + "/bulk_actions/" + id },
	},
}

// runBulk starts a bulk action as the second user, waits until it has the
// status want and returns its final state.
func runBulk(t *testing.T, h *harness, api bulkAPI, verb, entities, want string) doc {
	t.Helper()
	path, body := api.start(verb, entities)
	id, _ := h.create(t, "POST", path, asOther, body, 201)
	return h.waitFor(t, api.status(id), "sys.status", want)
}

func TestBulkActions(t *testing.T) {
	for _, api := range bulkAPIs {
		t.Run(api.name, func(t *testing.T) {
			h := newHarness(t, WithActionDelay(5*time.Millisecond))
			seed(t, h, "/entries/e1", "/assets/a1")
			entities := items(ref("Entry", "e1", 1), ref("Asset", "a1", 1))
			path, body := api.start("publish", entities)
			id, got := h.create(t, "POST", path, asOther, body, 201)
			var posted any
			json.Unmarshal([]byte(entities), &posted)
			checkAll(t, "answer", got,
				kv{"sys.type", "BulkAction"}, kv{"sys.status", "created"}, kv{"action", "publish"},
				kv{"sys.space", linkTo("Space", "sp1")}, kv{"sys.environment", linkTo("Environment", "master")},
				kv{"sys.createdBy", linkTo("User", otherUser)},
				kv{"sys.createdAt", "2025-01-02T03:04:05.678Z"}, kv{"sys.updatedAt", "2025-01-02T03:04:05.678Z"},
				kv{"sys.completedAt", absent}, kv{"error", absent}, kv{"payload.entities", posted},
			)
			done := h.waitFor(t, api.status(id), "sys.status", "succeeded")
			checkAll(t, "done", done, kv{"sys.completedAt", "2025-01-02T03:04:05.678Z"}, kv{"error", absent}, kv{"action", "publish"})
			for _, other := range bulkAPIs {
				_, same, _ := h.do(t, "GET", other.status(id), nil, "")
				checkAll(t, "read through "+other.name, same, kv{"sys.id", id}, kv{"sys.status", "succeeded"})
			}
			published := []kv{
				{"sys.version", 2}, {"sys.publishedVersion", 1}, {"sys.publishedCounter", 1},
				{"sys.publishedBy", linkTo("User", otherUser)}, {"sys.updatedBy", linkTo("User", otherUser)},
				{"sys.publishedAt", "2025-01-02T03:04:05.678Z"}, {"sys.firstPublishedAt", "2025-01-02T03:04:05.678Z"},
			}
			h.run(t, []step{
				{name: "entry published", method: "GET", path: envPath + "/entries/e1", status: 200, want: published},
				{name: "asset published", method: "GET", path: envPath + "/assets/a1", status: 200, want: published},
				{name: "save the entry", method: "PUT", path: envPath + "/entries/e1", header: ver(2), body: `{}`, status: 200, want: []kv{{"sys.version", 3}}},
			})

			runBulk(t, h, api, "publish", items(ref("Entry", "e1", 3), ref("Asset", "a1", 2)), "succeeded")
			h.run(t, []step{
				{name: "entry published again", method: "GET", path: envPath + "/entries/e1", status: 200, want: []kv{
					{"sys.version", 4}, {"sys.publishedVersion", 3}, {"sys.publishedCounter", 2},
				}},
				{name: "asset published again", method: "GET", path: envPath + "/assets/a1", status: 200, want: []kv{
					{"sys.version", 3}, {"sys.publishedVersion", 2}, {"sys.publishedCounter", 2},
				}},
			})

			unpublished := runBulk(t, h, api, "unpublish", items(ref("Entry", "e1", 0), ref("Asset", "a1", 3)), "succeeded")
			checkAt(t, "unpublish", unpublished, kv{"action", "unpublish"})
			h.run(t, []step{{name: "entry unpublished", method: "GET", path: envPath + "/entries/e1", status: 200, want: []kv{
				{"sys.version", 5}, {"sys.publishedVersion", absent}, {"sys.publishedBy", absent},
				{"sys.publishedCounter", 2}, {"sys.firstPublishedAt", "2025-01-02T03:04:05.678Z"},
			}}})

			runBulk(t, h, api, "validate", items(ref("Entry", "e1", 5), ref("Asset", "a1", 0)), "succeeded")
			h.run(t, []step{
				{name: "validate changes nothing", method: "GET", path: envPath + "/entries/e1", status: 200, want: []kv{
					{"sys.version", 5}, {"sys.publishedVersion", absent},
				}},
			})
		})
	}
}

func TestBulkActionFailuresChangeNothing(t *testing.T) {
	for _, api := range bulkAPIs {
		t.Run(api.name, func(t *testing.T) {
			h := newHarness(t, WithActionDelay(time.Millisecond))
			seed(t, h, "/entries/draft", "/entries/live", "/entries/old")
			h.run(t, []step{
				{name: "publish live", method: "PUT", path: envPath + "/entries/live/published", header: ver(1), status: 200},
				{name: "archive old", method: "PUT", path: envPath + "/entries/old/archived", status: 200},
				{name: "unprocessed asset", method: "PUT", path: envPath + "/assets/pic", body: `{"fields":{"file":{"en-US":{"fileName":"p.png","upload":"u"}}}}`, status: 201},
			})
			errorOf := func(i int, linkType, id, errID string) []kv {
				p := fmt.Sprintf("error.details.errors.%d.", i)
				return []kv{{p + "entity", linkTo(linkType, id)}, {p + "error.sys", map[string]any{"type": "Error", "id": errID}}}
			}
			tests := []struct {
				verb     string
				entities string
				errs     [][]kv
			}{
				{"publish", items(ref("Entry", "draft", 1), ref("Entry", "nope", 1), ref("Entry", "live", 7)), [][]kv{
					errorOf(0, "Entry", "nope", "NotFound"), errorOf(1, "Entry", "live", "VersionMismatch"),
				}},
				{"publish", items(ref("Entry", "draft", 1), ref("Entry", "old", 2)), [][]kv{errorOf(0, "Entry", "old", "BadRequest")}},
				{"publish", items(ref("Entry", "draft", 1), ref("Asset", "pic", 1)), [][]kv{errorOf(0, "Asset", "pic", "ValidationFailed")}},
				{"unpublish", items(ref("Entry", "live", 0), ref("Entry", "draft", 0)), [][]kv{errorOf(0, "Entry", "draft", "NotPublished")}},
				{"unpublish", items(ref("Entry", "live", 1)), [][]kv{errorOf(0, "Entry", "live", "VersionMismatch")}},
				{"validate", items(ref("Entry", "draft", 0), ref("Asset", "nope", 0)), [][]kv{errorOf(0, "Asset", "nope", "NotFound")}},
			}
			for i, tt := range tests {
				got := runBulk(t, h, api, tt.verb, tt.entities, "failed")
				where := fmt.Sprintf("case %d (%s)", i, tt.verb)
				checkAll(t, where, got, kv{"error.sys", map[string]any{"type": "Error", "id": "BulkActionFailed"}},
					kv{fmt.Sprintf("error.details.errors.%d", len(tt.errs)), absent})
				if _, ok := got.at("sys.completedAt"); !ok {
					t.Fatalf("%s: a failed action needs completedAt: %v", where, got)
				}
				for _, want := range tt.errs {
					checkAll(t, where, got, want...)
				}
				h.run(t, []step{
					{name: "draft unchanged", method: "GET", path: envPath + "/entries/draft", status: 200, want: []kv{{"sys.version", 1}, {"sys.publishedCounter", 0}}},
					{name: "live unchanged", method: "GET", path: envPath + "/entries/live", status: 200, want: []kv{{"sys.version", 2}, {"sys.publishedVersion", 1}}},
					{name: "old unchanged", method: "GET", path: envPath + "/entries/old", status: 200, want: []kv{{"sys.version", 2}}},
				})
			}
		})
	}
}

func TestBulkActionTiming(t *testing.T) {
	h := newHarness(t, WithClock(time.Now))
	seed(t, h, "/entries/e1")
	got := runBulk(t, h, bulkAPIs[1], "publish", items(ref("Entry", "e1", 1)), "succeeded")
	created, updated, completed := timeAt(t, got, "sys.createdAt"), timeAt(t, got, "sys.updatedAt"), timeAt(t, got, "sys.completedAt")
	if !updated.Equal(completed) {
		t.Errorf("updatedAt %v, want the completion time %v", updated, completed)
	}
	if completed.Sub(created) < defaultActionDelay {
		t.Errorf("completed %v after creation, want at least the default delay %v", completed.Sub(created), defaultActionDelay)
	}
	_, entry, _ := h.do(t, "GET", envPath+"/entries/e1", nil, "")
	if at := timeAt(t, entry, "sys.publishedAt"); !at.Equal(completed) {
		t.Errorf("publishedAt %v, want the completion time %v", at, completed)
	}
}

func TestBulkActionInProgress(t *testing.T) {
	h := newHarness(t, WithActionDelay(time.Hour))
	seed(t, h, "/entries/e1")
	id, got := h.create(t, "POST", envPath+"/bulk_actions/publish", nil, `{"entities":`+items(ref("Entry", "e1", 1))+`}`, 201)
	checkAt(t, "answer", got, kv{"sys.status", "created"})
	h.run(t, []step{
		{name: "in progress at once", method: "GET", path: envPath + "/bulk_actions/" + id, status: 200, want: []kv{
			{"sys.status", "inProgress"}, {"sys.updatedAt", "2025-01-02T03:04:05.678Z"}, {"sys.completedAt", absent},
		}},
		{name: "not executed yet", method: "GET", path: envPath + "/entries/e1", status: 200, want: []kv{{"sys.version", 1}, {"sys.publishedVersion", absent}}},
	})
}
