package caddymodule

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"
	"go.uber.org/zap"

	"github.com/cmsevents/caddy-cms-events/events"
)

// call is one webhook call as a receiver saw it.
type call struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
	Status int       // the status the receiver answered with
	At     time.Time // when the receiver got it
}

// topic returns the call's X-Contentful-Topic.
func (c call) topic() string { return c.Header.Get("X-Contentful-Topic") }

// json decodes the call's body into a generic map.
func (c call) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(c.Body, &m); err != nil {
		t.Fatalf("webhook body is not a JSON object: %v\n%s", err, c.Body)
	}
	return m
}

// receiver is a real HTTP server that records webhook calls and answers
// with a status the test can change.
type receiver struct {
	*httptest.Server
	status atomic.Int64

	mu    sync.Mutex
	calls []call
	added chan struct{}
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	rx := &receiver{added: make(chan struct{}, 1)}
	rx.status.Store(http.StatusOK)
	rx.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		status := int(rx.status.Load())
		rx.mu.Lock()
		rx.calls = append(rx.calls, call{Method: r.Method, Path: r.URL.RequestURI(), Header: r.Header.Clone(), Body: body, Status: status, At: time.Now()})
		rx.mu.Unlock()
		select {
		case rx.added <- struct{}{}:
		default:
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(rx.Close)
	return rx
}

// snapshot returns the calls received so far.
func (rx *receiver) snapshot() []call {
	rx.mu.Lock()
	defer rx.mu.Unlock()
	return append([]call(nil), rx.calls...)
}

// waitFor waits until done reports true for the calls received so far, or
// fails the test after the deadline.
func (rx *receiver) waitFor(t *testing.T, within time.Duration, what string, done func([]call) bool) []call {
	t.Helper()
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	for {
		calls := rx.snapshot()
		if done(calls) {
			return calls
		}
		select {
		case <-rx.added:
		case <-time.After(50 * time.Millisecond):
		case <-deadline.C:
			t.Fatalf("timed out after %v waiting for %s; got %d calls: %v", within, what, len(calls), topics(calls))
		}
	}
}

// waitCalls waits for at least n calls.
func (rx *receiver) waitCalls(t *testing.T, n int) []call {
	t.Helper()
	return rx.waitFor(t, 15*time.Second, fmt.Sprintf("%d webhook calls", n), func(c []call) bool { return len(c) >= n })
}

func topics(calls []call) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = c.topic()
	}
	return out
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
// directHandler returns a handler wired to sh without Caddy, for tests
// that call ServeHTTP themselves.
func directHandler(sh *shared, logger *zap.Logger, webhooks ...*events.Webhook) *Handler {
	profile, _ := events.LookupProfile("contentful")
	return &Handler{app: &App{MaxBody: 1 << 20, store: sh.store, shared: sh}, profile: profile,
		webhooks: webhooks, static: events.NewAliasTable(), AutoSave: new(AutoSave), logger: logger}
}

// openBadgerShared opens a Badger store in dir and what it holds, without
// Caddy.
func openBadgerShared(dir string) (*shared, error) {
	store, err := (&BadgerStorage{Dir: dir}).open(storeOptions{}, zap.NewNop())
	if err != nil {
		return nil, err
	}
	return openShared(store, zap.NewNop())
}

// countTopics returns how many calls have a topic for which match is true.
func countTopics(calls []call, match func(topic string) bool) int {
	n := 0
	for _, c := range calls {
		if match(c.topic()) {
			n++
		}
	}
	return n
}

// is returns a topic matcher for one topic.
func is(topic string) func(string) bool {
	return func(t string) bool { return t == topic }
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// gateway is a running Caddy (in-process, through caddytest) with a
// cms_events site in front of a cms_sandbox site.
type gateway struct {
	t       *testing.T
	base    string // the gateway site, e.g. http://127.0.0.1:1234
	cms     string // the sandbox site, reached directly
	dataDir string
	client  *http.Client
}

// gatewayConfig holds the parts of a test Caddyfile that vary.
type gatewayConfig struct {
	global   string // extra lines inside the global cms_events block
	handler  string // lines inside the site's cms_events block
	upstream string // host:port of the upstream; default: the sandbox site
	extra    string // extra sites
	sandbox  string // the sandbox's API: "" (Contentful's) or "contentstack"
	options  string // extra global options
	storage  string // the storage lines of the global cms_events block; default: storage_dir in the data directory
}

// startGateway loads a config into the test's Caddy and waits until it runs.
func startGateway(t *testing.T, cfg gatewayConfig) *gateway {
	t.Helper()
	g := newGateway(t)
	g.load(cfg)
	return g
}

// newGateway picks the ports and data directory of a gateway without
// starting it; load starts it.
func newGateway(t *testing.T) *gateway {
	t.Helper()
	t.Cleanup(func() {
		if t.Skipped() {
			t.Error("the integration test was skipped: Caddy could not be started on localhost:2999")
		}
	})
	gwPort, cmsPort := freePort(t), freePort(t)
	return &gateway{
		t:       t,
		base:    fmt.Sprintf("http://127.0.0.1:%d", gwPort),
		cms:     fmt.Sprintf("http://127.0.0.1:%d", cmsPort),
		dataDir: t.TempDir(),
		client:  &http.Client{Timeout: 10 * time.Second},
	}
}

// load (re)loads the gateway's config into the test's Caddy; the ports and
// the data directory stay the same, so a second load is a restart.
func (g *gateway) load(cfg gatewayConfig) {
	t := g.t
	t.Helper()
	tester := caddytest.NewTester(t)
	tester.InitServer(g.caddyfile(cfg), "caddyfile")
	// Runs before t.TempDir's removal: close the store while its
	// directory still exists.
	t.Cleanup(func() { unloadConfig(t) })
	if t.Failed() {
		t.FailNow()
	}
}

// caddyfile returns the gateway's Caddyfile with cfg's parts.
func (g *gateway) caddyfile(cfg gatewayConfig) string {
	upstream := cfg.upstream
	if upstream == "" {
		upstream = strings.TrimPrefix(g.cms, "http://")
	}
	storage := cfg.storage
	if storage == "" {
		storage = "\t\tstorage_dir " + g.dataDir + "/events"
	}
	return fmt.Sprintf(`{
	admin localhost:2999
	skip_install_trust
	storage file_system %[1]s/caddy
	cms_events {
%[10]s
		workers 1
%[2]s
	}
%[9]s
}

%[3]s {
	cms_events {
%[4]s
	}
	reverse_proxy %[5]s
}

%[6]s {
	cms_sandbox %[8]s
}
%[7]s
`, g.dataDir, cfg.global, g.base, cfg.handler, upstream, g.cms, cfg.extra, cfg.sandbox, cfg.options, storage)
}

// unloadConfig replaces the test's config with an empty one, which stops
// the sites and closes their storage.
func unloadConfig(t *testing.T) {
	res, err := http.Post("http://localhost:2999/load", "text/caddyfile", strings.NewReader("{\n\tadmin localhost:2999\n}\n"))
	if err != nil {
		t.Errorf("unloading the test config: %v", err)
		return
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("unloading the test config: status %d", res.StatusCode)
	}
}

// do sends a request to base+path and returns the answer with its body.
func (g *gateway) do(method, url string, header map[string]string, body string) (*http.Response, []byte) {
	g.t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		g.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer test-token")
	req.Header.Set("Content-Type", "application/vnd.contentful.management.v1+json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := g.client.Do(req)
	if err != nil {
		g.t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		g.t.Fatalf("%s %s: reading the answer: %v", method, url, err)
	}
	return res, out
}

// write sends a write through the gateway and fails unless it gets want.
func (g *gateway) write(want int, method, path string, header map[string]string, body string) map[string]any {
	g.t.Helper()
	return g.send(g.base, want, method, path, header, body)
}

// direct sends a request straight to the sandbox, bypassing the gateway.
func (g *gateway) direct(want int, method, path string, header map[string]string, body string) map[string]any {
	g.t.Helper()
	return g.send(g.cms, want, method, path, header, body)
}

// waitBulkRan waits until the CMS has run the bulk action id of the
// environment at env (a path such as /spaces/sp1/environments/master).
func (g *gateway) waitBulkRan(env, id string) {
	g.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for dig(g.direct(200, "GET", env+"/bulk_actions/actions/"+id, nil, ""), "sys", "status") != "succeeded" {
		if time.Now().After(deadline) {
			g.t.Fatalf("bulk action %s did not run in the CMS", id)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (g *gateway) send(base string, want int, method, path string, header map[string]string, body string) map[string]any {
	g.t.Helper()
	res, out := g.do(method, base+path, header, body)
	if res.StatusCode != want {
		g.t.Fatalf("%s %s: status %d, want %d: %s", method, path, res.StatusCode, want, out)
	}
	var m map[string]any
	if len(bytes.TrimSpace(out)) > 0 {
		_ = json.Unmarshal(out, &m)
	}
	return m
}

// version returns sys.version of a CMA entity as the header value.
func version(t *testing.T, entity map[string]any) string {
	t.Helper()
	v, ok := dig(entity, "sys", "version").(float64)
	if !ok {
		t.Fatalf("entity has no sys.version: %v", entity)
	}
	return fmt.Sprint(int(v))
}

// dig walks nested JSON objects.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// writeLoad is a number of clients creating new entries through a gateway
// as fast as they can.
type writeLoad struct {
	quit chan struct{}
	wg   sync.WaitGroup

	mu        sync.Mutex
	succeeded []string // ids of the writes answered 201
}

// startWriteLoad starts clients that create entries named prefix-c-i.
func startWriteLoad(g *gateway, prefix string, clients int) *writeLoad {
	l := &writeLoad{quit: make(chan struct{})}
	for c := range clients {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for i := 0; ; i++ {
				select {
				case <-l.quit:
					return
				default:
				}
				id := fmt.Sprintf("%s-%d-%d", prefix, c, i)
				status, _ := g.try("PUT", "/spaces/sp1/environments/master/entries/"+id, map[string]string{"X-Contentful-Content-Type": "post"}, `{"fields":{}}`)
				if status == http.StatusCreated {
					l.mu.Lock()
					l.succeeded = append(l.succeeded, id)
					l.mu.Unlock()
				}
			}
		}()
	}
	return l
}

// waitSucceeded waits until n writes succeeded.
func (l *writeLoad) waitSucceeded(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := l.count()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d writes succeeded within 30s", got, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// count returns how many writes succeeded so far.
func (l *writeLoad) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.succeeded)
}

// stop stops the clients and returns the ids of the writes that succeeded.
func (l *writeLoad) stop() []string {
	close(l.quit)
	l.wg.Wait()
	return l.succeeded
}

// try sends a write and returns its status, or 0 when the request failed.
func (g *gateway) try(method, path string, header map[string]string, body string) (int, error) {
	req, err := http.NewRequest(method, g.base+path, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer test-token")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := g.client.Do(req)
	if err != nil {
		return 0, err
	}
	res.Body.Close()
	return res.StatusCode, nil
}

// waitDelivered waits until rx got a call for each of the entry ids.
func (rx *receiver) waitDelivered(t *testing.T, ids []string) []call {
	t.Helper()
	return rx.waitFor(t, 60*time.Second, fmt.Sprintf("a call for each of the %d writes that succeeded", len(ids)), func(calls []call) bool {
		seen := make(map[string]bool, len(calls))
		for _, c := range calls {
			seen[c.Header.Get("X-Contentful-CRN")] = true
		}
		for _, id := range ids {
			if !seen["crn:contentful:::content:spaces/sp1/environments/master/entries/"+id] {
				return false
			}
		}
		return true
	})
}
