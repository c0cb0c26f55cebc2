package caddymodule

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/cmsevents/caddy-cms-events/delivery"
	"github.com/cmsevents/caddy-cms-events/events"
)

// Index namespaces of what the webhooks API stores: one record per
// definition (apiWebhookPrefix + space + "/" + id) and one per space
// signing secret. Their "!" cannot start an entity key.
const (
	apiWebhookPrefix = "!webhooks/"
	apiSecretPrefix  = "!signing_secret/"
)

// apiDefinition is a webhook definition made through the webhooks API, as
// the store keeps it. Its secrets are kept too: the calls send them.
type apiDefinition struct {
	Space      string            `json:"space"`
	Definition events.Definition `json:"definition"`
	Version    int               `json:"version"`
	CreatedAt  time.Time         `json:"createdAt"`
	UpdatedAt  time.Time         `json:"updatedAt"`
}

// apiSecret is a space's signing secret, as the store keeps it.
type apiSecret struct {
	Value     string    `json:"value"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// apiWebhook is a stored definition with its compiled webhook.
type apiWebhook struct {
	rec apiDefinition
	wh  *events.Webhook
	raw []byte // rec as stored
}

// apiRegistry holds the webhooks and signing secrets made through the
// webhooks API, for every config that shares one storage. Every change is
// committed (and synced) to the store before it applies, and it applies at
// once to the running dispatchers; changes that other gateways sharing the
// store commit apply as they are followed (feeds).
type apiRegistry struct {
	store  delivery.Backend
	logger *zap.Logger

	// changes serialises changes, from the read that checks a version to
	// the commit that applies it.
	changes sync.Mutex

	mu      sync.RWMutex
	byID    map[string]*apiWebhook
	bySpace map[string][]*events.Webhook // for matching; replaced, never changed
	secrets map[string]apiSecret
	// dispatchers holds the attached dispatchers, each with the ids of
	// the endpoints it had of its own (config webhooks, apps), which no
	// API webhook replaces or removes.
	dispatchers map[*delivery.Dispatcher]map[string]bool
}

// newAPIRegistry returns an empty registry on store; its feeds fill it.
func newAPIRegistry(store delivery.Backend, logger *zap.Logger) *apiRegistry {
	return &apiRegistry{
		store:       store,
		logger:      logger,
		byID:        make(map[string]*apiWebhook),
		bySpace:     make(map[string][]*events.Webhook),
		secrets:     make(map[string]apiSecret),
		dispatchers: make(map[*delivery.Dispatcher]map[string]bool),
	}
}

// feeds returns the index namespaces the registry holds, with how a
// stored record of each applies.
func (r *apiRegistry) feeds() []indexFeed {
	return []indexFeed{
		{prefix: apiWebhookPrefix, apply: r.applyWebhookRecord},
		{prefix: apiSecretPrefix, apply: r.applySecretRecord},
	}
}

// applyWebhookRecord applies the stored definition key, or its removal
// (value nil). A record that cannot be read or compiled is logged and
// changes nothing.
func (r *apiRegistry) applyWebhookRecord(key string, value []byte) {
	space, id, ok := strings.Cut(strings.TrimPrefix(key, apiWebhookPrefix), "/")
	if !ok {
		r.logger.Error("a stored webhook definition has a key of no webhook; it is left out", zap.String("key", key))
		return
	}
	if value == nil {
		r.removeWebhook(space, id)
		return
	}
	var rec apiDefinition
	err := json.Unmarshal(value, &rec)
	var wh *events.Webhook
	if err == nil {
		wh, err = events.Compile(rec.Definition)
	}
	if err != nil {
		r.logger.Error("a stored webhook definition cannot be read; it makes no calls until it is made again through the webhooks API",
			zap.String("key", key), zap.Error(err))
		return
	}
	r.setWebhook(&apiWebhook{rec: rec, wh: wh, raw: value})
}

// applySecretRecord applies the stored signing secret key, or its removal
// (value nil). A secret that cannot be read is logged and changes nothing.
func (r *apiRegistry) applySecretRecord(key string, value []byte) {
	space := strings.TrimPrefix(key, apiSecretPrefix)
	if value == nil {
		r.removeSecret(space)
		return
	}
	var s apiSecret
	if err := json.Unmarshal(value, &s); err != nil || delivery.ValidSecret(s.Value) != nil {
		r.logger.Error("a stored signing secret cannot be read; set it again through the webhooks API", zap.String("key", key))
		return
	}
	r.setSecret(space, s)
}

// rebuildSpace recomputes the webhooks matched for a space's events, oldest
// first. r.mu must be held for writing.
func (r *apiRegistry) rebuildSpace(space string) {
	var hooks []*apiWebhook
	for _, h := range r.byID {
		if h.rec.Space == space {
			hooks = append(hooks, h)
		}
	}
	sortHooks(hooks)
	if len(hooks) == 0 {
		delete(r.bySpace, space)
		return
	}
	whs := make([]*events.Webhook, len(hooks))
	for i, h := range hooks {
		whs[i] = h.wh
	}
	r.bySpace[space] = whs
}

// sortHooks sorts API webhooks oldest first, then by id.
func sortHooks(hooks []*apiWebhook) {
	slices.SortFunc(hooks, func(a, b *apiWebhook) int {
		return cmp.Or(a.rec.CreatedAt.Compare(b.rec.CreatedAt), strings.Compare(a.wh.ID(), b.wh.ID()))
	})
}

// matching returns the API webhooks of a space; the slice is never changed.
func (r *apiRegistry) matching(space string) []*events.Webhook {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.bySpace[space]
}

// SpaceSecret returns the signing secret of a space, or "".
func (r *apiRegistry) SpaceSecret(space string) string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.secrets[space].Value
}

// secret returns the stored signing secret of a space.
func (r *apiRegistry) secret(space string) (apiSecret, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s, ok := r.secrets[space]
	return s, ok
}

// get returns the API webhook id.
func (r *apiRegistry) get(id string) (*apiWebhook, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	h, ok := r.byID[id]
	return h, ok
}

// list returns the API webhooks of a space ("" for every space), oldest
// first.
func (r *apiRegistry) list(space string) []*apiWebhook {
	r.mu.RLock()
	var hooks []*apiWebhook
	for _, h := range r.byID {
		if space == "" || h.rec.Space == space {
			hooks = append(hooks, h)
		}
	}
	r.mu.RUnlock()
	sortHooks(hooks)
	return hooks
}

// attach makes a dispatcher with the config's endpoints and every API
// webhook, and sends it the API changes from then on. A config webhook
// wins over an API webhook of the same id (the config was checked against
// the API ids when it was provisioned; one made meanwhile is logged).
func (r *apiRegistry) attach(endpoints map[string]*delivery.Endpoint, newDispatcher func(map[string]*delivery.Endpoint) *delivery.Dispatcher) *delivery.Dispatcher {
	r.mu.Lock()
	defer r.mu.Unlock()
	own := make(map[string]bool, len(endpoints))
	for id := range endpoints {
		own[id] = true
	}
	for id, h := range r.byID {
		if own[id] {
			r.logger.Error("a webhook of the config has the id of a webhook made through the webhooks API; the API webhook makes no calls until one of them is renamed",
				zap.String("webhook", id), zap.String("space", h.rec.Space))
			continue
		}
		endpoints[id] = newEndpoint(h.wh, "")
	}
	d := newDispatcher(endpoints)
	r.dispatchers[d] = own
	return d
}

// detach stops sending API changes to d.
func (r *apiRegistry) detach(d *delivery.Dispatcher) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.dispatchers, d)
}

// commit durably writes batch, synced even with `durability async`: the
// API answers only once the change is on disk.
func (r *apiRegistry) commit(batch delivery.Batch) error {
	batch.Sync = true
	return r.store.Enqueue(context.Background(), batch)
}

// putWebhook stores rec, compiled as wh, and applies it. r.changes must be
// held.
func (r *apiRegistry) putWebhook(rec apiDefinition, wh *events.Webhook) error {
	raw, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if err := r.commit(delivery.Batch{Put: []delivery.KV{{Key: apiWebhookKey(rec.Space, wh.ID()), Value: raw}}}); err != nil {
		return err
	}
	r.setWebhook(&apiWebhook{rec: rec, wh: wh, raw: raw})
	return nil
}

// setWebhook applies a stored definition: matching and the dispatchers
// use it from then on. The record held already changes nothing.
func (r *apiRegistry) setWebhook(h *apiWebhook) {
	id := h.wh.ID()
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.byID[id]
	if old != nil && bytes.Equal(old.raw, h.raw) {
		return
	}
	r.byID[id] = h
	r.rebuildSpace(h.rec.Space)
	if old != nil && old.rec.Space != h.rec.Space {
		r.rebuildSpace(old.rec.Space)
	}
	for d, own := range r.dispatchers {
		if own[id] {
			r.logger.Error("a webhook of the config has the id of a webhook made through the webhooks API; the API webhook makes no calls until one of them is renamed",
				zap.String("webhook", id), zap.String("space", h.rec.Space))
			continue
		}
		d.SetEndpoint(newEndpoint(h.wh, ""))
	}
}

// deleteWebhook removes the API webhook id of space. Its queued
// deliveries are then kept as failed, as those of a webhook removed from
// the config. r.changes must be held.
func (r *apiRegistry) deleteWebhook(space, id string) error {
	if err := r.commit(delivery.Batch{Delete: []string{apiWebhookKey(space, id)}}); err != nil {
		return err
	}
	r.removeWebhook(space, id)
	return nil
}

// removeWebhook applies the removal of the API webhook id of space.
func (r *apiRegistry) removeWebhook(space, id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if h := r.byID[id]; h == nil || h.rec.Space != space {
		return
	}
	delete(r.byID, id)
	r.rebuildSpace(space)
	for d, own := range r.dispatchers {
		if !own[id] {
			d.RemoveEndpoint(id)
		}
	}
}

// putSecret stores and applies the signing secret of a space. r.changes
// must be held.
func (r *apiRegistry) putSecret(space string, s apiSecret) error {
	raw, err := json.Marshal(s)
	if err != nil {
		return err
	}
	if err := r.commit(delivery.Batch{Put: []delivery.KV{{Key: apiSecretPrefix + space, Value: raw}}}); err != nil {
		return err
	}
	r.setSecret(space, s)
	return nil
}

// setSecret applies the signing secret of a space.
func (r *apiRegistry) setSecret(space string, s apiSecret) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets[space] = s
}

// deleteSecret removes the signing secret of a space. r.changes must be
// held.
func (r *apiRegistry) deleteSecret(space string) error {
	if err := r.commit(delivery.Batch{Delete: []string{apiSecretPrefix + space}}); err != nil {
		return err
	}
	r.removeSecret(space)
	return nil
}

// removeSecret applies the removal of the signing secret of a space.
func (r *apiRegistry) removeSecret(space string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.secrets, space)
}

// apiWebhookKey is the index key of an API webhook.
func apiWebhookKey(space, id string) string {
	return apiWebhookPrefix + space + "/" + id
}
