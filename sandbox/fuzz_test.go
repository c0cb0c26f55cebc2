package sandbox

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// pathWords are the segments random paths are built from.
var pathWords = []string{
	"spaces", "sp1", "environments", "master", "staging", "prod", "environment_aliases",
	"entries", "assets", "content_types", "locales", "published", "archived", "files",
	"en-US", "process", "e1", "a1", "ct1", "", "..", "%2F", "a b", "ü", "-", "~",
	"bulk_actions", "releases", "scheduled_actions", "actions", "publish", "unpublish", "validate", "r1",
}

// bodies are the request bodies random requests carry.
var bodies = []string{
	"", "{}", "[]", "null", "{", `{"fields":{"title":{"en-US":"x"}}}`, `{"fields":[]}`,
	`{"fields":{"file":{"en-US":{"fileName":"f.png","contentType":"image/png","upload":"u"}}}}`,
	`{"metadata":{"tags":{}}}`, `{"name":"CT","fields":[{"id":"t"}]}`, `{"name":"CT","fields":"x"}`,
	`{"environment":{"sys":{"id":"master"}}}`, `{"environment":{"sys":{"id":"staging"}}}`, `{"environment":"x"}`,
	`[{"op":"add","path":"/fields/x","value":1}]`, `[{"op":"remove","path":"/fields/list/0"}]`,
	`[{"op":"replace","path":"/fields/-/x","value":1}]`, `[{"op":"add","path":"/metadata/tags/-","value":{}}]`,
	`{"add":{"fields":{"*":["en-US"]}}}`, `{"remove":{"fields":{"*":["en-US"]}}}`, "\xff\xfe",
	`{"entities":{"items":[{"sys":{"type":"Link","linkType":"Entry","id":"e1","version":1}}]}}`,
	`{"action":"unpublish","entities":{"items":[{"sys":{"type":"Link","linkType":"Asset","id":"a1"}}]}}`,
	`{"entities":{"items":[{"sys":{"type":"Link","linkType":"Entry","id":"e1","version":-3}}]}}`,
	`{"title":"R","entities":{"items":[{"sys":{"type":"Link","linkType":"Entry","id":"e1"}}]}}`,
	`{"entity":{"sys":{"type":"Link","linkType":"Entry","id":"e1"}},"environment":{"sys":{"id":"master"}},"action":"publish","scheduledFor":{"datetime":"2020-01-01T00:00:00Z"}}`,
	`{"entity":{"sys":{"type":"Link","linkType":"Asset","id":"a1"}},"environment":{"sys":{"id":"master"}},"action":"unpublish","scheduledFor":{"datetime":"2999-01-01T00:00:00Z"}}`,
}

// methods are the methods random requests use.
var methods = []string{"GET", "PUT", "POST", "PATCH", "DELETE", "HEAD", "OPTIONS"}

// checkAnswer fails when an answer is not a status with, if any, a JSON
// object body; error bodies must be Contentful errors.
func checkAnswer(t *testing.T, method, target string, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code < 200 || rec.Code > 599 {
		t.Fatalf("%s %s: status %d", method, target, rec.Code)
	}
	if rec.Body.Len() == 0 {
		if rec.Code != http.StatusNoContent {
			t.Fatalf("%s %s: status %d without a body", method, target, rec.Code)
		}
		return
	}
	var got doc
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("%s %s: body is not a JSON object: %v", method, target, err)
	}
	if rec.Code >= 400 {
		if v, _ := got.at("sys.type"); v != "Error" {
			t.Fatalf("%s %s: error %d without an Error body: %s", method, target, rec.Code, rec.Body)
		}
	}
}

// serveRandom sends one request straight to the handler, so a panic fails
// the test.
func serveRandom(t *testing.T, sb *Sandbox, method, target, body string, header map[string]string) {
	t.Helper()
	req := httptest.NewRequest("GET", "http://sandbox.test/", strings.NewReader(body))
	req.Method, req.URL.Path, req.URL.RawPath, req.RequestURI = method, target, "", target
	req.Header.Set("Authorization", "Bearer fuzz")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	sb.ServeHTTP(rec, req)
	checkAnswer(t, method, target, rec)
}

func TestRandomRequestsNeverPanic(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sb := New(WithActionDelay(0))
	defer sb.Close()
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(9) {
			b.WriteString("/")
			b.WriteString(pathWords[rng.IntN(len(pathWords))])
		}
		header := map[string]string{}
		if rng.IntN(2) == 0 {
			header[versionHeader] = []string{"1", "2", "3", "0", "x", "-1"}[rng.IntN(6)]
		}
		if rng.IntN(2) == 0 {
			header[contentTypeHeader] = []string{"post", "", "a b"}[rng.IntN(3)]
		}
		if rng.IntN(4) == 0 {
			header["Content-Type"] = jsonPatchType
		}
		serveRandom(t, sb, methods[rng.IntN(len(methods))], b.String(), bodies[rng.IntN(len(bodies))], header)
	}
}

func FuzzServeHTTP(f *testing.F) {
	f.Add("PUT", "/spaces/s/environments/master/entries/e", `{"fields":{}}`, "", "post")
	f.Add("PATCH", "/spaces/s/entries/e", `[{"op":"add","path":"/fields/a","value":1}]`, "1", "")
	f.Add("PUT", "/spaces/s/assets/a/files/en-US/process", "", "1", "")
	f.Add("PUT", "/spaces/s/environment_aliases/master", `{"environment":{"sys":{"id":"master"}}}`, "", "")
	f.Add("GET", "/spaces/s/environments", "", "", "")
	f.Add("POST", "/spaces/s/bulk_actions/publish", `{"entities":{"items":[{"sys":{"type":"Link","linkType":"Entry","id":"e","version":1}}]}}`, "", "")
	f.Add("PUT", "/spaces/s/releases/r", `{"title":"R","entities":{"items":[{"sys":{"type":"Link","linkType":"Asset","id":"a"}}]}}`, "", "")
	f.Add("POST", "/spaces/s/scheduled_actions", `{"entity":{"sys":{"type":"Link","linkType":"Entry","id":"e"}},"environment":{"sys":{"id":"master"}},"action":"publish","scheduledFor":{"datetime":"2020-01-01T00:00:00Z"}}`, "", "")
	f.Fuzz(func(t *testing.T, method, path, body, version, ct string) {
		sb := New(WithActionDelay(0))
		defer sb.Close()
		header := map[string]string{versionHeader: version, contentTypeHeader: ct, "Content-Type": jsonPatchType}
		// Create something first so that writes find entities.
		serveRandom(t, sb, "PUT", "/spaces/s/entries/e", `{"fields":{"a":{"en-US":[1]}}}`, map[string]string{contentTypeHeader: "post"})
		serveRandom(t, sb, "PUT", "/spaces/s/assets/a", `{"fields":{"file":{"en-US":{"fileName":"f"}}}}`, nil)
		serveRandom(t, sb, method, path, body, header)
	})
}
