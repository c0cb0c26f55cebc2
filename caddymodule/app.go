// Package caddymodule holds the Caddy modules of caddy-cms-events: the app
// `cms_events` (storage and delivery workers), the HTTP handler
// `http.handlers.cms_events` (turns writes into events), the demo upstream
// `http.handlers.cms_sandbox`, and their Caddyfile forms. It is the only
// package of the project that imports Caddy.
package caddymodule

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/cmsevents/caddy-cms-events/delivery"
	"github.com/cmsevents/caddy-cms-events/events"
)

func init() {
	caddy.RegisterModule(App{})
}

// Defaults of the app's settings.
const (
	defaultWorkers = 16
	defaultMaxBody = 4 << 20
	maxBodyLimit   = "8MiB" // delivery.MaxPayload, as users write it
	// defaultRetention is how long the call log keeps calls: 7 days.
	defaultRetention = 7 * 24 * time.Hour
	// stopGrace is how long Stop waits for in-flight sends before leaving
	// them due for the next start.
	stopGrace = 10 * time.Second
)

// App is the `cms_events` app. It owns the durable queue (a Badger database
// by default, or NATS JetStream; shared across config reloads) and the
// workers that deliver webhooks. The `cms_events` HTTP handlers of every
// site register their webhooks with it.
//
// Without a `cms_events` global option block the app runs with its defaults.
type App struct {
	// StorageDir is the directory of the Badger database that holds the
	// queue, the failed deliveries and the entity index: a shorthand for
	// `"storage": {"module": "badger", "dir": "<dir>"}`. Give it or
	// `storage`, not both. Default: `{caddy data dir}/cms_events`.
	StorageDir string `json:"storage_dir,omitempty"`

	// StorageRaw is where the queue, the failed deliveries, the call log
	// and the entity index are kept: a module in the namespace
	// `cms_events.storage`, named by "module": `badger` (a local Badger
	// database, for one Caddy process) or `nats` (NATS JetStream, shared by
	// every gateway on the same stream). Default: `badger` in
	// `{caddy data dir}/cms_events` (or in `storage_dir`).
	StorageRaw json.RawMessage `json:"storage,omitempty" caddy:"namespace=cms_events.storage inline_key=module"`

	// Workers is the number of webhook calls sent at once. Default: 16.
	Workers int `json:"workers,omitempty"`

	// MaxBody is the largest upstream answer, in bytes, that is buffered to
	// derive an event from. A larger answer passes through whole and gives
	// a thin event (what the path says) with a warning. Default: 4 MiB;
	// at most 8 MiB.
	MaxBody int64 `json:"max_body,omitempty"`

	// Retention is how long the call log keeps a webhook call (at most 500
	// calls per webhook are kept in any case). Default: 168h (7 days).
	Retention caddy.Duration `json:"retention,omitempty"`

	// Durability says when a write's answer goes to the client: `sync`
	// (default) waits until its events are synced to disk; `async` does not
	// wait, and syncs the events of all writes together at most every 10ms,
	// so a crash may lose the events of the last 10ms or so. `async`
	// applies to the badger storage only: with nats a write is always
	// answered once the servers have stored its events.
	Durability string `json:"durability,omitempty"`

	// DenyPrivate refuses webhook calls to private addresses (RFC 1918,
	// IPv6 ULA) too. Link-local and cloud metadata addresses are always
	// refused. Default: private addresses are allowed, as receivers often
	// live inside the network.
	DenyPrivate bool `json:"deny_private,omitempty"`

	storage    Storage
	shared     *shared
	store      delivery.Backend
	dispatcher *delivery.Dispatcher
	logger     *zap.Logger

	endpoints *endpointSet
}

// endpointSet collects the webhooks the handlers register while the config
// is provisioned.
type endpointSet struct {
	mu       sync.Mutex
	ids      map[string]*delivery.Endpoint
	webhooks []*events.Webhook
}

// CaddyModule returns the Caddy module information.
func (App) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "cms_events",
		New: func() caddy.Module { return new(App) },
	}
}

// Provision opens (or shares, across a reload) the storage.
func (a *App) Provision(ctx caddy.Context) error {
	a.logger = ctx.Logger()
	if a.Workers == 0 {
		a.Workers = defaultWorkers
	}
	if a.Workers < 0 {
		return fmt.Errorf("cms_events: workers must be positive, got %d", a.Workers)
	}
	if a.MaxBody == 0 {
		a.MaxBody = defaultMaxBody
	}
	if a.MaxBody < 0 || a.MaxBody > delivery.MaxPayload {
		return fmt.Errorf("cms_events: max_body must be between 1 and %d bytes (%s; a queued delivery holds the whole answer), got %d", delivery.MaxPayload, maxBodyLimit, a.MaxBody)
	}
	if a.Retention < 0 {
		return fmt.Errorf("cms_events: retention must be positive, got %v", time.Duration(a.Retention))
	}
	if a.Retention == 0 {
		a.Retention = caddy.Duration(defaultRetention)
	}
	switch a.Durability {
	case "":
		a.Durability = "sync"
	case "sync", "async":
	default:
		return fmt.Errorf("cms_events: durability must be sync or async, got %q", a.Durability)
	}
	storage, err := a.loadStorage(ctx)
	if err != nil {
		return err
	}
	if _, ok := storage.(*NATSStorage); ok && a.Durability == "async" {
		return errors.New("cms_events: `durability async` does not apply to the nats storage, which answers a write only once the NATS servers have stored its events; remove the durability line (JSON: \"durability\")")
	}
	a.endpoints = &endpointSet{ids: make(map[string]*delivery.Endpoint)}

	if err := initMetrics(ctx.GetMetricsRegistry()); err != nil {
		return err
	}
	sh, err := acquireShared(storage, storeOptions{retention: time.Duration(a.Retention), async: a.Durability == "async"}, a.logger)
	if err != nil {
		return err
	}
	a.storage, a.shared, a.store = storage, sh, sh.store
	return nil
}

// errStorageTwice refuses a config that gives both storage_dir and storage.
var errStorageTwice = errors.New("cms_events: storage_dir and storage both say where the storage is; keep one: `storage badger { dir <path> }` (JSON: \"storage\": {\"module\": \"badger\", \"dir\": \"<path>\"}) or `storage_dir <path>` alone")

// loadStorage loads the storage module, or makes the default badger storage
// in StorageDir.
func (a *App) loadStorage(ctx caddy.Context) (Storage, error) {
	if a.StorageRaw == nil {
		s := &BadgerStorage{Dir: a.StorageDir}
		return s, s.Provision(ctx)
	}
	if a.StorageDir != "" {
		return nil, errStorageTwice
	}
	mod, err := ctx.LoadModule(a, "StorageRaw")
	if err != nil {
		return nil, fmt.Errorf("cms_events: loading the storage module: %v", err)
	}
	s, ok := mod.(Storage)
	if !ok {
		return nil, fmt.Errorf("cms_events: storage module %T is not a cms_events storage", mod)
	}
	return s, nil
}

// register adds the webhooks of one handler. Webhook ids are unique per app.
func (a *App) register(whs []*events.Webhook, eps []*delivery.Endpoint) error {
	a.endpoints.mu.Lock()
	defer a.endpoints.mu.Unlock()
	for _, ep := range eps {
		if strings.HasPrefix(ep.ID, appEndpointPrefix) {
			return fmt.Errorf("webhook id %q starts with %q, which names the events of Contentful apps; give the webhook another id (Caddyfile: `id <id>` inside the webhook block, JSON: \"id\")", ep.ID, appEndpointPrefix)
		}
		if _, dup := a.endpoints.ids[ep.ID]; dup {
			return fmt.Errorf("webhook id %q is used twice; give one of them its own id (Caddyfile: `id <id>` inside the webhook block, JSON: \"id\")", ep.ID)
		}
		if h, dup := a.shared.api.get(ep.ID); dup {
			return fmt.Errorf("webhook id %q is already the id of a webhook made through the webhooks API in space %q; give the config's webhook its own id (Caddyfile: `id <id>` inside the webhook block, JSON: \"id\"), or delete the other with DELETE /spaces/%s/webhook_definitions/%s", ep.ID, h.rec.Space, h.rec.Space, ep.ID)
		}
	}
	for _, ep := range eps {
		a.endpoints.ids[ep.ID] = ep
	}
	a.endpoints.webhooks = append(a.endpoints.webhooks, whs...)
	return nil
}

// webhooks returns every webhook of the config, for events that no single
// handler owns (auto_save windows).
func (a *App) webhooks() []*events.Webhook {
	a.endpoints.mu.Lock()
	defer a.endpoints.mu.Unlock()
	return a.endpoints.webhooks
}

// Start starts the delivery workers.
func (a *App) Start() error {
	a.endpoints.mu.Lock()
	endpoints := maps.Clone(a.endpoints.ids)
	a.endpoints.mu.Unlock()
	api, apps := a.shared.api, a.shared.apps
	a.dispatcher = apps.attach(endpoints, func(endpoints map[string]*delivery.Endpoint) *delivery.Dispatcher {
		return api.attach(endpoints, func(endpoints map[string]*delivery.Endpoint) *delivery.Dispatcher {
			return delivery.NewDispatcher(delivery.DispatcherOptions{
				Store:        a.store,
				Workers:      a.Workers,
				Endpoints:    endpoints,
				Logger:       a.logger,
				OnResult:     observeResult,
				DenyPrivate:  a.DenyPrivate,
				SpaceSecrets: api,
			})
		})
	})
	a.dispatcher.Start()
	a.shared.started(a)
	gaugeStore.Store(&gaugedBackend{a.store})
	gaugeRunner.Store(a.shared.runner)
	a.logger.Info("delivering webhooks",
		zap.Object("storage", a.storage),
		zap.Int("workers", a.Workers),
		zap.Int("webhooks", len(endpoints)))
	return nil
}

// Stop stops the workers, letting in-flight sends finish within a grace
// period; whatever is left stays due for the next start.
func (a *App) Stop() error {
	if a.dispatcher == nil {
		return nil
	}
	a.shared.stopped(a)
	a.shared.api.detach(a.dispatcher)
	a.shared.apps.detach(a.dispatcher)
	ctx, cancel := context.WithTimeout(context.Background(), stopGrace)
	defer cancel()
	return a.dispatcher.Stop(ctx)
}

// Cleanup releases the storage; it closes when no config uses it.
func (a *App) Cleanup() error {
	if a.shared == nil {
		return nil
	}
	return releaseShared(a.storage.storageKey())
}

// Interface guards
var (
	_ caddy.App          = (*App)(nil)
	_ caddy.Provisioner  = (*App)(nil)
	_ caddy.CleanerUpper = (*App)(nil)
)
