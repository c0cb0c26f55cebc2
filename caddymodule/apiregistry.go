package caddymodule

import (
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
}

// apiRegistry holds the webhooks and signing secrets made through the
// webhooks API, for every config that shares one storage directory. Every
// change is committed (and synced) to the store before it applies, and it
// applies at once to the running dispatchers.
type apiRegistry struct {
	store  delivery.Backend
	logger *zap.Logger

	// changes serialises changes, from the read that checks a version to
	// the commit that applies it.
	changes sync.Mutex

	mu          sync.RWMutex
	byID        map[string]*apiWebhook
	bySpace     map[string][]*events.Webhook // for matching; replaced, never changed
	secrets     map[string]apiSecret
	dispatchers map[*delivery.Dispatcher]struct{}
}

// loadAPIRegistry reads what the webhooks API stored earlier. A record that
// can no longer be read or compiled is logged and left out.
func loadAPIRegistry(store delivery.Backend, logger *zap.Logger) (*apiRegistry, error) {
	r := &apiRegistry{
		store:       store,
		logger:      logger,
		byID:        make(map[string]*apiWebhook),
		bySpace:     make(map[string][]*events.Webhook),
		secrets:     make(map[string]apiSecret),
		dispatchers: make(map[*delivery.Dispatcher]struct{}),
	}
	err := store.Scan(apiWebhookPrefix, func(key string, value []byte) error {
		var rec apiDefinition
		err := json.Unmarshal(value, &rec)
		var wh *events.Webhook
		if err == nil {
			wh, err = events.Compile(rec.Definition)
		}
		if err != nil {
			logger.Error("a stored webhook definition cannot be read; it makes no calls until it is made again through the webhooks API",
				zap.String("key", key), zap.Error(err))
			return nil
		}
		r.byID[wh.ID()] = &apiWebhook{rec: rec, wh: wh}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = store.Scan(apiSecretPrefix, func(key string, value []byte) error {
		var s apiSecret
		if err := json.Unmarshal(value, &s); err != nil || delivery.ValidSecret(s.Value) != nil {
			logger.Error("a stored signing secret cannot be read; set it again through the webhooks API", zap.String("key", key))
			return nil
		}
		r.secrets[strings.TrimPrefix(key, apiSecretPrefix)] = s
		return nil
	})
	if err != nil {
		return nil, err
	}
	for space := range r.spaces() {
		r.rebuildSpace(space)
	}
	return r, nil
}

// spaces returns the spaces that have API webhooks. r.mu must be held, or
// r not yet shared.
func (r *apiRegistry) spaces() map[string]bool {
	out := make(map[string]bool)
	for _, h := range r.byID {
		out[h.rec.Space] = true
	}
	return out
}

// rebuildSpace recomputes the webhooks matched for a space's events, oldest
// first. r.mu must be held for writing, or r not yet shared.
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
	for id, h := range r.byID {
		if _, clash := endpoints[id]; clash {
			r.logger.Error("a webhook of the config has the id of a webhook made through the webhooks API; the API webhook makes no calls until one of them is renamed",
				zap.String("webhook", id), zap.String("space", h.rec.Space))
			continue
		}
		endpoints[id] = newEndpoint(h.wh, "")
	}
	d := newDispatcher(endpoints)
	r.dispatchers[d] = struct{}{}
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
	r.mu.Lock()
	defer r.mu.Unlock()
	r.byID[wh.ID()] = &apiWebhook{rec: rec, wh: wh}
	r.rebuildSpace(rec.Space)
	for d := range r.dispatchers {
		d.SetEndpoint(newEndpoint(wh, ""))
	}
	return nil
}

// deleteWebhook removes the API webhook id of space. Its queued
// deliveries are then kept as failed, as those of a webhook removed from
// the config. r.changes must be held.
func (r *apiRegistry) deleteWebhook(space, id string) error {
	if err := r.commit(delivery.Batch{Delete: []string{apiWebhookKey(space, id)}}); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.byID, id)
	r.rebuildSpace(space)
	for d := range r.dispatchers {
		d.RemoveEndpoint(id)
	}
	return nil
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
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets[space] = s
	return nil
}

// deleteSecret removes the signing secret of a space. r.changes must be
// held.
func (r *apiRegistry) deleteSecret(space string) error {
	if err := r.commit(delivery.Batch{Delete: []string{apiSecretPrefix + space}}); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.secrets, space)
	return nil
}

// apiWebhookKey is the index key of an API webhook.
func apiWebhookKey(space, id string) string {
	return apiWebhookPrefix + space + "/" + id
}
