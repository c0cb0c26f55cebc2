package caddymodule

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"

	"go.uber.org/zap"

	"github.com/cmsevents/caddy-cms-events/delivery"
	"github.com/cmsevents/caddy-cms-events/events"
)

// Store keys of what the gateway learned of Contentful apps: an app's
// event subscription and signing secret, and its installations. Their "!"
// cannot start an entity key.
const (
	appPrefix        = "!apps/"              // + app definition id
	appInstallPrefix = "!app_installations/" // + space/environment/app definition id
)

// appEndpointPrefix starts the endpoint (and call log) id of an app's
// events: "app.<app definition id>".
const appEndpointPrefix = "app."

// appRecord is what the store keeps of one app definition.
type appRecord struct {
	// Org is the organization the app definition belongs to.
	Org string `json:"org"`
	// Subscription is the app's event subscription; nil when it has none.
	Subscription *appSubscription `json:"subscription,omitempty"`
	// Secret is the app's signing secret; "" when unknown.
	Secret string `json:"secret,omitempty"`
}

// appSubscription is an AppEventSubscription: where the app's events go
// and which topics it takes.
type appSubscription struct {
	TargetURL string           `json:"targetUrl"`
	Topics    []string         `json:"topics"`
	Filters   *[]events.Filter `json:"filters,omitempty"`
}

// appState is an app record with its compiled subscription.
type appState struct {
	rec appRecord
	raw []byte          // rec as stored
	wh  *events.Webhook // nil without a subscription
}

// appRegistry holds the Contentful apps the gateway learned from the writes
// that passed through it (event subscriptions, signing secrets,
// installations), for every config that shares one storage. Each change
// is committed (synced) before the client gets its answer and applies at
// once to the running dispatchers; changes that other gateways sharing the
// store commit apply as they are followed (feeds).
type appRegistry struct {
	store  delivery.Backend
	logger *zap.Logger

	// changes serialises changes, from reading a record to committing it.
	changes sync.Mutex

	mu          sync.RWMutex
	apps        map[string]*appState       // by app definition id
	installs    map[envKey]map[string]bool // installed app ids by environment
	changed     map[envKey]int             // installation changes so far by environment
	asked       map[envKey]bool            // environments whose installations were asked for since the start
	dispatchers map[*delivery.Dispatcher]struct{}
}

// envKey names a space environment; as a map key it costs no allocation
// on the hot path of every write.
type envKey struct{ space, env string }

// newAppRegistry returns an empty registry on store; its feeds fill it.
func newAppRegistry(store delivery.Backend, logger *zap.Logger) *appRegistry {
	return &appRegistry{
		store:       store,
		logger:      logger,
		apps:        make(map[string]*appState),
		installs:    make(map[envKey]map[string]bool),
		changed:     make(map[envKey]int),
		asked:       make(map[envKey]bool),
		dispatchers: make(map[*delivery.Dispatcher]struct{}),
	}
}

// feeds returns the index namespaces the registry holds, with how a
// stored record of each applies.
func (r *appRegistry) feeds() []indexFeed {
	return []indexFeed{
		{prefix: appPrefix, apply: r.applyAppRecord},
		{prefix: appInstallPrefix, apply: r.applyInstallRecord},
	}
}

// applyAppRecord applies the stored record key of an app, or its removal
// (value nil). A record that cannot be read is logged and changes nothing.
func (r *appRegistry) applyAppRecord(key string, value []byte) {
	id := strings.TrimPrefix(key, appPrefix)
	if value == nil {
		r.removeApp(id)
		return
	}
	var rec appRecord
	if err := json.Unmarshal(value, &rec); err != nil {
		r.logger.Error("a stored app record cannot be read; it is learned again from the next write of its subscription", zap.String("app", id), zap.Error(err))
		return
	}
	r.setApp(id, rec, value)
}

// applyInstallRecord applies the stored installation key
// (space/environment/app), or its removal (value nil).
func (r *appRegistry) applyInstallRecord(key string, value []byte) {
	parts := strings.Split(strings.TrimPrefix(key, appInstallPrefix), "/")
	if len(parts) != 3 {
		r.logger.Error("a stored app installation has a key of no installation; it is left out", zap.String("key", key))
		return
	}
	r.setInstalled(envKey{parts[0], parts[1]}, parts[2], value != nil)
}

// compile makes the app's state; a subscription that does not compile is
// logged and makes no calls.
func (r *appRegistry) compile(id string, rec appRecord) *appState {
	st := &appState{rec: rec}
	if rec.Subscription == nil {
		return st
	}
	filters := rec.Subscription.Filters
	if filters == nil {
		filters = &[]events.Filter{} // an app gets the events of every environment it is installed in
	}
	topics := make([]string, len(rec.Subscription.Topics))
	for i, t := range rec.Subscription.Topics {
		topics[i] = appTopic(t)
	}
	wh, err := events.Compile(events.Definition{
		ID: appEndpointPrefix + id, Name: id, URL: rec.Subscription.TargetURL,
		Topics: topics, Filters: filters,
		// The context headers of app events, signed with the rest.
		Headers: []events.Header{
			{Key: "X-Contentful-App-Id", Value: id},
			{Key: "X-Contentful-Space-Id", Value: "{ /payload/sys/space/sys/id }"},
			{Key: "X-Contentful-Environment-Id", Value: "{ /payload/sys/environment/sys/id }"},
		},
	})
	if err != nil {
		r.logger.Error("the app's event subscription cannot be used; it makes no calls until it is written again",
			zap.String("app", id), zap.Error(err))
		return st
	}
	st.wh = wh
	return st
}

// appTopic maps a subscription topic to the topic the gateway's events
// carry: Contentful's reference lists AppInstallation.update for what its
// API calls AppInstallation.save.
func appTopic(t string) string {
	if t == "AppInstallation.update" {
		return "AppInstallation.save"
	}
	return t
}

// setInstalled applies an installation of app in an environment, or its
// removal, and counts it as a change of the environment's installations
// unless they had it so already.
func (r *appRegistry) setInstalled(at envKey, app string, installed bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.installs[at][app] == installed {
		return
	}
	if installed {
		if r.installs[at] == nil {
			r.installs[at] = make(map[string]bool)
		}
		r.installs[at][app] = true
	} else {
		delete(r.installs[at], app)
	}
	r.changed[at]++
}

// endpoint returns the delivery side of an app's subscription.
func (st *appState) endpoint() *delivery.Endpoint {
	return newEndpoint(st.wh, st.rec.Secret)
}

// matching returns the subscriptions of the apps installed in the
// environment of an event, app id order.
func (r *appRegistry) matching(space, env string) []*events.Webhook {
	r.mu.RLock()
	defer r.mu.RUnlock()
	installed := r.installs[envKey{space, env}]
	if len(installed) == 0 {
		return nil
	}
	ids := make([]string, 0, len(installed))
	for id := range installed {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var whs []*events.Webhook
	for _, id := range ids {
		if st := r.apps[id]; st != nil && st.wh != nil {
			whs = append(whs, st.wh)
		}
	}
	return whs
}

// subscription returns the compiled subscription of one app, or nil.
func (r *appRegistry) subscription(app string) *events.Webhook {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if st := r.apps[app]; st != nil {
		return st.wh
	}
	return nil
}

// subscriptions returns the compiled subscriptions of every app, by id.
func (r *appRegistry) subscriptions() []*events.Webhook {
	r.mu.RLock()
	defer r.mu.RUnlock()
	ids := make([]string, 0, len(r.apps))
	for id, st := range r.apps {
		if st.wh != nil {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	whs := make([]*events.Webhook, len(ids))
	for i, id := range ids {
		whs[i] = r.apps[id].wh
	}
	return whs
}

// knows reports whether the app has a record.
func (r *appRegistry) knows(app string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.apps[app] != nil
}

// attach adds every app's endpoint to endpoints, makes the dispatcher, and
// sends it the app changes from then on.
func (r *appRegistry) attach(endpoints map[string]*delivery.Endpoint, newDispatcher func(map[string]*delivery.Endpoint) *delivery.Dispatcher) *delivery.Dispatcher {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, st := range r.apps {
		if st.wh != nil {
			endpoints[st.wh.ID()] = st.endpoint()
		}
	}
	d := newDispatcher(endpoints)
	r.dispatchers[d] = struct{}{}
	return d
}

// detach stops sending app changes to d.
func (r *appRegistry) detach(d *delivery.Dispatcher) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.dispatchers, d)
}

// update changes the record of an app with change, commits it (synced) and
// applies it.
func (r *appRegistry) update(app, org string, change func(*appRecord)) error {
	r.changes.Lock()
	defer r.changes.Unlock()
	r.mu.RLock()
	var rec appRecord
	if st := r.apps[app]; st != nil {
		rec = st.rec
	}
	r.mu.RUnlock()
	if org != "" {
		rec.Org = org
	}
	change(&rec)
	raw, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if err := r.store.Enqueue(context.Background(), delivery.Batch{Sync: true, Put: []delivery.KV{{Key: appPrefix + app, Value: raw}}}); err != nil {
		return err
	}
	r.setApp(app, rec, raw)
	return nil
}

// setApp applies the record of an app, stored as raw: its subscription
// goes to the dispatchers. The record held already changes nothing.
func (r *appRegistry) setApp(app string, rec appRecord, raw []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if held := r.apps[app]; held != nil && bytes.Equal(held.raw, raw) {
		return
	}
	st := r.compile(app, rec)
	st.raw = raw
	r.apps[app] = st
	for d := range r.dispatchers {
		if st.wh != nil {
			d.SetEndpoint(st.endpoint())
		} else {
			d.RemoveEndpoint(appEndpointPrefix + app)
		}
	}
}

// removeApp applies the removal of an app's record.
func (r *appRegistry) removeApp(app string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.apps[app] == nil {
		return
	}
	delete(r.apps, app)
	for d := range r.dispatchers {
		d.RemoveEndpoint(appEndpointPrefix + app)
	}
}

// installWrites adds to batch the change an AppInstallation event makes to
// the installations; apply applies it once the batch is committed.
func (r *appRegistry) installWrites(space, env, app string, deleted bool, batch *delivery.Batch) (apply func()) {
	key := appInstallPrefix + space + "/" + env + "/" + app
	if deleted {
		batch.Delete = append(batch.Delete, key)
	} else {
		batch.Put = append(batch.Put, delivery.KV{Key: key, Value: []byte("{}")})
	}
	return func() { r.setInstalled(envKey{space, env}, app, !deleted) }
}

// generation returns how often the installations of an environment
// changed since the start.
func (r *appRegistry) generation(space, env string) int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.changed[envKey{space, env}]
}

// markAsked reports whether the installations of an environment are still
// to be asked for since the start, and marks them asked.
func (r *appRegistry) markAsked(space, env string) bool {
	at := envKey{space, env}
	r.mu.RLock()
	done := r.asked[at]
	r.mu.RUnlock()
	if done {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.asked[at] {
		return false
	}
	r.asked[at] = true
	return true
}

// unmarkAsked makes the next write in the environment ask again.
func (r *appRegistry) unmarkAsked(space, env string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.asked, envKey{space, env})
}

// installed reports whether app is installed in the environment.
func (r *appRegistry) installed(space, env, app string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.installs[envKey{space, env}][app]
}
