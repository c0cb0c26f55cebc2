package caddymodule

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/cmsevents/caddy-cms-events/autosave"
	"github.com/cmsevents/caddy-cms-events/delivery"
	"github.com/cmsevents/caddy-cms-events/events"
	"github.com/cmsevents/caddy-cms-events/followup"
)

// shareds holds what all configs using one storage share, keyed by the
// storage's key (Storage.storageKey): Caddy provisions a new config before
// it cleans up the old one, Badger holds a directory lock, and one NATS
// connection serves every config.
var shareds = caddy.NewUsagePool()

// Storage is a module in the namespace `cms_events.storage`: where the app
// keeps its queue, failed deliveries, call log and index. The backends
// live in package delivery, so the methods that open them are unexported.
type Storage interface {
	caddy.Module
	// ObjectMarshaler names the storage in logs, never with a password
	// or the content of a credentials file.
	zapcore.ObjectMarshaler

	// storageKey identifies what open opens: configs whose storages have
	// one key share one open backend across reloads.
	storageKey() string
	// open opens the backend with the app's store settings.
	open(opts storeOptions, logger *zap.Logger) (delivery.Backend, error)
}

// heldPrefix is the index namespace of pending auto_save windows. Its "!"
// cannot start an entity key (ids are [a-zA-Z0-9-_.]).
const heldPrefix = "!autosave/"

// shared is the state of one storage that outlives config
// reloads: the open store and the auto_save tracker. Auto_save windows are
// emitted through the webhooks of the newest running config.
type shared struct {
	store   delivery.Backend
	tracker *autosave.Tracker
	logger  *zap.Logger

	// runner follows bulk, release and scheduled actions until they have
	// run; upstreams holds, by space, the newest way to reach the CMS
	// (*upstream) for its requests.
	runner    *followup.Runner
	upstreams sync.Map

	// aliases are the environment aliases learned from the CMS, by space;
	// aliasFetches holds when each space's aliases were last asked for;
	// aliasesAsked the spaces whose answer came since the store was opened.
	aliases      *events.AliasTable
	aliasFetches sync.Map
	aliasesAsked sync.Map

	// api holds the webhooks and signing secrets made through the
	// webhooks API.
	api *apiRegistry

	// apps holds the Contentful apps learned from writes: subscriptions,
	// signing secrets and installations.
	apps *appRegistry

	// stopFollowing stops applying to api, apps, aliases, the tracker and
	// the runner the changes made through the store by any gateway sharing
	// it.
	stopFollowing func()

	// unheld holds the ids of auto_save windows a Hold failed for.
	unheld sync.Map

	current   atomic.Pointer[App]
	startOnce sync.Once
}

// storeOptions are the app settings that apply to the store. The first
// config to open a storage sets them; a reload that changes them takes
// effect when the storage is next opened.
type storeOptions struct {
	retention time.Duration
	async     bool
}

// acquireShared opens the storage, or shares the one already open with the
// same key.
func acquireShared(storage Storage, opts storeOptions, logger *zap.Logger) (*shared, error) {
	v, _, err := shareds.LoadOrNew(storage.storageKey(), func() (caddy.Destructor, error) {
		store, err := storage.open(opts, logger)
		if err != nil {
			return nil, err
		}
		return openShared(store, logger)
	})
	if err != nil {
		return nil, err
	}
	return v.(*shared), nil
}

// releaseShared drops one use of the storage with the key.
func releaseShared(key string) error {
	_, err := shareds.Delete(key)
	return err
}

// openShared loads what the open store holds (definitions, apps, aliases,
// pending auto_save windows, followed actions) and follows the changes any
// gateway sharing the store makes to them. On an error it closes the
// store.
func openShared(store delivery.Backend, logger *zap.Logger) (*shared, error) {
	sh := &shared{store: store, logger: logger, aliases: events.NewAliasTable()}
	sh.api = newAPIRegistry(store, logger.Named("webhooks_api"))
	sh.apps = newAppRegistry(store, logger.Named("apps"))
	sh.tracker = autosave.New(autosave.Options{Sink: sh, Logger: logger.Named("auto_save")})
	sh.runner = followup.New(followup.Options{Fetcher: sh, Sink: sh, Logger: logger.Named("followup")})
	var err error
	sh.stopFollowing, err = followIndex(store, slices.Concat(sh.api.feeds(), sh.apps.feeds(),
		[]indexFeed{sh.aliasFeed(), sh.heldFeed(), sh.followedFeed()})...)
	if err != nil {
		store.Close()
		return nil, err
	}
	return sh, nil
}

// started makes app the config whose webhooks auto_save windows and
// followed actions go to, and starts the tracker and the runner the first
// time.
func (sh *shared) started(app *App) {
	sh.current.Store(app)
	sh.startOnce.Do(func() {
		sh.tracker.Start()
		sh.runner.Start()
	})
}

// stopped forgets app if it is still the current config.
func (sh *shared) stopped(app *App) {
	sh.current.CompareAndSwap(app, nil)
}

// Hold durably records the latest draft of an open auto_save window.
func (sh *shared) Hold(p autosave.Pending) error {
	raw, err := json.Marshal(p)
	if err == nil {
		err = sh.store.Enqueue(context.Background(), delivery.Batch{Put: []delivery.KV{{Key: heldPrefix + p.Doc, Value: raw}}})
	}
	if err != nil {
		sh.unheld.Store(p.Event.ID, true)
	}
	return err
}

// errNoConfig makes the auto_save tracker and the action runner retry while
// no config runs.
var errNoConfig = errors.New("no running config to deliver the event with; retrying")

// maxEmitTries bounds how often Emit reads the held draft again when a
// save through another gateway changed it meanwhile.
const maxEmitTries = 10

// Emit queues the deliveries of a closed window's event and drops the held
// draft, in one commit. What is emitted is the held draft, the latest save
// of the window through any gateway sharing the storage; of the gateways
// whose trackers end the window, the first to take the record emits it,
// and the others find it gone.
func (sh *shared) Emit(p autosave.Pending) error {
	key := heldPrefix + p.Doc
	if _, failed := sh.unheld.Load(p.Event.ID); failed {
		// A Hold of the window failed: its draft may not be held, and is
		// emitted all the same.
		err := sh.queueEvents(delivery.Batch{Delete: []string{key}}, events.Derived{Event: p.Event})
		if err == nil {
			sh.unheld.Delete(p.Event.ID)
		}
		return err
	}
	for range maxEmitTries {
		v, ok, err := sh.store.Get(key)
		if err != nil {
			return err
		}
		var held autosave.Pending
		if !ok || json.Unmarshal(v, &held) != nil || held.Event == nil || held.Event.ID != p.Event.ID {
			sh.logger.Debug("auto_save window emitted by another gateway", zap.String("document", p.Doc))
			return nil
		}
		take := &delivery.Take{Key: key, Match: func(now []byte) bool { return bytes.Equal(now, v) }}
		err = sh.queueEvents(delivery.Batch{Take: take}, events.Derived{Event: held.Event})
		if !errors.Is(err, delivery.ErrTaken) {
			return err
		}
	}
	return fmt.Errorf("the held draft of %s kept changing through other gateways; emitting it at the next try", p.Doc)
}

// queueEvents commits batch together with the index changes of events
// derived away from a request (auto_save windows, followed actions) and
// their deliveries through the running config's webhooks.
func (sh *shared) queueEvents(batch delivery.Batch, done ...events.Derived) error {
	app := sh.current.Load()
	if app == nil {
		return errNoConfig
	}
	now := time.Now()
	for _, d := range done {
		indexWrites(d, &batch)
		batch.Deliveries = appendDeliveries(batch.Deliveries, app.webhooks(), d.Event, now)
		batch.Deliveries = appendDeliveries(batch.Deliveries, sh.api.matching(d.Event.Space), d.Event, now)
	}
	if err := sh.store.Enqueue(context.Background(), batch); err != nil {
		return err
	}
	for _, d := range done {
		metrics.events.WithLabelValues(d.Event.Topic).Inc()
	}
	return nil
}

// Destruct stops the tracker (open windows stay held) and the following
// of the registries, and closes the store.
func (sh *shared) Destruct() error {
	ctx, cancel := context.WithTimeout(context.Background(), stopGrace)
	defer cancel()
	sh.stopFollowing()
	err := errors.Join(sh.tracker.Stop(ctx), sh.runner.Stop(ctx))
	return errors.Join(err, sh.store.Close())
}

// appendDeliveries appends a delivery of ev for each of whs that it
// matches.
func appendDeliveries(ds []*delivery.Delivery, whs []*events.Webhook, ev *events.Event, now time.Time) []*delivery.Delivery {
	for _, wh := range whs {
		if wh.Matches(ev) {
			ds = append(ds, delivery.NewDelivery(wh.ID(), ev, now))
		}
	}
	return ds
}
