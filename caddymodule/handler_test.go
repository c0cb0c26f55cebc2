package caddymodule

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/cmsevents/caddy-cms-events/delivery"
	"github.com/cmsevents/caddy-cms-events/events"
	"github.com/cmsevents/caddy-cms-events/followup"
)

// TestEnqueueFailureStillAnswers breaks the store under a running handler
// and checks that the client still gets the CMS's answer, and that the
// failure is logged and counted.
func TestEnqueueFailureStillAnswers(t *testing.T) {
	if err := initMetrics(prometheus.NewRegistry()); err != nil {
		t.Fatal(err)
	}
	store, err := delivery.OpenStore(delivery.StoreOptions{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	sh := &shared{store: store, api: newAPIRegistry(store, zap.NewNop()), apps: newAppRegistry(store, zap.NewNop()), aliases: events.NewAliasTable(), runner: followup.New(followup.Options{})}
	sh.aliasesAsked.Store("sp1", true) // no alias fetch beside the write
	sh.apps.markAsked("sp1", "master") // and no app installations fetch
	wh, err := events.Compile(events.Definition{Name: "hook", URL: "http://127.0.0.1:1/hook", Topics: []string{"*.*"}})
	if err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zapcore.InfoLevel)
	h := directHandler(sh, zap.New(core), wh)
	const answer = `{"sys":{"type":"Entry","id":"e1","version":1,"environment":{"sys":{"id":"master","type":"Link","linkType":"Environment"}}},"fields":{}}`
	next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "application/vnd.contentful.management.v1+json")
		w.WriteHeader(http.StatusCreated)
		_, err := w.Write([]byte(answer))
		return err
	})
	before := testutil.ToFloat64(metrics.enqueueErrors)

	rec := httptest.NewRecorder()
	req := httptest.NewRequest("PUT", "/spaces/sp1/environments/master/entries/e1", strings.NewReader(`{"fields":{}}`))
	req.Header.Set("X-Contentful-Content-Type", "post")
	if err := h.ServeHTTP(rec, req, next); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusCreated || rec.Body.String() != answer {
		t.Fatalf("client got %d %q", rec.Code, rec.Body.String())
	}
	if logs.FilterMessageSnippet("could not queue the event").Len() != 1 {
		t.Errorf("the failed commit was not logged: %v", logs.All())
	}
	if got := testutil.ToFloat64(metrics.enqueueErrors) - before; got != 1 {
		t.Errorf("enqueue errors counted %v, want 1", got)
	}
}

// TestDuplicateWebhookIDs checks that two webhooks with one id in one
// config are refused with a hint.
func TestDuplicateWebhookIDs(t *testing.T) {
	store, err := delivery.OpenStore(delivery.StoreOptions{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	app := &App{endpoints: &endpointSet{ids: map[string]*delivery.Endpoint{}}, shared: &shared{store: store, api: newAPIRegistry(store, zap.NewNop())}}
	first, _ := events.Compile(events.Definition{Name: "Rebuild site", URL: "https://a.example/", Topics: []string{"*.*"}})
	second, _ := events.Compile(events.Definition{Name: "rebuild  SITE!", URL: "https://b.example/", Topics: []string{"*.*"}})
	if err := app.register([]*events.Webhook{first}, []*delivery.Endpoint{newEndpoint(first, "")}); err != nil {
		t.Fatal(err)
	}
	err = app.register([]*events.Webhook{second}, []*delivery.Endpoint{newEndpoint(second, "")})
	if err == nil || !strings.Contains(err.Error(), `webhook id "rebuild-site" is used twice`) || !strings.Contains(err.Error(), "id <id>") {
		t.Fatalf("duplicate ids: %v", err)
	}
}
