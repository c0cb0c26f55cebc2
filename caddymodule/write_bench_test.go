package caddymodule

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/cmsevents/caddy-cms-events/events"
)

// BenchmarkHandlerWrite measures the gateway's own work on a write, with
// the CMS answered in process: route match, holding the answer, event
// derivation, one delivery queued and its synced group commit, from 64
// concurrent writers.
func BenchmarkHandlerWrite(b *testing.B) {
	if err := initMetrics(prometheus.NewRegistry()); err != nil {
		b.Fatal(err)
	}
	sh, err := openBadgerShared(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer sh.Destruct()
	sh.aliasesAsked.Store("sp1", true)
	wh, err := events.Compile(events.Definition{Name: "hook", URL: "http://127.0.0.1:1/hook", Topics: []string{"Entry.*"}})
	if err != nil {
		b.Fatal(err)
	}
	h := directHandler(sh, zap.NewNop(), wh)
	fields := `{"fields":{"title":{"en-US":"` + strings.Repeat("x", 900) + `"}}}`
	next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
		w.Header().Set("Content-Type", "application/vnd.contentful.management.v1+json")
		w.WriteHeader(http.StatusCreated)
		_, err := fmt.Fprintf(w, `{"sys":{"type":"Entry","id":%q,"version":1,"space":{"sys":{"type":"Link","linkType":"Space","id":"sp1"}},`+
			`"environment":{"sys":{"type":"Link","linkType":"Environment","id":"master"}},"contentType":{"sys":{"type":"Link","linkType":"ContentType","id":"post"}}},%s`,
			id, fields[1:])
		return err
	})
	var n atomic.Int64
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("PUT", fmt.Sprintf("/spaces/sp1/environments/master/entries/e%d", n.Add(1)), strings.NewReader(fields))
			req.Header.Set("Authorization", "Bearer bench")
			req.Header.Set("X-Contentful-Content-Type", "post")
			rec := httptest.NewRecorder()
			if err := h.ServeHTTP(rec, req, next); err != nil || rec.Code != http.StatusCreated {
				b.Fatalf("write answered %d, %v", rec.Code, err)
			}
		}
	})
}
