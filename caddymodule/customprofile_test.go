package caddymodule

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// newCollectionAPI is a small REST API of collections in the shape of
// Strapi's: POST /api/{c} answers 201 {"data": {...}}, PUT answers 200, DELETE
// answers 204, and POST …/fail answers 500.
func newCollectionAPI(t *testing.T) *httptest.Server {
	var seq atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == "POST" && len(parts) == 2:
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, `{"data":{"id":%d,"documentId":"doc%d","collection":%q},"meta":{}}`, seq.Add(1), seq.Load(), parts[1])
		case r.Method == "PUT" && len(parts) == 3:
			fmt.Fprintf(w, `{"data":{"documentId":%q,"saved":true},"meta":{}}`, parts[2])
		case r.Method == "DELETE" && len(parts) == 3:
			w.WriteHeader(http.StatusNoContent)
		default:
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// A custom profile turns the writes of a CMS no built-in profile knows into
// events with the same webhooks, filters, templates and signatures.
func TestCustomProfile(t *testing.T) {
	api := newCollectionAPI(t)
	rx := newReceiver(t)
	g := startGateway(t, gatewayConfig{upstream: strings.TrimPrefix(api.URL, "http://"), handler: `		profile custom {
			route POST   /api/{collection}      201 create
			route PUT    /api/{collection}/{id} 200 save
			route DELETE /api/{collection}/{id} 204 delete
			route POST   /api/{collection}/{id}/fail publish
			type         {collection}
			id           /data/documentId
			environment  production
			payload      /data
		}
		signing_secret ` + apiSecretValue + `
		webhook "Articles" "` + rx.URL + `/articles/{ /payload/documentId }" {
			topics articles.*
			filter equals sys.environment.sys.id production
		}
		webhook "Templated" ` + rx.URL + `/templated {
			topics *.delete
			transform {
				body ` + "`" + `{"gone": "{ /payload/id }", "topic": "{ /topic }"}` + "`" + `
			}
		}`})
	g.write(201, "POST", "/api/articles", nil, `{"data":{"title":"Hi"}}`)
	g.write(201, "POST", "/api/pages", nil, `{"data":{"title":"Not an article"}}`)
	g.write(200, "PUT", "/api/articles/doc1", nil, `{"data":{"title":"Hi again"}}`)
	g.write(500, "POST", "/api/articles/doc1/fail", nil, `{}`)
	g.write(204, "DELETE", "/api/articles/doc1", nil, "")

	calls := rx.waitCalls(t, 4)
	want := []string{"POST /articles/doc1 Custom.articles.create", "POST /articles/doc1 Custom.articles.save", "POST /articles/ Custom.articles.delete", "POST /templated Custom.articles.delete"}
	var got []string
	for _, c := range calls {
		got = append(got, c.Method+" "+c.Path+" "+c.topic())
		verifySignatureWith(t, c, apiSecretValue)
		if c.Header.Get("Content-Type") != "application/json" {
			t.Errorf("content type %q", c.Header.Get("Content-Type"))
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		// The two webhooks' calls may interleave; compare as sets.
		seen := map[string]bool{}
		for _, g := range got {
			seen[g] = true
		}
		for _, w := range want {
			if !seen[w] {
				t.Fatalf("calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
	}
	var created map[string]any
	json.Unmarshal(calls[0].Body, &created)
	if created["documentId"] != "doc1" || created["collection"] != "articles" {
		t.Errorf("create payload: %s", calls[0].Body)
	}
	for _, c := range calls {
		if c.Path == "/templated" && string(c.Body) != `{"gone":"doc1","topic":"Custom.articles.delete"}` {
			t.Errorf("templated body: %s", c.Body)
		}
	}
}
