package caddymodule

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/cmsevents/caddy-cms-events/delivery"
	"github.com/cmsevents/caddy-cms-events/events"
	"github.com/cmsevents/caddy-cms-events/followup"
)

// followPrefix is the index namespace of the actions being followed (bulk,
// release and scheduled actions). Its "!" cannot start an entity key.
const followPrefix = "!followup/"

// followWrite adds to batch what a write that starts, changes or cancels a
// bulk, release or scheduled action means for following it. The returned
// function, called once the batch is durable, tells the runner.
func (h *Handler) followWrite(wr write, body []byte, now time.Time, d events.Derived, batch *delivery.Batch) func() {
	route := wr.route
	switch route.EntityType {
	case events.TypeBulkAction, events.TypeReleaseAction, events.TypeScheduledAction:
	default:
		return nil
	}
	runner := h.app.shared.runner
	if route.EntityType == events.TypeScheduledAction && route.Method == http.MethodDelete {
		key := followup.ScheduledKey(route.Space, d.Event.EntityID)
		batch.Delete = append(batch.Delete, followPrefix+key)
		return func() { runner.Cancel(key) }
	}
	a := followup.FromWrite(route, wr.r.URL.Path, body, now)
	if a == nil {
		if route.EntityType != events.TypeScheduledAction {
			h.logger.Warn("the answer does not describe the action it started; its entity events will not be sent",
				zap.String("method", wr.r.Method), zap.String("path", wr.r.URL.Path))
		}
		return nil
	}
	raw, err := json.Marshal(a)
	if err != nil {
		return nil
	}
	batch.Put = append(batch.Put, delivery.KV{Key: followPrefix + a.Key(), Value: raw})
	return func() { runner.Track(a) }
}

// noteUpstream remembers how to reach the CMS for space: through this
// handler's chain with this request's credentials. Followed actions of the
// space use it; a change wakes those waiting for one.
func (sh *shared) noteUpstream(h *Handler, space string, r *http.Request, next caddyhttp.Handler) {
	if v, ok := sh.upstreams.Load(space); ok {
		u := v.(*upstream)
		if u.app == h.app && u.req.Header.Get("Authorization") == r.Header.Get("Authorization") {
			return
		}
	}
	srv, _ := r.Context().Value(caddyhttp.ServerCtxKey).(*caddyhttp.Server)
	req := r.Clone(context.Background())
	req.Body, req.ContentLength = http.NoBody, 0
	sh.upstreams.Store(space, &upstream{app: h.app, next: next, srv: srv, req: req})
	sh.runner.Wake(space)
}

// Fetch makes a followed action's GET through the newest chain that has
// seen a request to the action's space.
func (sh *shared) Fetch(ctx context.Context, a *followup.Action, path, query string) (int, []byte, error) {
	v, ok := sh.upstreams.Load(a.Space)
	if !ok {
		return 0, nil, followup.ErrNoUpstream
	}
	u := v.(*upstream)
	if u.app != sh.current.Load() {
		return 0, nil, followup.ErrNoUpstream
	}
	rec, err := u.get(ctx, path, query, u.app.MaxBody)
	if err != nil {
		return 0, nil, err
	}
	if rec.overflow {
		return 0, nil, fmt.Errorf("the answer is larger than max_body (%d bytes); raise max_body", u.app.MaxBody)
	}
	return rec.status, rec.body.Bytes(), nil
}

// Finish queues the events of a finished action through the running
// config's webhooks and forgets the action, in one commit. When the action
// is no longer recorded, another gateway sharing the storage finished it
// and its events are queued already.
func (sh *shared) Finish(a *followup.Action, done []events.Derived) error {
	err := sh.queueEvents(delivery.Batch{Take: &delivery.Take{Key: followPrefix + a.Key()}}, done...)
	if errors.Is(err, delivery.ErrTaken) {
		sh.logger.Debug("followed action finished by another gateway", zap.String("action", a.Key()))
		return nil
	}
	return err
}
