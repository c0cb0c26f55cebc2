package caddymodule

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// TestAliasesAskedAgainAfterRestart opens a storage dir, lets the gateway
// learn that master is an alias, opens it again (a restart) after the
// alias was removed outside the gateway, and checks that the stored alias
// serves at once and that the first write asks the CMS again.
func TestAliasesAskedAgainAfterRestart(t *testing.T) {
	if err := initMetrics(prometheus.NewRegistry()); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var aliases atomic.Value // the CMS's alias collection
	aliases.Store(`{"sys":{"type":"Array"},"items":[{"sys":{"type":"EnvironmentAlias","id":"master","aliasedEnvironment":{"sys":{"type":"Link","linkType":"Environment","id":"prod-2"}}},"environment":{"sys":{"type":"Link","linkType":"Environment","id":"prod-2"}}}]}`)
	var asked atomic.Int64
	next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/environment_aliases") {
			asked.Add(1)
			_, err := w.Write([]byte(aliases.Load().(string)))
			return err
		}
		w.WriteHeader(http.StatusCreated)
		_, err := w.Write([]byte(`{"sys":{"type":"Entry","id":"e1","version":1}}`))
		return err
	})
	// run opens the storage dir, checks what the stored aliases say of
	// master, writes, and waits until the CMS was asked and its answer is
	// both in effect and stored.
	run := func(storedAlias, wantAlias bool) {
		t.Helper()
		sh, err := openBadgerShared(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer sh.Destruct()
		if _, isAlias := sh.aliases.Resolve("sp1", "master"); isAlias != storedAlias {
			t.Fatalf("at open, master an alias: %v; want %v", isAlias, storedAlias)
		}
		h := directHandler(sh, zap.NewNop())
		before := asked.Load()
		req := httptest.NewRequest("PUT", "/spaces/sp1/environments/master/entries/e1", strings.NewReader(`{"fields":{}}`))
		req.Header.Set("X-Contentful-Content-Type", "post")
		if err := h.ServeHTTP(httptest.NewRecorder(), req, next); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, isAlias := sh.aliases.Resolve("sp1", "master")
			rec, _, err := sh.store.Get(aliasPrefix + "sp1")
			if err != nil {
				t.Fatal(err)
			}
			if asked.Load() > before && isAlias == wantAlias && strings.Contains(string(rec), `"master"`) == wantAlias {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("after the write: CMS asked %d times, master an alias: %v; want asked and %v", asked.Load()-before, isAlias, wantAlias)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	run(false, true)
	aliases.Store(`{"sys":{"type":"Array"},"items":[]}`)
	run(true, false)
}
