package caddymodule

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/nats-io/nats-server/v2/server"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/cmsevents/caddy-cms-events/delivery"
)

// provisionApp provisions an app from its JSON config, outside a running
// Caddy; the caller cleans it up.
func provisionApp(t *testing.T, config string) (*App, error) {
	t.Helper()
	a := new(App)
	if err := json.Unmarshal([]byte(config), a); err != nil {
		t.Fatalf("app config %s: %v", config, err)
	}
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	t.Cleanup(cancel)
	return a, a.Provision(ctx)
}

// TestRedactURL checks that passwords and tokens are masked in the URLs
// that are logged.
func TestRedactURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"nats://a:4222", "nats://a:4222"},
		{"nats://gw:s3cret@a:4222", "nats://gw:xxxxx@a:4222"},
		{"nats://t0ken@a:4222", "nats://xxxxx@a:4222"},
		{"tls://gw:s3cret@a:4222", "tls://gw:xxxxx@a:4222"},
	} {
		u, err := url.Parse(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := redactURL(u); got != tc.want {
			t.Errorf("redactURL(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// TestStorageKeys checks which storages share one open backend.
func TestStorageKeys(t *testing.T) {
	key := func(s Storage) string {
		t.Helper()
		if err := s.(caddy.Provisioner).Provision(caddy.Context{}); err != nil {
			t.Fatal(err)
		}
		return s.storageKey()
	}
	ab := key(&NATSStorage{URLs: []string{"nats://a:4222", "nats://b:4222"}})
	if want := "nats:nats://a:4222,nats://b:4222/CMS_EVENTS"; ab != want {
		t.Errorf("key %q, want %q", ab, want)
	}
	if ba := key(&NATSStorage{URLs: []string{"nats://b:4222,nats://a:4222", "a:4222"}}); ba != ab {
		t.Errorf("the same servers in another order give %q, want %q", ba, ab)
	}
	if other := key(&NATSStorage{URLs: []string{"nats://a:4222", "nats://b:4222"}, Stream: "OTHER"}); other == ab {
		t.Errorf("another stream gives the same key %q", other)
	}
	dir := t.TempDir()
	if got := key(&BadgerStorage{Dir: dir}); got != "badger:"+dir {
		t.Errorf("badger key %q, want %q", got, "badger:"+dir)
	}
}

// TestStorageProvisionErrors checks the refusals of storage settings in
// the app's JSON config.
func TestStorageProvisionErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, config, want string
	}{
		{"storage_dir and storage", fmt.Sprintf(`{"storage_dir": %q, "storage": {"module": "badger", "dir": %q}}`, dir, dir), "storage_dir and storage both say where the storage is; keep one"},
		{"async with nats", `{"durability": "async", "storage": {"module": "nats", "url": ["nats://127.0.0.1:1"]}}`, "`durability async` does not apply to the nats storage"},
		{"no url", `{"storage": {"module": "nats"}}`, `no NATS server URL; give at least one (Caddyfile: ` + "`url nats://host:4222`"},
		{"replicas", `{"storage": {"module": "nats", "url": ["nats://127.0.0.1:1"], "replicas": 9}}`, "replicas must be between 1 and 5, got 9"},
		{"scheme", `{"storage": {"module": "nats", "url": ["http://127.0.0.1:1"]}}`, `scheme "http" is not a NATS one`},
		{"unknown module", `{"storage": {"module": "redis"}}`, "cms_events.storage.redis"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := provisionApp(t, tc.config)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestNATSURLErrorsHidePasswords checks that a bad URL and a refused login
// are reported without the password, in the error and in the logs.
func TestNATSURLErrorsHidePasswords(t *testing.T) {
	_, err := provisionApp(t, `{"storage": {"module": "nats", "url": ["nats://127.0.0.1:1", "nats://gw:bad-url-secret@no such host:4222"]}}`)
	if err == nil || !strings.Contains(err.Error(), "url entry 2: not a NATS server URL") || strings.Contains(err.Error(), "bad-url-secret") {
		t.Fatalf("error %v, want one naming url entry 2 without its password", err)
	}

	ns := startNATS(t, func(o *server.Options) { o.Username, o.Password = "gw", "right-secret" })
	u, _ := url.Parse(ns.ClientURL())
	u.User = url.UserPassword("gw", "wrong-secret")
	s := &NATSStorage{URLs: []string{u.String()}, Timeout: caddy.Duration(5 * time.Second)}
	if err := s.Provision(caddy.Context{}); err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zap.DebugLevel)
	_, err = acquireShared(s, storeOptions{}, zap.New(core))
	if err == nil {
		releaseShared(s.storageKey())
		t.Fatal("a wrong password was accepted")
	}
	if strings.Contains(err.Error(), "wrong-secret") {
		t.Errorf("the error shows the password: %v", err)
	}
	if !strings.Contains(err.Error(), "gw:xxxxx@") {
		t.Errorf("the error does not name the server: %v", err)
	}
	for _, e := range logs.All() {
		if line := fmt.Sprint(e.Message, e.ContextMap()); strings.Contains(line, "wrong-secret") {
			t.Errorf("a log line shows the password: %s", line)
		}
	}
}

// TestNATSStorageProvision provisions two apps on one embedded JetStream
// server, as a reload does, and checks that they share one backend that
// closes with the last of them, and that the log names the storage
// without its password.
func TestNATSStorageProvision(t *testing.T) {
	ns := startNATS(t, func(o *server.Options) { o.Username, o.Password = "gw", "pw-secret-1" })
	u, _ := url.Parse(ns.ClientURL())
	u.User = url.UserPassword("gw", "pw-secret-1")
	config := fmt.Sprintf(`{"workers": 1, "storage": {"module": "nats", "url": [%q], "stream": "PROVISION", "timeout": "5s"}}`, u)
	baseline := ns.NumClients()

	a, err := provisionApp(t, config)
	if err != nil {
		t.Fatalf("provisioning with the nats storage: %v", err)
	}
	if _, ok := a.store.(*delivery.JetStream); !ok {
		t.Fatalf("the store is a %T, want *delivery.JetStream", a.store)
	}
	key := a.storage.storageKey()
	if want := "nats:" + u.String() + "/PROVISION"; key != want {
		t.Fatalf("storage key %q, want %q", key, want)
	}

	b, err := provisionApp(t, config)
	if err != nil {
		t.Fatalf("provisioning a second config: %v", err)
	}
	if b.shared != a.shared {
		t.Fatal("two configs on one stream opened two backends")
	}
	if refs, ok := shareds.References(key); !ok || refs != 2 {
		t.Fatalf("the storage has %d uses (present: %v), want 2", refs, ok)
	}
	if err := a.store.Enqueue(context.Background(), delivery.Batch{Put: []delivery.KV{{Key: "test/record", Value: []byte("kept")}}}); err != nil {
		t.Fatalf("writing a record: %v", err)
	}
	if v, ok, err := b.store.Get("test/record"); err != nil || !ok || string(v) != "kept" {
		t.Fatalf("reading the record: %q, %v, %v", v, ok, err)
	}

	core, logs := observer.New(zap.InfoLevel)
	a.logger = zap.New(core)
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	if err := a.Stop(); err != nil {
		t.Fatal(err)
	}
	started := logs.FilterMessage("delivering webhooks").All()
	if len(started) != 1 {
		t.Fatalf("%d \"delivering webhooks\" lines, want 1", len(started))
	}
	storage := fmt.Sprint(started[0].ContextMap()["storage"])
	if strings.Contains(storage, "pw-secret-1") || !strings.Contains(storage, "nats://gw:xxxxx@") || !strings.Contains(storage, "PROVISION") {
		t.Errorf("the log names the storage as %s; want the redacted url and the stream", storage)
	}

	if err := a.Cleanup(); err != nil {
		t.Fatal(err)
	}
	if refs, ok := shareds.References(key); !ok || refs != 1 {
		t.Fatalf("after one cleanup the storage has %d uses (present: %v), want 1", refs, ok)
	}
	if err := b.Cleanup(); err != nil {
		t.Fatal(err)
	}
	if _, ok := shareds.References(key); ok {
		t.Fatal("the storage is still open after the last cleanup")
	}
	deadline := time.Now().Add(5 * time.Second)
	for ns.NumClients() > baseline {
		if time.Now().After(deadline) {
			t.Fatalf("the server still has %d clients after the last cleanup, want %d", ns.NumClients(), baseline)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestBadgerStorageForms checks that storage_dir and a badger storage
// module with the same directory are one storage.
func TestBadgerStorageForms(t *testing.T) {
	dir := t.TempDir()
	a, err := provisionApp(t, fmt.Sprintf(`{"storage_dir": %q}`, dir))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Cleanup()
	b, err := provisionApp(t, fmt.Sprintf(`{"storage": {"module": "badger", "dir": %q}}`, dir))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Cleanup()
	if _, ok := a.store.(*delivery.Store); !ok {
		t.Fatalf("the store is a %T, want *delivery.Store", a.store)
	}
	if a.shared != b.shared {
		t.Fatal("storage_dir and storage badger with one dir opened two stores")
	}
}

// TestGatewayNATSStorage sends a write through a gateway whose storage is
// NATS JetStream and checks that its webhook call arrives and is logged.
func TestGatewayNATSStorage(t *testing.T) {
	ns := startNATS(t)
	rx := newReceiver(t)
	g := startGateway(t, gatewayConfig{
		storage: fmt.Sprintf("\t\tstorage nats {\n\t\t\turl %s\n\t\t\tstream GATEWAY_TEST\n\t\t\ttimeout 5s\n\t\t}", ns.ClientURL()),
		handler: webhookAll(rx, ""),
	})
	g.write(201, "PUT", "/spaces/sp1/environments/master/entries/nats-1", map[string]string{"X-Contentful-Content-Type": "post"},
		`{"fields":{"title":{"en-US":"Hello"}}}`)
	calls := rx.waitFor(t, 20*time.Second, "the Entry.create call", func(c []call) bool {
		return countTopics(c, is("ContentManagement.Entry.create")) > 0
	})
	var created call
	for _, c := range calls {
		if c.topic() == "ContentManagement.Entry.create" {
			created = c
		}
	}
	if id := dig(created.json(t), "sys", "id"); id != "nats-1" {
		t.Errorf("the call's payload has sys.id %v, want nats-1", id)
	}
	if crn := created.Header.Get("X-Contentful-CRN"); crn != "crn:contentful:::content:spaces/sp1/environments/master/entries/nats-1" {
		t.Errorf("X-Contentful-CRN %q", crn)
	}

	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := http.Get("http://localhost:2999/cms_events/webhooks/test-hook/calls")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var page struct{ Total int }
		if res.StatusCode == http.StatusOK && json.Unmarshal(body, &page) == nil && page.Total > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the call log of the webhook stays empty: %d %s", res.StatusCode, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
