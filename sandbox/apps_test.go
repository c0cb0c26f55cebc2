package sandbox

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// appBody is the body of an app definition create.
const appBody = `{"name":"Default values","src":"https://example.com/app","locations":[{"location":"app-config"}]}`

// testSecret is a valid signing secret (64 characters).
const testSecret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789ABCDEF"

// createApp creates an app definition in organization org and returns its
// id.
func (h *harness) createApp(t *testing.T, org string) string {
	t.Helper()
	id, _ := h.create(t, "POST", "/organizations/"+org+"/app_definitions", nil, appBody, 201)
	return id
}

func TestAppDefinitions(t *testing.T) {
	h := newHarness(t)
	h.run(t, []step{
		{name: "no definitions yet", method: "GET", path: "/organizations/o1/app_definitions", status: 200, want: []kv{
			{"sys.type", "Array"}, {"total", 0}, {"items", []any{}},
		}},
		{name: "a definition needs a name", method: "POST", path: "/organizations/o1/app_definitions", body: `{"src":"https://x"}`, status: 422, want: []kv{
			{"sys.id", "ValidationFailed"}, {"details.errors.0.path", []any{"name"}},
		}},
		{name: "locations must be an array", method: "POST", path: "/organizations/o1/app_definitions", body: `{"name":"A","locations":{}}`, status: 422},
		{name: "parameters must be an object", method: "POST", path: "/organizations/o1/app_definitions", body: `{"name":"A","parameters":[]}`, status: 422},
		{name: "not JSON", method: "POST", path: "/organizations/o1/app_definitions", body: `{`, status: 400},
	})
	id, created := h.create(t, "POST", "/organizations/o1/app_definitions", nil, appBody, 201)
	checkAll(t, "create", created,
		kv{"name", "Default values"}, kv{"src", "https://example.com/app"},
		kv{"locations", []any{map[string]any{"location": "app-config"}}}, kv{"parameters", absent},
		kv{"sys.type", "AppDefinition"}, kv{"sys.version", 1}, kv{"sys.organization", linkTo("Organization", "o1")},
		kv{"sys.shared", false}, kv{"sys.createdAt", "2025-01-02T03:04:05.678Z"},
		kv{"sys.createdBy", userLink}, kv{"sys.updatedBy", userLink},
	)
	other := h.createApp(t, "o2")
	path := "/organizations/o1/app_definitions/" + id
	h.run(t, []step{
		{name: "get", method: "GET", path: path, status: 200, want: []kv{{"sys.id", id}, {"name", "Default values"}}},
		{name: "from another organization", method: "GET", path: "/organizations/o2/app_definitions/" + id, status: 404, want: []kv{{"sys.id", "NotFound"}}},
		{name: "list one organization", method: "GET", path: "/organizations/o1/app_definitions", status: 200, want: []kv{
			{"total", 1}, {"items.0.sys.id", id},
		}},
		{name: "list the other", method: "GET", path: "/organizations/o2/app_definitions", status: 200, want: []kv{
			{"total", 1}, {"items.0.sys.id", other},
		}},
		{name: "update without a version", method: "PUT", path: path, body: `{"name":"B"}`, status: 409, want: []kv{{"sys.id", "VersionMismatch"}}},
		{name: "update", at: "2025-01-02T04:00:00Z", method: "PUT", path: path, header: ver(1), body: `{"name":"B","parameters":{"installation":[]}}`, status: 200, want: []kv{
			{"name", "B"}, {"src", absent}, {"locations", []any{}}, {"parameters", map[string]any{"installation": []any{}}},
			{"sys.version", 2}, {"sys.createdAt", "2025-01-02T03:04:05.678Z"}, {"sys.updatedAt", "2025-01-02T04:00:00.000Z"},
		}},
		{name: "update with a stale version", method: "PUT", path: path, header: ver(1), body: `{"name":"C"}`, status: 409},
		{name: "update of a missing definition", method: "PUT", path: "/organizations/o1/app_definitions/nope", header: ver(1), body: `{"name":"C"}`, status: 404},
		{name: "post to an id", method: "POST", path: path, status: 404},
		{name: "delete with a stale version", method: "DELETE", path: path, header: ver(1), status: 409},
		{name: "delete", method: "DELETE", path: path, status: 204},
		{name: "gone", method: "GET", path: path, status: 404},
		{name: "delete twice", method: "DELETE", path: path, status: 404},
		{name: "unknown part", method: "GET", path: "/organizations/o2/app_definitions/" + other + "/keys", status: 404},
		{name: "organization root", method: "GET", path: "/organizations/o2", status: 404},
	})
}

func TestAppEventSubscription(t *testing.T) {
	h := newHarness(t)
	id := h.createApp(t, "o1")
	path := "/organizations/o1/app_definitions/" + id + "/event_subscription"
	sub := func(target, topics string) string { return `{"targetUrl":` + target + `,"topics":` + topics + `}` }
	h.run(t, []step{
		{name: "unknown definition", method: "PUT", path: "/organizations/o1/app_definitions/nope/event_subscription", body: sub(`"https://x.test/"`, `["Entry.publish"]`), status: 404},
		{name: "other organization", method: "PUT", path: "/organizations/o2/app_definitions/" + id + "/event_subscription", body: sub(`"https://x.test/"`, `["Entry.publish"]`), status: 404},
		{name: "none yet", method: "GET", path: path, status: 404, want: []kv{{"sys.id", "NotFound"}}},
		{name: "no targetUrl", method: "PUT", path: path, body: `{"topics":["Entry.publish"]}`, status: 400},
		{name: "null targetUrl", method: "PUT", path: path, body: sub(`null`, `["Entry.publish"]`), status: 422, want: []kv{{"details.errors.0.path", []any{"targetUrl"}}}},
		{name: "relative targetUrl", method: "PUT", path: path, body: sub(`"/hook"`, `["Entry.publish"]`), status: 422},
		{name: "ftp targetUrl", method: "PUT", path: path, body: sub(`"ftp://x.test/"`, `["Entry.publish"]`), status: 422},
		{name: "no topics", method: "PUT", path: path, body: `{"targetUrl":"https://x.test/"}`, status: 422, want: []kv{{"details.errors.0.path", []any{"topics"}}}},
		{name: "empty topics", method: "PUT", path: path, body: sub(`"https://x.test/"`, `[]`), status: 422},
		{name: "wildcard topic", method: "PUT", path: path, body: sub(`"https://x.test/"`, `["Entry.*"]`), status: 422},
		{name: "webhook topic", method: "PUT", path: path, body: sub(`"https://x.test/"`, `["ContentManagement.Entry.publish"]`), status: 422},
		{name: "update is no installation topic", method: "PUT", path: path, body: sub(`"https://x.test/"`, `["AppInstallation.update"]`), status: 422},
		{name: "duplicate topic", method: "PUT", path: path, body: sub(`"https://x.test/"`, `["Entry.save","Entry.save"]`), status: 422},
		{name: "filters must be an array", method: "PUT", path: path, body: `{"targetUrl":"https://x.test/","topics":["Entry.save"],"filters":{}}`, status: 422},
		{name: "create", method: "PUT", path: path, body: `{"targetUrl":"https://x.test/hook","topics":["Entry.publish","AppInstallation.save"],"filters":[{"equals":[{"doc":"sys.environment.sys.id"},"master"]}]}`, status: 201, want: []kv{
			{"targetUrl", "https://x.test/hook"}, {"topics", []any{"Entry.publish", "AppInstallation.save"}},
			{"filters", []any{map[string]any{"equals": []any{map[string]any{"doc": "sys.environment.sys.id"}, "master"}}}},
			{"functions", absent},
			{"sys.type", "AppEventSubscription"}, {"sys.appDefinition", linkTo("AppDefinition", id)},
			{"sys.organization", linkTo("Organization", "o1")}, {"sys.id", absent}, {"sys.version", absent},
			{"sys.createdAt", "2025-01-02T03:04:05.678Z"}, {"sys.createdBy", userLink},
		}},
		{name: "get", method: "GET", path: path, status: 200, want: []kv{{"targetUrl", "https://x.test/hook"}, {"topics.1", "AppInstallation.save"}}},
		{name: "replace, whatever the version", at: "2025-01-02T05:00:00Z", method: "PUT", path: path, header: ver(99), body: sub(`"http://127.0.0.1:9/hook"`, `["Asset.unpublish"]`), status: 200, want: []kv{
			{"targetUrl", "http://127.0.0.1:9/hook"}, {"topics", []any{"Asset.unpublish"}}, {"filters", absent},
			{"sys.createdAt", "2025-01-02T05:00:00.000Z"}, {"sys.updatedAt", "2025-01-02T05:00:00.000Z"},
		}},
		{name: "a Function handler replaces the targetUrl", method: "PUT", path: path, body: `{"topics":["Entry.create"],"functions":{"handler":{"sys":{"type":"Link","linkType":"Function","id":"fn"}}}}`, status: 200, want: []kv{
			{"targetUrl", absent}, {"functions.handler.sys.id", "fn"},
		}},
		{name: "a filter Function alone is no target", method: "PUT", path: path, body: `{"topics":["Entry.create"],"functions":{"filter":{"sys":{"type":"Link","linkType":"Function","id":"fn"}}}}`, status: 400},
		{name: "delete", method: "DELETE", path: path, status: 204},
		{name: "gone", method: "GET", path: path, status: 404},
		{name: "delete twice", method: "DELETE", path: path, status: 404},
		{name: "again", method: "PUT", path: path, body: sub(`"https://x.test/"`, `["Entry.save"]`), status: 201},
		{name: "delete the definition", method: "DELETE", path: "/organizations/o1/app_definitions/" + id, status: 204},
		{name: "gone with it", method: "GET", path: path, status: 404},
	})
}

func TestAppSigningSecret(t *testing.T) {
	h := newHarness(t)
	id := h.createApp(t, "o1")
	path := "/organizations/o1/app_definitions/" + id + "/signing_secret"
	rotated := strings.Repeat("a", 60) + "Z+/="
	h.run(t, []step{
		{name: "unknown definition", method: "PUT", path: "/organizations/o1/app_definitions/nope/signing_secret", body: `{"value":"` + testSecret + `"}`, status: 404},
		{name: "none yet", method: "GET", path: path, status: 404},
		{name: "too short", method: "PUT", path: path, body: `{"value":"abc"}`, status: 422, want: []kv{{"details.errors.0.path", []any{"value"}}}},
		{name: "too long", method: "PUT", path: path, body: `{"value":"` + testSecret + `0"}`, status: 422},
		{name: "bad characters", method: "PUT", path: path, body: `{"value":"` + strings.Repeat("ü", 32) + `"}`, status: 422},
		{name: "no value", method: "PUT", path: path, body: `{}`, status: 422},
		{name: "create", method: "PUT", path: path, body: `{"value":"` + testSecret + `"}`, status: 201, want: []kv{
			{"redactedValue", "CDEF"}, {"value", absent},
			{"sys.type", "AppSigningSecret"}, {"sys.appDefinition", linkTo("AppDefinition", id)},
			{"sys.organization", linkTo("Organization", "o1")}, {"sys.id", absent}, {"sys.version", absent},
			{"sys.createdBy", userLink},
		}},
		{name: "get", method: "GET", path: path, status: 200, want: []kv{{"redactedValue", "CDEF"}, {"value", absent}}},
		{name: "rotate", at: "2025-01-02T06:00:00Z", method: "PUT", path: path, body: `{"value":"` + rotated + `"}`, status: 200, want: []kv{
			{"redactedValue", "Z+/="}, {"sys.createdAt", "2025-01-02T03:04:05.678Z"}, {"sys.updatedAt", "2025-01-02T06:00:00.000Z"},
		}},
		{name: "get rotated", method: "GET", path: path, status: 200, want: []kv{{"redactedValue", "Z+/="}}},
		{name: "delete", method: "DELETE", path: path, status: 204},
		{name: "gone", method: "GET", path: path, status: 404},
		{name: "delete twice", method: "DELETE", path: path, status: 404},
	})
}

func TestAppInstallations(t *testing.T) {
	h := newHarness(t)
	id := h.createApp(t, "o1")
	inst := "/spaces/sp1/environments/master/app_installations/" + id
	h.run(t, []step{
		{name: "unknown app", method: "PUT", path: "/spaces/sp1/environments/master/app_installations/nope", body: `{}`, status: 404, want: []kv{
			{"sys.id", "NotFound"}, {"details", map[string]any{"type": "AppDefinition", "id": "nope"}},
		}},
		{name: "unknown environment", method: "PUT", path: "/spaces/sp1/environments/staging/app_installations/" + id, body: `{}`, status: 404},
		{name: "none yet", method: "GET", path: "/spaces/sp1/environments/master/app_installations", status: 200, want: []kv{{"total", 0}, {"items", []any{}}}},
		{name: "not installed", method: "GET", path: inst, status: 404},
		{name: "parameters must be an object", method: "PUT", path: inst, body: `{"parameters":[1]}`, status: 422},
		{name: "parameters too large", method: "PUT", path: inst, body: `{"parameters":{"x":"` + strings.Repeat("x", 16<<10) + `"}}`, status: 422},
		{name: "install", method: "PUT", path: inst, body: `{"parameters":{"defaultValue":"Hello"}}`, status: 201, want: []kv{
			{"parameters", map[string]any{"defaultValue": "Hello"}},
			{"sys.type", "AppInstallation"}, {"sys.id", absent}, {"sys.version", 1},
			{"sys.appDefinition", linkTo("AppDefinition", id)}, {"sys.space", linkTo("Space", "sp1")},
			{"sys.environment", linkTo("Environment", "master")}, {"sys.organization", linkTo("Organization", "o1")},
			{"sys.createdBy", userLink}, {"sys.updatedBy", userLink},
		}},
		{name: "get", method: "GET", path: inst, status: 200, want: []kv{{"parameters.defaultValue", "Hello"}}},
		{name: "legacy path", method: "GET", path: "/spaces/sp1/app_installations/" + id, status: 200, want: []kv{{"sys.version", 1}}},
		{name: "update without parameters", method: "PUT", path: inst, body: ``, status: 200, want: []kv{
			{"parameters", map[string]any{}}, {"sys.version", 2},
		}},
		{name: "update with a stale version", method: "PUT", path: inst, header: ver(1), body: `{}`, status: 409},
		{name: "update with the version", method: "PUT", path: inst, header: ver(2), body: `{"parameters":{"a":1}}`, status: 200, want: []kv{{"sys.version", 3}}},
		{name: "list", method: "GET", path: "/spaces/sp1/environments/master/app_installations", status: 200, want: []kv{
			{"sys.type", "Array"}, {"total", 1}, {"items.0.sys.appDefinition.sys.id", id}, {"items.0.parameters.a", 1},
		}},
		{name: "other space", method: "GET", path: "/spaces/sp2/environments/master/app_installations/" + id, status: 404},
		{name: "create staging", method: "PUT", path: "/spaces/sp1/environments/staging", status: 201},
		{name: "staging has none", method: "GET", path: "/spaces/sp1/environments/staging/app_installations", status: 200, want: []kv{{"total", 0}}},
		{name: "install in staging", method: "PUT", path: "/spaces/sp1/environments/staging/app_installations/" + id, status: 201},
		{name: "alias staging", method: "PUT", path: "/spaces/sp1/environment_aliases/prod", body: `{"environment":{"sys":{"id":"staging"}}}`, status: 201},
		{name: "read through the alias", method: "GET", path: "/spaces/sp1/environments/prod/app_installations/" + id, status: 200, want: []kv{
			{"sys.environment", linkTo("Environment", "prod")},
		}},
		{name: "delete the alias", method: "DELETE", path: "/spaces/sp1/environment_aliases/prod", status: 204},
		{name: "delete staging", method: "DELETE", path: "/spaces/sp1/environments/staging", status: 204},
		{name: "create staging again", method: "PUT", path: "/spaces/sp1/environments/staging", status: 201},
		{name: "a new staging starts empty", method: "GET", path: "/spaces/sp1/environments/staging/app_installations/" + id, status: 404},
		{name: "uninstall with a stale version", method: "DELETE", path: inst, header: ver(1), status: 409},
		{name: "uninstall", method: "DELETE", path: inst, status: 204},
		{name: "uninstalled", method: "GET", path: inst, status: 404},
		{name: "uninstall twice", method: "DELETE", path: inst, status: 404},
		{name: "install again", method: "PUT", path: inst, status: 201, want: []kv{{"sys.version", 1}, {"parameters", map[string]any{}}}},
		{name: "delete the definition", method: "DELETE", path: "/organizations/o1/app_definitions/" + id, status: 204},
		{name: "the installation goes with it", method: "GET", path: inst, status: 404},
		{name: "and leaves the list", method: "GET", path: "/spaces/sp1/environments/master/app_installations", status: 200, want: []kv{{"total", 0}}},
	})
}

func TestAppAccessTokens(t *testing.T) {
	h := newHarness(t)
	id := h.createApp(t, "o1")
	tokens := "/spaces/sp1/environments/master/app_installations/" + id + "/access_tokens"
	jwt := hdr("Authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig")
	h.run(t, []step{
		{name: "not installed", method: "POST", path: tokens, header: jwt, status: 404},
		{name: "install", method: "PUT", path: "/spaces/sp1/environments/master/app_installations/" + id, status: 201},
		{name: "no bearer", method: "POST", path: tokens, header: hdr("Authorization", ""), status: 401},
		{name: "get is no route", method: "GET", path: tokens, header: jwt, status: 404},
	})
	code, got, _ := h.do(t, "POST", tokens, jwt, "")
	if code != 201 {
		t.Fatalf("POST %s: status %d, want 201; body %v", tokens, code, got)
	}
	checkAll(t, "token", got,
		kv{"sys.type", "AppAccessToken"}, kv{"sys.appDefinition", linkTo("AppDefinition", id)},
		kv{"sys.space", linkTo("Space", "sp1")}, kv{"sys.environment", linkTo("Environment", "master")},
		kv{"sys.createdAt", "2025-01-02T03:04:05.678Z"}, kv{"sys.expiresAt", "2025-01-02T03:14:05.678Z"},
		kv{"sys.createdBy", linkTo("AppDefinition", id)},
	)
	v, _ := got.at("token")
	token, _ := v.(string)
	if !strings.HasPrefix(token, AppTokenPrefix+id+"-") || len(token) != len(AppTokenPrefix+id+"-")+22 {
		t.Fatalf("token = %q, want %s%s-<22 random characters>", token, AppTokenPrefix, id)
	}
	app := hdr("Authorization", "Bearer "+token, contentTypeHeader, "post")
	appLink := linkTo("AppDefinition", id)
	h.run(t, []step{
		{name: "the app creates an entry", method: "PUT", path: "/spaces/sp1/environments/master/entries/e1", header: app, body: `{}`, status: 201, want: []kv{
			{"sys.createdBy", appLink}, {"sys.updatedBy", appLink},
		}},
		{name: "a user updates it", method: "PUT", path: "/spaces/sp1/environments/master/entries/e1", header: ver(1), body: `{}`, status: 200, want: []kv{
			{"sys.createdBy", appLink}, {"sys.updatedBy", userLink},
		}},
		{name: "the app publishes it", method: "PUT", path: "/spaces/sp1/environments/master/entries/e1/published", header: hdr("Authorization", "Bearer "+token, versionHeader, "2"), status: 200, want: []kv{
			{"sys.publishedBy", appLink}, {"sys.updatedBy", appLink},
		}},
		{name: "the app reads its installation", method: "GET", path: "/spaces/sp1/environments/master/app_installations/" + id, header: app, status: 200},
		{name: "the app updates its installation", method: "PUT", path: "/spaces/sp1/environments/master/app_installations/" + id, header: app, body: `{"parameters":{"a":1}}`, status: 200, want: []kv{
			{"sys.createdBy", userLink}, {"sys.updatedBy", appLink},
		}},
		{name: "a look-alike token is a user's", method: "PUT", path: "/spaces/sp1/environments/master/entries/e2", header: hdr("Authorization", "Bearer "+AppTokenPrefix+id+"-forged", contentTypeHeader, "post"), body: `{}`, status: 201, want: []kv{
			{"sys.createdBy", linkTo("User", UserID(AppTokenPrefix+id+"-forged"))},
		}},
	})
}

func TestActorLink(t *testing.T) {
	for id, want := range map[string]*link{
		"user-cc318af2": newLink("User", "user-cc318af2"),
		appActor("abc"): newLink("AppDefinition", "abc"),
	} {
		if got := actorLink(id); *got != *want {
			t.Errorf("actorLink(%q) = %+v, want %+v", id, *got, *want)
		}
	}
}

// appPathWords are the segments random app requests are built from.
var appPathWords = []string{
	"organizations", "o1", "o2", "app_definitions", "a1", "event_subscription", "signing_secret", "keys",
	"spaces", "sp1", "environments", "master", "app_installations", "access_tokens", "", "-",
}

// appBodies are the bodies random app requests carry.
var appBodies = []string{
	"", "{}", "[]", "null", "{", appBody, `{"name":""}`, `{"name":"A","locations":"x","bundle":[]}`,
	`{"targetUrl":"https://x.test/","topics":["Entry.save"]}`, `{"targetUrl":1,"topics":"x"}`,
	`{"topics":["Entry.save"],"functions":{"handler":null}}`, `{"topics":["Entry.save"],"functions":[]}`,
	`{"value":"` + testSecret + `"}`, `{"value":1}`, `{"parameters":{"a":[1]}}`, `{"parameters":"x"}`,
}

func TestRandomAppRequestsNeverPanic(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	sb := New(WithActionDelay(0))
	defer sb.Close()
	// Generated ids are random: give the definition a1 to organization o1
	// so that random paths reach it.
	sb.apps.defs["a1"] = &appDefinition{id: "a1", org: "o1", attrs: appDefinitionAttrs{Name: "A", Locations: []byte("[]")}}
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(8) {
			b.WriteString("/")
			b.WriteString(appPathWords[rng.IntN(len(appPathWords))])
		}
		header := map[string]string{}
		if rng.IntN(2) == 0 {
			header[versionHeader] = []string{"1", "2", "0", "x"}[rng.IntN(4)]
		}
		serveRandom(t, sb, methods[rng.IntN(len(methods))], b.String(), appBodies[rng.IntN(len(appBodies))], header)
	}
}
